"""`eduplan schools` (the register with filters), `eduplan school` (one school across years, by code or name)
and `eduplan db status` (the years each table holds), on the shared demo district."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from eduplan.cli.app import app
from eduplan.cli.render import year_span
from eduplan.metrics.schools import SchoolFilterError, list_schools, school_profile, table_years
from eduplan.store import Store

runner = CliRunner()
GUTIAN_PRIMARY = ["2420104013", "2420104022", "2420104032", "2420104033", "2420104042", "2420104135", "2420104137"]


def run(db, *args):
    return runner.invoke(app, [*args, "--db", str(db)], terminal_width=80, env={"COLUMNS": "80"})


def test_list_filters(demo_store):
    with Store(demo_store, read_only=True) as s:
        assert len(list_schools(s)) == 153
        assert len(list_schools(s, district="硚口区")) == 153 == len(list_schools(s, district="420104"))
        gutian = list_schools(s, zone="古田", school_type="小学")
        assert [r["school_code"] for r in gutian] == GUTIAN_PRIMARY
        assert gutian[0]["school_name"] == "武汉市硚口区古田路小学" and gutian[0]["zone_name"] == "古田组团"
        assert gutian[0]["type_name"] == "小学" and gutian[0]["years"] == list(range(2016, 2026))
        assert gutian[-1]["years"] == [2024, 2025]  # a school opened in 2024: only the years it has rows
        assert len(list_schools(s, school_type="初中")) == 16  # a 学段: every type serving it
        assert len(list_schools(s, school_type="九年一贯制学校")) == 6
        assert len(list_schools(s, name="幼儿园")) == 89
        with pytest.raises(SchoolFilterError, match="^没有名为“火星组团”的学区"):
            list_schools(s, zone="火星组团")


def test_schools_command_table_and_json(demo_store):
    r = run(demo_store, "schools", "--zone", "古田组团", "--type", "小学")
    assert r.exit_code == 0, r.output
    assert "学校名录（7 所）" in r.stdout and "武汉市硚口区汉宜小学" in r.stdout and "2023–2025" in r.stdout
    assert all(len(line) <= 80 for line in r.stdout.splitlines())
    doc = json.loads(run(demo_store, "schools", "--name", "古田", "--format", "json").stdout)
    assert doc["count"] == len(doc["schools"]) and {"2420104013", "2420104042"} <= {x["school_code"] for x in doc["schools"]}
    r = run(demo_store, "schools", "--name", "不存在的学校名")
    assert r.exit_code == 0 and r.stdout.strip() == "没有符合条件的学校。"


def test_school_by_name_code_or_part(demo_store):
    a = json.loads(run(demo_store, "school", "武汉市第十一中学", "--format", "json").stdout)
    b = json.loads(run(demo_store, "school", "2420104001", "--format", "json").stdout)
    assert a == b
    assert a["school"]["school_code"] == "2420104001" and a["school"]["type_name"] == "高级中学"
    pupils = next(f for f in a["figures"] if f["key"] == "pupils")
    assert pupils["values"]["2019"] == 2034
    teachers = next(f for f in a["figures"] if f["key"] == "teachers")
    assert teachers["values"]["2019"] == 183
    ratio = next(i for i in a["indicators"] if i["id"] == "pupil_teacher_ratio_senior")
    assert ratio["values"]["2019"] == pytest.approx(2034 / 183)


def test_school_year_and_text(demo_store):
    r = run(demo_store, "school", "游艺幼儿园", "--year", "2019")
    assert r.exit_code == 0, r.output
    assert "武汉市硚口区游艺幼儿园（2420104088）" in r.stdout and "│ 2019 │    485 │" in r.stdout
    assert all(len(line) <= 80 for line in r.stdout.splitlines())


def test_school_miss_and_ambiguity_are_said(demo_store):
    r = run(demo_store, "school", "十一")
    said = r.stderr.replace("\n", "")
    assert r.exit_code == 1
    assert "“十一”对应多个学校：武汉市第十一中学（2420104001）、武汉市十一滨江初级中学（2420104044）" in said
    r = run(demo_store, "school", "武汉市第十一中学", "--year", "2030")
    assert r.exit_code == 1 and "武汉市第十一中学 没有 2030 年的数据（有数据的年度：2016–2025）" in r.stderr.replace("\n", "")


def test_a_year_without_a_tables_rows_is_missing_not_zero(demo_store, tmp_path):
    db = tmp_path / "d.duckdb"
    shutil.copy(demo_store, db)
    with Store(db) as s:
        s.con.execute("DELETE FROM facilities WHERE school_code = '2420104001' AND year = 2019")
    with Store(db, read_only=True) as s:
        p = school_profile(s, "2420104001")
    area = next(f for f in p["figures"] if f["key"] == "building_area")
    assert area["values"][2019] is None and area["values"][2018] == 25796


def test_db_status_years(demo_store):
    with Store(demo_store, read_only=True) as s:
        years = table_years(s)
    assert years["enrolment"] == list(range(2016, 2026)) and years["school"] is None
    assert years["balance_judgement"] == list(range(2019, 2026))
    doc = json.loads(run(demo_store, "db", "status", "--format", "json").stdout)
    assert doc["years"]["project_finance"] == [2021, 2022, 2023, 2024, 2025]
    r = run(demo_store, "db", "status")
    assert "│ 督导评估判定   │ balance_judgement │" in r.stdout and "2019–2025" in r.stdout and "（不分年度）" in r.stdout


def test_year_span():
    assert year_span([2016, 2017, 2018, 2020]) == "2016–2018、2020"
    assert year_span([2019]) == "2019" and year_span([]) == "—"
