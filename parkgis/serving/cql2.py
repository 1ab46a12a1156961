"""A small, safe CQL2-text parser (OGC 21-065, Basic CQL2 + advanced comparison).

Supported: ``AND``, ``OR``, ``NOT``, parentheses, ``= <> < <= > >=``, ``[NOT] LIKE``,
``[NOT] BETWEEN .. AND ..``, ``[NOT] IN (..)``, ``IS [NOT] NULL``, over the queryable
fields the caller's role sees; literals are strings (``'..'``, ``''`` escapes a quote),
numbers, ``TRUE``/``FALSE`` and ``DATE('YYYY-MM-DD')``. Property names become quoted
catalogue columns and every literal a bound parameter: nothing typed by the caller is
ever formatted into SQL. Spatial and temporal functions are not implemented.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from parkgis.catalogue import Field, Layer
from parkgis.serving.layers import column
from parkgis.serving.params import Where, bad, visible_field

_TOKEN = re.compile(
    r"\s*(?:(?P<num>[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(?P<str>'(?:[^']|'')*')"
    r"|(?P<op><>|<=|>=|=|<|>|\(|\)|,)|(?P<qid>\"[^\"]+\")|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
_KEYWORDS = {"AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE", "DATE"}
_COMPARISONS = {"=", "<>", "<", "<=", ">", ">="}


def _fail(found: str, why: str) -> Any:
    bad(
        "filter",
        f"filter 语法错误：{why}",
        f"malformed filter: {why}",
        found,
        "CQL2 text over the queryables",
    )


def _tokens(source: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    source = source.rstrip()
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None or m.end() == pos:
            _fail(source[pos : pos + 20], f"unexpected text at position {pos}")
            break
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "word" and value.upper() in _KEYWORDS:
            kind, value = "kw", value.upper()
        out.append((kind, value))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, layer: Layer, role: str, source: str, where: Where) -> None:
        self.layer, self.role, self.where = layer, role, where
        self.toks = _tokens(source)
        self.i = 0

    def peek(self, *values: str) -> bool:
        return self.i < len(self.toks) and self.toks[self.i][1] in values

    def take(self) -> tuple[str, str]:
        if self.i >= len(self.toks):
            _fail("", "unexpected end of filter")
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        tok = self.take()
        if tok[1] != value:
            _fail(tok[1], f"expected {value}, found {tok[1]}")

    def parse(self) -> str:
        sql = self.or_()
        if self.i != len(self.toks):
            _fail(self.toks[self.i][1], f"unexpected {self.toks[self.i][1]}")
        return sql

    def or_(self) -> str:
        parts = [self.and_()]
        while self.peek("OR"):
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def and_(self) -> str:
        parts = [self.not_()]
        while self.peek("AND"):
            self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def not_(self) -> str:
        if self.peek("NOT"):
            self.take()
            return f"(NOT {self.not_()})"
        if self.peek("("):
            self.take()
            inner = self.or_()
            self.expect(")")
            return f"({inner})"
        return self.predicate()

    def prop(self) -> Field:
        kind, value = self.take()
        if kind not in ("word", "qid"):
            _fail(value, f"expected a property name, found {value}")
        f = visible_field(self.layer, self.role, value.strip('"'), "filter")
        if not f.queryable:
            _fail(f.name, f"property {f.name} is not queryable")
        return f

    def literal(self, f: Field) -> str:
        kind, value = self.take()
        if kind == "str":
            raw: Any = value[1:-1].replace("''", "'")
            if f.type == "date":
                raw = self._date(raw)
        elif kind == "num":
            raw = float(value) if f.type == "number" else self._int(value)
        elif kind == "kw" and value in ("TRUE", "FALSE"):
            raw = value == "TRUE"
        elif kind == "kw" and value == "DATE":
            self.expect("(")
            s = self.take()
            if s[0] != "str":
                _fail(s[1], "DATE needs a quoted date")
            raw = self._date(s[1][1:-1])
            self.expect(")")
        else:
            _fail(value, f"expected a literal, found {value}")
        self._check_type(f, raw, value)
        return self.where.param(raw)

    def like_pattern(self) -> str:
        """A quoted LIKE pattern; ``\\`` escapes, so it cannot end with a lone backslash."""
        kind, value = self.take()
        if kind != "str":
            _fail(value, f"LIKE needs a quoted pattern, found {value}")
        raw = value[1:-1].replace("''", "'")
        if (len(raw) - len(raw.rstrip("\\"))) % 2:
            _fail(value, "a LIKE pattern cannot end with the escape character \\ (write \\\\)")
        return self.where.param(raw)

    @staticmethod
    def _int(value: str) -> int:
        try:
            return int(value)
        except ValueError:
            return _fail(value, f"{value} is not an integer")

    @staticmethod
    def _date(value: str) -> dt.date:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return _fail(value, f"{value} is not a date (YYYY-MM-DD)")

    @staticmethod
    def _check_type(f: Field, raw: Any, text: str) -> None:
        ok = {
            "number": isinstance(raw, (int, float)) and not isinstance(raw, bool),
            "integer": isinstance(raw, int) and not isinstance(raw, bool),
            "boolean": isinstance(raw, bool),
            "date": isinstance(raw, dt.date),
        }.get(f.type, isinstance(raw, str))
        if not ok:
            _fail(text, f"{text} does not fit {f.name} ({f.type})")

    def predicate(self) -> str:
        f = self.prop()
        col = column(f)
        if f.type.endswith("[]"):
            _fail(f.name, f"array property {f.name} cannot be compared")
        negate = ""
        if self.peek("IS"):
            self.take()
            if self.peek("NOT"):
                self.take()
                negate = "NOT "
            self.expect("NULL")
            return f"{col} IS {negate}NULL"
        if self.peek("NOT"):
            self.take()
            negate = "NOT "
        _kind, op = self.take()
        if op in _COMPARISONS and not negate:
            return f"{col} {op} {self.literal(f)}"
        if op == "LIKE":
            if f.type != "text":
                _fail(f.name, f"LIKE needs a text property, {f.name} is {f.type}")
            return f"{col} {negate}LIKE {self.like_pattern()}"
        if op == "BETWEEN":
            low = self.literal(f)
            self.expect("AND")
            return f"{col} {negate}BETWEEN {low} AND {self.literal(f)}"
        if op == "IN":
            self.expect("(")
            values = [self.literal(f)]
            while self.peek(","):
                self.take()
                values.append(self.literal(f))
            self.expect(")")
            return f"{col} {negate}IN ({', '.join(values)})"
        return _fail(op, f"expected an operator after {f.name}, found {op}")


def filter_sql(layer: Layer, role: str, source: str, lang: str | None, where: Where) -> None:
    """Add the CQL2-text ``filter`` to ``where`` (ValidationError naming ``filter``)."""
    if lang not in (None, "", "cql2-text"):
        bad(
            "filter-lang",
            f"不支持的过滤语言 {lang}",
            f"unsupported filter-lang {lang!r}",
            lang,
            ["cql2-text"],
        )
    if len(source) > 4000:
        _fail(source[:40], "filter longer than 4000 characters")
    where.clauses.append(_Parser(layer, role, source, where).parse())
