"""What the forecast takes from the district's plan: the preschool enrolment target that sets the need
for kindergarten places, and the year the seat gap is computed to (the plan's end year).

Preschool rate. need(学前, t) = 3–5 岁人口(t) × rate(t) / 100, where rate(t) is the plan's target for
学前三年毛入园率 (indicator preschool_gross_enrolment) due next: the first target of the plan period
whose year is t or later (an interim target for the years up to its own, then the final one), and
the final target after the plan's end year. A plan without such a target — or no plan — leaves the
settings' fallback (forecast.preschool_target_rate), and the output says which was used.

Horizon. The seat gap and the resources are computed to the plan's end year when it lies after the
base year (a 2026–2030 plan: to 2030); when the plan period has ended by the base year, or there is
no plan, to the base year + 5 (the latest data a forecast reads: no look-ahead). The setting forecast.gap_horizon overrides both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..plan import Plan

PRESCHOOL_INDICATOR = "preschool_gross_enrolment"
HORIZON_YEARS = 5  # years after the base year when no plan period lies ahead


@dataclass
class RateTarget:
    year: int
    value: float
    raw: str
    source: str
    label: str  # “2028 中期目标” / “2030 期末目标”


@dataclass
class PreschoolRate:
    """The rate (%) the preschool need uses, year by year, and where it comes from."""

    source: str  # "plan" | "settings"
    fallback: float
    targets: list[RateTarget] = field(default_factory=list)
    plan_title: str | None = None

    def rate(self, year: int) -> float:
        if not self.targets:
            return self.fallback
        return next((t.value for t in self.targets if t.year >= year), self.targets[-1].value)

    @property
    def final(self) -> float:
        return self.targets[-1].value if self.targets else self.fallback

    def text(self) -> str:
        """One line for the user: which rate the preschool need uses."""
        if self.source == "settings":
            why = "未绑定规划" if self.plan_title is None else f"规划《{self.plan_title}》没有学前三年毛入园率目标"
            return (f"学前学位需求 = 3–5 岁人口 × {self.fallback:g}%（{why}，用设置 "
                    "forecast.preschool_target_rate 的值）")
        parts = "；".join(f"{t.label} {t.value:g}%（{t.source}）" for t in self.targets)
        rule = "，各年按其后最近的目标" if len(self.targets) > 1 else ""
        return f"学前学位需求 = 3–5 岁人口 × 规划的学前三年毛入园率目标：{parts}{rule}"

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "final": self.final, "fallback": self.fallback,
                "targets": [{"year": t.year, "value": t.value, "raw": t.raw, "source": t.source, "label": t.label}
                            for t in self.targets],
                "text": self.text()}


def target_label(year: int, plan: Plan) -> str:
    return f"{year} 期末目标" if year == plan.meta.period.end else f"{year} 中期目标"


def preschool_rate(plan: Plan | None, fallback: float) -> PreschoolRate:
    """The plan's targets for the preschool gross enrolment rate within its period (see the module)."""
    if plan is None:
        return PreschoolRate("settings", fallback)
    from ..indicators.schema import load_definitions
    from ..indicators.targets import plan_targets

    period = plan.meta.period
    found = plan_targets(plan, load_definitions()).get((PRESCHOOL_INDICATOR, ""), {}).get("targets", [])
    targets = [RateTarget(t.year, float(t.value), t.raw, t.source, target_label(t.year, plan))
               for t in found if period.start <= t.year <= period.end]
    if not targets:
        return PreschoolRate("settings", fallback, plan_title=plan.meta.title)
    return PreschoolRate("plan", fallback, sorted(targets, key=lambda t: t.year), plan.meta.title)


@dataclass
class Horizon:
    year: int
    basis: str  # the words the output shows

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "basis": self.basis}


def gap_horizon(plan: Plan | None, base_year: int, setting: int | None = None) -> Horizon:
    """The last year of the seat gap and the resources (see the module docstring)."""
    if setting is not None:
        return Horizon(setting, f"{setting} 年（设置 forecast.gap_horizon）")
    later = base_year + HORIZON_YEARS
    if plan is None:
        return Horizon(later, f"{later} 年（未绑定规划：基年 {base_year} 年 + {HORIZON_YEARS} 年）")
    period = plan.meta.period
    if period.end > base_year:
        return Horizon(period.end, f"{period.end} 年（规划期末；规划期 {period.label}）")
    return Horizon(later, f"{later} 年（规划期 {period.label}在基年 {base_year} 年或之前已结束，"
                          f"预测到基年 + {HORIZON_YEARS} 年）")
