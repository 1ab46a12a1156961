"""State shared by the demo generators during one load: id pools, rows, counters."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, text

from parkgis.demo._io import IdPool, Row
from parkgis.demo.firms import FirmMaker

#: The demo's fixed "today": every date is relative to it, so loads are deterministic.
DEMO_TODAY = date(2026, 11, 26)

#: Tables whose ids the generators need before writing (rows reference each other).
_ID_TABLES = (
    "firm",
    "parcel",
    "building",
    "road_segment",
    "manhole",
    "pipe_segment",
    "inspection",
    "bankruptcy_case",
)


@dataclass
class Context:
    """Everything one load accumulates before it writes."""

    conn: Connection
    srid: int
    ids: dict[str, IdPool]
    firms: FirmMaker
    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    counters: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    defect_grades: dict[str, tuple[str, int]] = field(default_factory=dict)
    task_kinds: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    #: Court name -> its case-number code (法院代字), from the court list.
    court_codes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def open(cls, conn: Connection, srid: int) -> Context:
        """A context over ``conn``, with the code lists the generators follow."""
        ids = {t: IdPool(conn, t) for t in _ID_TABLES}
        ctx = cls(conn=conn, srid=srid, ids=ids, firms=FirmMaker(ids["firm"]))
        for code, kind, max_grade in conn.execute(
            text("SELECT code, kind, max_grade FROM defect_code ORDER BY code")
        ):
            ctx.defect_grades[code] = (kind, int(max_grade))
        for code, dept, blocks in conn.execute(
            text("SELECT code, default_department, blocks_stage FROM task_kind ORDER BY code")
        ):
            ctx.task_kinds[code] = (dept, blocks)
        for code, name in conn.execute(text("SELECT code, label_zh FROM court ORDER BY code")):
            ctx.court_codes[name] = code
        return ctx

    def next_id(self, table: str) -> int:
        """A fresh id of ``table``."""
        return self.ids[table].next()

    def count(self, key: str) -> int:
        """Increment and return a named counter (numbers in codes)."""
        self.counters[key] += 1
        return self.counters[key]
