"""Missing is not zero, and not failure: in `balance`, a school without teacher rows, or a year without facility
rows, is 无法判定 with the missing data named on its row — never 未达标 with 0.00/4.2 (0.0 %) — the other
schools are judged on their own data, a known failure still fails the level, and the missing-data note comes
before the tables. Checked in the result (JSON) and the 80-column table."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from typer.testing import CliRunner

from eduplan.cli.app import app

runner = CliRunner()
ENV = {"COLUMNS": "80", "EDUPLAN_PLAN": None, "EDUPLAN_DISTRICT": None, "EDUPLAN_DB": None, "EDUPLAN_SETTINGS": None}
CHONGREN = "2420104011"  # 武汉市硚口区崇仁路小学, a primary school of the demo district
TEACHERS_GONE = "缺少数据：高于规定学历教师数、县级以上骨干教师数、体育艺术专任教师数（L1、L2、L3 无法计算，缺失不按 0 计）"
FACILITIES_GONE = ("缺少数据：教学及辅助用房面积、体育运动场馆面积、教学仪器设备值、网络多媒体教室数"
                   "（L4、L5、L6、L7 无法计算，缺失不按 0 计）")


@pytest.fixture(scope="module")
def gaps(demo_store, tmp_path_factory):
    """A copy of the demo store without 崇仁路小学's 2025 teacher rows and without any 2024 facility rows."""
    db = tmp_path_factory.mktemp("gaps") / "demo.duckdb"
    shutil.copy(demo_store, db)
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM teachers WHERE year = 2025 AND school_code = ?", [CHONGREN])
    con.execute("DELETE FROM facilities WHERE year = 2024")
    con.close()
    return db


def run(db, *args: str):
    res = runner.invoke(app, ["balance", *args, "--db", str(db)], env=ENV)
    assert res.exit_code == 0, res.output
    return res


def schools(doc, level: str) -> dict[str, dict]:
    return {s["code"]: s for s in doc["levels"][level]["schools"]}


def test_a_school_without_teacher_rows_cannot_be_decided(gaps):
    doc = json.loads(run(gaps, "--year", "2025", "--format", "json").stdout)
    primary = doc["levels"]["小学"]
    s = schools(doc, "小学")[CHONGREN]
    assert (s["compliant"], s["met"], s["misses"], s["missing"]) == (None, None, [], TEACHERS_GONE)
    assert [s["values"][k] for k in ("L1", "L2", "L3")] == [None, None, None]
    # its own facility values are still there (its 2025 row: 15,801 ㎡, 856.75 万元, 2,362 pupils), and every
    # other school is judged on its own data
    assert s["pupils"] == 2362
    assert s["values"]["L4"] == pytest.approx(15801 / 2362) and s["values"]["L6"] == pytest.approx(856.75 * 10_000 / 2362)
    assert (primary["compliant_count"], primary["undecided_count"], primary["school_count"]) == (40, 1, 44)
    failed = {x["name"] for x in primary["schools"] if x["compliant"] is False}
    assert failed == {"武汉市硚口区六角亭小学", "武汉市硚口区义烈巷小学", "武汉市硚口区汉正街小学"}
    # the coefficients L1–L3 need every school: unknown; but three schools fail whatever it holds → 未达标
    assert (primary["coefficients_passed"], primary["schools_passed"], primary["passed"]) == (None, False, False)
    assert all(m["value"] > 0 for x in primary["schools"] for m in x["misses"])  # never a 0.00 from a gap


def test_the_table_says_why_on_the_row_and_the_note_first(gaps):
    out = run(gaps, "--year", "2025").stdout
    note = "说明：武汉市硚口区崇仁路小学（2420104011）2025 年没有小学专任教师数据：教师各项指标缺失（不按 0 计）"
    assert note in out and out.index(note) < out.index("小学：44 所学校") < out.index("检查清单")
    assert "学校达标 40/44 所、无法判定 1 所，结论 未达标" in out
    block = out.split("小学未达标或无法判定的学校")[1].split("拉大差异")[0]
    rows = [line for line in block.splitlines() if line.startswith("│")]
    first = [c.strip() for c in rows[0].split("│")[1:-1]]
    assert first[0].startswith("武汉市硚口区") and first[3] == "无法判定"
    reason = "".join("".join(line.split("│")[5].split()) for line in rows[:6])
    assert "".join(TEACHERS_GONE.split()) in reason
    assert "0.00/4.2" not in out and "（0.0%）" not in out


def test_a_year_without_facility_rows_cannot_be_decided(gaps):
    doc = json.loads(run(gaps, "--year", "2024", "--format", "json").stdout)
    for level in ("小学", "初中"):
        lv = doc["levels"][level]
        assert all(s["missing"] == FACILITIES_GONE for s in lv["schools"])
        assert all(s["compliant"] is not True for s in lv["schools"])
        assert not any(m["indicator"] in ("L4", "L5", "L6", "L7") for s in lv["schools"] for m in s["misses"])
        assert lv["coefficients_passed"] is None and lv["compliant_count"] == 0
        for ind in lv["indicators"][3:]:
            assert ind["computable"] is False and ind["cv"] is None
    undecided = [s for s in doc["levels"]["小学"]["schools"] if s["compliant"] is None]
    assert len(undecided) == doc["levels"]["小学"]["undecided_count"] > 0
    out = run(gaps, "--year", "2024").stdout
    assert "未达标 with" not in out and "0.00/" not in out
    assert out.index("没有办学条件数据") < out.index("小学：")


def test_plan_fixes_on_missing_data_show_the_evaluation_then_say_why(gaps):
    res = runner.invoke(app, ["balance", "--year", "2025", "--plan-fixes", "--db", str(gaps)], env=ENV)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "学校达标 40/44 所、无法判定 1 所，结论 未达标" in res.stdout
    assert ("武汉市硚口区崇仁路小学（小学）缺少“每百名学生拥有高于规定学历教师数”所需的数据，无法制定改进方案"
            in "".join(res.stderr.split()))
