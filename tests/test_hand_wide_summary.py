"""The district summary on the widened hand-worked district (tests/hand_wide.py): schools counted in the
years they have pupils, zones by the membership in force that year (the closing school 长丰小学 is in
QK02 in 2016 and in QK01 in 2017; the new 汉江湾小学 in QK02 from 2018), and the 民办 school among the
schools by type. Figures worked by hand."""

from __future__ import annotations

import pytest

from eduplan.metrics.summary import district_summary
from eduplan.store import Store
from hand_wide import shared_store


@pytest.fixture(scope="module")
def hand_wide_store(tmp_path_factory):
    return shared_store(tmp_path_factory)


@pytest.fixture(scope="module")
def summaries(hand_wide_store):
    with Store(hand_wide_store, read_only=True) as s:
        return {t: district_summary(s, t) for t in (2016, 2017, 2018, 2019)}


# zone: (schools, pupils) by year. Pupils: A 1,059, B 358, J 597 (QK01); N 2,487 (QK02); C 2,040; O 90 / 182
ZONES = {
    2016: {"QK01": (3, 1059 + 358 + 597), "QK02": (2, 2487 + 2040)},
    2017: {"QK01": (4, 2014 + 2040), "QK02": (1, 2487)},
    2018: {"QK01": (3, 2014), "QK02": (2, 2487 + 90)},
    2019: {"QK01": (3, 2014), "QK02": (2, 2487 + 182)},
}


@pytest.mark.parametrize("year", sorted(ZONES))
def test_zones_by_the_membership_of_the_year(summaries, year):
    got = {z["zone_code"]: (z["schools"], z["pupils"]) for z in summaries[year]["zones"]}
    assert got == ZONES[year]


def test_schools_by_type_and_levels(summaries):
    def by_type(t):
        return {(r["type_code"], r["ownership"]): r["n"] for r in summaries[t]["schools_by_type"]}

    # 2017: 公办 小学 A and C; 民办 小学 B; 初中 J; 九年一贯制 N.  2019: O instead of C
    assert by_type(2017) == {("211", "公办"): 2, ("211", "民办"): 1, ("311", "公办"): 1, ("312", "公办"): 1}
    assert by_type(2019) == by_type(2017)
    lv = {r["level"]: r for r in summaries[2019]["levels"]}
    # 小学 2019: A, B, N, O — 3,286 pupils, 4 + 2 + 7 classes per grade × 6 + O's 5 = 83 classes, 169 teachers;
    # 招生数 176 + 60 + 280 + 92 = 608.  初中: N, J — 1,397 pupils, 18 + 12 classes, 110 teachers, 266 + 198 new
    assert (lv["小学"]["schools"], lv["小学"]["pupils"], lv["小学"]["classes"], lv["小学"]["teachers"],
            lv["小学"]["new_entrants"]) == (4, 3286, 83, 169, 608)
    assert (lv["初中"]["schools"], lv["初中"]["pupils"], lv["初中"]["classes"], lv["初中"]["teachers"],
            lv["初中"]["new_entrants"]) == (2, 1397, 30, 110, 464)
    assert summaries[2019]["missing"] == []
    # 2018: O's first year, 90 new pupils in P1 (no repeaters): 176 + 60 + 280 + 90
    assert {r["level"]: r["new_entrants"] for r in summaries[2018]["levels"]}["小学"] == 606
    # 2017: C's last year (340 new pupils): 4 schools, 5,144 pupils, (24 + 12 + 42 + 48) classes
    lv = {r["level"]: r for r in summaries[2017]["levels"]}
    assert (lv["小学"]["schools"], lv["小学"]["pupils"], lv["小学"]["classes"], lv["小学"]["new_entrants"]) == (
        4, 5144, 126, 176 + 60 + 280 + 340)
