"""Indicators against the plan bound to each district: interim targets named, the projection year is the
plan's end year, and a store holding two districts judges each against its own plan (or none).

The store is the hand-made district of test_indicators (420104, 2019 data) plus a copy of it as a second
district 420105 (汉阳区, zones HYQK01/HYQK02, the same numbers). Two small plans, written here:

- plan A (420104), period 2018–2021, baseline 2018; 学前三年毛入园率 2018 actual 90, 2019 target 95 (an
  interim target: a target column before the end year), 2021 target 99.
  2019 value = 238 ÷ 255 × 100 = 93.33. The target shown for 2019 is the next one ahead, the 2019 interim
  ≥95 (“2019 年中期目标”); the final one is ≥99 in 2021. Path(2019) = the interim target 95 (the first
  segment runs from the baseline 90 in 2018 to 95 in 2019). 93.33 is behind it by 1.67, within the
  tolerance 0.25 × |99 − 90| = 2.25 and before 2021 → 有风险; the note: “2019 年中期目标 ≥95 未达成”.
- plan B (420105), period 2019–2023, baseline 2018; 学前三年毛入园率 2018 actual 90, 2023 target 92.
  93.33 ≥ 92 → 已达成; target shown ≥92 “2023 年期末目标”; no note.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from eduplan.indicators import IndicatorSettings, load_definitions
from eduplan.indicators.report import build_reports
from eduplan.indicators.targets import attach
from eduplan.ingest import import_files
from eduplan.plan import parse_plan
from eduplan.plan.binding import use_plan
from eduplan.plan.scope import scopes
from eduplan.store import Store
from helpers import write_small
from test_indicators import DATA, D

D2 = "420105"


def plan_text(pid: str, code: str, name: str, start: int, end: int, rows: str, columns: str) -> str:
    return f"""schema_version: 1
meta:
  id: {pid}
  title: {name}测试规划（{start}—{end}）
  district: {{code: "{code}", name: {name}}}
  period: {{start: {start}, end: {end}}}
  baseline_year: 2018
  status: 测试
  source: {{file: {pid}.txt}}
tables:
  - id: t
    title: {name}主要指标
    short_title: 主要指标表
    cite: {{section: "一", text: "主要指标"}}
    columns:
{columns}
    rows:
{rows}
"""


PLAN_A = plan_text("a-2018-2021", D, "硚口区", 2018, 2021, columns="""\
      - {key: y2018, label: 2018 年实际, year: 2018, kind: actual}
      - {key: y2019, label: 2019 年中期目标, year: 2019, kind: target}
      - {key: y2021, label: 2021 年目标, year: 2021, kind: target}""", rows="""\
      - id: preschool_gross_enrolment
        label: 学前三年毛入园率
        name: 学前三年毛入园率
        unit: "%"
        values: {y2018: "90", y2019: "95", y2021: "99"}
        cite: {section: "一 表", text: "学前三年毛入园率 90 95 99"}""")

PLAN_B = plan_text("b-2019-2023", D2, "汉阳区", 2019, 2023, columns="""\
      - {key: y2018, label: 2018 年实际, year: 2018, kind: actual}
      - {key: y2023, label: 2023 年目标, year: 2023, kind: target}""", rows="""\
      - id: preschool_gross_enrolment
        label: 学前三年毛入园率
        name: 学前三年毛入园率
        unit: "%"
        values: {y2018: "90", y2023: "92"}
        cite: {section: "一 表", text: "学前三年毛入园率 90 92"}""")


def second_district() -> dict[str, list[dict]]:
    """DATA as district 420105 汉阳区: codes renamed, the same numbers."""
    other: dict[str, list[dict]] = {}
    for name, rows in DATA.items():
        other[name] = []
        for r in rows:
            r = dict(r)
            for k in ("district_code", "area_code"):
                if r.get(k) == D:
                    r[k] = D2
            if "school_code" in r:
                r["school_code"] = r["school_code"].replace(D, D2)
            if r.get("area_code", "").startswith("QK"):
                r["area_code"] = "HY" + r["area_code"]
            if "zone_code" in r:
                r["zone_code"] = "HY" + r["zone_code"]
            if name == "district":
                r["district_name"] = "汉阳区"
            other[name].append(r)
    return other


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    """(db, folder): the two districts imported; only plan A bound (420105 has none yet)."""
    tmp = tmp_path_factory.mktemp("two")
    db = tmp / "two.duckdb"
    (tmp / "a.yaml").write_text(PLAN_A, encoding="utf-8")
    (tmp / "b.yaml").write_text(PLAN_B, encoding="utf-8")
    with Store(db) as s:
        assert import_files(s, write_small(tmp / "a", DATA), user="u").ok
        assert import_files(s, write_small(tmp / "b", second_district()), user="u").ok
        use_plan(s, tmp / "a.yaml", "u")
    return db, tmp


def _district_row(report: dict, iid: str = "preschool_gross_enrolment") -> dict:
    ind = next(i for i in report["indicators"] if i["id"] == iid)
    [v] = [v for v in ind["values"] if v["unit_type"] == "district" and v["breakdown"] is None]
    return v


def _reports(db):
    defs = load_definitions()
    with Store(db, read_only=True) as s:
        return build_reports(s, scopes(s, several=True), defs, IndicatorSettings(), 2019)


def test_interim_target_named_when_missed(two):
    db, _ = two
    a = _reports(db)[0]
    assert a["district"]["district_code"] == D and a["plan"] == "a-2018-2021" and a["projection_year"] == 2021
    v = _district_row(a)
    assert (v["numerator"], v["denominator"]) == (238, 255)
    assert v["target"] == {"op": ">=", "value": 95.0, "year": 2019, "label": "2019 年中期目标", "text": "≥95",
                           "source": "主要指标表·2019 年中期目标"}
    assert v["final_target"] == {"op": ">=", "value": 99.0, "year": 2021}
    assert v["path"] == pytest.approx(95.0)
    assert (v["status"], v["status_note"]) == ("有风险", "2019 年中期目标 ≥95 未达成")


def test_a_district_without_a_plan_gets_no_targets(two):
    db, _ = two
    a, b = _reports(db)
    assert b["district"]["district_code"] == D2 and b["plan"] is None and b["targets"] == "无规划目标"
    v = _district_row(b)
    assert v["value"] == pytest.approx(238 / 255 * 100)
    assert (v["target"], v["final_target"], v["status"], v["projection"]) == (None, None, "无规划目标", None)
    # each district's rows are its own units only
    zones = {e["unit_code"] for e in next(i for i in b["indicators"] if i["id"] == "preschool_gross_enrolment")["values"]
             if e["unit_type"] == "zone"}
    assert zones == {"HYQK01", "HYQK02"}
    zones = {e["unit_code"] for e in next(i for i in a["indicators"] if i["id"] == "preschool_gross_enrolment")["values"]
             if e["unit_type"] == "zone"}
    assert zones == {"QK01", "QK02"}


def test_two_districts_each_against_their_own_plan(two, tmp_path):
    db, folder = two
    copy = tmp_path / "both.duckdb"
    copy.write_bytes(db.read_bytes())
    with Store(copy) as s:
        use_plan(s, folder / "b.yaml", "u")
    a, b = _reports(copy)
    assert (a["plan"], b["plan"]) == ("a-2018-2021", "b-2019-2023")
    assert (a["projection_year"], b["projection_year"]) == (2021, 2023)
    va, vb = _district_row(a), _district_row(b)
    assert va["value"] == vb["value"] == pytest.approx(238 / 255 * 100)  # the same numbers …
    assert (va["target"]["value"], va["status"]) == (95.0, "有风险")  # … judged by different plans
    assert vb["target"] == {"op": ">=", "value": 92.0, "year": 2023, "label": "2023 年期末目标", "text": "≥92",
                            "source": "主要指标表·2023 年目标"}
    assert (vb["status"], vb["status_note"]) == ("已达成", None)
    # a zone is judged against its own district's plan too
    ind = next(i for i in b["indicators"] if i["id"] == "preschool_gross_enrolment")
    zone = next(e for e in ind["values"] if e["unit_code"] == "HYQK01" and e["breakdown"] is None)
    assert zone["target"]["value"] == 92.0


def _series(years, values, code="X"):
    n = len(years)
    return pd.DataFrame({"year": years, "unit_type": ["district"] * n, "unit_code": [code] * n, "bdim": [""] * n,
                         "bval": [""] * n, "indicator": ["preschool_gross_enrolment"] * n,
                         "numerator": [np.nan] * n, "denominator": [np.nan] * n, "value": values,
                         "source": ["computed"] * n, "missing": [None] * n})


def test_projection_year_is_the_plans_end_year():
    """89, 90, 91, 92 in 2017–2020 (slope 1; four years, the fewest projected): projected to 2021 (plan A's
    end) = 93, to 2023 (plan B's end) = 95; the settings' projection_year overrides both; without a plan
    nothing is projected."""
    defs = load_definitions()
    values = _series([2017, 2018, 2019, 2020], [89.0, 90.0, 91.0, 92.0])
    for text, end, point in ((PLAN_A, 2021, 93.0), (PLAN_B, 2023, 95.0)):
        got = attach(values, parse_plan(text), defs, IndicatorSettings())
        last = got[got.year == 2020].iloc[0]
        assert (last.projection_year, last.projection) == (end, pytest.approx(point))
    got = attach(values, parse_plan(PLAN_A), defs, IndicatorSettings(projection_year=2030))
    assert got[got.year == 2020].iloc[0].projection == pytest.approx(102.0)
    bare = attach(values, None, defs, IndicatorSettings())
    assert list(bare.status) == ["无规划目标"] * 4 and bare.projection.isna().all()


def test_interim_met_and_no_status_before_the_baseline():
    """Plan A: 2019 value 96 meets the interim ≥95 → note 已达成; 2017 is before the baseline 2018: no
    status; 2020 (after the interim year) shows the final target ahead, ≥99 of 2021."""
    got = attach(_series([2017, 2018, 2019, 2020], [80.0, 90.0, 96.0, 97.0]), parse_plan(PLAN_A), load_definitions(),
                 IndicatorSettings())
    by_year = {int(r.year): r for r in got.itertuples()}
    assert by_year[2019].status_note == "2019 年中期目标 ≥95 已达成" and by_year[2019].status == "按计划"
    assert pd.isna(by_year[2017].status) and by_year[2017].status_note == "基线年 2018 年之前，不判定"
    assert (by_year[2020].target, by_year[2020].target_year, by_year[2020].target_label) == (99.0, 2021,
                                                                                              "2021 年期末目标")


# ------------------------------------------------------------------ the commands

runner = CliRunner()
ENV = {"COLUMNS": "250", "EDUPLAN_PLAN": None, "EDUPLAN_DISTRICT": None, "EDUPLAN_DB": None, "EDUPLAN_SETTINGS": None}


def run(*args):
    from eduplan.cli.app import app

    return runner.invoke(app, [*map(str, args)], env=ENV)


def test_cli_indicators_reports_each_district(two):
    db, _ = two
    res = run("indicators", "--db", db, "--year", 2019, "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["year"] == 2019 and [d["district"]["district_code"] for d in doc["districts"]] == [D, D2]
    assert [d["plan"] for d in doc["districts"]] == ["a-2018-2021", None]
    assert doc["districts"][0]["district"]["plan"]["period"] == [2018, 2021]
    res = run("indicators", "--db", db, "--year", 2019)
    assert res.exit_code == 0, res.output
    assert f"规划指标监测：硚口区（{D}）（区） — 规划：硚口区测试规划（2018—2021）" in res.stdout
    assert f"规划指标监测：汉阳区（{D2}）（区） — 规划：无规划目标" in res.stdout
    assert "有风险：2019 年中期目标 ≥95 未达成" in res.stdout and "2021 外推" in res.stdout
    # one district named: its report alone, flat
    doc = json.loads(run("indicators", "--db", db, "--year", 2019, "--district", "汉阳区", "-f", "json").stdout)
    assert doc["district"]["district_code"] == D2 and doc["targets"] == "无规划目标"
    # a zone names its district
    doc = json.loads(run("indicators", "--db", db, "--year", 2019, "--unit", "HYQK01", "-f", "json").stdout)
    assert doc["district"]["district_code"] == D2 and doc["unit"]["code"] == "HYQK01"


def test_cli_xlsx_has_a_district_column(two, tmp_path):
    import openpyxl

    db, _ = two
    out = tmp_path / "i.xlsx"
    res = run("indicators", "--db", db, "--year", 2019, "--format", "xlsx", "--output", out)
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out)["区"]
    heads = [c.value for c in ws[3]]  # rows 1–2: title and provenance
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True)
            if r[0] == "学前三年毛入园率" and r[heads.index("分组")] is None]
    got = {r[heads.index("所属区")]: (r[heads.index("目标值")], r[heads.index("状态")], r[heads.index("状态说明")])
           for r in rows}
    assert got == {f"硚口区（{D}）": (0.95, "有风险", "2019 年中期目标 ≥95 未达成"),  # a percent cell: 0.95 shown 95.0%
                   f"汉阳区（{D2}）": (None, "无规划目标", None)}


def test_cli_explain_needs_one_district_and_names_the_interim(two):
    db, _ = two
    res = run("explain", "preschool_gross_enrolment", "--db", db, "--year", 2019)
    assert res.exit_code == 1
    assert f"数据库中有 2 个区：{D} 硚口区、{D2} 汉阳区；请用 --district 指定一个" in " ".join(res.output.split())
    res = run("explain", "preschool_gross_enrolment", "--db", db, "--year", 2019, "--district", D, "-f", "json")
    doc = json.loads(res.stdout)
    [row] = doc["plan"]["rows"]
    assert (row["status"], row["status_note"]) == ("有风险", "2019 年中期目标 ≥95 未达成")
    assert {c["unit_code"] for c in doc["contributions"] if c["unit_type"] == "zone"} == {"QK01", "QK02"}
    out = " ".join(run("explain", "preschool_gross_enrolment", "--db", db, "--year", 2019, "--district", D).stdout.split())
    assert "目标 ≥95（2019 年中期目标），期末目标 ≥99（2021）；当年路径值 95.00；状态 有风险（2019 年中期目标 ≥95 未达成）" in out
    doc = json.loads(run("explain", "preschool_gross_enrolment", "--db", db, "--year", 2019, "--unit", "HYQK02",
                         "-f", "json").stdout)
    assert doc["district"]["district_code"] == D2 and doc["plan"]["status"] == "无规划目标"


def test_cli_plan_of_another_district_is_refused(two):
    db, folder = two
    res = run("indicators", "--db", db, "--year", 2019, "--district", D, "--plan", folder / "b.yaml")
    assert res.exit_code == 1
    assert "是 420105 汉阳区 的规划，不能用来评估" in " ".join(res.output.split())
    res = run("explain", "preschool_gross_enrolment", "--db", db, "--unit", "HYQK01", "--district", D)
    assert res.exit_code == 1 and "不属于 --district 指定的区" in res.output


def test_cli_table_readable_at_80_columns(two):
    """At 80 columns the table keeps 指标, 数值 (with its unit), 目标, 状态 and the projection, wraps
    instead of cutting names, and says which columns it left out."""
    from eduplan.cli.app import app

    db, _ = two
    res = runner.invoke(app, ["indicators", "--db", str(db), "--year", "2019", "--district", D],
                        env={**ENV, "COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines if line.startswith(("┃", "│"))) <= 80
    assert "终端较窄：分子、分母、路径未显示" in res.stdout and "分母" not in res.stdout.split("终端较窄")[0]
    rows: list[list[str]] = []  # a row starts where its 数值 cell is filled; wrapped lines continue it
    for line in lines:
        if line.startswith("│"):
            cells = ["".join(c.split()) for c in line.split("│")[1:-1]]
            if cells[1]:
                rows.append(cells)
            else:
                rows[-1] = [a + b for a, b in zip(rows[-1], cells)]
    assert rows[0] == ["学前三年毛入园率", "93.33%", "≥95（2019年中期目标）", "有风险：2019年中期目标≥95未达成", "数据年份不足"]


def test_a_name_two_districts_share_is_not_taken_silently(two):
    """Both districts have a school named 红星幼儿园 (the copy keeps the names): the name alone is refused
    with both codes; with --district it is that district's school."""
    db, _ = two
    res = run("indicators", "--db", db, "--year", 2019, "--unit", "红星幼儿园")
    assert res.exit_code == 1
    msg = " ".join(res.output.split())
    assert "“红星幼儿园”是多个统计单位的名称：学校 2420104003（区 420104）、学校 2420105003（区 420105）" in msg
    doc = json.loads(run("indicators", "--db", db, "--year", 2019, "--unit", "红星幼儿园", "--district", D2,
                         "-f", "json").stdout)
    assert doc["unit"] == {"type": "school", "code": "2420105003", "name": "红星幼儿园"}
