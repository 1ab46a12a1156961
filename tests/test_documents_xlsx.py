"""The one XLSX writer: widths, frozen header, filter, number formats, print setup."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from parkgis.documents import xlsx


def _book(lang: str = "zh") -> object:
    sheet = xlsx.Sheet(
        "台账",
        [
            xlsx.Column("地块编号"),
            xlsx.Column("出让价款", "yuan"),
            xlsx.Column("面积", "mu"),
            xlsx.Column("供地日期", "date"),
            xlsx.Column("备注"),
        ],
        [
            ["LS-01", Decimal("1714000.00"), 12.345, dt.date(2024, 3, 1), "=HYPERLINK(1)"],
            ["LS-02", None, float("nan"), None, "一段很长很长很长很长很长很长的中文备注文字"],
        ],
    )
    return load_workbook(io.BytesIO(xlsx.workbook([sheet], lang)))  # type: ignore[arg-type]


def test_sheet_is_formatted_for_reading_and_printing() -> None:
    ws = _book()["台账"]  # type: ignore[index]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E3"
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws["A1"].font.bold
    price, area, day = ws["B2"], ws["C2"], ws["D2"]
    assert price.value == 1714000 and price.number_format == '#,##0" 元"'
    assert area.number_format == '#,##0.00" 亩"'
    assert isinstance(day.value, dt.datetime) and day.number_format == 'yyyy"年"m"月"d"日"'
    # Widths from the content: the long note is wider than its header; CJK counts twice.
    assert ws.column_dimensions["E"].width > 40 > ws.column_dimensions["A"].width


def test_formulas_are_neutralised_and_missing_values_are_words() -> None:
    ws = _book()["台账"]  # type: ignore[index]
    assert ws["E2"].data_type == "s" and ws["E2"].value == "'=HYPERLINK(1)"
    assert [ws["B3"].value, ws["C3"].value, ws["D3"].value] == ["未填写"] * 3
    values = [str(c.value) for row in ws.iter_rows() for c in row]
    assert not {"None", "nan"} & set(values)


def test_english_workbook() -> None:
    ws = _book("en")["台账"]  # type: ignore[index]
    assert ws["B2"].number_format == '"CNY "#,##0' and ws["B3"].value == "not recorded"
