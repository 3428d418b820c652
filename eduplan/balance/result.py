"""The evaluation's result as data: per level the indicators (X̄, CV, threshold, pass), the composite,
each school's per-student values, compliance, misses and variance shares; plus exclusions, notes, the
checklist and (when asked) the improvement plan. `to_dict()` is the JSON document of `eduplan balance`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IndicatorSpec:
    id: str  # L1–L7 (2017), B1–B8 (2012)
    name: str
    unit: str  # of the per-student value
    quantity: str  # the raw total it divides (eduplan.balance.data quantities)
    factor: float = 1.0  # 100 for 每百名学生 indicators


@dataclass
class SchoolValue:
    code: str
    x: float  # per-student value (×factor)
    share: float | None  # of the weighted variance (None when S = 0)


@dataclass
class IndicatorResult:
    spec: IndicatorSpec
    level: str
    computable: bool
    reason: str = ""
    mean: float | None = None  # X̄ = ΣR / ΣP (×factor)
    sd: float | None = None
    cv: float | None = None
    threshold: float | None = None  # single-coefficient threshold (2017)
    standard: float | None = None  # per-school standard (2017)
    passed: bool | None = None
    n: int = 0
    schools: list[SchoolValue] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.spec.id, "name": self.spec.name, "unit": self.spec.unit, "computable": self.computable,
            "reason": self.reason or None, "mean": self.mean, "sd": self.sd, "cv": self.cv,
            "cv_3dp": None if self.cv is None else round(self.cv, 3), "threshold": self.threshold,
            "standard": self.standard, "passed": self.passed, "schools": self.n,
        }


@dataclass
class Miss:
    indicator: str
    name: str
    value: float
    standard: float
    ratio: float  # value / standard
    per_student_gap: float  # standard − value
    total_gap: float  # in the indicator's raw unit (teachers, ㎡, 元, rooms) for this level's students
    unit: str
    above_floor: bool  # ≥ 85 % of the standard


@dataclass
class SchoolResult:
    code: str
    name: str
    type_code: str
    level: str
    pupils: int
    facility_share: float
    values: dict[str, float | None]
    shares: dict[str, float | None]
    met: int | None = None  # indicators reaching the standard (2017)
    compliant: bool | None = None  # (2017) None = cannot be decided (an indicator not computable)
    misses: list[Miss] = field(default_factory=list)
    reason: str | None = None  # which of its data are missing (then 无法判定 unless the known values fail)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "name": self.name, "type_code": self.type_code, "level": self.level,
            "pupils": self.pupils, "facility_share": self.facility_share, "values": self.values,
            "variance_shares": self.shares, "met": self.met, "compliant": self.compliant,
            "missing": self.reason,
            "misses": [m.__dict__ for m in self.misses],
        }



@dataclass
class LevelResult:
    level: str
    method: str
    indicators: list[IndicatorResult]
    schools: list[SchoolResult]
    composite: float | None  # the plan's single coefficient (setting `composite`)
    composite_rule: str
    official_composite: float | None = None  # 2012: the mean of the eight
    official_threshold: float | None = None  # 2012: 0.65 / 0.55
    cv_passed: bool | None = None  # 2017: every single coefficient ≤ threshold; 2012: composite ≤ threshold
    schools_passed: bool | None = None  # 2017: every school compliant
    passed: bool | None = None
    compliance_floor: float | None = None  # 2017: the share of a standard every indicator must reach (0.85)

    @property
    def compliant_count(self) -> int:
        return sum(1 for s in self.schools if s.compliant)

    @property
    def undecided_count(self) -> int:
        """2017: schools whose compliance cannot be decided (data missing)."""
        return sum(1 for s in self.schools if s.compliant is None) if self.method == "2017" else 0

    def indicator(self, iid: str) -> IndicatorResult:
        return next(i for i in self.indicators if i.spec.id == iid)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "indicators": [i.to_dict() for i in self.indicators],
            "composite": {"value": self.composite, "value_3dp": None if self.composite is None else round(self.composite, 3),
                          "rule": self.composite_rule},
            "official_composite": None if self.method != "2012" else {
                "value": self.official_composite, "threshold": self.official_threshold, "passed": self.cv_passed},
            "coefficients_passed": self.cv_passed,
            "schools_passed": self.schools_passed,
            "passed": self.passed,
            "school_count": len(self.schools),
            "compliant_count": self.compliant_count if self.method == "2017" else None,
            "undecided_count": self.undecided_count if self.method == "2017" else None,
            "pupils": sum(s.pupils for s in self.schools),
            "schools": [s.to_dict() for s in self.schools],
        }


@dataclass
class BalanceResult:
    method: str
    year: int | None
    source: str  # "store" or the file name
    levels: dict[str, LevelResult]
    excluded: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checklist: list[Any] | None = None
    plan: Any = None  # planner.Plan when --plan-fixes
    plan_status: dict[str, Any] | None = None  # 规划目标: the plan's coefficient targets (series.plan_indicator_status)
    records: list[Any] = field(default_factory=list, repr=False)  # the input, for the planner (not in JSON)
    official: dict[str, Any] | None = None  # 国家标准: the method's own thresholds (official_criterion)
    district: dict[str, Any] | None = None  # the district evaluated and its plan (Scope.to_dict() + label)

    @property
    def compliance_floor(self) -> float | None:
        """The floor the schools were judged with (2017; None for 2012)."""
        return next((lr.compliance_floor for lr in self.levels.values() if lr.compliance_floor is not None), None)

    @property
    def coefficients(self) -> dict[str, float | None]:
        """The plan's single coefficient per level."""
        return {lvl: r.composite for lvl, r in self.levels.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method, "year": self.year, "source": self.source, "district": self.district,
            "coefficients": self.coefficients, "official": self.official,
            "levels": {lvl: r.to_dict() for lvl, r in self.levels.items()},
            "excluded": [e.__dict__ for e in self.excluded],
            "notes": self.notes,
            "checklist": None if self.checklist is None else [c.to_dict() for c in self.checklist],
            "plan_indicator": self.plan_status,
            "plan_fixes": None if self.plan is None else self.plan.to_dict(),
        }
