"""`eduplan db …`: the store's state, a row's versions, undo, schema upgrade (and backup/restore/verify,
whose bodies live in admin_cmd). Thin wrappers over eduplan.store; registered in cli/app.py.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer
from rich.table import Table as RichTable

from ..errors import EduplanError, StoreError, UnknownTable
from ..model import TABLES, find_table
from ..store import KINDS, SCHEMA_VERSION, Store, os_account, time_label
from ..store.versions import changes_text, key_from_text, key_text
from .admin_cmd import db_backup, db_restore, db_verify
from .common import DEFAULT_DB, DbOption, Format, FormatOption, emit_json, err, handle_errors, out, safe

db_app = typer.Typer(help="数据库：状态（各表行数与年度）、导入批次、行的历史版本、撤销、升级、备份与恢复", no_args_is_help=True)


_changes = changes_text  # “分年级学生数 新增 3、更新 1” (eduplan.store.versions, the web's wording too)


def _who(b: dict[str, Any]) -> str:
    user, acct = b.get("user_name") or "", b.get("os_user")
    return user + (f"（系统账户 {acct}）" if acct and acct != user else "")


@db_app.command("status")
@handle_errors
def db_status(db: DbOption = DEFAULT_DB, fmt: FormatOption = Format.table) -> None:
    """各表行数（当前与历史版本）、各表含有哪些年度的数据，以及全部导入批次。

    每个批次列出类型、时间（UTC）、用户与系统账户、文件、行数、sha256 和各表的新增、更新、删除。

    例：eduplan db status --format json
    """
    from ..metrics.schools import table_years
    from .render import year_span

    with Store(db, read_only=True) as store:
        counts = store.table_counts()
        history = store.history_counts()
        batches = store.batches()
        version = store.schema_version()
        years = table_years(store)
    if fmt == Format.json:
        emit_json({"db": str(db), "schema_version": version, "tables": counts, "history": history,
                   "years": years, "batches": batches})
        return
    rt = RichTable(title=safe(f"数据库 {db}（结构版本 {version}）"))
    rt.add_column("表", overflow="fold", min_width=6)
    rt.add_column("表名", overflow="fold", min_width=7)
    rt.add_column("当前行数", justify="right", no_wrap=True)
    rt.add_column("历史版本", justify="right", no_wrap=True)
    rt.add_column("年度", overflow="fold", min_width=9)
    for t in TABLES:
        span = "（不分年度）" if years[t.name] is None else year_span(years[t.name])
        rt.add_row(t.label, t.name, f"{counts[t.name]:,}", f"{history[t.name]:,}", span)
    out.print(rt)
    out.print(f"[bold]批次[/]（{len(batches)} 个）" if batches else "还没有任何批次。")
    for b in batches:  # a list, not a table: it stays readable in an 80-column terminal
        out.print(f"[bold]批次 {b['batch_id']}[/]  {KINDS.get(b['kind'], safe(b['kind']))}  "
                  f"{time_label(b['imported_at'])}  {safe(_who(b))}")
        sha = f"，sha256 {b['sha256'][:12]}…" if b["sha256"] else ""
        out.print(f"    {safe(b['file_name'])}（{b['rows_total']:,} 行{sha}）：{safe(_changes(b['tables']))}")


def _table(name: str):
    t = find_table(name)
    if t is None:
        raise UnknownTable(f"没有名为“{name}”的表；可用：{'、'.join(f'{x.name}（{x.label}）' for x in TABLES)}")
    return t


def _show(v: Any) -> str:
    if v is None:
        return "空"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


@db_app.command("history")
@handle_errors
def db_history(
    table: Annotated[str, typer.Argument(help="表名（如 enrolment）或中文名（如 分年级学生数）", show_default=False)],
    key: Annotated[list[str], typer.Argument(help="主键各列的值，按主键顺序（如 2023 1234567890 P1）", show_default=False)],
    db: DbOption = DEFAULT_DB,
    fmt: FormatOption = Format.table,
) -> None:
    """一行数据的全部版本：每个版本改了哪些值、由哪个批次写入。

    每个版本列出批次、类型、文件和行、用户与系统账户、时间（UTC），以及它被哪个批次取代或删除。例：eduplan db history 分年级学生数 2023 1234567890 P1
    """
    t = _table(table)
    k = key_from_text(t, key)
    with Store(db, read_only=True) as store:
        versions = store.versions(t.name, k)
    if not versions:
        raise EduplanError(f"“{t.label}”中没有 {key_text(t, k)} 的行，也没有它的历史版本")
    if fmt == Format.json:
        emit_json({"table": t.name, "label": t.label, "key": k, "versions": versions})
        return
    out.print(f"[bold]{safe(f'“{t.label}” {key_text(t, k)}')}[/] 共 {len(versions)} 个版本")
    for i, v in enumerate(versions, 1):
        src = v["file_name"] or "—"
        if v["source_row"] is not None and v["kind"] != "undo":
            src += f" 第 {v['source_row']} 行"
        out.print(f"[bold]版本 {i}[/]  批次 {v['batch_id']}  {KINDS.get(v['kind'], safe(v['kind'] or '—'))}  "
                  f"{time_label(v['imported_at'])}  {safe(_who(v))}")
        out.print(f"    来源：{safe(src)}")
        if i == 1:
            vals = "；".join(f"{t.field(c).label}={_show(b)}" for c, (_, b) in v["changed"].items() if c not in t.key)
            out.print(f"    值：{safe(vals)}")
        else:
            changed = "；".join(f"{t.field(c).label} {_show(a)} → {_show(b)}" for c, (a, b) in v["changed"].items())
            out.print(f"    变化：{safe(changed) or '与上一版本相同'}")
        if v["current"]:
            out.print("    之后：当前版本")
        elif v["deleted"]:
            out.print(f"    之后：被批次 {v['superseded_by']} 删除")
        else:
            out.print(f"    之后：被批次 {v['superseded_by']} 取代")


@db_app.command("undo")
@handle_errors
def db_undo(
    batch: Annotated[int, typer.Argument(help="要撤销的批次号（见 eduplan db status）", show_default=False)],
    cascade: Annotated[bool, typer.Option("--cascade", help="之后的批次改动过同一批行时，先从新到旧撤销它们")] = False,
    db: DbOption = DEFAULT_DB,
    user: Annotated[Optional[str], typer.Option("--user", help="记录在撤销批次中的用户（默认：EDUPLAN_USER 或系统用户）")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """撤销一个批次，恢复它之前的状态；记录为新的撤销批次，可再撤销。

    该批次新增的行消失，它改动或删除的行恢复原值。之后的批次又改动过同一批行时拒绝并列出这些批次，
    除非加 --cascade（从新到旧先撤销它们）；撤销后会有行引用不存在的数据时也拒绝。例：eduplan db undo 7
    """
    from ..ingest import current_user

    if not db.exists():
        raise StoreError(f"数据库文件“{db}”不存在")
    with Store(db) as store:
        result = store.undo(batch, user or current_user(), cascade=cascade, os_user=os_account())
    if fmt == Format.json:
        emit_json(result)
        return
    for u in result["undone"]:
        err.print(f"[green]已撤销[/] 批次 {u['batch_id']}（{safe(u['file_name'])}），记录为批次 {u['undo_batch']}："
                  f"{safe(_changes(u['written']))}")


@db_app.command("upgrade")
@handle_errors
def db_upgrade(db: DbOption = DEFAULT_DB) -> None:
    """把旧版本建立的数据库升级到当前结构版本，保留全部数据。

    增加历史表与批次字段，在单个事务中完成；任何写入命令（如 eduplan import）也会自动升级。
    例：eduplan db upgrade --db 库.duckdb
    """
    if not db.exists():
        raise StoreError(f"数据库文件“{db}”不存在")
    with Store(db) as store:
        found = store.opened_version
    if found is not None and found < SCHEMA_VERSION:
        err.print(f"已把数据库 {safe(db)} 从结构版本 {found} 升级到 {SCHEMA_VERSION}")
    else:
        err.print(f"数据库 {safe(db)} 已是结构版本 {SCHEMA_VERSION}，无需升级")


# backup, restore, verify: bodies in admin_cmd (eduplan.store.backup)
for _name, _fn in (("backup", db_backup), ("restore", db_restore), ("verify", db_verify)):
    db_app.command(_name)(_fn)
