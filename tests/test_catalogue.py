"""The layer catalogue matches the database: every column it names exists."""

from __future__ import annotations

from sqlalchemy import Connection, text

from parkgis.catalogue import load_catalogue
from tests.roles import ROLES


def _columns(conn: Connection, qualified: str) -> set[str]:
    schema, _, table = qualified.rpartition(".")
    rows = conn.execute(
        text(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = :s AND table_name = :t"
        ),
        {"s": schema or "public", "t": table},
    )
    return set(rows.scalars())


def test_every_catalogue_column_exists(conn: Connection) -> None:
    layers = load_catalogue()
    assert {
        "parcels",
        "buildings",
        "units",
        "roads",
        "manholes",
        "pipes",
        "idle_land",
        "cases",
    } <= set(layers)
    for layer in layers.values():
        columns = _columns(conn, layer.table)
        assert columns, f"{layer.id}: table {layer.table} does not exist"
        missing = [f.name for f in layer.fields if f.name not in columns]
        assert not missing, f"{layer.id}: catalogue names columns not in {layer.table}: {missing}"
        assert layer.id_column in columns
        if layer.has_geometry:
            assert "geom" in columns
        if layer.business_key:
            assert layer.business_key in columns


def test_catalogue_is_complete_for_people(conn: Connection) -> None:
    for layer in load_catalogue().values():
        assert layer.title_zh and layer.title_en
        for role in layer.roles:
            assert role == "*" or role in ROLES, (layer.id, role)
        for f in layer.fields:
            assert f.label_zh and f.label_en, (layer.id, f.name)
            for role in f.visible_to:
                assert role == "*" or role in ROLES, (layer.id, f.name, role)
        for name in layer.popup:
            assert any(f.name == name for f in layer.fields), (layer.id, name)


def test_public_sees_no_owner_or_price_history() -> None:
    parcels = load_catalogue()["parcels"]
    public = {f.name for f in parcels.visible_fields("public")}
    assert "holder_firm_id" not in public
    assert "land_price_yuan" not in public
    assert "parcel_code" not in public
    assert parcels.rows_for("public") is not None
    assert not load_catalogue()["pipes"].can_see("public")
    assert not load_catalogue()["cases"].can_see("public")


def test_lookups_point_at_real_columns(conn: Connection) -> None:
    for layer in load_catalogue().values():
        own = _columns(conn, layer.table)
        for lookup in layer.lookups:
            assert lookup.column in own, (layer.id, lookup.column)
            assert lookup.match in _columns(conn, lookup.table), (layer.id, lookup.table)
