"""The CLI: --db and EDUPLAN_DB, one JSON document on stdout, non-zero exits with Chinese messages."""

from __future__ import annotations

import json

from eduplan.store import SCHEMA_VERSION
from helpers import SMALL, eduplan, write_one, write_small


def run(*args: str, env: dict | None = None):
    """`eduplan *args` in this process, through the entry point (tests/test_cli_smoke.py runs the real one)."""
    return eduplan(*args, env=env)


def test_import_then_status_as_json(tmp_path):
    db = tmp_path / "a.duckdb"
    paths = [str(p) for p in write_small(tmp_path / "src")]
    r = run("import", *paths, "--db", str(db), "--format", "json", "--user", "tester")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)  # exactly one JSON document on stdout
    assert doc["ok"] and doc["written"] and doc["errors"] == []
    r = run("db", "status", "--format", "json", env={"EDUPLAN_DB": str(db)})
    status = json.loads(r.stdout)
    assert status["tables"]["school"] == 3 and status["tables"]["enrolment"] == len(SMALL["enrolment"])
    assert {b["user_name"] for b in status["batches"]} == {"tester"}


def test_failed_import_exits_non_zero_and_names_row_and_column(tmp_path):
    db = tmp_path / "a.duckdb"
    src = tmp_path / "src"
    write_small(src)
    rows = [dict(r) for r in SMALL["enrolment"]]
    rows[1]["female"] = "八十"
    bad = write_one(src, "enrolment", rows)
    r = run("import", *[str(p) for p in sorted(src.iterdir())], "--db", str(db))
    assert r.exit_code == 1
    assert "第 3 行" in r.stdout and "女生数" in r.stdout and "八十" in r.stdout and bad.name in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    assert "数据库未作任何更改" in r.stderr
    assert not db.exists()  # a failed import into no store creates none
    # the same problems as an Excel list a clerk can forward
    xlsx = tmp_path / "检查清单.xlsx"
    r = run("import", *[str(p) for p in sorted(src.iterdir())], "--db", str(db), "--report", str(xlsx))
    import openpyxl

    ws = openpyxl.load_workbook(xlsx)["导入检查"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]  # below the title and provenance rows
    assert rows[0][:4] == ["级别", "文件", "工作表", "行"]
    assert ["错误", bad.name, "分年级学生数", 3] == rows[1][:4] and rows[1][6] == "八十"


def test_missing_database_is_a_clear_error(tmp_path):
    r = run("db", "status", "--db", str(tmp_path / "nope.duckdb"))
    assert r.exit_code == 1 and "不存在" in r.stderr and "Traceback" not in r.stderr


def test_summary_json(tmp_path):
    db = tmp_path / "a.duckdb"
    assert run("import", *[str(p) for p in write_small(tmp_path / "src")], "--db", str(db)).exit_code == 0
    r = run("summary", "--db", str(db), "--year", "2019", "--format", "json")
    doc = json.loads(r.stdout)
    [d] = doc["districts"]
    assert d["figures"]["education_expenditure_share"] == {
        "name": "公共财政教育支出占公共财政支出的比例", "unit": "%", "value": 21.85, "by_level": None, "published": None}
    r = run("summary", "--db", str(db), "--year", "2019")
    assert r.exit_code == 0 and "学前三年毛入园率" in r.stdout


def _wide(*args: str, env: dict | None = None):
    """run() with a wide terminal, so rich does not wrap the lines a test reads."""
    return run(*args, env={"COLUMNS": "1000", **(env or {})})


def _corrected_enrolment(folder, **changes):
    import copy

    rows = copy.deepcopy(SMALL["enrolment"])
    rows[0].update(changes)
    return write_one(folder, "enrolment", rows)


def test_history_undo_and_status_commands(tmp_path):
    db = str(tmp_path / "a.duckdb")
    assert _wide("import", *[str(p) for p in write_small(tmp_path / "src")], "--db", db, "--user", "统计科").exit_code == 0
    fix = _corrected_enrolment(tmp_path / "fix", male=91, pupils=176)
    assert _wide("import", str(fix), "--db", db, "--user", "张三").exit_code == 0  # batch 9

    r = _wide("db", "history", "分年级学生数", "2019", "2420104001", "P1", "--db", db, "--format", "json")
    doc = json.loads(r.stdout)
    assert [(v["batch_id"], v["user_name"], v["superseded_by"]) for v in doc["versions"]] == [
        (5, "统计科", 9), (9, "张三", None)]
    assert doc["versions"][1]["changed"] == {"male": [90, 91], "pupils": [175, 176]}
    assert doc["versions"][1]["imported_at"].endswith("+00:00")
    r = _wide("db", "history", "enrolment", "2019", "2420104001", "P1", "--db", db)
    assert r.exit_code == 0
    assert "版本 2  批次 9  导入  " in r.stdout and " UTC  张三（系统账户 " in r.stdout
    assert "    变化：男生数 90 → 91；在校生数 175 → 176" in r.stdout and "    之后：被批次 9 取代" in r.stdout
    r = _wide("db", "history", "分年级学生数", "2019", "2420104001", "--db", db)
    assert r.exit_code == 1 and "“分年级学生数”的主键有 3 个值（依次为 统计年度、学校标识码、年级），给出了 2 个" in r.stderr

    r = _wide("db", "undo", "9", "--db", db, "--user", "李四")
    assert r.exit_code == 0, r.stderr
    assert "已撤销 批次 9（分年级学生数.xlsx），记录为批次 10：分年级学生数 更新 1" in r.stderr
    r = _wide("db", "undo", "9", "--db", db)
    assert r.exit_code == 1 and "无需撤销" in r.stderr and "已由批次 10 撤销" in r.stderr

    status = json.loads(_wide("db", "status", "--db", db, "--format", "json").stdout)
    last = status["batches"][-1]
    assert (last["kind"], last["undoes"], last["user_name"]) == ("undo", 9, "李四")
    assert status["history"]["enrolment"] == 2 and status["schema_version"] == SCHEMA_VERSION
    r = _wide("db", "status", "--db", db)
    assert "批次 10  撤销  " in r.stdout and " UTC  李四（系统账户 " in r.stdout
    assert "    撤销批次 9（分年级学生数.xlsx）（1 行）：分年级学生数 更新 1" in r.stdout


def test_undo_conflict_and_cascade_from_the_command_line(tmp_path):
    db = str(tmp_path / "a.duckdb")
    assert _wide("import", *[str(p) for p in write_small(tmp_path / "src")], "--db", db).exit_code == 0
    assert _wide("import", str(_corrected_enrolment(tmp_path / "a", male=91, pupils=176)), "--db", db).exit_code == 0
    assert _wide("import", str(_corrected_enrolment(tmp_path / "b", male=92, pupils=177)), "--db", db).exit_code == 0
    r = _wide("db", "undo", "9", "--db", db)
    assert r.exit_code == 1
    assert "不能撤销批次 9（分年级学生数.xlsx）：之后的批次 10（分年级学生数.xlsx，导入，" in r.stderr
    assert "请加 --cascade" in r.stderr
    r = _wide("db", "undo", "9", "--cascade", "--db", db)
    assert r.exit_code == 0
    assert "已撤销 批次 10" in r.stderr and "已撤销 批次 9" in r.stderr
    summary = json.loads(_wide("summary", "--db", db, "--format", "json").stdout)
    assert summary["year"] == 2019


def test_import_replace_from_the_command_line(tmp_path):
    db = str(tmp_path / "a.duckdb")
    assert _wide("import", *[str(p) for p in write_small(tmp_path / "src")], "--db", db).exit_code == 0
    fix = write_one(tmp_path / "fix", "enrolment", [r for r in SMALL["enrolment"] if r["grade"] != "P2"])
    r = _wide("import", str(fix), "--db", db)
    assert r.exit_code == 0 and "! 警告" in r.stdout and "年级=P2（批次 5）" in r.stdout and "--replace" in r.stdout
    r = _wide("import", str(fix), "--db", db, "--replace")
    assert r.exit_code == 0
    assert "删除 1" in r.stderr and "按 --replace 从“分年级学生数”删除 1 行" in r.stderr
    status = json.loads(_wide("db", "status", "--db", db, "--format", "json").stdout)
    assert status["tables"]["enrolment"] == 4 and status["batches"][-1]["kind"] == "replace"


def test_user_text_is_never_interpreted_by_the_terminal(tmp_path):
    """ESC sequences are stripped, rich markup and :emoji: codes in file names and cells shown as typed."""
    src = tmp_path / "src"
    src.mkdir()
    name = "学校\x1b[2J\x1b]8;;evil\x07[bold red]:x:\x1b]8;;\x07.csv"
    (src / name).write_text("统计年度,学校标识码\n2019,[blink]:smile:\n", encoding="utf-8")
    r = _wide("import", str(src / name), "--db", str(tmp_path / "a.duckdb"))
    assert r.exit_code == 1
    both = r.stdout + r.stderr
    assert "\x1b" not in both and "\x07" not in both
    assert "学校[bold red]:x:.csv" in both  # the file name as typed, minus the control sequences
    assert "❌" not in both and "😄" not in both


def test_safe_strips_controls_and_escapes_markup():
    from rich.console import Console

    from eduplan.cli.common import clean, safe

    raw = "a\x1b[31mb\x1b]8;;http://x\x07c\x1b]8;;\x07 [red]d[/] :x:\x00\x9b2J\u202e\tz\r"
    assert clean(raw) == "abc [red]d[/] :x: z"
    console = Console(record=True, emoji=False, highlight=False, width=200, color_system=None)
    console.print(safe(raw))
    assert console.export_text() == "abc [red]d[/] :x: z\n"


def test_json_escapes_every_control_character(capsys):
    from eduplan.cli.common import emit_json

    value = "x\x1b[31m\x9b2J\u202ey"
    emit_json({"name": value})
    text = capsys.readouterr().out
    assert not any(c in text for c in "\x1b\x9b\u202e")
    assert json.loads(text) == {"name": value}  # the data itself is unchanged


def test_unwritable_report_is_refused_before_importing(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    db = tmp_path / "a.duckdb"
    r = _wide("import", *[str(p) for p in write_small(tmp_path / "src")], "--db", str(db),
              "--report", str(blocker / "检查清单.xlsx"))
    assert r.exit_code == 1 and f"无法写出文件 {blocker / '检查清单.xlsx'}" in r.stderr
    assert not db.exists()  # refused before anything was imported
