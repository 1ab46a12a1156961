"""The demo's bankruptcy cases as a script: one case per stage, the events their dates
record and the titles of their joint tasks (data only; :mod:`parkgis.demo.cases` writes
the rows). The dates keep the deadlines listed in that module's docstring.
"""

from __future__ import annotations

from datetime import date

D = date.fromisoformat

#: One case per stage: (stage, procedure, applicant, dates..., tasks (kind, deadline, status)).
CASES: tuple[dict[str, object], ...] = (
    {
        "stage": "closed",
        "procedure": "liquidation",
        "applicant": "debtor",
        "applied_on": D("2024-03-04"),
        "accepted_on": D("2024-03-15"),
        "announced_on": D("2024-03-29"),
        "claims_deadline_on": D("2024-06-28"),
        "first_meeting_on": D("2024-07-10"),
        "declared_on": D("2024-08-20"),
        "closed_on": D("2026-03-18"),
        "closing_outcome": "sold",
        "tasks": (
            ("lift_seizure", "2024-04-30", "done"),
            ("worker_resettlement", "2024-06-30", "done"),
            ("property_transfer", "2025-12-31", "done"),
            ("deregistration", "2026-03-10", "done"),
            ("tax_clearance", "2025-06-30", "done"),
        ),
    },
    {
        "stage": "asset_disposal",
        "procedure": "liquidation",
        "applicant": "creditor",
        "applied_on": D("2025-02-10"),
        "accepted_on": D("2025-02-21"),
        "announced_on": D("2025-03-07"),
        "claims_deadline_on": D("2025-06-06"),
        "first_meeting_on": D("2025-06-18"),
        "declared_on": D("2025-07-30"),
        "expected_release_on": D("2027-03-31"),
        "allocated": True,
        "tasks": (
            ("lift_seizure", "2026-10-31", "in_progress"),
            ("utility_arrears", "2026-06-30", "done"),
            ("worker_resettlement", "2026-05-31", "done"),
            ("environmental", "2026-11-15", "in_progress"),
            ("tax_clearance", "2026-12-31", "open"),
            ("land_replanning", "2027-01-31", "open"),
        ),
    },
    {
        "stage": "first_meeting",
        "procedure": "reorganisation",
        "applicant": "debtor",
        "applied_on": D("2026-05-11"),
        "accepted_on": D("2026-05-22"),
        "announced_on": D("2026-06-05"),
        "claims_deadline_on": D("2026-09-04"),
        "first_meeting_on": D("2026-09-16"),
        "reorganisation_ruled_on": D("2026-05-22"),
        "plan_extended": True,
        "expected_release_on": D("2027-06-30"),
        "tasks": (
            ("cost_fund", "2026-07-15", "done"),
            ("worker_resettlement", "2026-11-20", "in_progress"),
            ("tax_clearance", "2026-12-20", "in_progress"),
            ("credit_repair", "2027-02-28", "open"),
        ),
    },
    {
        "stage": "claims_period",
        "procedure": "liquidation",
        "applicant": "creditor",
        "applied_on": D("2026-08-03"),
        "accepted_on": D("2026-08-14"),
        "announced_on": D("2026-08-28"),
        "claims_deadline_on": D("2026-11-27"),
        "tasks": (
            ("lift_seizure", "2026-11-13", "open"),
            ("utility_arrears", "2026-12-15", "open"),
            ("worker_resettlement", "2026-12-31", "in_progress"),
        ),
    },
    {
        # Accepted by the intermediate court (a second court: court users see their own).
        "stage": "accepted",
        "court": "淮北市中级人民法院",
        "procedure": "liquidation",
        "applicant": "creditor",
        "applied_on": D("2026-11-02"),
        "accepted_on": D("2026-11-16"),
        "tasks": (("cost_fund", "2026-12-16", "open"), ("lift_seizure", "2026-12-01", "open")),
    },
    {
        "stage": "application",
        "procedure": "liquidation",
        "applicant": "creditor",
        "applied_on": D("2026-11-18"),
        "tasks": (),
    },
)
#: Events a case records on its dates: (date field, kind, stage from, stage to, note).
EVENTS = (
    ("accepted_on", "accepted", "application", "accepted", "裁定受理破产申请，同时指定管理人"),
    ("announced_on", "announced", None, None, "通知已知债权人并予以公告"),
    ("claims_deadline_on", "claims_closed", "accepted", "claims_period", "债权申报期届满"),
    ("first_meeting_on", "first_meeting", "claims_period", "first_meeting", "召开第一次债权人会议"),
    ("declared_on", "declared", "first_meeting", "plan_or_declaration", "宣告债务人破产"),
    ("closed_on", "closed", "distribution", "closed", "裁定终结破产程序"),
)


#: Titles of the joint tasks (府院联动) by task kind.
TASK_TITLES = {
    "lift_seizure": "解除土地及厂房查封",
    "tax_clearance": "税款债权申报与纳税信用修复",
    "utility_arrears": "水电欠费核定与恢复供应",
    "worker_resettlement": "职工安置及欠薪保障",
    "property_transfer": "不动产登记与过户",
    "credit_repair": "重整企业信用修复",
    "deregistration": "企业注销登记",
    "land_replanning": "划拨土地收回及重新规划",
    "environmental": "场地环境调查评估",
    "cost_fund": "破产费用保障资金拨付",
}
