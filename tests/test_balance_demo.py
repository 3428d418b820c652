"""The demo district through the balance evaluation: every coefficient of every year equals the independent
recomputation from the generated rows (tests/test_demo_data.py, the official formulas) to 1e-9, 2019 rounds
to the plan's 0.382 / 0.302, the plan indicator is tracked against the bound plan's <0.5 / <0.45, the
checklist reads the demo's judgements, and the improvement plan for 2019 passes at its least cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from eduplan.balance import (
    NoData, apply_actions, coefficient_series, evaluate_records, evaluate_store, plan_fixes, plan_indicator_status,
)
from eduplan.balance.checklist_items import JUDGEMENT_ITEMS
from eduplan.balance.settings import BalanceSettings
from eduplan.indicators import compute, load_definitions
from eduplan.plan import load_plan
from eduplan.demo.district import build_district
from eduplan.store import Store
from test_demo_data import balance_cvs, junior_retention


@pytest.fixture(scope="session")
def balance_db(demo_store) -> Path:
    """The demo district with the shipped plan bound (conftest; shared with test_cli_balance)."""
    return demo_store


@pytest.fixture(scope="session")
def series(balance_db):
    with Store(balance_db, read_only=True) as s:
        return coefficient_series(s, "2017", settings=BalanceSettings())


def test_series_covers_every_year(series):
    assert sorted(series) == list(range(2016, 2026))
    assert all(sorted(v) == ["初中", "小学"] for v in series.values())  # the values: the next test


@pytest.fixture(scope="module")
def generated():
    """The rows the demo store was imported from (the same generator and seed as `eduplan demo`)."""
    data = build_district()
    return data, {s["school_code"]: s for s in data["school"]}


def test_engine_equals_the_independent_recomputation(balance_db, series, generated):
    """Each of the seven student-weighted coefficients and their mean (the plan's coefficient), for both
    levels and every year, from the store through the engine = from the generated rows by the formulas."""
    data, schools = generated
    with Store(balance_db, read_only=True) as s:
        for year in range(2016, 2026):
            r = evaluate_store(s, year, "2017", BalanceSettings(), checklist=False)
            for level in ("小学", "初中"):
                expected = balance_cvs(data, schools, year, level)
                assert [i.cv for i in r.levels[level].indicators] == pytest.approx(expected, abs=1e-9), (year, level)
                assert series[year][level] == pytest.approx(sum(expected) / 7, abs=1e-9), (year, level)


def test_2019_rounds_to_the_published_coefficients(series):
    assert (round(series[2019]["小学"], 3), round(series[2019]["初中"], 3)) == (0.382, 0.302)


def test_plan_indicator_tracks_the_targets(series):
    status = plan_indicator_status(series, BalanceSettings(), load_plan())
    assert status["indicator"] == "compulsory_balance_coefficient"
    assert status["published"][2019] == {"小学": 0.382, "初中": 0.302}
    final = {c["level"]: c for c in status["checks"] if c["target_year"] == 2025 and c["year"] == 2025}
    assert final["小学"]["target"] == "<0.5" and final["初中"]["target"] == "<0.45"
    assert final["小学"]["met"] is True and final["初中"]["met"] is True
    assert final["小学"]["target_label"] == "2025 年期末目标" and final["小学"]["text"] == "小学 2025 年期末目标 <0.5 已达成"
    assert series[2025]["小学"] < 0.5 and series[2025]["初中"] < 0.45
    # without a plan: no targets, never another district's
    bare = plan_indicator_status(series, BalanceSettings(), None)
    assert (bare["status"], bare["checks"], bare["targets"]) == ("无规划目标", [], {})


def test_2019_evaluation(balance_db):
    with Store(balance_db, read_only=True) as s:
        r = evaluate_store(s, 2019, "2017", BalanceSettings())
    for lvl, t in (("小学", 0.50), ("初中", 0.45)):
        lr = r.levels[lvl]
        assert all(i.cv <= t for i in lr.indicators) and lr.cv_passed
    # schools meeting every per-school standard (pinned: 5 小学 and 1 初中 fall short of at least one)
    assert {lvl: (lr.compliant_count, len(lr.schools)) for lvl, lr in r.levels.items()} == {
        "小学": (34, 39), "初中": (14, 15)}
    assert {e.type_code for e in r.excluded} == {"361", "514"}
    # judged against the plan bound to the district (the shipped one): 2019 is before 2020 — the next target
    # ahead is 2020's <0.55/<0.5, then the final 2025 one <0.5/<0.45
    assert r.plan_status["plan"]["id"] == "qiaokou-2021-2025"
    pairs = {(c["year"], c["target_year"], c["level"]): c["target"] for c in r.plan_status["checks"]}
    assert pairs[(2019, 2020, "小学")] == "<0.55" and pairs[(2019, 2025, "初中")] == "<0.45"
    assert r.official["thresholds"] == {"小学": 0.50, "初中": 0.45} and r.official["criterion"] == "国家标准"
    assert r.district["district_code"] == "420104"


def test_checklist_reads_judgements_and_leaves_two_open(balance_db, generated):
    with Store(balance_db, read_only=True) as s:
        r = evaluate_store(s, 2021, "2017", BalanceSettings())
    by_id = {c.item.id: c for c in r.checklist}
    pending = {i for i, c in by_id.items() if c.status == "待评估"}
    assert pending == {"G13_nearby_enrolment", "Q09_quality_monitoring"}
    for item in JUDGEMENT_ITEMS:
        if item.id not in pending:
            assert by_id[item.id].decided_by == "judgement" and by_id[item.id].evidence
    assert by_id["G04_school_size"].decided_by == "data"
    assert by_id["S01_social_recognition"].decided_by == "data"
    # Q01 is the official 初中三年巩固率 (methods.md §3), the same figure as the indicator engine's district value
    with Store(balance_db, read_only=True) as s:
        v = compute(s, load_definitions(), ["junior_retention_rate"]).values
    [engine] = v[(v.year == 2021) & (v.unit_type == "district")].value
    assert by_id["Q01_junior_retention"].value == pytest.approx(engine, abs=1e-9)
    assert engine == pytest.approx(junior_retention(*generated, 2021), abs=1e-9)  # recomputed from the rows


def test_2012_method_on_the_demo(balance_db):
    with Store(balance_db, read_only=True) as s:
        r = evaluate_store(s, 2019, "2012", BalanceSettings())
    # pinned (the 2012 formulas are worked by hand in test_balance_2012.py); both under 0.65 / 0.55
    assert r.levels["小学"].official_composite == pytest.approx(0.26616513082741705, abs=1e-9)
    assert r.levels["初中"].official_composite == pytest.approx(0.2182230462456862, abs=1e-9)
    assert r.checklist is None


def test_improvement_plan_for_2019(balance_db):
    settings = BalanceSettings()
    with Store(balance_db, read_only=True) as s:
        r = evaluate_store(s, 2019, "2017", settings, checklist=False)
    plan = plan_fixes(r.records, settings)  # (its speed: benchmarks, not here)
    # the least cost is unique even where several sets of actions reach it (pinned, in 元)
    assert (plan.status, round(plan.total_cost, 3)) == ("optimal", 5849702.0)
    after = evaluate_records(apply_actions(r.records, plan.actions), "2017", settings)
    assert all(lr.passed for lr in after.levels.values())


def test_year_without_data(balance_db):
    with Store(balance_db, read_only=True) as s, pytest.raises(NoData, match="2030"):
        evaluate_store(s, 2030)
