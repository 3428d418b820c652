"""One indicator over one level's units: X̄, CV and each school's value and variance share; and the
composite of a level's single coefficients. Shared by the 2017 and 2012 methods."""

from __future__ import annotations

from statistics import fmean
from typing import Iterable

from .cv import weighted_cv
from .data import QUANTITY_LABELS, Unit
from .result import IndicatorResult, IndicatorSpec, SchoolValue


def evaluate_indicator(spec: IndicatorSpec, units: list[Unit], level: str) -> IndicatorResult:
    """The weighted CV of `spec` across the level's units (not computable when a unit's quantity is unknown:
    missing, never 0; the reason names the schools lacking it)."""
    if not units:
        return IndicatorResult(spec, level, False, "没有参评学校")
    lacking = [u for u in units if u.totals.get(spec.quantity) is None]
    if len(lacking) == len(units):
        return IndicatorResult(spec, level, False, f"缺少“{QUANTITY_LABELS[spec.quantity]}”数据，无法计算", n=len(units))
    if lacking:
        names = "、".join(u.name for u in lacking[:5]) + (f" 等 {len(lacking)} 所" if len(lacking) > 5 else "")
        return IndicatorResult(spec, level, False, f"{len(lacking)} 所学校缺少“{QUANTITY_LABELS[spec.quantity]}”数据"
                               f"（{names}），无法计算（缺失不按 0 计）", n=len(units))
    totals = [float(u.totals[spec.quantity]) * spec.factor for u in units]
    res = weighted_cv(totals, [u.pupils for u in units])
    schools = [SchoolValue(u.code, x, s) for u, x, s in zip(units, res.x, res.shares)]
    return IndicatorResult(spec, level, res.cv is not None, res.reason, res.mean, res.sd, res.cv,
                           n=len(units), schools=schools)


def combine(values: Iterable[float | None], rule: str) -> float | None:
    """A level's single coefficient: the mean (or max) of its single coefficients; None if one is missing."""
    vals = list(values)
    if not vals or any(v is None for v in vals):
        return None
    return fmean(vals) if rule == "mean" else max(vals)
