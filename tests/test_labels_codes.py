"""Labels come from the code tables through one cached module, never from copies."""

from __future__ import annotations

from sqlalchemy import Connection, text

from parkgis.catalogue import load_catalogue
from parkgis.labels import codes


def _code_foreign_keys(conn: Connection) -> dict[tuple[str, str], str]:
    """(table, column) -> code table, for every single-column FK to a code list."""
    rows = conn.execute(
        text(
            "SELECT cl.relname, a.attname, rc.relname FROM pg_constraint k "
            "JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class rc ON rc.oid = k.confrelid "
            "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] "
            "WHERE k.contype = 'f' AND array_length(k.conkey, 1) = 1 AND EXISTS ("
            " SELECT 1 FROM information_schema.columns i WHERE i.table_schema = 'public' "
            " AND i.table_name = rc.relname AND i.column_name = 'label_zh')"
        )
    ).all()
    return {(t, c): ref for t, c, ref in rows}


def _view_sources(conn: Connection) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(view, column) -> the (table, column) pairs of the public schema it reads."""
    rows = conn.execute(
        text(
            "SELECT view_schema || '.' || view_name, column_name, table_name "
            "FROM information_schema.view_column_usage WHERE table_schema = 'public'"
        )
    ).all()
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for view, column, table in rows:
        out.setdefault((view, column), []).append((table, column))
    return out


def test_every_coded_column_of_a_layer_names_its_code_list(conn: Connection) -> None:
    fks = _code_foreign_keys(conn)
    views = _view_sources(conn)
    for layer in load_catalogue().values():
        for f in layer.fields:
            sources = views.get((layer.table, f.name), [(layer.write_table, f.name)])
            ref = next((fks[s] for s in sources if s in fks), None)
            assert f.code_list == (ref or f.code_list), (layer.id, f.name, ref)
            if ref is not None:
                assert f.code_list, f"{layer.id}.{f.name} references {ref} without code_list"
            if f.code_list:
                listed = codes.code_list(conn, f.code_list)
                assert listed.codes, (layer.id, f.name, f.code_list)


def test_no_alias_copies_a_code_list_label(conn: Connection) -> None:
    for layer in load_catalogue().values():
        for f in layer.fields:
            if not f.code_list:
                continue
            listed = codes.code_list(conn, f.code_list)
            for alias, code in f.value_aliases.items():
                assert listed.get(code) is not None, (layer.id, f.name, code)
                assert alias not in listed.import_values(), (layer.id, f.name, alias)


def test_labels_read_the_tables_once(conn: Connection) -> None:
    codes.clear_cache()
    fire = codes.code_list(conn, "fire_hazard_class")
    assert codes.code_list(conn, "fire_hazard_class") is fire
    assert fire.codes == ("jia", "yi", "bing", "ding", "wu")  # in hazard_rank order
    assert fire.column("hazard_rank")["bing"] == 3
    assert codes.label(conn, "land_status", "available") == "净地"
    assert codes.label(conn, "land_status", "available", "en").startswith("Available")
    assert codes.label(conn, "case_stage", None) == "未填写"
    assert codes.label_all(conn, "fire_hazard_class", ["jia", "yi"]) == "甲、乙"
    assert set(codes.code_list(conn, "land_status").where("is_locked")) == {
        "idle",
        "inefficient",
        "bankruptcy_estate",
    }
    assert codes.codes(conn, "case_stage")[0] == "application"  # seq order


def test_import_values_accept_codes_and_both_labels(conn: Connection) -> None:
    status = load_catalogue()["parcels"].field("status")
    values = codes.import_values(conn, status)
    assert values["净地"] == values["available"] == "available"
    assert values["闲置"] == "idle"  # the catalogue's synonym
    assert values["Idle land"] == "idle"


def test_idle_land_view_reads_land_status(conn: Connection) -> None:
    locked = set(codes.code_list(conn, "land_status").where("is_locked"))
    shown = set(conn.execute(text("SELECT DISTINCT status FROM logic.idle_land")).scalars())
    assert shown <= locked
    definition = conn.execute(text("SELECT pg_get_viewdef('logic.idle_land')")).scalar_one()
    assert "is_locked" in definition and "'idle'" not in definition


def test_a_code_list_that_is_not_one_is_refused(conn: Connection) -> None:
    import pytest

    from parkgis.errors import NotFoundError

    with pytest.raises(NotFoundError):
        codes.code_list(conn, "parcel")


def test_analysts_frames_read_in_labels(demo_conn: Connection) -> None:
    import parkgis

    parcels = parkgis.read_layer(demo_conn, "parcels")
    labelled = parkgis.with_labels(demo_conn, parcels, "parcels")
    statuses = set(codes.labels(demo_conn, "land_status").values())
    assert set(labelled["status"]) <= statuses and set(labelled["status"])
    assert not set(labelled["status"]) & set(codes.codes(demo_conn, "land_status"))
    assert parkgis.code_labels(demo_conn, "road_status", "en")["dead_end"] == "Dead end"


def test_enquiry_fields_and_fire_classes_come_from_the_catalogue(conn: Connection) -> None:
    import pytest

    from parkgis.errors import ValidationError
    from parkgis.matching.enquiry import validate_enquiry

    base = {"investor_name": "某公司", "industry_code": "C34", "land_mu_min": 10}
    assert validate_enquiry(conn, {**base, "fire_class": "甲类"}).fire_class == "jia"
    assert validate_enquiry(conn, {**base, "fire_class": "丙"}).fire_class == "bing"
    with pytest.raises(ValidationError) as exc:
        validate_enquiry(conn, {**base, "fire_class": "癸"})
    assert "甲/乙/丙/丁/戊" in str(exc.value.details)
    with pytest.raises(ValidationError) as exc:
        validate_enquiry(conn, {**base, "land_mu_max": 5})
    label = load_catalogue()["enquiries"].field("land_mu_max").label("zh")
    assert label in exc.value.message  # the label of layers/enquiries.toml
    enquiry_fields = {f.name for f in load_catalogue()["enquiries"].fields}
    assert {"highway_within_km", "rail_within_km"} <= enquiry_fields
