"""`eduplan summary` per district, each beside its own plan's published figures: a store with the small
硚口-shaped district (its plan bound) and a fictional 虚构区 (990001, a plan of its own with a 2019 actual
column), a store whose district has no plan, and the import's note on which districts lack a plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eduplan.cli.app import app
from eduplan.ingest import import_files
from eduplan.plan.binding import use_plan
from eduplan.store import Store
from helpers import write_small

runner = CliRunner()
OTHER_PLAN = Path(__file__).parent / "data" / "plan-other.yaml"
X = "990001"
# 虚构区: one primary school and one kindergarten in one 学区
OTHER = {
    "district": [{"district_code": X, "district_name": "虚构区", "city_name": "示例市"}],
    "zone": [{"zone_code": "XG01", "zone_name": "第一学区", "district_code": X}],
    "school": [
        {"school_code": "9900010001", "school_name": "虚构区实验小学", "type_code": "211", "ownership": "公办",
         "district_code": X},
        {"school_code": "9900010002", "school_name": "虚构区幼儿园", "type_code": "111", "ownership": "公办",
         "inclusive": "是", "district_code": X},
    ],
    "school_zone": [{"school_code": "9900010001", "zone_code": "XG01", "start_year": 2016},
                    {"school_code": "9900010002", "zone_code": "XG01", "start_year": 2016}],
    "enrolment": [
        {"year": 2019, "school_code": "9900010001", "grade": "P1", "classes": 2, "male": 40, "female": 40, "pupils": 80},
        {"year": 2019, "school_code": "9900010002", "grade": "K1", "classes": 2, "male": 25, "female": 25, "pupils": 50},
    ],
    "population": [{"year": 2019, "area_code": X, "age": a, "population": 20 + a} for a in range(0, 23)],
    "area_year": [{"year": 2019, "area_code": X, "residents": 100000, "births": 900,
                   "public_expenditure": 500.0, "education_expenditure": 100.0}],
}


def other_plan(tmp_path: Path) -> Path:
    """plan-other.yaml with its actual column (and baseline) in 2019 instead of 2024."""
    p = tmp_path / "xugou-2026-2030.yaml"
    p.write_text(OTHER_PLAN.read_text(encoding="utf-8").replace("2024", "2019"), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def two_districts(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("two")
    db = tmp / "two.duckdb"
    with Store(db) as s:
        use_plan(s, "qiaokou-2021-2025", "u")
        assert import_files(s, write_small(tmp / "a"), user="u").ok
        assert import_files(s, write_small(tmp / "b", OTHER), user="u").ok
        use_plan(s, other_plan(tmp), "u")
    return db


def summary(*args) -> tuple[int, str, str]:
    res = runner.invoke(app, ["summary", *map(str, args)], env={"COLUMNS": "200"})
    return res.exit_code, res.stdout, res.stderr


def test_two_districts_two_summaries_each_with_its_own_plan(two_districts):
    code, out, err = summary("--db", two_districts, "--year", 2019, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["year"] == 2019
    a, b = doc["districts"]
    assert (a["district"]["district_code"], b["district"]["district_code"]) == ("420104", X)
    # 硚口's plan publishes 95 for 2019; the small district's own value is 90 / 312 × 100
    fa = a["figures"]["preschool_gross_enrolment"]
    assert (fa["published"], round(fa["value"], 3)) == ("95", 28.846)
    # 虚构区's plan publishes 90; its value is 50 / (23 + 24 + 25) × 100 = 69.444…
    fb = b["figures"]["preschool_gross_enrolment"]
    assert (fb["published"], round(fb["value"], 3)) == ("90", 69.444)
    # the headline figures are each plan's own table rows
    assert list(b["figures"]) == ["preschool_gross_enrolment", "compulsory_balance_coefficient"]
    assert b["figures"]["compulsory_balance_coefficient"]["published"] == "0.62/0.55"
    assert len(a["figures"]) == 15 and a["figures"]["education_expenditure_share"]["published"] == "21.85"
    assert b["plan"]["title"] == "虚构区教育事业发展“十五五”规划（2026—2030）（测试用虚构示例）"
    assert a["scope"]["plan"]["id"] == "qiaokou-2021-2025" and b["scope"]["plan"]["id"] == "xugou-2026-2030"

    code, out, err = summary("--db", two_districts, "--year", 2019)
    assert code == 0, err
    assert out.count("规划所载 2019") == 2
    assert "武汉市硚口区（420104） 2019 学年 区情摘要" in out and "示例市虚构区（990001） 2019 学年 区情摘要" in out
    # each plan's own line on stderr
    assert "虚构区（990001）：规划 虚构区教育事业发展“十五五”规划" in err


def test_district_option_selects_one(two_districts):
    code, out, err = summary("--db", two_districts, "--district", "虚构区", "--format", "json")
    assert code == 0, err
    [only] = json.loads(out)["districts"]
    assert only["district"]["district_code"] == X and only["year"] == 2019
    assert "未指定 --year：使用库中有数据的最近年度 2019 年" in err


def test_a_district_without_a_plan_has_no_published_column(tmp_path):
    db = tmp_path / "a.duckdb"
    with Store(db) as s:
        assert import_files(s, write_small(tmp_path / "src"), user="u").ok
    code, out, err = summary("--db", db, "--year", 2019)
    assert code == 0, err
    assert "规划所载" not in out
    assert "无规划目标：本区未绑定规划（eduplan plan use 规划文件）" in out
    code, out, err = summary("--db", db, "--year", 2019, "--format", "json")
    [d] = json.loads(out)["districts"]
    assert d["plan"] is None and d["scope"]["plan"] is None
    assert {k: v["published"] for k, v in d["figures"].items()} == dict.fromkeys(d["figures"])
    assert round(d["figures"]["education_expenditure_share"]["value"], 2) == 21.85


def test_import_says_which_districts_lack_a_plan(tmp_path):
    db = tmp_path / "a.duckdb"
    res = runner.invoke(app, ["import", *map(str, write_small(tmp_path / "src")), "--db", str(db)],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stderr
    assert "数据属于 硚口区（420104）：尚未绑定规划：运行 eduplan plan use 规划文件" in res.stderr
    with Store(db) as s:
        use_plan(s, "qiaokou-2021-2025", "u")
    res = runner.invoke(app, ["import", *map(str, write_small(tmp_path / "b", OTHER)), "--db", str(db),
                              "--format", "json"])
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["districts"] == [{"district_code": X, "district_name": "虚构区", "plan": None}]
    res = runner.invoke(app, ["import", *map(str, write_small(tmp_path / "c", {"enrolment": [
        {"year": 2020, "school_code": "2420104001", "grade": "P1", "classes": 4, "male": 90, "female": 85,
         "pupils": 175}]})), "--db", str(db)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stderr
    assert ("数据属于 硚口区（420104）：按已绑定的规划“硚口区教育事业发展“十四·五”规划（2021—2025）（征求意见稿）”评估"
            in res.stderr)
