"""Check characters of the unified social credit code (GB 32100-2015)."""

from __future__ import annotations

import pytest

from parkgis.codes import USCC_WEIGHTS, uscc_check_char, uscc_is_valid


def test_weights_are_powers_of_three_mod_31() -> None:
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the example printed in GB 32100-2015
        "91440300708461136T",
        "914403001922038216",
        "91110108551385082Q",
    ],
)
def test_published_codes_pass(code: str) -> None:
    assert uscc_is_valid(code)
    assert uscc_check_char(code[:17]) == code[17]


def test_wrong_check_character_fails() -> None:
    assert not uscc_is_valid("91350100M000100Y44")


def test_lower_case_is_accepted() -> None:
    assert uscc_is_valid("91350100m000100y43")


@pytest.mark.parametrize(
    "code", ["", "91350100M000100Y4", "91350100M000100Y433", "91350100I000100Y43", None]
)
def test_malformed_codes_are_not_valid(code: str) -> None:
    assert not uscc_is_valid(code)


def test_check_char_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="17 characters"):
        uscc_check_char("9135")
    with pytest.raises(ValueError, match="position 9"):
        uscc_check_char("91350100O000100Y4")
