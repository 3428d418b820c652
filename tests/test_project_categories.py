"""Project categories come from the plan bound to the project's district: checked at import (naming file,
sheet, row, column, value and the plan's categories), refused while the district has no plan, offered as
the dropdown of a template written for the store (`eduplan template --db`), whose store-derived example
row the importer still recognises."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from eduplan.cli.app import app
from eduplan.ingest import import_files
from eduplan.plan.binding import use_plan
from eduplan.store import Store
from helpers import write_one, write_small
from test_summary_plans import OTHER, other_plan, two_districts  # noqa: F401 (a fixture)

runner = CliRunner()
QIAOKOU_CATEGORIES = "幼儿园新改扩、中小学配建、改善高中阶段学校办学条件、地下停车场"
PLAN_TITLE = "硚口区教育事业发展“十四·五”规划（2021—2025）（征求意见稿）"


def project(category: str, **kw) -> list[dict]:
    return [{"project_id": "sch_new", "project_name": "新建小学", "category": category, "work": "新建",
             "zone_code": "QK01", **kw}]


@pytest.fixture
def bound(store, tmp_path):
    use_plan(store, "qiaokou-2021-2025", "u")
    assert import_files(store, write_small(tmp_path / "base"), user="u").ok
    return store


def test_a_category_the_plan_lacks_is_refused_naming_the_cell(bound, tmp_path):
    report = import_files(bound, [write_one(tmp_path / "p", "project", project("中小学新建"))], user="u")
    [e] = report.errors
    assert (e.type, e.file, e.sheet, e.row, e.column, e.cell, e.value) == (
        "category-unknown", "重点项目库.xlsx", "重点项目库", 2, "项目类别", "C2", "中小学新建")
    assert e.text() == (
        "文件“重点项目库.xlsx”，工作表“重点项目库”，第 2 行，列“项目类别”（C2）：列“项目类别”的值“中小学新建”"
        f"不是 420104 硚口区 绑定的规划“{PLAN_TITLE}”所列的项目类别；该规划的类别：{QIAOKOU_CATEGORIES}"
        "（规则：项目类别须为项目所在区绑定规划所列的类别）")
    assert not report.written and bound.table_counts()["project"] == 0


def test_the_plans_category_is_accepted_as_the_plan_writes_it(bound, tmp_path):
    # the district comes through the school when no 学区 is given; spaces and full-width forms are tolerated
    rows = project("中小学 配建", zone_code=None, school_code="2420104001")
    report = import_files(bound, [write_one(tmp_path / "p", "project", rows)], user="u")
    assert report.ok, [i.text() for i in report.errors]
    assert bound.run("SELECT project_id, category FROM project") == [("sch_new", "中小学配建")]


def test_no_plan_bound_says_to_run_plan_use(store, tmp_path):
    assert import_files(store, write_small(tmp_path / "base"), user="u").ok
    report = import_files(store, [write_one(tmp_path / "p", "project", project("中小学配建"))], user="u")
    [e] = report.errors
    assert (e.type, e.row, e.column, e.value) == ("plan-not-bound", 2, "项目类别", "中小学配建")
    assert e.message == ("项目属于 420104 硚口区，该区尚未绑定规划，无法核对项目类别：请先运行 eduplan plan use 规划文件 "
                         "绑定该区的规划，再导入项目库（规则：项目类别须为项目所在区绑定规划所列的类别）")


def test_each_district_its_own_plans_categories(bound, tmp_path):
    assert import_files(bound, write_small(tmp_path / "x", OTHER), user="u").ok
    use_plan(bound, other_plan(tmp_path), "u")
    ok = [{"project_id": "x_school", "project_name": "虚构区第二小学", "category": "中小学", "zone_code": "XG01"}]
    assert import_files(bound, [write_one(tmp_path / "ok", "project", ok)], user="u").ok
    # 硚口's category in 虚构区 is refused, with 虚构区's list
    bad = [{**ok[0], "project_id": "x_other", "category": "中小学配建"}]
    [e] = import_files(bound, [write_one(tmp_path / "bad", "project", bad)], user="u").errors
    assert e.detail.endswith("该规划的类别：幼儿园、中小学")
    # with two districts, a project naming neither 学区 nor school belongs to no district
    loose = [{"project_id": "x_loose", "project_name": "某项目", "category": "中小学"}]
    [e] = import_files(bound, [write_one(tmp_path / "loose", "project", loose)], user="u").errors
    assert (e.type, e.row, e.column) == ("project-district", 2, "学区代码")
    assert e.message == ("数据库中有 2 个区（420104 硚口区、990001 虚构区），本行没有填写学区代码或学校标识码，"
                         "无法确定项目属于哪个区：请填写其一")


def test_project_and_plan_in_one_go_on_a_fresh_store(store, tmp_path):
    """As the demo does: the plan bound to an empty store, then the district, its zones and its projects
    imported together — the project's 学区 is known from the same import."""
    use_plan(store, "qiaokou-2021-2025", "u")
    files = write_small(tmp_path / "base") + [write_one(tmp_path / "p", "project", project("地下停车场"))]
    report = import_files(store, files, user="u")
    assert report.ok, [i.text() for i in report.errors]


# ------------------------------------------------------------------ templates written for the store


def _template(*args) -> CliRunner:
    res = runner.invoke(app, ["template", *map(str, args)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return res


def _dropdown(path: Path, sheet: str, column: str) -> list[str]:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    [dv] = [dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith(f"{column}2:")]
    ref = dv.formula1.split("!")[1].replace("$", "")
    return [c.value for row in wb["代码表"][ref] for c in row]


def test_template_for_the_store_uses_its_codes_and_plan_categories(bound, tmp_path):
    db = bound.path
    bound.close()
    out = tmp_path / "重点项目库.xlsx"
    res = _template("重点项目库", "--db", db, "--output", out)
    assert "示例行使用库中 420104 的代码，“项目类别”下拉列表为该区绑定规划的类别" in res.stderr
    assert _dropdown(out, "重点项目库", "C") == QIAOKOU_CATEGORIES.split("、")
    ws = openpyxl.load_workbook(out)["重点项目库"]
    example = [c.value for c in ws[2]]
    # the plan's first project, in its own category, in the 学区 of a real primary school of the district
    assert example[:3] == ["kg_hongxing_jiayuan", "红星佳苑配建幼儿园", "幼儿园新改扩"]
    assert example[4] == "QK01"
    school = tmp_path / "学校基本信息.xlsx"
    _template("学校基本信息", "--db", db, "--output", school)
    row = [c.value for c in openpyxl.load_workbook(school)["学校基本信息"][2]]
    assert row[:6] == ["2420104001", "崇仁路小学", "211 小学", "公办", None, "420104"]
    # the untouched store-derived example rows are skipped by the import …
    with Store(db) as s:
        report = import_files(s, [out, school], user="u")
        assert [i.type for i in report.issues] == ["sheet-empty", "sheet-empty"]
    # … and one changed cell makes the row data: refused, naming the marker's cell
    wb = openpyxl.load_workbook(school)
    wb["学校基本信息"]["B2"] = "崇仁路小学（新校区）"
    wb.save(school)
    with Store(db) as s:
        [e] = import_files(s, [school], user="u").errors
    assert (e.type, e.row, e.cell) == ("example-row-modified", 2, "J2")


def test_template_without_a_store_is_neutral(tmp_path):
    out = tmp_path / "学校基本信息.xlsx"
    res = _template("学校基本信息", "--db", tmp_path / "none.duckdb", "--output", out)
    assert not (tmp_path / "none.duckdb").exists()
    row = [c.value for c in openpyxl.load_workbook(out)["学校基本信息"][2]]
    assert row[:7] == ["1234567890", "示例小学", "211 小学", "公办", "是", "123456", "示例路 1 号"]
    assert "示例行使用库中" not in res.stderr


def test_template_for_a_store_of_two_districts(two_districts, tmp_path):
    out = tmp_path / "重点项目库.xlsx"
    res = _template("重点项目库", "--db", two_districts, "--output", out)
    assert ("数据库中有 2 个区（420104 硚口区、990001 虚构区），模板使用通用示例；"
            "用 --district 指定一个区，即以该区的代码和规划类别为示例") in res.stderr
    row = [c.value for c in openpyxl.load_workbook(out)["重点项目库"][2]]
    assert row[:5] == ["sch_example_primary", "示例小学异地新建", "中小学新建", "异地新建", "XQ01"]
    res = _template("重点项目库", "--db", two_districts, "--district", "虚构区", "--output", out, "--force")
    assert _dropdown(out, "重点项目库", "C") == ["幼儿园", "中小学"]
    row = [c.value for c in openpyxl.load_workbook(out)["重点项目库"][2]]
    assert row[:5] == ["kg_east", "东区幼儿园", "幼儿园", "新建", "XG01"]
