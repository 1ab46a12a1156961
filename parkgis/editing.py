"""Edit one feature of a catalogue layer with optimistic concurrency (OGC API Features Part 4).

A caller sends the properties to change and the row version it read (``If-Match``). The
update is ``UPDATE ... WHERE id = :id AND version = :v``: under READ COMMITTED a writer
that waited on another's row lock re-checks the version after that one commits, so two
writers can never both succeed from the same version, and no update is lost. The
``bump_version`` trigger increments the version and the history trigger records the change
(postgis/sql/10_history.sql). Values go through the import conversion
(``parkgis.ingest.mapping.convert``); a database constraint violation becomes a
ValidationError naming the field.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import DataError, IntegrityError

from parkgis.catalogue import Field, Layer, get_layer
from parkgis.errors import (
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
    ValidationError,
)
from parkgis.ingest.mapping import BadValue, convert
from parkgis.labels import codes


def _q(name: str) -> str:
    """Quote an identifier taken from the catalogue (never from user input)."""
    return '"' + name.replace('"', '""') + '"'


def editable_fields(conn: Connection, layer: Layer, role: str) -> dict[str, Field]:
    """Fields ``role`` may change: visible, not computed, a plain column of the write table."""
    columns = set(
        conn.execute(
            text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = :t AND is_generated = 'NEVER' "
                "AND column_name NOT IN ('id', 'version', 'created_at', 'updated_at')"
            ),
            {"t": layer.write_table},
        ).scalars()
    )
    return {
        f.name: f
        for f in layer.visible_fields(role)
        if not f.computed and f.name in columns and f.name != layer.id_column
    }


def _check_role(layer: Layer, role: str) -> None:
    if not layer.edit_roles:
        raise PermissionDeniedError(
            message=f"图层 {layer.title_zh} 不可在此编辑",
            message_en=f"layer {layer.id} is not editable here",
            field="collection",
            found=layer.id,
        )
    if not layer.can_edit(role):
        raise PermissionDeniedError(
            message=f"角色 {role} 无权修改图层 {layer.title_zh}",
            message_en=f"role {role} may not edit layer {layer.id}",
            field="collection",
            expected=[*layer.edit_roles, "admin"],
            found=role,
        )


def _converted(
    conn: Connection, layer: Layer, fields: dict[str, Field], changes: dict[str, Any]
) -> dict[str, Any]:
    """The changes as column values (ValidationError for unknown, read-only or bad values)."""
    if "geometry" in changes:
        raise ValidationError(
            message="暂不支持在此修改几何图形，请通过导入（parkgis import --mode upsert）更新",
            message_en="geometry edits are not supported here; use an upsert import",
            field="geometry",
        )
    if not changes:
        raise ValidationError(
            message="没有要修改的字段",
            message_en="no properties to change",
            field="properties",
            expected=sorted(fields),
        )
    values: dict[str, Any] = {}
    for name, raw in changes.items():
        f = fields.get(name)
        if f is None:
            known = {x.name for x in layer.fields}
            raise ValidationError(
                message=f"字段 {name} 不可修改" if name in known else f"图层没有字段 {name}",
                message_en=f"field {name!r} is not editable"
                if name in known
                else f"layer {layer.id} has no field {name!r}",
                field=name,
                expected=sorted(fields),
                found=name,
            )
        try:
            value = convert(f, raw, codes.import_values(conn, f))
        except (BadValue, ValueError, ArithmeticError) as exc:
            expected = exc.expected if isinstance(exc, BadValue) else f.type
            raise ValidationError(
                message=f"字段 {f.label_zh}（{name}）的值 {raw!r} 无效，应为 {expected}",
                message_en=f"invalid value {raw!r} for {name}: expected {expected}",
                field=name,
                expected=expected,
                found=str(raw)[:200],
            ) from exc
        if any(
            "\x00" in v
            for v in (value if isinstance(value, list) else [value])
            if isinstance(v, str)
        ):
            raise ValidationError(
                message=f"字段 {f.label_zh}（{name}）含有空字符（NUL），无法保存",
                message_en=f"{name} contains a NUL character",
                field=name,
                expected="text without NUL (0x00)",
            )
        if value is None and f.required:
            raise ValidationError(
                message=f"字段 {f.label_zh}（{name}）为必填项，不能清空",
                message_en=f"{name} is required and cannot be emptied",
                field=name,
                found=raw,
            )
        values[name] = value
    return values


def current_version(conn: Connection, layer: Layer, feature_id: int, role: str) -> int:
    """The feature's row version (NotFoundError when missing or hidden from ``role``)."""
    where = f"{_q(layer.id_column)} = :id"
    predicate = layer.rows_for(role)
    if predicate:
        where += f" AND ({predicate})"
    version = conn.execute(
        text(f"SELECT version FROM {_q(layer.table)} WHERE {where}"), {"id": feature_id}
    ).scalar()
    if version is None:
        raise NotFoundError(
            message=f"图层 {layer.title_zh} 没有要素 {feature_id}",
            message_en=f"collection {layer.id} has no feature {feature_id}",
            field="featureId",
            found=feature_id,
        )
    return int(version)


def stale(layer: Layer, feature_id: int, current: int, sent: int) -> StaleVersionError:
    """The error of a write based on version ``sent`` while the row is at ``current``."""
    return StaleVersionError(
        message=f"要素已被他人修改：当前版本 {current}，您提交的版本 {sent}，请刷新后重试",
        message_en=f"{layer.id} {feature_id} was changed meanwhile: version {current}, "
        f"you sent {sent}; reload and retry",
        field="If-Match",
        expected=current,
        found=sent,
    )


def _constraint_error(
    conn: Connection, layer: Layer, exc: Exception, values: dict[str, Any]
) -> ValidationError:
    """A constraint violation as a ValidationError naming the field that broke it."""
    diag = getattr(getattr(exc, "orig", None), "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    column = getattr(diag, "column_name", None)
    definition = ""
    if constraint:
        definition = (
            conn.execute(
                text(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conname = :n AND conrelid = to_regclass(:t)"
                ),
                {"n": constraint, "t": f"public.{layer.write_table}"},
            ).scalar()
            or ""
        )
    named = [n for n in values if re.search(rf"\b{re.escape(n)}\b", definition)]
    field = column or (named[0] if named else next(iter(values)))
    detail = str(getattr(diag, "message_primary", "") or exc).splitlines()[0][:300]
    return ValidationError(
        message=f"字段 {field} 的值不符合数据规则：{definition or detail}",
        message_en=f"{field} breaks a data rule: {detail}",
        field=field,
        expected=definition or constraint,
        found=_plain(values.get(field)),
    )


def _plain(value: Any) -> Any:
    """A JSON-ready form of a converted value (Decimal, date, list) for error reports."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value)


def update_feature(
    conn: Connection,
    layer_id: str,
    feature_id: int | str,
    changes: dict[str, Any],
    expected_version: int,
    role: str,
) -> dict[str, Any]:
    """Apply ``changes`` to one feature when it is at ``expected_version``; return it.

    Returns ``{"id", "layer", "version", "properties"}`` (the properties the role sees).
    """
    layer = get_layer(layer_id)
    _check_role(layer, role)
    if not str(feature_id).isdigit():
        raise NotFoundError(
            message=f"图层 {layer.title_zh} 没有要素 {feature_id}",
            message_en=f"collection {layer.id} has no feature {feature_id!r}",
            field="featureId",
            found=str(feature_id)[:100],
        )
    fid = int(feature_id)
    current = current_version(conn, layer, fid, role)
    values = _converted(conn, layer, editable_fields(conn, layer, role), changes)
    if current != expected_version:
        raise stale(layer, fid, current, expected_version)
    params = {f"v_{i}": v for i, v in enumerate(values.values())}
    sets = ", ".join(f"{_q(name)} = :v_{i}" for i, name in enumerate(values))
    try:
        with conn.begin_nested():
            new = conn.execute(
                text(
                    f"UPDATE {_q(layer.write_table)} SET {sets} "
                    f"WHERE {_q(layer.id_column)} = :id AND version = :expected RETURNING version"
                ),
                {**params, "id": fid, "expected": expected_version},
            ).scalar()
    except (IntegrityError, DataError) as exc:
        raise _constraint_error(conn, layer, exc, values) from exc
    if new is None:
        # Another writer committed first (we waited on its row lock): the version moved on.
        raise stale(layer, fid, current_version(conn, layer, fid, role), expected_version)
    return {
        "id": fid,
        "layer": layer.id,
        "version": int(new),
        "properties": _read(conn, layer, fid, role),
    }


def _read(conn: Connection, layer: Layer, fid: int, role: str) -> dict[str, Any]:
    cols = [f.name for f in layer.visible_fields(role)]
    row = (
        conn.execute(
            text(
                f"SELECT {', '.join(_q(c) for c in cols)} FROM {_q(layer.table)} "
                f"WHERE {_q(layer.id_column)} = :id"
            ),
            {"id": fid},
        )
        .mappings()
        .one()
    )
    return dict(row)
