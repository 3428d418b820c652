"""The demo district end to end: its source files import cleanly through the user's path, its figures
land near the seed's 2019 values, and corrupting any source file fails the import and writes nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from eduplan.demo.run import build, source_files, write_sources
from eduplan.ingest import import_files
from eduplan.metrics.summary import district_summary
from eduplan.plan.binding import bound_plan
from eduplan.store import Store
from helpers import eduplan

SEED = 420104


@pytest.fixture(scope="session")
def demo_db(demo_store) -> Path:
    """The session's shared demo store (conftest.py), imported from `demo_sources` as `eduplan demo` does."""
    return demo_store


@pytest.mark.slow  # generates and writes the whole demo a second time
def test_demo_sources_are_deterministic(demo_sources, tmp_path):
    write_sources(build(SEED), tmp_path)
    for a in source_files(demo_sources):
        assert a.read_bytes() == (tmp_path / a.name).read_bytes(), a.name


def test_demo_shape(demo_db):
    with Store(demo_db, read_only=True) as s:
        counts = s.table_counts()
        summary = district_summary(s, 2019)
    assert counts["district"] == 1 and counts["zone"] == 6
    assert 140 <= counts["school"] <= 160  # incl. schools opening 2021–2025
    types = {}
    for r in summary["schools_by_type"]:
        types[r["type_code"]] = types.get(r["type_code"], 0) + r["n"]
    assert 70 <= types["111"] <= 80
    assert 45 <= types.get("211", 0) + types.get("311", 0) + types.get("312", 0) <= 55
    assert len(summary["zones"]) == 6


def test_demo_lands_near_the_seed_2019_figures(demo_db):
    with Store(demo_db, read_only=True) as s:
        figures = district_summary(s, 2019, "420104", bound_plan(s, "420104")[0])["figures"]
    f = {k: v["value"] for k, v in figures.items()}
    # seed: 十四五主要指标 2019 实际 — 毛入园率 95, 高中阶段毛入学率 99, 研究生 18.6, 双师型 61, 教育支出占比 21.85
    assert f["preschool_gross_enrolment"] == pytest.approx(95, abs=1.0)
    assert f["upper_secondary_gross_enrolment"] == pytest.approx(99, abs=1.0)
    assert f["senior_teacher_postgraduate_share"] == pytest.approx(18.6, abs=0.5)
    assert f["vocational_dual_qualified_teacher_share"] == pytest.approx(61, abs=1.0)
    assert round(f["education_expenditure_share"], 2) == 21.85
    assert f["new_labour_schooling_years"] == pytest.approx(14.64)
    assert f["labour_force_schooling_years"] == pytest.approx(14.53)
    # the plan's own published 2019 figures stand beside them
    assert figures["education_expenditure_share"]["published"] == "21.85"
    assert figures["compulsory_balance_coefficient"]["published"] == "0.382/0.302"


# ------------------------------------------------------------------ corruptions


def _set_cell(folder: Path, file: str, header: str, row: int, value) -> tuple[str, int, str]:
    p = folder / file
    wb = openpyxl.load_workbook(p)
    ws = wb.worksheets[0]
    ws.cell(row=row, column=[c.value for c in ws[1]].index(header) + 1, value=value)
    wb.save(p)
    return p.name, row, header


def _word_in_number(folder: Path):
    return _set_cell(folder, "分年级学生数.xlsx", "在校生数（人）", 5, "未知")


def _negative_count(folder: Path):
    return _set_cell(folder, "专任教师.xlsx", "教职工数（人）", 7, -4)


def _unknown_code(folder: Path):
    return _set_cell(folder, "学校基本信息.xlsx", "办学类型", 4, "999 未知类型")


def _missing_column(folder: Path):
    p = folder / "办学条件.xlsx"
    wb = openpyxl.load_workbook(p)
    ws = wb.worksheets[0]
    col = [c.value for c in ws[1]].index("教学及辅助用房面积（平方米）") + 1
    ws.delete_cols(col)
    wb.save(p)
    return p.name, 1, "教学及辅助用房面积（平方米）"


def _duplicate_key(folder: Path):
    p = folder / "学校基本信息.xlsx"
    wb = openpyxl.load_workbook(p)
    ws = wb.worksheets[0]
    values = [c.value for c in ws[3]]
    ws.append(values)
    row = ws.max_row
    wb.save(p)
    return p.name, row, "学校标识码"


def _not_a_spreadsheet(folder: Path):
    p = folder / "区域年度数据.xlsx"
    p.write_text("这不是一个电子表格", encoding="utf-8")
    return p.name, None, None


def _empty_file(folder: Path):
    p = folder / "上报指标值.xlsx"
    p.write_bytes(b"")
    return p.name, None, None


def _gbk_csv_bad_value(folder: Path):
    p = folder / "常住人口分年龄.csv"
    lines = p.read_bytes().decode("gb18030").splitlines()
    cells = lines[9].split(",")
    cells[3] = "约五千"
    lines[9] = ",".join(cells)
    p.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    return p.name, 10, "常住人口数（人）"


CORRUPTIONS = [_word_in_number, _negative_count, _missing_column, _duplicate_key, _unknown_code,
               _not_a_spreadsheet, _empty_file, _gbk_csv_bad_value]
# Each case validates the whole demo twice. The fast lane keeps one workbook and the GB18030 CSV; the rest are slow
# (each kind of check has its small case in tests/test_import_checks.py).
FAST = (_word_in_number, _gbk_csv_bad_value)


def _status(db: Path) -> dict:
    r = eduplan("db", "status", "--db", db, "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("corrupt", [pytest.param(c, id=c.__name__.strip("_"), marks=() if c in FAST else pytest.mark.slow)
                                     for c in CORRUPTIONS])
def test_corrupted_source_fails_and_writes_nothing(corrupt, demo_sources, demo_db, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(demo_sources, src)
    file, row, column = corrupt(src)
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    before = _status(db)
    r = eduplan("import", *source_files(src), "--db", db, "--format", "json", env={"EDUPLAN_USER": "t"})
    assert r.exit_code == 1, r.stdout[-2000:]
    report = json.loads(r.stdout)
    errors = [e for e in report["errors"] if e["file"] == file]
    assert errors, report["errors"][:5]
    if row is not None:
        assert any(e["row"] == row and e["column"] == column for e in errors), errors[:5]
    assert all("Traceback" not in x for x in (r.stdout, r.stderr))
    assert _status(db) == before

    # on an empty store too: the whole import is refused, not only the bad file
    with Store(tmp_path / "empty.duckdb") as s:
        rep = import_files(s, source_files(src), user="t")
        assert not rep.ok and not rep.written
        assert all(v == 0 for v in s.table_counts().values()) and s.batches() == []
