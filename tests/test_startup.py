"""Start fast: the CLI imports heavy libraries (pandas, Ibis, scipy …) only in the commands that need them,
and the compiled-SQL cache gives the same numbers as compiling afresh. No wall-clock asserts here: the
figures are measured by benchmarks/bench_startup.py and recorded in docs/performance.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("pandas", "numpy", "ibis", "sqlglot", "scipy", "pyarrow", "duckdb", "openpyxl", "xlsxwriter", "markdown_it")


def _loaded_after(code: str) -> list[str]:
    probe = code + f"\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_importing_the_app_imports_no_heavy_library():
    assert _loaded_after("import eduplan.cli.app") == []


@pytest.mark.parametrize("args", [["--help"], ["indicatorz"], ["explain", "--help"], ["school", "--help"]])
def test_help_and_usage_errors_import_no_heavy_library(args):
    code = ("import sys\nfrom eduplan.cli.app import main\n"
            f"sys.argv = ['eduplan', *{args!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")
    assert _loaded_after(code) == []


def _values(db, defs, **kw):
    from eduplan.indicators import compute
    from eduplan.store import Store

    with Store(db, read_only=True) as s:
        v = compute(s, defs, **kw).values
    return v.sort_values(["indicator", "year", "unit_type", "unit_code", "bdim", "bval"]).reset_index(drop=True)


def test_the_compiled_sql_cache_gives_identical_values(demo_store, tmp_path, monkeypatch):
    import pandas as pd

    from eduplan.indicators import engine, load_definitions

    defs = load_definitions()
    monkeypatch.setenv("EDUPLAN_CACHE_DIR", "none")  # compiled afresh by Ibis, nothing on disk
    monkeypatch.setattr(engine, "_SQL_CACHE", {})
    fresh = _values(demo_store, defs)
    fresh_school = _values(demo_store, defs, school="2420104001")

    monkeypatch.setenv("EDUPLAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(engine, "_SQL_CACHE", {})
    _values(demo_store, defs)
    _values(demo_store, defs, school="2420104001")
    files = sorted((tmp_path / "sql").glob("*.json"))
    assert len(files) == len(engine._SQL_CACHE) > 0  # every query compiled went to disk

    def no_compile(*args, **kwargs):
        raise AssertionError("compiled although the SQL is cached")

    monkeypatch.setattr(engine, "_SQL_CACHE", {})  # a new process: only the disk cache
    monkeypatch.setattr(engine, "_compile", no_compile)
    pd.testing.assert_frame_equal(_values(demo_store, defs), fresh, check_exact=True)
    pd.testing.assert_frame_equal(_values(demo_store, defs, school="2420104001"), fresh_school, check_exact=True)


def test_a_damaged_cache_file_is_compiled_afresh(demo_store, tmp_path, monkeypatch):
    import pandas as pd

    from eduplan.indicators import engine, load_definitions

    defs = load_definitions()
    monkeypatch.setenv("EDUPLAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(engine, "_SQL_CACHE", {})
    first = _values(demo_store, defs, school="2420104001")
    for f in (tmp_path / "sql").glob("*.json"):
        f.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(engine, "_SQL_CACHE", {})
    pd.testing.assert_frame_equal(_values(demo_store, defs, school="2420104001"), first, check_exact=True)
    assert all(f.read_text(encoding="utf-8").startswith('{"what"') for f in (tmp_path / "sql").glob("*.json"))


def test_the_cache_key_follows_the_store_schema_and_the_terms(tmp_path):
    from eduplan.indicators import engine, load_definitions
    from eduplan.store import Store

    defs = load_definitions()
    t = defs.get("preschool_gross_enrolment").numerator[0]
    with Store(tmp_path / "a.duckdb") as a:
        sig_a = engine._schema_signature(a)
        a.con.execute("ALTER TABLE enrolment ADD COLUMN extra INTEGER")
        engine._SCHEMAS.pop(a, None)
        assert engine._schema_signature(a) != sig_a
    other = t.model_copy(update={"where": "level == '小学'"})
    assert engine.term_key(other) != engine.term_key(t)


def test_the_cache_folder_stays_bounded(tmp_path, monkeypatch):
    from eduplan import sqlcache

    monkeypatch.setattr(sqlcache, "MAX_FILES", 3)
    for i in range(5):  # written one after another: k0 is the oldest
        sqlcache.write(tmp_path / f"k{i}.json", {"what": "test", "sql": "SELECT 1"})
        os.utime(tmp_path / f"k{i}.json", (1_000_000 + i, 1_000_000 + i))
    assert sorted(f.name for f in tmp_path.glob("*.json")) == ["k2.json", "k3.json", "k4.json"]
