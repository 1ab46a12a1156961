"""Labels of the code lists: the code tables of the database, read once and cached.

Every enumerated column of the core tables references a code table (``code``,
``label_zh``, ``label_en`` and the list's own columns, e.g. ``fire_hazard_class.hazard_rank``
or ``case_stage.seq``). This module is the only reader of those tables: labels are never
copied into TOML or Python. The layer catalogue names a field's table (``code_list``).

The cache is per database (code lists change only with a migration); :func:`clear_cache`
forgets it, e.g. after a test changes a code table.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from parkgis.catalogue import Field
from parkgis.errors import NotFoundError
from parkgis.labels.format import Lang, is_missing, missing

#: Columns that order a code list when it has one (stage order, hazard rank, role rank).
_ORDER_COLUMNS = ("seq", "hazard_rank", "rank")


@dataclass(frozen=True)
class Code:
    """One entry of a code list: its code, labels and the list's other columns."""

    code: str
    label_zh: str
    label_en: str
    extra: dict[str, Any]

    def label(self, lang: Lang = "zh") -> str:
        """The label a person reads."""
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class CodeList:
    """A code table: its entries in the list's order."""

    table: str
    entries: tuple[Code, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes in the list's order."""
        return tuple(e.code for e in self.entries)

    def get(self, code: str) -> Code | None:
        """The entry of ``code`` (None when unknown)."""
        return self._by_code().get(str(code))

    def label(self, code: object, lang: Lang = "zh") -> str:
        """The label of ``code``; a missing value is the word for it, an unknown code itself."""
        if is_missing(code):
            return missing(lang)
        entry = self.get(str(code))
        return entry.label(lang) if entry else str(code)

    def labels(self, lang: Lang = "zh") -> dict[str, str]:
        """Code -> label, in the list's order."""
        return {e.code: e.label(lang) for e in self.entries}

    def column(self, name: str) -> dict[str, Any]:
        """Code -> the value of the list's column ``name`` (e.g. ``hazard_rank``)."""
        if self.entries and name not in self.entries[0].extra:
            raise NotFoundError(
                message=f"代码表 {self.table} 没有列 {name}",
                message_en=f"code list {self.table} has no column {name!r}",
                field="column",
                expected=sorted(self.entries[0].extra),
                found=name,
            )
        return {e.code: e.extra[name] for e in self.entries}

    def where(self, name: str) -> tuple[str, ...]:
        """Codes whose boolean column ``name`` is true (e.g. land_status.is_locked)."""
        return tuple(c for c, v in self.column(name).items() if v)

    def import_values(self) -> dict[str, str]:
        """Source value -> code: every code, its Chinese and its English label."""
        out: dict[str, str] = {}
        for e in self.entries:
            for name in (e.code, e.label_zh, e.label_en):
                out.setdefault(name, e.code)
        return out

    def _by_code(self) -> dict[str, Code]:
        return {e.code: e for e in self.entries}


_cache: dict[tuple[str, str], CodeList] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every code list read so far."""
    with _lock:
        _cache.clear()


def _database_key(conn: Connection) -> str:
    url = conn.engine.url
    return f"{url.host}:{url.port}/{url.database}"


def code_list(conn: Connection, table: str) -> CodeList:
    """The code table ``table`` (NotFoundError when it is not a code list)."""
    key = (_database_key(conn), table)
    found = _cache.get(key)
    if found is not None:
        return found
    loaded = _load(conn, table)
    with _lock:
        _cache[key] = loaded
    return loaded


def _load(conn: Connection, table: str) -> CodeList:
    columns = (
        conn.execute(
            text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = :t ORDER BY ordinal_position"
            ),
            {"t": table},
        )
        .scalars()
        .all()
    )
    if not {"code", "label_zh", "label_en"} <= set(columns):
        raise NotFoundError(
            message=f"没有代码表 {table}",
            message_en=f"{table!r} is not a code list (code, label_zh, label_en)",
            field="code_list",
            found=table,
        )
    quote = conn.dialect.identifier_preparer.quote
    order = next((c for c in _ORDER_COLUMNS if c in columns), None)
    # Without an order column the list keeps the order it was written in (small tables
    # written once by a migration): that is the order its legend reads.
    order_sql = f" ORDER BY {quote(order)}" if order else ""
    rows = conn.execute(text(f"SELECT * FROM public.{quote(table)}{order_sql}")).mappings()
    entries = tuple(
        Code(
            code=str(r["code"]),
            label_zh=str(r["label_zh"]),
            label_en=str(r["label_en"]),
            extra={k: v for k, v in r.items() if k not in ("code", "label_zh", "label_en")},
        )
        for r in rows
    )
    return CodeList(table=table, entries=entries)


def label(conn: Connection, table: str, code: object, lang: Lang = "zh") -> str:
    """The label of ``code`` in code list ``table``."""
    return code_list(conn, table).label(code, lang)


def labels(conn: Connection, table: str, lang: Lang = "zh") -> dict[str, str]:
    """Code -> label of code list ``table``."""
    return code_list(conn, table).labels(lang)


def codes(conn: Connection, table: str) -> tuple[str, ...]:
    """The codes of ``table`` in the list's order."""
    return code_list(conn, table).codes


def label_all(conn: Connection, table: str, values: Iterable[object], lang: Lang = "zh") -> str:
    """Several codes as one text: ``甲、乙`` / ``Class A (jia), Class B (yi)``."""
    listed = code_list(conn, table)
    sep = "、" if lang == "zh" else ", "
    words = [listed.label(v, lang) for v in values if not is_missing(v)]
    return sep.join(words) if words else missing(lang)


def import_values(conn: Connection, field: Field) -> dict[str, str]:
    """Source value -> stored value of a catalogue field: its code list and its aliases."""
    values = code_list(conn, field.code_list).import_values() if field.code_list else {}
    values.update(field.value_aliases)
    return values


def field_label(conn: Connection, field: Field, value: object, lang: Lang = "zh") -> str | None:
    """The label of a coded field's value (None when the field is not coded).

    A field with a code list reads its table; an uncoded field with value aliases (grades
    such as 一级) reads its first alias of that value.
    """
    if field.code_list:
        return label(conn, field.code_list, value, lang)
    if field.value_aliases and lang == "zh":
        if is_missing(value):
            return missing(lang)
        for alias, stored in field.value_aliases.items():
            if stored == str(value):
                return alias
    return None
