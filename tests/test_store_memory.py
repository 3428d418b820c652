"""The store's DuckDB memory budget (eduplan/store/connect.py, EDUPLAN_MEMORY_LIMIT, docs/store.md): the default,
a value that is not a size, the indicator engine's rerun of a statement whose result cannot fit, and the message a
user sees when another query runs out of the budget."""

import duckdb
import pytest
from helpers import eduplan

from eduplan.errors import StoreError
from eduplan.indicators import compute, engine, load_definitions
from eduplan.store import Store


def _setting(store: Store) -> str:
    return store.one("SELECT current_setting('memory_limit')")[0]


def _duckdb_shows(limit: str) -> str:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{limit}'").fetchall()
    return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def test_default_budget_is_2gb_on_file_connections(demo_store, monkeypatch):
    monkeypatch.delenv("EDUPLAN_MEMORY_LIMIT", raising=False)
    with Store(demo_store, read_only=True) as s:
        assert _setting(s) == _duckdb_shows("2GB") == "1.8 GiB"  # 2 × 10⁹ bytes = 1.86 GiB, shown rounded down


def test_off_keeps_duckdbs_own_default(demo_store, monkeypatch):
    monkeypatch.setenv("EDUPLAN_MEMORY_LIMIT", "off")
    with Store(demo_store, read_only=True) as s:
        assert _setting(s) == duckdb.connect().execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def test_a_value_that_is_not_a_size_is_refused_in_chinese(demo_store, monkeypatch):
    monkeypatch.setenv("EDUPLAN_MEMORY_LIMIT", "lots")
    with pytest.raises(StoreError) as e:
        Store(demo_store, read_only=True)
    assert str(e.value).startswith("环境变量 EDUPLAN_MEMORY_LIMIT 的值“lots”不是内存大小（应如 2GB、512MB，或 off 表示不限）：")


def test_engine_reruns_a_statement_whose_result_cannot_fit_and_gets_the_same_values(demo_store, monkeypatch):
    """At 16 MB the engine's one statement fails on its own (checked first), yet compute() returns every ratio and
    reported value exactly as without a budget, and the budget is back in place afterwards."""
    defs = load_definitions()
    ids = [i.id for i in defs.indicators if i.kind in ("ratio", "reported")]
    monkeypatch.setenv("EDUPLAN_MEMORY_LIMIT", "off")
    with Store(demo_store, read_only=True) as s:
        ref = compute(s, defs, ids).values
    monkeypatch.setenv("EDUPLAN_MEMORY_LIMIT", "16MB")
    with Store(demo_store, read_only=True) as s:
        budget = _setting(s)
        assert budget.endswith("MiB") and 14 < float(budget.split()[0]) < 16
        sql = max(engine._SQL_CACHE.values(), key=len)  # the all-ratio statement just compiled
        with pytest.raises(duckdb.OutOfMemoryException):
            s.con.execute(sql).fetchall()
        got = compute(s, defs, ids).values
        assert _setting(s) == budget
    assert len(got) == len(ref) == 6788 - 20  # every row of the demo but the 优质均衡系数 (1 district × 10 years × 2 学段)
    assert got.equals(ref)


def test_a_query_out_of_budget_tells_the_user_what_to_set(demo_store, tmp_path):
    r = eduplan("balance", "--db", demo_store, "--year", "2019", env={"EDUPLAN_MEMORY_LIMIT": "4MB"})
    assert r.exit_code == 1
    text = "".join(r.stderr.split())  # the terminal wraps long lines
    text = text[text.index("错误："):]  # after the district's line (said before the query, when it gets that far)
    assert text == ("错误：数据库查询超出内存上限EDUPLAN_MEMORY_LIMIT=4MB，未能完成。请调高该环境变量（如4GB），或设为off使用"
                    "DuckDB的默认上限（内存的80%）。数据库未作任何更改。")
    assert "Traceback" not in r.output
