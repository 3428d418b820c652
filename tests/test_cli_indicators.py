"""`eduplan indicators` (table, json, xlsx) and `eduplan explain` end to end on the hand-made district."""

from __future__ import annotations

import json

import openpyxl
import pytest

from test_indicators import DATA, D, S3
from helpers import eduplan, write_small


def run(*args):
    return eduplan(*args, env={"COLUMNS": "250"})  # wide enough that table cells are not wrapped


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ind")
    db = tmp / "d.duckdb"
    r = run("import", *map(str, write_small(tmp / "src", DATA)), "--db", str(db))
    assert r.exit_code == 0, r.output
    r = run("plan", "use", "qiaokou-2021-2025", "--db", str(db))  # the hand-made district is 420104
    assert r.exit_code == 0, r.output
    return db


def test_json_gives_value_numerator_denominator_target_status(db):
    r = run("indicators", "--db", str(db), "--year", "2019", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert "NaN" not in r.stdout and "Infinity" not in r.stdout  # strict JSON: missing values are null
    doc = json.loads(r.stdout)
    by_id = {i["id"]: i for i in doc["indicators"]}
    pge = by_id["preschool_gross_enrolment"]
    district = next(v for v in pge["values"] if v["unit_type"] == "district" and v["breakdown"] is None)
    assert (district["numerator"], district["denominator"]) == (238, 255)
    assert district["value"] == pytest.approx(district["numerator"] / district["denominator"] * pge["factor"])
    # the target shown for 2019 is the next one ahead: the plan's 2020 column (98.5); the final one is 2025's 99
    assert district["target"] == {"op": ">=", "value": 98.5, "year": 2020, "label": "2020 年目标", "text": "≥98.5",
                                  "source": "十三五指标完成情况表·目标值"}
    assert district["final_target"] == {"op": ">=", "value": 99.0, "year": 2025}
    # 238/255 = 93.33 against path(2019) = the published baseline 95: behind by 1.67, more than the
    # tolerance 0.25 × |99 − 95| = 1.0 → 偏离 (one year of data: no projection to rescue it)
    assert district["status"] == "偏离" and district["projection"] is None
    assert doc["district"]["district_code"] == D and doc["plan"] == "qiaokou-2021-2025"
    assert doc["projection_year"] == 2025
    zones = {v["unit_code"] for v in pge["values"] if v["unit_type"] == "zone"}
    assert zones == {"QK01", "QK02"}
    assert "new_labour_schooling_years" in doc["no_data"]


def test_table_and_unit(db):
    r = run("indicators", "--db", str(db), "--year", "2019")
    assert r.exit_code == 0 and "学前三年毛入园率" in r.stdout and "不静默遗漏" in r.stdout
    r = run("indicators", "--db", str(db), "--year", "2019", "--unit", "红星幼儿园", "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["unit"] == {"type": "school", "code": S3, "name": "红星幼儿园"}
    r = run("indicators", "--db", str(db), "--unit", "不存在的学校")
    assert r.exit_code == 1
    assert "找不到统计单位“不存在的学校”" in r.stderr


def test_xlsx_one_sheet_per_level(db, tmp_path):
    out = tmp_path / "指标.xlsx"
    r = run("indicators", "--db", str(db), "--year", "2019", "--format", "xlsx", "--output", str(out))
    assert r.exit_code == 0, r.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["区", "学区组团", "学校", "指标说明", "说明"]
    ws = wb["区"]
    headers = [c.value for c in ws[3]]  # below the title and provenance rows
    assert headers[:6] == ["指标", "计量单位", "区代码", "区", "分组", "数值"] and headers[-1] == "所属区"
    assert "2025 外推" in headers and "外推年" in headers
    rows = {r[0].value: r for r in ws.iter_rows(min_row=4) if r[4].value is None}
    row = rows["学前三年毛入园率"]
    assert row[headers.index("所属区")].value == f"硚口区（{D}）"
    # a percent is written as a fraction and shown as one: 238/255 = 93.3 %
    assert row[5].value == pytest.approx(round(238 / 255, 3)) and row[5].number_format == "0.0%"
    assert (row[6].value, row[7].value) == (238, 255)
    assert row[headers.index("目标值")].value == pytest.approx(0.985)
    assert row[headers.index("状态")].value == "偏离"
    assert row[headers.index("目标")].value == "2020 年目标"


def test_explain_cli(db):
    r = run("explain", "preschool_gross_enrolment", "--db", str(db), "--year", "2019", "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["unit"]["code"] == D and doc["numerator"] == 238
    assert doc["numerator_terms"][0]["batches"][0]["file_name"] == "分年级学生数.xlsx"
    r = run("explain", "preschool_gross_enrolment", "--db", str(db), "--year", "2019")
    assert r.exit_code == 0 and "红星幼儿园" in r.stdout and "分年级学生数.xlsx" in r.stdout
    r = run("explain", "no_such_indicator", "--db", str(db))
    assert r.exit_code == 1 and "没有指标" in r.stderr
