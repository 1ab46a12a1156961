"""Imports (multipart upload) and exports of layers over HTTP."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from api.deps import Conn, CurrentUser, require_capability
from parkgis.access import User
from parkgis.export import export_bytes
from parkgis.ingest import import_file
from parkgis.ingest.limits import safe_upload_name
from parkgis.ingest.read import sniff

router = APIRouter(tags=["data exchange"])

ImportRole = Annotated[User, Depends(require_capability("imports_data"))]


@router.post(
    "/imports",
    summary="Import a file into a layer (land bureau, admin); returns the import report",
    responses={422: {"description": "refused: the report says why, the database is unchanged"}},
)
def post_import(
    conn: Conn,
    user: ImportRole,
    layer: Annotated[str, Form(description="catalogue layer id")],
    files: Annotated[list[UploadFile], File(description="the file, or a shapefile's parts")],
    mode: Annotated[Literal["insert", "upsert", "replace"], Form()] = "insert",
    crs: Annotated[str | None, Form(description="source EPSG")] = None,
    encoding: Annotated[str | None, Form()] = None,
    source_layer: Annotated[str | None, Form()] = None,
    dry_run: Annotated[bool, Form()] = False,
    strict: Annotated[bool, Form()] = False,
    from_gcj02: Annotated[bool, Form()] = False,
) -> JSONResponse:
    tmp = Path(tempfile.mkdtemp(prefix="parkgis-upload-"))
    try:
        saved = []
        for upload in files:
            name = safe_upload_name(upload.filename)
            target = tmp / name
            with target.open("wb") as out:
                shutil.copyfileobj(upload.file, out)
            saved.append(target)
        main = next((p for p in saved if p.suffix.lower() == ".shp"), saved[0])
        if len(saved) > 1 and main.suffix.lower() != ".shp":
            main = next((p for p in saved if sniff(p) != "unknown"), saved[0])
        report = import_file(
            conn,
            layer,
            main,
            crs=crs or None,
            encoding=encoding or None,
            source_layer=source_layer or None,
            mode=mode,
            dry_run=dry_run,
            strict=strict,
            from_gcj02=from_gcj02,
            source_name=main.name,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return JSONResponse(report.to_dict(), status_code=200 if report.ok else 422)


@router.get(
    "/exports/{layer}.{fmt}",
    summary="Export a layer (gpkg, shp as zip, geojson RFC 7946, csv, xlsx) as the caller sees it",
)
def get_export(
    conn: Conn,
    user: CurrentUser,
    layer: str,
    fmt: Literal["gpkg", "shp", "geojson", "csv", "xlsx"],
    where: Annotated[
        list[str] | None,
        Query(description="field=value, field>value, ...; values are bound, never raw SQL"),
    ] = None,
    crs: Annotated[int | None, Query(description="output EPSG (not for GeoJSON)")] = None,
) -> Response:
    content, media_type, filename = export_bytes(conn, layer, fmt, user.role, where, crs)
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
