"""The planner's mathematical model: variables, bounds, costs, the linear compliance rows, the CV
functions with their tangent cuts, and one call of scipy.optimize.milp (HiGHS).

Variables, per (school, level) unit: qualified, backbone and PE/arts teachers (integers, that unit's
section); per school: teaching area ㎡, sports area ㎡, equipment 元 (continuous) and multimedia rooms
(integer), split between its levels by the facility shares; per unit and indicator below standard, a
binary z that lets it sit between 85 % and 100 % of the standard, at most 7 − 6 = 1 per unit:

    raw_k(y) ≥ std_k·P/f_k − (1 − 0.85)·std_k·P/f_k · z_k,    Σ_k z_k ≤ 1.

The CV of a level and indicator, S(y) / X̄(y), has S(y) = ‖W^½ (x(y) − X̄(y)·1)‖ — a norm of an affine
map, hence convex — and X̄(y) affine, so S(y) − t·X̄(y) ≤ 0 is convex and each tangent plane
S(y0) + ∇S(y0)·(y − y0) − t·X̄(y) ≤ 0 holds for every feasible plan (`cut`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from ..errors import EduplanError
from . import method2017
from .data import SchoolRecord, split_units
from .planner_cone import add_cone
from .settings import INDICATORS_2017, LEVELS, BalanceSettings

SPEC = {s.id: s for s in method2017.INDICATORS}
# indicator -> the variable kinds that raise its raw total
RAISES = {"L1": ("qual", "backbone", "pe_art"), "L2": ("backbone",), "L3": ("pe_art",), "L4": ("teaching_area",),
          "L5": ("sports_area",), "L6": ("equipment",), "L7": ("multimedia_rooms",)}
TEACHER_KINDS = ("qual", "backbone", "pe_art")
FACILITY_KINDS = ("teaching_area", "sports_area", "equipment", "multimedia_rooms")
OWN_INDICATOR = {"qual": "L1", "backbone": "L2", "pe_art": "L3", "teaching_area": "L4", "sports_area": "L5",
                 "equipment": "L6", "multimedia_rooms": "L7"}
COST_KEY = {"qual": "teacher", "backbone": "backbone_teacher", "pe_art": "pe_art_teacher",
            "teaching_area": "teaching_area", "sports_area": "sports_area", "equipment": "equipment",
            "multimedia_rooms": "multimedia_room"}
CAP_KEY = {"backbone": "backbone_teachers", "pe_art": "pe_art_teachers", "teaching_area": "teaching_area",
           "sports_area": "sports_area", "equipment": "equipment", "multimedia_rooms": "multimedia_rooms"}

# Variables are kept in comparable units for the solver's tolerances: 100 ㎡ and 万元 (10,000 元).
SCALE = {"teaching_area": 100.0, "sports_area": 100.0, "equipment": 10_000.0}
COST_UNIT = 10_000.0  # the solver sees costs in 万元

Row = tuple[dict[int, float], float, float]  # coefficients, lower, upper
CONE_MARGIN = 1e-6  # cuts and cones aim at threshold − 1e-6 so that the loop ends


class PlannerError(EduplanError):
    """The improvement planner cannot run (e.g. a needed column is missing)."""


@dataclass
class Var:
    kind: str
    school: str
    unit: int | None  # unit index for teachers and binaries, None for facilities
    indicator: str | None = None  # binaries only


class Model:
    """Variables, affine raw totals and linear rows of one planning problem."""

    def __init__(self, records: list[SchoolRecord], settings: BalanceSettings,
                 cones: tuple[tuple[str, str], ...] = (), inner: bool = False):
        """`cones`: the coefficients approximated by polyhedral cones (planner_cone) — an outer
        approximation (never cuts off a plan), or with `inner` a safe one (every plan it allows passes)."""
        self.settings = settings
        self.units, _ = split_units(records, settings)
        self.vars: list[Var] = []
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.cost: list[float] = []
        self.integer: list[int] = []
        self.index: dict[tuple, int] = {}
        self.scale: list[float] = []  # a variable's value × scale = the addition in its natural unit
        self.rows: list[Row] = []
        self.requirement: dict[tuple[int, str], tuple[float, int]] = {}  # (unit, ind) -> (raw needed, z var)
        self._build()
        self.terms = {(lvl, k): self._cv_terms(lvl, k) for lvl in LEVELS for k in INDICATORS_2017
                      if any(u.level == lvl for u in self.units)}
        self.n_main = len(self.vars)  # additions and binaries; auxiliary cone variables follow
        for key in cones:
            if key in self.terms:
                add_cone(self, key, settings.cv_threshold_2017[key[0]] - CONE_MARGIN, inner)

    # -- raw totals
    def raw_coefs(self, j: int, k: str) -> dict[int, float]:
        """Unit j's raw total of indicator k as {variable: coefficient} (plus raw0)."""
        u = self.units[j]
        return {self.index[(kind, j)] if kind in TEACHER_KINDS else self.index[(kind, u.code)]:
                1.0 if kind in TEACHER_KINDS else u.share * SCALE.get(kind, 1.0) for kind in RAISES[k]}

    def raw0(self, j: int, k: str) -> float:
        return float(self.units[j].totals[SPEC[k].quantity])

    def raw_at(self, j: int, k: str, y: np.ndarray) -> float:
        return self.raw0(j, k) + sum(c * y[v] for v, c in self.raw_coefs(j, k).items())

    def unit_of(self, var: Var):
        return self.units[var.unit] if var.unit is not None else next(u for u in self.units if u.code == var.school)

    # -- building
    def add_aux(self, key: tuple, lb: float, ub: float) -> int:
        """An auxiliary continuous variable (no cost, not an action)."""
        self.index[key] = len(self.vars)
        self.vars.append(Var("aux", "", None))
        self.scale.append(1.0)
        self.lb.append(lb)
        self.ub.append(ub)
        self.cost.append(0.0)
        self.integer.append(0)
        return self.index[key]

    def _add_var(self, key: tuple, var: Var, ub: float, cost: float, integer: bool) -> int:
        """ub and cost in the natural unit (㎡, 元, persons, rooms); stored per scaled unit."""
        scale = SCALE.get(var.kind, 1.0)
        self.index[key] = len(self.vars)
        self.vars.append(var)
        self.scale.append(scale)
        self.lb.append(0.0)
        self.ub.append(float(ub) / scale)
        self.cost.append(float(cost) * scale)
        self.integer.append(1 if integer else 0)
        return self.index[key]

    def _build(self) -> None:
        st, costs = self.settings, self.settings.unit_costs
        for u in self.units:
            for k in INDICATORS_2017:
                if u.totals.get(SPEC[k].quantity) is None:
                    raise PlannerError(f"{u.name}（{u.level}）缺少“{SPEC[k].name}”所需的数据，无法制定改进方案")
        big = self._big_values()
        for j, u in enumerate(self.units):
            caps = st.caps_for(u.code, u.name)
            for kind in TEACHER_KINDS:
                ub = math.ceil(big[u.level][OWN_INDICATOR[kind]] * u.pupils / 100) + 1
                for cap in (getattr(caps, CAP_KEY[kind]) if kind in CAP_KEY else None, caps.teachers):
                    if cap is not None:
                        ub = min(ub, cap)
                self._add_var((kind, j), Var(kind, u.code, j), ub, getattr(costs, COST_KEY[kind]), True)
        for code in sorted({u.code for u in self.units}):
            mine = [u for u in self.units if u.code == code]
            caps = st.caps_for(code, mine[0].name)
            for kind in FACILITY_KINDS:
                k = OWN_INDICATOR[kind]
                ub = math.ceil(max(big[u.level][k] * u.pupils / SPEC[k].factor / max(u.share, 1e-6) for u in mine)) + 1
                cap = getattr(caps, CAP_KEY[kind])
                self._add_var((kind, code), Var(kind, code, None), ub if cap is None else min(ub, cap),
                              getattr(costs, COST_KEY[kind]), kind == "multimedia_rooms")
            for cap, kinds in ((caps.teachers, TEACHER_KINDS), (caps.backbone_teachers, ("backbone",)),
                               (caps.pe_art_teachers, ("pe_art",))):
                if cap is not None:  # per-school sums over the school's sections
                    coefs = {self.index[(kind, j)]: 1.0 for j, u in enumerate(self.units) if u.code == code
                             for kind in kinds}
                    self.rows.append((coefs, -np.inf, float(cap)))
        for j, u in enumerate(self.units):  # compliance
            zs = []
            for k in INDICATORS_2017:
                need = st.standards[u.level][k] * u.pupils / SPEC[k].factor
                have = self.raw0(j, k)
                if method2017.reaches(have, need):
                    continue
                z = self._add_var(("z", j, k), Var("z", u.code, j, k), 1.0, 0.0, True)
                zs.append(z)
                coefs = dict(self.raw_coefs(j, k))
                coefs[z] = (1 - st.compliance_floor) * need
                self.rows.append((coefs, need - have, np.inf))
                self.requirement[(j, k)] = (need, z)
            if zs:
                self.rows.append(({z: 1.0 for z in zs}, -np.inf, float(len(INDICATORS_2017) - st.compliance_min_met)))

    def _big_values(self) -> dict[str, dict[str, float]]:
        """Per level and indicator 3 × max(standard, largest per-student value): variable bounds for numerics."""
        out: dict[str, dict[str, float]] = {}
        for lvl in LEVELS:
            lu = [u for u in self.units if u.level == lvl]
            out[lvl] = {k: 3 * max([self.settings.standards[lvl][k],
                                    *(SPEC[k].factor * u.totals[SPEC[k].quantity] / u.pupils for u in lu)])
                        for k in INDICATORS_2017}
        return out

    # -- the CV functions
    def _cv_terms(self, level: str, k: str):
        """(weights P_i/P, today's per-student x_i, d x_i / d y) of one coefficient."""
        js = [j for j, u in enumerate(self.units) if u.level == level]
        f = SPEC[k].factor
        x0 = np.array([f * self.raw0(j, k) / self.units[j].pupils for j in js])
        a = np.zeros((len(js), len(self.vars)))
        for r, j in enumerate(js):
            for v, c in self.raw_coefs(j, k).items():
                a[r, v] = f * c / self.units[j].pupils
        p = np.array([self.units[j].pupils for j in js], dtype=float)
        return p / p.sum(), x0, a

    def cv_at(self, y: np.ndarray, key: tuple[str, str]) -> tuple[float, float, np.ndarray]:
        """(S, X̄, x − X̄) at additions y."""
        w, x0, a = self.terms[key]
        x = x0 + a @ y[: a.shape[1]]
        mean = float(w @ x)
        e = x - mean
        return math.sqrt(max(float(w @ (e * e)), 0.0)), mean, e

    def violated(self, y: np.ndarray, slack: float = 0.0) -> list[tuple[str, str]]:
        """The (level, indicator) whose exact CV at y is above its threshold × (1 + slack)."""
        out = []
        for key in self.terms:
            s, mean, _ = self.cv_at(y, key)
            if mean <= 0 or s > self.settings.cv_threshold_2017[key[0]] * (1 + slack) * mean:
                out.append(key)
        return out

    def cut(self, y: np.ndarray, key: tuple[str, str], t: float) -> Row | None:
        """The tangent plane of S − t·X̄ at y as a row ≤ rhs, scaled by 1 / X̄(y)."""
        w, x0, a = self.terms[key]
        s, mean, e = self.cv_at(y, key)
        if s <= 0 or mean <= 0:
            return None
        y = y[: a.shape[1]]
        dmean = w @ a  # ∇X̄
        grad = ((w * e) @ (a - dmean)) / s  # ∇S
        row = (grad - t * dmean) / mean
        rhs = (t * float(w @ x0) - s + float(grad @ y)) / mean
        return {i: float(v) for i, v in enumerate(row) if abs(v) > 1e-15}, -np.inf, rhs

    # -- solving
    def solve(self, cuts: list[Row], relax: bool = False, fixed: np.ndarray | None = None,
              time_limit: float | None = None):
        """One MILP (or its LP relaxation; with `fixed`, the integers held at those values)."""
        n = len(self.vars)
        rows = self.rows + cuts
        lb, ub = np.array(self.lb), np.array(self.ub)
        if fixed is not None:
            ints = np.array(self.integer) == 1
            lb[ints] = ub[ints] = np.round(fixed[ints])
        constraints = []
        if rows:
            ri, ci, vals = [], [], []
            for r, (coefs, _, _) in enumerate(rows):
                ri.extend([r] * len(coefs))
                ci.extend(coefs.keys())
                vals.extend(coefs.values())
            a = sparse.csr_array((vals, (ri, ci)), shape=(len(rows), n))
            constraints.append(LinearConstraint(a, np.array([r[1] for r in rows]), np.array([r[2] for r in rows])))
        integrality = np.zeros(n) if relax or fixed is not None else np.array(self.integer)
        return milp(np.array(self.cost) / COST_UNIT, constraints=constraints, integrality=integrality, bounds=Bounds(lb, ub),
                    options={"time_limit": max(0.1, time_limit or self.settings.planner_time_limit),
                             "mip_rel_gap": self.settings.planner_gap, "disp": False})

    def repair(self, y: np.ndarray) -> np.ndarray:
        """Round the integers; raise continuous additions to exactly what compliance needs (the solver
        meets rows only to its tolerance)."""
        y = np.where(np.array(self.integer) == 1, np.round(y), np.maximum(y, 0.0))
        for (j, k), (need, z) in self.requirement.items():
            target = need * (1 - (1 - self.settings.compliance_floor) * y[z])
            got = self.raw_at(j, k, y)
            if got < target:
                cont = [(v, c) for v, c in self.raw_coefs(j, k).items() if not self.integer[v]]
                if cont:
                    v, c = cont[0]
                    y[v] = min(self.ub[v], y[v] + (target - got) / c)
        return y

    def objective(self, y: np.ndarray) -> float:
        """The plan's cost in 元 (main variables)."""
        return float(np.dot(self.cost[: self.n_main], y[: self.n_main]))
