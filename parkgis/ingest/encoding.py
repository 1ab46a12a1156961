"""Text encodings of incoming files (DOMAIN.md §1): honour .cpg, else UTF-8, else GB18030.

Land-bureau shapefiles are often GBK without a ``.cpg``; GDAL then decodes them as
Latin-1 and the Chinese arrives as garbage. GB18030 is a superset of GBK and GB2312.
"""

from __future__ import annotations

import codecs
from pathlib import Path

#: Names seen in .cpg files and how Python calls them.
_CPG_ALIASES = {
    "936": "gbk",
    "cp936": "gbk",
    "gbk": "gbk",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "65001": "utf-8",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "1252": "cp1252",
    "88591": "latin-1",
    "iso-8859-1": "latin-1",
}


def normalise(name: str) -> str:
    """A Python codec name for ``name`` (ValueError when unknown)."""
    key = name.strip().lower().replace("_", "-")
    key = _CPG_ALIASES.get(key, _CPG_ALIASES.get(key.replace("-", ""), key))
    return codecs.lookup(key).name


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def guess_bytes(data: bytes) -> str:
    """UTF-8 when the bytes decode as UTF-8 (or are plain ASCII), else GB18030."""
    return "utf-8" if _decodes(data, "utf-8") else "gb18030"


def shapefile_encoding(shp: Path) -> tuple[str, str]:
    """The encoding of a shapefile's DBF and how it was decided: ``cpg``, ``guessed``, or
    ``cpg_wrong`` (the .cpg says UTF-8 but the records are not UTF-8: read as GB18030)."""
    cpg = next((p for p in shp.parent.glob(shp.stem + ".*") if p.suffix.lower() == ".cpg"), None)
    dbf = next((p for p in shp.parent.glob(shp.stem + ".*") if p.suffix.lower() == ".dbf"), None)
    text_bytes = _dbf_text(dbf.read_bytes()) if dbf is not None else b""
    if cpg is not None:
        text = cpg.read_bytes().decode("ascii", errors="ignore").strip()
        if text:
            try:
                named = normalise(text)
            except LookupError:
                named = ""
            if named == "utf-8" and not _decodes(text_bytes, "utf-8"):
                # ArcGIS and some converters write UTF-8 into .cpg over GBK records.
                return "gb18030", "cpg_wrong"
            if named:
                return named, "cpg"
    if dbf is None:
        return "utf-8", "guessed"
    return guess_bytes(text_bytes), "guessed"


def _dbf_text(data: bytes) -> bytes:
    """The text parts of a DBF file: field names and records (the header is binary)."""
    if len(data) < 32:
        return b""
    header_length = int.from_bytes(data[8:10], "little")
    names = []
    for start in range(32, max(32, header_length - 1), 32):
        descriptor = data[start : start + 32]
        if not descriptor or descriptor[0] == 0x0D:
            break
        names.append(descriptor[:11].split(b"\0", 1)[0])
    return b" ".join(names) + b" " + data[header_length:]


def text_file_encoding(path: Path) -> str:
    """Encoding of a CSV or GeoJSON text file (a UTF-8 BOM is honoured)."""
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return guess_bytes(data)
