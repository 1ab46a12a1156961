"""``parkgis serve``: run the web service."""

from __future__ import annotations

import typer


def serve(
    host: str | None = typer.Option(None, help="address (default PARKGIS_HOST)"),
    port: int | None = typer.Option(None, help="port (default PARKGIS_PORT)"),
    workers: int = typer.Option(1, help="uvicorn worker processes"),
) -> None:
    """Serve the API, the OGC API Features, tiles and the map viewers."""
    import uvicorn

    from parkgis.config import get_settings

    settings = get_settings()
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="info",
        timeout_keep_alive=settings.keep_alive_s,
    )
