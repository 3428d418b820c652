"""PostgreSQL as a read side of the store: `PostgresStore` serves a store's tables from a PostgreSQL database
through Ibis (the same table names and columns as the DuckDB file), and `load` copies a DuckDB `Store` into
such a database.

Analyses written against Ibis (`store.ibis()`, `store.backend`) run on either store unchanged; everything that
writes — import, undo, plan binding, backup — and the SQL-string helpers of `Store` (`run`, `rows`, `con`) stay
with the DuckDB file, which remains the store of record. `load` copies every data table (`schema.all_tables()`:
the model tables with their lineage columns, their history, the import batches, the plan bindings and the
meta table — not the accounts and audit tables of `schema.ACCESS_TABLES` nor the collection's rounds, submitted
files and locks of `schema.COLLECTION_TABLES`, which stay in the store of record) with each column's type kept exactly (integers stay integers of the same width, DECIMAL(p,s)
becomes NUMERIC(p,s), DOUBLE double precision, VARCHAR text, dates and timestamps the same), through
PostgreSQL's COPY fed by DuckDB's own CSV writer (no row-by-row INSERT), in one transaction: either every
table is there afterwards or none changed. docs/postgres.md describes the use.

Needs the `postgres` extra (ibis-framework[postgres], psycopg 3); imported only by who uses PostgreSQL.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .schema import ACCESS_TABLES, COLLECTION_TABLES, all_tables, q

BACKEND = "postgres"

# DuckDB column type -> PostgreSQL column type (DECIMAL handled apart: its precision and scale carry over)
TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "HUGEINT": "numeric(39,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
_COPY_CHUNK = 1 << 20


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise StoreError("使用 PostgreSQL 需要安装 psycopg（第 3 版）：pip install 'eduplan[postgres]'") from None
    return psycopg


def where(url: str) -> str:
    """“127.0.0.1:5432/数据库 postgres” — host, port and database of a connection string, never its password."""
    psycopg = _psycopg()
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "（无法解析的连接串）"
    host = info.get("host") or info.get("hostaddr") or "localhost（本机套接字）"
    return f"{host}:{info.get('port') or 5432}/数据库 {info.get('dbname') or info.get('user') or '（默认）'}"


def connect(url: str, autocommit: bool = False):
    """A psycopg connection to `url`; a server that cannot be reached is a StoreError naming host and port."""
    psycopg = _psycopg()
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=10)
    except psycopg.ProgrammingError as e:
        raise StoreError(f"PostgreSQL 连接串无效：{e}") from None
    except psycopg.OperationalError as e:
        raise StoreError(f"无法连接 PostgreSQL 服务器 {where(url)}：{_cause(e)}；请确认服务器已启动、地址和端口正确、"
                         "本机有权访问") from None


# fragments of libpq's connection errors -> the cause in Chinese
_CAUSES = (
    ("connection refused", "连接被拒绝（该地址和端口上没有服务器在监听）"),
    ("timeout expired", "连接超时"),
    ("could not translate host name", "无法解析主机名"),
    ("password authentication failed", "密码验证失败"),
    ("no password supplied", "服务器要求密码，连接串中没有"),
    ("no pg_hba.conf entry", "服务器不允许本机以此用户连接（pg_hba.conf）"),
    ("does not exist", "数据库或用户不存在"),  # FATAL: database "x" / role "x" does not exist
)


def _text(e: Exception) -> str:
    """A psycopg error's text on one line."""
    return " ".join(line.strip() for line in str(e).strip().splitlines()) or type(e).__name__


def _cause(e: Exception) -> str:
    """Why a connection failed, in Chinese, with libpq's own text after it."""
    text = _text(e)
    for fragment, cause in _CAUSES:
        if fragment in text.lower():
            return f"{cause}（{text}）"
    return text


def pg_type(table: str, column: str, duck_type: str) -> str:
    """The PostgreSQL type holding exactly the values of a DuckDB column type (a StoreError for one without)."""
    t = duck_type.upper()
    m = _DECIMAL.fullmatch(t)
    if m:
        return f"numeric({m.group(1)},{m.group(2)})"
    if t in TYPES:
        return TYPES[t]
    raise StoreError(f"表“{table}”的列“{column}”类型为 {duck_type}，PostgreSQL 中没有与之完全对应的类型，无法装载")


def columns(store, table: str) -> list[tuple[str, str, bool]]:
    """(name, DuckDB type, nullable) of a table of the DuckDB store, in column order."""
    return [(n, t, nullable) for n, t, nullable in store.run(
        "SELECT column_name, data_type, is_nullable FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ? ORDER BY column_index", [table])]


def ddl(store, table: str) -> str:
    """CREATE TABLE for `table` in PostgreSQL, column types mapped from the DuckDB store's (NOT NULL kept)."""
    cols = [f"{q(n)} {pg_type(table, n, t)}" + ("" if nullable else " NOT NULL") for n, t, nullable in columns(store, table)]
    return f"CREATE TABLE {q(table)} (" + ", ".join(cols) + ")"


def load(store, url: str, tables: list[str] | None = None, replace: bool = False) -> dict[str, int]:
    """Copy the DuckDB `store`'s tables (default: every table of the schema) into the PostgreSQL database at
    `url`, in one transaction; returns rows copied per table. A table already there is refused (naming it)
    unless `replace`, which drops it first — in the same transaction, so a failed load leaves it as it was."""
    # default: the data, not the accounts (password hashes, session and token digests, the audit log stay in the
    # store of record: an analytics copy has no need of them)
    names = list(tables) if tables is not None else [n for n in all_tables() if n not in ACCESS_TABLES + COLLECTION_TABLES]
    have = {r[0] for r in store.run("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                                    "AND schema_name = 'main'")}
    lacking = [n for n in names if n not in have]
    if lacking:
        raise StoreError(f"数据库“{store.path}”中没有表 " + "、".join(f"“{n}”" for n in lacking) + "，无法装载到 PostgreSQL")
    statements = {n: ddl(store, n) for n in names}  # every type checked before anything is written
    psycopg = _psycopg()
    counts: dict[str, int] = {}
    with connect(url) as con, tempfile.TemporaryDirectory(prefix="eduplan-pg-load-") as tmp:
        table = None
        try:
            with con.transaction():
                existing = {r[0] for r in con.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
                clash = [n for n in names if n in existing]
                if clash and not replace:
                    shown = "、".join(f"“{n}”" for n in clash[:5]) + (f" 等 {len(clash)} 张表" if len(clash) > 5 else "")
                    raise StoreError(f"PostgreSQL {where(url)} 中已有表 {shown}，未作任何更改；要覆盖请用 replace=True"
                                     "（在同一事务中先删除再装载）")
                for table in names:
                    if table in existing:
                        con.execute(f"DROP TABLE {q(table)}")
                    con.execute(statements[table])
                    counts[table] = _copy(store, con, table, Path(tmp))
                table = None
                for name in names:
                    con.execute(f"ANALYZE {q(name)}")
        except psycopg.Error as e:
            at = f"装载表“{table}”时" if table else "装载时"
            raise StoreError(f"PostgreSQL {where(url)} {at}出错，未作任何更改（整个装载在一个事务中，已撤回）："
                             f"{_text(e)}") from None
    return counts


def _copy(store, con, table: str, folder: Path) -> int:
    """One table through a CSV file DuckDB writes (NULL unquoted and empty, '' quoted; doubles in their shortest
    exact form) and PostgreSQL's COPY reads with the same conventions."""
    cols = [n for n, _, _ in columns(store, table)]
    path = folder / "table.csv"
    col_list = ", ".join(q(c) for c in cols)
    sql_path = str(path).replace("'", "''")
    store.run(f"COPY (SELECT {col_list} FROM {q(table)}) TO '{sql_path}' (FORMAT csv, HEADER false)")
    with con.cursor() as cur:
        with cur.copy(f"COPY {q(table)} ({col_list}) FROM STDIN (FORMAT csv)") as copy, open(path, "rb") as f:
            while chunk := f.read(_COPY_CHUNK):
                copy.write(chunk)
        n = cur.rowcount
    path.unlink()
    return n


class PostgresStore:
    """A store's tables served by PostgreSQL (after `load`), for analyses written against Ibis.

    `ibis()` is an Ibis postgres backend holding the same table names and columns as the DuckDB store;
    `backend` is "postgres". Use as a context manager, or call close(). Nothing here writes.
    """

    backend = BACKEND

    def __init__(self, url: str):
        self.url = url
        self.path = f"PostgreSQL {where(url)}"  # what messages name, as they name a DuckDB store's file
        self._con = connect(url, autocommit=True)
        self._ibis = None

    def __enter__(self) -> "PostgresStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._ibis is not None:
            self._ibis = None
        self._con.close()

    def ibis(self) -> Any:
        """An Ibis backend on this database (the portable analytics layer)."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.postgres.from_connection(self._con)
        return self._ibis

    def table_counts(self) -> dict[str, int]:
        """Rows per model table, as `Store.table_counts`."""
        from ..model import TABLES

        con = self.ibis()
        return {t.name: int(con.table(t.name).count().execute()) for t in TABLES}
