"""Errors that say what happened: a failed commit names its real cause (disk full, file size limit,
read-only file system), a held store names the process holding it, validation does not hold the
lock, a store changed during validation is checked again, and nothing is created by a failed import."""

from __future__ import annotations

import copy
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from eduplan.errors import StoreError, StoreLocked
from eduplan.ingest import import_files
from eduplan.store import Store
from helpers import SMALL, eduplan, write_one, write_small

EDUPLAN = [sys.executable, "-m", "eduplan.cli.app"]


def run(*args: str, env: dict | None = None):
    """`eduplan *args` in this process (a wide terminal, so that messages are not wrapped)."""
    return eduplan(*args, env={"COLUMNS": "1000", **(env or {})})


def run_process(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    """`eduplan *args` as a process of its own: for what one process cannot show of itself (a file size limit set
    before it starts; a store read or written by *another* process while this one imports)."""
    return subprocess.run([*EDUPLAN, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "1000", **(env or {})}, **kw)


def status(db: Path) -> dict:
    r = run("db", "status", "--db", str(db), "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def counts_and_batches(db: Path) -> tuple:
    s = status(db)
    return s["tables"], s["history"], [b["batch_id"] for b in s["batches"]]


def many_enrolment_rows(folder: Path) -> Path:
    """The small district's enrolment rows for 31 years: big enough that writing them needs room."""
    rows = [dict(r, year=y) for y in range(2000, 2031) for r in SMALL["enrolment"]]
    return write_one(folder, "enrolment", rows)


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    db = tmp_path / "s.duckdb"
    assert import_files(db, write_small(tmp_path / "src"), user="u").written
    return db


def _assert_failed_write(exit_code: int, text: str, cause: str) -> None:
    """A run's exit code and its stdout and stderr together."""
    assert exit_code == 1
    assert "写入导入批次（数据库“" in text and f"失败：{cause}" in text
    assert "数据库未作任何更改" in text
    assert "cannot rollback" not in text and "Traceback" not in text


@pytest.mark.slow  # a process of its own, started under `ulimit -f 8` (the limit cannot be set for this one)
def test_commit_over_the_file_size_limit_names_the_cause(small_db, tmp_path):
    before = counts_and_batches(small_db)
    big = many_enrolment_rows(tmp_path / "big")

    def limit() -> None:  # ulimit -f 8: every write past 8 KB of a file fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    r = run_process("import", str(big), "--db", str(small_db), preexec_fn=limit)
    _assert_failed_write(r.returncode, r.stdout + r.stderr, "文件超过了系统允许的大小（ulimit -f）")
    assert "File too large" in r.stderr
    assert counts_and_batches(small_db) == before


@pytest.fixture
def small_tmpfs(tmp_path: Path):
    """A 4 MB tmpfs (needs root and mount); skipped where it cannot be mounted."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {r.stderr!r}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_commit_on_a_full_disk_names_the_cause(small_tmpfs, tmp_path):
    db = small_tmpfs / "s.duckdb"
    assert import_files(db, write_small(tmp_path / "src"), user="u").written
    before = counts_and_batches(db)
    st = os.statvfs(small_tmpfs)
    (small_tmpfs / "filler").write_bytes(b"\0" * (st.f_bavail * st.f_frsize - 8192))  # leave 8 KB
    r = run("import", str(many_enrolment_rows(tmp_path / "big")), "--db", str(db))
    _assert_failed_write(r.exit_code, r.output, "磁盘空间不足")
    assert "No space left on device" in r.stderr
    (small_tmpfs / "filler").unlink()
    assert counts_and_batches(db) == before


def test_read_only_file_system_names_the_cause(small_tmpfs, tmp_path):
    db = small_tmpfs / "s.duckdb"
    assert import_files(db, write_small(tmp_path / "src"), user="u").written
    before = counts_and_batches(db)
    subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)
    rows = copy.deepcopy(SMALL["enrolment"])
    rows[0].update(male=91, pupils=176)
    r = run("import", str(write_one(tmp_path / "fix", "enrolment", rows)), "--db", str(db))
    assert r.exit_code == 1
    text = r.stderr
    assert f"打开数据库文件“{db}”失败：文件系统是只读的" in text and "Traceback" not in text
    assert counts_and_batches(db) == before  # reading still works


@pytest.fixture
def holder(small_db):
    """Another process holding the store open for writing."""
    p = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                          "print('ready', flush=True); time.sleep(60)", str(small_db)],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    yield p
    p.kill()
    p.wait()


def test_a_held_store_names_the_process_and_what_to_do(small_db, holder):
    for read_only in (True, False):
        with pytest.raises(StoreLocked) as e:
            Store(small_db, read_only=read_only, wait=0)
        msg = str(e.value)
        assert msg.startswith(f"数据库“{small_db}”正被进程 {holder.pid}（")
        assert "time.sleep(60)" in msg  # its command line, from /proc
        assert "它以写入方式打开了数据库，期间其他程序既不能写入也不能读取。请等它结束后重试" in msg
        assert f"结束它（kill {holder.pid}）后重试" in msg
    r = run("db", "status", "--db", str(small_db), env={"EDUPLAN_LOCK_WAIT": "0"})
    assert r.exit_code == 1
    text = r.stderr
    assert f"正被进程 {holder.pid}" in text and "IO Error" not in text and "Traceback" not in text


def test_a_reader_blocks_a_write_with_its_own_message(small_db):
    p = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], "
                          "read_only=True); print('ready', flush=True); time.sleep(60)", str(small_db)],
                         stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLocked, match="它正在读取数据库（如报表或 db status），写入须等所有读取结束"):
            Store(small_db, wait=0)
        Store(small_db, read_only=True, wait=0).close()  # readers share it
    finally:
        p.kill()
        p.wait()


def test_an_open_waits_for_a_short_lock(small_db):
    p = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                          "print('ready', flush=True); time.sleep(1); c.close(); time.sleep(30)", str(small_db)],
                         stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        t0 = time.monotonic()
        with Store(small_db, wait=10) as s:
            assert s.table_counts()["school"] == 3
        assert 0.5 < time.monotonic() - t0 < 10
    finally:
        p.kill()
        p.wait()


@pytest.mark.slow  # `db status` must run in another process (a lock is per process), twice during the import
def test_validation_does_not_hold_the_write_lock(small_db, tmp_path):
    """While an import reads and validates, other processes read the store (db status works)."""
    rows = copy.deepcopy(SMALL["enrolment"])
    rows[0].update(male=91, pupils=176)
    fix = write_one(tmp_path / "fix", "enrolment", rows)
    seen = []

    def progress(desc: str, done: int, total: int) -> None:
        if desc.startswith("读取") or desc == "校验跨表关系":
            r = run_process("db", "status", "--db", str(small_db), "--format", "json", env={"EDUPLAN_LOCK_WAIT": "0"})
            seen.append((desc, r.returncode, json.loads(r.stdout)["tables"]["enrolment"] if r.stdout else r.stderr))

    report = import_files(small_db, [fix], user="u", progress=progress)
    assert report.written
    assert seen == [("读取 分年级学生数.xlsx", 0, 5), ("校验跨表关系", 0, 5)]


@pytest.mark.slow  # the other import must run in another process, between this one's validation and write
def test_a_batch_written_during_validation_is_checked_again(small_db, tmp_path):
    """Between validation and the write another process makes school 003 a primary school: the import's
    kindergarten grade for it is then refused, and nothing is written."""
    rows = [{"year": 2020, "school_code": "2420104003", "grade": "K1", "classes": 3, "male": 40, "female": 50,
             "pupils": 90}]
    ours = write_one(tmp_path / "ours", "enrolment", rows)
    schools = copy.deepcopy(SMALL["school"])
    schools[2].update(type_code="211", inclusive=None)
    theirs = write_one(tmp_path / "theirs", "school", schools)

    def progress(desc: str, done: int, total: int) -> None:
        if desc == "写入数据库":  # validated against the store as it was; the lock not yet taken
            assert run_process("import", str(theirs), "--db", str(small_db)).returncode == 0

    report = import_files(small_db, [ours], user="u", progress=progress)
    assert not report.written
    assert [(i.type, i.value) for i in report.errors] == [("grade-not-allowed", "K1")]
    assert counts_and_batches(small_db)[2] == list(range(1, 10))  # theirs is batch 9; ours wrote nothing


def test_a_missing_input_file_creates_nothing(tmp_path):
    db = tmp_path / "new" / "eduplan.duckdb"
    r = run("import", str(tmp_path / "没有这个文件.xlsx"), "--db", str(db))
    assert r.exit_code == 1
    assert "没有这个文件.xlsx" in r.stdout and "数据库未作任何更改" in r.stderr
    assert not db.exists() and not db.parent.exists()


def test_reports_on_an_empty_or_missing_store(tmp_path, small_db):
    empty = tmp_path / "empty.duckdb"
    Store(empty).close()
    r = run("summary", "--db", str(empty))
    assert r.exit_code == 1
    assert f"数据库“{empty}”中还没有“学校基本信息”数据，无法计算" in r.stderr
    missing = tmp_path / "missing.duckdb"
    r = run("summary", "--db", str(missing))
    assert r.exit_code == 1 and "不存在" in r.stderr and not missing.exists()
    r = run("summary", "--db", str(small_db), "--year", "2030")
    assert r.exit_code == 1
    assert "中没有 2030 年的数据（已有年度：2019）" in r.stderr


def test_a_file_that_is_not_an_eduplan_store(tmp_path):
    text = tmp_path / "notes.duckdb"
    text.write_text("这不是数据库\n" * 1000, encoding="utf-8")
    with pytest.raises(StoreError, match="不是 eduplan 数据库"):
        Store(text, read_only=True)
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    for read_only in (True, False):
        with pytest.raises(StoreError, match=f"文件“{other}”不是 eduplan 数据库"):
            Store(other, read_only=read_only)
