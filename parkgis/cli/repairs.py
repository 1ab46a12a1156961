"""`parkgis repairs ...` and `parkgis network ...`: assessment, plans, network checks and traces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from parkgis import db

repairs_app = typer.Typer(
    help="管网修复评估与计划 (CJJ 181-2012): assess, plan.", no_args_is_help=True
)
network_app = typer.Typer(
    help="排水管网拓扑：检查与追踪 / drainage network checks and traces.", no_args_is_help=True
)


@repairs_app.command("assess")
def assess(
    all_: Annotated[bool, typer.Option("--all", help="reassess every inspection")] = False,
) -> None:
    """Compute the CJJ 181 scores of every stale (or every) inspection."""
    from parkgis.repairs.assess import assess_all

    engine = db.make_engine()
    with engine.begin() as conn:
        db.set_actor(conn, "cli")
        counts = assess_all(conn, stale_only=not all_)
    engine.dispose()
    typer.echo(f"已评估 assessed {counts['assessed']} / {counts['inspections']} 次检测 inspections")


@repairs_app.command("plan")
def plan(
    budget: Annotated[float, typer.Option(help="总预算（元） total budget, yuan")],
    years: Annotated[int, typer.Option(help="年数 years")] = 1,
    yearly_budget: Annotated[float | None, typer.Option(help="年度预算（元） per year")] = None,
    objective: Annotated[str, typer.Option(help="risk | land | blend")] = "blend",
    xlsx: Annotated[Path | None, typer.Option(help="工单 XLSX 输出文件")] = None,
    geojson: Annotated[Path | None, typer.Option(help="GeoJSON 输出文件")] = None,
) -> None:
    """Choose the works that maximise the objective within the budget, store and print them."""
    from parkgis.repairs.outputs import plan_xlsx
    from parkgis.repairs.plan import make_plan, plan_features

    engine = db.make_engine()
    with engine.begin() as conn:
        db.set_actor(conn, "cli")
        result = make_plan(conn, budget, years, yearly_budget, objective)
        if xlsx:
            xlsx.write_bytes(plan_xlsx(conn, result["id"]))
        if geojson:
            fc = plan_features(conn, result["id"])
            geojson.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    engine.dispose()
    t, g = result["totals"], result["totals"]["greedy"]
    typer.echo(f"修复计划 plan #{result['id']} ({objective}, {years} 年, 预算 {budget:,.0f} 元)")
    for i in result["items"]:
        typer.echo(
            f"  {i['seq']:>3} Y{i['year']} {i['work_kind']:<15} {i['code']:<12} "
            f"{i['cost_yuan']:>12,.0f} 元  风险-{i['risk_reduction']:.3f}  "
            f"土地 {i['land_unlocked_mu']:.2f} 亩"
        )
    for label, s in (("优化 optimal", t), ("贪心 greedy ", g)):
        typer.echo(
            f"{label}: {s['works']} 项, {s['cost_yuan']:,.0f} 元, "
            f"风险降低 {s['risk_reduction']:.3f}, "
            f"释放 {s['land_unlocked_mu']:.2f} 亩 / {len(s['enquiries_unlocked'])} 个招商项目"
        )


@network_app.command("check")
def check() -> None:
    """Report uphill segments and loops (errors), flat segments and dead ends (warnings)."""
    from parkgis.repairs.network import check_network

    engine = db.make_engine()
    with engine.begin() as conn:
        db.set_actor(conn, "cli")
        report = check_network(conn)
    engine.dispose()
    typer.echo(f"{report['segments']} 管段 segments, {report['manholes']} 检查井 manholes")
    for e in report["errors"]:
        typer.secho(f"错误 error: {e['message']} / {e['message_en']}", fg="red")
    for w in report["warnings"]:
        typer.echo(f"警告 warning: {w['message']} / {w['message_en']}")
    if report["errors"]:
        raise typer.Exit(1)


@network_app.command("trace")
def trace(
    manhole: Annotated[str | None, typer.Option(help="检查井编号")] = None,
    segment: Annotated[str | None, typer.Option(help="管段编号")] = None,
    parcel: Annotated[str | None, typer.Option(help="地块编号 plot_no")] = None,
    direction: Annotated[str, typer.Option(help="up | down")] = "down",
    system: Annotated[str | None, typer.Option(help="storm | sewage (parcel)")] = None,
    geojson: Annotated[Path | None, typer.Option(help="GeoJSON 输出文件")] = None,
) -> None:
    """Trace up- or downstream from a manhole, a segment or a parcel."""
    from parkgis.repairs.trace import trace as run

    engine = db.make_engine()
    with engine.begin() as conn:
        db.set_actor(conn, "cli")
        result = run(
            conn,
            manhole=manhole,
            segment=segment,
            parcel=parcel,
            direction=direction,
            system=system,
        )
    engine.dispose()
    for c in result.get("connection", []):
        typer.echo(
            f"接入 connection ({c['system']}): {c['connection']} -> manhole {c['manhole_id']}"
        )
    for s in result["segments"]:
        typer.echo(f"  {s['code']:<14} DN{s['diameter_mm']:<5} RI={s['ri']} ({s['ri_grade']})")
    typer.echo(f"排放口 outfalls: {', '.join(result['outfalls']) or '-'}")
    for p in result.get("parcels", []):
        typer.echo(f"  地块 parcel {p['plot_no']} ({p['connection']})")
    if geojson:
        geojson.write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")


def register(app: typer.Typer) -> None:
    """Add the `repairs` and `network` groups to the root command."""
    app.add_typer(repairs_app, name="repairs")
    app.add_typer(network_app, name="network")
