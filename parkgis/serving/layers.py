"""Layers as served: access by role (401/403), quoted SQL pieces, change versions, caches.

Every identifier in served SQL comes from the catalogue and is quoted here; every value
is a bound parameter. A layer's row filter (``Layer.rows_for``) is trusted SQL written
by the catalogue's authors; it names the table by its bare name (``building.id``), so
the relation is selected without an alias.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, text

from parkgis.access import User
from parkgis.catalogue import Field, Layer, get_layer, load_catalogue
from parkgis.errors import AuthenticationError, NotFoundError, PermissionDeniedError

V = TypeVar("V")
_deps: dict[str, tuple[str, ...]] = {}


def quote_ident(name: str) -> str:
    """Quote a PostgreSQL identifier (column/table/schema) safely."""
    return '"' + name.replace('"', '""') + '"'


def relation(layer: Layer) -> str:
    """The layer's table or view, schema-qualified and quoted."""
    schema, _, table = layer.table.rpartition(".")
    return f"{quote_ident(schema or 'public')}.{quote_ident(table)}"


def collections_for(user: User) -> list[Layer]:
    """Layers with a geometry that ``user`` may see, in catalogue order."""
    return [lyr for lyr in load_catalogue().values() if lyr.has_geometry and lyr.can_see(user.role)]


def collection_for(layer_id: str, user: User) -> Layer:
    """The collection ``layer_id`` if ``user`` may see it: 404 unknown, 401 anonymous, 403 role."""
    try:
        layer = get_layer(layer_id)
    except NotFoundError:
        layer = None
    if layer is None or not layer.has_geometry:
        raise NotFoundError(
            message=f"没有图层 {layer_id}",
            message_en=f"unknown collection {layer_id!r}",
            field="collectionId",
            expected=[lyr.id for lyr in collections_for(user)],
            found=layer_id,
        )
    if layer.can_see(user.role):
        return layer
    if user.is_anonymous:
        raise AuthenticationError(
            message=f"图层 {layer.title_zh} 需要登录（X-API-Key）",
            message_en=f"collection {layer.id} needs authentication (X-API-Key)",
            field="X-API-Key",
        )
    raise PermissionDeniedError(
        message=f"角色 {user.role} 无权查看图层 {layer.title_zh}",
        message_en=f"role {user.role} may not see collection {layer.id}",
        field="collectionId",
        found=layer.id,
    )


def row_filter_sql(layer: Layer, role: str) -> str:
    """The role's row predicate (``TRUE`` when it sees every row)."""
    predicate = layer.rows_for(role)
    return f"({predicate})" if predicate else "TRUE"


def column(f: Field) -> str:
    """The quoted column of a field."""
    return quote_ident(f.name)


def mvt_value(f: Field) -> str:
    """A field as an MVT-encodable value (ST_AsMVT takes numbers, text, booleans)."""
    col = column(f)
    if f.type == "number":
        return f"{col}::float8"
    if f.type == "integer":
        return f"{col}::bigint"
    if f.type == "boolean" or f.type == "text":
        return col
    if f.type.endswith("[]"):
        return f"array_to_string({col}, ',')"
    return f"{col}::text"


def json_type(f: Field) -> dict[str, Any]:
    """JSON Schema type of a field (for queryables)."""
    if f.type == "number":
        return {"type": "number"}
    if f.type == "integer":
        return {"type": "integer"}
    if f.type == "boolean":
        return {"type": "boolean"}
    if f.type == "date":
        return {"type": "string", "format": "date"}
    if f.type.endswith("[]"):
        return {"type": "array", "items": {"type": "string"}}
    return {"type": "string"}


def _filter_source(conn: Connection, layer: Layer) -> str:
    """The layer's row filters and the source of the ``logic`` functions they call (the
    scope functions of the access rules, postgis/sql/70_security.sql), recursively."""
    source = " ".join(layer.row_filter.values())
    pending, seen = set(re.findall(r"logic\.([a-z_]+)\(", source)), set()
    while pending:
        name = pending.pop()
        seen.add(name)
        body = " ".join(
            conn.execute(
                text(
                    "SELECT p.prosrc FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n "
                    "ON n.oid = p.pronamespace WHERE n.nspname = 'logic' AND p.proname = :f"
                ),
                {"f": name},
            ).scalars()
        )
        source += " " + body
        pending |= set(re.findall(r"logic\.([a-z_]+)\(", body)) - seen
    return source


def _dependency_tables(conn: Connection, layer: Layer) -> tuple[str, ...]:
    """Base tables the layer reads, through views and its row filters (cached)."""
    if layer.id in _deps:
        return _deps[layer.id]
    tables = set(
        conn.execute(
            text("SELECT logic.relation_tables(CAST(:rel AS regclass))"), {"rel": relation(layer)}
        ).scalars()
    )
    words = set(re.findall(r"[a-z_][a-z0-9_]*", _filter_source(conn, layer)))
    if words:
        public = conn.execute(
            text("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        tables |= words & set(public)
    _deps[layer.id] = tuple(sorted(tables))
    return _deps[layer.id]


def layer_version(conn: Connection, layer: Layer) -> str:
    """The layer's change version: changes whenever a table it reads changes.

    Made of the database name and, per table, the count and newest id of its rows in
    the insert-only ``layer_change`` log (written by ``logic.bump_layer_change``): the
    count changes with every committed statement, also when an older id commits late.
    """
    tables = list(_dependency_tables(conn, layer))
    row = conn.execute(
        text(
            "SELECT current_database(), coalesce(string_agg(table_name || '=' || n || '/' || m, "
            "',' ORDER BY table_name), '') FROM (SELECT table_name, count(*) AS n, max(id) AS m "
            "FROM layer_change WHERE table_name = ANY(:t) GROUP BY table_name) AS s"
        ),
        {"t": tables},
    ).one()
    return f"{row[0]}:{row[1]}"


class LruCache(Generic[V]):
    """A thread-safe in-process LRU cache of bounded size."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        """The cached value (and mark it recently used), or None."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
            return None

    def put(self, key: Hashable, value: V) -> None:
        """Store a value, evicting the least recently used beyond ``size``."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
