"""Pipe assessment per CJJ 181-2012 城镇排水管道检测与评估技术规程 §8 (pure Python).

Readings of the open points (DOMAIN.md §7), stated once here and tested:

* **Spacing** is measured between defects *of the same kind* (structural with structural,
  functional with functional) as **clear spacing**: from the end of one defect
  (``distance_m + length_m``) to the start of the next; a point defect has zero extent.
* **Merging**: defects of one kind whose clear spacing is below ``merge_spacing_below_m``
  (1.0 m) are one defect: its score is the highest of them and it spans from the first
  start to the last end (§8.2 "按一处计").
* **Groups**: after merging, a defect whose spacing to its nearest neighbour is at most
  ``group2_spacing_max_m`` (1.5 m) is in group 2 (weighted by alpha = 1.1), otherwise
  (farther, or alone) in group 1 (§8.2.2).
* **Length** L_i counted in S_M is the defect's extent, at least 1.0 m (a point defect,
  or a merged cluster shorter than 1 m, counts 1 m, §8.2.3).
* Defects scored 0 (FZ 浮渣) are recorded but neither counted in n nor grouped.
* **K in MI** is kept (not zeroed) by default; the rules switch
  ``zero_k_in_mi_when_g_below`` mirrors RI's "K = 0 when F < 4" if set to 4.

Every constant comes from ``parkgis/rules/repairs.toml`` [cjj181]; defect scores from
the code-list table ``defect_score``; K and T from ``area_class`` and ``soil_class``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from parkgis.rules import current as current_rules
from parkgis.rules.repairs import Cjj181

GRADE_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

#: Recommended action by RI grade, CJJ 181-2012 Table 8.3.4.
RI_ACTIONS = {
    1: ("结构条件基本完好，不修复", "sound; no repair"),
    2: ("结构在短期内不会发生破坏，应做修复计划", "plan a repair"),
    3: ("结构在短期内可能会发生破坏，应尽快修复", "repair soon"),
    4: ("结构已经发生或即将发生破坏，应立即修复", "repair immediately"),
}
#: Recommended action by MI grade, CJJ 181-2012 Table 8.4.3.
MI_ACTIONS = {
    1: ("没有明显需要处理的缺陷，不养护", "no maintenance needed"),
    2: ("没有立即进行处理的必要，宜安排处理计划", "plan maintenance"),
    3: ("根据基础数据进行全面考虑，应尽快处理", "maintain soon"),
    4: ("输水功能受到严重影响，应立即进行处理", "maintain immediately"),
}
DENSITY_LABELS = {
    "local": ("局部缺陷", "local"),
    "partial": ("部分或整体缺陷", "partial"),
    "whole": ("整体缺陷", "whole segment"),
    "none": ("无缺陷", "no defect"),
}


@dataclass(frozen=True)
class Defect:
    """One recorded defect: score P from defect_score, position along the run in m."""

    code: str
    kind: str  # 'structural' | 'functional'
    score: float
    distance_m: float
    length_m: float = 0.0


@dataclass(frozen=True)
class ScoredDefect:
    """A defect after merging, with its group (1 or 2) and its counted length L_i."""

    codes: tuple[str, ...]
    score: float
    start_m: float
    end_m: float
    group: int
    counted_length_m: float


@dataclass(frozen=True)
class SideScore:
    """Scores of one side (structural S/Smax/F or functional Y/Ymax/G)."""

    mean: float  # S or Y
    max: float  # Smax or Ymax
    value: float  # F or G
    density: float  # S_M or Y_M
    grade: int
    defects: tuple[ScoredDefect, ...]

    @property
    def density_class(self) -> str:
        """'none', 'local', 'partial' or 'whole' (§8.2.3)."""
        return density_class(self.density, bool(self.defects))


@dataclass(frozen=True)
class Assessment:
    """The full CJJ 181 assessment of one inspection of one segment."""

    structural: SideScore
    functional: SideScore
    k: float
    e: float
    t: float
    ri: float
    ri_grade: int
    mi: float
    mi_grade: int

    def columns(self) -> dict[str, Any]:
        """The values of the inspection's computed columns."""
        return {
            "s_score": round(self.structural.mean, 4),
            "smax_score": round(self.structural.max, 4),
            "f_score": round(self.structural.value, 4),
            "sm_density": round(self.structural.density, 4),
            "structural_grade": self.structural.grade,
            "y_score": round(self.functional.mean, 4),
            "ymax_score": round(self.functional.max, 4),
            "g_score": round(self.functional.value, 4),
            "functional_grade": self.functional.grade,
            "k_score": self.k,
            "e_score": self.e,
            "t_score": self.t,
            "ri": round(self.ri, 4),
            "ri_grade": self.ri_grade,
            "mi": round(self.mi, 4),
            "mi_grade": self.mi_grade,
        }


def _rules(rules: Cjj181 | None) -> Cjj181:
    return rules if rules is not None else current_rules().cjj181


def density_class(density: float, has_defects: bool, rules: Cjj181 | None = None) -> str:
    """Density class of S_M: < 0.1 local, < 0.5 partial, else whole (§8.2.3)."""
    r = _rules(rules)
    if not has_defects:
        return "none"
    if density < r.density_partial_from:
        return "local"
    if density < r.density_whole_from:
        return "partial"
    return "whole"


def grade_of(value: float, uppers: Sequence[float]) -> int:
    """Grade 1-4 from upper bounds (inclusive) of grades 1-3; above the last -> 4."""
    for grade, upper in enumerate(uppers, start=1):
        if value <= upper + 1e-9:
            return grade
    return 4


def merge_and_group(defects: Iterable[Defect], rules: Cjj181 | None = None) -> list[ScoredDefect]:
    """Merge defects closer than 1.0 m and assign groups 1/2 by clear spacing (§8.2.2)."""
    r = _rules(rules)
    scored = sorted(
        (d for d in defects if d.score > 0), key=lambda d: (d.distance_m, -d.score, d.code)
    )
    merged: list[list[Any]] = []  # [codes, score, start_m, end_m]
    for d in scored:
        start, end = d.distance_m, d.distance_m + (d.length_m or 0.0)
        if merged and start - merged[-1][3] < r.merge_spacing_below_m - 1e-9:
            last = merged[-1]
            last[0].append(d.code)
            last[1] = max(last[1], d.score)
            last[3] = max(last[3], end)
        else:
            merged.append([[d.code], d.score, start, end])
    out: list[ScoredDefect] = []
    for i, (codes, score, start, end) in enumerate(merged):
        gaps = []
        if i > 0:
            gaps.append(start - merged[i - 1][3])
        if i + 1 < len(merged):
            gaps.append(merged[i + 1][2] - end)
        nearest = min(gaps) if gaps else None
        group = 2 if nearest is not None and nearest <= r.group2_spacing_max_m + 1e-9 else 1
        counted = max(end - start, r.point_defect_length_m)
        out.append(ScoredDefect(tuple(codes), float(score), start, end, group, counted))
    return out


def side_score(
    defects: Iterable[Defect], segment_length_m: float, rules: Cjj181 | None = None
) -> SideScore:
    """S, Smax, F = max(S, Smax), S_M and the grade for one kind of defects (§8.2.2-8.2.3)."""
    r = _rules(rules)
    items = merge_and_group(defects, r)
    if not items:
        return SideScore(0.0, 0.0, 0.0, 0.0, grade_of(0.0, r.grade_upper), ())
    alpha = r.alpha
    weighted = sum(d.score * (alpha if d.group == 2 else 1.0) for d in items)
    mean = weighted / len(items)
    top = max(d.score for d in items)
    value = max(mean, top)
    weighted_len = sum(
        d.score * d.counted_length_m * (alpha if d.group == 2 else 1.0) for d in items
    )
    density = weighted_len / (mean * segment_length_m) if mean > 0 and segment_length_m > 0 else 0.0
    return SideScore(mean, top, value, density, grade_of(value, r.grade_upper), tuple(items))


def e_score(diameter_mm: float, rules: Cjj181 | None = None) -> float:
    """Pipe importance E from the diameter, CJJ 181-2012 Table 8.3.2-2."""
    for band in _rules(rules).e_bands:
        above = band.above_mm
        if diameter_mm > above or (band.inclusive and diameter_mm == above):
            return float(band.score)
    return 0.0


def assess(
    defects: Sequence[Defect],
    segment_length_m: float,
    diameter_mm: float,
    area_k: float,
    soil_t: float,
    rules: Cjj181 | None = None,
) -> Assessment:
    """RI = 0.7F + 0.1K + 0.05E + 0.15T (§8.3.1) and MI = 0.8G + 0.15K + 0.05E (§8.4.1).

    ``area_k`` is area_class.k_score and ``soil_t`` soil_class.t_score (code lists); K is 0
    in RI when F < 4 (§8.3.2), T is 0 when F = 0 (§8.3.3).
    """
    r = _rules(rules)
    structural = side_score([d for d in defects if d.kind == "structural"], segment_length_m, r)
    functional = side_score([d for d in defects if d.kind == "functional"], segment_length_m, r)
    e = e_score(diameter_mm, r)
    f = structural.value
    k_ri = 0.0 if f < r.k_zero_when_f_below else float(area_k)
    t = 0.0 if (r.t_zero_when_f_is_zero and f == 0) else float(soil_t)
    w = r.ri_weights
    ri = w.f * f + w.k * k_ri + w.e * e + w.t * t
    g = functional.value
    k_mi = 0.0 if g < r.zero_k_in_mi_when_g_below else float(area_k)
    m = r.mi_weights
    mi = m.g * g + m.k * k_mi + m.e * e
    uppers = r.index_grade_upper
    return Assessment(
        structural=structural,
        functional=functional,
        k=k_ri,
        e=e,
        t=t,
        ri=ri,
        ri_grade=grade_of(ri, uppers),
        mi=mi,
        mi_grade=grade_of(mi, uppers),
    )
