"""The district summary, checked against numbers worked by hand on the small district (helpers.SMALL)."""

from __future__ import annotations

import pytest

from eduplan.ingest import import_files
from eduplan.metrics.summary import district_summary
from helpers import write_one, write_small


@pytest.fixture
def small(store, tmp_path):
    assert import_files(store, write_small(tmp_path), user="u").ok
    return store


def test_levels_and_figures_by_hand(small):
    s = district_summary(small, 2019)
    levels = {r["level"]: r for r in s["levels"]}
    # 小学: 崇仁路 175 + 178, 陈家墩 85 → 438 pupils in 2 schools, 4+4+2 = 10 classes
    assert (levels["小学"]["pupils"], levels["小学"]["schools"], levels["小学"]["classes"]) == (438, 2, 10)
    assert levels["初中"]["pupils"] == 98 and levels["学前"]["pupils"] == 90
    # 生师比 小学 = 438 / 22 = 19.909…
    assert levels["小学"]["pupil_teacher_ratio"] == pytest.approx(438 / 22)
    f = {k: v["value"] for k, v in s["figures"].items()}
    # 学前三年毛入园率 = 90 / (103 + 104 + 105) × 100 = 28.846…  (population of age a is 100 + a)
    assert f["preschool_gross_enrolment"] == pytest.approx(90 / 312 * 100)
    # 公共财政教育支出占比 = 218.5 / 1000 × 100 = 21.85
    assert f["education_expenditure_share"] == pytest.approx(21.85)
    # the only kindergarten is 民办 but 普惠性 → 100 %
    assert f["inclusive_kindergarten_share"] == pytest.approx(100.0)
    # no 高中 or 中职 data → not computable, not zero
    assert f["senior_teacher_postgraduate_share"] is None
    assert s["population"]["3-5"] == 312 and s["population"]["0-22"] == sum(100 + a for a in range(23))


def test_zone_membership_is_effective_dated(small, tmp_path):
    # 陈家墩学校 belongs to QK01 until 2019 and to QK02 from 2020
    rows = [{"year": 2020, "school_code": "2420104002", "grade": "P1", "classes": 2, "male": 40, "female": 40,
             "pupils": 80}]
    assert import_files(small, [write_one(tmp_path / "y2020", "enrolment", rows)], user="u").ok
    z2019 = {r["zone_code"]: r["pupils"] for r in district_summary(small, 2019)["zones"]}
    z2020 = {r["zone_code"]: r["pupils"] for r in district_summary(small, 2020)["zones"]}
    assert z2019 == {"QK01": 175 + 178 + 85 + 98, "QK02": 90}
    assert z2020 == {"QK02": 80}


def test_an_import_shows_on_the_next_query(small, tmp_path):
    before = district_summary(small, 2019)["figures"]["education_expenditure_share"]["value"]
    rows = [{"year": 2019, "area_code": "420104", "residents": 650000, "births": 5000,
             "public_expenditure": 1000.0, "education_expenditure": 250.0}]
    assert import_files(small, [write_one(tmp_path / "fix", "area_year", rows)], user="u").ok
    after = district_summary(small, 2019)["figures"]["education_expenditure_share"]["value"]
    assert (before, after) == (pytest.approx(21.85), pytest.approx(25.0))
