"""The layer catalogue: what each GIS layer is, who sees which field, how files map to it.

One TOML file per layer in the top-level ``layers/`` package (data only). This module
reads them into typed objects; services ask it which columns a role may see and which
rows (``row_filter``), and build their SQL from that, so visibility is enforced in the
query, never by editing JSON afterwards.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from parkgis.catalogue.viewers import ViewerLayer, viewer_layer
from parkgis.errors import NotFoundError, PermissionDeniedError


@dataclass(frozen=True)
class Field:
    """One column of a layer as people see it."""

    name: str
    type: str
    label_zh: str
    label_en: str
    unit: str = ""
    visible_to: tuple[str, ...] = ("admin",)
    aliases: tuple[str, ...] = ()
    #: Code table labelling this field's values (``parkgis.labels.codes``); "" = not coded.
    code_list: str = ""
    #: Source value -> stored value for imports, beyond the code list's own codes and labels
    #: (synonyms such as 闲置 for idle, YS for storm; labels of uncoded fields such as grades).
    value_aliases: dict[str, str] = field(default_factory=dict)
    required: bool = False
    computed: bool = False
    queryable: bool = True
    description: str = ""
    #: Source column name -> unit of its values when not the field's own (e.g. "MJ_MU" -> "亩").
    alias_units: dict[str, str] = field(default_factory=dict)
    #: dBase column name (at most 10 bytes) chosen in the TOML; by default one is derived
    #: from ``name`` (see :meth:`Layer.shapefile_names`).
    shp_name: str = ""

    def visible(self, role: str) -> bool:
        """Whether ``role`` may see this field (admin sees everything)."""
        return role == "admin" or "*" in self.visible_to or role in self.visible_to

    def label(self, lang: str = "zh") -> str:
        """The label a person reads, with the unit."""
        text = self.label_zh if lang == "zh" else self.label_en
        return f"{text} ({self.unit})" if self.unit else text


@dataclass(frozen=True)
class Lookup:
    """A source column holding a business key of another table (e.g. QLR -> firm name)."""

    aliases: tuple[str, ...]
    table: str
    match: str
    column: str


@dataclass(frozen=True)
class Layer:
    """A layer: a table or view with a geometry (or an attribute table) and its rules."""

    id: str
    table: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    geometry_type: str | None
    id_column: str
    business_key: str | None
    roles: tuple[str, ...]
    fields: tuple[Field, ...]
    row_filter: dict[str, str]
    min_zoom: int = 10
    tile_feature_cap: int = 50_000
    importable: bool = True
    style: dict[str, Any] = field(default_factory=dict)
    popup: tuple[str, ...] = ()
    list_order: str | None = None
    lookups: tuple[Lookup, ...] = ()
    #: Table imports write to when ``table`` is a view for reading (e.g. pipes + grades).
    write_table: str = ""
    #: Columns identifying a row for upserts when there is no single business key.
    key_fields: tuple[str, ...] = ()
    #: Roles that may edit existing features (PATCH items, ``parkgis edit``); empty = none.
    edit_roles: tuple[str, ...] = ()
    #: Every change to ``write_table`` is recorded in ``history`` (triggers generated from
    #: this at migrate time, postgis/sql/10_history.sql); ``history_key`` names a row.
    history: bool = False
    history_key: tuple[str, ...] = ("id",)
    #: ``write_table`` is under row-level security (postgis/sql/70_security.sql).
    protected: bool = False
    #: The map viewers that draw this layer (``[[viewers]]``, parkgis.catalogue.viewers).
    viewers: tuple[ViewerLayer, ...] = ()

    @property
    def has_geometry(self) -> bool:
        return self.geometry_type is not None

    def can_see(self, role: str) -> bool:
        """Whether ``role`` may see this layer at all."""
        return role == "admin" or "*" in self.roles or role in self.roles

    def check_role(self, role: str) -> None:
        """Raise PermissionDeniedError unless ``role`` may see the layer."""
        if not self.can_see(role):
            raise PermissionDeniedError(
                message=f"角色 {role} 无权查看图层 {self.title_zh}",
                message_en=f"role {role} may not see layer {self.id}",
                field="collection",
                found=self.id,
            )

    def can_edit(self, role: str) -> bool:
        """Whether ``role`` may edit this layer's features (admin: any editable layer)."""
        return bool(self.edit_roles) and (role == "admin" or role in self.edit_roles)

    def visible_fields(self, role: str) -> list[Field]:
        """Fields ``role`` may see, in catalogue order."""
        return [f for f in self.fields if f.visible(role)]

    def field(self, name: str) -> Field:
        """The field called ``name`` (NotFoundError otherwise)."""
        for f in self.fields:
            if f.name == name:
                return f
        raise NotFoundError(
            message=f"图层 {self.title_zh} 没有字段 {name}",
            message_en=f"layer {self.id} has no field {name!r}",
            field="property",
            expected=[f.name for f in self.fields],
            found=name,
        )

    def rows_for(self, role: str) -> str | None:
        """SQL predicate limiting the rows ``role`` sees (None = all rows)."""
        if role == "admin":
            return None
        return self.row_filter.get(role, self.row_filter.get("*"))

    def shapefile_names(self) -> dict[str, str]:
        """Field name -> its dBase column name in a shapefile (unique, ASCII, <= 10 bytes).

        dBase III limits field names to 10 bytes, so exports shorten them; the importer reads
        the same names back (:func:`parkgis.ingest.mapping.plan_columns`), so a shapefile
        exported by parkgis re-imports losslessly even without its ``_fields.txt`` note.
        A field's ``shp_name`` in the TOML wins; the rest are derived in catalogue order.
        """
        return _shapefile_names(self.fields)

    def label_map(self, lang: str = "zh") -> dict[str, str]:
        """Column name -> label with unit."""
        return {f.name: f.label(lang) for f in self.fields}


#: Longest dBase field name, in bytes (dBase III file structure; GDAL's Shapefile driver).
SHP_NAME_BYTES = 10


def _shapefile_names(fields: tuple[Field, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    used = {f.shp_name.upper() for f in fields if f.shp_name}
    for f in fields:
        if f.shp_name:
            out[f.name] = f.shp_name
            continue
        base = re.sub(r"[^A-Za-z0-9_]", "_", f.name)[:SHP_NAME_BYTES] or "F"
        name, n = base, 1
        while name.upper() in used:
            suffix = str(n)
            name = base[: SHP_NAME_BYTES - len(suffix)] + suffix
            n += 1
        used.add(name.upper())
        out[f.name] = name
    return out


def _field(raw: dict[str, Any]) -> Field:
    label = raw.get("label", {})
    return Field(
        name=raw["name"],
        type=raw.get("type", "text"),
        label_zh=label.get("zh", raw["name"]),
        label_en=label.get("en", raw["name"]),
        unit=raw.get("unit", ""),
        visible_to=tuple(raw.get("visible_to", ["admin"])),
        aliases=tuple(raw.get("aliases", [])),
        code_list=str(raw.get("code_list", "")),
        value_aliases=dict(raw.get("value_aliases", {})),
        required=bool(raw.get("required", False)),
        computed=bool(raw.get("computed", False)),
        queryable=bool(raw.get("queryable", True)),
        description=raw.get("description", ""),
        alias_units=dict(raw.get("alias_units", {})),
        shp_name=_checked_shp_name(raw),
    )


def _checked_shp_name(raw: dict[str, Any]) -> str:
    name = str(raw.get("shp_name", ""))
    if name and (len(name.encode()) > SHP_NAME_BYTES or not re.fullmatch(r"[A-Za-z0-9_]+", name)):
        msg = f"field {raw['name']}: shp_name {name!r} must be ASCII of at most 10 bytes"
        raise ValueError(msg)
    return name


def _layer(raw: dict[str, Any]) -> Layer:
    title = raw.get("title", {})
    desc = raw.get("description", {})
    return Layer(
        id=raw["id"],
        table=raw["table"],
        title_zh=title.get("zh", raw["id"]),
        title_en=title.get("en", raw["id"]),
        description_zh=desc.get("zh", ""),
        description_en=desc.get("en", ""),
        geometry_type=raw.get("geometry_type"),
        id_column=raw.get("id_column", "id"),
        business_key=raw.get("business_key"),
        roles=tuple(raw.get("roles", ["admin"])),
        fields=tuple(_field(f) for f in raw.get("fields", [])),
        row_filter=dict(raw.get("row_filter", {})),
        min_zoom=int(raw.get("min_zoom", 10)),
        tile_feature_cap=int(raw.get("tile_feature_cap", 50_000)),
        importable=bool(raw.get("importable", True)),
        style=dict(raw.get("style", {})),
        popup=tuple(raw.get("popup", {}).get("fields", [])),
        list_order=raw.get("list_order"),
        lookups=tuple(
            Lookup(
                aliases=tuple(lk["aliases"]),
                table=lk["table"],
                match=lk["match"],
                column=lk["column"],
            )
            for lk in raw.get("lookups", [])
        ),
        key_fields=tuple(raw.get("key_fields", [])),
        write_table=raw.get("write_table", raw["table"]),
        edit_roles=tuple(raw.get("edit_roles", [])),
        history=bool(raw.get("history", False)),
        history_key=tuple(raw.get("history_key", [raw.get("id_column", "id")])),
        protected=bool(raw.get("protected", False)),
        viewers=_viewers(raw),
    )


def _viewers(raw: dict[str, Any]) -> tuple[ViewerLayer, ...]:
    """The layer's ``[[viewers]]`` entries; a field they name must be one of the layer's."""
    entries = tuple(viewer_layer(raw["id"], v) for v in raw.get("viewers", []))
    names = {f["name"] for f in raw.get("fields", [])}
    for entry in entries:
        unknown = entry.fields_named() - names
        if unknown:
            msg = f"layers/{raw['id']}.toml [[viewers]] {entry.viewer}: no field {sorted(unknown)}"
            raise ValueError(msg)
    return entries


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, Layer]:
    """Every layer of ``layers/*.toml``, by id, in file-name order."""
    folder = resources.files("layers")
    layers: dict[str, Layer] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml") and not entry.name.startswith("_"):
            layer = _layer(tomllib.loads(entry.read_text(encoding="utf-8")))
            layers[layer.id] = layer
    return layers


def get_layer(layer_id: str) -> Layer:
    """The layer ``layer_id`` (NotFoundError listing the known ones otherwise)."""
    layers = load_catalogue()
    if layer_id not in layers:
        raise NotFoundError(
            message=f"没有图层 {layer_id}",
            message_en=f"unknown layer {layer_id!r}",
            field="layer",
            expected=sorted(layers),
            found=layer_id,
        )
    return layers[layer_id]


@dataclass(frozen=True)
class TableRules:
    """What the database keeps for a table the park writes: history, row-level security."""

    table: str
    history: bool
    history_key: tuple[str, ...]
    protected: bool
    #: The layer writing the table, or "" for a table declared in ``layers/_tables.toml``.
    layer: str = ""
    #: Why a written table keeps no history (a log of its own, a run table).
    note: str = ""


@lru_cache(maxsize=1)
def table_rules() -> dict[str, TableRules]:
    """Every written table of the schema: from the layers and ``layers/_tables.toml``."""
    out: dict[str, TableRules] = {}
    for layer in load_catalogue().values():
        if "." in layer.write_table:
            continue  # a view: its tables are declared where they are written
        out[layer.write_table] = TableRules(
            layer.write_table, layer.history, layer.history_key, layer.protected, layer.id
        )
    raw = tomllib.loads((resources.files("layers") / "_tables.toml").read_text(encoding="utf-8"))
    for t in raw.get("tables", []):
        out[t["table"]] = TableRules(
            table=t["table"],
            history=bool(t.get("history", False)),
            history_key=tuple(t.get("history_key", ["id"])),
            protected=bool(t.get("protected", False)),
            note=str(t.get("note", "")),
        )
    return out


def tracked_tables() -> dict[str, tuple[str, ...]]:
    """Tables whose every change is recorded in ``history``, with the columns naming a row."""
    return {t.table: t.history_key for t in table_rules().values() if t.history}


def protected_tables() -> tuple[str, ...]:
    """Tables under row-level security (the policies of postgis/sql/70_security.sql)."""
    return tuple(sorted(t.table for t in table_rules().values() if t.protected))
