"""Hostile-upload guards run before any parser sees the bytes (issue 9, hostile input).

Zip bombs and zip slip, GeoJSON nested past any sane depth, shapefiles declaring a
billion vertices, unsafe upload names. The numbers are ``[ingest.limits]`` of
``parkgis/rules/ingest.toml`` (operational policy after the OWASP File Upload Cheat Sheet).
"""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import numpy as np
import shapely

from parkgis.errors import ValidationError
from parkgis.rules import current as current_rules
from parkgis.rules.ingest import Limits

_MB = 1_000_000
#: Shapefile shape types whose records carry a point count (ESRI Shapefile Technical
#: Description, 1998, table 1): offset of numPoints inside the record content.
_SHP_COUNT_OFFSET = {3: 40, 5: 40, 13: 40, 15: 40, 23: 40, 25: 40, 31: 40, 8: 36, 18: 36, 28: 36}
_JSON_TOKEN = re.compile(rb'[\[\]{}"\\]')
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


def limits() -> Limits:
    """The ``[ingest.limits]`` rules."""
    return current_rules().ingest.limits


def _refuse(message: str, message_en: str, **kw: Any) -> ValidationError:
    kw.setdefault("field", "file")
    return ValidationError(message=message, message_en=message_en, **kw)


def safe_upload_name(raw: str | None) -> str:
    """The last path component of an uploaded file name; refuses names that are no file."""
    name = PureWindowsPath(PurePosixPath(raw or "upload").name).name.strip()
    if name in ("", ".", "..") or _UNSAFE_NAME.search(name) or len(name.encode()) > 255:
        raise _refuse(
            f"上传的文件名不可用：{raw!r}",
            f"unusable upload file name: {raw!r}",
            expected="a plain file name such as parcels.zip",
            found=raw,
        )
    return name


def check_zip(zf: zipfile.ZipFile, compressed_size: int) -> list[zipfile.ZipInfo]:
    """The members to extract, after refusing bombs and escaping names (before extracting)."""
    rules = limits()
    infos = zf.infolist()
    if len(infos) > rules.zip_max_members:
        raise _refuse(
            f"压缩包内文件过多：{len(infos)} 个（上限 {rules.zip_max_members}）",
            f"too many members in the archive: {len(infos)} (limit {rules.zip_max_members})",
            expected=rules.zip_max_members,
            found=len(infos),
        )
    for info in infos:
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", name):
            raise _refuse(
                f"压缩包内文件名试图跳出解压目录：{info.filename}",
                f"archive member escapes the extraction folder (zip slip): {info.filename}",
                found=info.filename,
            )
    total = sum(i.file_size for i in infos)
    ratio = total / max(compressed_size, 1)
    too_big = total > rules.zip_max_uncompressed_mb * _MB
    too_dense = total > rules.zip_ratio_applies_above_mb * _MB and ratio > rules.zip_max_ratio
    if too_big or too_dense:
        raise _refuse(
            f"压缩包解压后过大（{total // _MB} MB，压缩比 {ratio:.0f}:1），疑似压缩炸弹，已拒绝；"
            f"上限 {rules.zip_max_uncompressed_mb} MB、压缩比 {rules.zip_max_ratio}:1",
            f"the archive expands too far ({total // _MB} MB, ratio {ratio:.0f}:1): refused as "
            f"a possible zip bomb; limits {rules.zip_max_uncompressed_mb} MB, ratio "
            f"{rules.zip_max_ratio}:1",
            expected={
                "max_mb": rules.zip_max_uncompressed_mb,
                "max_ratio": rules.zip_max_ratio,
            },
            found={"mb": total // _MB, "ratio": round(ratio)},
        )
    return [i for i in infos if not i.is_dir()]


def check_json_depth(path: Path) -> None:
    """Refuse JSON nested deeper than the limit, by a streaming bracket count (no parsing)."""
    limit = limits().json_max_depth
    depth = base = 0
    in_string = False
    escaped_at = -1  # absolute offset of the byte a backslash escapes
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            for m in _JSON_TOKEN.finditer(chunk):
                ch, at = m.group(), base + m.start()
                if at == escaped_at:
                    continue
                if in_string:
                    if ch == b"\\":
                        escaped_at = at + 1
                    elif ch == b'"':
                        in_string = False
                elif ch == b'"':
                    in_string = True
                elif ch in (b"[", b"{"):
                    depth += 1
                    if depth > limit:
                        raise _refuse(
                            f"JSON 嵌套层数超过上限 {limit}，已拒绝（GeoJSON 通常不超过 10 层）",
                            f"the JSON is nested deeper than {limit} levels: refused "
                            "(GeoJSON needs about 10)",
                            expected=limit,
                            found=f">{limit}",
                        )
                elif ch in (b"]", b"}"):
                    depth -= 1
            base += len(chunk)


def _vertex_error(row: int | None, count: int, limit: int, per: str) -> ValidationError:
    where_zh = f"第 {row} 行的几何" if row is not None else "文件中的几何"
    where_en = f"the geometry of row {row}" if row is not None else "the file's geometries"
    return _refuse(
        f"{where_zh}顶点过多：{count} 个（每{per}上限 {limit}），已拒绝",
        f"{where_en} has too many vertices: {count} (limit {limit} per "
        f"{'feature' if per == '个要素' else 'file'}), refused",
        field="geometry",
        row=row,
        expected=limit,
        found=count,
    )


def check_shp_vertices(path: Path) -> None:
    """Refuse a .shp whose record headers declare too many vertices (read before GDAL)."""
    rules = limits()
    per_geom, per_file = rules.vertices_per_geometry_max, rules.vertices_per_file_max
    total, row = 0, 0
    size = path.stat().st_size
    with path.open("rb") as fh:
        pos = 100
        while pos + 12 <= size:
            fh.seek(pos)
            head = fh.read(12)
            if len(head) < 12:
                break
            _, words = struct.unpack(">ii", head[:8])
            shape_type = struct.unpack("<i", head[8:12])[0]
            row += 1
            offset = _SHP_COUNT_OFFSET.get(shape_type)
            count = 0 if shape_type == 0 else 1
            if offset is not None:
                fh.seek(pos + 8 + offset)
                raw = fh.read(4)
                count = struct.unpack("<i", raw)[0] if len(raw) == 4 else 0
            if count > per_geom:
                raise _vertex_error(row, count, per_geom, "个要素")
            total += max(count, 0)
            if total > per_file:
                raise _vertex_error(None, total, per_file, "个文件")
            if words <= 0:
                break
            pos += 8 + 2 * words


def check_vertices(geometries: Any, row_numbers: list[int]) -> None:
    """Refuse geometries (already read) over the per-feature or per-file vertex limits."""
    rules = limits()
    counts = shapely.get_num_coordinates(np.asarray(list(geometries), dtype=object))
    if not len(counts):
        return
    worst = int(np.argmax(counts))
    if counts[worst] > rules.vertices_per_geometry_max:
        raise _vertex_error(
            row_numbers[worst], int(counts[worst]), rules.vertices_per_geometry_max, "个要素"
        )
    if int(counts.sum()) > rules.vertices_per_file_max:
        raise _vertex_error(None, int(counts.sum()), rules.vertices_per_file_max, "个文件")
