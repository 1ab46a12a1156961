"""Settings (environment, prefix ``PARKGIS_``) and the domain rules file.

Settings say where things are (database, folders, ports); rules say what the law,
the standards and local policy require (thresholds, weights, costs). Rules live in
``parkgis/rules/*.toml``, typed and validated by :mod:`parkgis.rules`; a deployment
changes single keys with ``PARKGIS_RULES_FILE``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Projected CGCS2000 CRSs accepted as storage CRS (3-degree Gauss-Kruger, with and
#: without the zone prefix, CM 75E..135E). Lieshan is zone 39 (CM 117E): EPSG:4548.
_CGCS2000_GK3_SRIDS = set(range(4513, 4555))


class Settings(BaseSettings):
    """Deployment settings read from the environment (``PARKGIS_*``)."""

    model_config = SettingsConfigDict(env_prefix="PARKGIS_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of an existing PostGIS database; unset = private cluster.",
    )
    srid: int = Field(default=4548, description="Storage CRS: projected CGCS2000 EPSG code.")
    zone_code: str = Field(default="340604", description="Administrative code of the district.")
    data_dir: Path = Field(default=Path("var"), description="Folder for the private cluster.")
    pg_port: int = Field(default=54329, description="Port of the private PostgreSQL cluster.")
    pg_user: str = Field(default="parkgis", description="Database user of the private cluster.")
    pg_database: str = Field(default="parkgis", description="Database name of the private cluster.")
    host: str = Field(default="127.0.0.1", description="Address the API listens on.")
    port: int = Field(default=8000, description="Port the API listens on.")
    rules_file: Path | None = Field(
        default=None,
        description="TOML file whose keys override those of parkgis/rules/*.toml, one by one.",
    )
    basemap: Literal["osm", "tianditu", "gaode", "none"] = Field(
        default="osm", description="Basemap of the map viewers."
    )
    tianditu_key: str | None = Field(default=None, description="Tianditu API key.")
    max_body_mb: int = Field(default=200, description="Largest request body (uploads), MB.")
    keep_alive_s: int = Field(
        default=75,
        description="Seconds an idle HTTP connection stays open: longer than clients' own "
        "keep-alive (httpx, browsers: 5-60 s), so the server never closes a connection a "
        "client is about to reuse (that race surfaces as read errors under load).",
    )

    @field_validator("srid")
    @classmethod
    def _projected_cgcs2000(cls, value: int) -> int:
        if value not in _CGCS2000_GK3_SRIDS:
            msg = (
                f"PARKGIS_SRID must be a projected CGCS2000 Gauss-Kruger EPSG code "
                f"(4513-4554, e.g. 4548 for Lieshan); found {value}"
            )
            raise ValueError(msg)
        return value

    @field_validator("zone_code")
    @classmethod
    def _six_digits(cls, value: str) -> str:
        if not (len(value) == 6 and value.isdigit()):
            msg = f"PARKGIS_ZONE_CODE must be a 6-digit administrative code; found {value!r}"
            raise ValueError(msg)
        return value

    @property
    def data_path(self) -> Path:
        """The data folder as an absolute path."""
        return self.data_dir.resolve()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process settings (read once, on first use)."""
    return Settings()


def get_rules() -> dict[str, Any]:
    """The domain rules as nested dicts by top-level table (validated, see parkgis.rules).

    For code not yet converted to the typed rules (:func:`parkgis.rules.current`); the
    values are the same validated ones, ``PARKGIS_RULES_FILE`` merged in key by key.
    """
    from parkgis import rules

    return rules.as_tables()
