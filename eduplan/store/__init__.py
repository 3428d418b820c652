"""The store (集中存储): an embedded DuckDB file holding every model table plus import lineage.

The schema is derived from eduplan.model: one table per source table, with the model's columns plus
`batch_id` (the import batch a row came from) and `source_row` (its row in the source file). Writes go
through `write_batch` in one transaction; reads for analytics go through `ibis()` (a portable
expression layer — PostgreSQL or Spark backends can serve the same expressions later).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import duckdb
import pyarrow as pa

from .. import __version__
from ..errors import StoreError
from ..model import TABLES, TABLES_BY_NAME, Table

SCHEMA_VERSION = 1

BATCH_DDL = """
CREATE TABLE IF NOT EXISTS import_batch (
    batch_id     INTEGER PRIMARY KEY,
    file_name    VARCHAR NOT NULL,
    file_path    VARCHAR,
    sha256       VARCHAR NOT NULL,
    imported_at  TIMESTAMP NOT NULL,
    user_name    VARCHAR NOT NULL,
    tables       VARCHAR NOT NULL,  -- JSON: table -> {rows, inserted, updated, unchanged}
    rows_total   INTEGER NOT NULL,
    eduplan_version VARCHAR NOT NULL
)
"""

_ARROW = {"int": pa.int64(), "float": pa.float64(), "str": pa.string(), "code": pa.string(), "year": pa.int32()}


def table_ddl(t: Table) -> str:
    cols = [f'    "{f.name}" {f.sql_type}' + (" NOT NULL" if f.key else "") for f in t.fields]
    cols += ["    batch_id INTEGER NOT NULL", "    source_row INTEGER"]
    return f'CREATE TABLE IF NOT EXISTS "{t.name}" (\n' + ",\n".join(cols) + "\n)"


def arrow_schema(t: Table) -> pa.Schema:
    return pa.schema([(f.name, _ARROW[f.type]) for f in t.fields]
                     + [("batch_id", pa.int32()), ("source_row", pa.int32())])


class Store:
    """An eduplan DuckDB file. Use as a context manager, or call close()."""

    def __init__(self, path: str | os.PathLike, read_only: bool = False):
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"数据库文件“{self.path}”不存在；先运行 eduplan demo 或 eduplan import 建库")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as e:
            raise StoreError(f"无法打开数据库文件“{self.path}”：{e}") from None
        self._ibis = None
        if not read_only:
            self.ensure_schema()

    # -- lifecycle
    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def run(self, sql: str, params: list | None = None) -> list[tuple]:
        """Execute one statement and consume its result (DuckDB 2 requires it before the next one)."""
        return self.con.execute(sql, params or []).fetchall()

    def one(self, sql: str, params: list | None = None) -> tuple | None:
        rows = self.run(sql, params)
        return rows[0] if rows else None

    def ensure_schema(self) -> None:
        self.run("CREATE TABLE IF NOT EXISTS eduplan_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        row = self.one("SELECT value FROM eduplan_meta WHERE key = 'schema_version'")
        if row is not None and int(row[0]) != SCHEMA_VERSION:
            raise StoreError(f"数据库“{self.path}”的结构版本为 {row[0]}，本程序需要 {SCHEMA_VERSION}")
        self.run(BATCH_DDL)
        for t in TABLES:
            self.run(table_ddl(t))
        if row is None:
            self.run("INSERT INTO eduplan_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])

    # -- reads
    def ibis(self):
        """An Ibis backend on this store's connection (the portable analytics layer)."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def table_counts(self) -> dict[str, int]:
        return {t.name: self.one(f'SELECT count(*) FROM "{t.name}"')[0] for t in TABLES}

    def batches(self) -> list[dict[str, Any]]:
        cur = self.con.execute("SELECT * FROM import_batch ORDER BY batch_id")
        names = [d[0] for d in cur.description]
        out = []
        for r in cur.fetchall():
            d = dict(zip(names, r))
            d["tables"] = json.loads(d["tables"])
            out.append(d)
        return out

    def batch_by_sha(self, sha256: str) -> dict[str, Any] | None:
        r = self.one("SELECT batch_id, imported_at, file_name FROM import_batch WHERE sha256 = ?", [sha256])
        return None if r is None else {"batch_id": r[0], "imported_at": r[1], "file_name": r[2]}

    def column_values(self, table: str, column: str) -> set:
        return {r[0] for r in self.run(f'SELECT DISTINCT "{column}" FROM "{table}"')}

    def rows(self, table: str, columns: Iterable[str] | None = None) -> list[dict[str, Any]]:
        cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        cur = self.con.execute(f'SELECT {cols} FROM "{table}"')
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    # -- writes
    def write_batch(self, files: list[dict[str, Any]], user: str) -> list[dict[str, Any]]:
        """Write several files' rows in ONE transaction (all or nothing).

        files: [{file_name, file_path, sha256, tables: {table: [row dicts with source_row]}}].
        Rows upsert by the table's key: identical rows are left alone (keeping their original batch),
        changed rows are replaced, new rows inserted. Returns per file {batch_id, written}.
        """
        results = []
        self.run("BEGIN TRANSACTION")
        try:
            next_id = self.one("SELECT coalesce(max(batch_id), 0) + 1 FROM import_batch")[0]
            for f in files:
                batch_id = next_id
                next_id += 1
                written: dict[str, dict[str, int]] = {}
                for t in TABLES:  # dependency order
                    rows = f["tables"].get(t.name)
                    if rows:
                        written[t.name] = self._upsert(t, rows, batch_id)
                self.run(
                    "INSERT INTO import_batch VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [batch_id, f["file_name"], f.get("file_path"), f["sha256"],
                     datetime.now(timezone.utc).replace(tzinfo=None), user,
                     json.dumps(written, ensure_ascii=False), sum(len(r) for r in f["tables"].values()),
                     __version__],
                )
                results.append({"batch_id": batch_id, "written": written})
            self.run("COMMIT")
        except BaseException:
            self.run("ROLLBACK")
            raise
        return results

    def _upsert(self, t: Table, rows: list[dict[str, Any]], batch_id: int) -> dict[str, int]:
        schema = arrow_schema(t)
        data = {f.name: [r.get(f.name) for r in rows] for f in t.fields}
        data["batch_id"] = [batch_id] * len(rows)
        data["source_row"] = [r.get("source_row") for r in rows]
        staged = pa.table(data, schema=schema)
        self.con.register("_staged", staged)
        try:
            key_on = " AND ".join(f's."{k}" = x."{k}"' for k in t.key)
            same = " AND ".join(f's."{f.name}" IS NOT DISTINCT FROM x."{f.name}"' for f in t.fields if not f.key)
            same = same or "TRUE"
            existing, unchanged = self.one(
                f'SELECT count(*) FILTER (WHERE x."{t.key[0]}" IS NOT NULL), '
                f'count(*) FILTER (WHERE x."{t.key[0]}" IS NOT NULL AND {same}) '
                f'FROM _staged s LEFT JOIN "{t.name}" x ON {key_on}'
            )
            # replace changed rows, insert new ones; identical rows keep their lineage
            self.run(
                f'DELETE FROM "{t.name}" x WHERE EXISTS (SELECT 1 FROM _staged s WHERE {key_on} AND NOT ({same}))'
            )
            cols = ", ".join(f'"{c}"' for c in schema.names)
            self.run(
                f'INSERT INTO "{t.name}" ({cols}) SELECT {cols} FROM _staged s '
                f'WHERE NOT EXISTS (SELECT 1 FROM "{t.name}" x WHERE {key_on})'
            )
        finally:
            self.con.unregister("_staged")
        return {"rows": len(rows), "inserted": len(rows) - existing, "updated": existing - unchanged,
                "unchanged": unchanged}


def open_store(path: str | os.PathLike, read_only: bool = False) -> Store:
    return Store(path, read_only=read_only)


__all__ = ["Store", "open_store", "TABLES_BY_NAME", "table_ddl", "SCHEMA_VERSION"]
