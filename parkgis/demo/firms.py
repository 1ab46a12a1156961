"""Firms of the demo and their yearly indicators (亩均效益 and zombie-screening inputs).

About a tenth of the firms are zombies (僵尸企业, DOMAIN §4): three years of losses,
electricity near zero, tax and social-insurance arrears, enforcement cases, listed as a
defaulting debtor, production stopped. Their land is idle, inefficient or in a
bankruptcy estate (``parkgis.demo.land`` decides which).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from parkgis.codes import USCC_CHARSET, uscc_check_char
from parkgis.demo import names
from parkgis.demo._io import IdPool, Row

#: Years of indicators loaded.
INDICATOR_YEARS = (2023, 2024, 2025)
#: kWh per yuan of revenue, by industry section prefix (rough, for realism only).
_KWH_PER_YUAN = {
    "C13": 0.05,
    "C14": 0.04,
    "C15": 0.03,
    "C17": 0.09,
    "C18": 0.02,
    "C26": 0.12,
    "C29": 0.08,
    "C30": 0.15,
    "C33": 0.05,
    "C34": 0.04,
    "C35": 0.04,
    "C36": 0.03,
    "C38": 0.03,
    "C39": 0.02,
    "C40": 0.02,
}


class FirmMaker:
    """Creates firm rows with unique codes; one per load (codes are unique per database)."""

    def __init__(self, ids: IdPool) -> None:
        self.ids = ids
        self.used_uscc: set[str] = set()
        self.rows: list[Row] = []
        self.indicators: dict[int, list[Row]] = {}
        self.dropped: set[int] = set()

    def uscc(self, rng: np.random.Generator, established: date, bad: bool) -> tuple[str, bool]:
        """A GB 32100-2015 code: 9 (registered by market regulation), 1 (enterprise),
        the county code, a 9-character organisation code, the check character."""
        while True:
            county = "340604" if rng.random() < 0.8 else "340600"
            if established.year >= 2015:
                org = "MA" + "".join(rng.choice(list(USCC_CHARSET), size=7))
            else:
                org = "".join(str(d) for d in rng.integers(0, 10, size=8)) + str(
                    rng.choice(list("0123456789X"))
                )
            body = f"91{county}{org}"
            code = body + uscc_check_char(body)
            ok = True
            if bad:  # a few issued codes fail the check (DOMAIN §2): warn, do not reject
                wrong = [ch for ch in USCC_CHARSET if ch != code[-1]]
                code = body + str(rng.choice(wrong))
                ok = False
            if code not in self.used_uscc:
                self.used_uscc.add(code)
                return code, ok

    def make(
        self,
        rng: np.random.Generator,
        zone_code: str,
        industry: tuple[str, str],
        *,
        established: date,
        zombie: bool = False,
        scale_mu: float = 30.0,
        status: str | None = None,
        name: str | None = None,
        bad_uscc: bool = False,
    ) -> Row:
        """A firm row (and its three years of indicators); returns the firm row."""
        code, word = industry
        uscc, ok = self.uscc(rng, established, bad_uscc)
        firm_id = self.ids.next()
        # Revenue grows with the land held; lognormal spread around 2.5 million yuan per mu.
        base_revenue = float(scale_mu * 2.5e6 * rng.lognormal(0, 0.6))
        if status is None:
            status = str(rng.choice(["stopped", "half_stopped"])) if zombie else "operating"
        row: Row = {
            "id": firm_id,
            "zone_code": zone_code,
            "name": name or names.firm_name(rng, word),
            "uscc": uscc,
            "uscc_check_ok": ok,
            "industry_code": code,
            "status": status,
            "established_on": established,
            "above_scale": (not zombie) and base_revenue >= 2.0e7,
            "registered_capital_yuan": float(
                round(base_revenue * rng.uniform(0.05, 0.3), -4) + 1e6
            ),
            "legal_representative": names.person(rng),
            "contact_phone": names.phone(rng),
            "extra": {},
        }
        self.rows.append(row)
        self.indicators[firm_id] = _indicators(rng, firm_id, code, base_revenue, zombie)
        row["_revenue"] = base_revenue
        return row

    def make_zombie(self, rng: np.random.Generator, firm: Row, status: str) -> None:
        """Turn a firm into a zombie (it went under): its indicators say so."""
        firm.update(status=status, above_scale=False, _zombie=True)
        self.indicators[firm["id"]] = _indicators(
            rng, firm["id"], firm["industry_code"], firm["_revenue"], True
        )

    def indicator_rows(self) -> list[Row]:
        """Indicators of the firms kept, in firm order."""
        return [r for fid, rows in self.indicators.items() if fid not in self.dropped for r in rows]

    def firm_rows(self) -> list[Row]:
        """Firms kept (a firm whose only parcel became something else is dropped)."""
        return [r for r in self.rows if r["id"] not in self.dropped]


def _indicators(
    rng: np.random.Generator, firm_id: int, industry: str, revenue: float, zombie: bool
) -> list[Row]:
    kwh_per_yuan = _KWH_PER_YUAN.get(industry[:3], 0.04)
    rows: list[Row] = []
    assets = revenue * rng.uniform(0.9, 1.6)
    debt_ratio = rng.uniform(0.75, 1.2) if zombie else rng.uniform(0.25, 0.6)
    high_tech = industry[:3] in ("C38", "C39", "C40") or industry in ("C3073", "C3599")
    loss_year = int(rng.integers(0, 6))  # a healthy firm may have one bad year
    for k, year in enumerate(INDICATOR_YEARS):
        if zombie:
            rev = revenue * (0.35, 0.12, 0.015)[k] * rng.uniform(0.7, 1.2)
            debt = assets * debt_ratio * (1 + 0.08 * k)
            interest = debt * rng.uniform(0.005, 0.02)  # rolled over, below market (CHK)
            ebit = -revenue * rng.uniform(0.03, 0.12)
            profit = ebit - interest
            kwh = (revenue * kwh_per_yuan * (0.3, 0.08, 0.004)[k]) * rng.uniform(0.8, 1.2)
            employees = int(max(0, revenue / 6e5 * (0.5, 0.2, 0.04)[k]))
            payers = int(employees * (0.8, 0.5, 0.0)[k])
            tax = rev * 0.01 if k == 0 else 0.0
            tax_arrears = revenue * rng.uniform(0.002, 0.01) * (k + 1)
            si_arrears = revenue * rng.uniform(0.001, 0.004) * (k + 1)
            enforcement = int(rng.integers(1, 4)) * (k + 1)
            flags = {
                "defaulting_debtor": k >= 1,
                "abnormal_operation": k == 2,
                "production_stopped": k >= 1,
                "construction_stopped": k == 2,
            }
            rd = 0.0
            tech = 0.0
            subsidies = float(rng.choice([0.0, revenue * 0.01]))
        else:
            rev = revenue * (1 + rng.normal(0.06, 0.08)) ** k
            debt = assets * debt_ratio
            interest = debt * rng.uniform(0.035, 0.055)
            margin = rng.uniform(-0.04, -0.01) if k == loss_year else rng.uniform(0.02, 0.11)
            profit = rev * margin
            ebit = profit + interest
            kwh = rev * kwh_per_yuan * rng.uniform(0.8, 1.2)
            employees = int(max(3, rev / 6e5 * rng.uniform(0.8, 1.2)))
            payers = int(employees * rng.uniform(0.85, 1.0))
            tax = max(0.0, rev * rng.uniform(0.025, 0.06))
            tax_arrears = 0.0 if rng.random() > 0.04 else rev * 0.002
            si_arrears = 0.0
            enforcement = 0 if rng.random() > 0.05 else 1
            flags = {
                "defaulting_debtor": False,
                "abnormal_operation": False,
                "production_stopped": False,
                "construction_stopped": False,
            }
            rd = rev * (rng.uniform(0.03, 0.07) if high_tech else rng.uniform(0.0, 0.02))
            tech = rev * rng.uniform(0.0, 0.08)
            subsidies = rev * rng.uniform(0.0, 0.01) if rng.random() < 0.4 else 0.0
        rows.append(
            {
                "firm_id": firm_id,
                "year": year,
                "revenue_yuan": round(float(rev), -2),
                "profit_yuan": round(float(profit), -2),
                "ebit_yuan": round(float(ebit), -2),
                "interest_paid_yuan": round(float(interest), -2),
                "total_assets_yuan": round(float(assets), -2),
                "total_debt_yuan": round(float(debt), -2),
                "tax_paid_yuan": round(float(tax), -2),
                "tax_arrears_yuan": round(float(tax_arrears), -2),
                "electricity_kwh": round(float(kwh)),
                "water_m3": round(float(kwh * rng.uniform(0.02, 0.2))),
                "energy_tce": round(float(kwh * 1.229e-4 * rng.uniform(1.0, 1.6)), 2),
                "employees": employees,
                "social_insurance_payers": payers,
                "social_insurance_arrears_yuan": round(float(si_arrears), -2),
                "rd_spending_yuan": round(float(rd), -2),
                "tech_investment_yuan": round(float(tech), -2),
                "subsidies_yuan": round(float(subsidies), -2),
                "enforcement_cases": enforcement,
                **flags,
                "extra": {},
            }
        )
    return rows


def established_before(rng: np.random.Generator, when: date, years: tuple[int, int]) -> date:
    """A founding date ``years`` (min, max) before ``when``."""
    return when - timedelta(days=int(rng.integers(years[0] * 365, years[1] * 365 + 1)))


def pick_industry(rng: np.random.Generator, themes: tuple[str, ...]) -> tuple[str, str]:
    """An industry (GB/T 4754 class, name word) among the park's leading industries."""
    theme = str(rng.choice(list(themes)))
    options = names.INDUSTRIES[theme]
    return options[int(rng.integers(0, len(options)))]
