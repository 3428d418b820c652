"""The one way eduplan writes an output file, and every workbook cell in it.

`output_file(path)` checks the destination (its folder can be created and written, it is not a
folder itself), hands out a temporary file in the same folder, and moves it into place only when
the writing finished — an unwritable path gives an `OutputError` with a Chinese message naming the
path and the cause, and nothing is left behind (`check_output(path)` runs the same checks up
front). `workbook(path)` does the same for an xlsxwriter workbook whose strings are never
interpreted (no formulas, no links, no numbers parsed from text), and `put` / `put_row` write one
cell by its Python type: text always as text.

Every workbook to forward shares one look, defined here: `NumberStyle` by unit of measure (UNIT_STYLES:
0.0% for %, 0.00% for flow rates, #,##0 for 人/元/班, 0.000 for 系数 …; values rounded to the unit's
decimals when written), `write_table` (title and provenance rows, a bold frozen header with a filter,
widths fitted to the content — CJK characters count double — and notes below) and `write_notes_sheet`
(the 说明 sheet: the sheets, every column with its 计量单位 and definition, the source and method).

A utility at the bottom of the package: it imports nothing of eduplan but eduplan.errors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import errno
import math
import numbers
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import EduplanError, os_cause

# Strings are stored as strings, never as formulas, links or numbers (issue 8 §4: formula injection).
SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

# Causes worded for an output path; every other errno takes the shared wording of eduplan.errors.
_PATH_CAUSES = {
    errno.ENOENT: "目录不存在，或所在驱动器不可用",
    errno.ENOTDIR: "路径中的上级不是目录",
    errno.EISDIR: "该路径是一个目录",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EINVAL: "文件名无效",
}


class OutputError(EduplanError):
    """An output file cannot be written where asked."""


def _fail(path: Path, cause: str, e: OSError | None = None) -> OutputError:
    detail = f"（{e.strerror}）" if e is not None and e.strerror else ""
    return OutputError(f"无法写出文件 {path}：{cause}{detail}。未写出任何文件；请换一个可写的位置后重试。")


def _cause(e: OSError) -> str:
    if e.errno in _PATH_CAUSES:
        return _PATH_CAUSES[e.errno]
    shared = os_cause(e)
    return shared[0] if shared else "写入失败"


def _make_parents(path: Path) -> list[Path]:
    """Create the missing folders above `path`; return those created (deepest last)."""
    missing = []
    parent = path.parent
    while not parent.exists():
        if parent.is_symlink():  # a dangling link
            raise _fail(path, f"上级目录 {parent} 是指向不存在位置的链接")
        if parent.parent == parent:
            raise _fail(path, f"驱动器或根目录 {parent} 不存在或不可用")
        missing.append(parent)
        parent = parent.parent
    if not parent.is_dir():
        raise _fail(path, f"上级路径 {parent} 是一个文件，不是目录")
    created: list[Path] = []
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            if not d.is_dir():
                _remove_dirs(created)
                raise _fail(path, f"上级路径 {d} 是一个文件，不是目录")
        except OSError as e:
            _remove_dirs(created)
            if e.errno in (errno.EACCES, errno.EPERM):
                raise _fail(path, f"不能在 {d.parent} 下创建目录，没有写入权限", e) from None
            raise _fail(path, f"不能创建目录 {d}，{_cause(e)}", e) from None
        else:
            created.append(d)
    return created


def _remove_dirs(dirs: list[Path]) -> None:
    for d in reversed(dirs):
        with contextlib.suppress(OSError):
            d.rmdir()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _prepare(path: Path) -> tuple[Path, list[Path]]:
    """Check `path`, create its missing folders and an empty temporary file beside it (with the
    permissions the final file should have); return the temporary file and the folders created."""
    try:
        if path.is_dir():
            raise _fail(path, "该路径是一个目录，请给出文件名")
        if path.exists() and not path.is_file():
            raise _fail(path, "该路径不是普通文件")
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
        created = _make_parents(path)
    except OSError as e:  # e.g. a folder above that cannot be searched
        raise _fail(path, _cause(e), e) from None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        _remove_dirs(created)
        if e.errno in (errno.EACCES, errno.EPERM):
            raise _fail(path, "目录不可写", e) from None
        raise _fail(path, _cause(e), e) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.chmod(tmp_name, mode)  # mkstemp makes it private (0600)
    return Path(tmp_name), created


def check_output(path: str | Path) -> None:
    """Raise OutputError now if `path` could not be written, leaving nothing behind — so that a
    command can refuse a bad --output before it does its work."""
    tmp, created = _prepare(Path(path))
    with contextlib.suppress(OSError):
        tmp.unlink()
    _remove_dirs(created)


@contextlib.contextmanager
def output_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block ends without error, move it to `path`.

    Raises OutputError (Chinese, naming the path and the cause) when the folder cannot be created or
    written, when `path` is a folder, or when the final move fails; on any error the temporary file
    and the folders this call created are removed, and an existing file at `path` is left as it was.
    """
    path = Path(path)
    tmp, created = _prepare(path)
    try:
        yield tmp
        try:
            os.replace(tmp, path)
        except OSError as e:
            if e.errno in (errno.EACCES, errno.EPERM):
                raise _fail(path, "不能替换已有文件（可能正被 Excel/WPS 打开，或为只读）", e) from None
            raise _fail(path, _cause(e), e) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        _remove_dirs(created)
        raise


@contextlib.contextmanager
def workbook(path: str | Path, properties: dict[str, Any] | None = None, **options: Any) -> Iterator[Any]:
    """An xlsxwriter Workbook written to `path` only when the block completes (see `output_file`).

    Strings are never turned into formulas, links or numbers, whatever the caller passes."""
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    with output_file(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {**options, **SAFE_OPTIONS})
        if properties:
            wb.set_properties(properties)
        try:
            yield wb
        except BaseException:
            with contextlib.suppress(Exception):
                wb.fileclosed = True  # do not write the half-built workbook on garbage collection
            raise
        try:
            wb.close()
        except FileCreateError as e:
            cause = e.args[0] if e.args and isinstance(e.args[0], OSError) else None
            raise _fail(Path(path), _cause(cause) if cause else "写入失败", cause) from None
        except OSError as e:
            raise _fail(Path(path), _cause(e), e) from None


# ------------------------------------------------------------------ cells


def put(ws, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """Write one cell by the value's type, never interpreting text.

    None, "", NaN and ±infinity → blank (formatted when `fmt` is given); bool → 是/否; numbers (int,
    float, numpy and Decimal) → a number (an integer of 16+ digits → its digits as text, which
    Excel could not hold exactly); date/datetime → ISO text (2025-09-01, 2025-09-01 08:30:00);
    anything else → its str() as a string cell."""
    if value is None or (isinstance(value, str) and value == ""):
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
        return
    if isinstance(value, bool) or (type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_")):
        ws.write_string(row, col, "是" if value else "否", fmt)
        return
    if isinstance(value, (numbers.Real, decimal.Decimal)):
        x = float(value)
        if math.isnan(x) or math.isinf(x):
            if fmt is not None:
                ws.write_blank(row, col, None, fmt)
            return
        if isinstance(value, numbers.Integral) and abs(value) >= 10**15:
            ws.write_string(row, col, str(int(value)), fmt)  # Excel keeps 15 digits: keep all as text
            return
        ws.write_number(row, col, int(value) if isinstance(value, numbers.Integral) else x, fmt)
        return
    if isinstance(value, dt.datetime):
        ws.write_string(row, col, value.isoformat(sep=" ", timespec="seconds"), fmt)
        return
    if isinstance(value, dt.date):
        ws.write_string(row, col, value.isoformat(), fmt)
        return
    ws.write_string(row, col, value if isinstance(value, str) else str(value), fmt)


def put_row(ws, row: int, col: int, values: Iterable[Any], fmt: Any = None) -> None:
    """`put` each value of `values` into consecutive cells of `row`, starting at `col`."""
    for j, v in enumerate(values):
        put(ws, row, col + j, v, fmt)


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def add_sheet(wb, name: str) -> Any:
    """A worksheet named `name`, made valid for Excel (no []:*?/\\, no leading/trailing ', ≤ 31
    characters, unique in the workbook: a repeated name gets （2）, （3）…)."""
    base = _BAD_SHEET_CHARS.sub("_", name).strip("'")[:31] or "Sheet"
    taken = {ws.name.lower() for ws in wb.worksheets()}
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        tag = f"（{n}）"
        candidate = base[:31 - len(tag)] + tag
    return wb.add_worksheet(candidate)


# ------------------------------------------------------------------ units of measure: the one rule
#
# Every number a workbook shows goes through `NumberStyle.value` (rounded to the unit's decimals when it
# is written, not only in the format, so a copied cell holds 502.5, never 502.499999999999) and carries
# the style's Excel format. The style follows the unit of measure (计量单位): UNIT_STYLES below.


@dataclass(frozen=True)
class NumberStyle:
    """How a number of one unit of measure is written: times `factor`, rounded to `decimals`, shown with
    `num_format` (a value in percent points is written as the fraction Excel shows with %)."""

    decimals: int
    num_format: str
    factor: float = 1.0

    def value(self, x: Any) -> int | float | None:
        """`x` as written: None for missing (None, NaN, ±inf, ""), else rounded to the style's decimals."""
        if x is None or isinstance(x, (str, bool)):
            return None
        try:
            f = float(x) * self.factor
        except (TypeError, ValueError):
            return None
        if math.isnan(f) or math.isinf(f):
            return None
        if self.decimals == 0:
            return int(round(f))
        return round(f, self.decimals) + 0.0  # + 0.0: never −0.0

    def text(self, x: Any) -> str:
        """The number as Excel shows it (for widths and notes)."""
        v = self.value(x)
        if v is None:
            return ""
        if self.num_format.endswith("%"):
            return f"{v * 100:.{max(self.decimals - 2, 0)}f}%"
        grouped = "," if self.num_format.startswith("#,##") else ""
        suffix = ":1" if self.num_format.endswith('":1"') else ""
        return f"{v:{grouped}.{self.decimals}f}{suffix}"


PERCENT = NumberStyle(3, "0.0%", 0.01)      # a value in percent points: 85.5 → 85.5%
PERCENT_2 = NumberStyle(4, "0.00%", 0.01)   # percent points judged against 100 % (99.98 %, never "100.0%")
SHARE = NumberStyle(3, "0.0%")              # a fraction: 0.855 → 85.5%
RATE = NumberStyle(4, "0.00%")              # a flow rate as a fraction (升级率、辍学率): 0.9812 → 98.12%
COUNT = NumberStyle(0, "#,##0")             # persons, 元, classes, places, schools, rooms …
YEAR = NumberStyle(0, "0")                  # a calendar year, a row number: no thousands separator
COEFFICIENT = NumberStyle(3, "0.000")       # 系数, 差异系数 CV
ONE_DECIMAL = NumberStyle(1, "#,##0.0")     # ㎡, 年 (years of schooling), 厘米
TWO_DECIMALS = NumberStyle(2, "#,##0.00")   # 万元, 亿元, per-pupil ratios; also any unit not listed
RATIO_TO_ONE = NumberStyle(1, '0.0":1"')    # 生师比 13.5:1

UNIT_STYLES: dict[str, NumberStyle] = {
    "%": PERCENT, "百分比": PERCENT, "比例": SHARE, "率": RATE, "系数": COEFFICIENT, ":1": RATIO_TO_ONE,
    **{u: COUNT for u in ("人", "人次", "名", "元", "元/生", "班", "所", "间", "台", "册", "个", "项", "户",
                          "学位", "套", "Mbps", "条")},
    **{u: YEAR for u in ("年度", "年份")},
    **{u: ONE_DECIMAL for u in ("㎡", "平方米", "m²", "年", "厘米", "人/班", "岁")},
    **{u: TWO_DECIMALS for u in ("万元", "亿元", "㎡/生", "册/生", "人/百名学生", "间/百名学生", "台/百名学生",
                                 "学位/千人")},
    "人/生": COEFFICIENT,
}


def style_for(unit: str | None) -> NumberStyle:
    """The number style of a unit of measure (TWO_DECIMALS for a unit not in UNIT_STYLES)."""
    return UNIT_STYLES.get((unit or "").strip(), TWO_DECIMALS)


def quantity_style(x: Any) -> NumberStyle:
    """A quantity whose unit is not declared (an indicator's numerator or denominator): COUNT when whole,
    else TWO_DECIMALS."""
    try:
        return COUNT if float(x).is_integer() else TWO_DECIMALS
    except (TypeError, ValueError, OverflowError):
        return TWO_DECIMALS


def decimals_allowed(num_format: str) -> int:
    """How many decimals a value written with `num_format` may hold (the inverse of NumberStyle, for checks)."""
    body = num_format.split(";")[0].replace('":1"', "")
    d = len(body.split(".", 1)[1].rstrip("%")) if "." in body else 0
    return d + (2 if body.endswith("%") else 0)


@dataclass(frozen=True)
class Num:
    """A number cell with its own style (a column mixing units), optionally filled with a colour."""

    value: Any
    style: NumberStyle
    fill: str | None = None


@dataclass(frozen=True)
class Text:
    """A text cell with a fill colour and/or a red font (a failed check)."""

    value: Any
    fill: str | None = None
    bad: bool = False


def text_width(s: str) -> int:
    """Display width of `s` in Excel column units: CJK (wide, full-width) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


class Styles:
    """The formats of one workbook, each made once: header, title, notes, wrapped text and one per number
    style × fill colour × red font."""

    HEADER_COLOUR = "#DDEBF7"

    def __init__(self, wb, header_colour: str | None = None):
        self.wb = wb
        self._cache: dict[tuple, Any] = {}
        self.header = wb.add_format({"bold": True, "bg_color": header_colour or self.HEADER_COLOUR, "border": 1,
                                     "text_wrap": True, "valign": "vcenter"})
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.subtitle = wb.add_format({"font_color": "#595959"})
        self.bold = wb.add_format({"bold": True})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})

    def fmt(self, style: NumberStyle | None = None, fill: str | None = None, bad: bool = False,
            wrap: bool = False) -> Any:
        key = (style.num_format if style else None, fill, bad, wrap)
        if key == (None, None, False, False):
            return None
        if key not in self._cache:
            props: dict[str, Any] = {}
            if style is not None:
                props["num_format"] = style.num_format
            if fill:
                props["bg_color"] = fill
            if bad:
                props["font_color"] = "#C00000"
            if wrap:
                props.update(text_wrap=True, valign="top")
            self._cache[key] = self.wb.add_format(props)
        return self._cache[key]


@dataclass(frozen=True)
class Col:
    """One column of a forwarded table: its header, its unit of measure (计量单位, which gives the number
    style; None for text), or an explicit style, and its definition for the 说明 sheet."""

    header: str
    unit: str | None = None
    note: str = ""
    style: NumberStyle | None = None
    max_width: int = 60

    @property
    def number_style(self) -> NumberStyle | None:
        if self.style is not None:
            return self.style
        return style_for(self.unit) if self.unit is not None else None


def provenance(store: str | Path | None = None, year: int | str | None = None, source: str | None = None,
               produced: dt.date | None = None) -> str:
    """The second line of every forwarded sheet: 数据库、年度（或数据来源）、生成日期."""
    parts = []
    if store is not None:
        parts.append(f"数据库：{Path(store).name}")
    if source:
        parts.append(f"数据来源：{source}")
    if year is not None:
        parts.append(f"年度：{year}")
    parts.append(f"生成日期：{(produced or dt.date.today()).isoformat()}")
    return "；".join(parts)


def _cell_text(v: Any, style: NumberStyle | None) -> str:
    if isinstance(v, Num):
        return v.style.text(v.value)
    if isinstance(v, Text):
        v = v.value
    if v is None:
        return ""
    if style is not None and isinstance(v, (numbers.Real, decimal.Decimal)) and not isinstance(v, bool):
        return style.text(v)
    return str(v)


def put_cell(ws, st: Styles, row: int, col: int, value: Any, style: NumberStyle | None = None) -> None:
    """Write one cell of a forwarded table: a Num/Text by its own style, a number by `style` (rounded to
    its decimals; TWO_DECIMALS when the column has none), anything else by `put` (text stays text)."""
    if isinstance(value, Num):
        v = value.style.value(value.value)
        fmt = st.fmt(value.style, value.fill)
        put(ws, row, col, v, fmt) if v is not None else put(ws, row, col, None, st.fmt(None, value.fill))
        return
    if isinstance(value, Text):
        put(ws, row, col, value.value, st.fmt(None, value.fill, value.bad))
        return
    if isinstance(value, (numbers.Real, decimal.Decimal)) and not isinstance(value, bool) and not (
            type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_")):
        s = style or TWO_DECIMALS
        put(ws, row, col, s.value(value), st.fmt(s))
        return
    put(ws, row, col, value)


def write_table(wb, st: Styles, name: str, columns: list[Col], rows: list[list[Any]], title: str | None = None,
                subtitle: str | None = None, freeze_cols: int = 0, notes: list[str] | None = None) -> Any:
    """A forwarded table on its own sheet: the title and provenance rows (when `title` is given), the bold
    header row (frozen, with an autofilter), one `put_cell` per cell in its column's number style, widths
    fitted to the content (CJK characters count double; long text wraps), and `notes` below the table."""
    ws = add_sheet(wb, name)
    top = 0
    if title:
        put(ws, 0, 0, title, st.title)
        put(ws, 1, 0, subtitle or provenance(), st.subtitle)
        top = 2
    styles = [c.number_style for c in columns]
    widths = [min(c.max_width, max(6, text_width(c.header) + 2)) for c in columns]
    for j, c in enumerate(columns):
        ws.write_string(top, j, c.header, st.header)
    for i, row in enumerate(rows, start=top + 1):
        for j, v in enumerate(row):
            if j >= len(columns):
                break
            put_cell(ws, st, i, j, v, styles[j])
            widths[j] = max(widths[j], text_width(_cell_text(v, styles[j])) + 2)
    lines = 1
    for j, c in enumerate(columns):
        w = min(widths[j], c.max_width)
        ws.set_column(j, j, w, st.wrap if widths[j] > c.max_width else None)
        lines = max(lines, -(-(text_width(c.header) + 1) // max(w - 1, 1)))
    ws.set_row(top, 15 * min(lines, 6))  # the header wraps: room for its lines
    ws.freeze_panes(top + 1, freeze_cols)
    if columns:
        ws.autofilter(top, 0, top + max(len(rows), 1), len(columns) - 1)
    r = top + len(rows) + 2
    for line in notes or []:
        put(ws, r, 0, line)
        r += 1
    return ws


def write_notes_sheet(wb, st: Styles, title: str, subtitle: str, sheets: list[tuple[str, str]],
                      columns: list[tuple[str, Col]] = (), method: list[str] = ()) -> Any:
    """The 说明 sheet of a forwarded workbook: what each sheet is, every column's 计量单位 and definition,
    and the source and method."""
    ws = add_sheet(wb, "说明")
    put(ws, 0, 0, title, st.title)
    put(ws, 1, 0, subtitle, st.subtitle)
    r = 3
    put(ws, r, 0, "工作表", st.header)
    put(ws, r, 1, "内容", st.header)
    for name, what in sheets:
        r += 1
        put(ws, r, 0, name)
        put(ws, r, 1, what, st.wrap)
    if columns:
        r += 2
        for j, h in enumerate(("工作表", "列", "计量单位", "定义")):
            put(ws, r, j + 0, h, st.header)
        for sheet, c in columns:
            r += 1
            put_row(ws, r, 0, [sheet, c.header, c.unit or "", c.note])
    if method:
        r += 2
        put(ws, r, 0, "来源与方法", st.bold)
        for line in method:
            r += 1
            put(ws, r, 0, line)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 60, st.wrap)
    ws.set_column(2, 2, 12)
    ws.set_column(3, 3, 70, st.wrap)
    ws.freeze_panes(4, 0)
    return ws
