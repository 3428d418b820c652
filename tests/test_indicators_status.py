"""Status at the plan's precision, no status before the baseline year, a monotone path, and the decision table
of docs/monitoring.md walked row by row (issue 9 §2); the acceptance checks on the demo, every year.

Plan A of test_indicators_plans (baseline 2018 actual 90; 2019 interim ≥95; 2021 final ≥99; all published
as whole numbers, so values are compared rounded to integers). Path: 2018 90, 2019 95, 2020 97, 2021 99.
Tolerance 0.25 × |99 − 90| = 2.25.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eduplan.indicators import IndicatorSettings, compute, load_definitions
from eduplan.indicators.report import build_report
from eduplan.indicators.schema import DOMAINS
from eduplan.indicators.targets import Target, at_precision, attach, path_matrix, plan_targets, published_decimals
from eduplan.plan import load_plan, parse_plan
from eduplan.plan.scope import scopes
from eduplan.store import Store
from test_indicators_plans import PLAN_A, _series

# The decision table of docs/monitoring.md ("Status"), one series per row: (row, years, values, the year
# judged, status, note). Rows 6 and 7 rise steeply — their projection to 2021 reaches ≥99 — and still read 偏离.
DECISION_TABLE = [
    ("1 no value", [2017, 2018, 2019, 2020], [88.0, 90.0, 94.0, None], 2020, None, None),
    ("2 before the baseline year", [2016, 2017], [80.0, 85.0], 2017, None, "基线年 2018 年之前，不判定"),
    ("3 meets the final target (at precision: 98.6 → 99)", [2017, 2018, 2019, 2020], [88.0, 90.0, 95.0, 98.6], 2020,
     "已达成", None),
    ("4 on the path (96.6 → 97 = path 97)", [2017, 2018, 2019, 2020], [88.0, 90.0, 95.0, 96.6], 2020, "按计划", None),
    ("5 behind by ≤ tolerance before the final year (95 vs 97: 2 ≤ 2.25)", [2017, 2018, 2019, 2020],
     [88.0, 90.0, 95.0, 95.0], 2020, "有风险", None),
    ("6 behind by more, projection reaching the target (94 vs 97; 2021 projection 102)", [2017, 2018, 2019, 2020],
     [70.0, 78.0, 86.0, 94.0], 2020, "偏离", None),
    ("7 final year, not met, within tolerance (98.4 → 98 vs 99)", [2018, 2019, 2020, 2021],
     [90.0, 95.0, 97.0, 98.4], 2021, "偏离", None),
]


def test_the_decision_table_row_by_row():
    frames = [_series(years, [np.nan if v is None else v for v in values], code=f"R{i}")
              for i, (_, years, values, *_rest) in enumerate(DECISION_TABLE)]
    got = attach(pd.concat(frames, ignore_index=True), parse_plan(PLAN_A), load_definitions(), IndicatorSettings())
    for i, (row, _, _, year, status, note) in enumerate(DECISION_TABLE):
        r = got[(got.unit_code == f"R{i}") & (got.year == year)].iloc[0]
        assert (None if pd.isna(r.status) else r.status) == status, row
        if note is not None:
            assert r.status_note == note, row
    # row 6: the old rule let the projection rescue it (2021 projection 102 ≥ 99); now the path decides
    r6 = got[(got.unit_code == "R5") & (got.year == 2020)].iloc[0]
    assert r6.projection == pytest.approx(102.0) and r6.status == "偏离"


def test_published_precision():
    assert [published_decimals(r) for r in ("21.85", "≦100", "达到 99.5%以上", "<0.45", "让每位学生掌握 1－2 项运动技能")] \
        == [2, 0, 1, 2, 0]
    assert at_precision(21.8499999669, 2) == 21.85 and at_precision(98.998, 0) == 99.0
    assert at_precision(98.998, 1) == 99.0 and at_precision(94.449, 1) == 94.4 and at_precision(21.845, 2) == 21.85
    found = plan_targets(load_plan(), load_definitions())
    # the precision of an indicator: the most decimals among its published baseline and targets
    assert found[("education_expenditure_share", "")]["decimals"] == 2          # 21.85, 21.9, 28
    assert found[("upper_secondary_gross_enrolment", "")]["decimals"] == 1      # 99, 99.5 (text)
    assert found[("compulsory_balance_coefficient", "小学")]["decimals"] == 3   # 0.382, <0.55, <0.5


def test_a_looser_interim_target_does_not_loosen_the_path():
    """优质均衡系数 小学: 0.382 in 2019, <0.55 in 2020, <0.5 in 2025. The path holds 0.382 (the tighter of
    baseline and target) instead of rising to 0.55; 0.52 in 2020 (worse than the baseline, not meeting <0.5)
    is behind it by 0.138 > 0.25 × |0.5 − 0.382| = 0.0295 → 偏离 (the old path read 按计划)."""
    targets = [Target(2020, "<", 0.55, "<0.55", "t"), Target(2025, "<", 0.5, "<0.5", "t")]
    assert list(path_matrix(2019, np.full(3, 0.382), targets, np.array([2019, 2020, 2023]))) == [0.382] * 3
    # a baseline looser than the final target: down from 0.6 to 0.55 (held), then to 0.5 by 2025
    assert path_matrix(2019, np.array([0.6]), targets, np.array([2022]))[0] == pytest.approx(0.55 - 0.05 * 2 / 5)
    # an up indicator is monotone too: 94 then an interim ≥90 holds 94
    up = [Target(2020, ">=", 90.0, "90", "t"), Target(2025, ">=", 98.0, "98", "t")]
    assert list(path_matrix(2019, np.array([94.0]), up, np.array([2020, 2025]))) == [94.0, 98.0]
    plan = load_plan()
    values = pd.DataFrame({"year": [2019, 2020], "unit_type": "district", "unit_code": plan.meta.district.code,
                           "bdim": "level", "bval": "小学", "indicator": "compulsory_balance_coefficient",
                           "numerator": np.nan, "denominator": np.nan, "value": [0.382, 0.52], "source": "external",
                           "missing": None})
    got = attach(values, plan, load_definitions(), IndicatorSettings())
    # 2019: 0.382 already meets <0.5 (已达成); 2020: 0.52 does not, and is behind the held path
    assert list(got.path) == [pytest.approx(0.382)] * 2 and list(got.status) == ["已达成", "偏离"]


def test_no_trend_status_before_the_baseline_year():
    """逐年只增不减 (一般公共预算教育支出): 2018 is before the 硚口 plan's baseline 2019 — no status."""
    plan = load_plan()
    values = _series([2017, 2018, 2019], [2.0, 2.1, 2.2], code=plan.meta.district.code)
    values["indicator"] = "education_budget"
    got = attach(values, plan, load_definitions(), IndicatorSettings())
    by_year = {int(r.year): r for r in got.itertuples()}
    assert pd.isna(by_year[2018].status) and by_year[2018].status_note == "基线年 2019 年之前，不判定"
    assert by_year[2019].status == "已达成"


@pytest.fixture(scope="module")
def demo_reports(demo_store):
    defs, settings = load_definitions(), IndicatorSettings()
    with Store(demo_store, read_only=True) as s:
        comp = compute(s, defs)
        scope = scopes(s)[0]
        return {y: build_report(s, scope, defs, settings, y, computation=comp) for y in range(2016, 2026)}


def test_demo_every_year_projections_inside_the_domain_never_zero_width(demo_reports):
    defs = {i.id: i for i in load_definitions().indicators}
    series: dict[tuple, dict[int, float]] = {}
    for y, rep in demo_reports.items():
        for ind in rep["indicators"]:
            for e in ind["values"]:
                if e["value"] is not None:
                    series.setdefault((ind["id"], e["unit_type"], e["unit_code"], str(e["breakdown"])), {})[y] = e["value"]
    checked = 0
    for y, rep in demo_reports.items():
        for ind in rep["indicators"]:
            for e in ind["values"]:
                p = e["projection"]
                if p is None:
                    continue
                d = DOMAINS[defs[ind["id"]].domain]
                lo, hi = (-np.inf if d.low is None else d.low), (np.inf if d.high is None else d.high)
                where = (y, ind["id"], e["unit_code"], e["breakdown"])
                assert lo <= p["low"] <= p["value"] <= p["high"] <= hi, where
                assert p["high"] > p["low"], where
                observed = [yy for yy in series[(ind["id"], e["unit_type"], e["unit_code"], str(e["breakdown"]))]
                            if y - 5 < yy <= y]
                assert len(observed) >= 4, where
                checked += 1
    assert checked > 500


def test_demo_no_status_before_the_baseline_and_the_2019_figures(demo_reports):
    for y in (2016, 2017, 2018):
        judged = [(i["id"], e["unit_code"]) for i in demo_reports[y]["indicators"] for e in i["values"] if e["status"]]
        assert judged == [], y
    district = {i["id"]: e for i in demo_reports[2019]["indicators"] for e in i["values"]
                if e["unit_type"] == "district" and not e["breakdown"]}
    # 21.8499999669 at the plan's two decimals is 21.85 = the baseline: on the path
    assert (round(district["education_expenditure_share"]["value"], 2), district["education_expenditure_share"]["status"]) \
        == (21.85, "按计划")
    # 98.998 at one decimal (99, 99.5 published) is 99.0 = the baseline 99: on the path
    assert (round(district["upper_secondary_gross_enrolment"]["value"], 3),
            district["upper_secondary_gross_enrolment"]["status"]) == (98.998, "按计划")
    # too few years behind 2018 (2016–2018): the row says why instead of a number
    e2018 = next(e for i in demo_reports[2018]["indicators"] if i["id"] == "education_expenditure_share"
                 for e in i["values"] if e["unit_type"] == "district")
    assert (e2018["projection"], e2018["projection_note"]) == (None, "数据年份不足（近 5 年有 3 年，至少 4 年）")


def test_cli_json_2018_and_2019(demo_store, demo_reports):
    """`eduplan indicators --year Y --format json`: 2018 (before the baseline) carries values only, and says
    why there is no projection; 2019's 教育支出占比 reads 按计划 with the library's projection, inside 0–100."""
    import json

    from test_indicators_plans import run

    doc = json.loads(run("indicators", "--db", demo_store, "--year", 2018, "--format", "json").stdout)
    rows = {i["id"]: e for i in doc["indicators"] for e in i["values"] if e["unit_type"] == "district"
            and not e["breakdown"]}
    e = rows["education_expenditure_share"]
    assert (e["status"], e["status_note"], e["projection"]) == (None, "基线年 2019 年之前，不判定", None)
    assert e["projection_note"] == "数据年份不足（近 5 年有 3 年，至少 4 年）"
    doc = json.loads(run("indicators", "--db", demo_store, "--year", 2019, "--format", "json").stdout)
    e = next(e for i in doc["indicators"] if i["id"] == "education_expenditure_share" for e in i["values"]
             if e["unit_type"] == "district")
    # the same projection as the library's report (test_demo_every_year_projections… checks it in the domain)
    lib = next(x for i in demo_reports[2019]["indicators"] if i["id"] == "education_expenditure_share"
               for x in i["values"] if x["unit_type"] == "district" and not x["breakdown"])
    assert (e["status"], e["projection"]) == ("按计划", json.loads(json.dumps(lib["projection"])))
    assert 0 <= e["projection"]["low"] < e["projection"]["value"] < e["projection"]["high"] <= 100


def test_cli_table_says_why_there_is_no_projection(demo_store):
    """The terminal table shows 数据年份不足 in the 外推 column (not a bare dash) where a value has too few years."""
    from test_indicators_plans import run

    res = run("indicators", "--db", demo_store, "--year", 2018)
    assert res.exit_code == 0, res.output
    line = next(x for x in res.stdout.splitlines() if x.startswith("│ 学前三年毛入园率"))
    assert "93.50" in line and line.rstrip("│ ").endswith("数据年份不足")
