"""Validate one raw sheet against its model table: headers, every cell, every cross-field rule, keys.

Collect, don't raise: every problem of the sheet becomes an Issue, and the parsed rows are returned
alongside, so one run reports all of a file's errors at once. A blank optional cell is stored as None
(missing), never a default; a value outside the field's soft bounds is a "soft-range" warning. The
template's example row is skipped only when it is untouched; an example marker left on a row of real
data is an error naming the row. sheet_summary / skipped_summary describe each sheet for FileResult.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date, datetime
from typing import Any

from ..model import TABLES, Field, Table, find_table
from .cells import MARKERS
from .parse import check_value, is_blank, map_headers, norm, parse_cell, soft_range
from .readers import RawSheet, SkippedSheet
from .report import Issue, Level, SheetSummary, column_letter


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
EXAMPLE_SEAL = "示例校验 "  # + the digest of the example row as written (right of EXAMPLE_MARK)
INT64_RULE = "；整数须在 64 位整数范围内（−9223372036854775808 至 9223372036854775807）"


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

    width = len(raw.headers)
    cols = [(f, seen.get(f.name), _has_soft(f)) for f in table.fields]
    rows: list[dict[str, Any]] = []
    keys: dict[tuple, int] = {}
    for rownum, cells in raw.rows:
        if len(cells) > width and _is_example(cells, width):
            if _matches_example(cells, cols, table):
                continue  # the template's own example row, untouched
            issues.append(Issue("example-row-modified", **where, row=rownum,
                                cell=f"{column_letter(_mark_index(cells, width))}{rownum}", value=EXAMPLE_MARK))
            continue
        row: dict[str, Any] = {"source_row": rownum}
        bad = False
        for f, idx, soft in cols:
            if idx is None:
                row[f.name] = None  # an absent optional column: missing
                continue
            v = cells[idx]
            x, problem = parse_cell(f, v)
            if problem is None:
                if x is None:
                    row[f.name] = None  # missing is NULL, never a default such as 0
                    if f.required:
                        issues.append(_cell_issue("required", raw, f, idx, rownum, v))
                        bad = True
                    continue
                kind = check_value(f, x)
                if kind is None:
                    row[f.name] = x
                    if soft and _implausible(f, x):
                        issues.append(_cell_issue("soft-range", raw, f, idx, rownum, v, level="warning",
                                                  detail=_soft_text(f), rule=_soft_rule(f)))
                    continue
                problem = (kind, "")
            if problem[1] == "int64":  # beyond what any integer column can hold
                unbounded = f.max is None or f.min is None
                issues.append(_cell_issue("range-error", raw, f, idx, rownum, v,
                                          rule=f.rule_text() + (INT64_RULE if unbounded else "")))
            else:
                issues.append(_cell_issue(problem[0], raw, f, idx, rownum, v, detail=problem[1]))
            row[f.name] = UNREADABLE  # not missing: rules that need this cell are not judged
            bad = True
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


def _cell_issue(kind: str, raw: RawSheet, f: Field, idx: int, rownum: int, v: Any, level: Level = "error",
                detail: str = "", rule: str | None = None) -> Issue:
    """The Issue of one cell, built only when the cell has a problem (messages are not formatted otherwise)."""
    if isinstance(v, MARKERS):
        v = str(v)  # what the user sees in the cell: #DIV/0!, =E2+F2, 85.5%
    return Issue(kind, raw.file, level=level, sheet=raw.sheet, row=rownum, column=f.header,
                 cell=f"{column_letter(idx)}{rownum}", value=None if is_blank(v) else v,
                 rule=f.rule_text() if rule is None else rule, detail=detail)


def _has_soft(f: Field) -> bool:
    return getattr(f, "soft_min", None) is not None or getattr(f, "soft_max", None) is not None


def _implausible(f: Field, x: Any) -> bool:
    check = getattr(f, "implausible", None)
    if check is not None:
        return bool(check(x))
    return soft_range(f, x) is not None


def _soft_text(f: Field) -> str:
    text = getattr(f, "soft_text", None)
    if text is not None:
        return text()
    lo, hi = getattr(f, "soft_min", None), getattr(f, "soft_max", None)
    return "–".join(str(b) for b in (lo, hi) if b is not None)


def _soft_rule(f: Field) -> str:
    rule = getattr(f, "plausible_rule", None)
    return rule() if rule is not None else f"通常 {_soft_text(f)}"


def sheet_summary(raw: RawSheet, table: Table | None, rows: list[dict[str, Any]]) -> SheetSummary:
    """What one sheet held, for FileResult.sheets: its table, valid rows and years."""
    years = sorted({r["year"] for r in rows if r.get("year") is not None})
    return SheetSummary(raw.sheet, "read", table.name if table else None, table.label if table else None,
                        len(rows), years)


def skipped_summary(s: SkippedSheet) -> SheetSummary:
    """A sheet not read (hidden, very hidden, a template's help sheet), for FileResult.sheets."""
    return SheetSummary(s.sheet, "skipped", reason=s.reason_text, routine=s.reason == "help")


class _Unreadable:
    """Stands in, during the row's cross-field rules, for a cell that already has an error: it is not
    None (so "at least one filled" rules count it) and any arithmetic or comparison on it raises
    TypeError (so rules that need its value are not judged). Never stored."""

    def __repr__(self) -> str:
        return "UNREADABLE"

    def _refuse(self, *_):
        raise TypeError("unreadable cell")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _refuse
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _refuse
    __hash__ = object.__hash__


UNREADABLE = _Unreadable()


def _is_example(cells: list[Any], width: int) -> bool:
    """The template's example row carries EXAMPLE_MARK right of the last column."""
    return _mark_index(cells, width) >= 0


def _mark_index(cells: list[Any], width: int) -> int:
    for i in range(width, len(cells)):
        c = cells[i]
        if isinstance(c, str) and c.strip() == EXAMPLE_MARK:
            return i
    return -1


def _canon(v: Any) -> str | None:
    """A cell or an example value as the text a user sees, to compare the two."""
    if is_blank(v):
        return None
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return unicodedata.normalize("NFKC", str(v)).strip()


def example_seal(table: Table, values: dict[str, Any]) -> str:
    """The text written right of EXAMPLE_MARK: a digest of the example row's values as the user sees them,
    so that an example row written with a store's own examples (eduplan template --db) is recognised
    exactly, and only when untouched."""
    text = "\x1f".join([table.name, *(_canon(values.get(f.name)) or "" for f in table.fields)])
    return EXAMPLE_SEAL + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _matches_example(cells: list[Any], cols: list[tuple[Field, int | None, bool]], table: Table) -> bool:
    """True only when the row is the template's example, untouched: with a seal, the row's values give the
    seal's digest; without one (an older template), every column holds the model's example."""
    mark = _mark_index(cells, 0)
    seal = next((i for i in range(mark + 1, len(cells))
                 if isinstance(cells[i], str) and cells[i].strip().startswith(EXAMPLE_SEAL.strip())), -1)
    used = {idx for _, idx, _ in cols if idx is not None}
    if any(not is_blank(c) for i, c in enumerate(cells) if i not in used and i not in (mark, seal)):
        return False
    if seal >= 0:
        values = {f.name: cells[idx] for f, idx, _ in cols if idx is not None}
        return example_seal(table, values).strip() == cells[seal].strip()
    return all(_canon(cells[idx]) == _canon(f.example) for f, idx, _ in cols if idx is not None)


def _show(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()
