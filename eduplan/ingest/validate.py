"""Validate one raw sheet against its model table: headers, every cell, every cross-field rule, keys.

Collect, don't raise: every problem of the sheet becomes an Issue, and the parsed rows are returned
alongside, so one run reports all of a file's errors at once.
"""

from __future__ import annotations

from typing import Any

from ..model import TABLES, Table, find_table
from .parse import check_value, is_blank, map_headers, norm, parse_cell
from .readers import RawSheet
from .report import Issue, column_letter


def identify_table(raw: RawSheet, file_stem: str) -> tuple[Table | None, Issue | None]:
    """Which model table a sheet holds: by sheet name (or csv file name), else by its headers."""
    for name in (raw.sheet, file_stem):
        if name:
            t = find_table(name) or find_table(norm(name))
            if t is not None:
                return t, None
    best, best_score, complete = None, 0.0, []
    for t in TABLES:
        mapped = {f.name for f in map_headers(raw.headers, t).values()}
        req = {f.name for f in t.required}
        if req <= mapped:
            complete.append((len(mapped), t))
        score = len(mapped & req) / len(req)
        if score > best_score:
            best, best_score = t, score
    if complete:
        complete.sort(key=lambda x: -x[0])
        if len(complete) == 1 or complete[0][0] > complete[1][0]:
            return complete[0][1], None
    if best is not None and best_score >= 0.5:
        return best, None  # missing columns will be reported against it
    names = "、".join(f"“{t.label}”" for t in TABLES)
    return None, Issue("sheet-unknown", raw.file, sheet=raw.sheet, row=raw.header_row,
                       detail=f"无法判断这是哪一张表：请把工作表（或 CSV 文件）命名为 {names} 之一，"
                              f"或使用 eduplan template 生成的模板")


EXAMPLE_MARK = "示例行（导入时跳过）"


def validate_sheet(raw: RawSheet, table: Table) -> tuple[list[dict[str, Any]], list[Issue]]:
    issues: list[Issue] = []
    where = dict(file=raw.file, sheet=raw.sheet)
    colmap = map_headers(raw.headers, table)
    seen: dict[str, int] = {}
    for i, f in sorted(colmap.items()):
        if f.name in seen:
            issues.append(Issue("duplicate-column", **where, row=raw.header_row, column=raw.headers[i],
                                cell=f"{column_letter(i)}{raw.header_row}"))
        else:
            seen[f.name] = i
    for i, h in enumerate(raw.headers):
        if i not in colmap and h.strip():
            issues.append(Issue("unknown-column", **where, level="warning", row=raw.header_row, column=h,
                                cell=f"{column_letter(i)}{raw.header_row}"))
    missing = [f for f in table.required if f.name not in seen]
    for f in missing:
        issues.append(Issue("missing-column", **where, row=raw.header_row, column=f.header, rule=f.rule_text()))
    if missing:
        return [], issues  # rows cannot be judged without their required columns

    rows: list[dict[str, Any]] = []
    keys: dict[tuple, int] = {}
    for rownum, cells in raw.rows:
        if _is_example(cells, len(raw.headers)):
            continue
        row: dict[str, Any] = {"source_row": rownum}
        bad = False
        for f in table.fields:
            idx = seen.get(f.name)
            v = cells[idx] if idx is not None and idx < len(cells) else None
            cell = f"{column_letter(idx)}{rownum}" if idx is not None else None
            loc = dict(**where, row=rownum, column=f.header, cell=cell, value=None if is_blank(v) else v,
                       rule=f.rule_text())
            x, problem = parse_cell(f, v)
            if problem is not None:
                issues.append(Issue(problem[0], **loc, detail=problem[1]))
                bad = True
                continue
            if x is None:
                if f.required:
                    issues.append(Issue("required", **loc))
                    bad = True
                row[f.name] = None  # missing is NULL, never a default such as 0
                continue
            kind = check_value(f, x)
            if kind is not None:
                issues.append(Issue(kind, **loc))
                bad = True
                continue
            row[f.name] = x
        for r in table.rules:
            if not r.applies(row):
                continue
            try:
                ok = r.check(row)
            except (TypeError, KeyError):
                continue
            if not ok:
                vals = "，".join(f"{table.field(c).label}={_show(row.get(c))}" for c in r.columns if c in table.labels)
                idx = seen.get(r.columns[0])
                issues.append(Issue("rule-error" if r.level == "error" else "rule-warning", **where,
                                    level=r.level, row=rownum, column=table.field(r.columns[0]).header,
                                    cell=f"{column_letter(idx)}{rownum}" if idx is not None else None,
                                    value=row.get(r.columns[0]), rule=r.text, detail=vals))
                bad = bad or r.level == "error"
        if bad:
            continue
        k = tuple(row[c] for c in table.key)
        if k in keys:
            desc = "，".join(f"{table.field(c).label}={_show(v)}" for c, v in zip(table.key, k))
            issues.append(Issue("duplicate-key", **where, row=rownum, column=table.field(table.key[-1]).header,
                                value=k[-1], rule=f"主键（{'＋'.join(table.field(c).label for c in table.key)}）不得重复",
                                detail=f"主键 {desc} 与第 {keys[k]} 行重复"))
            continue
        keys[k] = rownum
        rows.append(row)
    if not rows and not any(i.row is not None and i.row > raw.header_row for i in issues):
        issues.append(Issue("sheet-empty", **where, row=raw.header_row))
    return rows, issues


def _is_example(cells: list[Any], width: int) -> bool:
    """The template's example row carries EXAMPLE_MARK right of the last column; it is skipped."""
    return any(isinstance(c, str) and c.strip() == EXAMPLE_MARK for c in cells[width:])


def _show(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()
