"""Fill-in templates and filled source files, generated from the model.

A workbook has the data sheet (named after the table's Chinese label: headers with units, required
headers highlighted, a comment on each header with its rule, dropdowns for coded columns, number
validation), a 填写说明 sheet (every column's type, unit, rule and example, and the cross-field rules)
and a 代码表 sheet (the code lists the dropdowns draw from). An empty template carries one example
row, which the importer recognises and skips.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from ..model import Table
from ..sheets import output_file, put, put_row, workbook
from .template_context import TemplateContext
from .validate import EXAMPLE_MARK, example_seal

MAX_ROWS = 100_000  # extent of dropdowns / validation in the data sheet


def _cell_value(table: Table, name: str, v: Any) -> Any:
    f = table.field(name)
    if v is None:
        return None
    if f.type == "code" and f.codes is not None and v in f.codes.values:
        label = f.codes.label_of(v)
        return v if label == v else f"{v} {label}"
    return v


def write_workbook(table: Table, path: Path, rows: Iterable[dict[str, Any]] | None = None,
                   created: datetime | None = None, context: TemplateContext | None = None) -> Path:
    """Write the template for `table`; with `rows`, a filled source file instead of the example row.
    `created` fixes the document date, so the same rows always give the same bytes (same sha256).
    `context` (template_context): a store's own examples and plan code lists instead of the model's.
    An unwritable `path` raises OutputError and leaves nothing behind."""
    path = Path(path)
    props = {"title": table.label, "subject": table.description, "author": "eduplan",
             **({"created": created} if created else {})}
    with workbook(path, props) as wb:
        _write(wb, table, rows, context or TemplateContext())
    return path


def _write(wb, table: Table, rows, context: TemplateContext) -> None:
    hdr_req = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True, "valign": "vcenter"})
    hdr_opt = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    example_fmt = wb.add_format({"italic": True, "font_color": "#7F7F7F"})
    int_fmt = wb.add_format({"num_format": "0"})
    float_fmt = wb.add_format({"num_format": "0.00"})
    text_fmt = wb.add_format({"num_format": "@"})
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})

    ws = wb.add_worksheet(table.label)
    codes_ws = None
    code_cols: dict[str, str] = {}
    lists = {f.name: context.codes.get(f.name, f.codes) for f in table.fields}
    examples = {f.name: context.examples.get(f.name, f.example) for f in table.fields}
    code_lists = [cl for cl in lists.values() if cl is not None]
    if code_lists:
        codes_ws = wb.add_worksheet("代码表")
        for j, cl in enumerate(dict.fromkeys(code_lists)):
            codes_ws.write_string(0, j, cl.label, bold)
            for i, choice in enumerate(cl.choices()):
                codes_ws.write_string(i + 1, j, choice)
            col = chr(65 + j)
            code_cols[cl.name] = f"='代码表'!${col}$2:${col}${len(cl.choices()) + 1}"
            codes_ws.set_column(j, j, 28)

    ws.set_row(0, 36)
    ws.freeze_panes(1, 0)
    for j, f in enumerate(table.fields):
        ws.write_string(0, j, f.header, hdr_req if f.required else hdr_opt)
        ws.write_comment(0, j, f"{'必填' if f.required else '可空'}。{f.rule_text()}。{f.description}".rstrip("。") + "。",
                         {"x_scale": 2, "y_scale": 1.5})
        fmt = {"int": int_fmt, "year": int_fmt, "float": float_fmt}.get(f.type, text_fmt)
        ws.set_column(j, j, max(10, min(30, len(f.header) * 2 + 2)), fmt)
        if lists[f.name] is not None:
            cl = lists[f.name]
            ws.data_validation(1, j, MAX_ROWS, j, {
                "validate": "list", "source": code_cols[cl.name],
                "error_title": "代码错误", "error_message": f"请从下拉列表选择“{cl.label}”中的值",
            })
        elif f.type in ("int", "year", "float"):
            criteria: dict[str, Any] = {"validate": "integer" if f.type != "float" else "decimal"}
            lo = f.min if f.min is not None else -1e12
            hi = f.max if f.max is not None else 1e15
            criteria.update({"criteria": "between", "minimum": lo, "maximum": hi,
                             "error_title": "数值错误", "error_message": f"{f.label}：{f.rule_text()}"})
            ws.data_validation(1, j, MAX_ROWS, j, criteria)

    if rows is None:
        shown = {f.name: _cell_value(table, f.name, examples[f.name]) if f.name in context.examples
                 else examples[f.name] for f in table.fields}
        for j, f in enumerate(table.fields):
            put(ws, 1, j, shown[f.name], example_fmt if shown[f.name] is not None else None)
        ws.write_string(1, len(table.fields), EXAMPLE_MARK, example_fmt)
        ws.write_string(1, len(table.fields) + 1, example_seal(table, shown), example_fmt)
        ws.write_comment(1, 0, "示例行：导入时会自动跳过（以右侧“示例行”标记识别），可直接覆盖或删除。")
    else:
        for i, row in enumerate(rows, start=1):
            put_row(ws, i, 0, [_cell_value(table, f.name, row.get(f.name)) for f in table.fields])

    help_ws = wb.add_worksheet("填写说明")
    help_ws.write_string(0, 0, f"{table.label}：{table.description}", bold)
    help_ws.write_string(1, 0, f"粒度：{table.grain}。主键：{'＋'.join(table.field(k).label for k in table.key)}（不得重复）。"
                        f"第 1 行为表头，第 2 行起为数据；橙色表头为必填列。")
    heads = ["列名", "字段", "类型", "单位", "必填", "规则", "说明", "示例"]
    for j, h in enumerate(heads):
        help_ws.write_string(3, j, h, bold)
    types = {"int": "整数", "float": "数值", "str": "文本", "code": "代码", "year": "年份", "date": "日期"}
    for i, f in enumerate(table.fields, start=4):
        ex = shown[f.name] if rows is None else examples[f.name]
        vals = [f.header, f.name, types[f.type], f.unit, "是" if f.required else "否", f.rule_text(),
                f.description, "" if ex is None else str(ex)]
        for j, v in enumerate(vals):
            help_ws.write_string(i, j, v, wrap)
    r0 = 5 + len(table.fields)
    if table.rules:
        help_ws.write_string(r0, 0, "跨字段规则", bold)
        for i, rule in enumerate(table.rules, start=r0 + 1):
            help_ws.write_string(i, 0, rule.id)
            help_ws.write_string(i, 1, ("" if rule.level == "error" else "（警告）") + rule.text)
    help_ws.set_column(0, 0, 26)
    help_ws.set_column(1, 1, 40)
    help_ws.set_column(5, 6, 36)


def write_csv(table: Table, path: Path, rows: Iterable[dict[str, Any]], encoding: str = "utf-8-sig") -> Path:
    """A filled source file as CSV (e.g. GB18030, as exported by many statistics systems).
    An unwritable `path` raises OutputError and leaves nothing behind."""
    path = Path(path)
    with output_file(path) as tmp, open(tmp, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow([f.header for f in table.fields])
        for row in rows:
            w.writerow(["" if (v := _cell_value(table, f.name, row.get(f.name))) is None else v
                        for f in table.fields])
    return path


def write_issue_workbook(issues, path: Path) -> Path:
    """The import problems as a workbook a clerk can sort, filter and forward (one row per problem).
    Every value is written as text, however it looks (a cell holding =HYPERLINK(…) stays that text)."""
    path = Path(path)
    with workbook(path) as wb:
        ws = wb.add_worksheet("导入检查")
        head = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
        heads = ["级别", "文件", "工作表", "行", "列", "单元格", "值", "规则", "说明"]
        widths = [6, 24, 16, 6, 24, 8, 16, 36, 80]
        for j, (h, w) in enumerate(zip(heads, widths)):
            ws.write_string(0, j, h, head)
            ws.set_column(j, j, w)
        levels = {"error": "错误", "warning": "警告", "info": "提示"}
        for i, it in enumerate(issues, start=1):
            put_row(ws, i, 0, [levels[it.level], it.file, it.sheet, it.row, it.column, it.cell,
                               None if it.value is None else str(it.value), it.rule, it.message])
        ws.autofilter(0, 0, max(1, len(issues)), len(heads) - 1)
        ws.freeze_panes(1, 0)
    return path
