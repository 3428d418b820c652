"""The forecast on the widened hand-worked district (tests/hand_wide.py): flow rates per grade from stored
repeaters and transfers, the projection they drive, the 公办/民办 split and the ceil of the staffing
norm in the resources, and the capacity of the opening and the closing school. Every figure by hand."""

from __future__ import annotations

import math
from datetime import date

import pytest

from eduplan.forecast import ForecastSettings, run_forecast
from eduplan.store import Store
from hand_wide import A, B, C, D, GRADUATES, JG, N, O, P, STEADY, J, shared_store

EXACT = dict(rel=1e-12, abs=1e-12)


@pytest.fixture(scope="module")
def hand_wide_store(tmp_path_factory):
    return shared_store(tmp_path_factory)


@pytest.fixture(scope="module")
def fc(hand_wide_store):
    with Store(hand_wide_store, read_only=True) as s:
        return run_forecast(s, "baseline", ForecastSettings(), as_of=date(2019, 12, 31))


def _sum(grade: str, k: int, schools=(A, B, N, J)) -> int:
    """Σ over the stationary schools of column k (0 E, 1 R, 2 tin, 3 tout, 4 deaths) of a grade."""
    return sum(STEADY[s][grade][k] for s in schools if grade in STEADY[s])


def test_pairs_pooled_and_the_opening_and_closing_school_left_out(fc):
    assert fc.base_year == 2019
    # three pairs 2016–17, 17–18, 18–19; C (长丰小学, last pupils 2017) closes in the pairs touching its
    # closing, O (汉江湾小学, first pupils 2018) opens in those touching its opening; C is in QK01 in 2017
    # (a pair's schools stand in their 学区 of t+1, so C counts in QK01 in 2016–17 too)
    assert fc.rates[D].pairs == [2016, 2017, 2018]
    assert fc.rates["QK01"].left_out == [f"{C}·小学 2016–2017", f"{C}·小学 2017–2018"]
    assert fc.rates["QK02"].left_out == [f"{O}·小学 2017–2018", f"{O}·小学 2018–2019"]
    assert fc.rates[D].left_out == [f"{C}·小学 2016–2017", f"{C}·小学 2017–2018",
                                    f"{O}·小学 2017–2018", f"{O}·小学 2018–2019"]
    # those pairs are left out of the area's 小学 for all its schools: QK01 keeps 2018–19 (A + B), QK02
    # 2016–17 (N), the district none; 初中 (N, J) opens and closes nothing and keeps the three pairs
    assert fc.rates["QK01"].pooled == {"小学": [2018], "初中": [2016, 2017, 2018], "高中": [2016, 2017, 2018],
                                       "中职": [2016, 2017, 2018]}
    assert fc.rates["QK02"].pooled["小学"] == [2016] and fc.rates["QK02"].pooled["初中"] == [2016, 2017, 2018]
    assert fc.rates[D].pooled["小学"] == [] and fc.rates[D].pooled["初中"] == [2016, 2017, 2018]
    # every grade had its repeaters filled in: the zones take nothing from the settings for 小学 and 初中
    # (高中/中职: no such schools); the district has no steady 小学 pair (its 小学 and 初中 are the sums of
    # its zones, so these rates are shown, not used) and no pair steady for both 小学 and 初中 to read P6 → J1
    assert fc.rates["QK01"].fallback == fc.rates["QK02"].fallback == ["transition:高中", "transition:中职"]
    assert fc.rates[D].fallback == ["unsteady:小学", "intake:小学", "transition:初中", "transition:高中",
                                    "transition:中职"]


# 小学 rates per 学区, from the one pair each keeps (QK01: A + B in 2018–19; QK02: N in 2016–17), and the
# district's 初中 rates, pooled over three identical pairs of N + J:
#   zone  grade  E    R    tin  tout  d    repetition  promotion                       dropout = (tout + d − tin)/E
#   QK01  P1    240   4     4     7   0    4/240      (235 − 2)/240 = 233/240          3/240
#   QK01  P2    235   2     6     3   0    2/235      (238 − 2)/235 = 236/235          −3/235  (net transfers in)
#   QK01  P5    234   1     5     2   1    1/234      (235 − 0)/234 = 235/234          −2/234
#   QK01  P6    235   0     3     4   0    0          graduates (174 + 60)/235 = 234/235        1/235
#   QK02  P1    285   5     4     6   0    5/285      (281 − 3)/285 = 278/285          2/285
#   QK02  P6    280   1     2     3   0    1/280      graduates 278/280                1/280
#   J1     470   6     5     8   0    6/470      (465 − 4)/470 = 461/470          3/470
#   J2     465   4     5     6   1    4/465      (462 − 3)/465 = 459/465          2/465
#   J3     462   3     2     4   0    3/462      graduates (260 + 197)/462 = 457/462        2/462
ZONE_PRIMARY = {("QK01", "P1"): (4 / 240, 233 / 240, 3 / 240), ("QK01", "P2"): (2 / 235, 236 / 235, -3 / 235),
                ("QK01", "P5"): (1 / 234, 235 / 234, -2 / 234), ("QK01", "P6"): (0.0, 234 / 235, 1 / 235),
                ("QK02", "P1"): (5 / 285, 278 / 285, 2 / 285), ("QK02", "P6"): (1 / 280, 278 / 280, 1 / 280)}
DISTRICT_RATES = {
    "J1": (6 / 470, 461 / 470, 3 / 470), "J2": (4 / 465, 459 / 465, 2 / 465), "J3": (3 / 462, 457 / 462, 2 / 462),
}


def test_flow_rates_per_grade_from_repeaters_and_transfers(fc):
    for (zone, g), (rep, prom, drop) in ZONE_PRIMARY.items():
        r = fc.rates[zone]
        assert (r.repetition[g], r.promotion[g], r.dropout[g]) == (
            pytest.approx(rep, **EXACT), pytest.approx(prom, **EXACT), pytest.approx(drop, abs=1e-12)), (zone, g)
    r = fc.rates[D]
    for g, (rep, prom, drop) in DISTRICT_RATES.items():
        assert (r.repetition[g], r.promotion[g], r.dropout[g]) == (
            pytest.approx(rep, **EXACT), pytest.approx(prom, **EXACT), pytest.approx(drop, abs=1e-12)), g
    # the same figures from the table's columns: repetition R/E, dropout the net movements (转出 + 死亡 −
    # 转入) of the grade over its pupils — transfers in every grade are what moves promotion off 1 − r
    assert GRADUATES[(A, "P6")] + GRADUATES[(B, "P6")] == 234 and GRADUATES[(N, "P6")] == 278
    for area, grades, schools in (("QK01", P, (A, B)), ("QK02", P, (N,)), (D, JG, (N, J))):
        for g in grades:
            e, rep, tin, tout, d = (_sum(g, k, schools) for k in range(5))
            assert fc.rates[area].repetition[g] == pytest.approx(rep / e, **EXACT)
            assert fc.rates[area].dropout[g] == pytest.approx((tout + d - tin) / e, abs=1e-12)
    # the district's 小学 has no pair left (C's closing, O's opening): no repetition, full promotion, the
    # settings' intake (1.0) and transition into 初中 (1.0) — listed in `fallback`, never used (the
    # district's 小学 and 初中 are the sums of its zones)
    assert (r.repetition["P1"], r.promotion["P1"], r.intake["小学"], r.transition["初中"]) == (0.0, 1.0, 1.0, 1.0)


def test_zone_rates(fc):
    q1, q2 = fc.rates["QK01"], fc.rates["QK02"]
    # QK01 小学 = A + B over 2018–19: intake (176 + 60) / 330 (the 6-year-olds of 2019, cohort 2013) = 236 / 330
    # (before, C alone left out and three pairs pooled: 3 × 236 / (310 + 320 + 330) = 708 / 960); P1 repetition
    # 4 / 240
    assert q1.intake["小学"] == pytest.approx(236 / 330, **EXACT)
    assert q1.repetition["P1"] == pytest.approx(4 / 240, **EXACT)
    assert q1.promotion["P1"] == pytest.approx((235 - 2) / 240, **EXACT)
    # QK01 初中 = J, fed by the P6 of A + B (the 民办 B's leavers count), over the one pair steady for both
    # 小学 and 初中 (2018–19): (200 − 2) / (175 + 60)
    assert q1.transition["初中"] == pytest.approx(198 / 235, **EXACT)
    # QK02 = N over 2016–17 (O's opening touches the two later pairs): intake 280 / 360 (cohort 2011; before,
    # O alone left out: 3 × 280 / 1,110); P1 r = 5/285, p = (281 − 3)/285
    assert q2.intake["小学"] == pytest.approx(280 / 360, **EXACT)
    assert (q2.repetition["P1"], q2.promotion["P1"]) == (pytest.approx(5 / 285, **EXACT),
                                                         pytest.approx(278 / 285, **EXACT))
    assert (q2.repetition["P2"], q2.promotion["P2"]) == (pytest.approx(3 / 281, **EXACT),
                                                         pytest.approx(280 / 281, **EXACT))
    assert q2.transition["初中"] == pytest.approx(266 / 280, **EXACT)


def test_projection_uses_the_stored_repeaters(fc):
    e = fc.enrolment["QK02"]
    # base year 2019 of QK02 = N + O: P1 285 + 92 = 377, P2 281 + 90 = 371, P3 282
    assert (e[2019]["P1"], e[2019]["P2"], e[2019]["P3"]) == (377, 371, 282)
    # the 6-year-olds of 2020 are the cohort born 2014: 250 + 140 = 390 (the observed series has no losses)
    pop6 = fc.population["QK02"][2020][6]
    assert pop6 == pytest.approx(390, abs=1e-9)
    # P1(2020) = intake × P(2020, 6) + r(P1) × E(P1, 2019) = 280/360 × 390 + 5/285 × 377 = 303.333 + 6.614 = 309.9474…
    # (repeaters ignored: 285/360 × 390 = 308.75)
    assert e[2020]["P1"] == pytest.approx(280 / 360 * 390 + 5 / 285 * 377, rel=1e-12)
    assert e[2020]["P1"] == pytest.approx(309.9474, abs=1e-4)
    # P2(2020) = p(P1) × E(P1, 2019) + r(P2) × E(P2, 2019) = 278/285 × 377 + 3/281 × 371 = 371.7012…
    # (repeaters ignored: 281/285 × 377 = 371.7088)
    assert e[2020]["P2"] == pytest.approx(278 / 285 * 377 + 3 / 281 * 371, rel=1e-12)
    # P3(2020) = 280/281 × 371 + 2/282 × 282 = 371.6797…; repeaters ignored: 282/281 × 371 = 372.32
    assert e[2020]["P3"] == pytest.approx(280 / 281 * 371 + 2, rel=1e-12)
    assert e[2020]["P3"] == pytest.approx(371.6797, abs=1e-4)
    # QK01 (A + B, stationary): P1(2020) = 236/330 × 340 + 4/240 × 240 = 243.1515… + 4 = 247.1515…
    assert fc.population["QK01"][2020][6] == pytest.approx(340, abs=1e-9)
    assert fc.enrolment["QK01"][2020]["P1"] == pytest.approx(236 / 330 * 340 + 4, rel=1e-12)
    # the district's 小学 and 初中 are the sums of its zones
    assert fc.enrolment[D][2020]["P1"] == pytest.approx(236 / 330 * 340 + 4 + e[2020]["P1"], rel=1e-12)


def test_resources_count_only_public_pupils_and_round_up(fc):
    base = fc.resources[0]
    assert base["year"] == 2019
    v = base["levels"]["小学"]
    # 小学 2019: A 1,059 + B 358 (民办) + N 1,687 + O 182 = 3,286; 民办 share 358 / 3,286
    assert (v["pupils"], v["pupils_public"], v["pupils_private"]) == (3286, 2928, 358)
    assert v["private_share"] == round(358 / 3286, 4) == 0.1089
    # staff needed = ⌈2,928 / 19⌉ = ⌈154.105⌉ = 155 (round would give 154; all 3,286 pupils: 173)
    assert v["staff_needed"] == 155 == math.ceil(2928 / 19) != round(2928 / 19)
    # 公办 staff: A 62 + N 95 + O 10 = 167 (B's 20 are 民办, beside them); gap 155 − 167 = −12
    assert (v["staff_current"], v["staff_priced"], v["staff_gap"]) == (167, 167, -12)
    # 民办: ⌈358 / 19⌉ = ⌈18.84⌉ = 19 needed, 20 now
    assert (v["staff_private_needed"], v["staff_private_current"]) == (19, 20)
    # classes: ⌈1,417 / 45⌉ + ⌈1,869 / 45⌉ = 32 + 42 = 74 needed; (1,620 + 2,970) / 45 = 102 available
    assert (v["classes_needed"], v["classes_available"]) == (74, 102)
    j = base["levels"]["初中"]
    # 初中 2019: N 800 + J 597 = 1,397, all 公办; ⌈1,397 / 13.5⌉ = ⌈103.48⌉ = 104 (round: 103); staff 70 + 54
    assert (j["pupils"], j["pupils_private"], j["staff_needed"], j["staff_current"]) == (1397, 0, 104, 124)
    # classes: ⌈597 / 50⌉ + ⌈800 / 50⌉ = 12 + 16 = 28; places (600 + 900) / 50 = 30
    assert (j["classes_needed"], j["classes_available"]) == (28, 30)


def test_capacity_of_the_base_year_schools(fc):
    # places = 设计办学规模班数 × the level's share of the school's classes × class size (45 / 50):
    # A 24 × 45; B 12 × 45 (民办 places count: its pupils are in the need); N 60 × 42/60 × 45 and
    # 60 × 18/60 × 50; J 12 × 50; O (opened 2018) 24 × 45; C (closed 2018) has no base-year pupils: none
    places = {(sc.school_code, sc.level): (sc.places, sc.basis) for sc in fc.schools}
    assert places == {(A, "小学"): (1080, "design"), (B, "小学"): (540, "design"), (N, "小学"): (1890, "design"),
                      (N, "初中"): (900, "design"), (J, "初中"): (600, "design"), (O, "小学"): (1080, "design")}
    # per 学区 and year (no projects; no plan: the horizon is the base year + 5): QK01 小学 A + B = 1,620;
    # QK02 小学 N + O = 2,970; 初中 600 / 900
    assert sorted(fc.capacity[("QK01", "小学")]) == [2019, 2020, 2021, 2022, 2023, 2024]
    for t in (2019, 2024):
        assert {k: v[t].available for k, v in fc.capacity.items() if k[1] in ("小学", "初中")} == {
            ("QK01", "小学"): 1620, ("QK02", "小学"): 2970, ("QK01", "初中"): 600, ("QK02", "初中"): 900}


def test_a_backtest_from_2017_counts_the_closing_school_not_the_opening_one(hand_wide_store):
    with Store(hand_wide_store, read_only=True) as s:
        f = run_forecast(s, "baseline", ForecastSettings(base_year=2017), as_of=date(2017, 12, 31))
    # from base year 2017: C (in QK01 that year, 8 × 6 = 48 design classes) is open — its 撤并 in 2018 lies
    # after the base year and is not read (no look-ahead); O does not exist yet
    places = {(sc.school_code, sc.level): sc.places for sc in f.schools}
    assert places[(C, "小学")] == 48 * 45 and (O, "小学") not in places
    assert f.capacity[("QK01", "小学")][2018].available == 1080 + 540 + 2160
    assert f.capacity[("QK02", "小学")][2018].available == 1890
    # one pair (2016, 2017), with C in it: its last year with pupils, 2017, is the last year this backtest
    # sees, so it is not a closing — nothing is left out
    assert f.rates[D].pairs == [2016] and f.rates[D].left_out == []


def test_need_against_places_in_qk01(fc):
    # QK01 小学 2020 (A + B, the 民办 B's pupils and places both counted): P1 247.1515… (above) and P2–P6 as in
    # the steady state — P2 = (235 − 2)/240 × 240 + 2/235 × 235 = 235, then 238, 235, 234, 235 — in all
    # 247.1515… + 1,177 = 1,424.1515… pupils against 1,620 places: no shortage
    r = fc.gap_row("QK01", "小学", 2020)
    assert (r.need, r.existing, r.projects) == (pytest.approx(236 / 330 * 340 + 4 + 1177, rel=1e-12), 1620, [])
    assert [g for g in P if fc.enrolment["QK01"][2020][g] != pytest.approx(fc.enrolment["QK01"][2019][g])] == ["P1"]


def test_a_merger_within_the_zone_leaves_its_rates_steady(tmp_path):
    from eduplan.ingest import import_files
    from hand_wide import merged_data
    from helpers import write_small

    with Store(tmp_path / "m.duckdb") as s:
        assert import_files(s, write_small(tmp_path, merged_data()), user="统计科").ok
        f = run_forecast(s, "baseline", ForecastSettings(), as_of=date(2019, 12, 31))
    q = f.rates["QK01"]
    # QK01 小学 holds A + B + C in every year (C's pupils in A from 2018): per grade P1 180 + 60 + 340 = 580,
    # P2 176 + 59 + 340 = 575 with 2 repeaters — in every pair p(P1) = (575 − 2) / 580 = 573 / 580 = 0.988.
    # C's closing (last pupils 2017) touches 2016–17 and 2017–18: both left out for all of QK01's 小学 (before,
    # C alone was, and A's grown 2018 grades were pooled over A + B's 2017 ones: p(P1) = 1.30, intake 1.45,
    # QK01 小学 4,306 in 2020 and 7,213 by 2024 from the 3,457 of 2019); 2018–19 remains
    assert q.pooled["小学"] == [2018] and q.left_out == [f"{C}·小学 2016–2017", f"{C}·小学 2017–2018"]
    assert q.promotion["P1"] == pytest.approx(573 / 580, rel=1e-12)
    # intake: (240 − 4 + 340) new pupils over the 330 6-year-olds of 2019 (cohort 2013): 576 / 330 = 1.745
    assert q.intake["小学"] == pytest.approx(576 / 330, rel=1e-12)
    # 2020: P1 = 576/330 × 340 (the cohort born 2014) + 4/580 × 580 = 593.4545… + 4, P2–P6 steady 575 + 578 +
    # 575 + 574 + 575 = 2,877: 3,474.4545… pupils (= 38,219 / 11)
    assert sum(f.enrolment["QK01"][2020][g] for g in P) == pytest.approx(38219 / 11, rel=1e-12)
    # to 2024 with the one-pair rates of A + B + C (E, R per grade from the table in hand_wide.py) and the
    # 6-year-olds 340, 350, 360, 370, 380 (cohorts 2014–2018): 3,718.2 in 2024 (the product before: 7,213)
    e = {g: sum(STEADY[s][g][0] for s in (A, B)) + 340 for g in P}
    rep = {g: sum(STEADY[s][g][1] for s in (A, B)) for g in P}
    for t in range(2020, 2025):
        assert f.population["QK01"][t][6] == pytest.approx(340 + 10 * (t - 2020), abs=1e-9)
    proj = dict(e)
    for t in range(2020, 2025):
        proj = {"P1": 576 / 330 * (340 + 10 * (t - 2020)) + rep["P1"] / e["P1"] * proj["P1"],
                **{g: (e[g] - rep[g]) / e[below] * proj[below] + rep[g] / e[g] * proj[g] for below, g in zip(P, P[1:])}}
    assert sum(f.enrolment["QK01"][2024][g] for g in P) == pytest.approx(sum(proj.values()), rel=1e-12)
    assert sum(proj.values()) == pytest.approx(3718.24, abs=0.005)
