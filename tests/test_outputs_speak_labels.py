"""Every output a person reads, rendered on the demo park, speaks in labels (issue 15 item 4).

Ledgers, exports, dossiers, work orders, match results and brochures are rendered in
Chinese; the test fails on a raw code of any code list (100102, available, vacant,
liquidation, mortgage, in_progress ...), an English status word in Chinese text, ``None``,
``nan``, or an amount written without separators (``1714000.0``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import Connection, text

from parkgis.catalogue import load_catalogue
from parkgis.export import export_layers
from parkgis.matching import brochure
from parkgis.matching.engine import match
from parkgis.release import dossier, idle
from parkgis.repairs.assess import assess_all
from parkgis.repairs.outputs import plan_xlsx
from parkgis.repairs.plan import make_plan

#: English words a status is written in (code lists and computed states alike).
_STATUS_WORDS = {"open", "closed", "done", "pending", "overdue", "true", "false", "none", "null"}
#: A number with a fraction and no thousands separator: 1714000.0, 8333.33.
_BARE_AMOUNT = re.compile(r"(?<![\d.,])\d{4,}\.\d+(?![\d.])")


def _raw_codes(conn: Connection) -> set[str]:
    """Codes of every code list that read differently from their labels."""
    tables = conn.execute(
        text(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'label_zh'"
        )
    ).scalars()
    found: set[str] = set()
    for table in tables:
        rows = conn.execute(text(f'SELECT code, label_zh FROM "{table}"')).all()
        found |= {str(c) for c, zh in rows if str(c) != zh and len(str(c)) >= 3}
    return found


#: Names of attached files (evidence such as FY-1-lift_seizure.pdf): data, not words.
_FILE_NAME = re.compile(r"\S+\.(?:pdf|jpe?g|png|docx?|xlsx?|zip)\b", re.I)


def _problems(texts: Iterable[str], codes: set[str]) -> list[str]:
    bad = []
    for value in texts:
        for word in re.findall(r"[A-Za-z_]+|\d+", _FILE_NAME.sub(" ", value)):
            if word in codes or word.lower() in _STATUS_WORDS or word in ("None", "nan", "NaN"):
                bad.append(f"{word!r} in {value[:120]!r}")
        bad += [f"{m!r} in {value[:120]!r}" for m in _BARE_AMOUNT.findall(value)]
    return bad


def _xlsx_texts(content: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(content))
    return [
        str(c.value)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]


def _html_texts(page: str) -> list[str]:
    body = re.sub(r"<(style|svg)\b.*?</\1>", " ", page, flags=re.S)
    return [t for t in re.split(r"<[^>]+>", body) if t.strip()]


@pytest.fixture
def codes_of(demo_conn: Connection) -> set[str]:
    return _raw_codes(demo_conn)


def test_layer_ledgers_speak_labels(demo_conn: Connection, codes_of: set[str], tmp_path) -> None:
    layers = [lid for lid, layer in load_catalogue().items() if layer.fields]
    [path] = export_layers(demo_conn, layers, tmp_path / "台账.xlsx", "xlsx", role="admin")
    texts = _xlsx_texts(path.read_bytes())
    assert "净地" in texts or "闲置土地" in texts  # land statuses as words
    assert not _problems(texts, codes_of)


def test_idle_ledger_speaks_labels(demo_conn: Connection, codes_of: set[str]) -> None:
    day = date(2026, 12, 1)
    clocks = idle.idle_clocks(demo_conn, day)
    assert clocks
    book = idle.ledger_xlsx(demo_conn, clocks, day, idle.disposal_rate(demo_conn, day.year))
    assert not _problems(_xlsx_texts(book), codes_of)


def test_dossiers_speak_labels(demo_conn: Connection, codes_of: set[str]) -> None:
    ids = demo_conn.execute(text("SELECT id FROM bankruptcy_case ORDER BY id")).scalars().all()
    assert ids
    for case_id in ids:
        page = dossier.dossier_html(demo_conn, case_id, date(2026, 12, 1))
        assert not _problems(_html_texts(page), codes_of), case_id
        book = dossier.dossier_xlsx(demo_conn, case_id, date(2026, 12, 1))
        assert not _problems(_xlsx_texts(book), codes_of), case_id


def test_work_orders_speak_labels(demo_conn: Connection, codes_of: set[str]) -> None:
    assess_all(demo_conn)
    plan = make_plan(demo_conn, budget=5_000_000, objective="blend")
    book = plan_xlsx(demo_conn, int(plan["id"]))
    texts = _xlsx_texts(book)
    assert "管道修复" in texts or "道路贯通" in texts or "路面修复" in texts
    assert not _problems(texts, codes_of)


def test_match_results_and_brochures_speak_labels(
    demo_conn: Connection, codes_of: set[str]
) -> None:
    enquiry = demo_conn.execute(text("SELECT min(id) FROM investor_enquiry")).scalar_one()
    result = match(demo_conn, int(enquiry), "promotion")
    assert not _problems(_xlsx_texts(brochure.results_xlsx(result)), codes_of)
    sites = (result.fits + result.near_misses)[:5]
    assert sites
    for s in sites:
        kind = s["kind"].rstrip("s") if s["kind"] in ("units", "parcels") else s["kind"]
        site_id = int(s["members"][0])
        page = brochure.brochure_html(demo_conn, kind, site_id, "promotion")
        assert not _problems(_html_texts(page), codes_of), s["label"]


def test_the_check_finds_what_it_looks_for(codes_of: set[str]) -> None:
    found = _problems(["状态 available", "金额 1714000.0", "None", "抵押 mortgage"], codes_of)
    assert len(found) == 4
    assert not _problems(["净地", "1,714,000 元", "2026年12月3日"], codes_of)
