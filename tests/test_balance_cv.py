"""The student-weighted 差异系数 (methods.md §1.2), checked against numbers worked by hand."""

from __future__ import annotations

import math

import pytest

from eduplan.balance.cv import weighted_cv

# Three schools, one indicator (raw totals R_i, students P_i):
#   A: R = 1000, P = 200 → x = 5
#   B: R =  200, P = 100 → x = 2
#   C: R =  400, P = 100 → x = 4
# P = 400, ΣR = 1600, X̄ = ΣR / P = 4            (the unweighted mean of x would be 11/3 = 3.667)
# S² = 0.5·(5−4)² + 0.25·(2−4)² + 0.25·(4−4)² = 0.5 + 1 + 0 = 1.5,  S = 1.224745
# CV = S / X̄ = 0.306186
# Unweighted (population) CV: mean 3.6667, deviations 1.3333, −1.6667, 0.3333 → var 4.6667/3 = 1.5556,
#   sd 1.2472, CV 0.34015.   Sample (n−1) CV: var 4.6667/2 = 2.3333, sd 1.5275, CV 0.41660.
# Variance shares: A 0.5/1.5 = 1/3, B 1/1.5 = 2/3, C 0.
R, P = [1000, 200, 400], [200, 100, 100]


def test_weighted_cv_by_hand():
    res = weighted_cv(R, P)
    assert res.x == (5.0, 2.0, 4.0)
    assert res.mean == pytest.approx(4.0)
    assert res.sd == pytest.approx(math.sqrt(1.5))
    assert res.cv == pytest.approx(0.306186, abs=1e-6)
    assert round(res.cv, 3) == 0.306


def test_weighted_cv_differs_from_the_unweighted_and_the_sample_one():
    x = [r / p for r, p in zip(R, P)]
    m = sum(x) / 3
    unweighted = math.sqrt(sum((v - m) ** 2 for v in x) / 3) / m
    sample = math.sqrt(sum((v - m) ** 2 for v in x) / 2) / m
    assert unweighted == pytest.approx(0.34015, abs=1e-5)
    assert sample == pytest.approx(0.41660, abs=1e-5)
    cv = weighted_cv(R, P).cv
    assert abs(cv - unweighted) > 0.03 and abs(cv - sample) > 0.1


def test_mean_is_district_total_over_district_students():
    # X̄ = 1600 / 400 = 4, not the mean of the per-student values 3.667
    assert weighted_cv(R, P).mean == pytest.approx(4.0)
    assert weighted_cv(R, P).mean != pytest.approx(11 / 3)


def test_variance_shares_by_hand():
    shares = weighted_cv(R, P).shares
    assert shares == pytest.approx((1 / 3, 2 / 3, 0.0))
    assert sum(shares) == pytest.approx(1.0)


def test_scale_invariance_of_the_per_hundred_factor():
    # ×100 for 每百名 indicators changes X̄ and S, not the CV
    assert weighted_cv([r * 100 for r in R], P).cv == pytest.approx(weighted_cv(R, P).cv)


def test_equal_values_give_zero_and_no_shares():
    res = weighted_cv([300, 150], [100, 50])
    assert res.cv == 0.0 and res.shares == (None, None)


def test_zero_mean_is_not_computable():
    res = weighted_cv([0, 0], [100, 50])
    assert res.cv is None and "X̄" in res.reason


def test_schools_need_students():
    with pytest.raises(ValueError):
        weighted_cv([1, 2], [0, 10])
