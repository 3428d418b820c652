"""Backup → restore → identical; damaged backups refused; verify finds a truncated store; export → import →
identical rows for every table of the demo district."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from eduplan.errors import StoreError
from eduplan.ingest import import_files
from eduplan.plan.binding import use_plan
from eduplan.model import TABLES
from eduplan.outputs.export import ExportError, export_all, export_table
from eduplan.store import Store
from eduplan.store.backup import BackupError, backup, read_manifest, restore, user_tables, verify


def all_rows(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table of a store file (model tables, history, batches, meta), sorted."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {name: sorted(con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                for name, _ in user_tables(con)}
    finally:
        con.close()


def model_rows(db: Path) -> dict[str, set[tuple]]:
    with Store(db, read_only=True) as s:
        out = {}
        for t in TABLES:
            cols = ", ".join(f'"{f.name}"' for f in t.fields)
            out[t.name] = set(s.con.execute(f'SELECT {cols} FROM "{t.name}"').fetchall())
        return out


def test_backup_restore_identical(demo_store: Path, tmp_path: Path):
    # a store with history: one school's 2019 enrolment corrected (an update), then that batch undone
    db = tmp_path / "store.duckdb"
    shutil.copy(demo_store, db)
    with Store(db, read_only=True) as s:
        code = s.one("SELECT min(school_code) FROM enrolment WHERE year = 2019")[0]
        export_table(s, "enrolment", tmp_path / "分年级学生数.xlsx", year=2019, schools=[code])
    wb = openpyxl.load_workbook(tmp_path / "分年级学生数.xlsx")
    ws = wb["分年级学生数"]
    col = [c.value for c in ws[1]].index("班数（个）") + 1
    ws.cell(2, col).value = ws.cell(2, col).value + 1
    wb.save(tmp_path / "分年级学生数.xlsx")
    with Store(db) as s:
        report = import_files(s, [tmp_path / "分年级学生数.xlsx"], user="统计科")
        assert report.ok, [i.text() for i in report.errors]
        assert s.history_counts()["enrolment"] == 1
        s.undo(s.max_batch_id(), user="统计科")
        assert s.history_counts()["enrolment"] == 2

    bak = tmp_path / "备份.zip"
    manifest = backup(db, bak)
    assert manifest["tables"]["enrolment"]["rows"] == 5433
    assert manifest["tables"]["enrolment__history"]["rows"] == 2
    restored = tmp_path / "restored.duckdb"
    restore(bak, restored)
    before, after = all_rows(db), all_rows(restored)
    assert set(before) == set(after)
    assert "import_batch" in before and "eduplan_meta" in before
    for name in before:
        assert before[name] == after[name], name
    assert verify(restored).ok


def test_backup_while_reading(demo_store: Path, tmp_path: Path):
    reader = duckdb.connect(str(demo_store), read_only=True)
    try:
        reader.execute("SELECT count(*) FROM enrolment").fetchall()
        backup(demo_store, tmp_path / "b.zip")
        assert reader.execute("SELECT count(*) FROM enrolment").fetchone()[0] == 5433
    finally:
        reader.close()


def _damage(src: Path, dst: Path, member: str) -> None:
    """Copy a backup, flipping one byte in the middle of `member`'s stored data."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo(member)
    # stored (uncompressed) member: data start = local header offset + 30 + name + extra
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    dst.write_bytes(bytes(data))


def test_damaged_backup_refused(demo_store: Path, tmp_path: Path):
    bak = tmp_path / "good.zip"
    backup(demo_store, bak)
    bad = tmp_path / "bad.zip"
    _damage(bak, bad, "tables/enrolment.parquet")
    target = tmp_path / "new.duckdb"
    with pytest.raises(BackupError, match="已损坏"):
        restore(bad, target)
    assert not target.exists()
    assert not list(tmp_path.glob(".eduplan-restore-*"))

    half = tmp_path / "half.zip"
    half.write_bytes(bak.read_bytes()[: bak.stat().st_size // 2])
    with pytest.raises(BackupError, match="已损坏或不是 eduplan 备份"):
        restore(half, target)
    assert not target.exists()

    notes = tmp_path / "notes.zip"
    with zipfile.ZipFile(notes, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(BackupError, match="缺少 manifest.json"):
        read_manifest(notes)


def test_restore_refuses_existing_target(demo_store: Path, tmp_path: Path):
    bak = tmp_path / "b.zip"
    backup(demo_store, bak)
    existing = tmp_path / "x.duckdb"
    existing.write_bytes(b"keep me")
    with pytest.raises(BackupError, match="已存在"):
        restore(bak, existing)
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(BackupError, match="已存在"):
        backup(demo_store, bak)  # a backup never overwrites


def test_verify_finds_truncated_store(demo_store: Path, tmp_path: Path):
    good = verify(demo_store)
    assert good.ok and good.tables["enrolment"] == 5433
    cut = tmp_path / "cut.duckdb"
    data = demo_store.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    v = verify(cut)
    assert not v.ok
    assert any("截断" in p or "损坏" in p or "无法打开" in p for p in v.problems), v.problems
    assert all("eduplan db restore" in p or "无法打开" in p for p in v.problems if "截断" in p)


def test_verify_missing_file(tmp_path: Path):
    v = verify(tmp_path / "none.duckdb")
    assert v.problems == [f"数据库文件“{tmp_path / 'none.duckdb'}”不存在"]
    assert not (tmp_path / "none.duckdb").exists()


def test_export_all_import_identical(demo_store: Path, tmp_path: Path):
    with Store(demo_store, read_only=True) as s:
        written = export_all(s, tmp_path / "导出")
    # every table of the model is exercised: the demo holds rows in each
    assert set(written) == {t.name for t in TABLES}
    files = sorted((tmp_path / "导出").glob("*.xlsx"))
    assert len(files) == len(TABLES)
    empty = tmp_path / "empty.duckdb"
    with Store(empty) as s:
        use_plan(s, "qiaokou-2021-2025", "test")  # as the demo store has it: project categories need the plan
        report = import_files(s, files, user="test")
        assert report.ok, [i.text() for i in report.errors[:10]]
    a, b = model_rows(demo_store), model_rows(empty)
    for t in TABLES:
        assert len(a[t.name]) == written[t.name]
        assert a[t.name] == b[t.name], t.name


def test_export_csv_round_trip_and_filters(demo_store: Path, tmp_path: Path):
    with Store(demo_store, read_only=True) as s:
        n_all = s.one("SELECT count(*) FROM enrolment WHERE year = 2019")[0]
        code = s.one("SELECT min(school_code) FROM enrolment WHERE year = 2019")[0]
        n_one = s.one("SELECT count(*) FROM enrolment WHERE year = 2019 AND school_code = ?", [code])[0]
        assert export_table(s, "分年级学生数", tmp_path / "e.csv", year=2019) == n_all
        assert export_table(s, "enrolment", tmp_path / "one.xlsx", year=2019, schools=[code]) == n_one
        with pytest.raises(ExportError, match="没有统计年度"):
            export_table(s, "school", tmp_path / "s.xlsx", year=2019)
        with pytest.raises(ExportError, match=r"\.xlsx 或 \.csv"):
            export_table(s, "school", tmp_path / "s.pdf")
    with Store(tmp_path / "csv.duckdb") as s:
        # the enrolment rows need their schools: export those too, then import both
        with Store(demo_store, read_only=True) as src:
            export_table(src, "district", tmp_path / "区县.csv")
            export_table(src, "school", tmp_path / "学校基本信息.csv")
        report = import_files(s, [tmp_path / "区县.csv", tmp_path / "学校基本信息.csv", tmp_path / "e.csv"],
                              user="test")
        assert report.ok, [i.text() for i in report.errors[:10]]
        assert s.one("SELECT count(*) FROM enrolment")[0] == n_all
    with Store(demo_store, read_only=True) as src:
        cols = ", ".join(f'"{f.name}"' for f in TABLES[4].fields)
        want = set(src.con.execute(f"SELECT {cols} FROM enrolment WHERE year = 2019").fetchall())
    with Store(tmp_path / "csv.duckdb", read_only=True) as s:
        assert set(s.con.execute(f"SELECT {cols} FROM enrolment").fetchall()) == want


def test_store_error_for_missing_db(tmp_path: Path):
    with pytest.raises(StoreError):
        backup(tmp_path / "none.duckdb", tmp_path / "b.zip")
    assert not (tmp_path / "b.zip").exists()


def test_cli_backup_restore_verify_show_times_with_one_zone(demo_store: Path, tmp_path: Path):
    import re

    from typer.testing import CliRunner

    from eduplan.cli.app import app

    runner = CliRunner()
    res = runner.invoke(app, ["db", "backup", str(tmp_path / "b.zip"), "--db", str(demo_store)])
    assert res.exit_code == 0, res.output
    text = res.output.replace("\n", "")
    assert re.search(r"时间 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC）", text), text
    assert "+00:00" not in text
    res = runner.invoke(app, ["db", "restore", str(tmp_path / "b.zip"), "--db", str(tmp_path / "r.duckdb")])
    assert res.exit_code == 0 and "逐表校验一致" in res.output
    res = runner.invoke(app, ["db", "verify", "--db", str(tmp_path / "r.duckdb")])
    assert res.exit_code == 0 and "主键无重复" in res.output
