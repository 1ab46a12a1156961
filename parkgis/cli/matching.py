"""``parkgis match ENQUIRY.json`` and ``parkgis enquiries add|list``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from parkgis.labels import format

enquiries = typer.Typer(help="Investor enquiries 招商需求.", no_args_is_help=True)


def _read(path: Path) -> dict[str, Any]:
    from parkgis.errors import ValidationError

    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ValidationError(
            message=f"无法读取需求文件 {path}：{exc}", message_en=f"cannot read {path}: {exc}",
            field="ENQUIRY", found=str(path),
        ) from None  # fmt: skip


def match_command(
    enquiry_file: Path = typer.Argument(..., help="enquiry as JSON"),
    top: int = typer.Option(10, "--top", help="sites to list per group"),
    role: str = typer.Option("promotion", help="role whose view to print"),
) -> None:
    """Match an enquiry and print the fits and near misses (Chinese headers)."""
    from parkgis import db
    from parkgis.matching.engine import match

    data = _read(enquiry_file)
    weights = data.pop("weights", None)
    engine = db.make_engine()
    with engine.begin() as conn:
        db.set_actor(conn, "cli")
        result = match(conn, data, role, top=top, weights=weights)
    engine.dispose()
    header = (
        f"{'排名':<4} {'类型':<10} {'编号':<22} {'面积':>12} {'得分':>6}  未满足条件 / 待解决事项"
    )
    for title, sites in (
        ("符合条件的场地", result.fits),
        ("接近符合（未满足一项）", result.near_misses),
    ):
        typer.echo(f"\n{title}（{len(sites)}）")
        typer.echo(header)
        for s in sites:
            size = format.mu(s["area_m2"]) if s["area_mu"] is not None else format.m2(s["area_m2"])
            notes = [c["message"] for c in s["checks"] if c["passed"] is False]
            notes += [b["message"] for b in s["blockers"]]
            typer.echo(
                f"{s['rank']:<4} {s['kind_zh']:<10} {s['label']:<22} {size:>12} "
                f"{s['score']:>6.1f}  " + ("；".join(notes) or "—")
            )
    reasons = result.rejected.get("reasons", {})
    typer.echo(f"\n未入选 {result.rejected.get('count', 0)} 处；原因：" + (
        "，".join(f"{k} {v}" for k, v in reasons.items()) or "—"))  # fmt: skip


@enquiries.command("add")
def add(enquiry_file: Path = typer.Argument(..., help="enquiry as JSON")) -> None:
    """Validate and store an enquiry; print its id and code."""
    from parkgis import db
    from parkgis.matching import enquiry

    engine = db.make_engine()
    with engine.begin() as conn:
        db.set_actor(conn, "cli")
        row = enquiry.create_enquiry(conn, enquiry.validate_enquiry(conn, _read(enquiry_file)))
    engine.dispose()
    typer.echo(f"已保存招商需求 {row['code']} (id {row['id']})")


@enquiries.command("list")
def list_(
    status: str | None = typer.Option(None, help="open|shortlist|signed|lost|withdrawn"),
) -> None:
    """List stored enquiries."""
    from parkgis import db
    from parkgis.labels import codes
    from parkgis.matching import enquiry

    engine = db.make_engine()
    with engine.begin() as conn:
        rows = enquiry.list_enquiries(conn, status)
        statuses = codes.code_list(conn, "enquiry_status")
    engine.dispose()
    typer.echo(f"{'编号':<16} {'投资方':<20} {'行业':<6} {'状态':<8} 受理日期")
    for r in rows:
        typer.echo(
            f"{r['code']:<16} {r['investor_name']:<20} {r['industry_code']:<6} "
            f"{statuses.label(r['status']):<8} {format.date(r['received_on'])}"
        )


def register(app: typer.Typer) -> None:
    """Add ``match`` and ``enquiries`` to the root CLI."""
    app.command("match")(match_command)
    app.add_typer(enquiries, name="enquiries")
