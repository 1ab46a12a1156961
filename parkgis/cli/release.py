"""``parkgis screen``, ``parkgis land``, ``parkgis cases``: releasing locked land (issue 6)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer

from parkgis.labels import format

screen_app = typer.Typer(
    help="Zombie screening and per-mu efficiency (亩均效益).", no_args_is_help=True
)
land_app = typer.Typer(help="Idle-land clocks (闲置土地, MLR Order 53).", no_args_is_help=True)
cases_app = typer.Typer(
    help="Bankruptcy cases (破产案件) and their deadlines.", no_args_is_help=True
)


def _run(work: Any) -> Any:
    from parkgis import db

    engine = db.make_engine()
    try:
        with engine.begin() as conn:
            db.set_actor(conn, "cli")
            return work(conn)
    finally:
        engine.dispose()


def _as_of(value: str | None) -> date | None:
    from parkgis.inputs import parse_date

    return parse_date(value, "--as-of")


def _dump(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


#: Words of a screening verdict (parkgis.release.screening computes it, nothing stores it).
_VERDICTS = {"likely_zombie": "疑似僵尸企业", "watch": "关注", "none": "无异常"}


def _run_line(result: dict[str, Any], kind: str) -> str:
    """Whether the run was stored: showing writes nothing, ``--store`` records it."""
    if result["run_id"] is None:
        return f"{kind}结果未保存（加 --store 保存为一个批次）"
    return f"{kind}批次 {result['run_id']}（已保存）"


@screen_app.command("firms")
def screen_firms(
    year: int | None = typer.Option(
        None, min=1990, max=2100, help="indicator year (default: the latest)"
    ),
    as_of: str | None = typer.Option(None, help="reference date YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json", help="print the full result as JSON"),
    store: bool = typer.Option(False, "--store", help="record the run (screening_run)"),
) -> None:
    """Screen every firm for zombie signals and print the ranked list (--store keeps the run)."""
    from parkgis.release.screening import screen_firms as run

    result = _run(lambda conn: run(conn, year, _as_of(as_of), store=store))
    if as_json:
        _dump(result)
        return
    typer.echo(
        f"{_run_line(result, '筛查')}，{result['year']} 年度指标，"
        f"规则版本 {result['rules_version']}"
    )
    for r in result["results"]:
        why = "、".join(s["label_zh"] for s in r["signals"]) or "无信号"
        verdict = _VERDICTS.get(r["class"], r["class"])
        typer.echo(f"{r['rank']:>4} {r['score']:>6.1f} {verdict:<8} {r['name']}  [{why}]")


@screen_app.command("efficiency")
def screen_efficiency(
    year: int = typer.Option(..., min=1990, max=2100, help="indicator year"),
    as_of: str | None = typer.Option(None, help="reference date YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json", help="print the full result as JSON"),
    store: bool = typer.Option(False, "--store", help="record the run (screening_run)"),
) -> None:
    """Per-mu efficiency classes A-D and the D-class firms' land (--store keeps the run)."""
    from parkgis.release.efficiency import evaluate_efficiency

    result = _run(lambda conn: evaluate_efficiency(conn, year, _as_of(as_of), store=store))
    if as_json:
        _dump(result)
        return
    typer.echo(f"{_run_line(result, '评价')}，{year} 年度，规则版本 {result['rules_version']}")
    for r in result["results"]:
        typer.echo(
            f"{r['group']:<12} {r['rank']:>4} {r['class']} 类 {r['score']:>7.2f} 分 "
            f"{format.number(r['land_mu'], 2):>9} 亩 {r['name']}"
        )
    typer.echo(
        f"D 类企业用地：{len(result['d_class_land'])} 宗，"
        f"{format.number(result['d_class_land_mu'], 2)} 亩"
    )


@land_app.command("idle")
def land_idle(
    as_of: str | None = typer.Option(None, help="reference date YYYY-MM-DD"),
    xlsx: Path | None = typer.Option(None, help="write the ledger (台账) to this XLSX file"),
) -> None:
    """Every locked parcel with why it is locked, its idle clock, fee and recovery dates."""
    from parkgis.release import idle

    day = _as_of(as_of) or date.today()

    def work(conn: Any) -> tuple[list[str], bytes | None]:
        from parkgis.labels import codes

        clocks = idle.idle_clocks(conn, day)
        rate = idle.disposal_rate(conn, day.year)
        lines = []
        for c in clocks:
            fee = f"应征闲置费 {format.yuan(c['fee_yuan'])}" if c["fee_due"] else ""
            rec = "可无偿收回" if c["recovery_eligible"] else ""
            status = codes.label(conn, "land_status", c["status"])
            lines.append(
                f"{c['plot_no']:<12} {status:<8} 起算 {format.date(c['clock_start_on'])} "
                f"可收回 {format.date(c['recovery_eligible_from'])} "
                f"预计可供 {format.date(c['expected_available_from'])} "
                f"{format.days(c['idle_days'] or 0)} {fee} {rec} {c['reason_zh']}"
            )
        lines.append(
            f"{rate['year']} 年处置率 {format.percent(rate['rate'])}"
            f"（目标 {format.percent(rate['target'])}）"
        )
        ledger = idle.ledger_xlsx(conn, clocks, day, rate) if xlsx else None
        return lines, ledger

    lines, ledger = _run(work)
    for line in lines:
        typer.echo(line)
    if xlsx and ledger is not None:
        xlsx.write_bytes(ledger)
        typer.echo(f"台账已写入 ledger written to {xlsx}")


@cases_app.command("list")
def cases_list(as_of: str | None = typer.Option(None, help="reference date YYYY-MM-DD")) -> None:
    """Every case with its stage, next deadline and what is overdue."""
    from parkgis.release.cases import list_cases

    def work(conn: Any) -> list[str]:
        from parkgis.labels import codes

        lines = []
        for c in list_cases(conn, _as_of(as_of)):
            nxt = c["next_deadline"]
            due = (
                f"{nxt['label_zh']} {format.date(nxt['due_on'])}"
                f"（{format.days_left(nxt['days_left'])}）"
                if nxt
                else "无"
            )
            stage = codes.label(conn, "case_stage", c["stage"])
            lines.append(
                f"{c['id']:>4} {c['case_no'] or c['application_no']} {stage:<10} "
                f"下一期限 {due}；逾期期限 {c['overdue_deadlines']} 项，"
                f"逾期任务 {c['overdue_tasks']} 项"
            )
        return lines

    for line in _run(work):
        typer.echo(line)


@cases_app.command("show")
def cases_show(case_id: int, as_of: str | None = typer.Option(None, help="YYYY-MM-DD")) -> None:
    """One case as JSON: deadlines, parcels, tasks, auctions, events."""
    from parkgis.release.cases import get_case

    _dump(_run(lambda conn: get_case(conn, case_id, _as_of(as_of))))


@cases_app.command("advance")
def cases_advance(
    case_id: int,
    stage: str,
    on: str = typer.Option(..., "--on", help="date of the step YYYY-MM-DD"),
    version: int | None = typer.Option(None, help="expected version (default: current)"),
    detail: list[str] = typer.Option([], help="extra field as key=value, e.g. case_no=..."),
) -> None:
    """Move a case to STAGE on a date (illegal transitions and open blocking tasks refused)."""
    from sqlalchemy import text

    from parkgis.inputs import parse_date, parse_pairs
    from parkgis.release.cases import advance_case

    details = parse_pairs(detail, "--detail")
    day = parse_date(on, "--on")
    assert day is not None  # a required option

    def work(conn: Any) -> dict[str, Any]:
        v = (
            version
            or conn.execute(
                text("SELECT version FROM bankruptcy_case WHERE id = :id"), {"id": case_id}
            ).scalar()
        )
        from parkgis.labels import codes

        case = advance_case(conn, case_id, stage, day, int(v or 0), details)
        case["stage_label"] = codes.label(conn, "case_stage", case["stage"])
        return case

    case = _run(work)
    typer.echo(
        f"案件 {case_id} 进入“{case['stage_label']}”阶段（版本 {case['version']}）；"
        f"预计释放日期 {format.date(case['expected_release_on'])}"
    )


def register(app: typer.Typer) -> None:
    """Add ``screen``, ``land`` and ``cases`` to the root command."""
    app.add_typer(screen_app, name="screen")
    app.add_typer(land_app, name="land")
    app.add_typer(cases_app, name="cases")
