"""`eduplan db backup | restore | verify` and `eduplan export`: getting data out of the store and back.

Thin wrappers over eduplan.store.backup and eduplan.outputs.export; registered in cli/app.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from ..errors import EduplanError
from .common import DEFAULT_DB, DbOption, Format, FormatOption, emit_json, err, handle_errors, out, safe


def _bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True)


def _when(manifest: dict) -> str:
    """The backup's time as every time is shown: “2026-11-30 17:42:00 UTC”."""
    from datetime import datetime

    from ..store import time_label

    return time_label(datetime.fromisoformat(manifest["created_at_utc"]))


def _run(fn, *args):
    with _bar() as bar:
        task = bar.add_task("…", total=None)
        return fn(*args, progress=lambda d, n, t: bar.update(task, description=d, completed=n, total=t))


@handle_errors
def db_backup(
    target: Annotated[Path, typer.Argument(help="备份文件（新文件，如 备份-2026-11-30.zip）", show_default=False)],
    db: DbOption = DEFAULT_DB,
    fmt: FormatOption = Format.table,
) -> None:
    """把数据库备份为一个自描述的文件（各表数据、行数和校验和）。备份期间其他只读操作照常进行。

    例：eduplan db backup 备份-2026-11-30.zip
    """
    from ..store.backup import backup

    manifest = _run(backup, db, target)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    if fmt == Format.json:
        emit_json({"backup": str(target), "manifest": manifest})
        return
    out.print(f"已备份 {safe(db)} → {safe(target)}：{len(manifest['tables'])} 张表，共 {rows:,} 行"
              f"（{target.stat().st_size / 1e6:,.1f} MB，时间 {_when(manifest)}）")


@handle_errors
def db_restore(
    source: Annotated[Path, typer.Argument(help="eduplan db backup 写出的备份文件", show_default=False)],
    db: Annotated[Path, typer.Option("--db", help="恢复到的新数据库文件（不能已存在）", show_default=False)],
    fmt: FormatOption = Format.table,
) -> None:
    """从备份恢复到一个新的数据库文件：先核对备份的每个校验和，损坏的备份被拒绝，不写出任何文件。

    例：eduplan db restore 备份-2026-11-30.zip --db 恢复.duckdb
    """
    from ..store.backup import restore

    manifest = _run(restore, source, db)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    if fmt == Format.json:
        emit_json({"restored": str(db), "from": str(source), "manifest": manifest})
        return
    out.print(f"已从 {safe(source)} 恢复到 {safe(db)}：{len(manifest['tables'])} 张表，共 {rows:,} 行，逐表校验一致"
              f"（备份时间 {_when(manifest)}）")


@handle_errors
def db_verify(db: DbOption = DEFAULT_DB, fmt: FormatOption = Format.table) -> None:
    """检查数据库文件是否完整：逐表读出全部数据（数据块校验和）、主键唯一、每行的导入批次有记录。

    有问题时退出码为 1 并说明该怎么办。例：eduplan db verify --db 库.duckdb
    """
    from ..store.backup import verify

    v = _run(verify, db)
    if fmt == Format.json:
        emit_json(v.to_dict())
    else:
        if v.ok:
            out.print(f"数据库 {safe(db)} 完整：{len(v.tables)} 张表、共 {sum(v.tables.values()):,} 行全部可读，"
                      f"主键无重复，每行的导入批次均有记录。")
        else:
            err.print(f"[bold red]数据库 {safe(db)} 有 {len(v.problems)} 个问题：[/]")
            for p in v.problems:
                err.print(f"  · {safe(p)}")
    if not v.ok:
        raise typer.Exit(1)


@handle_errors
def export(
    table: Annotated[Optional[str], typer.Argument(help="表名（如 enrolment）或中文名（如 分年级学生数）")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="输出 .xlsx 或 .csv 文件；配合 --all 时为目录",
                                                   show_default=False)] = None,
    all_: Annotated[bool, typer.Option("--all", help="导出全部表到 --output 目录（每表一个文件）")] = False,
    year: Annotated[Optional[int], typer.Option("--year", help="只导出该统计年度")] = None,
    school: Annotated[Optional[list[str]], typer.Option("--school", help="只导出这些学校（学校标识码，可重复）")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="配合 --all：写 CSV（UTF-8 带 BOM）而不是 .xlsx")] = False,
    db: DbOption = DEFAULT_DB,
    fmt: FormatOption = Format.table,
) -> None:
    """按导入模板的格式导出库中数据（中文表头、代码“代码 名称”、空值为空单元格），导出的文件可原样再导入。

    例：eduplan export 分年级学生数 --year 2019 --output 分年级学生数-2019.xlsx ；eduplan export --all --output 导出/
    """
    from ..outputs.export import export_all, export_table
    from ..store import Store

    if output is None:
        raise EduplanError("请用 --output 指定输出文件（--all 时为目录）")
    if all_ == (table is not None):
        raise EduplanError("请给出一张表名，或使用 --all 导出全部表（二者选一）")
    with Store(db, read_only=True) as store:
        if all_:
            written = export_all(store, output, "csv" if csv else "xlsx", year)
        else:
            n = export_table(store, table, output, year, school)
            written = {table: n}
    if fmt == Format.json:
        emit_json({"output": str(output), "rows": written})
        return
    rt = RichTable("表", "行数", title=f"已导出到 {safe(output)}")
    for name, n in written.items():
        rt.add_row(name, f"{n:,}")
    out.print(rt)
