"""The demo keeps to its own store: it refuses a store holding other data, and `demo --fresh` killed midway
leaves the previous store intact."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eduplan.cli.app import app
from eduplan.errors import StoreError
from eduplan.ingest import import_files
from eduplan.store import Store

from helpers import eduplan, write_small

EDUPLAN = [sys.executable, "-c", "from eduplan.cli.app import main; main()"]


def counts(db: Path) -> dict[str, int]:
    with Store(db, read_only=True) as s:
        return s.table_counts()


def test_demo_refuses_a_real_store(tmp_path: Path):
    db = tmp_path / "real.duckdb"
    with Store(db) as s:
        assert import_files(s, write_small(tmp_path / "src"), user="统计科").ok
    before = counts(db)
    from eduplan.demo.run import build_demo_store

    for fresh in (False, True):
        with pytest.raises(StoreError, match="不是示范区写入的数据"):
            build_demo_store(db, tmp_path / "demo-src", 420104, fresh=fresh)
        assert counts(db) == before
    res = CliRunner().invoke(app, ["demo", "--db", str(db), "--sources", str(tmp_path / "d")])
    assert res.exit_code == 1
    assert "不是示范区写入的数据" in res.output and "统计科" in res.output
    assert counts(db) == before


@pytest.mark.slow  # a whole `eduplan demo --fresh` process killed midway, then a whole demo build
def test_demo_fresh_killed_midway_keeps_previous_store(demo_store: Path, tmp_path: Path):
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_store, db)
    before = counts(db)
    assert before["enrolment"] == 5433
    env = {**os.environ, "EDUPLAN_DEMO_DB": str(db)}
    proc = subprocess.Popen([*EDUPLAN, "demo", "--fresh", "--sources", str(tmp_path / "src")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    # kill it once the new file is being built (the import is under way)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(tmp_path.glob(".demo.duckdb.building-*")):
        time.sleep(0.05)
    assert list(tmp_path.glob(".demo.duckdb.building-*")), "the demo never started building"
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert counts(db) == before
    from eduplan.store.backup import verify

    assert verify(db).ok
    # a later demo run cleans up and succeeds
    res = eduplan("demo", "--fresh", "--sources", tmp_path / "src", "--format", "json", env={"EDUPLAN_DEMO_DB": str(db)})
    assert res.exit_code == 0, res.stderr[-2000:]
    assert counts(db) == before
