"""``parkgis screen``, ``parkgis land``, ``parkgis cases``: releasing locked land (issue 6)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer

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
    return date.fromisoformat(value) if value else None


def _dump(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@screen_app.command("firms")
def screen_firms(
    year: int | None = typer.Option(None, help="indicator year (default: the latest)"),
    as_of: str | None = typer.Option(None, help="reference date YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json", help="print the full result as JSON"),
) -> None:
    """Screen every firm for zombie signals; store the run; print the ranked list."""
    from parkgis.release.screening import screen_firms as run

    result = _run(lambda conn: run(conn, year, _as_of(as_of)))
    if as_json:
        _dump(result)
        return
    typer.echo(f"run {result['run_id']} year {result['year']} rules {result['rules_version']}")
    for r in result["results"]:
        why = ", ".join(s["code"] for s in r["signals"]) or "-"
        typer.echo(f"{r['rank']:>4} {r['score']:>6.1f} {r['class']:<14} {r['name']}  [{why}]")


@screen_app.command("efficiency")
def screen_efficiency(
    year: int = typer.Option(..., help="indicator year"),
    as_of: str | None = typer.Option(None, help="reference date YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json", help="print the full result as JSON"),
) -> None:
    """Per-mu efficiency classes A-D; store the run; list the D-class firms' land."""
    from parkgis.release.efficiency import evaluate_efficiency

    result = _run(lambda conn: evaluate_efficiency(conn, year, _as_of(as_of)))
    if as_json:
        _dump(result)
        return
    typer.echo(f"run {result['run_id']} year {year} rules {result['rules_version']}")
    for r in result["results"]:
        typer.echo(
            f"{r['group']:<12} {r['rank']:>4} {r['class']} {r['score']:>7.2f} "
            f"{r['land_mu']:>9.2f} 亩 {r['name']}"
        )
    typer.echo(
        f"D-class land: {len(result['d_class_land'])} parcels, {result['d_class_land_mu']} 亩"
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
        from parkgis.labels import codes, format

        clocks = idle.idle_clocks(conn, day)
        rate = idle.disposal_rate(conn, day.year)
        lines = []
        for c in clocks:
            fee = f"应征闲置费 {format.yuan(c['fee_yuan'])}" if c["fee_due"] else ""
            rec = "可无偿收回" if c["recovery_eligible"] else ""
            status = codes.label(conn, "land_status", c["status"])
            lines.append(
                f"{c['plot_no']:<12} {status:<8} 闲置起始 {format.date(c['idle_since'])} "
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

    for c in _run(lambda conn: list_cases(conn, _as_of(as_of))):
        nxt = c["next_deadline"]
        due = f"{nxt['key']} {nxt['due_on']} ({nxt['days_left']} d)" if nxt else "-"
        typer.echo(
            f"{c['id']:>4} {c['case_no'] or c['application_no']} {c['stage']:<20} "
            f"next {due}; overdue deadlines {c['overdue_deadlines']}, tasks {c['overdue_tasks']}"
        )


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

    from parkgis.release.cases import advance_case

    details = dict(d.split("=", 1) for d in detail)

    def work(conn: Any) -> dict[str, Any]:
        v = (
            version
            or conn.execute(
                text("SELECT version FROM bankruptcy_case WHERE id = :id"), {"id": case_id}
            ).scalar()
        )
        return advance_case(conn, case_id, stage, date.fromisoformat(on), int(v or 0), details)

    case = _run(work)
    typer.echo(
        f"case {case_id} now {case['stage']} (version {case['version']}); "
        f"expected release {case['expected_release_on']}"
    )


def register(app: typer.Typer) -> None:
    """Add ``screen``, ``land`` and ``cases`` to the root command."""
    app.add_typer(screen_app, name="screen")
    app.add_typer(land_app, name="land")
    app.add_typer(cases_app, name="cases")
