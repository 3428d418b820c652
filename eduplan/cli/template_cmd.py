"""`eduplan template`: the fill-in workbooks of the source tables (and their listing)."""

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


@handle_errors
def template(
    table: Annotated[Optional[str], typer.Argument(help="表名（如 enrolment）或中文名（如 分年级学生数）")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="输出 .xlsx 文件；配合 --all 时为目录")] = None,
    all_: Annotated[bool, typer.Option("--all", help="为每张表各写一个模板到 --output 目录")] = False,
    db: DbOption = DEFAULT_DB,
    district: DistrictOption = None,
) -> None:
    """写出某张源数据表的填报模板（中文表头和单位、示例行、代码下拉、填写说明）。

    --db 指向已有数据库、库中只有一个区（或用 --district 指定）时，示例行用该区自己的行政区划代码、学区和学校，
    “项目类别”的下拉列表为该区绑定规划的类别；否则用通用示例。
    不带参数时列出全部表。例：eduplan template 分年级学生数 --output 分年级学生数.xlsx --db 库.duckdb
    """
    if all_ or table is not None:
        context = _template_context(db, district)
    if all_:
        folder = output or Path("out/templates")
        for t in TABLES:
            write_workbook(t, folder / f"{t.label}.xlsx", context=context)
        err.print(f"已写出 {len(TABLES)} 个模板到 {safe(folder)}")
        return
    if table is None:
        rt = RichTable("表名", "中文名", "粒度", "说明", title="源数据表")
        for t in TABLES:
            rt.add_row(t.name, t.label, t.grain, t.description)
        out.print(rt)
        return
    t = find_table(table)
    if t is None:
        raise UnknownTable(f"没有名为“{clean(table)}”的表；可用：{'、'.join(f'{x.name}（{x.label}）' for x in TABLES)}")
    path = write_workbook(t, output or Path(f"{t.label}.xlsx"), context=context)
    err.print(f"已写出模板 {safe(path)}")


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
