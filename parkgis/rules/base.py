"""What every rules model shares: frozen, no unknown keys, and the type a key expects."""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict


class Table(BaseModel):
    """A table of a rules file: every key declared and typed, read-only once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _describe(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return "table [" + ", ".join(annotation.model_fields) + "]"
        return getattr(annotation, "__name__", str(annotation))
    args = typing.get_args(annotation)
    if origin in (types.UnionType, typing.Union):
        return " | ".join(_describe(a) for a in args)
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in args)
    inner = ", ".join(_describe(a) for a in args)
    return f"{getattr(origin, '__name__', str(origin))}[{inner}]"


def _inner(annotation: Any) -> Any:
    """The model inside ``list[Model]``, ``dict[str, Model]`` or ``Model | None``."""
    for arg in typing.get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation


def _model_at(model: type[BaseModel], loc: Sequence[int | str]) -> Any:
    """The model (or annotation) reached by following ``loc`` from ``model``."""
    current: Any = model
    annotation: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None, annotation
            annotation = field.annotation
            current = _inner(annotation)
        elif isinstance(part, int) or typing.get_origin(annotation) is dict:
            args = typing.get_args(annotation)
            annotation = args[-1] if args else annotation
            current = _inner(annotation)
        else:
            return None, annotation
    return current, annotation


def known_keys(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The keys a table at ``loc`` of ``model`` declares."""
    current, _ = _model_at(model, loc)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def expected_type(model: type[BaseModel], loc: Sequence[int | str], error_type: str) -> str:
    """The declared type at ``loc`` of ``model`` ("float", "list[float]", "table [...]")."""
    if error_type == "extra_forbidden":
        return "no such key / 无此项"
    _, annotation = _model_at(model, loc)
    return _describe(annotation)


#: A number that may be written either way in a file (a weight of 20 or 12.5); it keeps
#: the type it was written with, so values and the rules' fingerprints stay as written.
Number = int | float
