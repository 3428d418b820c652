"""The improvement planner: its plan, applied to the data, passes the 2017 evaluation; no cheaper plan
exists (enumeration of a small case); infeasible caps name the school and indicator."""

from __future__ import annotations

import itertools

import pytest

from eduplan.balance import apply_actions, evaluate_records, plan_fixes
from eduplan.balance.data import SchoolRecord
from eduplan.balance.settings import ActionCaps, BalanceSettings

# Three 小学 schools (standards per 100 pupils: L1 4.2 … L7 2.3 rooms):
#   A 400 pupils, rich: 28 multimedia rooms → 7.0 per 100
#   B 300 pupils: 11 qualified teachers → 3.67 (87 %), 6 rooms → 2.0 (87 %): two misses → not compliant
#   C 300 pupils: 12 qualified teachers → 4.0 (95 %), 7 rooms → 2.33: one miss ≥ 85 % → compliant
# L7 today: X̄ = (28 + 6 + 7) × 100 / 1000 = 4.1; S² = 0.4·2.9² + 0.3·2.1² + 0.3·1.767² = 5.623; CV = 0.578 > 0.50.
# Only qualified teachers (150,000 元) and multimedia rooms (60,000 元) may be added: the plan must add
# rooms at B and C until CV ≤ 0.50 and make B compliant (one more room-or-teacher fix).


def rec(name: str, pupils: int, qual: float, rooms: float) -> SchoolRecord:
    section = dict(teachers=qual + 5, qual=qual, backbone=pupils / 100 * 1.5, pe_art=pupils / 100 * 1.2,
                   senior_title=10.0)
    facilities = dict(teaching_area=6.0 * pupils, sports_area=10.0 * pupils, equipment=3000.0 * pupils,
                      multimedia_rooms=rooms, computers=50.0, books=10000.0)
    return SchoolRecord(name, name, "211", {"小学": pupils}, {"小学": section}, facilities)


CASE = [rec("A", 400, 20.0, 28.0), rec("B", 300, 11.0, 6.0), rec("C", 300, 12.0, 7.0)]
ONLY_TEACHERS_AND_ROOMS = BalanceSettings(default_caps=ActionCaps(
    backbone_teachers=0, pe_art_teachers=0, teaching_area=0, sports_area=0, equipment=0))


def passes(records: list[SchoolRecord], settings: BalanceSettings) -> bool:
    return all(lr.passed for lr in evaluate_records(records, "2017", settings).levels.values() if lr.schools)


def test_case_fails_today():
    lr = evaluate_records(CASE, "2017", ONLY_TEACHERS_AND_ROOMS).levels["小学"]
    assert lr.indicator("L7").cv == pytest.approx(0.578, abs=1e-3)
    assert [s.compliant for s in lr.schools] == [True, False, True]


GRID = [range(2), range(4), range(4), range(2), range(5), range(5)]  # qualified teachers A B C, rooms A B C


def grid_optima() -> tuple[int, set[tuple[int, ...]]]:
    """Brute force over every plan on the grid (qualified teachers 0–1 at A, 0–3 at B and C; rooms 0–1 at A,
    0–4 at B and C): the least cost and every grid plan that reaches it."""
    best, at = None, set()
    for plan in itertools.product(*GRID):
        qa, qb, qc, ra, rb, rc = plan
        cost = 150_000 * (qa + qb + qc) + 60_000 * (ra + rb + rc)
        if best is not None and cost > best:
            continue
        trial = [rec("A", 400, 20.0 + qa, 28.0 + ra), rec("B", 300, 11.0 + qb, 6.0 + rb),
                 rec("C", 300, 12.0 + qc, 7.0 + rc)]
        if passes(trial, ONLY_TEACHERS_AND_ROOMS):
            if best is None or cost < best:
                best, at = cost, set()
            at.add(plan)
    assert best is not None
    return best, at


def test_plan_passes_and_is_one_of_the_cheapest_by_enumeration():
    plan = plan_fixes(CASE, ONLY_TEACHERS_AND_ROOMS)
    assert plan.feasible and plan.status == "optimal"
    assert passes(apply_actions(CASE, plan.actions), ONLY_TEACHERS_AND_ROOMS)
    best, optima = grid_optima()
    # three rooms, at B or C in any split, and nothing else: 3 × 60,000 元 (B then reaches 9 rooms → 3.0 per 100:
    # one miss ≥ 85 % → compliant; L7 falls below 0.50). One room fewer leaves L7 at 0.514 (see below).
    assert (best, optima) == (180_000, {(0, 0, 0, 0, 1, 2), (0, 0, 0, 0, 2, 1), (0, 0, 0, 0, 3, 0)})
    # the optimum lies inside the grid, so the grid's edges did not hide a cheaper plan
    assert all(v < len(r) - 1 for p in optima for v, r in zip(p, GRID) if len(r) > 2)
    got = {(a.school_code, a.kind): a.amount for a in plan.actions}
    chosen = tuple(int(got.pop((s, k), 0)) for k in ("qual", "multimedia_rooms") for s in "ABC")
    assert got == {} and chosen in optima, plan.actions  # the planner's additions are one of the cheapest
    assert plan.total_cost == pytest.approx(180_000, abs=1e-6)


def test_plan_reports_binding_constraints_and_actions():
    plan = plan_fixes(CASE, ONLY_TEACHERS_AND_ROOMS)
    kinds = {b["kind"] for b in plan.binding}
    assert "action" in kinds
    (why,) = [b for b in plan.binding if b["kind"] == "action"]
    assert why["school"] == "B" and any("L7" in c and "差异系数" in c for c in why["constraints"])
    d = plan.to_dict()
    assert d["total_cost"] == pytest.approx(sum(a["cost"] for a in d["actions"]))
    assert {s["code"] for s in d["by_school"]} == {a.school_code for a in plan.actions}
    assert why["constraints"] == ["小学 L7 差异系数 0.514 超过上限 0.50"]
    assert d["after"]["小学"]["passed"] is True


def test_continuous_additions_are_exact_enough_to_pass():
    # teaching area of C at 80 % of the standard: the cheapest fix mixes ㎡ (continuous) and the rest
    case = [rec("A", 400, 20.0, 28.0), rec("B", 300, 18.0, 9.0), rec("C", 300, 18.0, 9.0)]
    case[2].facilities["teaching_area"] = 0.8 * 4.5 * 300
    plan = plan_fixes(case, BalanceSettings())
    assert plan.feasible and passes(apply_actions(case, plan.actions), BalanceSettings())
    # C is not compliant: its teaching area (1080 ㎡ = 3.6 per pupil) is 80 % of the standard 4.5, below the 85 %
    # a single miss may reach. The least fix is to 85 %: 0.85 × 4.5 × 300 − 1080 = 67.5 ㎡ × 4,500 元 = 303,750 元
    # (every coefficient already passes: nothing else is needed).
    assert [(a.school_code, a.kind) for a in plan.actions] == [("C", "teaching_area")]
    assert plan.actions[0].amount == pytest.approx(67.5, abs=1e-6)
    assert plan.total_cost == pytest.approx(303_750, abs=1e-3)


def test_plan_not_needed_when_everything_passes():
    ok = [rec("A", 400, 20.0, 12.0), rec("B", 300, 15.0, 9.0)]
    plan = plan_fixes(ok, BalanceSettings())
    assert plan.status == "not-needed" and plan.total_cost == 0 and plan.actions == []


def test_infeasible_caps_name_the_school_and_indicator():
    # B's sports ground is 60 % of the standard and its land cannot grow
    case = [rec("A", 400, 20.0, 12.0), rec("B", 300, 15.0, 9.0)]
    case[1].facilities["sports_area"] = 0.6 * 7.5 * 300
    settings = BalanceSettings(caps={"B": ActionCaps(sports_area=0)})
    plan = plan_fixes(case, settings)
    assert not plan.feasible and plan.status == "infeasible"
    (why,) = plan.infeasible
    assert why == {"school": "B", "name": "B", "level": "小学", "indicators": ["L5"],
                   "message": "B（小学）的 L5 生均体育运动场馆面积 在增加上限内无法达到标准的 85%"}


def test_infeasible_coefficient_names_the_level_and_indicator():
    # no school may add rooms: L7 stays at CV 0.578; B can still become compliant by teachers
    settings = BalanceSettings(default_caps=ActionCaps(multimedia_rooms=0))
    plan = plan_fixes(CASE, settings)
    assert plan.status == "infeasible"
    why = ("小学 L7 每百名学生拥有网络多媒体教室数 的差异系数在上限下无法降到 0.50；不能增加的学校："
           "A（7.00，全区 4.10）、B（2.00，全区 4.10）、C（2.33，全区 4.10）")
    assert plan.infeasible == [{"level": "小学", "indicator": "L7", "schools": ["A", "B", "C"], "message": why}]
    assert plan.message == "在设定的增加上限下没有可行方案：" + why


def test_apply_actions_leaves_the_input_alone():
    plan = plan_fixes(CASE, ONLY_TEACHERS_AND_ROOMS)
    before = [r.facilities["multimedia_rooms"] for r in CASE]
    apply_actions(CASE, plan.actions)
    assert [r.facilities["multimedia_rooms"] for r in CASE] == before
