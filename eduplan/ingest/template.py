"""Fill-in templates and filled source files, generated from the model.

A workbook has the data sheet (named after the table's Chinese label: headers with units, required
headers highlighted, a comment on each header with its rule, dropdowns for coded columns, number
validation), a 填写说明 sheet (every column's type, unit, rule and example, and the cross-field rules)
and a 代码表 sheet (the code lists the dropdowns draw from). An empty template carries one example
row, which the importer recognises and skips.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

from ..model import Table
from ..sheets import (YEAR, Col, Styles, output_file, provenance, put, put_row, text_width, workbook, write_notes_sheet,
                      write_table)
from .template_context import TemplateContext
from .validate import EXAMPLE_MARK, example_seal

MAX_ROWS = 100_000  # extent of dropdowns / validation in the data sheet
PREFILLED_FILL = "#FFF2CC"  # light yellow: a value copied from last year, to be checked (mark_rows)


def _cell_value(table: Table, name: str, v: Any) -> Any:
    f = table.field(name)
    if v is None:
        return None
    if f.type == "code" and f.codes is not None and v in f.codes.values:
        label = f.codes.label_of(v)
        return v if label == v else f"{v} {label}"
    return v


def write_workbook(table: Table, path: Path, rows: Iterable[dict[str, Any]] | None = None,
                   created: datetime | None = None, context: TemplateContext | None = None,
                   note: str | None = None, prefilled_note: str | None = None, mark_rows: bool = False,
                   data_comment: str | None = None) -> Path:
    """Write the template for `table`; with `rows`, a filled source file instead of the example row.
    `created` fixes the document date, so the same rows always give the same bytes (same sha256).
    `context` (template_context): a store's own examples and plan code lists instead of the model's.
    `note` (e.g. the store, year and date of an export) goes under the title of the 填写说明 sheet; the data
    sheet keeps its header in row 1 so that the file imports again as it is.
    A pre-filled template (a collection round's, eduplan.collection.template): `prefilled_note` stands out
    above everything else on the 填写说明 sheet, which the file opens on; `mark_rows` gives every filled value cell of `rows` outside
    the key columns a light fill (PREFILLED_FILL); `data_comment` is a comment on the first data cell.
    An unwritable `path` raises OutputError and leaves nothing behind."""
    path = Path(path)
    props = {"title": table.label, "subject": table.description, "author": "eduplan",
             **({"created": created} if created else {}), **({"comments": prefilled_note} if prefilled_note else {})}
    with workbook(path, props) as wb:
        _write(wb, table, rows, context or TemplateContext(), note, prefilled_note, mark_rows, data_comment)
    return path


def _write(wb, table: Table, rows, context: TemplateContext, note: str | None = None, prefilled_note: str | None = None,
           mark_rows: bool = False, data_comment: str | None = None) -> None:
    hdr_req = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True, "valign": "vcenter"})
    hdr_opt = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    example_fmt = wb.add_format({"italic": True, "font_color": "#7F7F7F"})
    int_fmt = wb.add_format({"num_format": "#,##0"})
    year_fmt = wb.add_format({"num_format": "0"})
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
        codes_ws.freeze_panes(1, 0)
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
        fmt = {"int": int_fmt, "year": year_fmt, "float": float_fmt}.get(f.type, text_fmt)
        ws.set_column(j, j, max(10, min(30, text_width(f.header) + 2)), fmt)
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
        example_fmts = {t: wb.add_format({"italic": True, "font_color": "#7F7F7F", "num_format": n})
                        for t, n in (("int", "#,##0"), ("year", "0"), ("float", "0.00"))}
        for j, f in enumerate(table.fields):
            put(ws, 1, j, shown[f.name], example_fmts.get(f.type, example_fmt) if shown[f.name] is not None else None)
        ws.write_string(1, len(table.fields), EXAMPLE_MARK, example_fmt)
        ws.write_string(1, len(table.fields) + 1, example_seal(table, shown), example_fmt)
        ws.write_comment(1, 0, "示例行：导入时会自动跳过（以右侧“示例行”标记识别），可直接覆盖或删除。")
    else:
        widths = [max(10, min(30, text_width(f.header) + 2)) for f in table.fields]
        marked = {t: wb.add_format({"bg_color": PREFILLED_FILL, "num_format": n})
                  for t, n in (("int", "#,##0"), ("year", "0"), ("float", "0.00"), ("text", "@"))}
        for i, row in enumerate(rows, start=1):
            values = [_cell_value(table, f.name, row.get(f.name)) for f in table.fields]
            if mark_rows:
                for j, (f, v) in enumerate(zip(table.fields, values)):
                    fill = None if v is None or f.name in table.key else marked.get(f.type, marked["text"])
                    put(ws, i, j, v, fill)
            else:
                put_row(ws, i, 0, values)
            for j, v in enumerate(values):
                if v is not None and (w := min(40, text_width(str(v)) + 2)) > widths[j]:
                    widths[j] = w
        if data_comment:
            ws.write_comment(1, 0, data_comment, {"x_scale": 3, "y_scale": 2})
        for j, f in enumerate(table.fields):
            fmt = {"int": int_fmt, "year": year_fmt, "float": float_fmt}.get(f.type, text_fmt)
            ws.set_column(j, j, widths[j], fmt)

    help_ws = wb.add_worksheet("填写说明")
    top = 0
    if prefilled_note:  # above everything: what the pre-filled rows are, and what to do with them
        note_fmt = wb.add_format({"bold": True, "font_color": "#C00000", "bg_color": PREFILLED_FILL, "border": 1,
                                  "text_wrap": True, "valign": "vcenter"})
        help_ws.merge_range(0, 0, 0, 7, "", note_fmt)
        help_ws.write_string(0, 0, prefilled_note, note_fmt)
        help_ws.set_row(0, 15 * max(3, -(-text_width(prefilled_note) // 190) + 1))
        help_ws.activate()  # the file opens on the note, not on the copied figures
        top = 2
    help_ws.write_string(top, 0, f"{table.label}：{table.description}", bold)
    help_ws.write_string(top + 1, 0, f"粒度：{table.grain}。主键：{'＋'.join(table.field(k).label for k in table.key)}（不得重复）。"
                        f"第 1 行为表头，第 2 行起为数据；橙色表头为必填列。" + (f"{note}。" if note else ""))
    heads = ["列名", "字段代码", "类型", "计量单位", "必填", "规则", "说明", "示例"]
    for j, h in enumerate(heads):
        help_ws.write_string(top + 3, j, h, bold)
    types = {"int": "整数", "float": "数值", "str": "文本", "code": "代码", "year": "年份", "date": "日期"}
    for i, f in enumerate(table.fields, start=top + 4):
        ex = shown[f.name] if rows is None else examples[f.name]
        vals = [f.header, f.name, types[f.type], f.unit, "是" if f.required else "否", f.rule_text(),
                f.description, "" if ex is None else str(ex)]
        for j, v in enumerate(vals):
            help_ws.write_string(i, j, v, wrap)
    r0 = top + 5 + len(table.fields)
    if table.rules:
        help_ws.write_string(r0, 0, "跨字段规则", bold)
        help_ws.write_string(r0, 1, "规则代码", bold)
        for i, rule in enumerate(table.rules, start=r0 + 1):
            help_ws.write_string(i, 0, ("" if rule.level == "error" else "（警告）") + rule.text, wrap)
            help_ws.write_string(i, 1, rule.id)
    help_ws.set_column(0, 0, 40)
    help_ws.set_column(1, 1, 24)
    help_ws.set_column(2, 4, 10)
    help_ws.set_column(5, 6, 40)
    help_ws.set_column(7, 7, 20)
    help_ws.freeze_panes(top + 4, 0)


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


def write_issue_workbook(issues, path: Path, store: str | Path | None = None, produced: date | None = None) -> Path:
    """The import problems as a workbook a clerk can sort, filter and forward (one row per problem, under a
    title and provenance row; a 说明 sheet). Every value is written as text, however it looks (a cell holding
    =HYPERLINK(…) stays that text)."""
    path = Path(path)
    levels = {"error": "错误", "warning": "警告", "info": "提示"}
    counts = {lvl: sum(1 for i in issues if i.level == lvl) for lvl in levels}
    title = f"导入检查：{len(issues)} 个问题（" + "，".join(f"{levels[k]} {n}" for k, n in counts.items() if n) + "）" \
        if issues else "导入检查：没有问题"
    files = "、".join(dict.fromkeys(str(i.file) for i in issues))
    sub = provenance(store, None, files or None, produced)
    cols = [Col("级别", note="错误：整批文件未写入数据库；警告：已写入，但请核对；提示：说明"),
            Col("文件", note="出问题的文件名"), Col("工作表"), Col("行", style=YEAR, note="电子表格中显示的行号（表头为第 1 行）"),
            Col("列", note="列名（表头）"), Col("单元格", note="如 C5"), Col("值", note="单元格中的原值，按文本显示"),
            Col("规则", max_width=40, note="该列须满足的规则"), Col("说明", max_width=80, note="问题与改正方法")]
    with workbook(path) as wb:
        st = Styles(wb, "#FCE4D6")
        write_table(wb, st, "导入检查", cols, [
            [levels[it.level], it.file, it.sheet, it.row, it.column, it.cell,
             None if it.value is None else str(it.value), it.rule, it.message] for it in issues], title, sub)
        write_notes_sheet(wb, st, title, sub, [("导入检查", "本次导入发现的每个问题一行：位置（文件、工作表、行、列、单元格）、值、规则和说明")],
                          [("导入检查", c) for c in cols],
                          ["有任何“错误”时，本次导入的全部文件都未写入数据库；改正后重新导入全部文件。"])
    return path
