"""The 2012 基本均衡 method (methods.md §2): eight coefficients, their mean as the 综合差异系数 against
0.65 (小学) / 0.55 (初中)."""

from __future__ import annotations

import pytest

from eduplan.balance import evaluate_records
from eduplan.balance.data import SchoolRecord
from eduplan.balance.method2012 import INDICATORS
from eduplan.balance.settings import BalanceSettings

S = BalanceSettings()


def pair(level: str, type_code: str, books_b: float = 1000.0) -> list[SchoolRecord]:
    """Two schools of 100 pupils each; school A has three times school B's every quantity, so each
    coefficient is |a − b| / (a + b) = (3 − 1) / (3 + 1) = 0.5 (two equal weights: X̄ = (a+b)/2, S = |a−b|/2).
    `books_b` changes school B's books only."""
    def rec(name: str, k: float, books: float) -> SchoolRecord:
        section = dict(teachers=10 * k, qual=8 * k, backbone=1 * k, pe_art=1 * k, senior_title=4 * k)
        facilities = dict(teaching_area=500 * k, sports_area=800 * k, equipment=200_000 * k, multimedia_rooms=3 * k,
                          computers=12 * k, books=books)
        return SchoolRecord(name, name, type_code, {level: 100}, {level: section}, facilities)
    return [rec("甲", 3.0, 3000.0), rec("乙", 1.0, books_b)]


def test_eight_indicators_and_their_mean():
    lr = evaluate_records(pair("小学", "211"), "2012", S).levels["小学"]
    assert [i.spec.id for i in lr.indicators] == [s.id for s in INDICATORS] and len(INDICATORS) == 8
    assert all(i.cv == pytest.approx(0.5) for i in lr.indicators)
    assert lr.official_composite == pytest.approx(0.5) and lr.official_threshold == 0.65 and lr.passed


def test_composite_against_the_junior_threshold():
    # books of B = 0 → books CV = (3000 − 0)/(3000 + 0) = 1.0; composite = (7 × 0.5 + 1.0) / 8 = 0.5625
    lr = evaluate_records(pair("初中", "311", books_b=0.0), "2012", S).levels["初中"]
    assert lr.indicator("B5").cv == pytest.approx(1.0)
    assert lr.official_composite == pytest.approx(0.5625)
    assert lr.official_threshold == 0.55 and lr.passed is False
    # the same numbers pass for 小学 (0.5625 ≤ 0.65)
    assert evaluate_records(pair("小学", "211", books_b=0.0), "2012", S).levels["小学"].passed is True


def test_composite_at_the_threshold_passes():
    # books of B = 3000·(1 − 0.9)/(1 + 0.9) → books CV 0.9; composite (3.5 + 0.9) / 8 = 0.55
    lr = evaluate_records(pair("初中", "311", books_b=3000 * 0.1 / 1.9), "2012", S).levels["初中"]
    assert lr.official_composite == pytest.approx(0.55) and lr.passed is True


def test_plan_coefficient_rule_does_not_change_the_official_composite():
    recs = pair("初中", "311", books_b=0.0)
    lr = evaluate_records(recs, "2012", BalanceSettings(composite="max")).levels["初中"]
    assert lr.composite == pytest.approx(1.0) and lr.official_composite == pytest.approx(0.5625)


def test_2012_has_no_school_compliance():
    lr = evaluate_records(pair("小学", "211"), "2012", S).levels["小学"]
    assert all(s.compliant is None and s.met is None for s in lr.schools)
    assert lr.schools[0].values["B6"] == pytest.approx(0.3)  # 师生比: 30 teachers / 100 pupils
    assert lr.schools[0].values["B4"] == pytest.approx(36.0)  # computers per 100 pupils
