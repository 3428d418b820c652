"""Map spreadsheet headers to model fields and parse cells into typed values.

Headers are matched after Unicode NFKC normalisation (full-width → half-width), with all
whitespace removed, a trailing unit in brackets optional, and a required-marker "*" ignored. A
cell parses to a value or to (issue type, detail); blank cells parse to None.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from typing import Any

from ..model import Field, Table

_WS = re.compile(r"\s+")
_UNIT = re.compile(r"\([^()]*\)$")
_INT = re.compile(r"^[+-]?\d+(\.0*)?$")


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


def parse_cell(f: Field, v: Any) -> tuple[Any, tuple[str, str] | None]:
    """Return (value, None) or (None, (issue type, detail)). Blank → (None, None)."""
    if is_blank(v):
        return None, None
    if f.type in ("int", "year"):
        if isinstance(v, bool):
            return None, ("type-error", "整数")
        if isinstance(v, int):
            return v, None
        if isinstance(v, float):
            if math.isfinite(v) and v.is_integer():
                return int(v), None
            return None, ("type-error", "整数")
        s = _text(v).replace(",", "")
        if _INT.match(s):
            return int(float(s)), None
        return None, ("type-error", "整数" if f.type == "int" else "四位年份")
    if f.type == "float":
        if isinstance(v, bool):
            return None, ("type-error", "数值")
        if isinstance(v, (int, float)):
            x = float(v)
        else:
            s = _text(v).replace(",", "")
            try:
                x = float(s)
            except ValueError:
                return None, ("type-error", "数值")
        if not math.isfinite(x):
            return None, ("type-error", "数值")
        return x, None
    if f.type == "code":
        assert f.codes is not None
        code = f.codes.resolve(_text(v))
        if code is None:
            return None, ("code-error", f.codes.label)
        return code, None
    return _text(v), None


def check_value(f: Field, x: Any) -> str | None:
    """Range and pattern checks on a parsed, non-blank value; returns the issue type or None."""
    if f.type in ("int", "float", "year"):
        if (f.min is not None and x < f.min) or (f.max is not None and x > f.max):
            return "range-error"
    if f.pattern and not re.fullmatch(f.pattern, str(x)):
        return "pattern-error"
    return None
