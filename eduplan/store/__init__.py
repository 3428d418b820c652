"""The store (集中存储): an embedded DuckDB file holding every model table, its history and import lineage.

The schema is derived from eduplan.model (see `schema`): one table per source table holding the
current rows (model columns + `batch_id`, the batch that wrote this version, + `source_row`), one
`<table>__history` table per source table holding every superseded version (+ `superseded_by`), and
`import_batch` recording every batch, `plan_binding` every plan bound to a district. Writes go through `write_batch` (imports), `undo` (see
`versions`) — each in one transaction; nothing is ever deleted without its old version going to
history. Reads for analytics go through `ibis()` or SQL on the current tables by name.

Open for reading with `Store(path, read_only=True)` (many processes may read at once); open for
writing only for the short time of a write (one process at a time). Times are stored in UTC.
"""

from __future__ import annotations

import getpass
import json
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

import duckdb
import pyarrow as pa

from .. import __version__
from ..errors import StoreError, StoreOutdated, WriteFailed, os_error_text
from ..model import TABLES, TABLES_BY_NAME, Table
from . import schema
from .connect import connect
from .schema import (
    BATCH_TABLE, HISTORY_SUFFIX, KINDS, META_TABLE, PLAN_TABLE, SCHEMA_VERSION, all_tables, arrow_schema, history_table,
    model_columns, q, table_ddl,
)


def os_account() -> str:
    """The operating-system account running this process (not spoofable by USER/LOGNAME where pwd exists)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        try:
            return getpass.getuser()
        except Exception:  # noqa: BLE001 - no account name at all (e.g. a container without passwd)
            return f"uid {os.getuid()}" if hasattr(os, "getuid") else "未知"


def utc_now() -> datetime:
    """Now in UTC, as stored (a naive TIMESTAMP holding UTC)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def as_utc(dt: datetime | None) -> datetime | None:
    """A stored (naive, UTC) timestamp as an aware UTC datetime."""
    if dt is None or dt.tzinfo is not None:
        return dt
    return dt.replace(tzinfo=timezone.utc)


def time_label(dt: datetime | None) -> str:
    """“2026-11-30 17:42:00 UTC” — every time shown to a user names its zone."""
    if dt is None:
        return "—"
    dt = as_utc(dt).astimezone(timezone.utc)
    return f"{dt:%Y-%m-%d %H:%M:%S} UTC"


class Store:
    """An eduplan DuckDB file. Use as a context manager, or call close().

    `wait`: seconds to wait for another process's lock before failing with a Chinese message naming
    it (default: EDUPLAN_LOCK_WAIT or 5).

    `backend` names the engine behind `ibis()`: analyses written against Ibis run on any store that offers
    `ibis()` and `backend` (eduplan.store.postgres serves the same tables from PostgreSQL); only the
    DuckDB store also has `con`, which the indicator engine uses for its compiled-SQL fast path.
    """

    backend = "duckdb"

    def __init__(self, path: str | os.PathLike, read_only: bool = False, wait: float | None = None):
        self.path = Path(path)
        self.read_only = read_only
        memory = str(path) == ":memory:"
        if not memory:
            if self.path.is_dir():
                raise StoreError(f"“{self.path}”是一个目录，不是数据库文件；--db 须指向一个 .duckdb 文件")
            if read_only and not self.path.exists():
                raise StoreError(f"数据库文件“{self.path}”不存在；先运行 eduplan demo 或 eduplan import 建库")
            if not read_only and not self.path.parent.is_dir():
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise StoreError(os_error_text(e, f"创建数据库目录“{self.path.parent}”")) from None
        self.con = duckdb.connect(":memory:") if memory else connect(self.path, read_only, wait)
        self._ibis = None
        self.opened_version: int | None = None  # the schema version found on opening (None: a new file)
        try:
            if read_only:
                self._check_version()
                self.opened_version = SCHEMA_VERSION
            else:
                self.opened_version = self.ensure_schema()
        except BaseException:
            self.con.close()
            raise

    @classmethod
    def empty(cls) -> "Store":
        """An in-memory store with the schema and no rows (what a store that does not exist yet holds)."""
        return cls(":memory:")

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

    def dicts(self, sql: str, params: list | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    # -- schema
    def schema_version(self) -> int | None:
        return schema.read_version(self.con)

    def _check_version(self) -> None:
        v = self.schema_version()
        if v is None:
            raise StoreError(f"文件“{self.path}”不是 eduplan 数据库（没有结构版本记录）；请检查 --db 指向的文件")
        if v > SCHEMA_VERSION:
            raise StoreError(f"数据库“{self.path}”的结构版本为 {v}，比本程序（支持到 {SCHEMA_VERSION}）新；"
                             "请改用更新版本的 eduplan")
        if v < SCHEMA_VERSION:
            raise StoreOutdated(f"数据库“{self.path}”的结构版本为 {v}，本程序需要 {SCHEMA_VERSION}：请先运行 "
                                f"eduplan db upgrade --db {self.path}（或任一写入命令，如 eduplan import）升级；"
                                "升级只增加表和字段，保留全部数据")

    def ensure_schema(self) -> int | None:
        """Create the schema in a new file, or migrate an older one (one transaction). Returns the version
        found before (None for a new file)."""
        found = self.schema_version()
        if found is not None and found > SCHEMA_VERSION:
            self._check_version()
        if found == SCHEMA_VERSION:
            return found
        self._begin()
        try:
            if found is None:
                if self._has_user_tables():
                    raise StoreError(f"文件“{self.path}”不是 eduplan 数据库（含有其他表，没有结构版本记录）；"
                                     "请检查 --db 指向的文件")
                schema.create(self.con)
            else:
                v = found
                while v < SCHEMA_VERSION:
                    schema.MIGRATIONS[v](self.con)
                    v += 1
                self.run(f"UPDATE {META_TABLE} SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
            self._commit("升级数据库结构" if found else "建立数据库")
        except BaseException:
            self._rollback()
            raise
        return found

    def _has_user_tables(self) -> bool:
        return self.one("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                        "AND NOT internal")[0] > 0

    # -- transactions: a failed commit reports its real cause, and ROLLBACK never hides it
    def _begin(self) -> None:
        self.run("BEGIN TRANSACTION")

    def _commit(self, action: str) -> None:
        try:
            self.run("COMMIT")
        except duckdb.Error as e:
            self._rollback()
            raise WriteFailed(self._failure(e, action)) from None

    def _rollback(self) -> None:
        """Roll back if a transaction is still open; DuckDB ends it itself when a commit fails."""
        try:
            self.run("ROLLBACK")
        except duckdb.Error:
            pass

    def _failure(self, e: BaseException, action: str) -> str:
        text = os_error_text(e, f"{action}（数据库“{self.path}”）").rstrip("。") + "。"
        return text + "数据库未作任何更改（写入在单个事务中进行，已整体撤回）。"

    # -- reads
    def ibis(self):
        """An Ibis backend on this store's connection (the portable analytics layer)."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def table_counts(self) -> dict[str, int]:
        return {t.name: self.one(f"SELECT count(*) FROM {q(t.name)}")[0] for t in TABLES}

    def history_counts(self) -> dict[str, int]:
        return {t.name: self.one(f"SELECT count(*) FROM {q(history_table(t.name))}")[0] for t in TABLES}

    def require_data(self, need: tuple[str, ...] = ("school",), year: int | None = None) -> None:
        """Raise a Chinese StoreError when a table in `need` has no rows, or (with `year`) when no table
        holds rows of that year — before a report computes on nothing."""
        counts = self.table_counts()
        empty = [t for t in need if not counts[t]]
        if empty:
            names = "、".join(f"“{TABLES_BY_NAME[t].label}”" for t in empty)
            raise StoreError(f"数据库“{self.path}”中还没有{names}数据，无法计算；请先导入数据"
                             "（eduplan import 文件…），或运行 eduplan demo 生成示范区")
        if year is None:
            return
        years: set[int] = set()
        for t in TABLES:
            if "year" in t.labels and counts[t.name]:
                years |= {r[0] for r in self.run(f"SELECT DISTINCT year FROM {q(t.name)}")}
        if years and year not in years:
            have = sorted(years)
            span = f"{have[0]}–{have[-1]}" if len(have) > 1 else str(have[0])
            raise StoreError(f"数据库“{self.path}”中没有 {year} 年的数据（已有年度：{span}）；"
                             f"请换一个 --year，或先导入 {year} 年的数据")

    def batches(self) -> list[dict[str, Any]]:
        """Every batch, oldest first; `imported_at` as an aware UTC datetime, `tables` parsed."""
        out = self.dicts(f"SELECT * FROM {BATCH_TABLE} ORDER BY batch_id")
        for d in out:
            d["tables"] = json.loads(d["tables"])
            d["imported_at"] = as_utc(d["imported_at"])
        return out

    def batch(self, batch_id: int) -> dict[str, Any] | None:
        rows = self.dicts(f"SELECT * FROM {BATCH_TABLE} WHERE batch_id = ?", [batch_id])
        if not rows:
            return None
        d = rows[0]
        d["tables"] = json.loads(d["tables"])
        d["imported_at"] = as_utc(d["imported_at"])
        return d

    # -- districts and their plans
    def districts(self) -> list[dict[str, Any]]:
        """Every district the data names (the 区县 table, and any district code schools or zones carry),
        ordered by code: [{district_code, district_name (None when only a code is known)}]."""
        rows = self.run(
            "SELECT code, max(name) FROM ("
            "  SELECT district_code AS code, district_name AS name FROM district"
            "  UNION ALL SELECT district_code, NULL FROM school WHERE district_code IS NOT NULL"
            "  UNION ALL SELECT district_code, NULL FROM zone WHERE district_code IS NOT NULL"
            ") GROUP BY code ORDER BY code")
        return [{"district_code": c, "district_name": n} for c, n in rows]

    def plan_bindings(self, district_code: str | None = None, current: bool = True) -> list[dict[str, Any]]:
        """Plans bound to districts (one district's, or all), oldest first; `current` only the bindings
        not superseded. Each with its text; `bound_at` an aware UTC datetime."""
        where, params = [], []
        if current:
            where.append("superseded_by IS NULL")
        if district_code is not None:
            where.append("district_code = ?")
            params.append(district_code)
        sql = f"SELECT * FROM {PLAN_TABLE}" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY binding_id"
        out = self.dicts(sql, params)
        for d in out:
            d["bound_at"] = as_utc(d["bound_at"])
        return out

    def bind_plan(self, *, district_code: str, plan_id: str, title: str, period: tuple[int, int], file_name: str,
                  text: str, sha256: str, user: str, os_user: str | None = None) -> int:
        """Record `text` as the district's current plan (one transaction); the binding it replaces stays,
        marked superseded. Returns the new binding id."""
        self._begin()
        try:
            new_id = self.one(f"SELECT coalesce(max(binding_id), 0) + 1 FROM {PLAN_TABLE}")[0]
            self.run(f"UPDATE {PLAN_TABLE} SET superseded_by = ? WHERE district_code = ? AND superseded_by IS NULL",
                     [new_id, district_code])
            self.run(
                f"INSERT INTO {PLAN_TABLE} (binding_id, district_code, plan_id, title, period_start, period_end, "
                "file_name, sha256, text, bound_at, user_name, os_user, eduplan_version, superseded_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                [new_id, district_code, plan_id, title, period[0], period[1], file_name, sha256, text, utc_now(),
                 user, os_user or os_account(), __version__])
        except duckdb.Error as e:
            self._rollback()
            raise WriteFailed(self._failure(e, "绑定规划")) from None
        except BaseException:
            self._rollback()
            raise
        self._commit("绑定规划")
        return new_id

    def max_batch_id(self) -> int:
        return self.one(f"SELECT coalesce(max(batch_id), 0) FROM {BATCH_TABLE}")[0]

    def batch_by_sha(self, sha256: str) -> dict[str, Any] | None:
        """The latest batch that wrote a file with this content, or None."""
        r = self.one(f"SELECT batch_id, imported_at, file_name FROM {BATCH_TABLE} WHERE sha256 = ? "
                     "ORDER BY batch_id DESC LIMIT 1", [sha256])
        return None if r is None else {"batch_id": r[0], "imported_at": as_utc(r[1]), "file_name": r[2]}

    def column_values(self, table: str, column: str) -> set:
        return {r[0] for r in self.run(f"SELECT DISTINCT {q(column)} FROM {q(table)}")}

    def rows(self, table: str, columns: Iterable[str] | None = None) -> list[dict[str, Any]]:
        cols = ", ".join(q(c) for c in columns) if columns else "*"
        return self.dicts(f"SELECT {cols} FROM {q(table)}")

    def compare(self, table: str, rows: list[dict[str, Any]]) -> dict[str, int]:
        """What writing `rows` would do, without writing: {rows, inserted, updated, unchanged}."""
        t = TABLES_BY_NAME[table]
        with self._staged(t, rows, 0):
            existing, unchanged = self._existing_unchanged(t)
        return {"rows": len(rows), "inserted": len(rows) - existing, "updated": existing - unchanged,
                "unchanged": unchanged}

    def absent_rows(self, table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Stored rows within the replace scope of `rows` (e.g. the school × year pairs they hold) whose key
        is not among `rows`: what a re-import lacks. Key columns + batch_id, in key order."""
        from .versions import replace_scope

        t = TABLES_BY_NAME[table]
        scope = replace_scope(t)
        if not scope or not rows:
            return []
        with self._staged(t, rows, 0):
            in_scope = " AND ".join(f"s.{q(c)} = x.{q(c)}" for c in scope)
            key_on = " AND ".join(f"s.{q(k)} = x.{q(k)}" for k in t.key)
            keys = ", ".join(f"x.{q(k)}" for k in t.key)
            return self.dicts(
                f"SELECT {keys}, x.batch_id FROM {q(t.name)} x "
                f"WHERE EXISTS (SELECT 1 FROM _staged s WHERE {in_scope}) "
                f"AND NOT EXISTS (SELECT 1 FROM _staged s WHERE {key_on}) ORDER BY {keys}")

    def versions(self, table: str, key: dict[str, Any]) -> list[dict[str, Any]]:
        """Every version of one row, oldest first, with its batch (see versions.row_versions)."""
        from .versions import row_versions

        return row_versions(self, TABLES_BY_NAME[table], key)

    # -- writes
    def write_batch(self, files: list[dict[str, Any]], user: str, kind: str = "import",
                    os_user: str | None = None, note: str | None = None) -> list[dict[str, Any]]:
        """Write several files' rows in ONE transaction (all or nothing).

        files: [{file_name, file_path, sha256, tables: {table: [row dicts with source_row]},
                 delete: {table: [key dicts]} (optional: rows --replace removes), note (optional),
                 submission_id (optional: the approved collection submission)}].
        Rows upsert by the table's key: identical rows are left alone (keeping their batch), a changed
        row's old version moves to `<table>__history` (superseded_by = this batch) and the new one is
        current; new rows are inserted; deleted rows move to history the same way. Each file is one
        batch (kind: import | replace | demo | collection). Returns per file {batch_id, written}.
        """
        self._begin()
        try:
            results = self.write_files(files, user, kind=kind, os_user=os_user, note=note)
        except duckdb.Error as e:
            self._rollback()
            raise WriteFailed(self._failure(e, "写入导入批次")) from None
        except BaseException:
            self._rollback()
            raise
        self._commit("写入导入批次")
        return results

    def write_files(self, files: list[dict[str, Any]], user: str, kind: str = "import",
                    os_user: str | None = None, note: str | None = None) -> list[dict[str, Any]]:
        """The writes of `write_batch` inside the CALLER's transaction (no BEGIN, no COMMIT): for a caller that
        writes more in the same transaction (an approval also records its submission and lock), or that rolls
        everything back (figures computed with pending submissions, eduplan.collection.pending_overlay)."""
        if kind not in KINDS or kind == "undo":
            raise ValueError(f"unknown batch kind {kind!r}")
        os_user = os_user or os_account()
        results = []
        before = {}
        if any(f.get("delete") for f in files):
            from .versions import integrity_problems

            before = integrity_problems(self)
        next_id = self.max_batch_id() + 1
        deleted_any = False
        for f in files:
            batch_id = next_id
            next_id += 1
            written: dict[str, dict[str, int]] = {}
            deletes = f.get("delete") or {}
            for t in TABLES:  # dependency order
                rows = f["tables"].get(t.name)
                if rows:
                    written[t.name] = self._upsert(t, rows, batch_id)
                if deletes.get(t.name):
                    n = self._delete(t, deletes[t.name], batch_id)
                    deleted_any = deleted_any or n > 0
                    written.setdefault(t.name, {"rows": 0, "inserted": 0, "updated": 0, "unchanged": 0})
                    written[t.name]["deleted"] = n
            for w in written.values():
                w.setdefault("deleted", 0)
            self.record_batch(batch_id, file_name=f["file_name"], file_path=f.get("file_path"),
                              sha256=f["sha256"], user=user, tables=written,
                              rows_total=sum(len(r) for r in f["tables"].values()), kind=kind,
                              os_user=os_user, note=f.get("note", note), submission_id=f.get("submission_id"))
            results.append({"batch_id": batch_id, "written": written})
        if deleted_any:
            from .versions import integrity_problems, new_problems

            problems = new_problems(before, integrity_problems(self))
            if problems:
                raise StoreError("删除这些行后，库中会有行引用不存在的数据，未写入：" + "；".join(problems))
        return results

    def record_batch(self, batch_id: int, *, file_name: str, file_path: str | None, sha256: str, user: str,
                     tables: dict[str, Any], rows_total: int, kind: str, os_user: str,
                     note: str | None = None, undoes: int | None = None, submission_id: int | None = None) -> None:
        self.run(
            f"INSERT INTO {BATCH_TABLE} (batch_id, file_name, file_path, sha256, imported_at, user_name, tables, "
            "rows_total, eduplan_version, kind, os_user, note, undoes, submission_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [batch_id, file_name, file_path, sha256, utc_now(), user, json.dumps(tables, ensure_ascii=False),
             rows_total, __version__, kind, os_user, note, undoes, submission_id],
        )

    def undo(self, batch_id: int, user: str, cascade: bool = False, os_user: str | None = None):
        """Undo a batch (and, with cascade, the later batches in its way), recorded as new 'undo' batches.
        See versions.undo."""
        from .versions import undo

        return undo(self, batch_id, user, cascade=cascade, os_user=os_user or os_account())

    # -- internals of writing
    @contextmanager
    def _staged(self, t: Table, rows: list[dict[str, Any]], batch_id: int) -> Iterator[None]:
        """`rows` registered as the relation `_staged` (model columns + batch_id + source_row) while inside."""
        data = {f.name: [r.get(f.name) for r in rows] for f in t.fields}
        data["batch_id"] = [batch_id] * len(rows)
        data["source_row"] = [r.get("source_row") for r in rows]
        self.con.register("_staged", pa.table(data, schema=arrow_schema(t)))
        try:
            yield
        finally:
            self.con.unregister("_staged")

    def _existing_unchanged(self, t: Table) -> tuple[int, int]:
        key_on = " AND ".join(f"s.{q(k)} = x.{q(k)}" for k in t.key)
        same = _same(t, "s", "x")
        return self.one(
            f"SELECT count(*) FILTER (WHERE x.{q(t.key[0])} IS NOT NULL), "
            f"count(*) FILTER (WHERE x.{q(t.key[0])} IS NOT NULL AND {same}) "
            f"FROM _staged s LEFT JOIN {q(t.name)} x ON {key_on}")

    def _upsert(self, t: Table, rows: list[dict[str, Any]], batch_id: int) -> dict[str, int]:
        with self._staged(t, rows, batch_id):
            key_on = " AND ".join(f"s.{q(k)} = x.{q(k)}" for k in t.key)
            same = _same(t, "s", "x")
            existing, unchanged = self._existing_unchanged(t)
            cols = ", ".join(q(c) for c in model_columns(t) + ["batch_id", "source_row"])
            xcols = ", ".join(f"x.{q(c)}" for c in model_columns(t) + ["batch_id", "source_row"])
            changed = f"EXISTS (SELECT 1 FROM _staged s WHERE {key_on} AND NOT ({same}))"
            # a changed row's old version goes to history, superseded by this batch; identical rows stay
            self.run(f"INSERT INTO {q(history_table(t.name))} ({cols}, superseded_by) "
                     f"SELECT {xcols}, {int(batch_id)} FROM {q(t.name)} x WHERE {changed}")
            self.run(f"DELETE FROM {q(t.name)} x WHERE {changed}")
            self.run(f"INSERT INTO {q(t.name)} ({cols}) SELECT {cols} FROM _staged s "
                     f"WHERE NOT EXISTS (SELECT 1 FROM {q(t.name)} x WHERE {key_on})")
        return {"rows": len(rows), "inserted": len(rows) - existing, "updated": existing - unchanged,
                "unchanged": unchanged}

    def _delete(self, t: Table, keys: list[dict[str, Any]], batch_id: int) -> int:
        """Move the current rows with these keys to history (superseded_by = batch_id). Returns the count."""
        with self._staged(t, keys, batch_id):
            key_on = " AND ".join(f"s.{q(k)} = x.{q(k)}" for k in t.key)
            cols = ", ".join(q(c) for c in model_columns(t) + ["batch_id", "source_row"])
            xcols = ", ".join(f"x.{q(c)}" for c in model_columns(t) + ["batch_id", "source_row"])
            hit = f"EXISTS (SELECT 1 FROM _staged s WHERE {key_on})"
            n = self.one(f"SELECT count(*) FROM {q(t.name)} x WHERE {hit}")[0]
            self.run(f"INSERT INTO {q(history_table(t.name))} ({cols}, superseded_by) "
                     f"SELECT {xcols}, {int(batch_id)} FROM {q(t.name)} x WHERE {hit}")
            self.run(f"DELETE FROM {q(t.name)} x WHERE {hit}")
        return n


def _same(t: Table, a: str, b: str) -> str:
    """SQL: rows a and b hold the same model values (NULL equals NULL)."""
    same = " AND ".join(f"{a}.{q(f.name)} IS NOT DISTINCT FROM {b}.{q(f.name)}" for f in t.fields if not f.key)
    return same or "TRUE"


def open_store(path: str | os.PathLike, read_only: bool = False) -> Store:
    return Store(path, read_only=read_only)


__all__ = [
    "Store", "open_store", "TABLES_BY_NAME", "table_ddl", "SCHEMA_VERSION", "META_TABLE", "BATCH_TABLE",
    "HISTORY_SUFFIX", "history_table", "all_tables", "time_label", "as_utc", "os_account", "KINDS",
]
