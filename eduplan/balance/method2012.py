"""The 2012 基本均衡 evaluation (县域义务教育均衡发展督导评估暂行办法, methods.md §2).

Eight indicators per level with the same weighted CV; the 综合差异系数 is the mean of the eight, against
0.65 (小学) / 0.55 (初中). Mapping from the data model: 高于规定学历 = 小学 专科及以上 / 初中 本科及以上;
中级及以上专业技术职务 = 正高级 + 高级 + 一级 (the unified 中小学 title system: 一级 is 中级); 师生比 =
专任教师 per pupil. The 2012 method has no per-school standard, so no school compliance.
"""

from __future__ import annotations

from statistics import fmean

from .data import Unit
from .indicators import combine, evaluate_indicator
from .result import IndicatorSpec, LevelResult, SchoolResult
from .settings import LEVELS, BalanceSettings

INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec("B1", "生均教学及辅助用房面积", "㎡/生", "teaching_area"),
    IndicatorSpec("B2", "生均体育运动场馆面积", "㎡/生", "sports_area"),
    IndicatorSpec("B3", "生均教学仪器设备值", "元/生", "equipment"),
    IndicatorSpec("B4", "每百名学生拥有计算机台数", "台/百名学生", "computers", 100.0),
    IndicatorSpec("B5", "生均图书册数", "册/生", "books"),
    IndicatorSpec("B6", "师生比（专任教师数/学生数）", "人/生", "teachers"),
    IndicatorSpec("B7", "生均高于规定学历教师数", "人/生", "qual"),
    IndicatorSpec("B8", "生均中级及以上专业技术职务教师数", "人/生", "senior_title"),
)


def evaluate(units: list[Unit], settings: BalanceSettings) -> dict[str, LevelResult]:
    out: dict[str, LevelResult] = {}
    for level in LEVELS:
        lu = [u for u in units if u.level == level]
        indicators = [evaluate_indicator(spec, lu, level) for spec in INDICATORS]
        schools = [
            SchoolResult(u.code, u.name, u.type_code, level, u.pupils, u.share,
                         {r.spec.id: (r.schools[j].x if r.schools else None) for r in indicators},
                         {r.spec.id: (r.schools[j].share if r.schools else None) for r in indicators})
            for j, u in enumerate(lu)
        ]
        cvs = [r.cv for r in indicators]
        official = None if any(v is None for v in cvs) else fmean(cvs)
        threshold = settings.composite_threshold_2012[level]
        ok = None if official is None else official <= threshold + 1e-9
        out[level] = LevelResult(level, "2012", indicators, schools, combine(cvs, settings.composite),
                                 settings.composite, official, threshold, cv_passed=ok, passed=ok)
    return out
