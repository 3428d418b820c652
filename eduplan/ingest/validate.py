"""Validate one raw sheet against its model table: headers, every cell, every cross-field rule, keys.

Collect, don't raise: every problem of the sheet becomes an Issue, and the parsed rows are returned
alongside, so one run reports all of a file's errors at once. A blank optional cell is stored as None
(missing), never a default; a value outside the field's soft bounds is a "soft-range" warning. The
template's example row is skipped only when it is untouched; an example marker left on a row of real
data is an error naming the row. sheet_summary / skipped_summary describe each sheet for FileResult.

Column by column, at the speed of reading: a column of plain numbers is checked against its hard and soft
bounds with numpy in one pass, a column of text is parsed once per distinct value, the model's arithmetic
rules (sums, at most) are applied to whole columns; only the cells (and rows) these passes do not accept
are judged one at a time by the cell parser (parse.py) — every cell with a problem among them — and only
then is an Issue, with its location text, built. The result is the same as judging every cell and row in
turn: the same rows, and the same issues in the same order (tests/test_import_vectorised.py compares the
two on every table).
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date, datetime
from typing import Any

import numpy as np

from ..model import TABLES, Field, Rule, Table, find_table
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
    # the rows to judge; the template's example row is left out (or reported when it was changed)
    data: list[tuple[int, list[Any]]] = []
    at: dict[int, list[Issue]] = {}  # example-row issues, by the number of rows to judge before them
    for rownum, cells in raw.rows:
        if len(cells) > width and _is_example(cells, width):
            if not _matches_example(cells, cols, table):
                at.setdefault(len(data), []).append(Issue("example-row-modified", **where, row=rownum,
                                      cell=f"{column_letter(_mark_index(cells, width))}{rownum}", value=EXAMPLE_MARK))
            continue
        data.append((rownum, cells))
    n = len(data)
    rownums = [r for r, _ in data]
    found: dict[int, list[Issue]] = {}  # row i -> its issues, in the order they are reported
    bad = np.zeros(n, dtype=bool)
    values: list[list[Any]] = []
    filled: dict[str, np.ndarray] = {}  # column -> its cells holding a readable value (for the rules)
    # the sheet's columns at once (rows are padded to the header's width by split_rows)
    rows_cells = [cells for _, cells in data]
    by_column = list(zip(*rows_cells)) if n and min(map(len, rows_cells)) >= width else None
    for f, idx, soft in cols:
        if idx is None:
            values.append([None] * n)  # an absent optional column: missing
            filled[f.name] = np.zeros(n, dtype=bool)
            continue
        col = list(by_column[idx]) if by_column is not None else [cells[idx] for _, cells in data]
        vals, slow, mask = _column(f, col, soft)
        for i in slow:  # the cells the column-wise pass did not accept: judged one by one, as the user sees them
            x, wrong = _cell(raw, f, idx, rownums[i], col[i], soft, found.setdefault(i, []))
            vals[i] = x
            if wrong:
                bad[i] = True
            if mask is not None:
                mask[i] = x is not None and x is not UNREADABLE
        if mask is not None:
            filled[f.name] = mask
        values.append(vals)
    names = ["source_row", *(f.name for f in table.fields)]
    rows_all = [dict(zip(names, t)) for t in zip(rownums, *values)]
    by_name = dict(zip(names[1:], values))
    for rule in table.rules:
        failed = _rule_failures(rule, by_name, rows_all, filled)
        for i in failed:
            row = rows_all[i]
            vals_text = "，".join(f"{table.field(c).label}={_show(row.get(c))}" for c in rule.columns if c in table.labels)
            idx = seen.get(rule.columns[0])
            found.setdefault(i, []).append(Issue(
                "rule-error" if rule.level == "error" else "rule-warning", **where, level=rule.level, row=rownums[i],
                column=table.field(rule.columns[0]).header,
                cell=f"{column_letter(idx)}{rownums[i]}" if idx is not None else None,
                value=row.get(rule.columns[0]), rule=rule.text, detail=vals_text))
            if rule.level == "error":
                bad[i] = True
    rows: list[dict[str, Any]] = []
    keys: dict[tuple, int] = {}
    all_keys = list(zip(*(by_name[c] for c in table.key)))
    for i in np.flatnonzero(~bad).tolist():
        k = all_keys[i]
        if k in keys:
            desc = "，".join(f"{table.field(c).label}={_show(v)}" for c, v in zip(table.key, k))
            found.setdefault(i, []).append(Issue(
                "duplicate-key", **where, row=rownums[i], column=table.field(table.key[-1]).header, value=k[-1],
                rule=f"主键（{'＋'.join(table.field(c).label for c in table.key)}）不得重复",
                detail=f"主键 {desc} 与第 {keys[k]} 行重复"))
            continue
        keys[k] = rownums[i]
        rows.append(rows_all[i])
    for i in sorted(found.keys() | at.keys()):
        issues += at.get(i, [])
        issues += found.get(i, [])
    if not rows and not any(i.row is not None and i.row > raw.header_row for i in issues):
        issues.append(Issue("sheet-empty", **where, row=raw.header_row))
    return rows, issues


# ---------------------------------------------------------------- one column at a time

_SLOW = object()  # a cell the column-wise pass leaves to _cell
_NONE = type(None)
_EXACT = 2**53  # below this, numpy compares an int64 with a float bound exactly as Python does


def _column(f: Field, col: list[Any], soft: bool) -> tuple[list[Any], list[int], np.ndarray | None]:
    """The values of one column, the positions of the cells left to `_cell` (every cell with a problem
    among them, and some without) and, for numbers, the mask of filled cells. Columns of plain numbers are
    checked with numpy in one pass, columns of text once per distinct text; anything else cell by cell."""
    kinds = set(map(type, col))
    if type(f) is Field:
        if f.type in ("int", "year") and kinds <= {int, _NONE}:
            return _int_column(f, col, soft)
        if f.type == "float" and kinds <= {float, _NONE}:
            return _float_column(f, col, soft)
        if kinds <= {str, _NONE}:
            return (*_text_column(f, col, soft), None)
    return list(col), list(range(len(col))), None


def _accept_numbers(f: Field, nums: np.ndarray, valid: np.ndarray, soft: bool) -> np.ndarray:
    """Cells (as a bool mask) whose number is certainly accepted without a message: filled (or blank in an
    optional column), within the hard bounds and, when the field has them, the soft bounds."""
    ok = valid.copy() if f.required else np.ones(len(nums), dtype=bool)
    lo, hi = f.min, f.max
    if soft:
        lo = f.soft_min if f.soft_min is not None and (lo is None or f.soft_min > lo) else lo
        hi = f.soft_max if f.soft_max is not None and (hi is None or f.soft_max < hi) else hi
    with np.errstate(invalid="ignore"):
        if lo is not None:
            ok &= ~valid | (nums >= lo)
        if hi is not None:
            ok &= ~valid | (nums <= hi)
    return ok


def _numbers(col: list[Any], dtype: type) -> tuple[np.ndarray, np.ndarray] | None:
    """The column as a numpy array (blanks as 0) and the mask of filled cells; None when it does not fit
    (an integer beyond 64 bits)."""
    try:
        if None in col:
            cells = np.array(col, dtype=object)
            blank = np.equal(cells, None)
            cells[blank] = 0
            return cells.astype(dtype), ~blank
        return np.array(col, dtype=dtype), np.ones(len(col), dtype=bool)
    except (OverflowError, ValueError, TypeError):
        return None


def _int_column(f: Field, col: list[Any], soft: bool) -> tuple[list[Any], list[int], np.ndarray | None]:
    got = _numbers(col, np.int64)
    if got is None:
        return list(col), list(range(len(col))), None
    nums, valid = got
    ok = _accept_numbers(f, nums, valid, soft) & (~valid | ((nums > -_EXACT) & (nums < _EXACT)))
    return list(col), np.flatnonzero(~ok).tolist(), valid


def _float_column(f: Field, col: list[Any], soft: bool) -> tuple[list[Any], list[int], np.ndarray | None]:
    got = _numbers(col, np.float64)
    if got is None:
        return list(col), list(range(len(col))), None
    nums, valid = got
    ok = _accept_numbers(f, nums, valid, soft) & (~valid | np.isfinite(nums))
    return list(col), np.flatnonzero(~ok).tolist(), valid


def _text_column(f: Field, col: list[Any], soft: bool) -> tuple[list[Any], list[int]]:
    """Each distinct text is parsed and checked once (a column of 50,000 school codes holds a few hundred)."""
    memo: dict[Any, Any] = {}
    distinct = set(col)
    for u in distinct:
        x, problem = parse_cell(f, u)
        if problem is not None:
            continue
        if x is None:
            if not f.required:
                memo[u] = None
            continue
        if check_value(f, x) is None and not (soft and _implausible(f, x)):
            memo[u] = x
    if len(memo) == len(distinct):  # every distinct value accepted
        return list(map(memo.__getitem__, col)), []
    vals = [memo.get(v, _SLOW) for v in col]
    return vals, [i for i, x in enumerate(vals) if x is _SLOW]


def _cell(raw: RawSheet, f: Field, idx: int, rownum: int, v: Any, soft: bool, out: list[Issue]) -> tuple[Any, bool]:
    """One cell judged on its own: (its value, or UNREADABLE; whether it is an error), its issues appended to
    `out`. The Issue, with its location text, is built only here, for a cell that has a problem."""
    x, problem = parse_cell(f, v)
    if problem is None:
        if x is None:
            if f.required:
                out.append(_cell_issue("required", raw, f, idx, rownum, v))
                return None, True
            return None, False  # missing is NULL, never a default such as 0
        kind = check_value(f, x)
        if kind is None:
            if soft and _implausible(f, x):
                out.append(_cell_issue("soft-range", raw, f, idx, rownum, v, level="warning",
                                       detail=_soft_text(f), rule=_soft_rule(f)))
            return x, False
        problem = (kind, "")
    if problem[1] == "int64":  # beyond what any integer column can hold
        unbounded = f.max is None or f.min is None
        out.append(_cell_issue("range-error", raw, f, idx, rownum, v,
                               rule=f.rule_text() + (INT64_RULE if unbounded else "")))
    else:
        out.append(_cell_issue(problem[0], raw, f, idx, rownum, v, detail=problem[1]))
    return UNREADABLE, True  # not missing: rules that need this cell are not judged


# The rule builders of model/fields.py whose checks use only + and comparisons on the columns they declare.
ELEMENTWISE = frozenset(f"{b}.<locals>.<lambda>" for b in ("sum_equals", "sum_at_most", "at_most"))


def _rule_failures(rule: Rule, by_name: dict[str, list[Any]], rows: list[dict[str, Any]],
                   filled: dict[str, np.ndarray]) -> list[int]:
    """The rows (positions) that break `rule`. For the model's arithmetic rules (ELEMENTWISE: a sum equals,
    at most, a sum at most), the rows whose columns are all filled and readable are judged together: the
    rule's own check applied to whole columns as numpy object arrays (Python's own arithmetic and
    comparisons, element by element, so no overflow or rounding of its own). Any other rule (one written
    with `or`, `if`, or reading columns it does not declare), and the rows with a blank or unreadable cell,
    are judged one row at a time, exactly as before."""
    n = len(rows)
    cols = [c for c in rule.columns if c in by_name]
    needs = rule.columns if rule.needs is None else rule.needs
    if n == 0 or len(cols) != len(rule.columns) or any(c not in by_name for c in needs):
        return _rule_rows(rule, rows, range(n))
    judged = np.ones(n, dtype=bool)
    for c in rule.columns:
        if c not in filled:
            filled[c] = np.fromiter((v is not None and v is not UNREADABLE for v in by_name[c]), dtype=bool, count=n)
        judged &= filled[c]
    together = np.flatnonzero(judged)
    alone = np.flatnonzero(~judged).tolist()
    if len(together) > 1 and getattr(rule.check, "__qualname__", "") in ELEMENTWISE:
        arrays = {}
        for c in rule.columns:
            a = np.empty(n, dtype=object)
            a[:] = by_name[c]
            arrays[c] = a[together]
        try:
            res = rule.check(arrays)
        except Exception:  # noqa: BLE001 - not element-wise: judged row by row below
            res = None
        if isinstance(res, np.ndarray) and res.shape == together.shape:
            return sorted(together[~res.astype(bool)].tolist() + _rule_rows(rule, rows, alone))
    if set(needs) <= set(rule.columns):  # the filled rows need no `applies`
        return sorted(_rule_rows(rule, rows, together.tolist(), judged=True) + _rule_rows(rule, rows, alone))
    return _rule_rows(rule, rows, sorted(alone + together.tolist()))


def _rule_rows(rule: Rule, rows: list[dict[str, Any]], positions, judged: bool = False) -> list[int]:
    """Rule failures judged one row at a time (a row with a blank it needs is not judged; nor one whose
    value is unreadable). judged: every row given has the columns the rule needs."""
    out = []
    check = rule.check
    for i in positions:
        row = rows[i]
        if not judged and not rule.applies(row):
            continue
        try:
            ok = check(row)
        except (TypeError, KeyError):
            continue
        if not ok:
            out.append(i)
    return out


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
