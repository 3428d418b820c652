"""`eduplan collection …` and `--include-pending`: a round run from the command line on a copy of the demo store, as a
bureau clerk would check it — the board (未提交 / 待审核 / 已退回 / 已通过, 逾期), the indicator that changes only
with --include-pending (and, for good, after approval), the comment a return needs, the batch an approval writes,
the lock that refuses `eduplan import`, the unlock with a reason, and the audit row of every step."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eduplan.access import audit
from eduplan.cli.app import app
from eduplan.ingest.template import write_workbook
from eduplan.model import TABLES_BY_NAME
from eduplan.store import Store, os_account

ACTOR = f"命令行：{os_account()}"
SCHOOL = "2420104011"  # 武汉市硚口区崇仁路小学: 2,362 pupils and 170 teachers in 2025
OTHER = "2420104012"  # 武汉市硚口区汉西小学
runner = CliRunner()


@pytest.fixture
def db(demo_store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_store, path)
    return path


def run(db: Path, *args: str):
    return runner.invoke(app, [*args, "--db", str(db)], env={"COLUMNS": "250"})


def ok(r) -> str:
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    return r.output


def js(r):
    """The JSON document a successful command printed on stdout (notes go to stderr)."""
    ok(r)
    return json.loads(r.stdout)


def enrolment_file(db: Path, path: Path, school: str = SCHOOL, p1: int | None = 340, p2: int | None = None,
                   other_school_row: int | None = None) -> Path:
    """The school's 2025 enrolment as stored, P1 (and P2) changed by the boys' number, written as a filled template;
    with `other_school_row` the row at that index names another school."""
    t = TABLES_BY_NAME["enrolment"]
    with Store(db, read_only=True) as s:
        stored = s.dicts("SELECT * FROM enrolment WHERE year = 2025 AND school_code = ? ORDER BY grade", [school])
    rows = [{f.name: r[f.name] for f in t.fields} for r in stored]
    for grade, pupils in (("P1", p1), ("P2", p2)):
        if pupils is not None:
            r = next(r for r in rows if r["grade"] == grade)
            r["male"] += pupils - r["pupils"]
            r["pupils"] = pupils
    if other_school_row is not None:
        rows[other_school_row]["school_code"] = OTHER
    return write_workbook(t, path, rows)


def board(db: Path, *args: str) -> dict:
    return js((run(db, "collection", "status", "--format", "json", *args)))


def state(b: dict, school: str, table: str = "enrolment") -> tuple[str, bool]:
    row = next(r for r in b["rows"] if r["school_code"] == school and r["table"] == table)
    return row["state"], row["overdue"]


def ratio(db: Path, *extra: str) -> dict:
    """小学生师比 of the school in 2025 as `eduplan indicators --format json` gives it."""
    r = run(db, "indicators", "--year", "2025", "--unit", SCHOOL, "--format", "json", *extra)
    doc = js((r))
    ind = next(i for i in doc["indicators"] if i["id"] == "pupil_teacher_ratio_primary")
    v = next(v for v in ind["values"] if v["unit_code"] == SCHOOL)
    return {"numerator": v["numerator"], "denominator": v["denominator"], "value": round(v["value"], 4),
            "include_pending": doc.get("include_pending", False)}


def actions(db: Path) -> list[tuple[str, str, str]]:
    with Store(db, read_only=True) as s:
        return [(r["action"], r["actor"], r["target"]) for r in reversed(audit.rows(s))]


def batches(db: Path) -> list[dict]:
    return js((run(db, "db", "status", "--format", "json")))["batches"]


def test_open_accepts_labels_and_refuses_unknown_tables_and_dates(db):
    r = run(db, "collection", "open", "--year", "2025", "--tables", "enrolment,书目", "--deadline", "2099-12-31")
    assert r.exit_code == 1
    assert "错误：“书目”不是可采集的表；可选：enrolment（分年级学生数）、teachers（专任教师）、facilities（办学条件）" in r.stderr
    r = run(db, "collection", "open", "--year", "2025", "--tables", "enrolment", "--deadline", "2099-02-30")
    assert r.exit_code == 1
    assert "错误：截止日期“2099-02-30”无效：应为实际存在的日期，写作 年-月-日（如 2026-10-31）" in r.stderr
    r = run(db, "collection", "open", "--year", "2025", "--tables", "分年级学生数，专任教师", "--deadline", "2099-12-31",
            "--note", "请于月底前报送")
    assert "已开启采集轮次 1：2025 年数据采集（轮次 1：分年级学生数、专任教师；截止 2099-12-31；进行中）" in ok(r)
    r = run(db, "collection", "open", "--year", "2025", "--tables", "facilities", "--deadline", "2099-12-31")
    assert r.exit_code == 1 and "2025 年已有进行中的采集轮次 1" in r.stderr
    assert actions(db) == [("round_open", ACTOR, "采集轮次 1")]  # the refusals changed nothing


def test_submit_status_and_include_pending(db, tmp_path, monkeypatch):
    ok(run(db, "collection", "open", "--year", "2025", "--tables", "enrolment,teachers", "--deadline", "2099-12-31"))
    assert {r["table"] for r in board(db)["rows"]} == {"enrolment", "teachers"}  # the round's tables only

    # a file naming another school is refused, naming file, sheet, row, column, value and rule; nothing stored
    bad = enrolment_file(db, tmp_path / "错.xlsx", other_school_row=2)
    r = run(db, "collection", "submit", str(bad), "--round", "1", "--school", SCHOOL)
    assert r.exit_code == 1
    assert ("✗ 错误 文件“错.xlsx”，工作表“分年级学生数”，第 4 行，列“学校标识码”（B4）：列“学校标识码”的值“2420104012”"
            "不是本次提交的学校（2420104011 武汉市硚口区崇仁路小学）（规则：每所学校只能提交本校的数据）") in r.stdout
    assert "提交未被接受：没有保存任何数据。" in r.stderr
    assert js((run(db, "collection", "list", "--format", "json")))["count"] == 0

    good = enrolment_file(db, tmp_path / "分年级学生数.xlsx")
    r = run(db, "collection", "submit", str(good), "--round", "1", "--school", SCHOOL)
    assert ("已提交 提交 1（待审核）：学校 2420104011 武汉市硚口区崇仁路小学 的 2025 年“分年级学生数”（6 行），"
            "文件 分年级学生数.xlsx") in ok(r)

    b = board(db)
    assert state(b, SCHOOL) == ("待审核", False)
    assert state(b, OTHER) == ("未提交", False) and state(b, SCHOOL, "teachers") == ("未提交", False)
    assert b["counts"]["enrolment"] == {"未提交": b["schools"] - 1, "待审核": 1, "已退回": 0, "已解锁": 0, "已通过": 0}
    text = ok(run(db, "collection", "status"))
    assert "│ 2420104011 │ 武汉市硚口区崇仁路小学" in text and "待审核（1）" in text
    assert f"分年级学生数：未提交 {b['schools'] - 1}、待审核 1、已退回 0、已通过 0" in text

    # the official figure does not move; with --include-pending it does, labelled, and the store is unchanged
    before = batches(db)
    assert ratio(db) == {"numerator": 2362.0, "denominator": 170.0, "value": 13.8941, "include_pending": False}
    assert ratio(db, "--include-pending") == {"numerator": 2379.0, "denominator": 170.0, "value": 13.9941,
                                               "include_pending": True}
    assert ratio(db) == {"numerator": 2362.0, "denominator": 170.0, "value": 13.8941, "include_pending": False}
    assert batches(db) == before
    r = run(db, "indicators", "--year", "2025", "--unit", SCHOOL, "--include-pending")
    assert "2025 年 规划指标监测（含待审核数据）：武汉市硚口区崇仁路小学（学校）" in ok(r)
    assert "含待审核数据：包含 1 份待审核（尚未审核通过）的采集提交，不是正式数据" in r.stderr
    assert "13.99" in r.stdout and "13.89" not in r.stdout
    assert "含待审核数据" not in ok(run(db, "indicators", "--year", "2025", "--unit", SCHOOL))
    from openpyxl import load_workbook

    monkeypatch.chdir(tmp_path)
    r = run(db, "indicators", "--year", "2025", "--include-pending", "--format", "xlsx")
    path = Path("out/indicators-2025-含待审核数据.xlsx")  # its own default name: the official workbook is not overwritten
    assert f"已写出{path}" in "".join(ok(r).split())
    wb = load_workbook(path, read_only=True)
    heads = {name: [row[0] for row in wb[name].iter_rows(max_row=2, values_only=True)] for name in ("区", "学校")}
    assert heads == {name: [f"2025 年 规划指标监测（含待审核数据）（{name}）",
                            f"数据库：demo.duckdb；年度：2025；生成日期：{date.today().isoformat()}；硚口区（420104） 规划："
                            "硚口区教育事业发展“十四·五”规划（2021—2025）（征求意见稿）；"
                            "含待审核数据：包含 1 份待审核（尚未审核通过）的采集提交，不是正式数据"] for name in ("区", "学校")}

    # eduplan school: the same switch
    doc = js((run(db, "school", SCHOOL, "--year", "2025", "--format", "json", "--include-pending")))
    pupils = next(f for f in doc["figures"] if f["key"] == "pupils")
    assert (doc["include_pending"], doc["pending_submissions"], pupils["values"]) == (True, 1, {"2025": 2379})
    doc = js((run(db, "school", SCHOOL, "--year", "2025", "--format", "json")))
    assert next(f for f in doc["figures"] if f["key"] == "pupils")["values"] == {"2025": 2362}
    assert "include_pending" not in doc
    assert "含待审核数据" in ok(run(db, "school", SCHOOL, "--year", "2025", "--include-pending"))

    assert [a[0] for a in actions(db)] == ["round_open", "submit_refused", "submit"]


def test_return_approve_lock_unlock(db, tmp_path):
    ok(run(db, "collection", "open", "--year", "2025", "--tables", "enrolment", "--deadline", "2099-12-31"))
    ok(run(db, "collection", "submit", str(enrolment_file(db, tmp_path / "a.xlsx")), "--round", "1", "--school", SCHOOL))

    # a return needs a comment: none at all is a usage error, a blank one is refused
    r = run(db, "collection", "return", "1")
    assert r.exit_code == 2 and "缺少选项 --comment。" in r.output
    r = run(db, "collection", "return", "1", "--comment", "  ")
    assert r.exit_code == 1 and "错误：请填写退回意见（学校将看到这段说明）" in r.stderr
    r = run(db, "collection", "return", "1", "--comment", "一年级人数请核实")
    assert "已退回提交 1：学校 2420104011 武汉市硚口区崇仁路小学 的 2025 年“分年级学生数”（6 行）；理由：一年级人数请核实" in ok(r)
    assert state(board(db), SCHOOL) == ("已退回", False)
    subs = js((run(db, "collection", "list", "--format", "json", "--status", "returned")))["submissions"]
    assert [(s["submission_id"], s["status_label"], s["review_comment"], s["reviewed_by"]) for s in subs] == \
        [(1, "已退回", "一年级人数请核实", ACTOR)]
    r = run(db, "collection", "approve", "1")
    assert r.exit_code == 1 and "错误：不能审核通过提交 1：它已由 命令行：" in r.stderr

    # the school's corrected file; approved → a batch of kind 采集审核入库, the school × table × year locked
    ok(run(db, "collection", "submit", str(enrolment_file(db, tmp_path / "b.xlsx")), "--round", "1", "--school", SCHOOL))
    assert ratio(db)["numerator"] == 2362.0
    r = run(db, "collection", "approve", "2", "--comment", "已电话核实")
    last = max(b["batch_id"] for b in batches(db))
    assert (f"已审核通过提交 2：学校 2420104011 武汉市硚口区崇仁路小学 的 2025 年“分年级学生数”（6 行），写入批次 {last}"
            "（采集审核入库），并已锁定") in ok(r)
    b = batches(db)[-1]
    assert (b["batch_id"], b["kind"], b["user_name"], b["tables"]["enrolment"]["updated"]) == (last, "collection", ACTOR, 1)
    assert f"批次 {last}  采集审核入库" in ok(run(db, "db", "status"))
    assert state(board(db), SCHOOL) == ("已通过", False)
    assert ratio(db) == {"numerator": 2379.0, "denominator": 170.0, "value": 13.9941, "include_pending": False}
    listed = ok(run(db, "collection", "list", "--school", SCHOOL))
    assert "已通过" in listed and "已被新提交取代" in listed and "已电话核实" in listed

    # the lock refuses an import of a changed file for that school, naming the row; an unlock needs a reason
    changed = enrolment_file(db, tmp_path / "更正.xlsx", p1=None, p2=350)
    r = run(db, "import", str(changed))
    assert r.exit_code == 1
    assert ("✗ 错误 文件“更正.xlsx”，工作表“分年级学生数”，第 2 行，列“学校标识码”（B2）：本文件有该校 2025 年的 6 行，"
            "与库中不同，但学校 2420104011 的 2025 年“分年级学生数”已于") in r.stdout
    assert f"审核通过并锁定（提交 2，批次 {last}），不能再导入或修改" in r.stdout
    r = run(db, "collection", "unlock", "--school", SCHOOL, "--table", "分年级学生数", "--year", "2025", "--reason", " ")
    assert r.exit_code == 1 and "错误：请填写解锁理由" in r.stderr
    r = run(db, "collection", "unlock", "--school", SCHOOL, "--table", "分年级学生数", "--year", "2025",
            "--reason", "学校更正二年级人数")
    assert "已解锁 学校 2420104011 的 2025 年“分年级学生数”；理由：学校更正二年级人数" in ok(r)
    assert state(board(db), SCHOOL) == ("已解锁", False)
    r = run(db, "collection", "unlock", "--school", SCHOOL, "--table", "enrolment", "--year", "2025", "--reason", "再次")
    assert r.exit_code == 1 and "没有被锁定，无需解锁" in r.stderr
    r = run(db, "import", str(changed))
    assert "分年级学生数 新增 0、更新 1、不变 5" in ok(r)

    ok(run(db, "collection", "close", "1"))
    r = run(db, "collection", "status")
    assert r.exit_code == 1 and "没有进行中的采集轮次" in r.stderr
    assert "2025 年数据采集（轮次 1：分年级学生数；截止 2099-12-31；已结束）" in ok(run(db, "collection", "status", "--round", "1"))

    assert actions(db) == [
        ("round_open", ACTOR, "采集轮次 1"), ("submit", ACTOR, "提交 1"), ("return", ACTOR, "提交 1"),
        ("submit", ACTOR, "提交 2"), ("approve", ACTOR, "提交 2"),
        ("unlock", ACTOR, "学校 2420104011 · 分年级学生数 · 2025"), ("round_close", ACTOR, "采集轮次 1")]
    with Store(db, read_only=True) as s:
        detail = {r["action"]: json.loads(r["detail"]) for r in audit.rows(s)}
    assert detail["return"]["退回意见"] == "一年级人数请核实"
    assert detail["unlock"]["理由"] == "学校更正二年级人数"
    assert (detail["approve"]["批次"], detail["approve"]["审核意见"]) == (last, "已电话核实")


def test_overdue_board_and_its_workbook(db, tmp_path):
    ok(run(db, "collection", "open", "--year", "2025", "--tables", "teachers", "--deadline", "2020-01-31"))
    b = board(db)
    assert state(b, SCHOOL, "teachers") == ("未提交", True)
    assert b["overdue"] == b["schools"]
    text = ok(run(db, "collection", "status"))
    assert "截止 2020-01-31；已过截止日期" in text
    narrow = ok(runner.invoke(app, ["collection", "status", "--db", str(db)], env={"COLUMNS": "80"}))
    assert f"│ {SCHOOL} │" in narrow and "…" not in narrow  # at 80 columns nothing is cut
    assert f"专任教师：未提交 {b['schools']}、待审核 0、已退回 0、已通过 0；逾期 {b['schools']}" in text
    out = tmp_path / "进度.xlsx"
    r = run(db, "collection", "status", "--format", "xlsx", "--output", str(out))
    assert f"已写出{out}" in "".join(ok(r).split())
    from openpyxl import load_workbook

    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames[:2] == ["进度", "汇总"]
    mine = [row[:5] for row in wb["进度"].iter_rows(values_only=True) if row[0] == SCHOOL]
    assert mine == [(SCHOOL, "武汉市硚口区崇仁路小学", "专任教师", "未提交", "是")]
    r = run(db, "collection", "status", "--round", "9")
    assert r.exit_code == 1 and "错误：没有采集轮次 9" in r.stderr


def test_template_round_trip(db, tmp_path):
    """The pre-filled template of a school, submitted unchanged, is accepted (last year's values as they were)."""
    ok(run(db, "collection", "open", "--year", "2025", "--tables", "enrolment", "--deadline", "2099-12-31"))
    path = tmp_path / "模板.xlsx"
    r = run(db, "collection", "template", "--round", "1", "--school", SCHOOL, "--table", "分年级学生数", "--output", str(path))
    assert f"已写出{path}" in "".join(ok(r).split())
    r = run(db, "collection", "template", "--round", "1", "--school", SCHOOL, "--table", "facilities",
            "--output", str(tmp_path / "x.xlsx"))
    assert r.exit_code == 1 and "错误：采集轮次 1 不采集“办学条件”（本轮采集：分年级学生数）" in r.stderr
    r = run(db, "collection", "submit", str(path), "--round", "1", "--school", SCHOOL, "--format", "json")
    doc = js((r))
    assert [(s["submission_id"], s["status"], s["year"], s["row_count"]) for s in doc["submissions"]] == \
        [(1, "pending", 2025, 6)]
