"""`eduplan plan use|history|show`: a plan bound to its district in the store, with its text, sha256, who
and when; the same text again changes nothing; a new version supersedes the old one (kept in the
history); another district's plan, or a plan with errors, is refused (exit 1, nothing bound).

Runs `eduplan plan …` (eduplan.cli.app.app) through typer's CliRunner, then checks the store through its API."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eduplan.cli.app import app
from eduplan.store import Store, os_account
from jiangwan import PLAN

runner = CliRunner()
ENV = {"COLUMNS": "250", "EDUPLAN_USER": None, "EDUPLAN_PLAN": None, "EDUPLAN_DISTRICT": None, "EDUPLAN_DB": None}


def plan(*args: str):
    return runner.invoke(app, ["plan", *args], env=ENV)


def bindings(db: Path, current: bool = True) -> list[dict]:
    with Store(db, read_only=True) as s:
        return s.plan_bindings(current=current)


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    return tmp_path / "江湾区.duckdb"


def test_use_on_fresh_store_records_text_sha_user_time(fresh: Path):
    before = datetime.now(timezone.utc)
    res = plan("use", str(PLAN), "--db", str(fresh), "--user", "江湾区教育局 王老师")
    assert res.exit_code == 0, res.output
    assert "已绑定" in res.output and "420188 江湾区" in res.output and "规划期 2026–2030" in res.output
    # an empty store: the user is told that the plan applies once the district's data is imported
    assert "数据库中还没有任何数据；导入 江湾区（420188）的数据后，各命令即按本规划评估" in res.output
    text = PLAN.read_text(encoding="utf-8")
    [b] = bindings(fresh)
    assert b["district_code"] == "420188"
    assert b["plan_id"] == "jiangwan-2026-2030"
    assert b["title"] == "江湾区教育事业发展“十五·五”规划（2026—2030）（测试用虚构示例）"
    assert (b["period_start"], b["period_end"]) == (2026, 2030)
    assert b["file_name"] == "jiangwan-2026-2030.yaml"
    assert b["text"] == text
    assert b["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert b["user_name"] == "江湾区教育局 王老师"
    assert b["os_user"] == os_account()  # the OS account is recorded beside the name the user gave
    assert before - timedelta(seconds=1) <= b["bound_at"] <= datetime.now(timezone.utc) + timedelta(seconds=1)
    assert b["bound_at"].utcoffset() == timedelta(0)  # an aware time in UTC
    assert b["superseded_by"] is None


def test_same_text_again_changes_nothing(fresh: Path):
    assert plan("use", str(PLAN), "--db", str(fresh), "--user", "甲").exit_code == 0
    [first] = bindings(fresh)
    res = plan("use", str(PLAN), "--db", str(fresh), "--user", "乙")
    assert res.exit_code == 0, res.output
    assert "已绑定同一份规划" in res.output and "未作更改" in res.output
    assert bindings(fresh, current=False) == [first]  # no new row, same user, same time


def _new_version(tmp_path: Path) -> Path:
    """The same plan with its 2030 学前三年毛入园率 target raised from 98 to 98.5."""
    text = PLAN.read_text(encoding="utf-8")
    old = 'values: {y2025: "94.6", y2028: "96", y2030: "98"}'
    assert text.count(old) == 1
    path = tmp_path / "jiangwan-2026-2030-修订.yaml"
    path.write_text(text.replace(old, 'values: {y2025: "94.6", y2028: "96", y2030: "98.5"}'), encoding="utf-8")
    return path


def test_new_version_supersedes_and_history_lists_both(fresh: Path, tmp_path: Path):
    assert plan("use", str(PLAN), "--db", str(fresh), "--user", "甲").exit_code == 0
    v2 = _new_version(tmp_path)
    res = plan("use", str(v2), "--db", str(fresh), "--user", "乙")
    assert res.exit_code == 0, res.output
    assert "取代此前的绑定 1" in res.output and "旧版本保留在绑定历史中" in res.output
    [current] = bindings(fresh)
    assert (current["binding_id"], current["file_name"], current["user_name"]) == (2, v2.name, "乙")
    history = bindings(fresh, current=False)
    assert [(b["binding_id"], b["superseded_by"]) for b in history] == [(1, 2), (2, None)]

    res = plan("history", "--db", str(fresh), "--format", "json")
    assert res.exit_code == 0, res.output
    docs = json.loads(res.stdout)
    assert [(d["binding_id"], d["district_code"], d["file_name"], d["user_name"], d["current"]) for d in docs] == [
        (1, "420188", "jiangwan-2026-2030.yaml", "甲", False), (2, "420188", v2.name, "乙", True)]
    assert all("text" not in d for d in docs)

    table = plan("history", "--db", str(fresh))
    assert table.exit_code == 0, table.output
    assert "jiangwan-2026-2030.yaml" in table.output and v2.name in table.output

    # plan show reads the current (second) version from the store
    show = plan("show", "--db", str(fresh), "--format", "json")
    assert show.exit_code == 0, show.output
    doc = json.loads(show.stdout)
    row = next(r for r in doc["tables"][0]["rows"] if r["id"] == "preschool_gross_enrolment")
    assert (row["values"]["y2030"]["op"], row["values"]["y2030"]["value"]) == (">=", 98.5)


def test_plan_show_shows_the_bound_plan(fresh: Path):
    assert plan("use", str(PLAN), "--db", str(fresh)).exit_code == 0
    res = plan("show", "--db", str(fresh), "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["meta"]["district"] == {"code": "420188", "name": "江湾区", "city": "临江市", "province": "湖北省"}
    assert doc["meta"]["period"] == {"start": 2026, "end": 2030, "name": "十五·五"}
    assert doc["key_projects"]["stated_total"]["investment"] == 6.4
    assert [p["id"] for p in doc["key_projects"]["projects"]] == [
        "jw_kg_lanting", "jw_kg_beiwan", "jw_sch_shiyan", "jw_sch_xingang", "jw_repair_binjiang"]
    table = plan("show", "--db", str(fresh))
    assert table.exit_code == 0, table.output
    for text in ("江湾区", "420188", "2026–2030", "2028 年中期目标", "江湾实验学校", "十四·五"):
        assert text in table.output, text
    assert "硚口" not in table.output and "十三·五" not in table.output


def test_qiaokou_plan_refused_on_a_store_of_jiangwan(jiangwan_store: Path, tmp_path: Path):
    db = tmp_path / "jiangwan.duckdb"
    shutil.copy(jiangwan_store, db)
    before = bindings(db, current=False)
    res = plan("use", "qiaokou-2021-2025", "--db", str(db))
    assert res.exit_code == 1
    msg = " ".join(res.output.split())
    assert "规划“硚口区教育事业发展“十四·五”规划（2021—2025）（征求意见稿）”属于 420104 硚口区" in msg
    assert "只有 420188 江湾区 的数据，未绑定" in msg
    assert "请先导入该区的“区县”表（行政区划代码 420104）" in msg
    assert "Traceback" not in res.output
    assert bindings(db, current=False) == before  # still only 江湾区's plan
    assert [b["plan_id"] for b in before] == ["jiangwan-2026-2030"]


def test_plan_with_an_error_is_refused(fresh: Path, tmp_path: Path):
    text = PLAN.read_text(encoding="utf-8")
    old = "group: repairs, years: [2026, 2027]"
    assert text.count(old) == 1
    bad = tmp_path / "有错误的规划.yaml"
    bad.write_text(text.replace(old, "group: 不存在的分组, years: [2026, 2027]"), encoding="utf-8")
    res = plan("use", str(bad), "--db", str(fresh))
    assert res.exit_code == 1
    msg = " ".join(res.output.split())
    assert "规划 有错误的规划.yaml 有 " in msg and "个错误，未绑定" in msg
    assert "不存在的分组" in msg
    assert "Traceback" not in res.output
    if fresh.exists():
        assert bindings(fresh, current=False) == []
