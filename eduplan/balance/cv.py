"""The student-weighted 差异系数 (coefficient of variation) of methods.md §1.2, with variance shares.

For one indicator and one level, school i has a raw total R_i (teachers, ㎡, 元, rooms; already ×100 for
the 每百名 indicators) and P_i students of that level:

    x_i = R_i / P_i,   P = Σ P_i,   X̄ = Σ R_i / P   (district total over district students)
    S   = sqrt( Σ (P_i / P) · (x_i − X̄)² )          (weights by enrolment, divides by P — no n−1)
    CV  = S / X̄

A school's variance share is its term (P_i / P)(x_i − X̄)² over S²: the shares add up to 1 and say
which schools drive the disparity. Nothing here knows schools or indicators; it is plain arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class CV:
    """One weighted coefficient: X̄, S, CV (None when X̄ = 0 or there are no students), per school x_i and
    variance shares (None when S = 0)."""

    mean: float | None
    sd: float | None
    cv: float | None
    x: tuple[float, ...]
    shares: tuple[float | None, ...]
    reason: str = ""  # why cv is None


def weighted_cv(totals: Sequence[float], pupils: Sequence[float]) -> CV:
    """The 差异系数 of raw totals R_i over enrolments P_i (all P_i > 0)."""
    if len(totals) != len(pupils):
        raise ValueError("totals and pupils differ in length")
    if any(p <= 0 for p in pupils):
        raise ValueError("every school needs students (P_i > 0)")
    n = len(pupils)
    if n == 0:
        return CV(None, None, None, (), (), "没有学校")
    p_sum = float(sum(pupils))
    x = tuple(float(r) / float(p) for r, p in zip(totals, pupils))
    mean = float(sum(totals)) / p_sum
    terms = [float(p) / p_sum * (xi - mean) ** 2 for xi, p in zip(x, pupils)]
    var = math.fsum(terms)
    sd = math.sqrt(var)
    shares: tuple[float | None, ...] = tuple(t / var for t in terms) if var > 0 else tuple(None for _ in terms)
    if mean <= 0:
        return CV(mean, sd, None, x, shares, "全区均值 X̄ 为 0，差异系数无定义")
    return CV(mean, sd, sd / mean, x, shares)
