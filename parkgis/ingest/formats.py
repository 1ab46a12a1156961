"""The formats parkgis reads, told apart by their content (never by the extension alone).

One row per format: what the bytes look like, and for the formats parkgis does not take,
the words that say what to do instead (``DWG is not supported: save as DXF``), so a file
is never misread as another format.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

#: Readable formats: name -> (Chinese name, English name).
READABLE = {
    "shp": ("Shapefile", "Shapefile"),
    "zip": ("压缩包", "zip archive"),
    "gpkg": ("GeoPackage", "GeoPackage"),
    "geojson": ("GeoJSON", "GeoJSON"),
    "fgb": ("FlatGeobuf", "FlatGeobuf"),
    "csv": ("CSV 表格", "CSV"),
    "xlsx": ("Excel 工作簿", "Excel workbook"),
    "dxf": ("CAD 交换文件 DXF（如南方 CASS）", "CAD exchange file DXF (e.g. South CASS)"),
    "kml": ("KML（谷歌地球、奥维地图）", "KML (Google Earth, Ovital Map)"),
    "kmz": ("KMZ（压缩的 KML）", "KMZ (zipped KML)"),
    "gdb": ("ArcGIS 文件地理数据库", "ArcGIS File Geodatabase"),
    "gdal": ("GDAL 可读的矢量格式", "a vector format GDAL reads"),
}

#: Formats refused by name, with what the clerk should do: name -> (zh, en).
UNSUPPORTED = {
    "dwg": (
        "不支持 DWG 格式：请在 CAD（如南方 CASS、AutoCAD）中另存为 DXF 后再导入",
        "DWG is not supported: save as DXF in the CAD program (South CASS, AutoCAD) and "
        "import that",
    ),
    "xls": (
        "不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx",
        "old .xls workbooks are not supported: save as .xlsx",
    ),
    "mdb": (
        "不支持 ArcGIS 个人地理数据库（.mdb）：请在 ArcGIS 中导出为文件地理数据库（.gdb）"
        "或 Shapefile",
        "ArcGIS personal geodatabases (.mdb) are not supported: export to a file "
        "geodatabase (.gdb) or a shapefile",
    ),
    "rar": (
        "不支持 RAR/7z 压缩包：请改用 zip 压缩",
        "RAR and 7z archives are not supported: compress as zip",
    ),
    "pdf": (
        "PDF 不是数据文件：请向来源单位索取 Shapefile、DXF、GeoPackage 或 Excel 台账",
        "a PDF is not a data file: ask for a shapefile, DXF, GeoPackage or Excel ledger",
    ),
}

_DWG = re.compile(rb"^AC10[0-9]{2}")
_GDB_TABLE = re.compile(r"(^|/)[^/]+\.gdb/", re.IGNORECASE)


def sniff_folder(folder: Path) -> str:
    """``gdb`` for a File Geodatabase folder, else ``folder`` (a folder of data files)."""
    if folder.suffix.lower() == ".gdb" or (folder / "a00000001.gdbtable").exists():
        return "gdb"
    return "folder"


#: Leading bytes of binary formats: (offset, magic, format).
_MAGIC = (
    (0, b"SQLite format 3\x00", "gpkg"),
    (0, b"fgb\x03", "fgb"),
    (0, b"\x00\x00\x27\x0a", "shp"),
    (0, b"\xd0\xcf\x11\xe0", "xls"),
    (4, b"Standard Jet DB", "mdb"),
    (4, b"Standard ACE DB", "mdb"),
    (0, b"Rar!", "rar"),
    (0, b"7z\xbc\xaf", "rar"),
    (0, b"%PDF", "pdf"),
    (0, b"AutoCAD Binary DXF", "dxf"),
)


def sniff(path: Path) -> str:
    """The format the bytes say ``path`` is; ``gdal`` when only GDAL may know it."""
    if path.is_dir():
        return sniff_folder(path)
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path)
    if _DWG.match(head):
        return "dwg"
    for offset, magic, name in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return name
    return _sniff_text(head)


def _sniff_text(head: bytes) -> str:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return "geojson"
    if _is_ascii_dxf(stripped):
        return "dxf"
    if stripped.startswith(b"<"):
        return "kml" if b"<kml" in head.lower() else "gdal"
    if not head or b"\x00" in head:
        return "gdal"
    return "csv"


def _is_ascii_dxf(text: bytes) -> bool:
    """An ASCII DXF starts with group code 0 and SECTION (or 999 and a comment first)."""
    lines = [ln.strip() for ln in text.splitlines()[:6]]
    if lines[:1] == [b"999"]:
        lines = lines[2:]
    return lines[:2] == [b"0", b"SECTION"]


def _sniff_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n.replace("\\", "/") for n in zf.namelist()]
    except zipfile.BadZipFile:
        return "broken_zip"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.lower().endswith(".kml") for n in names) and not any(
        n.lower().endswith((".shp", ".gpkg", ".geojson", ".dxf")) for n in names
    ):
        return "kmz"
    if any(_GDB_TABLE.search(n) for n in names):
        return "gdb_zip"
    return "zip"
