"""Resources: staff priced on the staff the district has (编制 staff are not shed when the norm says fewer),
民办 pupils and staff shown beside the public ones and not charged to the public budget, the financing gap
labelled. Numbers worked by hand."""

from __future__ import annotations

from datetime import date

from eduplan.forecast import ForecastSettings, run_forecast
from eduplan.forecast.resources import FINANCING_GAP_LABEL, resource_needs
from eduplan.store import Store


def test_staff_priced_on_the_larger_of_norm_and_current_and_private_apart():
    s = ForecastSettings(staff_salary=100_000.0, staff_on_cost=0.0, salary_growth=0.0, public_funds_growth=0.0,
                         budget_growth=0.0)
    rows = resource_needs({"小学": {2026: 1000.0}}, {"小学": {2026: 23}}, {"小学": {2026: 25}},
                          {"小学": {"staff": 60.0, "staff_private": 5.0}}, {2025: {"education_expenditure": 1000.0}},
                          {2026: 100.0}, 2025, [2026], s, {"小学": 0.1})
    r = rows[0]
    v = r["levels"]["小学"]
    # 1,000 pupils, 10 % 民办: 900 public, 100 private
    assert (v["pupils"], v["pupils_public"], v["pupils_private"]) == (1000, 900, 100)
    # the norm 1:19 needs ⌈900 / 19⌉ = 48 public staff; the district has 60 and keeps them: 60 are paid
    assert (v["staff_needed"], v["staff_current"], v["staff_priced"], v["staff_gap"]) == (48, 60, 60, -12)
    # 民办: 5 staff now, ⌈100 / 19⌉ = 6 by the norm — shown, not paid from the public budget
    assert (v["staff_private_current"], v["staff_private_needed"]) == (5, 6)
    # 60 × 10 万元 = 600; at the norm 48 × 10 = 480; 公用经费 900 × 650 元 = 58.5 万元 (民办 pupils not counted)
    assert (r["staff_cost"], r["staff_cost_at_norm"], r["public_funds"], r["capital"]) == (600.0, 480.0, 58.5, 100.0)
    # gap = 600 + 58.5 + 100 − 1,000 = −241.5; at the norm 480 + 58.5 + 100 − 1,000 = −361.5
    assert (r["total"], r["budget"], r["financing_gap"], r["financing_gap_at_norm"]) == (758.5, 1000.0, -241.5, -361.5)
    assert r["financing_gap_label"] == FINANCING_GAP_LABEL and "民办学生和教职工单列，不计入公共财政" in FINANCING_GAP_LABEL


def test_demo_private_share_and_staff(demo_store):
    with Store(demo_store, read_only=True) as s:
        f = run_forecast(s, "baseline", ForecastSettings(), as_of=date(2025, 12, 31))
    assert f.base_year == 2025
    base = f.resources[0]
    # the demo's base year: 民办 staff 690 in 学前, 103 in 小学, 101 in 初中, 224 in 高中 (teachers table)
    assert {lvl: v["staff_private_current"] for lvl, v in base["levels"].items()} == {
        "学前": 690, "小学": 103, "初中": 101, "高中": 224, "中职": 0}
    assert {lvl: v["staff_current"] for lvl, v in base["levels"].items()} == {
        "学前": 1263, "小学": 3523, "初中": 2291, "高中": 1350, "中职": 425}
    for r in f.resources:
        for v in r["levels"].values():
            assert v["staff_priced"] == max(v["staff_needed"], v["staff_current"])
            assert v["pupils_public"] + v["pupils_private"] - v["pupils"] in (-1, 0, 1)
