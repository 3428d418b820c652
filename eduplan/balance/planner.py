"""The improvement planner: the least-cost additions that make every school compliant and every 2017
coefficient pass, with scipy.optimize.milp (HiGHS) — see planner_model.py for the formulation.

The CV constraints are convex but not linear; they are met by outer approximation (Duran–Grossmann):

1. Kelley's cutting planes on the continuous relaxation (cheap LPs) give a first set of tangent cuts.
2. The MILP master with those cuts gives a lower bound and a candidate; its exact CVs are checked.
   A violated coefficient gets a tangent cut at the candidate. With the candidate's integers fixed,
   the continuous additions are re-solved (LPs with cuts again) — a feasible plan and an upper bound.
3. Repeat until the master's bound reaches the best feasible plan's cost (optimal within
   `planner_gap`), or the master's own answer is feasible, or the time limit (then the best plan so far
   is returned with its proven gap).

Cuts use the threshold − 1e-6 so the loop ends in finitely many rounds; every plan returned is re-checked
by applying it to the data and running the exact evaluation (method2017).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import method2017
from .data import SchoolRecord, split_units
from .plan_apply import ACTIONS, Action, apply_actions
from .planner_model import CAP_KEY, COST_UNIT, RAISES, SPEC, Model, PlannerError, Row
from .settings import BalanceSettings

CUT_MARGIN = 1e-6
__all__ = ["Plan", "PlannerError", "plan_fixes"]


@dataclass
class Plan:
    feasible: bool
    status: str  # optimal / feasible (time limit, gap reported) / infeasible / not-needed / unsolved
    message: str
    total_cost: float | None = None
    actions: list[Action] = field(default_factory=list)
    binding: list[dict[str, Any]] = field(default_factory=list)
    infeasible: list[dict[str, Any]] = field(default_factory=list)
    lower_bound: float | None = None
    gap: float | None = None
    rounds: int = 0
    seconds: float = 0.0
    after: dict[str, Any] | None = None  # per level: CVs, composite, compliant schools after the plan

    def to_dict(self) -> dict[str, Any]:
        return {"feasible": self.feasible, "status": self.status, "message": self.message,
                "total_cost": self.total_cost, "lower_bound": self.lower_bound, "gap": self.gap,
                "actions": [a.to_dict() for a in self.actions], "by_school": self.by_school(),
                "binding": self.binding, "infeasible": self.infeasible, "rounds": self.rounds,
                "seconds": round(self.seconds, 3), "after": self.after}

    def by_school(self) -> list[dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for a in self.actions:
            d = out.setdefault(a.school_code, {"code": a.school_code, "name": a.school_name, "cost": 0.0, "actions": []})
            d["cost"] += a.cost
            d["actions"].append(f"{a.label} {a.amount_text()}")
        return sorted(out.values(), key=lambda d: -d["cost"])


# ------------------------------------------------------------------ the loop


def plan_fixes(records: list[SchoolRecord], settings: BalanceSettings) -> Plan:
    """The least-cost plan that makes every unit compliant and every 2017 coefficient pass."""
    started = time.perf_counter()
    deadline = started + settings.planner_time_limit
    base = Model(records, settings)
    before = method2017.evaluate(base.units, settings)
    if all(r.passed for r in before.values() if r.schools):
        return Plan(True, "not-needed", "各学段已全部达标，无需改进", 0.0, seconds=time.perf_counter() - started,
                    after=_summary(before))
    search = _Search(base, deadline)
    for key in base.violated(np.zeros(base.n_main)):
        search.add_cut(np.zeros(base.n_main), key)
    # A. the MILP with tangent cuts only: enough when the coefficients barely bind
    if search.run(base, max_rounds=QUICK_ROUNDS) == "infeasible":
        return _infeasible(base, records, search.keys, search.rounds, started)
    if not search.proven and time.perf_counter() < deadline:
        # B. cones for the binding coefficients: the inner one gives a passing plan, the outer one the bound
        keys = tuple(sorted(search.keys | set(search.near)))
        inner = Model(records, settings, keys, inner=True)
        res = inner.solve(search.cuts, time_limit=max(1.0, (deadline - time.perf_counter()) / 3))
        if res.x is not None:
            search.offer(inner.repair(res.x))
        outer = Model(records, settings, keys)
        if search.run(outer, max_rounds=settings.planner_max_rounds) == "infeasible":
            return _infeasible(base, records, search.keys, search.rounds, started)
    if search.best is None:
        return Plan(False, "unsolved", f"在时限 {settings.planner_time_limit:g} 秒 / {search.rounds} 轮内未找到可行方案；"
                                       "可增大 planner_time_limit", lower_bound=search.lower, rounds=search.rounds,
                    seconds=time.perf_counter() - started)
    cost, y = search.best
    actions = _actions(base, y)
    after_units, _ = split_units(apply_actions(records, actions), settings)
    after = method2017.evaluate(after_units, settings)
    if not all(r.passed for r in after.values() if r.schools):  # the exact re-check; should never happen
        raise PlannerError("内部错误：改进方案应用后复核未通过，请报告给系统维护人员")
    total = float(sum(a.cost for a in actions))
    lower = total if search.proven else min(search.lower, total)
    gap = (total - lower) / total if total else 0.0
    what = "最低成本方案" if search.proven else f"可行方案（时限内未证明最优，与下界相差至多 {gap:.2%}）"
    return Plan(True, "optimal" if search.proven else "feasible", f"{what}：{len(actions)} 项措施，合计 {total:,.0f} 元",
                total, actions, binding(base, records, actions, after), lower_bound=lower, gap=gap, rounds=search.rounds,
                seconds=time.perf_counter() - started, after=_summary(after))


QUICK_ROUNDS = 6


class _Search:
    """Outer approximation: MILP masters (relaxations, so their optimum is a lower bound) and the exact
    check of each answer; the cheapest passing plan found so far is the upper bound."""

    def __init__(self, base: Model, deadline: float):
        self.base, self.deadline = base, deadline
        self.cuts: list[Row] = []
        self.keys: set[tuple[str, str]] = set()
        self.near: set[tuple[str, str]] = set()
        self.best: tuple[float, np.ndarray] | None = None
        self.lower, self.proven, self.rounds = 0.0, False, 0

    def add_cut(self, y: np.ndarray, key: tuple[str, str]) -> None:
        c = self.base.cut(y, key, self.base.settings.cv_threshold_2017[key[0]] - CUT_MARGIN)
        if c is not None:
            self.cuts.append(c)
            self.keys.add(key)

    def offer(self, y: np.ndarray) -> bool:
        """Keep y (main variables) if it passes exactly and is the cheapest so far."""
        y = y[: self.base.n_main]
        if self.base.violated(y):
            return False
        cost = self.base.objective(y)
        if self.best is None or cost < self.best[0]:
            self.best = (cost, y)
        return True

    def run(self, model: Model, max_rounds: int) -> str:
        st = self.base.settings
        for _ in range(max_rounds):
            left = self.deadline - time.perf_counter()
            if left <= 0:
                return "time"
            self.rounds += 1
            cutoff = [] if self.best is None else [
                ({i: c for i, c in enumerate(self.base.cost[: self.base.n_main]) if c}, -np.inf,
                 self.best[0] * (1 - st.planner_gap) - 1e-6)]
            res = model.solve(self.cuts + cutoff, time_limit=left)
            if res.status == 2:  # nothing (cheaper than the best plan) exists
                if self.best is None:
                    return "infeasible"
                self.proven, self.lower = True, self.best[0]
                return "done"
            if res.x is None:
                return "time"
            if res.status == 0:
                self.lower = max(self.lower, float(res.fun) * COST_UNIT)
            else:
                bound = getattr(res, "mip_dual_bound", None)
                if bound is not None and np.isfinite(bound):
                    self.lower = max(self.lower, float(bound) * COST_UNIT)
            y = model.repair(res.x)[: self.base.n_main]
            violated = self.base.violated(y)
            self.near |= set(self.base.violated(y, slack=-0.05))  # within 5 % of the threshold
            if not violated:
                self.offer(y)
                if res.status == 0:
                    self.proven = True
                    return "done"
                continue
            for key in violated:
                self.add_cut(y, key)
            if self.best is not None and self.lower >= self.best[0] * (1 - st.planner_gap) - 1e-6:
                self.proven = True
                return "done"
        return "rounds"


def _actions(model: Model, y: np.ndarray) -> list[Action]:
    out = []
    for i, var in enumerate(model.vars[: model.n_main]):
        if var.kind == "z" or y[i] <= 1e-9:
            continue
        u = model.unit_of(var)
        out.append(Action(var.school, u.name, u.level if var.unit is not None else None, var.kind,
                          float(y[i] * model.scale[i]), float(y[i] * model.cost[i])))
    return out


def _summary(levels) -> dict[str, Any]:
    return {lvl: {"cv": {i.spec.id: i.cv for i in r.indicators}, "composite": r.composite,
                  "compliant": r.compliant_count, "schools": len(r.schools), "passed": r.passed}
            for lvl, r in levels.items()}


# ------------------------------------------------------------------ explaining the plan


def binding(model: Model, records: list[SchoolRecord], actions: list[Action], after) -> list[dict[str, Any]]:
    """Why the plan is what it is: for each action, what would fail with a little less of it (one unit
    less of a countable addition, 1 % less of ㎡ or 元); coefficients at their threshold; caps reached."""
    st = model.settings
    out: list[dict[str, Any]] = []
    for i, a in enumerate(actions):
        less = list(actions)
        step = 1.0 if ACTIONS[a.kind][2] else 0.01 * a.amount
        less[i] = replace(a, amount=a.amount - step)
        units, _ = split_units(apply_actions(records, less), st)
        fails = _failures(method2017.evaluate(units, st), a)
        if fails:
            out.append({"kind": "action", "school": a.school_code, "name": a.school_name, "action": a.kind,
                        "level": a.level, "constraints": fails,
                        "message": f"{a.school_name} {a.label}：少{'一' + ACTIONS[a.kind][1] if ACTIONS[a.kind][2] else '1%'}"
                                   f"则{'；'.join(fails)}"})
    for lvl, r in after.items():
        t = st.cv_threshold_2017[lvl]
        for ind in r.indicators:
            if ind.cv is not None and ind.cv >= t - 1e-4:
                out.append({"kind": "cv", "level": lvl, "indicator": ind.spec.id,
                            "message": f"{lvl} {ind.spec.id} {ind.spec.name} 差异系数 {ind.cv:.4f} 恰在上限 {t:.2f}"})
    done = {(a.school_code, a.kind): a.amount for a in actions}
    for i, var in enumerate(model.vars[: model.n_main]):
        if var.kind not in CAP_KEY:
            continue
        u = model.unit_of(var)
        cap = getattr(st.caps_for(var.school, u.name), CAP_KEY[var.kind])
        if cap is not None and done.get((var.school, var.kind), 0.0) >= cap - 1e-6 and (cap > 0 or _short_in(model, var)):
            out.append({"kind": "cap", "school": var.school, "name": u.name, "action": var.kind,
                        "message": f"{u.name} {ACTIONS[var.kind][0]}已达上限 {cap:g}"})
    return out


def _failures(levels, action: Action) -> list[str]:
    out = []
    for lvl, r in levels.items():
        for ind in r.indicators:
            if ind.passed is False:
                out.append(f"{lvl} {ind.spec.id} 差异系数 {ind.cv:.3f} 超过上限 {ind.threshold:.2f}")
        for s in r.schools:
            if s.compliant is False:
                miss = "、".join(f"{m.indicator} 为标准的 {m.ratio:.1%}" for m in s.misses)
                out.append(f"{s.name}（{lvl}）不达标（{miss}）")
    return out


def _short_in(model: Model, var) -> bool:
    return any(var.kind in RAISES[k] and model.units[j].code == var.school for (j, k) in model.requirement)


def _infeasible(model: Model, records: list[SchoolRecord], keys: set, rounds: int, started: float) -> Plan:
    found = diagnose(model, records, keys)
    what = "；".join(d["message"] for d in found)
    return Plan(False, "infeasible", f"在设定的增加上限下没有可行方案：{what}", infeasible=found, rounds=rounds,
                seconds=time.perf_counter() - started)


def diagnose(model: Model, records: list[SchoolRecord], keys: set) -> list[dict[str, Any]]:
    """Which school and indicator make the plan infeasible under the caps."""
    st = model.settings
    found: list[dict[str, Any]] = []
    top = np.array(model.ub)
    for j, u in enumerate(model.units):  # 1. a school that cannot become compliant on its own
        short, below_floor = [], []
        for k in SPEC:
            need = st.standards[u.level][k] * u.pupils / SPEC[k].factor
            best = model.raw_at(j, k, top)
            if not method2017.reaches(best, need):
                short.append(k)
                if not method2017.reaches(best, st.compliance_floor * need):
                    below_floor.append(k)
        if below_floor or len(short) > len(SPEC) - st.compliance_min_met:
            bad = below_floor or short
            found.append({"school": u.code, "name": u.name, "level": u.level, "indicators": bad,
                          "message": f"{u.name}（{u.level}）的 {'、'.join(f'{k} {SPEC[k].name}' for k in bad)} "
                                     f"在增加上限内无法达到{'标准的 85%' if below_floor else '标准'}"})
    if found:
        return found
    zero = np.zeros(model.n_main)
    for key in sorted(keys or model.violated(zero)):  # 2. a coefficient that cannot come down far enough
        if Model(records, st, (key,)).solve([], relax=True).status != 2:
            continue
        lvl, k = key
        js = [j for j, u in enumerate(model.units) if u.level == lvl]
        _, mean, e = model.cv_at(zero, key)
        stuck = [(model.units[j], e[r]) for r, j in enumerate(js)
                 if all(model.ub[v] <= 1e-9 for v in model.raw_coefs(j, k))]
        stuck.sort(key=lambda t: -abs(t[1]) * t[0].pupils)
        f = SPEC[k].factor
        names = "、".join(f"{u.name}（{f * u.totals[SPEC[k].quantity] / u.pupils:.2f}，全区 {mean:.2f}）"
                         for u, _ in stuck[:5]) or "（无）"
        found.append({"level": lvl, "indicator": k, "schools": [u.code for u, _ in stuck],
                      "message": f"{lvl} {k} {SPEC[k].name} 的差异系数在上限下无法降到 {st.cv_threshold_2017[lvl]:.2f}；"
                                 f"不能增加的学校：{names}"})
    if not found:
        found.append({"message": "各校单独可达标、各差异系数单独可降到上限以下，但在整数与上限约束下无法同时满足"})
    return found
