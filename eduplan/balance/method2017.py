"""The 2017 优质均衡 resource-allocation evaluation (教督〔2017〕6号, methods.md §1.1–§1.3).

Seven indicators per level; a school is compliant when at least 6 reach the standard and the rest are
at least 85 % of it; the district passes a level when every single coefficient is within 0.50 (小学) /
0.45 (初中) and every school is compliant. The 2017 method has no composite: the level's single number
is the plan's coefficient (setting `composite`, default the mean of the seven).
"""

from __future__ import annotations

from .data import QUANTITY_LABELS, Unit
from .indicators import combine, evaluate_indicator
from .result import IndicatorSpec, LevelResult, Miss, SchoolResult
from .settings import INDICATORS_2017, LEVELS, BalanceSettings

INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec("L1", "每百名学生拥有高于规定学历教师数", "人/百名学生", "qual", 100.0),
    IndicatorSpec("L2", "每百名学生拥有县级以上骨干教师数", "人/百名学生", "backbone", 100.0),
    IndicatorSpec("L3", "每百名学生拥有体育、艺术（美术、音乐）专任教师数", "人/百名学生", "pe_art", 100.0),
    IndicatorSpec("L4", "生均教学及辅助用房面积", "㎡/生", "teaching_area"),
    IndicatorSpec("L5", "生均体育运动场馆面积", "㎡/生", "sports_area"),
    IndicatorSpec("L6", "生均教学仪器设备值", "元/生", "equipment"),
    IndicatorSpec("L7", "每百名学生拥有网络多媒体教室数", "间/百名学生", "multimedia_rooms", 100.0),
)
assert tuple(s.id for s in INDICATORS) == INDICATORS_2017
RAW_UNIT = {"L1": "人", "L2": "人", "L3": "人", "L4": "㎡", "L5": "㎡", "L6": "元", "L7": "间"}
EPS = 1e-9


def reaches(x: float, target: float) -> bool:
    """x ≥ target, forgiving float noise (a value exactly at the standard reaches it)."""
    return x >= target - EPS * max(1.0, abs(target))


def compliance(values: dict[str, float | None], standards: dict[str, float], settings: BalanceSettings,
               ) -> tuple[int | None, bool | None]:
    """(indicators reaching the standard, compliant?) — compliant needs ≥ min_met at the standard and every
    other one ≥ floor × standard. None when an unknown value could change the answer."""
    known = {k: v for k, v in values.items() if v is not None}
    unknown = len(values) - len(known)
    met = sum(1 for k, v in known.items() if reaches(v, standards[k]))
    below_floor = any(not reaches(v, settings.compliance_floor * standards[k]) for k, v in known.items())
    short = len(known) - met
    if below_floor or short > len(values) - settings.compliance_min_met:
        return (met if unknown == 0 else None), False
    if unknown:
        return None, None
    return met, True


def school_value(u: Unit, spec: IndicatorSpec) -> float | None:
    """The school's own per-student value (×factor), None when its total is unknown. It needs only the
    school's own data: a school is judged against the standard even when another school's gap leaves the
    district's coefficient uncomputable."""
    total = u.totals.get(spec.quantity)
    return None if total is None else float(total) * spec.factor / float(u.pupils)


def missing_reason(values: dict[str, float | None]) -> str | None:
    """Why some of a school's indicators have no value (“缺少数据：…”), None when all have one."""
    gone = [spec for spec in INDICATORS if values.get(spec.id) is None]
    if not gone:
        return None
    labels = "、".join(dict.fromkeys(QUANTITY_LABELS[s.quantity] for s in gone))
    return f"缺少数据：{labels}（{'、'.join(s.id for s in gone)} 无法计算，缺失不按 0 计）"


def _all(verdicts: list[bool | None]) -> bool | None:
    """False when one is False, else None when one is unknown, else True."""
    if any(v is False for v in verdicts):
        return False
    return None if any(v is None for v in verdicts) else True


def evaluate(units: list[Unit], settings: BalanceSettings) -> dict[str, LevelResult]:
    out: dict[str, LevelResult] = {}
    for level in LEVELS:
        lu = [u for u in units if u.level == level]
        std = settings.standards[level]
        threshold = settings.cv_threshold_2017[level]
        indicators = []
        for spec in INDICATORS:
            res = evaluate_indicator(spec, lu, level)
            res.threshold, res.standard = threshold, std[spec.id]
            if res.computable:
                res.passed = res.cv <= threshold + EPS
            indicators.append(res)
        schools = []
        by_code = {r.spec.id: {sv.code: sv for sv in r.schools} for r in indicators}
        for u in lu:
            values = {r.spec.id: (by_code[r.spec.id][u.code].x if u.code in by_code[r.spec.id]
                                  else school_value(u, r.spec)) for r in indicators}
            shares = {r.spec.id: (by_code[r.spec.id][u.code].share if u.code in by_code[r.spec.id] else None)
                      for r in indicators}
            met, ok = compliance(values, std, settings)
            misses = [
                Miss(k, spec.name, v, std[k], v / std[k], std[k] - v, (std[k] - v) * u.pupils / spec.factor,
                     RAW_UNIT[k], reaches(v, settings.compliance_floor * std[k]))
                for spec in INDICATORS if (k := spec.id) and (v := values[k]) is not None and not reaches(v, std[k])
            ]
            schools.append(SchoolResult(u.code, u.name, u.type_code, level, u.pupils, u.share, values, shares,
                                        met, ok, misses, missing_reason(values)))
        # a known failure decides (False) whatever the missing values are; else missing leaves it open (None)
        cvs_ok = _all([r.passed if r.computable else None for r in indicators])
        schools_ok = _all([s.compliant for s in schools]) if lu else None
        if cvs_ok is False or schools_ok is False:
            passed = False
        elif cvs_ok is None or schools_ok is None:
            passed = None
        else:
            passed = True
        out[level] = LevelResult(level, "2017", indicators, schools,
                                 combine((r.cv for r in indicators), settings.composite), settings.composite,
                                 cv_passed=cvs_ok, schools_passed=schools_ok, passed=passed,
                                 compliance_floor=settings.compliance_floor)
    return out
