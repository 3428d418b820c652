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


# ------------------------------------------------------------------ the two 巩固率 with every term non-zero
# tests/test_retention.py works the rates by hand on a cohort whose P3 转入 and P6 死亡 are 0, so a changed
# filter on those terms cannot show. Here every school year of the cohort has 转入, 转出 and 死亡, and the
# special school E has rows in every grade and year (10 pupils, 转入 5, 转出 4, 死亡 3), all left out.
R = "2420104101", "2420104103", "2420104104"  # A 小学 211, C 初中 311, E 特殊教育学校 514
GRADES = ["P1", "P2", "P3", "P4", "P5", "P6", "J1", "J2", "J3"]
#        P1         P2         P3         P4         P5         P6         J1         J2         J3
MOVES = [(1, 2, 1), (2, 1, 1), (3, 1, 1), (1, 1, 1), (2, 3, 1), (1, 1, 1), (2, 1, 1), (3, 2, 1), (1, 1, 1)]
# counts (a grade's count + 转入 − 转出 − 死亡 = the next grade's): P1 120 (2016) → 118 → 118 → 119 → 118 →
# P6 116 (2021) → 115 graduate (2022 P6 row) = J1 115 (2022) → J2 115 → J3 115, of whom 2 drop out unrecorded:
# J3 113 (2024) → 113 + 1 − 1 − 1 = 112 graduates (2025 J3 row)
COUNTS = [120, 118, 118, 119, 118, 116, 115, 115, 113]


def _enrolment_row(year, school, grade, pupils, moves=(9, 0, 0), graduates=None):
    tin, tout, deaths = moves
    return {"year": year, "school_code": school, "grade": grade, "classes": 3, "male": pupils // 2,
            "female": pupils - pupils // 2, "pupils": pupils, "transfers_in": tin, "transfers_out": tout,
            "deaths": deaths, "graduates": graduates if graduates is not None else (0 if grade in ("P6", "J3") else None)}


def _cohort_rows():
    a, c, e = R
    rows = []
    for k, grade in enumerate(GRADES):
        school = a if grade.startswith("P") else c
        rows.append(_enrolment_row(2016 + k, school, grade, COUNTS[k]))  # the cohort's count (转入 9: another class)
        graduates = {"P6": 115, "J3": 112}.get(grade)
        rows.append(_enrolment_row(2017 + k, school, grade, 30, MOVES[k], graduates))  # the year's movements
    rows += [_enrolment_row(y, e, g, 10, (5, 4, 3)) for y in range(2016, 2026) for g in GRADES]
    return rows


@pytest.fixture(scope="module")
def cohort_store(tmp_path_factory):
    a, c, e = R
    data = {
        "district": [{"district_code": D, "district_name": "硚口区", "city_name": "武汉市"}],
        "zone": [{"zone_code": "QK01", "zone_name": "古田组团", "district_code": D}],
        "school": [{"school_code": a, "school_name": "古田小学", "type_code": "211", "ownership": "公办", "district_code": D},
                   {"school_code": c, "school_name": "古田中学", "type_code": "311", "ownership": "公办", "district_code": D},
                   {"school_code": e, "school_name": "特殊教育学校", "type_code": "514", "ownership": "公办",
                    "district_code": D}],
        "school_zone": [{"school_code": s, "zone_code": "QK01", "start_year": 2010} for s in R],
        "enrolment": _cohort_rows(),
    }
    folder = tmp_path_factory.mktemp("cohort")
    with Store(folder / "c.duckdb") as s:
        report = import_files(s, write_small(folder, data), user="测试")
        assert report.ok, [i.text() for i in report.errors]
    return folder / "c.duckdb"


def _district_value(store_path, indicator, year):
    from eduplan.indicators import compute

    with Store(store_path, read_only=True) as s:
        v = compute(s, load_definitions(), [indicator]).values
    r = v[(v.indicator == indicator) & (v.bdim == "") & (v.year == year) & (v.unit_type == "district")].iloc[0]
    return r.numerator, r.denominator, r.value


def test_nine_year_retention_every_term(cohort_store):
    # t = 2024: 初三 113; 转入 P1…J2 (rows 2017…2024) 1+2+3+1+2+1+2+3 = 15; 转出 2+1+1+1+3+1+1+2 = 12;
    # 死亡 8 × 1 = 8; 一年级 (2016) 120. (113 − 15 + 12) ÷ (120 − 8) × 100 = 110 ÷ 112 × 100
    num, den, value = _district_value(cohort_store, "compulsory_retention_rate", 2024)
    assert (num, den) == (110, 112)
    assert value == pytest.approx(110 / 112 * 100, abs=1e-12)


def test_junior_retention_every_term(cohort_store):
    # t = 2025: graduates (2025 J3 row) 112; 转入 J1, J2, J3 (rows 2023, 2024, 2025) 2 + 3 + 1 = 6;
    # 转出 1 + 2 + 1 = 4; 死亡 1 + 1 + 1 = 3; 初一 (2022) 115. (112 − 6 + 4) ÷ (115 − 3) × 100 = 110 ÷ 112 × 100
    num, den, value = _district_value(cohort_store, "junior_retention_rate", 2025)
    assert (num, den) == (110, 112)
    assert value == pytest.approx(110 / 112 * 100, abs=1e-12)


# ------------------------------------------------------------------ the expression language (expr.py)
# No shipped declaration uses arithmetic in `expr`, so the definitions alone never walk a + b; each form the
# language allows, on a two-row table a = (6, 10), b = (2, 5), level = (小学, 初中), worked by hand.
@pytest.mark.parametrize("text, expected", [
    ("a + b", [8, 15]), ("a - b", [4, 5]), ("a * b", [12, 50]), ("a / b", [3.0, 2.0]),
    ("-a + b", [-4, -5]), ("a - b * 2", [2, 0]), ("(a - b) * 2", [8, 10]),
    ("a > 6", [False, True]), ("a >= 6", [True, True]), ("a < 10", [True, False]), ("a <= 6", [True, False]),
    ("a == 10", [False, True]), ("a != 10", [True, False]),
    ("level == '小学' and b > 2", [False, False]), ("level == '小学' or b > 2", [True, True]),
    ("not a > 6", [True, False]), ("level in ('初中', '高中')", [False, True]), ("level not in ('初中',)", [True, False]),
])
def test_expressions(text, expected):
    import ibis

    from eduplan.indicators.expr import compile_expr

    t = ibis.memtable({"a": [6, 10], "b": [2, 5], "level": ["小学", "初中"]})
    got = ibis.duckdb.connect().execute(t.select(x=compile_expr(text, t)))["x"].tolist()
    assert got == expected


def test_expression_errors_name_the_text():
    import ibis

    from eduplan.indicators.expr import DefinitionError, compile_expr, eval_number

    t = ibis.memtable({"a": [1]})
    with pytest.raises(DefinitionError, match="表达式“a \\+ c”引用了不存在的列“c”（可用：a）"):
        compile_expr("a + c", t)
    with pytest.raises(DefinitionError, match="表达式“a \\*\\* 2”含有不支持的写法"):
        compile_expr("a ** 2", t)
    assert (eval_number("1/19"), eval_number("-2*3+1"), eval_number(4)) == (1 / 19, -5.0, 4.0)
    with pytest.raises(DefinitionError, match="系数“a/2”应为常数算式"):
        eval_number("a/2")
