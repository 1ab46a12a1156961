"""Typed rules: every file validated by its model, single keys overridden, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from parkgis import rules
from parkgis.config import Settings, get_rules
from parkgis.rules import FILE_MODELS, RulesError


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "deployment.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _defaults() -> dict[str, object]:
    folder = resources.files("parkgis").joinpath("rules")
    merged: dict[str, object] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            merged.update(tomllib.loads(entry.read_text(encoding="utf-8")))
    return merged


def test_every_rules_file_has_a_model_and_validates_unchanged() -> None:
    folder = resources.files("parkgis").joinpath("rules")
    files = sorted(e.name for e in folder.iterdir() if e.name.endswith(".toml"))
    assert files == sorted(FILE_MODELS)
    loaded = rules.load()
    assert loaded.cjj181.alpha == 1.1
    assert loaded.idle_land.recovery_after_years == 2
    # The plain dicts of unconverted code are exactly the files' values, as written.
    assert json.dumps(rules.as_tables(), sort_keys=True, default=list) == json.dumps(
        _defaults(), sort_keys=True, default=list
    )


def test_the_rules_file_overrides_single_keys(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "[matching]\ndefault_top = 7\n[cjj181.ri_weights]\nf = 0.6\n"
        "[bankruptcy]\nacceptance_days = 20\n",
    )
    loaded = rules.load(path)
    assert loaded.matching.default_top == 7
    assert loaded.matching.near_miss_max_failures == 1  # the rest of [matching] stays
    assert (loaded.cjj181.ri_weights.f, loaded.cjj181.ri_weights.k) == (0.6, 0.1)
    assert loaded.cjj181.alpha == 1.1
    assert loaded.bankruptcy.acceptance_days == 20
    assert loaded.bankruptcy.announcement_days == 25
    assert rules.load().matching.default_top == 50  # the defaults are untouched


@pytest.mark.parametrize(
    ("text", "field", "expected", "found", "words"),
    [
        ("[matching]\ndefault_top = 'many'\n", "matching.toml: matching.default_top", "int",
         "many", ["matching.toml", "matching.default_top", "整数", "int", "'many'"]),
        ("[cjj181.ri_weights]\nf = 'x'\n", "repairs.toml: cjj181.ri_weights.f", "float", "x",
         ["repairs.toml", "cjj181.ri_weights.f", "数值", "float"]),
        ("[matching]\ndefualt_top = 7\n", "matching.toml: matching.defualt_top", None,
         "defualt_top", ["matching.toml", "没有键 matching.defualt_top", "default_top"]),
        ("[matchin]\ndefault_top = 7\n", None, None, "matchin", ["未知的表 [matchin]"]),
        ("[matching\n", None, "TOML", None, ["不是有效的 TOML"]),
    ],
)  # fmt: skip
def test_a_bad_rules_file_names_the_file_key_and_type(
    tmp_path: Path,
    text: str,
    field: str | None,
    expected: str | None,
    found: str | None,
    words: list[str],
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RulesError) as caught:
        rules.load(path)
    error = caught.value
    for word in words:
        assert word in error.message
    assert path in error.message and error.message_en
    if field is not None:
        assert error.field == field
    if expected is not None:
        assert expected in str(error.expected)
    if found is not None:
        assert error.found == found


def test_an_unreadable_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError) as caught:
        rules.load(str(tmp_path / "missing.toml"))
    assert caught.value.field == "PARKGIS_RULES_FILE"
    assert "missing.toml" in caught.value.message


def test_the_service_does_not_start_with_bad_rules(tmp_path: Path) -> None:
    from api.app import create_app

    path = Path(_write(tmp_path, "[tiles]\nmax_zoom = 'deep'\n"))
    with pytest.raises(RulesError, match=r"serving.toml.*tiles\.max_zoom"):
        create_app(Settings(rules_file=path))


def test_a_command_does_not_run_with_bad_rules(tmp_path: Path) -> None:
    path = _write(tmp_path, "[idle_land]\nfee_after_years = 'one'\n")
    env = {**os.environ, "PARKGIS_RULES_FILE": path}
    done = subprocess.run(
        [sys.executable, "-m", "parkgis.cli", "db", "url"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "land.toml" in done.stderr and "idle_land.fee_after_years" in done.stderr
    assert "Traceback" not in done.stderr


def test_replaced_rules_apply_inside_the_block_only() -> None:
    with rules.replaced({"land_unlock": {"blocking_ri_grade": 4}}) as changed:
        assert rules.current() is changed
        assert rules.current().land_unlock.blocking_ri_grade == 4
        assert get_rules()["land_unlock"]["blocking_ri_grade"] == 4
        assert changed.land_unlock.ready_statuses == rules.load().land_unlock.ready_statuses
    assert rules.current().land_unlock.blocking_ri_grade == 3
    bad = {"land_unlock": {"blocking_ri_grade": "III"}}
    with pytest.raises(RulesError, match="blocking_ri_grade"), rules.replaced(bad):
        pass
