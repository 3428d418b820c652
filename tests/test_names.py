"""Names a person types: an indicator by its Chinese name (or an unambiguous part of it) as well as its id, a
scenario by 出生低方案 as well as births-low; a miss names the nearest names in Chinese. And `explain` says
how a figure is computed in words, not in the engine's expressions."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from eduplan.cli.app import app
from eduplan.forecast.inputs import ForecastError
from eduplan.forecast.scenarios import find_scenario
from eduplan.indicators import load_definitions
from eduplan.indicators.explain import formula_words
from eduplan.indicators.expr import DefinitionError
from eduplan.names import NameNotFound, find

runner = CliRunner()
DEFS = load_definitions()


@pytest.mark.parametrize("text", ["学前三年毛入园率", "preschool_gross_enrolment", "毛入园率", "学前三年 毛入园率",
                                  "ＰＲＥＳＣＨＯＯＬ_gross_enrolment"])
def test_an_indicator_by_id_name_or_part_of_its_name(text):
    assert DEFS.find(text).id == "preschool_gross_enrolment"


def test_a_part_fitting_several_indicators_names_them_all():
    with pytest.raises(DefinitionError) as e:
        DEFS.find("巩固率")
    assert str(e.value) == ("“巩固率”对应多个指标：九年义务教育巩固率（compulsory_retention_rate）、"
                            "初中三年巩固率（junior_retention_rate）；请给出完整名称或代码")


def test_a_miss_names_the_nearest_chinese_names_not_every_id():
    with pytest.raises(DefinitionError) as e:
        DEFS.find("学前毛入学")
    assert str(e.value) == ("没有指标“学前毛入学”；最接近的：学前三年毛入园率（preschool_gross_enrolment）、"
                            "高中阶段教育毛入学率（upper_secondary_gross_enrolment）；eduplan indicators 列出全部指标")


def test_find_prefers_an_exact_name_over_a_longer_name_containing_it():
    entries = [("a", "a", ["小学"]), ("b", "b", ["小学教学点"])]
    assert find("小学", entries, "类型") == "a"
    assert find("教学点", entries, "类型") == "b"
    with pytest.raises(NameNotFound, match="^请给出类型的名称或代码$"):
        find("  ", entries, "类型")


@pytest.mark.parametrize("text,expected", [("出生低方案", "births-low"), ("births-low", "births-low"),
                                           ("出生低", "births-low"), ("班额", "class-size-tight"),
                                           ("基准情景", "baseline"), ("delay-P01-2y", "delay-P01-2y")])
def test_a_scenario_by_id_or_chinese_name(text, expected):
    assert find_scenario(text) == expected


def test_a_scenario_miss_or_ambiguity_is_said_in_chinese():
    with pytest.raises(ForecastError) as e:
        find_scenario("出生")
    assert str(e.value).startswith("“出生”对应多个情景：出生高方案（births-high）、出生低方案（births-low）；")
    with pytest.raises(ForecastError) as e:
        find_scenario("出生偏低方案")
    assert str(e.value).startswith("没有名为“出生偏低方案”的情景；最接近的：出生低方案（births-low）、出生高方案（births-high）")


def test_formula_in_words_from_the_definitions_labels():
    assert formula_words(DEFS.get("preschool_gross_enrolment")) == "在园幼儿数（含全部年龄） ÷ 3–5 岁常住人口 × 100"
    assert formula_words(DEFS.get("pupil_teacher_ratio_primary")) == "小学在校生 ÷ 小学专任教师"
    # the label already is pupils ÷ 19: the coefficient is not said twice
    assert formula_words(DEFS.get("staffing_gap_primary")) == "按 1:19.0 应有教职工 − 现有教职工"
    assert formula_words(DEFS.get("junior_retention_rate")).startswith(
        "（初中毕业生数 − 初一学年转入（2 年前） − 初二学年转入（1 年前） − 初三学年转入 + ")


def _explain(db, *args):
    return runner.invoke(app, ["explain", *args, "--db", str(db), "--year", "2019"])


def test_explain_by_chinese_name_equals_explain_by_id(demo_store):
    by_name = json.loads(_explain(demo_store, "学前三年毛入园率", "--format", "json").stdout)
    by_id = json.loads(_explain(demo_store, "preschool_gross_enrolment", "--format", "json").stdout)
    assert by_name["indicator"] == "preschool_gross_enrolment"
    assert by_name["value"] == by_id["value"] and by_name["numerator"] == by_id["numerator"] == 23495
    assert by_name["formula"] == "在园幼儿数（含全部年龄） ÷ 3–5 岁常住人口 × 100"
    assert by_name["numerator_terms"][0]["relation_label"] == "分年级学生数"


def test_explain_table_shows_words_not_expressions(demo_store):
    r = _explain(demo_store, "毛入园率")
    assert r.exit_code == 0, r.output
    assert "计算：在园幼儿数（含全部年龄） ÷ 3–5 岁常住人口 × 100" in r.stdout
    assert "  3–5 岁常住人口：24,731.00" in r.stdout and "来源：常住人口分年龄 2019 年" in r.stdout
    assert "level ==" not in r.stdout and "age >=" not in r.stdout and "enrolment.pupils" not in r.stdout


def test_explain_miss_suggests_chinese_names(demo_store):
    r = _explain(demo_store, "学前毛入学")
    assert r.exit_code == 1
    said = r.stderr.replace("\n", "")  # the error console wraps at its width
    assert "最接近的：学前三年毛入园率（preschool_gross_enrolment）" in said
    assert "athletics_team_championship" not in r.output  # not the list of every id
