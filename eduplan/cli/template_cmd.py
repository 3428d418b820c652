"""`eduplan template`: the fill-in workbooks of the source tables and the supervisor's 优质均衡评估 sheet (and
their listing). An existing file is never overwritten without --force."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table as RichTable

from ..errors import EduplanError, UnknownTable
from ..ingest import write_workbook
from ..model import TABLES, find_table
from ..store import Store
from .common import DEFAULT_DB, DbOption, DistrictOption, clean, err, handle_errors, out, safe

BALANCE_TEMPLATE = "优质均衡评估"


@handle_errors
def template(
    table: Annotated[Optional[str], typer.Argument(help="表名（如 enrolment）或中文名（如 分年级学生数）")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="输出 .xlsx 文件；配合 --all 时为目录")] = None,
    all_: Annotated[bool, typer.Option("--all", help="为每张表各写一个模板到 --output 目录")] = False,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件（默认不覆盖）")] = False,
    db: DbOption = DEFAULT_DB,
    district: DistrictOption = None,
) -> None:
    """写出某张源数据表的填报模板（中文表头和单位、示例行、代码下拉、填写说明）。

    --db 指向已有数据库、库中只有一个区（或用 --district 指定）时，示例行用该区自己的行政区划代码、学区和学校，
    “项目类别”的下拉列表为该区绑定规划的类别；否则用通用示例。
    “优质均衡评估”为督学用的每校一行的单表模板（eduplan balance --input 读取）。
    已存在的文件不覆盖，除非加 --force。不带参数时列出全部表。
    例：eduplan template 分年级学生数 --output 分年级学生数.xlsx --db 库.duckdb
    """
    if all_:
        folder = output or Path("out/templates")
        targets = [folder / f"{t.label}.xlsx" for t in TABLES] + [folder / f"{BALANCE_TEMPLATE}.xlsx"]
        _refuse_existing(targets, force, folder)
        context = _template_context(db, district)
        for t, path in zip(TABLES, targets):
            write_workbook(t, path, context=context)
        _write_balance_template(targets[-1])
        err.print(f"已写出 {len(targets)} 个模板到 {safe(folder)}")
        return
    if table is None:
        rt = RichTable("表名", "中文名", "粒度", "说明", title="源数据表")
        for t in TABLES:
            rt.add_row(t.name, t.label, t.grain, t.description)
        rt.add_row("balance", BALANCE_TEMPLATE, "每校一行", "督学用的单表模板，eduplan balance --input 读取")
        out.print(rt)
        return
    if table.strip() in (BALANCE_TEMPLATE, "balance"):
        path = output or Path(f"{BALANCE_TEMPLATE}.xlsx")
        _refuse_existing([path], force)
        _write_balance_template(path)
        err.print(f"已写出模板 {safe(path)}")
        return
    t = find_table(table)
    if t is None:
        raise UnknownTable(f"没有名为“{clean(table)}”的表；可用：{'、'.join(f'{x.name}（{x.label}）' for x in TABLES)}")
    path = output or Path(f"{t.label}.xlsx")
    _refuse_existing([path], force)
    path = write_workbook(t, path, context=_template_context(db, district))
    err.print(f"已写出模板 {safe(path)}")


def _write_balance_template(path: Path) -> Path:
    from ..balance.infile import write_template  # imported here: eduplan.balance is heavy at start-up

    return write_template(path)


def _refuse_existing(paths: list[Path], force: bool, folder: Path | None = None) -> None:
    """Refuse (naming the files and --force) when a target exists and --force was not given."""
    existing = [p for p in paths if p.exists() and not p.is_dir()]
    if force or not existing:
        return
    if folder is None:
        raise EduplanError(f"文件“{clean(existing[0])}”已存在，未覆盖；如要覆盖请加 --force，或用 --output 指定另一个文件")
    names = "、".join(clean(p.name) for p in existing[:5]) + (f" 等 {len(existing)} 个" if len(existing) > 5 else "")
    raise EduplanError(f"目录“{clean(folder)}”中已有模板文件：{names}，未写出任何模板；"
                       f"如要覆盖请加 --force，或用 --output 指定另一个目录")


def _template_context(db: Path, district: str | None):
    """The store's own examples and plan categories (an existing store), else the model's neutral ones."""
    from ..ingest.template_context import TemplateContext, template_context

    if not db.exists():
        if district:
            raise EduplanError(f"数据库“{clean(db)}”不存在，无法按区“{clean(district)}”写出示例；请用 --db 指定数据库")
        return TemplateContext()
    with Store(db, read_only=True) as store:
        context = template_context(store, district)
    if context.district:
        err.print(f"示例行使用库中 {safe(context.district)} 的代码"
                  + ("，“项目类别”下拉列表为该区绑定规划的类别" if "category" in context.codes else ""))
    for note in context.notes:
        err.print(safe(note))
    return context
