"""The rules files: one number in one place, each with its source."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from importlib import resources
from typing import Any


def _leaves(table: dict[str, Any], path: str, out: dict[str, set[str]], where: str) -> None:
    for key, value in table.items():
        if isinstance(value, dict):
            _leaves(value, f"{path}{key}.", out, where)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                _leaves(item, f"{path}{key}[].", out, where)
        else:
            out[key].add(f"{where}:{path}{key}")


def test_no_rule_is_defined_in_two_files() -> None:
    """A named rule (not a grade letter of a table) lives in one file only."""
    places: dict[str, set[str]] = defaultdict(set)
    folder = resources.files("parkgis").joinpath("rules")
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            _leaves(tomllib.loads(entry.read_text(encoding="utf-8")), "", places, entry.name)
    twice = {
        key: sorted(where)
        for key, where in places.items()
        if len(key) > 1 and len({w.split(":")[0] for w in where}) > 1
    }
    assert twice == {}
