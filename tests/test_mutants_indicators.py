"""Mutation survivors in eduplan/indicators (docs/testing.md, tools/mutation.py): the report document behind
`eduplan indicators --format json` and its flat table (xlsx, terminal), every key and value of an entry, on
the small hand-worked district (tests/helpers.SMALL) against the shipped 硚口 plan."""

from __future__ import annotations

import pytest

from eduplan.indicators import IndicatorSettings, load_definitions
from eduplan.indicators.report import build_report, frame_for_year
from eduplan.ingest import import_files
from eduplan.plan import load_plan
from eduplan.plan.binding import use_plan
from eduplan.store import Store
from helpers import D, write_small


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    with Store(folder / "t.duckdb") as s:
        use_plan(s, "qiaokou-2021-2025", "测试")
        assert import_files(s, write_small(folder), user="测试").ok
        return build_report(s, load_plan(), load_definitions(), IndicatorSettings(), 2019)


def _indicator(report, ind_id):
    return next(i for i in report["indicators"] if i["id"] == ind_id)


def _value(ind, unit_type, unit_code, breakdown=None):
    return next(e for e in ind["values"] if (e["unit_type"], e["unit_code"], e["breakdown"]) ==
                (unit_type, unit_code, breakdown))


def test_a_computed_entry_has_every_key(report):
    ind = _indicator(report, "education_expenditure_share")
    assert {k: v for k, v in ind.items() if k != "values"} == {
        "id": "education_expenditure_share", "name": "公共财政教育支出占公共财政支出的比例", "unit": "%",
        "kind": "ratio", "in_plan": True, "data_status": "已计算", "reason": "",
        "definition": "一般公共预算教育支出 ÷ 一般公共预算支出 × 100。", "source": "规划主要指标表", "factor": 100.0}
    # 218.5 万元 ÷ 1,000 万元 × 100 = 21.85. The plan's table gives 21.85 (2019), 21.9 (2020), 28 (2025): the path
    # in 2019 is the 2019 figure 21.85, the value is on it → 按计划; the next target ahead is ≥21.9 in 2020, the
    # final one ≥28 in 2025; one year of data → no projection, and the note says why
    assert _value(ind, "district", D) == {
        "unit_type": "district", "unit_code": D, "unit_name": "硚口区", "breakdown": None,
        "numerator": 218.5, "denominator": 1000.0, "value": 21.85, "missing": None, "source": "computed",
        "target": {"op": ">=", "value": 21.9, "year": 2020, "label": "2020 年目标", "text": "≥21.9",
                   "source": "十四五主要预期指标表·2020年目标"},
        "final_target": {"op": ">=", "value": 28.0, "year": 2025},
        "path": 21.85, "status": "按计划", "status_note": None, "projection": None,
        "projection_note": "数据年份不足（近 5 年有 1 年，至少 4 年）"}


def test_breakdowns_and_zones_of_an_entry(report):
    ind = _indicator(report, "preschool_gross_enrolment")
    # 在园幼儿 90 (红星幼儿园, 民办, QK02) ÷ population aged 3–5 = (100+3)+(100+4)+(100+5) = 312 → 28.846…
    district = _value(ind, "district", D)
    assert (district["numerator"], district["denominator"]) == (90.0, 312.0)
    assert district["value"] == pytest.approx(90 / 312 * 100, abs=1e-12)
    # path 95.0 in 2019 and 28.8 far below it: 偏离
    assert (district["path"], district["status"], district["status_note"]) == (95.0, "偏离", None)
    private = _value(ind, "district", D, {"dimension": "ownership", "value": "民办"})
    public = _value(ind, "district", D, {"dimension": "ownership", "value": "公办"})
    assert (public["numerator"], public["value"], private["numerator"]) == (0.0, 0.0, 90.0)
    # a breakdown carries no target, path or status
    assert (private["target"], private["final_target"], private["path"], private["status"]) == (None, None, None, None)
    # zones: population is kept for the district only, so a zone has a numerator and no value
    qk02 = _value(ind, "zone", "QK02")
    assert (qk02["unit_name"], qk02["numerator"], qk02["denominator"], qk02["value"]) == ("汉正组团", 90.0, None, None)
    assert _value(ind, "zone", "QK01")["numerator"] == 0.0


def test_the_flat_table(report):
    frame = frame_for_year(report)
    assert list(frame.columns) == [
        "district_code", "district_label", "indicator", "name", "unit", "unit_type", "unit_code", "unit_name",
        "breakdown", "value", "numerator", "denominator", "target_op", "target", "target_year", "target_label",
        "target_text", "path", "status", "status_note", "projection", "projection_year", "projection_low",
        "projection_high", "projection_note", "source", "missing"]
    row = frame[(frame["indicator"] == "education_expenditure_share") & (frame["unit_type"] == "district")]
    assert row.iloc[0][["unit_name", "breakdown", "value", "target_op", "target", "target_year", "target_label",
                        "target_text", "path", "status"]].tolist() == [
        "硚口区", "", 21.85, ">=", 21.9, 2020, "2020 年目标", "≥21.9", 21.85, "按计划"]
    private = frame[(frame["indicator"] == "preschool_gross_enrolment") & (frame["unit_type"] == "district")
                    & (frame["breakdown"] != "")]
    assert sorted(private["breakdown"]) == ["办学性质=公办", "办学性质=民办"]
