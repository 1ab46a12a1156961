"""Row checks of an import that need the database: lookups, zones, codes, keys, required.

Each finding goes to the report with the file row; nothing here writes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, text

from parkgis.catalogue import Layer
from parkgis.ingest import load, mapping
from parkgis.ingest.report import ImportReport
from parkgis.release.case_numbers import normalise_case_number

_REFUSED = "导入被拒绝 refused"
#: Business keys typed in more than one spelling, put in their stored form before a look-up.
_KEY_SPELLING: dict[tuple[str, str], Callable[[str | None], str | None]] = {
    ("bankruptcy_case", "case_no"): normalise_case_number,
    ("bankruptcy_case", "application_no"): normalise_case_number,
}


def _stripped(value: str | None) -> str | None:
    return None if value is None else value.strip()


def resolve_lookups(
    conn: Connection,
    plan: mapping.ColumnPlan,
    frame: Any,
    rows: list[int],
    records: list[dict[str, Any]],
    report: ImportReport,
) -> None:
    q = conn.dialect.identifier_preparer.quote
    unresolved: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for column, lookup in plan.lookups:
        spell = _KEY_SPELLING.get((lookup.table, lookup.match), _stripped)
        raw = [None if mapping.is_blank(v) else spell(str(v)) for v in frame[column].tolist()]
        wanted = sorted({v for v in raw if v is not None})
        found: dict[str, int] = (
            dict(
                conn.execute(
                    text(
                        f"SELECT {q(lookup.match)}::text, id "
                        f"FROM {load.quote_table(conn, lookup.table)} "
                        f"WHERE {q(lookup.match)}::text = ANY(:v)"
                    ),
                    {"v": wanted},
                ).all()
            )
            if wanted
            else {}
        )
        for i, value in enumerate(raw):
            rec = records[i]
            if rec.get(lookup.column) is not None or value is None:
                continue
            if value in found:
                rec[lookup.column] = found[value]
                unresolved[lookup.column] = [u for u in unresolved[lookup.column] if u[0] != i]
            else:
                rec.setdefault(lookup.column, None)
                unresolved[lookup.column].append((i, column, value))
    for target, misses in unresolved.items():
        for i, column, value in misses:
            if records[i].get(target) is None:
                lookup = dict(plan.lookups)[column]
                report.error(
                    f"{column} = {value} 在 {lookup.table}.{lookup.match} 中找不到",
                    f"{column} = {value!r} not found in {lookup.table}.{lookup.match}",
                    row=rows[i],
                    field=column,
                    value=value,
                    expected=f"an existing {lookup.table}.{lookup.match}",
                    action=_REFUSED,
                )


def provenance(  # noqa: C901 - source, zone code and identifier checks of one batch, each a short pass
    conn: Connection,
    layer: Layer,
    info: dict[str, load.Column],
    records: list[dict[str, Any]],
    rows: list[int],
    report: ImportReport,
    source_name: str,
    zone_code: str,
) -> None:
    from parkgis.codes import uscc_is_valid

    for rec in records:
        if "source" in info:
            rec["source"] = source_name
        elif "extra" in info:
            rec.setdefault("extra", {})["_source"] = source_name
    if "zone_code" in info:
        for rec in records:
            if rec.get("zone_code") is None:
                rec["zone_code"] = zone_code
        codes = sorted({r["zone_code"] for r in records})
        known = set(
            conn.execute(text("SELECT code FROM zone WHERE code = ANY(:c)"), {"c": codes}).scalars()
        )
        for code in codes:
            if code not in known:
                report.error(
                    f"园区/区划 {code} 不在 zone 表中：请先导入园区范围"
                    "（parkgis import zones ...）",
                    f"zone {code} does not exist: import the zones first "
                    "(parkgis import zones ...)",
                    field="zone_code",
                    value=code,
                    expected=sorted(known) or "an existing zone",
                    action=_REFUSED,
                )
    if layer.write_table == "firm":
        for rec, row in zip(records, rows, strict=True):
            code = rec.get("uscc")
            if code is None:
                continue
            code = rec["uscc"] = str(code).strip().upper()
            rec["uscc_check_ok"] = uscc_is_valid(code)
            if not rec["uscc_check_ok"]:
                report.warning(
                    "统一社会信用代码校验位错误（GB 32100-2015），仍导入并标记",
                    "unified social credit code fails its check character (GB 32100-2015): "
                    "imported and flagged",
                    row=row,
                    field="uscc",
                    value=code,
                    expected="valid check character",
                    action="已导入并标记 imported, flagged",
                )


def check_required(
    layer: Layer,
    info: dict[str, load.Column],
    plan: mapping.ColumnPlan,
    records: list[dict[str, Any]],
    rows: list[int],
    report: ImportReport,
) -> None:
    if report.mode == "upsert":
        return
    fields = {f.name: f for f in layer.fields}
    for name, col in info.items():
        if not col.not_null or col.default is not None or col.generated or name == "geom":
            continue
        present = any(name in r for r in records)
        if not present:
            f = fields.get(name)
            aliases = ", ".join(f.aliases[:6]) if f else ""
            lookups = [a for lk in layer.lookups if lk.column == name for a in lk.aliases[:3]]
            accepted = aliases or ", ".join(lookups)
            report.error(
                f"缺少必填列 {f.label_zh if f else name}（可用列名：{accepted}）",
                f"missing required column {name} (accepted names: {accepted})",
                field=name,
                expected=list(f.aliases if f else lookups),
                action=_REFUSED,
            )
            continue
        for rec, row in zip(records, rows, strict=True):
            if name in rec and rec[name] is None:
                already = any(i.row == row and i.severity == "error" for i in report.issues[-50:])
                if not already:
                    report.error(
                        f"必填字段 {name} 为空",
                        f"required field {name} is empty",
                        row=row,
                        field=name,
                        action=_REFUSED,
                    )


def check_keys(
    conn: Connection,
    layer: Layer,
    keys: list[str],
    records: list[dict[str, Any]],
    rows: list[int],
    report: ImportReport,
) -> None:
    if not keys:
        return
    absent = [k for k in keys if not any(k in r for r in records)]
    matching = report.mode in ("upsert", "replace")
    if absent and matching:
        fields = [layer.field(k) for k in absent]
        report.error(
            f"按{'、'.join(f.label_zh for f in fields)}更新已有数据，但文件中没有这一列",
            f"updating existing rows needs {', '.join(f.label_en for f in fields)} "
            f"({', '.join(absent)}) in the file, and it has no such column",
            field=absent[0],
            expected=[name for f in fields for name in (f.name, f.label_zh, *f.aliases)],
            action=_REFUSED,
        )
        return
    if absent:
        return
    seen: dict[tuple[Any, ...], int] = {}
    for rec, row in zip(records, rows, strict=True):
        value = tuple(rec.get(k) for k in keys)
        if matching and any(v is None for v in value):
            blank = [k for k, v in zip(keys, value, strict=True) if v is None]
            report.error(
                f"此行缺少用于匹配的{'、'.join(layer.field(k).label_zh for k in blank)}",
                f"this row has no {', '.join(blank)} to match an existing row",
                row=row,
                field=blank[0],
                expected="a value",
                action=_REFUSED,
            )
            continue
        if all(v is None for v in value):
            continue
        if value in seen:
            report.error(
                f"文件中编码重复：{', '.join(map(str, value))}（与第 {seen[value]} 行相同）",
                f"duplicate key in the file: {value} (same as row {seen[value]})",
                row=row,
                field=",".join(keys),
                value=json.dumps(value, default=str, ensure_ascii=False),
                expected="unique",
                action=_REFUSED,
            )
        else:
            seen[value] = row
    if report.mode == "insert" and layer.business_key:
        q = conn.dialect.identifier_preparer.quote
        bk = layer.business_key
        values = [str(v[0]) for v in seen]
        existing = set(
            conn.execute(
                text(
                    f"SELECT {q(bk)}::text FROM {load.quote_table(conn, layer.write_table)} "
                    f"WHERE {q(bk)}::text = ANY(:v)"
                ),
                {"v": values},
            ).scalars()
        )
        for value, row in seen.items():
            if str(value[0]) in existing:
                report.error(
                    f"{bk} = {value[0]} 已存在于数据库；更新请用 --mode upsert",
                    f"{bk} = {value[0]} already exists; use --mode upsert to update",
                    row=row,
                    field=bk,
                    value=value[0],
                    expected="a new code",
                    action=_REFUSED,
                )
