"""Reports on an empty or missing store: a clear Chinese message, exit code 1, nothing created."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from eduplan.cli.app import app
from eduplan.store import Store

runner = CliRunner()

REPORTS = [["indicators", "--year", "2019"], ["explain", "preschool_gross_enrolment", "--year", "2019"],
           ["quality"], ["forecast"]]


@pytest.mark.parametrize("args", REPORTS, ids=lambda a: a[0])
def test_report_on_empty_store(args, tmp_path: Path):
    db = tmp_path / "empty.duckdb"
    Store(db).close()
    res = runner.invoke(app, [*args, "--db", str(db)])
    assert res.exit_code == 1
    assert "中还没有“学校基本信息”" in res.output
    assert "Traceback" not in res.output and "内部错误" not in res.output


@pytest.mark.parametrize("args", REPORTS, ids=lambda a: a[0])
def test_report_on_missing_store_creates_nothing(args, tmp_path: Path):
    db = tmp_path / "none.duckdb"
    res = runner.invoke(app, [*args, "--db", str(db)])
    assert res.exit_code == 1
    assert "不存在" in res.output
    assert list(tmp_path.iterdir()) == []
