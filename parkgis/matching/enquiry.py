"""Investor enquiries 招商项目需求: validate, store, read and edit (table ``investor_enquiry``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from sqlalchemy import Connection, text

from parkgis.catalogue import get_layer
from parkgis.errors import ConflictError, NotFoundError, StaleVersionError, ValidationError
from parkgis.labels import codes
from parkgis.labels import format as fmt
from parkgis.labels.codes import CodeList
from parkgis.labels.format import Lang

Positive = Field(default=None, gt=0)
NonNegative = Field(default=None, ge=0)


class Enquiry(BaseModel):
    """An investor's requirements; every size, load and budget in the unit of its name."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str | None = Field(default=None, max_length=40)
    investor_name: str = Field(min_length=1, max_length=200)
    contact: str | None = None
    project_name: str | None = None
    industry_code: str = Field(pattern=r"^[A-T]([0-9]{2}([0-9]{1,2})?)?$")
    site_kind: Literal["land", "building", "either"] = "either"
    land_mu_min: float | None = Positive
    land_mu_max: float | None = Positive
    floor_area_m2_min: float | None = Positive
    floor_area_m2_max: float | None = Positive
    floor_load_kn_m2_min: float | None = Field(default=None, gt=0, le=100)
    clear_height_m_min: float | None = Field(default=None, gt=0, le=40)
    column_grid_m_min: float | None = Field(default=None, gt=0, le=60)
    crane_t_min: float | None = NonNegative
    freight_lift_t_min: float | None = NonNegative
    fire_class: str | None = None
    power_kva: float | None = NonNegative
    wastewater_m3_day: float | None = NonNegative
    industrial_wastewater: bool = False
    land_budget_yuan_per_mu: float | None = NonNegative
    rent_budget_yuan_m2_month: float | None = NonNegative
    total_investment_yuan: float | None = NonNegative
    expected_tax_yuan_year: float | None = NonNegative
    wanted_by: dt.date | None = None
    preferred_zones: list[str] = Field(default_factory=list)
    highway_within_km: float | None = Positive
    rail_within_km: float | None = Positive
    received_on: dt.date | None = None
    status: Literal["open", "shortlist", "signed", "lost", "withdrawn"] = "open"
    notes: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _fire_class_as_code(cls, data: Any, info: ValidationInfo) -> Any:
        """甲, 甲类, Class A (jia) or jia -> jia, from the code list (fire_hazard_class)."""
        fire: CodeList | None = (info.context or {}).get("fire_hazard_class")
        if fire is None or not isinstance(data, dict) or data.get("fire_class") is None:
            return data
        value = str(data["fire_class"]).strip()
        known = fire.import_values()
        code = known.get(value, known.get(value.removesuffix("类")))
        if code is None:
            words = "/".join(e.label_zh for e in fire.entries)
            raise ValueError(f"fire_class: expected {words}, found {value!r}")
        return {**data, "fire_class": code}

    @model_validator(mode="after")
    def _consistent(self) -> Enquiry:
        for low, high in (
            ("land_mu_min", "land_mu_max"),
            ("floor_area_m2_min", "floor_area_m2_max"),
        ):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and hi < lo:
                raise ValueError(f"{high}: {hi} < {low} {lo}")
        has_land = self.land_mu_min is not None or self.land_mu_max is not None
        has_floor = self.floor_area_m2_min is not None or self.floor_area_m2_max is not None
        if not (has_land or has_floor):
            raise ValueError("size: give land_mu_min/max or floor_area_m2_min/max (or both)")
        if self.site_kind == "land" and not has_land:
            raise ValueError("land_mu_min: a land enquiry needs a land size in mu")
        if self.site_kind == "building" and not has_floor:
            raise ValueError("floor_area_m2_min: a building enquiry needs a floor area in m2")
        return self

    @property
    def wants_land(self) -> bool:
        """Whether parcels are candidates (a land size was given and land is wanted)."""
        has_land = self.land_mu_min is not None or self.land_mu_max is not None
        return self.site_kind in ("land", "either") and has_land

    @property
    def wants_building(self) -> bool:
        """Whether units and buildings are candidates (a floor area was given)."""
        has_floor = self.floor_area_m2_min is not None or self.floor_area_m2_max is not None
        return self.site_kind in ("building", "either") and has_floor


def _field_of(message: str, loc: tuple[Any, ...]) -> str | None:
    if loc:
        return str(loc[0])
    head = message.removeprefix("Value error, ").split(":", 1)[0].strip()
    return head if head in Enquiry.model_fields or head == "size" else None


def field_label(name: str | None, lang: Lang = "zh") -> str:
    """The label of an enquiry field as the catalogue (layers/enquiries.toml) gives it."""
    if name is None:
        return "需求" if lang == "zh" else "enquiry"
    layer = get_layer("enquiries")
    if any(f.name == name for f in layer.fields):
        return layer.field(name).label(lang)
    if name == "size":
        return "面积要求" if lang == "zh" else "size"
    return name


def validate_enquiry(conn: Connection, data: dict[str, Any]) -> Enquiry:
    """Check an enquiry; a ValidationError names the field in Chinese and English.

    Coded values (the fire-hazard class) are read as codes or labels of their code list.
    """
    context = {"fire_hazard_class": codes.code_list(conn, "fire_hazard_class")}
    try:
        return Enquiry.model_validate(data, context=context)
    except pydantic.ValidationError as exc:
        details = []
        for err in exc.errors():
            field = _field_of(str(err.get("msg", "")), tuple(err.get("loc", ())))
            details.append(
                {"field": field, "reason": err.get("msg"), "found": _plain(err.get("input"))}
            )
        first = details[0]
        label = field_label(first["field"])
        raise ValidationError(
            message=f"招商需求有误：{label}（{first['reason']}）",
            message_en=f"invalid enquiry: {first['field']}: {first['reason']}",
            field=first["field"],
            found=first["found"],
            details=details,
        ) from None


def check_enquiry_facts(conn: Connection, enquiry: Enquiry, day: dt.date) -> None:
    """Refuse what would silently match nothing: a wanted-by date before ``day``, or a
    preferred zone the park does not have (ValidationError naming the field)."""
    if enquiry.wanted_by is not None and enquiry.wanted_by < day:
        raise ValidationError(
            message=f"{field_label('wanted_by')}有误：{fmt.date(enquiry.wanted_by)}已过"
            f"（应不早于{fmt.date(day)}）",
            message_en=f"wanted_by: {enquiry.wanted_by} is in the past (expected {day} or later)",
            field="wanted_by",
            expected=f">= {day.isoformat()}",
            found=enquiry.wanted_by.isoformat(),
        )
    if not enquiry.preferred_zones:
        return
    rows = conn.execute(text("SELECT code, name_zh FROM zone ORDER BY code"))
    zones = {r.code: r.name_zh for r in rows}
    unknown = [z for z in enquiry.preferred_zones if z not in zones]
    if unknown:
        known = "、".join(f"{code} {name}" for code, name in zones.items())
        raise ValidationError(
            message=f"{field_label('preferred_zones')}有误：没有园区 {unknown[0]}（可选：{known}）",
            message_en=f"preferred_zones: unknown zone {unknown[0]!r} (known: {', '.join(zones)})",
            field="preferred_zones",
            expected=sorted(zones),
            found=unknown[0],
        )


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)[:200]


_COLUMNS = [name for name in Enquiry.model_fields if name not in ("code", "received_on")]


def _next_code(conn: Connection, year: int) -> str:
    n = conn.execute(
        text("SELECT count(*) FROM investor_enquiry WHERE code LIKE :p"), {"p": f"ENQ-{year}-%"}
    ).scalar_one()
    return f"ENQ-{year}-{int(n) + 1:04d}"


def create_enquiry(conn: Connection, enquiry: Enquiry, zone_code: str = "340604") -> dict[str, Any]:
    """Store a validated enquiry; return the stored row (with id, code and version)."""
    today = dt.date.today()
    check_enquiry_facts(conn, enquiry, today)
    values: dict[str, Any] = {c: getattr(enquiry, c) for c in _COLUMNS}
    values["code"] = enquiry.code or _next_code(conn, today.year)
    taken = conn.execute(
        text("SELECT 1 FROM investor_enquiry WHERE code = :c"), {"c": values["code"]}
    ).scalar()
    if taken:
        raise ConflictError(
            message=f"需求编号 {values['code']} 已存在",
            message_en=f"enquiry code {values['code']} already exists",
            field="code",
            found=values["code"],
        )
    values["received_on"] = enquiry.received_on or today
    if not conn.execute(text("SELECT 1 FROM zone WHERE code = :z"), {"z": zone_code}).scalar():
        raise ValidationError(
            message=f"园区 {zone_code} 尚未建立（请先导入园区边界）",
            message_en=f"zone {zone_code} does not exist yet (import the zone boundary first)",
            field="zone_code",
            expected="an existing zone code",
            found=zone_code,
        )
    values["zone_code"] = zone_code
    cols = ", ".join(values)
    params = ", ".join(f":{c}" for c in values)
    new_id = conn.execute(
        text(f"INSERT INTO investor_enquiry ({cols}) VALUES ({params}) RETURNING id"), values
    ).scalar_one()
    return get_enquiry(conn, int(new_id))


def get_enquiry(conn: Connection, enquiry_id: int) -> dict[str, Any]:
    """One stored enquiry as a dict (NotFoundError when unknown)."""
    row = (
        conn.execute(text("SELECT * FROM investor_enquiry WHERE id = :i"), {"i": enquiry_id})
        .mappings()
        .first()
    )
    if row is None:
        raise NotFoundError(
            message=f"没有编号为 {enquiry_id} 的招商需求",
            message_en=f"no enquiry {enquiry_id}",
            field="id",
            found=enquiry_id,
        )
    return {k: _json_value(v) for k, v in row.items() if k != "extra"}


def _json_value(value: Any) -> Any:
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


def list_enquiries(conn: Connection, status: str | None = None) -> list[dict[str, Any]]:
    """Stored enquiries, newest first, optionally of one status."""
    rows = (
        conn.execute(
            text(
                "SELECT id FROM investor_enquiry WHERE (CAST(:s AS text) IS NULL OR status = :s) "
                "ORDER BY received_on DESC, id DESC"
            ),
            {"s": status},
        )
        .scalars()
        .all()
    )
    return [get_enquiry(conn, int(i)) for i in rows]


def enquiry_model(row: dict[str, Any]) -> Enquiry:
    """The Enquiry of a stored row."""
    return Enquiry.model_validate({k: row[k] for k in Enquiry.model_fields if k in row})


def update_enquiry(
    conn: Connection, enquiry_id: int, changes: dict[str, Any], expected_version: int | None
) -> dict[str, Any]:
    """Apply ``changes`` to an enquiry when its version is ``expected_version`` (If-Match)."""
    current = get_enquiry(conn, enquiry_id)
    if expected_version is not None and current["version"] != expected_version:
        raise StaleVersionError(
            message=f"招商需求 {current['code']} 已被他人修改（当前版本 {current['version']}）",
            message_en=f"enquiry {enquiry_id} changed meanwhile (version {current['version']})",
            field="If-Match",
            expected=current["version"],
            found=expected_version,
        )
    unknown = sorted(set(changes) - set(Enquiry.model_fields))
    if unknown:
        raise ValidationError(
            message=f"招商需求没有字段 {unknown[0]}",
            message_en=f"enquiry has no field {unknown[0]!r}",
            field=unknown[0],
            expected=sorted(Enquiry.model_fields),
            found=unknown[0],
        )
    merged = enquiry_model(current).model_dump()
    merged.update(changes)
    checked = validate_enquiry(conn, merged)
    check_enquiry_facts(conn, checked, dt.date.today())
    values = {c: getattr(checked, c) for c in changes}
    if values:
        sets = ", ".join(f"{c} = :{c}" for c in values)
        done = conn.execute(
            text(f"UPDATE investor_enquiry SET {sets} WHERE id = :id AND version = :v"),
            {**values, "id": enquiry_id, "v": current["version"]},
        ).rowcount
        if not done:
            raise StaleVersionError(
                message="招商需求已被他人修改，请刷新后重试",
                message_en=f"enquiry {enquiry_id} changed meanwhile",
                field="If-Match",
            )
    return get_enquiry(conn, enquiry_id)
