"""CJJ 181-2012 figures on hand-computed segments (pure Python, no database needed)."""

from __future__ import annotations

import pytest

from parkgis.repairs.cjj181 import Defect, assess, e_score, grade_of, side_score


def s(code: str, score: float, at: float, length: float = 0.0) -> Defect:
    return Defect(code, "structural", score, at, length)


def f(code: str, score: float, at: float, length: float = 0.0) -> Defect:
    return Defect(code, "functional", score, at, length)


def test_isolated_defects_are_group_1() -> None:
    # PL grade 3 (P=5) at 10 m and TJ grade 2 (P=3) at 30 m on a 50 m segment: 20 m apart.
    side = side_score([s("PL", 5, 10), s("TJ", 3, 30)], 50)
    assert [d.group for d in side.defects] == [1, 1]
    assert side.mean == pytest.approx(4.0)  # S = (5 + 3) / 2
    assert side.max == 5 and side.value == 5  # F = Smax
    assert side.density == pytest.approx((5 * 1 + 3 * 1) / (4.0 * 50))  # 0.04
    assert side.density_class == "local"
    assert side.grade == 3


def test_defects_1_2_m_apart_are_group_2_and_f_comes_from_s() -> None:
    # two grade-2 defects (P=2) with 1.2 m clear spacing on a 20 m segment
    side = side_score([s("PL", 2, 10), s("CK", 2, 11.2)], 20)
    assert [d.group for d in side.defects] == [2, 2]
    assert side.mean == pytest.approx(1.1 * 4 / 2)  # S = 2.2
    assert side.max == 2
    assert side.value == pytest.approx(2.2)  # F = S because S > Smax
    assert side.density == pytest.approx(1.1 * (2 + 2) / (2.2 * 20))  # 0.1
    assert side.density_class == "partial"  # 0.1 is the lower bound of "partial"
    assert side.grade == 2


def test_defects_0_8_m_apart_are_merged_keeping_the_highest_score() -> None:
    side = side_score([s("PL", 2, 10), s("PL", 5, 10.8)], 40)
    assert len(side.defects) == 1
    (only,) = side.defects
    assert only.score == 5 and only.codes == ("PL", "PL")
    assert only.counted_length_m == 1.0  # a 0.8 m cluster counts 1 m
    assert side.mean == 5 and side.value == 5
    assert side.density == pytest.approx(5 * 1 / (5 * 40))


def test_2_m_spacing_is_group_1_and_mixed_groups() -> None:
    # A (2) at 0 and B (2) at 1.2 m are group 2; C (5) at 3.2 m is 2 m from B: group 1
    side = side_score([s("PL", 2, 0), s("PL", 2, 1.2), s("TJ", 5, 3.2)], 30)
    assert [d.group for d in side.defects] == [2, 2, 1]
    assert side.mean == pytest.approx((5 + 1.1 * 4) / 3)
    assert side.value == 5  # F from Smax


def test_spacing_uses_clear_distance_between_extents() -> None:
    # a 3 m long defect from 10 to 13 m and a point at 14.2 m: clear spacing 1.2 -> group 2
    side = side_score([s("FS", 2, 10, 3), s("PL", 2, 14.2)], 50)
    assert [d.group for d in side.defects] == [2, 2]
    assert side.defects[0].counted_length_m == 3


def test_spacing_is_counted_per_kind() -> None:
    a = assess([s("PL", 2, 10), f("CJ", 2, 10.5)], 50, 400, 0, 0)
    assert len(a.structural.defects) == 1 and len(a.functional.defects) == 1
    assert a.structural.defects[0].group == 1


def test_zero_score_defects_are_recorded_not_counted() -> None:
    side = side_score([f("CJ", 2, 5), f("FZ", 0, 20)], 50)
    assert side.mean == 2 and len(side.defects) == 1


@pytest.mark.parametrize(
    ("value", "grade"),
    [(0, 1), (1.0, 1), (1.0001, 2), (3.0, 2), (3.0001, 3), (6.0, 3), (6.0001, 4), (10, 4)],
)
def test_structural_grade_band_boundaries(value: float, grade: int) -> None:
    assert grade_of(value, [1.0, 3.0, 6.0]) == grade
    side = side_score([s("XX", value, 5)], 10) if value else side_score([], 10)
    assert side.grade == grade


@pytest.mark.parametrize(
    ("value", "grade"),
    [(1.0, 1), (1.01, 2), (4.0, 2), (4.01, 3), (7.0, 3), (7.01, 4)],
)
def test_index_grade_band_boundaries(value: float, grade: int) -> None:
    assert grade_of(value, [1.0, 4.0, 7.0]) == grade


@pytest.mark.parametrize(
    ("diameter", "e"),
    [(300, 0), (599, 0), (600, 3), (1000, 3), (1001, 6), (1500, 6), (1501, 10)],
)
def test_e_from_diameter(diameter: int, e: float) -> None:
    assert e_score(diameter) == e


def test_k_is_zero_in_ri_when_f_below_4() -> None:
    # business centre (K = 10), D 1200 (E = 6), ordinary soil (T = 0)
    low = assess([s("TJ", 3, 5)], 40, 1200, 10, 0)
    assert low.structural.value == 3 and low.k == 0
    assert low.ri == pytest.approx(0.7 * 3 + 0.05 * 6)  # 2.4
    assert low.ri_grade == 2
    edge = assess([s("XX", 4, 5)], 40, 1200, 10, 0)
    assert edge.k == 10  # F = 4 is not below 4
    assert edge.ri == pytest.approx(0.7 * 4 + 0.1 * 10 + 0.05 * 6)  # 4.1
    assert edge.ri_grade == 3
    just_below = assess([s("XX", 3.99, 5)], 40, 1200, 10, 0)
    assert just_below.k == 0


def test_t_counts_only_with_structural_defects() -> None:
    none = assess([], 40, 1600, 10, 10)
    assert none.t == 0 and none.ri == pytest.approx(0.05 * 10)  # only E
    some = assess([s("PL", 10, 5)], 40, 1600, 10, 10)
    assert some.t == 10
    assert some.ri == pytest.approx(0.7 * 10 + 0.1 * 10 + 0.05 * 10 + 0.15 * 10)  # 10.0
    assert some.ri_grade == 4


def test_mi_keeps_k_and_uses_g() -> None:
    a = assess([f("CJ", 2, 5)], 40, 400, 10, 0)
    assert a.functional.value == 2 and a.functional.grade == 2
    assert a.mi == pytest.approx(0.8 * 2 + 0.15 * 10)  # 3.1: K kept in MI (our reading)
    assert a.mi_grade == 2
    assert a.ri == 0 and a.ri_grade == 1
