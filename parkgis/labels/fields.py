"""A catalogue field's value as a person reads it: codes as labels, numbers in their unit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from parkgis.catalogue import Field
from parkgis.labels import codes, format
from parkgis.labels.format import Lang

#: Units an XLSX number format writes beside the value.
_FORMAT_UNITS = {"元": "yuan", "亩": "mu", "m²": "m2"}


def column_kind(field: Field) -> str:
    """The XLSX column kind of a field (:data:`parkgis.documents.xlsx.Kind`)."""
    if field.code_list or field.value_aliases or field.type in ("text", "text[]", "boolean"):
        return "text"
    if field.type == "date":
        return "date"
    if field.unit in _FORMAT_UNITS:
        return _FORMAT_UNITS[field.unit]
    return "integer" if field.type == "integer" else "number"


def cell(conn: Connection, field: Field, value: Any, lang: Lang = "zh") -> Any:
    """The value for a table cell: a coded value's label, else the value itself."""
    labelled = codes.field_label(conn, field, value, lang)
    if labelled is not None:
        return labelled
    if field.type == "boolean":
        return format.yes_no(value, lang)
    return value


def text(conn: Connection, field: Field, value: Any, lang: Lang = "zh") -> str:
    """The value as one line of text (popups, CLI tables, documents)."""
    labelled = codes.field_label(conn, field, value, lang)
    if labelled is not None:
        return labelled
    if format.is_missing(value):
        return format.missing(lang)
    if field.type == "boolean":
        return format.yes_no(value, lang)
    if field.type == "date":
        return format.date(value, lang)
    if isinstance(value, (list, tuple)):
        return ("、" if lang == "zh" else ", ").join(str(v) for v in value)
    if field.type in ("number", "integer") and not isinstance(value, str):
        if field.unit == "元":
            return format.yuan(value, lang)
        if field.unit == "亩":
            return format.mu(float(value) * format.M2_PER_MU, lang)
        if field.unit == "m²":
            return format.m2(value, lang)
        digits = 0 if field.type == "integer" else 2
        shown = format.number(value, digits, lang)
        return f"{shown} {field.unit}" if field.unit else shown
    return str(value)
