"""The domain rules, typed: one pydantic model per ``parkgis/rules/*.toml`` file.

Each file holds the numbers of one concern, each with its source (``land.toml``: MLR
Order 53 and the land indicators; ``repairs.toml``: CJJ 181-2012 and CJJ 36-2016 ...). The
model of a file sits beside it (``land.toml`` -> :mod:`parkgis.rules.land`) and says every
key's type; the files are validated when the service or a command starts, and a wrong or
unknown key is a :class:`RulesError` naming the file, the key, the expected type and what
was found.

A deployment changes single keys with ``PARKGIS_RULES_FILE``: a TOML file with the same
top-level tables (``[matching] default_top = 20``), merged key by key over the defaults
(tables merge, any other value replaces). Services read :func:`current` (typed:
``current().cjj181.alpha``); :func:`parkgis.config.get_rules` gives the same validated
values as plain dicts to code not yet converted.
"""

from __future__ import annotations

import copy
import threading
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from parkgis.errors import ParkgisError
from parkgis.rules.base import expected_type, known_keys
from parkgis.rules.ingest import IngestRules
from parkgis.rules.land import LandRules
from parkgis.rules.maps import MapsRules
from parkgis.rules.matching import MatchingRules
from parkgis.rules.release import ReleaseRules
from parkgis.rules.repairs import RepairsRules
from parkgis.rules.serving import ServingRules

#: The model of each rules file, by file name.
FILE_MODELS: dict[str, type[BaseModel]] = {
    "ingest.toml": IngestRules,
    "land.toml": LandRules,
    "maps.toml": MapsRules,
    "matching.toml": MatchingRules,
    "release.toml": ReleaseRules,
    "repairs.toml": RepairsRules,
    "serving.toml": ServingRules,
}


class Rules(
    IngestRules, LandRules, MapsRules, MatchingRules, ReleaseRules, RepairsRules, ServingRules
):
    """Every rule, by top-level table (``rules.cjj181``, ``rules.matching`` ...)."""


class RulesError(ParkgisError):
    """A rules file that cannot be used: unreadable, a wrong type, an unknown or missing key."""


def _table_files() -> dict[str, str]:
    """Top-level table -> the file whose model declares it."""
    return {table: name for name, model in FILE_MODELS.items() for table in model.model_fields}


def _read(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(
            message=f"规则文件 {source} 不是有效的 TOML：{exc}",
            message_en=f"rules file {source} is not valid TOML: {exc}",
            field=source,
            expected="TOML",
            found=str(exc),
        ) from exc


def _defaults() -> dict[str, dict[str, Any]]:
    folder = resources.files("parkgis").joinpath("rules")
    return {
        name: _read(folder.joinpath(name).read_text(encoding="utf-8"), name) for name in FILE_MODELS
    }


def merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` applied key by key: tables merge, other values replace."""
    out = copy.deepcopy(dict(base))
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _apply(files: dict[str, dict[str, Any]], changes: Mapping[str, Any], source: str) -> None:
    """Merge ``changes`` (top-level tables) into the file that owns each table."""
    owners = _table_files()
    for table, value in changes.items():
        if table not in owners:
            raise RulesError(
                message=f"规则文件 {source} 含未知的表 [{table}]",
                message_en=f"rules file {source}: unknown table [{table}]",
                field=f"{source}: {table}",
                expected=sorted(owners),
                found=table,
            )
        name = owners[table]
        files[name] = merge(files[name], {table: value})


_TYPE_ZH = {"int": "整数", "float": "数值", "str": "文本", "bool": "布尔值", "list": "列表"}


def _error(name: str, source: str, exc: PydanticValidationError) -> RulesError:
    """The first problem of a file's validation, with the key, the type and the value."""
    first = exc.errors()[0]
    key = ".".join(str(p) for p in first["loc"])
    where = name if source == name else f"{name}（{source} 覆盖 overrides it）"
    more = len(exc.errors()) - 1
    tail_zh, tail_en = (f"；另有 {more} 处错误", f"; {more} more") if more else ("", "")
    if first["type"] == "extra_forbidden":
        known = known_keys(FILE_MODELS[name], first["loc"][:-1])
        model_file = f"parkgis/rules/{name.removesuffix('.toml')}.py"
        return RulesError(
            message=f"规则文件 {where} 没有键 {key}（可用：{', '.join(known)}；新的键须在 "
            f"{model_file} 中声明类型）{tail_zh}",
            message_en=f"rules file {where}: unknown key {key} (known: {', '.join(known)}; "
            f"a new key is declared with its type in {model_file}){tail_en}",
            field=f"{name}: {key}",
            expected=known,
            found=str(first["loc"][-1]),
        )
    expected = expected_type(FILE_MODELS[name], first["loc"], first["type"])
    found = None if first["type"] == "missing" else first.get("input")
    shown = "（缺少 missing）" if first["type"] == "missing" else repr(found)
    expected_zh = _TYPE_ZH.get(expected, expected)
    return RulesError(
        message=f"规则文件 {where} 的 {key} 应为 {expected_zh}（{expected}），"
        f"实为 {shown}{tail_zh}",
        message_en=f"rules file {where}: {key} should be {expected}, found {shown} "
        f"({first['msg']}){tail_en}",
        field=f"{name}: {key}",
        expected=expected,
        found=found if isinstance(found, (str, int, float, bool)) or found is None else repr(found),
        details=[
            {"key": ".".join(str(p) for p in e["loc"]), "message_en": e["msg"]}
            for e in exc.errors()
        ],
    )


def _validate(files: dict[str, dict[str, Any]], source: str) -> Rules:
    parts: dict[str, Any] = {}
    for name, model in FILE_MODELS.items():
        try:
            validated = model.model_validate(files[name])
        except PydanticValidationError as exc:
            raise _error(name, source, exc) from None
        parts.update({table: getattr(validated, table) for table in model.model_fields})
    return Rules.model_construct(**parts)


@lru_cache(maxsize=4)
def load(override: str | None = None) -> Rules:
    """The default rules with the file ``override`` (``PARKGIS_RULES_FILE``) merged in."""
    files = _defaults()
    source = "parkgis/rules"
    if override is not None:
        path = Path(override)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RulesError(
                message=f"无法读取规则文件 {path}（PARKGIS_RULES_FILE）：{exc.strerror}",
                message_en=f"cannot read the rules file {path} (PARKGIS_RULES_FILE): "
                f"{exc.strerror}",
                field="PARKGIS_RULES_FILE",
                expected="a readable TOML file",
                found=str(path),
            ) from exc
        source = str(path)
        _apply(files, _read(text, source), source)
    return _validate(files, source)


_lock = threading.Lock()
_replaced: list[Rules] = []


def current() -> Rules:
    """The rules in force: defaults, ``PARKGIS_RULES_FILE``, and any :func:`replaced`."""
    with _lock:
        if _replaced:
            return _replaced[-1]
    from parkgis.config import get_settings

    rules_file = get_settings().rules_file
    return load(str(rules_file) if rules_file else None)


@contextmanager
def replaced(changes: Mapping[str, Any]) -> Iterator[Rules]:
    """Run with ``changes`` (top-level tables, merged key by key) over the current rules.

    For tests and what-if runs in one process; the changed rules are validated like a file.
    """
    base = current()
    files = {
        name: {t: getattr(base, t).model_dump(exclude_unset=True) for t in model.model_fields}
        for name, model in FILE_MODELS.items()
    }
    _apply(files, changes, "replaced()")
    rules = _validate(files, "replaced()")
    with _lock:
        _replaced.append(rules)
    try:
        yield rules
    finally:
        with _lock:
            _replaced.remove(rules)


_dumped: dict[int, tuple[Rules, dict[str, Any]]] = {}


def as_tables() -> dict[str, Any]:
    """The current rules as plain nested dicts by top-level table (for unconverted code)."""
    rules = current()
    with _lock:
        cached = _dumped.get(id(rules))
        if cached is None or cached[0] is not rules:
            if len(_dumped) > 8:
                _dumped.clear()
            tables = {
                table: getattr(rules, table).model_dump(exclude_unset=True)
                for table in Rules.model_fields
            }
            cached = _dumped[id(rules)] = (rules, tables)
    return cached[1]
