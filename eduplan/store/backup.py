"""Backup, restore and verify of a store file: the data centre's way back when a disk or a person fails.

A backup is one zip file that describes itself: `manifest.json` (format, eduplan and schema version,
time in UTC, source file, and per table its CREATE statement, row count, the sha256 of its Parquet
member and a content digest of its rows), one Parquet file per table (every table of the store:
model tables, their history, import batches, meta) and a `说明.txt` for the person who finds it.
It is written from one read-only snapshot (a single transaction), so it is consistent and readers
can keep working while it runs.

`restore` refuses a damaged backup (zip CRC, member checksums, manifest), builds the new store in a
temporary file next to the target, checks that every table's content digest equals the manifest's,
and only then moves it into place. `verify` reads every row of every table of a store (DuckDB checks
its block checksums while reading), checks the content digests and the store's own invariants
(keys unique, every row's batch recorded) and reports what is wrong and what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import duckdb

from .. import __version__
from ..errors import StoreError, first_line, os_error_text
from ..model import TABLES
from .schema import history_table

FORMAT = "eduplan-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
README = "说明.txt"

ADVICE = "请用最近一次备份恢复（eduplan db restore 备份文件 --db 新文件），或重新导入源文件"

Progress = Callable[[str, int, int], None]


class BackupError(StoreError):
    """A backup cannot be written, is damaged, or cannot be restored."""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def user_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(name, CREATE statement) of every table of the main schema, in a stable order (model tables in
    dependency order first, then the rest by name)."""
    rows = con.execute("SELECT table_name, sql FROM duckdb_tables() WHERE schema_name = 'main' "
                       "AND database_name = current_database() AND NOT internal").fetchall()
    order = {t.name: i for i, t in enumerate(TABLES)}
    return sorted(rows, key=lambda r: (order.get(r[0], len(order)), r[0]))


def content_digest(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str]:
    """(row count, digest of the rows' content, independent of row order and physical layout)."""
    n, digest = con.execute(
        f"SELECT count(*), coalesce(md5(string_agg(h, ',' ORDER BY h)), '') "
        f"FROM (SELECT md5(CAST(t AS VARCHAR)) AS h FROM {_q(table)} t)").fetchone()
    return int(n), digest


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _connect_ro(path: Path) -> duckdb.DuckDBPyConnection:
    from .connect import connect  # waits out a short lock; says in Chinese who holds a long one

    if not path.is_file():
        raise StoreError(f"数据库文件“{path}”不存在")
    return connect(path, read_only=True)


def backup(db: Path, target: Path, progress: Progress | None = None,
           con: duckdb.DuckDBPyConnection | None = None) -> dict[str, Any]:
    """Write a backup of the store `db` to `target` (a new file; refused if it exists). Returns the manifest.

    `con`: an open connection to `db` (a running server's) to read through — a cursor of it is used, whose own
    transaction is the snapshot; the given connection stays open."""
    db, target = Path(db), Path(target)
    if target.exists():
        raise BackupError(f"备份文件“{target}”已存在；请换一个文件名（备份不会覆盖已有文件）")
    if not target.parent.is_dir():
        raise BackupError(f"无法写出备份“{target}”：目录“{target.parent}”不存在")
    con = _connect_ro(db) if con is None else con.cursor()
    work = Path(tempfile.mkdtemp(prefix=".eduplan-backup-", dir=target.parent))
    try:
        con.execute("BEGIN TRANSACTION")  # one snapshot for every table
        tables = user_tables(con)
        manifest: dict[str, Any] = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "eduplan_version": __version__,
            "created_at_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "source": str(db.resolve()), "schema_version": _schema_version(con), "tables": {},
        }
        for i, (name, sql) in enumerate(tables):
            if progress:
                progress(f"备份 {name}", i, len(tables))
            member = f"tables/{name}.parquet"
            local = work / f"{i:03d}.parquet"
            con.execute(f"COPY (SELECT * FROM {_q(name)}) TO '{local}' (FORMAT parquet)")
            n, digest = content_digest(con, name)
            manifest["tables"][name] = {"create": sql, "rows": n, "content_md5": digest, "member": member,
                                        "member_sha256": _sha256(local)}
        con.execute("COMMIT")
        partial = work / "backup.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
            z.writestr(README, _readme(manifest))
            for i, (name, _) in enumerate(tables):
                z.write(work / f"{i:03d}.parquet", manifest["tables"][name]["member"])
        os.replace(partial, target)
        if progress:
            progress("完成", len(tables), len(tables))
        return manifest
    except duckdb.Error as e:
        raise BackupError(f"读取数据库“{db}”失败，备份未写出：{first_line(e)}") from None
    except OSError as e:
        raise BackupError(os_error_text(e, f"写出备份“{target}”") + "；备份未写出") from None
    finally:
        con.close()
        shutil.rmtree(work, ignore_errors=True)


def _schema_version(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        r = con.execute("SELECT value FROM eduplan_meta WHERE key = 'schema_version'").fetchone()
    except duckdb.Error:
        return None
    return r[0] if r else None


def _readme(m: dict[str, Any]) -> str:
    lines = [
        "eduplan 数据库备份",
        f"创建时间（UTC）：{m['created_at_utc']}",
        f"来源数据库：{m['source']}",
        f"eduplan 版本：{m['eduplan_version']}；库结构版本：{m['schema_version']}",
        "",
        "恢复：eduplan db restore 本文件 --db 新数据库文件.duckdb",
        "恢复时逐表核对校验和，文件损坏时拒绝恢复、不写出任何数据库。",
        "各表数据另以 Parquet 格式存放在 tables/ 目录下，manifest.json 记录每张表的行数和校验和。",
        "",
        "表与行数：",
    ]
    lines += [f"  {name}: {t['rows']}" for name, t in m["tables"].items()]
    return "\n".join(lines) + "\n"


def read_manifest(path: Path) -> dict[str, Any]:
    """Open a backup, check the zip and every member against the manifest; return the manifest."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"备份文件“{path}”不存在或不是普通文件")
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
            if bad is not None:
                raise BackupError(f"备份文件“{path}”已损坏：成员“{bad}”校验失败（CRC 不符）；请改用另一份备份")
            try:
                manifest = json.loads(z.read(MANIFEST))
            except KeyError:
                raise BackupError(f"“{path}”不是 eduplan 备份：缺少 {MANIFEST}") from None
            if manifest.get("format") != FORMAT:
                raise BackupError(f"“{path}”不是 eduplan 备份（format={manifest.get('format')!r}）")
            if manifest.get("format_version", 0) > FORMAT_VERSION:
                raise BackupError(f"备份“{path}”的格式版本为 {manifest['format_version']}，本程序只支持到 "
                                  f"{FORMAT_VERSION}；请升级 eduplan")
            names = set(z.namelist())
            for name, t in manifest["tables"].items():
                if t["member"] not in names:
                    raise BackupError(f"备份文件“{path}”不完整：缺少表“{name}”的数据（{t['member']}）")
                h = hashlib.sha256()
                with z.open(t["member"]) as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                if h.hexdigest() != t["member_sha256"]:
                    raise BackupError(f"备份文件“{path}”已损坏：表“{name}”的数据校验和不符；请改用另一份备份")
    except (zipfile.BadZipFile, EOFError, ValueError, KeyError, TypeError) as e:
        raise BackupError(f"备份文件“{path}”已损坏或不是 eduplan 备份（{type(e).__name__}）；请改用另一份备份") from None
    except OSError as e:
        raise BackupError(os_error_text(e, f"读取备份文件“{path}”")) from None
    return manifest


def restore(source: Path, db: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Restore the backup `source` into a NEW store file `db` (refused if it exists). Returns the manifest."""
    source, db = Path(source), Path(db)
    if db.exists():
        raise BackupError(f"目标数据库“{db}”已存在；恢复只写入新文件，请换一个文件名（或先把旧文件移走）")
    if not db.parent.is_dir():
        raise BackupError(f"无法恢复到“{db}”：目录“{db.parent}”不存在")
    manifest = read_manifest(source)
    work = Path(tempfile.mkdtemp(prefix=".eduplan-restore-", dir=db.parent))
    partial = work / "restore.duckdb"
    try:
        with zipfile.ZipFile(source) as z:
            z.extractall(work, members=[t["member"] for t in manifest["tables"].values()])
        con = duckdb.connect(str(partial))
        try:
            con.execute("BEGIN TRANSACTION")
            items = list(manifest["tables"].items())
            for i, (name, t) in enumerate(items):
                if progress:
                    progress(f"恢复 {name}", i, len(items))
                con.execute(t["create"])
                con.execute(f"INSERT INTO {_q(name)} SELECT * FROM read_parquet('{work / t['member']}')")
                n, digest = content_digest(con, name)
                if (n, digest) != (t["rows"], t["content_md5"]):
                    raise BackupError(f"恢复后表“{name}”与备份不一致（{n} 行，备份记录 {t['rows']} 行）；"
                                      f"未写出数据库")
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(partial, db)
        if progress:
            progress("完成", len(manifest["tables"]), len(manifest["tables"]))
        return manifest
    except duckdb.Error as e:
        raise BackupError(f"恢复失败，未写出数据库：{first_line(e)}") from None
    except OSError as e:
        raise BackupError(os_error_text(e, f"恢复到“{db}”") + "；未写出数据库") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


@dataclass
class Verification:
    db: str
    tables: dict[str, int] = field(default_factory=dict)  # rows read per table
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"db": self.db, "ok": self.ok, "tables": self.tables, "problems": self.problems}


def verify(db: Path, progress: Progress | None = None) -> Verification:
    """Read every row of every table of `db` and check the store's invariants."""
    db = Path(db)
    v = Verification(str(db))
    if not db.is_file():
        v.problems.append(f"数据库文件“{db}”不存在")
        return v
    try:
        con = _connect_ro(db)
    except StoreError as e:
        v.problems.append(f"{e}；{ADVICE}")
        return v
    try:
        try:
            tables = user_tables(con)
        except duckdb.Error as e:
            v.problems.append(_damaged("数据库目录", e))
            return v
        names = {n for n, _ in tables}
        version = _schema_version(con)
        if version is None:
            v.problems.append("不是 eduplan 数据库：缺少 eduplan_meta 中的结构版本")
        for t in TABLES:
            if t.name not in names:
                v.problems.append(f"缺少数据表“{t.name}”（{t.label}）")
        for i, (name, _) in enumerate(tables):
            if progress:
                progress(f"校验 {name}", i, len(tables))
            try:
                v.tables[name] = content_digest(con, name)[0]
            except duckdb.Error as e:
                v.problems.append(_damaged(f"表“{name}”", e))
        if "import_batch" in v.tables:
            try:
                _check_invariants(con, v)
            except duckdb.Error as e:
                v.problems.append(_damaged("数据", e))
        if progress:
            progress("完成", len(tables), len(tables))
    finally:
        con.close()
    return v


def _check_invariants(con: duckdb.DuckDBPyConnection, v: Verification) -> None:
    """Keys unique in every model table; every row's batch recorded in import_batch."""
    batches = {r[0] for r in con.execute("SELECT batch_id FROM import_batch").fetchall()}
    for t in TABLES:
        if t.name not in v.tables:
            continue
        key = ", ".join(_q(k) for k in t.key)
        dup = con.execute(f"SELECT count(*) FROM (SELECT {key} FROM {_q(t.name)} GROUP BY ALL "
                          f"HAVING count(*) > 1)").fetchone()[0]
        if dup:
            v.problems.append(f"表“{t.name}”（{t.label}）有 {dup} 个主键重复")
        orphan = [r[0] for r in con.execute(f"SELECT DISTINCT batch_id FROM {_q(t.name)}").fetchall()
                  if r[0] not in batches]
        if orphan:
            v.problems.append(f"表“{t.name}”（{t.label}）有行来自不存在的导入批次 "
                              f"{', '.join(map(str, sorted(orphan)[:5]))}")
        hist = history_table(t.name)
        if hist in v.tables:
            gone = [r[0] for r in con.execute(f"SELECT DISTINCT superseded_by FROM {_q(hist)}").fetchall()
                    if r[0] not in batches]
            if gone:
                v.problems.append(f"表“{t.name}”（{t.label}）的历史版本记录了不存在的替换批次 "
                                  f"{', '.join(map(str, sorted(gone)[:5]))}")


def _damaged(what: str, e: Exception) -> str:
    """“<what>无法完整读取（<cause>）；<what to do>” for a read that failed inside the file."""
    text = str(e)
    if "Could not read enough bytes" in text:
        cause = "文件比应有的短，数据块缺失（文件被截断）"
    elif "checksum" in text.lower():
        cause = "数据块校验和不符（文件内容已损坏）"
    else:
        cause = f"文件可能被截断或损坏：{first_line(e)[:200]}"
    return f"{what}无法完整读取（{cause}）；{ADVICE}"
