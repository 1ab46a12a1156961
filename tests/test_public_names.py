"""Public parcel names never carry a firm's name (issue 14 §12), refused by the database."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from parkgis.editing import update_feature
from parkgis.errors import ValidationError
from tests import park

FIRM = "淮北某某陶瓷股份有限公司"


def test_a_parcel_named_after_a_firm_is_refused_in_both_languages(conn: Connection) -> None:
    park.firm(conn, FIRM)
    with pytest.raises(IntegrityError) as exc, conn.begin_nested():
        park.parcel(conn, "N-1", 0, 0, name=f"{FIRM}地块")
    message = exc.value.orig.diag.message_primary  # type: ignore[union-attr]
    assert "N-1" in message and FIRM in message
    assert "不得含企业名称" in message and "never carry a firm's name" in message
    park.parcel(conn, "N-2", 0, 0, name="经开区12号街区3号地块")  # a name of place is fine


def test_renaming_to_a_firm_name_and_naming_a_firm_after_a_parcel_are_refused(
    conn: Connection,
) -> None:
    pid = park.parcel(conn, "N-3", 0, 0, name="金山路北侧地块")
    park.firm(conn, FIRM)
    with pytest.raises(ValidationError) as exc:
        update_feature(conn, "parcels", pid, {"name": f"原{FIRM}厂区"}, 1, "land_bureau")
    assert exc.value.field == "name" and "不得含企业名称" in exc.value.message
    with pytest.raises(IntegrityError) as firm_exc, conn.begin_nested():
        park.firm(conn, "金山路北侧")
    assert "N-3" in firm_exc.value.orig.diag.message_primary  # type: ignore[union-attr]
    assert conn.execute(text("SELECT name FROM parcel WHERE id = :i"), {"i": pid}).scalar() == (
        "金山路北侧地块"
    )
