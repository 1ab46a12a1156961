"""The viewers' page filters: what each one asks and how it compares, applied per layer
as the catalogue says (``filters`` of a layer's ``[[viewers]]`` entry).

A filter here says how it reads (label, input) and compares (``op``: min, max, rank_max);
which layer field it compares is the catalogue's business. An area filter is in 亩: a
field in m² is scaled by ``units.m2_per_mu`` of the rules (one number in one place).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from parkgis.catalogue import Layer
from parkgis.catalogue.viewers import ViewerLayer
from parkgis.maps import data
from parkgis.rules import current as current_rules


@dataclass(frozen=True)
class PageFilter:
    """One filter of a viewer page."""

    id: str
    label: str
    input: str
    op: str
    #: Unit the person types in; a field in another unit is scaled to it.
    unit: str = ""


#: Every filter a page may show, in page order; the ``kind`` filter comes first.
FILTERS = (
    PageFilter("area_mu_min", "面积不小于（亩）", "number", "min", "亩"),
    PageFilter("area_mu_max", "面积不大于（亩）", "number", "max", "亩"),
    PageFilter("floor_load_min", "楼面荷载不小于（kN/m²）", "number", "min", "kN/m²"),
    PageFilter("clear_height_min", "净高不小于（m）", "number", "min", "m"),
    # GB 50016-2014 §3.1: a building designed for a fire-hazard class hosts that class or a
    # less hazardous one, so "up to" a class means rank at least the chosen one's.
    PageFilter("fire_class", "生产火灾危险性", "select", "rank_max"),
    PageFilter("rent_max", "租金不高于（元/m²·月）", "number", "max", "元/m²·月"),
)
FILTER_IDS = frozenset(f.id for f in FILTERS)
#: The land-or-building filter: its value per layer is the entry's ``kind``.
KIND_OPTIONS = [["", "全部 all"], ["land", "土地 land"], ["building", "厂房 buildings"]]


def _scale(page_unit: str, field_unit: str) -> float:
    """Factor turning a field value into the filter's unit (m² -> 亩 for the area filters)."""
    if page_unit == "亩" and field_unit == "m²":
        return 1 / current_rules().units.m2_per_mu
    if page_unit and field_unit and page_unit != field_unit:
        msg = f"a filter in {page_unit} cannot compare a field in {field_unit}"
        raise ValueError(msg)
    return 1.0


def _fire_class_options(conn: Connection, layer_id: str, field: str) -> dict[str, Any]:
    ranks = data.fire_class_ranks(conn)
    labels = data.code_labels(conn, layer_id, field)
    options = [["", "不限 any"]] + [
        [code, labels.get(code, code)] for code in sorted(ranks, key=ranks.__getitem__)
    ]
    return {"options": options, "ranks": ranks}


def page_filters(conn: Connection, shown: list[tuple[Layer, ViewerLayer]]) -> list[dict[str, Any]]:
    """The filters of a page drawing ``shown`` (layer, entry), each with its per-layer targets."""
    out: list[dict[str, Any]] = []
    kinds = {entry.id: {"value": entry.kind} for _layer, entry in shown if entry.kind}
    if kinds:
        out.append(
            {"id": "kind", "label": "类型", "input": "select", "op": "kind",
             "options": KIND_OPTIONS, "targets": kinds}
        )  # fmt: skip
    for page_filter in FILTERS:
        targets: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for layer, entry in shown:
            field = entry.filters.get(page_filter.id)
            if field is None:
                continue
            target: dict[str, Any] = {"field": field}
            scale = _scale(page_filter.unit, layer.field(field).unit)
            if scale != 1.0:
                target["scale"] = scale
            targets[entry.id] = target
            if page_filter.op == "rank_max":
                extra = _fire_class_options(conn, layer.id, field)
        if targets:
            out.append(
                {"id": page_filter.id, "label": page_filter.label, "input": page_filter.input,
                 "op": page_filter.op, **extra, "targets": targets}
            )  # fmt: skip
    return out
