"""Query parameters of ``/items`` turned into SQL with bound values (OGC 17-069r4 §7.15).

``bbox``, ``bbox-crs``, property filters from the queryables, ``sortby``, ``properties``:
each parsed value is checked against the catalogue for the caller's role, so a field a
role may not see is an unknown property to it (its existence is not revealed either).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NoReturn

from parkgis.catalogue import Field, Layer
from parkgis.config import get_rules, get_settings
from parkgis.errors import ValidationError
from parkgis.serving.crs import ServedCrs
from parkgis.serving.layers import column, quote_ident

#: Parameters of the standard; anything else on /items must be a queryable.
STANDARD_PARAMS = frozenset(
    {
        "f",
        "bbox",
        "bbox-crs",
        "crs",
        "limit",
        "offset",
        "properties",
        "sortby",
        "filter",
        "filter-lang",
        "filter-crs",
        "datetime",
    }
)
_EARTH_RADIUS_M = 6378137.0  # EPSG:3857 sphere
_PG_BIGINT_MAX = 2**63 - 1  # PostgreSQL OFFSET is a bigint


@dataclass
class Where:
    """SQL predicates and their bound parameters, named uniquely."""

    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def param(self, value: Any) -> str:
        """Bind ``value``; return its placeholder."""
        name = f"w{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def sql(self) -> str:
        """The conjunction of every clause."""
        return " AND ".join(f"({c})" for c in self.clauses) if self.clauses else "TRUE"

    def signature(self) -> tuple[Any, ...]:
        """A hashable key of the predicate and its values (for the count cache)."""
        return (self.sql(), tuple(sorted((k, repr(v)) for k, v in self.params.items())))


def bad(param: str, message: str, message_en: str, found: Any, expected: Any = None) -> NoReturn:
    """Raise a ValidationError naming the parameter."""
    raise ValidationError(
        message=message, message_en=message_en, field=param, found=found, expected=expected
    )


def visible_field(layer: Layer, role: str, name: str, param: str) -> Field:
    """The field ``name`` if the role sees it; otherwise an unknown property."""
    for f in layer.visible_fields(role):
        if f.name == name:
            return f
    bad(
        param,
        f"图层 {layer.title_zh} 没有属性 {name}",
        f"unknown property {name!r} of collection {layer.id}",
        name,
        [f.name for f in layer.visible_fields(role)],
    )


def coerce(f: Field, raw: str, param: str) -> Any:
    """A query-string value converted to the field's type (ValidationError otherwise)."""
    try:
        if f.type == "integer":
            return int(raw)
        if f.type == "number":
            value = float(raw)
            if not math.isfinite(value):
                raise ValueError(raw)
            return value
        if f.type == "boolean":
            lowered = raw.lower()
            if lowered not in ("true", "false", "1", "0"):
                raise ValueError(raw)
            return lowered in ("true", "1")
        if f.type == "date":
            return dt.date.fromisoformat(raw)
    except ValueError:
        bad(
            param,
            f"属性 {f.name} 的值 {raw!r} 不是 {f.type}",
            f"value {raw!r} of {f.name} is not a {f.type}",
            raw,
            f.type,
        )
    return raw


def property_filters(layer: Layer, role: str, query: list[tuple[str, str]], where: Where) -> None:
    """Equality filters ``?name=value`` on visible queryable fields."""
    for name, raw in query:
        if name in STANDARD_PARAMS:
            continue
        f = visible_field(layer, role, name, name)
        if not f.queryable:
            bad(name, f"属性 {name} 不可查询", f"property {name!r} is not queryable", name)
        if f.type.endswith("[]"):
            where.clauses.append(f"{where.param(raw)} = ANY({column(f)})")
        else:
            where.clauses.append(f"{column(f)} = {where.param(coerce(f, raw, name))}")


def _numbers(value: str, param: str) -> list[float]:
    try:
        numbers = [float(v) for v in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        bad(
            param,
            "bbox 须为 4 个（或 6 个）逗号分隔的数",
            "bbox must be 4 (or 6) comma-separated numbers",
            value,
            "minx,miny,maxx,maxy",
        )
    if len(numbers) == 6:  # drop heights
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    return numbers


@lru_cache(maxsize=4)
def area_of_use(srid: int) -> tuple[float, float, float, float]:
    """Where a CRS is defined, in degrees (west, south, east, north), from the EPSG data."""
    import pyproj

    area = pyproj.CRS.from_epsg(srid).area_of_use
    return area.bounds if area else (-180.0, -90.0, 180.0, 90.0)


def bbox_filter(value: str, crs: ServedCrs, where: Where, param: str = "bbox") -> None:
    """Features intersecting ``bbox`` given in ``crs`` (its own axis order)."""
    x0, y0, x1, y1 = _numbers(value, param)
    if crs.flip:
        x0, y0, x1, y1 = y0, x0, y1, x1
    if x0 > x1 or y0 > y1:
        bad(
            param,
            "bbox 的最小值大于最大值",
            "bbox lower corner is above or right of its upper corner",
            value,
            "minx <= maxx and miny <= maxy",
        )
    srid = get_settings().srid
    if crs.srid == srid:
        env = f"ST_MakeEnvelope({where.param(x0)}, {where.param(y0)}, {where.param(x1)}, {where.param(y1)}, {srid})"  # noqa: E501
        where.clauses.append(f"ST_Intersects(geom, {env})")
        return
    if crs.srid == 3857:  # an axis-aligned Mercator box is an axis-aligned lon/lat box
        x0, x1 = (math.degrees(x / _EARTH_RADIUS_M) for x in (x0, x1))
        y0, y1 = (math.degrees(math.atan(math.sinh(y / _EARTH_RADIUS_M))) for y in (y0, y1))
    # Clip to where the storage CRS is defined: beyond it the projection is meaningless.
    a0, b0, a1, b1 = area_of_use(srid)
    x0, y0, x1, y1 = max(x0, a0), max(y0, b0), min(x1, a1), min(y1, b1)
    if x0 > x1 or y0 > y1:
        where.clauses.append("FALSE")
        return
    seg = float(get_rules()["serving"]["bbox_segment_degrees"])
    env = (
        f"ST_Transform(ST_Segmentize(ST_MakeEnvelope({where.param(x0)}, {where.param(y0)}, "
        f"{where.param(x1)}, {where.param(y1)}, 4326), {where.param(seg)}), {srid})"
    )
    where.clauses.append(f"ST_Intersects(geom, {env})")


def sort_order(layer: Layer, role: str, value: str | None) -> str:
    """ORDER BY from ``sortby`` (``+a,-b``), always ending with the id for stable pages."""
    terms = []
    for raw in (value or "").split(","):
        item = raw.strip()
        if not item:
            continue
        desc = item.startswith("-")
        name = item.lstrip("+-").strip()
        f = visible_field(layer, role, name, "sortby")
        terms.append(f"{column(f)} {'DESC' if desc else 'ASC'}")
    terms.append(f"{quote_ident(layer.id_column)} ASC")
    return ", ".join(terms)


def selected_fields(layer: Layer, role: str, value: str | None) -> list[Field]:
    """The visible fields named by ``properties`` (all visible ones when absent)."""
    visible = layer.visible_fields(role)
    if value is None:
        return visible
    names = [n.strip() for n in value.split(",") if n.strip()]
    return [visible_field(layer, role, n, "properties") for n in names]


def limit_offset(limit: int | None, offset: int | None) -> tuple[int, int]:
    """``limit`` (default and maximum from the serving rules) and ``offset``."""
    rules = get_rules()["serving"]
    maximum = int(rules["limit_max"])
    n = int(rules["limit_default"]) if limit is None else limit
    if not 1 <= n <= maximum:
        bad(
            "limit",
            f"limit 须在 1 到 {maximum} 之间",
            f"limit must be between 1 and {maximum}",
            limit,
            f"1..{maximum}",
        )
    start = 0 if offset is None else offset
    if not 0 <= start <= _PG_BIGINT_MAX:
        bad(
            "offset",
            "offset 须为 0 到 2^63-1 之间的整数",
            "offset must be >= 0 and < 2^63",
            offset,
            ">= 0",
        )
    return n, start
