"""优质均衡 (教督〔2017〕6号) on the widened hand-worked district (tests/hand_wide.py): the 民办 小学 is
evaluated (methods.md §1: every public and private compulsory school), the nine-year school is one unit
in 小学 and one in 初中 with its facilities split 1 : 1.1 by students (methods.md §1.3), the opening and
the closing school are evaluated in the years they have pupils, and the 学校规模 item puts the closing
小学 (2,040 > 2,000) over and the nine-year school (2,487 ≤ 2,500) under its ceiling. Every coefficient
is recomputed here from the hand-written totals with the formula of methods.md §1.2, to 1e-12."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from eduplan.balance import evaluate_store
from eduplan.store import Store
from hand_wide import A, B, C, N, O, J, shared_store

# N in every year: 小学 A = 1,687, 初中 B = 800 pupils → weighted 1,687 + 1.1 × 800 = 2,567
N_PRIMARY, N_JUNIOR = Fraction(1687, 2567), Fraction(880, 2567)

# Raw totals R_i per school and indicator (teachers of the section; facility totals of the school, N's
# split below), from the tables in hand_wide.py. L1 小学 = 研 + 本 + 专, 初中 = 研 + 本; L2 区 + 市 + 省 骨干;
# L3 体 + 音 + 美; L4 教学辅助用房 ㎡; L5 体育 ㎡; L6 设备 万元 × 10,000 元; L7 多媒体教室.
PRIMARY = {  # school: (pupils, L1, L2, L3, L4, L5, L6, L7); N's facilities are its school totals here
    A: (1059, 55, 4, 8, 5400, 8000, 2_200_000, 26),
    B: (358, 17, 0, 2, 1500, 2000, 600_000, 12),
    N: (1687, 84, 7, 12, 11000, 15000, 5_200_000, 62),
    O: (182, 9, 0, 2, 4800, 7000, 2_400_000, 24),
    C: (2040, 117, 5, 12, 7000, 9000, 3_000_000, 40),
}
JUNIOR = {
    N: (800, 57, 6, 8, 11000, 15000, 5_200_000, 62),
    J: (597, 43, 3, 5, 3600, 6000, 1_600_000, 13),
}
FACTOR = {"L1": 100, "L2": 100, "L3": 100, "L4": 1, "L5": 1, "L6": 1, "L7": 100}
IDS = ("L1", "L2", "L3", "L4", "L5", "L6", "L7")


def hand_cv(totals: list[Fraction], pupils: list[int]) -> float:
    """methods.md §1.2 in exact arithmetic: x_i = R_i / P_i, X̄ = ΣR / ΣP, S² = Σ (P_i / P)(x_i − X̄)², CV = S / X̄."""
    p = sum(pupils)
    mean = sum(totals) / p
    var = sum(Fraction(pi, p) * (r / pi - mean) ** 2 for r, pi in zip(totals, pupils))
    return math.sqrt(var) / float(mean)


def hand_totals(table: dict, codes: list[str], k: int, n_share: Fraction) -> tuple[list[Fraction], list[int]]:
    ind = IDS[k]
    totals = []
    for code in codes:
        r = Fraction(table[code][1 + k]) * FACTOR[ind]
        if code == N and ind in ("L4", "L5", "L6", "L7"):
            r *= n_share  # a facility total of the nine-year school, split by weighted students
        totals.append(r)
    return totals, [table[c][0] for c in codes]


@pytest.fixture(scope="module")
def hand_wide_store(tmp_path_factory):
    return shared_store(tmp_path_factory)


@pytest.fixture(scope="module")
def results(hand_wide_store):
    with Store(hand_wide_store, read_only=True) as s:
        return {t: evaluate_store(s, t) for t in (2017, 2019)}


def test_units_per_year_private_in_nine_year_split(results):
    r19, r17 = results[2019], results[2017]
    # 2019: 小学 A, B (民办, evaluated), N's 小学部, O (opened 2018); 初中 N's 初中部, J; nobody left out
    assert [s.code for s in r19.levels["小学"].schools] == [A, B, N, O]
    assert [s.code for s in r19.levels["初中"].schools] == [N, J]
    assert r19.excluded == [] and r17.excluded == []
    # 2017: C (closed 2018) instead of O
    assert [s.code for s in r17.levels["小学"].schools] == [A, B, N, C]
    # N's facility shares: 1,687 / (1,687 + 1.1 × 800) and 1.1 × 800 / 2,567 (not 1,687 / 2,487)
    n_p = next(s for s in r19.levels["小学"].schools if s.code == N)
    n_j = next(s for s in r19.levels["初中"].schools if s.code == N)
    assert n_p.facility_share == pytest.approx(1687 / 2567, rel=1e-12) and n_j.facility_share == pytest.approx(880 / 2567, rel=1e-12)
    assert (n_p.pupils, n_j.pupils) == (1687, 800)


@pytest.mark.parametrize("ind", IDS)
def test_coefficients_2019_against_the_hand_formula(results, ind):
    k = IDS.index(ind)
    levels = results[2019].levels
    for level, table, codes, share in (("小学", PRIMARY, [A, B, N, O], N_PRIMARY), ("初中", JUNIOR, [N, J], N_JUNIOR)):
        res = next(i for i in levels[level].indicators if i.spec.id == ind)
        totals, pupils = hand_totals(table, codes, k, share)
        assert res.cv == pytest.approx(hand_cv(totals, pupils), rel=1e-12, abs=1e-12), (level, ind)
        assert res.mean == pytest.approx(float(sum(totals) / sum(pupils)), rel=1e-12), (level, ind)


def test_coefficients_2017_with_the_closing_school(results):
    levels = results[2017].levels
    for k, ind in enumerate(IDS):
        res = next(i for i in levels["小学"].indicators if i.spec.id == ind)
        totals, pupils = hand_totals(PRIMARY, [A, B, N, C], k, N_PRIMARY)
        assert res.cv == pytest.approx(hand_cv(totals, pupils), rel=1e-12, abs=1e-12), ind


def test_the_split_weight_and_the_private_school_move_the_coefficient(results):
    """The figures above are sensitive to what they test: an unweighted split of N (1,687 / 2,487), or the
    民办 B left out, gives another 小学 L4 coefficient."""
    res = next(i for i in results[2019].levels["小学"].indicators if i.spec.id == "L4")
    unweighted = hand_cv(*hand_totals(PRIMARY, [A, B, N, O], 3, Fraction(1687, 2487)))
    without_b = hand_cv(*hand_totals(PRIMARY, [A, N, O], 3, N_PRIMARY))
    assert abs(res.cv - unweighted) > 1e-3 and abs(res.cv - without_b) > 1e-3
    # L4 小学 2019 by hand: x = 5,400/1,059 = 5.099, 1,500/358 = 4.190, 11,000/2,567 = 4.285, 4,800/182 = 26.374;
    # X̄ = (5,400 + 1,500 + 7,229.06 + 4,800) / 3,286 = 18,929.06 / 3,286 = 5.7605
    assert res.mean == pytest.approx((5400 + 1500 + 11000 * 1687 / 2567 + 4800) / 3286, rel=1e-12)
    assert round(res.mean, 4) == 5.7605


def test_school_size_item(results):
    item = {r.item.id: r for r in results[2017].checklist}["G04_school_size"]
    # 2017: C 2,040 > 2,000 (小学); N 2,487 ≤ 2,500 (九年一贯制) is not named
    assert (item.status, item.value, item.detail) == ("未达标", 1.0, "超规模学校：长丰小学（2040 人 > 2000）")
    item = {r.item.id: r for r in results[2019].checklist}["G04_school_size"]
    assert (item.status, item.value, item.detail) == ("达标", 0.0, "所有学校规模符合")


def test_junior_retention_item(results):
    item = {r.item.id: r for r in results[2019].checklist}["Q01_junior_retention"]
    # as the indicator: (457 − 12 + 18) ÷ (470 − 1) = 98.72 % ≥ 95 %
    assert item.status == "达标" and item.value == pytest.approx(463 / 469 * 100, rel=1e-12)
    assert item.detail == "(457 − 12 + 18) ÷ (470 − 1) = 98.72%（2016 级初一）"


def _composite(table: dict, codes: list[str], share: Fraction, pupils: dict[str, int] | None = None) -> float:
    """The plan's single coefficient of a level: the mean of its seven hand coefficients (setting composite)."""
    t = {c: ((pupils or {}).get(c, table[c][0]), *table[c][1:]) for c in codes}
    return sum(hand_cv(*hand_totals(t, codes, k, share)) for k in range(7)) / 7


def test_plan_coefficient_series_each_year(results, hand_wide_store):
    from eduplan.indicators import compute, load_definitions

    # 2016 and 2017 (A, B, N, C: C is in QK02, then QK01 — the evaluation is district-wide, the same figure);
    # 2018: O with its first 90 pupils (same staff and buildings: the highest per-pupil values); 2019: O 182
    hand = {
        2016: _composite(PRIMARY, [A, B, N, C], N_PRIMARY), 2017: _composite(PRIMARY, [A, B, N, C], N_PRIMARY),
        2018: _composite(PRIMARY, [A, B, N, O], N_PRIMARY, {O: 90}), 2019: _composite(PRIMARY, [A, B, N, O], N_PRIMARY),
    }
    junior = _composite(JUNIOR, [N, J], N_JUNIOR)  # N and J are the same every year
    series = results[2019].plan_status["series"]
    assert sorted(series) == [2016, 2017, 2018, 2019]
    for t, v in hand.items():
        assert series[t]["小学"] == pytest.approx(v, rel=1e-12) and series[t]["初中"] == pytest.approx(junior, rel=1e-12)
    assert (round(hand[2017], 3), round(hand[2018], 3), round(hand[2019], 3), round(junior, 3)) == (
        0.174, 0.920, 0.593, 0.117)
    # the plan indicator 义务教育优质均衡系数 computed by the indicator engine is the same series
    with Store(hand_wide_store, read_only=True) as s:
        v = compute(s, load_definitions(), ["compulsory_balance_coefficient"]).values
    got = {(r.year, r.bval): r.value for r in v.itertuples()}
    assert got[(2018, "小学")] == pytest.approx(hand[2018], rel=1e-12)
    assert got[(2019, "初中")] == pytest.approx(junior, rel=1e-12)


def test_rotation_counts_only_public_schools(results):
    # 交流轮岗 is a rule for 公办 schools (checklist_items G11): 2019 A 4 + N 6 + 5 + J 4 + O 0 = 19 moved of
    # 40 + 60 + 50 + 30 + 5 = 185 eligible = 10.27 % ≥ 10 %; 骨干 1 + 2 + 1 + 1 = 5 of 19 = 26.3 % ≥ 20 %.
    # With the 民办 B (10 eligible, none moved) it would be 19 / 195 = 9.74 %: not met.
    item = {r.item.id: r for r in results[2019].checklist}["G11_rotation"]
    assert (item.status, item.value) == ("达标", pytest.approx(100 * 19 / 185, rel=1e-12))
    assert item.detail == "交流轮岗 10.3%（19 / 185），其中骨干 26.3%（5 / 19）"
    # 2017: C instead of O: (19 − 0 + 8) / (185 − 5 + 80) = 27 / 260; 骨干 (5 + 2) / 27
    item = {r.item.id: r for r in results[2017].checklist}["G11_rotation"]
    assert item.detail == "交流轮岗 10.4%（27 / 260），其中骨干 25.9%（7 / 27）"


def test_the_same_schools_as_a_supervisors_spreadsheet(results, tmp_path):
    """The 2019 schools written as the one-sheet file a supervisor holds (eduplan balance --input): the
    same seven coefficients per level as from the store, and the same hand figures."""
    import csv

    from eduplan.balance import evaluate_file

    teachers = {  # (school, level): 专任, 高于规定学历, 骨干, 体艺 — hand_wide.TEACHERS summed by hand
        (A, "小学"): (56, 55, 4, 8), (B, "小学"): (18, 17, 0, 2), (N, "小学"): (86, 84, 7, 12),
        (O, "小学"): (9, 9, 0, 2), (N, "初中"): (62, 57, 6, 8), (J, "初中"): (48, 43, 3, 5)}
    rows = [  # name, type, 小学, 初中 pupils, facilities (㎡, ㎡, 万元, rooms)
        (A, "小学", 1059, None, 5400, 8000, 220, 26), (B, "小学", 358, None, 1500, 2000, 60, 12),
        (N, "九年一贯制", 1687, 800, 11000, 15000, 520, 62), (J, "初中", None, 597, 3600, 6000, 160, 13),
        (O, "小学", 182, None, 4800, 7000, 240, 24)]
    head = ["学校标识码", "学校名称", "学校类型", "小学在校生数", "初中在校生数",
            *(f"{lvl}{q}" for lvl in ("小学", "初中") for q in ("专任教师数", "高于规定学历教师数", "县级以上骨干教师数",
                                                             "体育艺术专任教师数")),
            "教学及辅助用房面积", "体育运动场馆面积", "教学仪器设备值（万元）", "网络多媒体教室数"]
    path = tmp_path / "学校数据.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        for code, kind, p, j, *fac in rows:
            cells = [code, f"学校{code[-1]}", kind, "" if p is None else p, "" if j is None else j]
            for lvl in ("小学", "初中"):
                cells += list(teachers.get((code, lvl), ("", "", "", "")))
            w.writerow(cells + fac)
    got = evaluate_file(path)
    for level in ("小学", "初中"):
        mine = {i.spec.id: i.cv for i in got.levels[level].indicators}
        store = {i.spec.id: i.cv for i in results[2019].levels[level].indicators}
        assert None not in mine.values() and mine == pytest.approx(store, rel=1e-12), level
    # and the 学校规模 item from the file alone: N's 2,487 ≤ 2,500
    item = {r.item.id: r for r in got.checklist}["G04_school_size"]
    assert (item.status, item.detail) == ("达标", "所有学校规模符合")


# 2012 基本均衡 (methods.md §2): eight coefficients, 综合差异系数 = their mean, ≤ 0.65 (小学) / ≤ 0.55 (初中).
# Raw totals: B1 教学辅助 ㎡, B2 体育 ㎡, B3 设备 元, B4 计算机 × 100 (5 per 普通教室), B5 图书 (10 per ㎡ of B1),
# B6 专任教师, B7 高于规定学历, B8 中级及以上 (正高 + 高 + 一级); N's facilities split as in 2017.
PRIMARY_2012 = {  # school: (pupils, B1 … B8)
    A: (1059, 5400, 8000, 2_200_000, 130 * 100, 54000, 56, 55, 30),
    B: (358, 1500, 2000, 600_000, 60 * 100, 15000, 18, 17, 7),
    N: (1687, 11000, 15000, 5_200_000, 300 * 100, 110000, 86, 84, 46),
    O: (182, 4800, 7000, 2_400_000, 120 * 100, 48000, 9, 9, 4),
}
JUNIOR_2012 = {
    N: (800, 11000, 15000, 5_200_000, 300 * 100, 110000, 62, 57, 40),
    J: (597, 3600, 6000, 1_600_000, 60 * 100, 36000, 48, 43, 28),
}


def test_2012_composite_against_the_hand_formula(hand_wide_store):
    with Store(hand_wide_store, read_only=True) as s:
        res = evaluate_store(s, 2019, method="2012", checklist=False)
    for level, table, share, threshold in (("小学", PRIMARY_2012, N_PRIMARY, 0.65), ("初中", JUNIOR_2012, N_JUNIOR, 0.55)):
        cvs = []
        for k in range(8):
            totals = [Fraction(row[1 + k]) * (share if code == N and k < 5 else 1) for code, row in table.items()]
            cvs.append(hand_cv(totals, [row[0] for row in table.values()]))
        lv = res.levels[level]
        assert [i.cv for i in lv.indicators] == pytest.approx(cvs, rel=1e-12, abs=1e-12), level
        assert lv.official_composite == pytest.approx(sum(cvs) / 8, rel=1e-12)
        assert (lv.official_threshold, lv.passed) == (threshold, sum(cvs) / 8 <= threshold)
    # 小学: 0.869, 0.903, 0.976, 0.798, 0.869, 0.021, 0.027, 0.105 → 0.571 ≤ 0.65 (O's new buildings for 182
    # pupils drive B1–B5); 初中: 0.123, 0.225, 0.092, 0.119, 0.123, 0.018, 0.005, 0.031 → 0.092 ≤ 0.55
    assert (round(res.levels["小学"].official_composite, 3), round(res.levels["初中"].official_composite, 3)) == (
        0.571, 0.092)
