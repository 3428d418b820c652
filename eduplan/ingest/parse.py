"""Map spreadsheet headers to model fields and parse cells into typed values, strictly.

Headers are matched after Unicode NFKC normalisation (full-width → half-width), with all
whitespace removed, a trailing unit in brackets optional, and a required-marker "*" ignored.

A cell parses to a value or to (issue type, detail); a blank cell parses to None (missing — never a
default). A cell is read only when its meaning is certain, otherwise it is refused:

- numbers: a comma is accepted only as a thousands separator in groups of three (1,234 / 12,345,678);
  "1,0" or "260,5" is an error. Integers must fit in 64 bits; a number cell at or above 2^53 cannot hold
  an exact integer (12345678901234567 typed in Excel is stored as …568) and is refused;
- Excel error values (#DIV/0!, #N/A, …) in any column, as a cell or as text from a CSV, are errors;
- a formula whose result the file does not hold is an error (open and save the file in Excel/WPS);
- a percent-formatted cell (Excel 85.5 %, stored 0.855) is read as the number the user sees (85.5,
  computed in decimal) in a field whose unit is "%", and refused as ambiguous in any other field; the
  text "85.5%" (e.g. from a CSV) is treated the same way;
- dates (Field.type "date"): an Excel date cell, or text YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日
  and the year-month forms YYYY-MM, YYYY/M, YYYY.M, YYYY年M月 (a trailing midnight time "00:00[:00]" is
  ignored); the date must exist in the calendar and its year lie in the field's min–max (1900–2100
  when the field has none); stored as 'YYYY-MM-DD' or 'YYYY-MM';
- text: control characters (including tab and line break) are refused, except line breaks (Alt+Enter)
  in free-text fields (说明, 佐证材料); a free-text value (a text field with no pattern) that starts with
  = + - @ or a tab would run as a formula in Excel and is refused. Codes and patterned fields keep their
  own rules.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..model import Field, Table
from .cells import EXCEL_ERRORS, ExcelError, MonthDate, NoCachedValue, Percent

_WS = re.compile(r"\s+")
_UNIT = re.compile(r"\([^()]*\)$")
_INT = re.compile(r"^[+-]?\d+(\.0*)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_DATE = re.compile(r"^(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*(?:[-/.]\s*(\d{1,2}))?|年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?)"
                   r"(?:[T ]0{1,2}:00(?::00(?:\.0+)?)?)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_NOTE = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Free-text fields where a line break (Alt+Enter in Excel) is part of the text.
MULTILINE_FIELDS = frozenset({"note", "evidence"})
FORMULA_START = "=+-@"
INT64_MAX = 2**63 - 1
EXACT_FLOAT_INT = 2**53
DATE_YEARS = (1900, 2100)  # a date field's years when the field declares none


def norm(text: Any) -> str:
    s = unicodedata.normalize("NFKC", str(text))
    s = _WS.sub("", s)
    return s.strip("*＊")


def header_keys(f: Field) -> set[str]:
    keys = {norm(f.label), norm(f.header), norm(f.name)}
    return keys


def match_header(header: str, table: Table) -> Field | None:
    h = norm(header)
    if not h:
        return None
    bare = _UNIT.sub("", h)
    for f in table.fields:
        keys = header_keys(f)
        if h in keys or bare in keys:
            return f
    return None


def map_headers(headers: list[str], table: Table) -> dict[int, Field]:
    """Column index -> field for every header that belongs to the table."""
    out: dict[int, Field] = {}
    for i, h in enumerate(headers):
        f = match_header(h, table)
        if f is not None:
            out[i] = f
    return out


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return unicodedata.normalize("NFKC", str(v)).strip()


def is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


Problem = tuple[str, str]


def parse_cell(f: Field, v: Any) -> tuple[Any, Problem | None]:
    """Return (value, None) or (None, (issue type, detail)). Blank → (None, None): missing, never a default."""
    if v is None:
        return None, None
    t = type(v)
    ftype = f.type
    # fast paths: the plain cells of a normal file
    if t is int:
        if ftype == "int" or ftype == "year":
            if -INT64_MAX - 1 <= v <= INT64_MAX:
                return v, None
            return None, ("range-error", "int64")
        if ftype == "float":
            return float(v), None
    elif t is float and ftype == "float":
        if math.isfinite(v):
            return v, None
        return None, ("type-error", "数值")
    elif t is str:
        s = v.strip()
        if not s:
            return None, None
        if s in EXCEL_ERRORS:
            return None, ("excel-error", "")
    elif t is ExcelError:
        return None, ("excel-error", "")
    elif t is NoCachedValue:
        return None, ("formula-no-value", "")
    if ftype == "int" or ftype == "year":
        return _parse_int(f, v)
    if ftype == "float":
        return _parse_float(f, v)
    if ftype == "date":
        return _parse_date(f, v)
    if ftype == "code":
        assert f.codes is not None
        code = f.codes.resolve(_text(v))
        if code is None:
            return None, ("code-error", f.codes.label)
        return code, None
    return _parse_text(f, v)


def _what(f: Field) -> str:
    return "整数" if f.type == "int" else "四位年份" if f.type == "year" else "数值"


def _percent_problem(f: Field) -> Problem:
    return "percent-ambiguous", f"单位是“{f.unit}”" if f.unit else "不是百分比"


def _number_text(f: Field, v: Any) -> tuple[str | None, Problem | None]:
    """The text of a non-numeric cell as a plain number: thousands separators checked, % handled."""
    s = _text(v)
    if "," in s:
        if not _GROUPED.match(s):
            return None, ("number-format", "")
        s = s.replace(",", "")
    return s, None


def _percent_value(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip()) * 100
    except InvalidOperation:
        return None


def _decimal_of(f: Field, v: Any) -> tuple[Decimal | None, Problem | None]:
    """A non-plain cell as an exact decimal (percent cells, text); None when blank."""
    if isinstance(v, Percent):
        if f.unit != "%":
            return None, _percent_problem(f)
        d = _percent_value(v.text)
        if d is None:
            return None, ("type-error", _what(f))
        return d, None
    if isinstance(v, bool) or isinstance(v, (datetime, date, MonthDate)):
        return None, ("type-error", _what(f))
    s, problem = _number_text(f, v)
    if problem is not None or s is None:
        return None, problem
    pct = s.endswith("%")
    if pct:
        if f.unit != "%":
            return None, _percent_problem(f)
        s = s[:-1].strip()
    try:
        d = Decimal(s)
    except InvalidOperation:
        return None, ("type-error", _what(f))
    if not d.is_finite():
        return None, ("type-error", _what(f))
    return d, None


def _parse_int(f: Field, v: Any) -> tuple[Any, Problem | None]:
    if isinstance(v, bool):
        return None, ("type-error", _what(f))
    if isinstance(v, int):
        if -INT64_MAX - 1 <= v <= INT64_MAX:
            return v, None
        return None, ("range-error", "int64")
    if isinstance(v, float):
        if not math.isfinite(v) or not v.is_integer():
            return None, ("type-error", _what(f))
        if abs(v) >= EXACT_FLOAT_INT:
            if (f.min is not None and v < f.min) or (f.max is not None and v > f.max):
                return None, ("range-error", "")
            if not -INT64_MAX - 1 <= v <= INT64_MAX:
                return None, ("range-error", "int64")
            return None, ("integer-inexact", "")
        return int(v), None
    if isinstance(v, str):
        s, problem = _number_text(f, v)
        if problem is not None or s is None:
            return None, problem
        if _INT.match(s):
            n = int(s.split(".")[0])
            if -INT64_MAX - 1 <= n <= INT64_MAX:
                return n, None
            return None, ("range-error", "int64")
        if s.endswith("%") and f.unit != "%":
            return None, _percent_problem(f)
        if "e" in s.lower():  # 1.23457E+16: Excel's display of a number it no longer holds exactly
            return None, ("type-error", _what(f))
    d, problem = _decimal_of(f, v)
    if problem is not None or d is None:
        return None, problem
    if d != d.to_integral_value():
        return None, ("type-error", _what(f))
    n = int(d)
    if not -INT64_MAX - 1 <= n <= INT64_MAX:
        return None, ("range-error", "int64")
    return n, None


def _parse_float(f: Field, v: Any) -> tuple[Any, Problem | None]:
    if isinstance(v, bool):
        return None, ("type-error", "数值")
    if isinstance(v, (int, float)):
        x = float(v)
        if not math.isfinite(x):
            return None, ("type-error", "数值")
        return x, None
    d, problem = _decimal_of(f, v)
    if problem is not None or d is None:
        return None, problem
    x = float(d)
    if not math.isfinite(x):
        return None, ("type-error", "数值")
    return x, None


def _year_bounds(f: Field) -> tuple[int, int]:
    lo = int(f.min) if f.min is not None else DATE_YEARS[0]
    hi = int(f.max) if f.max is not None else DATE_YEARS[1]
    return lo, hi


def _parse_date(f: Field, v: Any) -> tuple[Any, Problem | None]:
    lo, hi = _year_bounds(f)
    if isinstance(v, MonthDate):
        y, m, d = v.value.year, v.value.month, None
    elif isinstance(v, datetime):
        if v.time() != datetime.min.time():
            return None, ("date-error", "日期中带有时间，请只填写日期")
        y, m, d = v.year, v.month, v.day
    elif isinstance(v, date):
        y, m, d = v.year, v.month, v.day
    elif isinstance(v, (int, float, Percent)) and not isinstance(v, bool):
        return None, ("date-error", "这是一个数字而不是日期（单元格不是日期格式），请填写如 2025-12-31 或 2025-12 的日期")
    else:
        s = _text(v)
        mt = _DATE.match(s)
        if mt is None:
            return None, ("date-error", "应写作 YYYY-MM-DD（如 2025-12-31）或 YYYY-MM（如 2025-12）")
        y = int(mt.group(1))
        if mt.group(2) is not None:
            m, d = int(mt.group(2)), (int(mt.group(3)) if mt.group(3) is not None else None)
        else:
            m, d = int(mt.group(4)), (int(mt.group(5)) if mt.group(5) is not None else None)
    if not 1 <= m <= 12:
        return None, ("date-error", f"月份 {m} 不存在")
    if d is not None:
        try:
            date(y, m, d)
        except ValueError:
            return None, ("date-error", f"{y} 年 {m} 月没有 {d} 日" if y >= 1 else f"年份 {y} 不存在")
    if not lo <= y <= hi:
        return None, ("date-error", f"年份须在 {lo}–{hi} 之间")
    return (f"{y:04d}-{m:02d}-{d:02d}" if d is not None else f"{y:04d}-{m:02d}"), None


def _parse_text(f: Field, v: Any) -> tuple[Any, Problem | None]:
    if isinstance(v, (Percent, MonthDate)):
        return str(v), None
    if isinstance(v, str):
        raw = unicodedata.normalize("NFKC", v)
        if not f.pattern and f.type == "str":
            lead = raw.lstrip(" \u3000")
            first = lead[:1]
            if first and (first in FORMULA_START or first == "\t"):
                return None, ("formula-like", "制表符" if first == "\t" else first)
        s = raw.strip()
        bad = (_CONTROL_NOTE if f.name in MULTILINE_FIELDS else _CONTROL).search(s)
        if bad is not None:
            return None, ("control-char", control_name(bad.group()))
        return s, None
    return _text(v), None


def control_name(ch: str) -> str:
    """A control character as the user can look it up: 制表符, 换行符 or U+0000."""
    return {"\t": "制表符", "\n": "换行符", "\r": "回车符", "\x00": "空字符 U+0000"}.get(ch, f"U+{ord(ch):04X}")


def check_value(f: Field, x: Any) -> str | None:
    """Range and pattern checks on a parsed, non-blank value; returns the issue type or None."""
    if f.type in ("int", "float", "year"):
        if (f.min is not None and x < f.min) or (f.max is not None and x > f.max):
            return "range-error"
    if f.pattern and not re.fullmatch(f.pattern, str(x)):
        return "pattern-error"
    return None


def soft_range(f: Field, x: Any) -> str | None:
    """The plausible range a parsed number lies outside (Field.soft_min / soft_max), as Chinese text, or None."""
    lo = getattr(f, "soft_min", None)
    hi = getattr(f, "soft_max", None)
    if (lo is None and hi is None) or not isinstance(x, (int, float)):
        return None
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        if lo is not None and hi is not None:
            return f"{_fmt(lo)}–{_fmt(hi)}"
        return f"≥{_fmt(lo)}" if lo is not None else f"≤{_fmt(hi)}"
    return None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
