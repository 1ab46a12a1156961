"""Which source column feeds which field, and how its values become the field's values.

Column names are matched against the catalogue (field name, Chinese and English labels,
aliases such as ZDDM/QLR/TDYT/MJ) after removing a unit in brackets (``面积（亩）``), which
then drives the unit conversion of ``[ingest.unit_factors]``. A ``--mapping`` file (TOML
or JSON) overrides columns, values, units and defaults. Unmatched columns go to ``extra``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from parkgis.catalogue import Field, Layer, Lookup
from parkgis.errors import ValidationError
from parkgis.labels.format import missing
from parkgis.rules import current as current_rules

_UNIT_IN_NAME = re.compile(r"^(.*?)\s*[（(\[]\s*([^()（）\[\]]+?)\s*[)）\]]\s*$")
_UNIT_ALIASES = {
    "m2": "m²",
    "平方米": "m²",
    "㎡": "m²",
    "mu": "亩",
    "ha": "公顷",
    "hm2": "公顷",
    "毫米": "mm",
    "厘米": "cm",
    "米": "m",
    "千米": "km",
    "公里": "km",
    "t": "t",
    "吨": "t",
    "m3": "m³",
    "立方米": "m³",
}
_TRUE = {"是", "true", "t", "yes", "y", "1", "有", "√", "✓"}
_FALSE = {"否", "false", "f", "no", "n", "0", "无", "×", ""}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S")


@dataclass
class MappingFile:
    """A clerk's overrides: source column -> field, value maps, source units, defaults."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass
class ColumnPlan:
    """How each source column is used."""

    fields: dict[str, Field] = field(default_factory=dict)
    factors: dict[str, float] = field(default_factory=dict)
    lookups: list[tuple[str, Lookup]] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Columns holding a field the database computes (areas, lengths, grades): not written.
    computed: list[str] = field(default_factory=list)


def load_mapping(path: Path | str | None) -> MappingFile:
    """Read a ``--mapping`` file (TOML or JSON); an empty mapping when ``path`` is None."""
    if path is None:
        return MappingFile()
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw)
    except (OSError, ValueError) as exc:
        raise ValidationError(
            message=f"映射文件无法读取：{exc}",
            message_en=f"the mapping file cannot be read: {exc}",
            field="mapping",
            found=str(path),
        ) from exc
    return MappingFile(
        columns={str(k): str(v) for k, v in data.get("columns", {}).items()},
        values={
            str(k): {str(a): str(b) for a, b in v.items()}
            for k, v in data.get("values", {}).items()
        },
        units={str(k): str(v) for k, v in data.get("units", {}).items()},
        defaults=dict(data.get("defaults", {})),
    )


def key(name: str) -> str:
    """Comparison form of a column name: no spaces or underscores, lower case."""
    return re.sub(r"[\s_]", "", str(name)).lower()


def split_unit(name: str) -> tuple[str, str | None]:
    """``面积（亩）`` -> (``面积``, ``亩``); names without a bracketed unit come back whole."""
    match = _UNIT_IN_NAME.match(str(name))
    if not match:
        return str(name), None
    return match.group(1), normalise_unit(match.group(2))


def normalise_unit(unit: str) -> str:
    """One spelling per unit (m2, 平方米, ㎡ -> m²; mu -> 亩)."""
    u = unit.strip()
    return _UNIT_ALIASES.get(u.lower(), _UNIT_ALIASES.get(u, u))


def unit_factor(source_unit: str, field_unit: str) -> float | None:
    """Factor turning ``source_unit`` into ``field_unit`` (1 when equal, None when unknown).

    Rates convert part by part: 万元/亩 -> 元/亩 is 万元->元 over 亩->亩 (10 000), and
    万元/公顷 -> 元/亩 is 10 000 / 15.
    """
    src, dst = normalise_unit(source_unit), normalise_unit(field_unit)
    if src == dst:
        return 1.0
    if "/" in src and "/" in dst:
        (src_top, src_bottom), (dst_top, dst_bottom) = src.split("/", 1), dst.split("/", 1)
        top, bottom = unit_factor(src_top, dst_top), unit_factor(src_bottom, dst_bottom)
        if top is None or bottom is None:
            return None
        return top / bottom
    factors = current_rules().ingest.unit_factors
    return factors.get(f"{src}->{dst}")


def plan_columns(  # noqa: C901 - one decision per source column (field, unit alias, lookup, extra), in order of precedence
    layer: Layer,
    columns: list[str],
    mapping: MappingFile,
    report: Any,
    value_maps: dict[str, dict[str, str]] | None = None,
    key_column: str | None = None,
) -> ColumnPlan:
    """Match source columns to fields, lookups or ``extra``; record what was decided.

    ``value_maps``: field name -> source value -> stored value (the code lists' codes and
    labels with the field's aliases, :func:`parkgis.labels.codes.import_values`).
    ``key_column``: a column that holds the layer's business key when no column is named
    for it (the text inside a CAD boundary, a KML placemark's name).
    """
    plan = ColumnPlan()
    by_key: dict[str, Field] = {}
    fields_by_name = {f.name: f for f in layer.fields}
    # Names and aliases of importable fields first, then their labels, computed fields last
    # (parcels' 面积 is the alias of registered_area_m2, the label of computed area_m2).
    ranked = sorted(layer.fields, key=lambda f: f.computed)
    for f in ranked:
        for name in (f.name, *f.aliases, *f.alias_units):
            by_key.setdefault(key(name), f)
    # The dBase names parkgis's own shapefile export gives (10 bytes at most).
    for name, shp_name in layer.shapefile_names().items():
        by_key.setdefault(key(shp_name), fields_by_name[name])
    for f in ranked:
        for name in (f.label_zh, f.label_en, f.label("zh"), f.label("en")):
            by_key.setdefault(key(name), f)
    lookup_by_key = {key(a): lk for lk in layer.lookups for a in lk.aliases}
    taken: dict[str, str] = {}
    for column in columns:
        base, unit = split_unit(column)
        target: Field | None = None
        if column in mapping.columns or base in mapping.columns:
            name = mapping.columns.get(column, mapping.columns.get(base, ""))
            if name == "extra":
                plan.extra.append(column)
                continue
            target = fields_by_name.get(name)
            if target is None:
                report.error(
                    f"映射文件把列 {column} 指向不存在的字段 {name}",
                    f"the mapping file sends column {column} to unknown field {name!r}",
                    field=column,
                    value=name,
                    expected=sorted(fields_by_name),
                    action="导入被拒绝 refused",
                )
                continue
        else:
            target = by_key.get(key(column)) or by_key.get(key(base))
            if target is None:
                lookup = lookup_by_key.get(key(column)) or lookup_by_key.get(key(base))
                if lookup is not None:
                    plan.lookups.append((column, lookup))
                    continue
        if target is None:
            plan.extra.append(column)
            continue
        if target.computed:
            plan.computed.append(column)
            continue
        if target.name in taken:
            report.warning(
                f"列 {column} 与列 {taken[target.name]} 都对应字段 {target.name}，只用后者",
                f"columns {column} and {taken[target.name]} both match field {target.name}; "
                f"{taken[target.name]} is used",
                field=column,
                action="存入 extra",
            )
            plan.extra.append(column)
            continue
        taken[target.name] = column
        plan.fields[column] = target
        source_unit = mapping.units.get(column) or target.alias_units.get(column) or unit
        if (
            source_unit
            and target.unit
            and normalise_unit(source_unit) != normalise_unit(target.unit)
        ):
            factor = unit_factor(source_unit, target.unit)
            if factor is None:
                report.error(
                    f"列 {column} 的单位 {source_unit} 无法换算为 {target.unit}",
                    f"column {column}: unit {source_unit} cannot be converted to {target.unit}",
                    field=column,
                    value=source_unit,
                    expected=target.unit,
                    action="导入被拒绝 refused",
                )
            else:
                plan.factors[column] = factor
                report.note(
                    f"列 {column} 单位 {source_unit} 换算为 {target.unit}（乘以 {factor:g}）",
                    f"column {column}: {source_unit} converted to {target.unit} (x {factor:g})",
                    field=target.name,
                    action="单位换算 converted",
                )
        values = dict((value_maps or {}).get(target.name, {}))
        values.update(mapping.values.get(target.name, {}))
        plan.values[column] = values
    key_field = fields_by_name.get(layer.business_key or "")
    if (
        key_column is not None
        and key_field is not None
        and key_field.name not in taken
        and (key_column in plan.extra or key_column in plan.fields)
    ):
        # No column is named for the key: the CAD text or placemark name holds it, even
        # where that column's name also fits another field (a KML's Name and parcel.name).
        if key_column in plan.extra:
            plan.extra.remove(key_column)
        plan.fields[key_column] = key_field
        plan.values[key_column] = dict((value_maps or {}).get(key_field.name, {}))
        report.note(
            f"列 {key_column} 读作{key_field.label_zh}（{key_field.name}）",
            f"column {key_column} read as {key_field.label_en} ({key_field.name})",
            field=key_column,
        )
    report.column_map = {c: f.name for c, f in plan.fields.items()} | {
        c: f"{lk.table}.{lk.match} -> {lk.column}" for c, lk in plan.lookups
    }
    if plan.computed:
        report.note(
            f"列 {', '.join(plan.computed)} 是系统计算的字段，由数据库重新计算，文件中的值不写入",
            f"columns {', '.join(plan.computed)} hold computed fields: the database computes "
            "them again; the file's values are not written",
            action="由数据库计算 recomputed",
        )
    if plan.extra:
        # Never silent: a column that maps to no field may be a field lost to a renamed header.
        report.extra_columns = list(plan.extra)
        report.warning(
            f"这些列没有对应的字段，原值保存在 extra（JSON）中：{', '.join(plan.extra)}；"
            "如果其中有应导入的字段，请用 --mapping 指定",
            f"these columns match no field and are kept in extra (JSON): "
            f"{', '.join(plan.extra)}; if one of them is a field, map it with --mapping",
            field=plan.extra[0],
            value=list(plan.extra),
            expected=[f.name for f in layer.fields if not f.computed],
            action="存入 extra",
        )
    return plan


class BadValue(ValueError):
    """A value that does not fit its field; ``expected`` says what would."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


#: Words parkgis's own ledgers write for a value not recorded (parkgis.labels.format),
#: and the dashes clerks type for one: read back as blank.
MISSING_WORDS = frozenset({missing("zh"), missing("en"), "—", "-", "--", "/", "无数据"})


def is_blank(value: Any) -> bool:
    """None, NaN, NaT, an empty string, or a word for a value not recorded (未填写)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip() or value.strip() in MISSING_WORDS
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, dt.datetime) and value != value:
        # pandas' NaT is a datetime subclass that is not equal to itself.
        return True
    if isinstance(value, (int, Decimal, list, tuple, dict, dt.date)):
        return False
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def convert(f: Field, value: Any, values: dict[str, str], factor: float = 1.0) -> Any:  # noqa: C901 - one branch per catalogue field type
    """The value as the field's type, after the value map and the unit factor."""
    if is_blank(value):
        return None
    if isinstance(value, str):
        value = value.strip()
    if values and str(value) in values:
        value = values[str(value)]
    kind = f.type
    if kind == "text":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value)
    if kind in ("number", "integer"):
        number = _number(value)
        if factor != 1.0:
            # Factors such as 10000/15 are not exact in binary: keep 6 decimals of the result.
            number = (number * Decimal(repr(factor))).quantize(Decimal("0.000001")).normalize()
        if kind == "integer":
            if number != number.to_integral_value():
                raise BadValue("整数 integer")
            return int(number)
        return number
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise BadValue("是/否 yes/no")
    if kind == "date":
        return _date(value)
    if kind == "text[]":
        if isinstance(value, (list, tuple)):
            return [str(v) for v in value]
        return [p for p in re.split(r"[,，;；、\s]+", str(value)) if p]
    return value


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise BadValue("数值 number")
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        if math.isinf(value):
            raise BadValue("数值 number")
        return Decimal(repr(value))
    text = str(value).replace(",", "").replace("，", "").strip()
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise BadValue("数值 number") from exc
    if not number.is_finite():
        raise BadValue("数值 number")
    return number


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    if isinstance(value, (int, float)) and 20000 < float(value) < 80000:
        # An Excel serial day number (days since 1899-12-30).
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise BadValue("日期 date (YYYY-MM-DD)")
