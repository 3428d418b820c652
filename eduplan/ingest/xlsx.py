"""Read .xlsx/.xlsm workbooks in one streaming, bounded pass (zipfile + expat), never trusting the file.

Why not python-calamine here: it allocates the whole used range before returning a cell, so a 5 KB
workbook with one cell at XFD1048576 asks for 512 GB and aborts the process. This reader checks the
zip directory (member count, declared sizes, compression ratio) before decompressing anything, counts
the bytes it actually decompresses, reads each sheet's declared <dimension> before its rows, checks
every row's and cell's position while streaming (refusing at the first row or cell beyond the limits,
naming it), and keeps only cells that hold something. It also sees what calamine hides and §1 of
issue 8 needs: sheet visibility (hidden / veryHidden sheets are skipped, and named),
error values (t="e"), formulas without a trustworthy cached value (no <v>, or a workbook marked
fullCalcOnLoad by the program that wrote it), and number formats (percent, date, year-month) from
styles.xml — see cells.py for the markers it returns.

Two ways through a worksheet, one result. The plain sheets Excel, WPS and the templates write (rows of
cells holding numbers or shared strings, nothing else) are read by `_fast_sheet`: the part before
<sheetData> through expat as above, the rows a megabyte at a time: the rows laid out alike (the same cells,
styles and types, values of whole numbers or shared strings) by one pattern per layout and whole-column
conversions, the others by one regular-expression pass, with the same per-cell rules and limits. Anything else in the rows — a formula, an error value, an inline or formula
string, an attribute in another order, a comment, whitespace, a limit reached, a malformed tag — makes it
give up, restoring the decompression budget, and the expat reader reads the sheet from the start and
decides (tests/test_import_vectorised.py checks that both give the same rows and budget).
"""

from __future__ import annotations

import math
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, BinaryIO
from xml.parsers import expat

from .cells import ExcelError, MonthDate, NoCachedValue, Percent
from .limits import ImportLimits
from .report import column_letter

MB = 1 << 20
BIG_MEMBER = 1 * MB  # the ratio limit applies to members larger than this


class Refused(Exception):
    """The file breaks a limit or is not a workbook: `kind` is the issue type, `detail` the Chinese reason."""

    def __init__(self, kind: str, detail: str, sheet: str | None = None, row: int | None = None,
                 cell: str | None = None):
        super().__init__(detail)
        self.kind, self.detail, self.sheet, self.row, self.cell = kind, detail, sheet, row, cell


class _Done(Exception):
    """Stop parsing: everything needed has been read."""


@dataclass
class SheetRows:
    name: str
    rows: list[tuple[int, list[Any]]]  # (row number as in Excel, cells from column A)


@dataclass
class Skipped:
    name: str
    reason: str  # hidden / very-hidden / help / not-a-worksheet


@dataclass
class Workbook:
    sheets: list[SheetRows] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


# ---------------------------------------------------------------- zip checks (also used for .ods / .xlsb)

# The compression methods Office and WPS write (stored, deflated); anything else is refused up front.
ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


def check_zip(zf: zipfile.ZipFile, limits: ImportLimits) -> None:
    """Refuse a package whose directory already shows it is too large or a zip bomb."""
    infos = zf.infolist()
    if len(infos) > limits.max_zip_members:
        raise Refused("file-unsafe", f"工作簿包含 {len(infos)} 个内部文件，超过上限 {limits.max_zip_members} 个"
                                     f"（设置项 import.max_zip_members），不予读取")
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_mb * MB:
        raise Refused("file-unsafe", f"工作簿解压后共 {total / MB:,.0f} MB，超过上限 {limits.max_unzipped_mb:g} MB"
                                     f"（设置项 import.max_unzipped_mb；可能是“压缩炸弹”），不予读取")
    for i in infos:
        if i.compress_type not in ZIP_METHODS:  # e.g. Deflate64, which Python's zipfile cannot decompress
            raise Refused("file-unreadable", f"工作簿内部文件“{i.filename}”使用了不支持的压缩方式（编号 "
                                             f"{i.compress_type}），请用 Excel 或 WPS 打开后另存为 .xlsx 再导入")
        if i.file_size > BIG_MEMBER and i.file_size > limits.max_zip_ratio * max(i.compress_size, 1):
            raise Refused("file-unsafe", f"工作簿内部文件“{i.filename}”的压缩比为 "
                                         f"{i.file_size / max(i.compress_size, 1):,.0f} 倍，超过上限 "
                                         f"{limits.max_zip_ratio:g} 倍（设置项 import.max_zip_ratio；可能是“压缩炸弹”），不予读取")


class _Budget:
    """Bytes that may still be decompressed from the package (the declared sizes can lie)."""

    def __init__(self, limits: ImportLimits):
        self.left = int(limits.max_unzipped_mb * MB)
        self.limit_mb = limits.max_unzipped_mb


class _Bounded:
    """A read-only stream over one zip member that refuses to decompress past the budget."""

    def __init__(self, raw: BinaryIO, budget: _Budget):
        self.raw, self.budget = raw, budget

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n if n and n > 0 else 1 << 16)
        self.budget.left -= len(data)
        if self.budget.left < 0:
            raise Refused("file-unsafe", f"工作簿解压后超过 {self.budget.limit_mb:g} MB（设置项 import.max_unzipped_mb；"
                                         f"可能是“压缩炸弹”），不予读取")
        return data


def _parse(zf: zipfile.ZipFile, name: str, budget: _Budget, start=None, end=None, chars=None) -> None:
    p = expat.ParserCreate()
    p.buffer_text = True
    p.buffer_size = 1 << 16
    if start:
        p.StartElementHandler = start
    if end:
        p.EndElementHandler = end
    if chars:
        p.CharacterDataHandler = chars
    try:
        with zf.open(name) as raw:
            p.ParseFile(_Bounded(raw, budget))
    except _Done:
        pass
    except expat.ExpatError as e:
        raise Refused("file-unreadable", f"工作簿内部文件“{name}”不是有效的 XML（{expat.ErrorString(e.code)}，"
                                         f"第 {e.lineno} 行），请用 Excel 或 WPS 打开后另存为 .xlsx 再导入") from None
    except RuntimeError:  # zipfile: "File ... is encrypted, password required"
        raise Refused("file-unreadable", f"工作簿内部文件“{name}”已加密，请在 Excel 或 WPS 中取消密码后另存为 .xlsx 再导入") from None
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise Refused("file-unreadable", f"工作簿内部文件“{name}”已损坏（{type(e).__name__}），"
                                         f"请用 Excel 或 WPS 打开后另存为 .xlsx 再导入") from None


def _local(name: str) -> str:
    return name.rpartition(":")[2]


# ---------------------------------------------------------------- workbook, relationships, styles, strings

def _rels(zf: zipfile.ZipFile, part: str, budget: _Budget) -> dict[str, tuple[str, str]]:
    """Id -> (absolute target part, relationship type) for `part`'s relationships."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    out: dict[str, tuple[str, str]] = {}
    if rels_name not in zf.NameToInfo:
        return out

    def start(name, attrs):
        if _local(name) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[attrs.get("Id", "")] = (path, attrs.get("Type", ""))

    _parse(zf, rels_name, budget, start=start)
    return out


# Built-in number formats that are percent, year-month or date/time (ECMA-376 §18.8.30 and the zh-CN ids).
_BUILTIN_PERCENT = {9, 10}
_BUILTIN_MONTH = {17, 27, 36, 50, 52, 57}
_BUILTIN_DATE = {14, 15, 16, 18, 19, 20, 21, 22, 28, 29, 30, 31, 32, 33, 34, 35, 45, 46, 47, 51, 53, 54, 55, 56, 58}
_FMT_NOISE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def format_kind(code: str) -> str | None:
    """'percent', 'month', 'date' or None (a plain number) for a number-format code."""
    section = _FMT_NOISE.sub("", code).split(";")[0].lower()
    if "%" in section:
        return "percent"
    if section in ("general", "@", ""):
        return None
    has_d, has_y = "d" in section, "y" in section
    if has_y or has_d or "h" in section or "s" in section or ("m" in section and ":" in section):
        if has_y and "m" in section and not has_d and "h" not in section:
            return "month"
        return "date"
    if "m" in section and not any(ch in section for ch in "0#?"):
        return "date"
    return None


def _styles(zf: zipfile.ZipFile, part: str | None, budget: _Budget) -> list[str | None]:
    """The number-format kind of every cell style (index = the cell's s attribute)."""
    if not part or part not in zf.NameToInfo:
        return []
    custom: dict[int, str] = {}
    xf_ids: list[int] = []
    state = {"in_xfs": False}

    def start(name, attrs):
        tag = _local(name)
        if tag == "numFmt":
            try:
                custom[int(attrs.get("numFmtId", "-1"))] = attrs.get("formatCode", "")
            except ValueError:
                pass
        elif tag == "cellXfs":
            state["in_xfs"] = True
        elif tag == "xf" and state["in_xfs"]:
            try:
                xf_ids.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                xf_ids.append(0)

    def end(name):
        if _local(name) == "cellXfs":
            raise _Done

    _parse(zf, part, budget, start=start, end=end)
    kinds: list[str | None] = []
    for i in xf_ids:
        if i in custom:
            kinds.append(format_kind(custom[i]))
        elif i in _BUILTIN_PERCENT:
            kinds.append("percent")
        elif i in _BUILTIN_MONTH:
            kinds.append("month")
        elif i in _BUILTIN_DATE:
            kinds.append("date")
        else:
            kinds.append(None)
    return kinds


def _shared_strings(zf: zipfile.ZipFile, part: str | None, budget: _Budget) -> list[str]:
    if not part or part not in zf.NameToInfo:
        return []
    out: list[str] = []
    buf: list[str] = []
    st = {"depth_rph": 0, "in_t": False}

    def start(name, attrs):
        tag = _local(name)
        if tag == "t" and not st["depth_rph"]:
            st["in_t"] = True
        elif tag == "rPh":
            st["depth_rph"] += 1
        elif tag == "si":
            buf.clear()

    def end(name):
        tag = _local(name)
        if tag == "t":
            st["in_t"] = False
        elif tag == "rPh":
            st["depth_rph"] -= 1
        elif tag == "si":
            out.append(unescape("".join(buf)))

    def chars(data):
        if st["in_t"]:
            buf.append(data)

    _parse(zf, part, budget, start=start, end=end, chars=chars)
    return out


# ---------------------------------------------------------------- cell values

_EPOCH_1900 = datetime(1899, 12, 30)
_EPOCH_1900_EARLY = datetime(1899, 12, 31)
_EPOCH_1904 = datetime(1904, 1, 1)


def excel_date(x: float, date1904: bool = False) -> date | datetime | None:
    """An Excel serial date as a date (whole days) or datetime; None where Excel shows no real date."""
    if not 1 <= x < 2958466:  # 1900-01-01 .. 9999-12-31
        return None
    days = int(x)
    if date1904:
        base = _EPOCH_1904
    elif days < 60:
        base = _EPOCH_1900_EARLY  # before Excel's fictitious 1900-02-29
    elif days == 60:
        return None  # 1900-02-29 does not exist
    else:
        base = _EPOCH_1900
    secs = round((x - days) * 86400)
    dt = base + timedelta(days=days, seconds=secs)
    return dt if secs else dt.date()


def _number(text: str) -> Any:
    """A number cell's text: an int when it is a whole number Excel holds exactly, else a float as
    Excel shows it (15 significant digits: 0.30000000000000004 is the 0.3 the user sees)."""
    if text.isdigit() and len(text) <= 15:
        return int(text)
    s = text.strip()
    if s[:1] == "-" and s[1:].isdigit() and len(s) <= 16:
        return int(s)
    try:
        x = float(s)
    except ValueError:
        return s  # not a number although typed as one: the field's parser reports it
    if len(s) > 16 and math.isfinite(x) and x != 0:
        x = float(f"{x:.15g}")
    return x


def shown(text: str) -> str:
    """A stored number's text rounded to the 15 significant digits Excel shows."""
    s = text.strip()
    if len(s) <= 16:
        return s
    try:
        x = float(s)
    except ValueError:
        return s
    return f"{x:.15g}" if math.isfinite(x) else s


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """OOXML's escapes for characters XML cannot hold (_x0009_ is a tab, _x005F_ an underscore)."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


_COLS: dict[str, int] = {}
_DIGITS = "0123456789"


def col_index(letters: str) -> int:
    """Excel column letters -> 0-based index (A -> 0, XFD -> 16383); -1 when they are not column letters."""
    idx = _COLS.get(letters)
    if idx is None:
        if not (letters.isascii() and letters.isalpha()) or len(letters) > 7:
            return -1
        n = 0
        for ch in letters.upper():
            n = n * 26 + ord(ch) - 64
        idx = _COLS[letters] = n - 1
    return idx


def _split_ref(ref: str) -> tuple[int, int] | None:
    """'AB12' -> (12, 27); None when it is not a cell reference."""
    letters = ref.rstrip(_DIGITS)
    digits = ref[len(letters):]
    col = col_index(letters)
    if col < 0 or not digits or len(digits) > 9:
        return None
    return int(digits), col


class _Sheet:
    """One worksheet part read by expat: rows of cells, bounded by the limits.

    The handlers are closures over local state (this is the hot loop of every import)."""

    def __init__(self, sheet: str, strings: list[str], kinds: list[str | None], date1904: bool,
                 recalc: bool, limits: ImportLimits, cells_used: int):
        self.sheet, self.strings, self.date1904, self.recalc = sheet, strings, date1904, recalc
        self.kind_of = {str(i): k for i, k in enumerate(kinds) if k is not None}
        self.limits = limits
        self.cells = cells_used
        self.rows: dict[int, list[Any]] = {}
        self.declared_beyond: str | None = None  # the declared range, when it exceeds the limits

    def refused(self, kind: str, detail: str, row: int | None = None, cell: str | None = None) -> Refused:
        if kind == "sheet-too-large" and self.declared_beyond:
            detail += f"（工作表声明的数据范围为 {self.declared_beyond}）"
        return Refused(kind, f"工作表“{self.sheet}”" + detail, sheet=self.sheet, row=row, cell=cell)

    def handlers(self):
        strings, kind_of, recalc = self.strings, self.kind_of, self.recalc
        max_rows, max_cols = self.limits.max_rows, self.limits.max_columns
        max_chars, max_cells = self.limits.max_cell_chars, self.limits.max_cells
        rows = self.rows
        styled = self._styled
        refused = self.refused
        # state of the current row and cell
        row_no = 0
        row: list[Any] = []
        col = -1
        t = s = ref = None
        text = ""
        collect = 0  # 1: <v>, 2: <f>, 3: <t> of an inline string
        v: str | None = None
        f: str | None = None
        inline: list[str] | None = None
        rph = 0
        cells = self.cells

        def start_row(n: int) -> None:
            nonlocal row_no, row, col
            if n > max_rows:
                raise refused("sheet-too-large", f"第 {n:,} 行有内容或格式，超过行数上限 {max_rows:,} 行"
                                                 f"（设置项 import.max_rows）：请删除多余的行后保存再导入", row=n)
            row_no = n
            r = rows.get(n)
            if r is None:
                r = rows[n] = []
            row = r
            col = -1

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal col, t, s, ref, v, f, inline, collect, text, rph
            if ":" in name:
                name = name.rpartition(":")[2]
            if name == "c":
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip(_DIGITS)
                    c = _COLS.get(letters)
                    if c is None:
                        rc = _split_ref(ref)
                        if rc is None:
                            raise refused("file-unreadable", f"中的单元格地址“{ref[:20]}”无效，请用 Excel 或 WPS 打开后"
                                                             f"另存为 .xlsx 再导入")
                        c = rc[1]
                    if not row_no:
                        rc = _split_ref(ref)
                        start_row(rc[0] if rc else 1)
                    col = c
                else:
                    col += 1
                    if not row_no:
                        start_row(1)
                t = attrs.get("t")
                s = attrs.get("s")
                v = f = inline = None
            elif name == "v":
                collect, text = 1, ""
            elif name == "row":
                r = attrs.get("r")
                start_row(int(r) if r and r.isdigit() and len(r) < 10 else row_no + 1)
            elif name == "f":
                collect, text = 2, ""
            elif name == "is":
                inline = []
            elif name == "t":
                if inline is not None and not rph:
                    collect, text = 3, ""
            elif name == "rPh":
                rph += 1
            elif name == "dimension":
                self._check_dimension(attrs.get("ref", ""))

        def chars(data: str) -> None:
            nonlocal text
            if collect:
                text += data

        def end(name: str) -> None:
            nonlocal collect, v, f, cells, rph
            if ":" in name:
                name = name.rpartition(":")[2]
            if name == "v":
                v, collect = text, 0
            elif name == "c":
                # the cell's value, or a marker (cells.py) when its meaning needs the field to decide
                if f is not None and (recalc or v is None or (v == "" and t != "str")):
                    value: Any = NoCachedValue(f)
                elif t is None or t == "n":
                    if not v:
                        return
                    value = styled(v, kind_of.get(s)) if s in kind_of else _number(v)
                elif t == "s":
                    if not v:
                        return
                    try:
                        value = strings[int(v)]
                    except (ValueError, IndexError):
                        raise refused("file-unreadable", f"单元格 {cell_ref()} 引用了不存在的共享字符串，请用 Excel 或 "
                                                         f"WPS 打开后另存为 .xlsx 再导入", row_no, cell_ref()) from None
                elif t == "inlineStr":
                    if not inline:
                        return
                    value = unescape("".join(inline))
                elif t == "e":
                    value = ExcelError((v or "").strip() or "#VALUE!")
                elif t == "b":
                    if not v:
                        return
                    value = v.strip() in ("1", "true")
                elif t == "str":
                    if not v:
                        return
                    value = unescape(v)
                elif t == "d":
                    if not v:
                        return
                    try:
                        value = datetime.fromisoformat(v.strip().rstrip("Z"))
                    except ValueError:
                        value = v
                else:
                    if not v:
                        return
                    value = v
                if col >= max_cols:
                    raise refused("sheet-too-large", f"单元格 {cell_ref()} 有内容，超过列数上限 {max_cols} 列（A–"
                                                     f"{column_letter(max_cols - 1)} 列；设置项 import.max_columns）："
                                                     f"请删除该单元格的内容后保存再导入", row_no, cell_ref())
                if value.__class__ is str and len(value) > max_chars:
                    raise refused("cell-too-long", f"单元格 {cell_ref()} 的内容有 {len(value):,} 个字符，超过上限 "
                                                   f"{max_chars:,} 个字符（设置项 import.max_cell_chars）", row_no, cell_ref())
                cells += 1
                if cells > max_cells:
                    raise refused("sheet-too-large", f"有内容的单元格（连同此前各表）超过 {max_cells:,} 个"
                                                     f"（设置项 import.max_cells）：请把数据拆成几个文件导入", row_no)
                n = len(row)
                if col == n:
                    row.append(value)
                elif col > n:
                    row.extend([None] * (col - n))
                    row.append(value)
                else:
                    row[col] = value
            elif name == "f":
                f, collect = text[:200], 0
            elif name == "t":
                if collect == 3:
                    inline.append(text)  # type: ignore[union-attr]
                    collect = 0
            elif name == "rPh":
                rph -= 1
            elif name == "sheetData":
                self.cells = cells
                raise _Done

        def cell_ref() -> str:
            return ref or f"{column_letter(col)}{row_no}"

        def done() -> None:
            self.cells = cells

        return start, end, chars, done

    def _check_dimension(self, ref: str) -> None:
        """The declared used range (<dimension ref="A1:XFD1048576"/>). Beyond the limits it is remembered,
        not refused at once: the stream then stops at the first row or cell beyond them and names it (a
        declared range can also count formatted but empty cells, which take no memory here)."""
        rc = _split_ref(ref.split(":")[-1].replace("$", "")[:20])
        if rc is None:
            return
        rows, col = rc
        lim = self.limits
        if rows > lim.max_rows or col >= lim.max_columns:
            self.declared_beyond = ref[:40]

    def _styled(self, v: str, kind: str | None) -> Any:
        """A number cell whose style is percent, date or year-month."""
        if kind == "percent":
            x = _number(v)
            return Percent(shown(v)) if not isinstance(x, str) else x
        try:
            x = float(v)
        except ValueError:
            return v
        d = excel_date(x, self.date1904)
        if d is None:
            return _number(v)
        if kind == "month" and not isinstance(d, datetime):
            return MonthDate(d)
        return d


# ---------------------------------------------------------------- the workbook

def read_xlsx(zf: zipfile.ZipFile, limits: ImportLimits, help_sheets: set[str]) -> Workbook:
    """Every visible data sheet's rows; hidden and help sheets are listed as skipped. Raises Refused."""
    check_zip(zf, limits)
    budget = _Budget(limits)
    root = _rels(zf, "", budget)
    wb_part = next((t for t, typ in root.values() if typ.endswith("/officeDocument")), "xl/workbook.xml")
    if wb_part not in zf.NameToInfo:
        raise Refused("file-unreadable", "不是有效的 Excel 工作簿（缺少 workbook.xml），请用 Excel 或 WPS 另存为 .xlsx 后再导入")
    sheets: list[tuple[str, str, str]] = []  # name, state, rId
    flags = {"date1904": False, "recalc": False}

    def start(name, attrs):
        tag = _local(name)
        if tag == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            sheets.append((attrs.get("name", ""), attrs.get("state", "visible"), rid))
        elif tag == "workbookPr":
            flags["date1904"] = attrs.get("date1904", "0") in ("1", "true")
        elif tag == "calcPr":
            flags["recalc"] = attrs.get("fullCalcOnLoad", "0") in ("1", "true")

    _parse(zf, wb_part, budget, start=start)
    rels = _rels(zf, wb_part, budget)
    styles = next((t for t, typ in rels.values() if typ.endswith("/styles")), None)
    sst = next((t for t, typ in rels.values() if typ.endswith("/sharedStrings")), None)
    kinds = _styles(zf, styles, budget)
    strings: list[str] | None = None
    out = Workbook()
    cells = 0
    for name, state, rid in sheets:
        if state in ("hidden", "veryHidden"):
            out.skipped.append(Skipped(name, "very-hidden" if state == "veryHidden" else "hidden"))
            continue
        if name.strip() in help_sheets:
            out.skipped.append(Skipped(name, "help"))
            continue
        target, typ = rels.get(rid, ("", ""))
        if not typ.endswith("/worksheet") or target not in zf.NameToInfo:
            out.skipped.append(Skipped(name, "not-a-worksheet"))
            continue
        if strings is None:
            strings = _shared_strings(zf, sst, budget)
        reader = _Sheet(name, strings, kinds, flags["date1904"], flags["recalc"], limits, cells)
        if not _fast_sheet(zf, target, budget, reader):
            reader = _Sheet(name, strings, kinds, flags["date1904"], flags["recalc"], limits, cells)
            start, end, chars, done = reader.handlers()
            _parse(zf, target, budget, start=start, end=end, chars=chars)
            done()
        cells = reader.cells
        rows = [(n, r) for n, r in sorted(reader.rows.items()) if r]
        out.sheets.append(SheetRows(name, rows))
    return out


# ---------------------------------------------------------------- the fast path for plain sheets

BLOCK = 2048  # what expat's ParseFile reads at a time: the fast path reads the same blocks (same budget)
FAST_CHUNK = 1 * MB  # rows are tokenised a megabyte at a time (bounded memory)
FAST_SPAN = 4 * MB  # the most the fast path buffers before <sheetData> or between two </row>
_SHEETDATA, _SHEETDATA_END, _ROW_END = b"<sheetData>", b"</sheetData>", b"</row>"
# One token of <sheetData> as Excel, WPS and xlsxwriter write it: a row's start (number, attributes, "/" when
# empty), a cell (column letters, style, type, value: up to 15 digits, or any other number text), a row's end;
# the last group is anything else (give up).
_TOKEN = re.compile(
    r'<row r="([0-9]{1,9})"((?: [A-Za-z_][A-Za-z0-9_.:-]*="[^"<&]*")*)(/?)>'
    r'|<c r="([A-Z]{1,3})[0-9]{1,9}"(?: s="([0-9]{1,9})")?(?: t="([ns])")?'
    r'(?:/>|></c>|><v>(?:([0-9]{1,15})|([-+.0-9Ee]*))</v></c>)'
    r'|(</row>)'
    r'|([\s\S])')
_ATTR_NAME = re.compile(r' ([^=]+)=')
_ROW_ELEMENTS = {"row", "c", "v", "f", "is", "t", "rPh"}


class _GiveUp(Exception):
    """The fast path cannot read this sheet exactly: the expat reader will."""


def _fast_sheet(zf: zipfile.ZipFile, part: str, budget: _Budget, reader: _Sheet) -> bool:
    """Read a plain sheet into `reader` (rows, cells, declared range) as its expat handlers would; False
    (budget restored, `reader` to be discarded) when the sheet holds anything else."""
    left = budget.left
    try:
        with zf.open(part) as raw:
            _fast_rows(_Bounded(raw, budget), reader)
        return True
    except Exception:  # noqa: BLE001 - _GiveUp, a limit, a damaged member…: the expat reader decides and says why
        budget.left = left
        return False


def _fast_rows(src: _Bounded, reader: _Sheet) -> None:
    buf = bytearray()
    # the part before <sheetData>: expat, for the declared range (and well-formedness)
    while True:
        block = src.read(BLOCK)
        if not block:
            raise _GiveUp
        seen = max(0, len(buf) - len(_SHEETDATA))
        buf += block
        at = buf.find(_SHEETDATA, seen)
        if at >= 0:
            break
        if len(buf) > FAST_SPAN:
            raise _GiveUp
    head_end = at + len(_SHEETDATA)
    _fast_head(bytes(buf[:head_end]), at, reader)
    del buf[:head_end]
    consume = _consumer(reader)
    seen = 0  # buf[:seen] holds no </sheetData>
    while True:
        end = buf.find(_SHEETDATA_END, seen)
        if end >= 0:
            consume(bytes(buf[:end]))
            consume(None)
            return
        seen = max(0, len(buf) - len(_SHEETDATA_END))
        if len(buf) >= FAST_CHUNK:
            cut = buf.rfind(_ROW_END)
            if cut >= 0:
                cut += len(_ROW_END)
                consume(bytes(buf[:cut]))
                del buf[:cut]
                seen = max(0, seen - cut)
            elif len(buf) > FAST_SPAN:
                raise _GiveUp
        block = src.read(BLOCK)
        if not block:
            raise _GiveUp  # no </sheetData>: expat names the problem
        buf += block


def _fast_head(head: bytes, at: int, reader: _Sheet) -> None:
    """Parse everything up to and including <sheetData> (found at byte `at`) with expat; only <dimension>
    matters there."""
    last: list[tuple[str, int]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        if tag in _ROW_ELEMENTS:
            raise _GiveUp
        if tag == "dimension":
            reader._check_dimension(attrs.get("ref", ""))
        last.append((name, p.CurrentByteIndex))

    def end(name: str) -> None:
        if name.rpartition(":")[2] == "sheetData":
            raise _GiveUp

    p = expat.ParserCreate()
    p.StartElementHandler = start
    p.EndElementHandler = end
    try:
        p.Parse(head, False)
    except expat.ExpatError:
        raise _GiveUp from None
    if not last or last[-1] != ("sheetData", at):
        raise _GiveUp  # the text found was not the start tag itself (a comment, CDATA, …)


def _consumer(reader: _Sheet):
    """A function taking the text of whole tokens (bytes), then None at </sheetData>; fills reader.rows."""
    strings, kind_of, styled = reader.strings, reader.kind_of, reader._styled
    lim = reader.limits
    max_rows, max_cols, max_chars, max_cells = lim.max_rows, lim.max_columns, lim.max_cell_chars, lim.max_cells
    rows = reader.rows
    state: dict[str, Any] = {"open": False, "row": None, "cells": reader.cells, "template": None}
    good_attrs: set[str] = set()  # row attributes already checked (spans="1:16" repeats on every row)
    colmap = _COLS  # column letters -> index (shared cache)

    def consume(data: bytes | None) -> None:
        if data is None:
            if state["open"]:
                raise _GiveUp
            reader.cells = state["cells"]
            return
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise _GiveUp from None
        if not state["open"]:
            rest = _uniform(text, state, reader)
            if rest is not None:
                text = rest  # the rows laid out otherwise, cell by cell below
        is_open, row, cells = state["open"], state["row"], state["cells"]
        width = len(row) if row is not None else 0  # len(row), kept by hand in the loop
        for rn, rattrs, empty, letters, s, t, digits, v, endrow, other in _TOKEN.findall(text):
            if letters:
                if not is_open:
                    raise _GiveUp
                if t == "s":
                    if not digits:
                        if not v:
                            continue
                        raise _GiveUp  # not an index: expat's reader refuses it
                    try:
                        value = strings[int(digits)]
                    except IndexError:
                        raise _GiveUp from None
                    if len(value) > max_chars:
                        raise _GiveUp
                elif digits:
                    value = styled(digits, kind_of[s]) if s in kind_of else int(digits)  # _number(digits)
                elif v:
                    value = styled(v, kind_of[s]) if s in kind_of else _number(v)
                    if value.__class__ is str and len(value) > max_chars:
                        raise _GiveUp
                else:
                    continue
                try:
                    col = colmap[letters]
                except KeyError:
                    col = colmap[letters] = col_index(letters)
                if col >= max_cols:
                    raise _GiveUp
                cells += 1
                if cells > max_cells:
                    raise _GiveUp
                if col == width:
                    row.append(value)
                    width += 1
                elif col > width:
                    row.extend([None] * (col - width))
                    row.append(value)
                    width = col + 1
                else:
                    row[col] = value
            elif rn:
                if is_open:
                    raise _GiveUp
                if rattrs and rattrs not in good_attrs:
                    names = _ATTR_NAME.findall(rattrs)
                    if "r" in names or len(set(names)) != len(names):
                        raise _GiveUp  # a duplicate attribute: not well-formed
                    good_attrs.add(rattrs)
                number = int(rn)
                if number > max_rows:
                    raise _GiveUp
                row = rows.get(number)
                if row is None:
                    row = rows[number] = []
                width = len(row)
                is_open = not empty
            elif endrow:
                if not is_open:
                    raise _GiveUp
                is_open = False
            else:
                raise _GiveUp
        state["open"], state["row"], state["cells"] = is_open, row, cells

    return consume


# ---------------------------------------------------------------- rows of one layout, a chunk at a time

_ROW_START = "<row "
_ROW_NUMBER = re.compile(r'<row r="([0-9]{1,9})"')


@dataclass
class _Template:
    """The layout of a row of whole numbers and shared strings, as a pattern matching every row laid out
    alike (up to its </row>): each cell's column, style and type fixed, its value (up to 15 digits) and the
    row number free (each cell's reference holds the row's number)."""

    pattern: re.Pattern
    columns: list[int]  # each cell's column index, increasing
    shared: list[bool]  # each cell: a shared-string index (else a whole number)


def _template(row_text: str, reader: _Sheet) -> _Template | None:
    """The template of one row's text (without its </row>), or None when the row is not such a row."""
    toks = _TOKEN.findall(row_text)
    if len(toks) < 2 or not toks[0][0] or toks[0][2]:
        return None
    rattrs = toks[0][1]
    if rattrs:
        names = _ATTR_NAME.findall(rattrs)
        if "r" in names or len(set(names)) != len(names):
            return None
    parts = [f'<row r="([0-9]{{1,9}})"{re.escape(rattrs)}>']
    columns, shared = [], []
    for _, _, _, letters, s, t, digits, _, _, _ in toks[1:]:
        if not letters or not digits or (t != "s" and s in reader.kind_of):
            return None
        col = col_index(letters)
        if col >= reader.limits.max_columns or (columns and col <= columns[-1]):
            return None
        columns.append(col)
        shared.append(t == "s")
        attrs = (f' s="{s}"' if s else "") + (f' t="{t}"' if t else "")
        parts.append(f'<c r="{letters}\\1"{re.escape(attrs)}><v>([0-9]{{1,15}})</v></c>')
    return _Template(re.compile("".join(parts)), columns, shared)


def _uniform(text: str, state: dict[str, Any], reader: _Sheet) -> str | None:
    """Read the rows of a chunk that share the layout of a template (the current one, else that of the
    chunk's last row) with one pattern and whole-column conversions; return the other rows' text, left to
    the cell-by-cell loop, or None (nothing read) when the chunk is not a plain sequence of rows.

    Each piece of the text split at </row> must be one whole row: starting with "<row " and holding no
    other. Rows are independent of each other (a row of a number met before is not: then nothing is read
    here), so reading some now and the others after gives the rows the expat reader gives."""
    pieces = text.split("</row>")
    if pieces.pop() != "" or not pieces or text.count(_ROW_START) != len(pieces) or not all(
            p.startswith(_ROW_START) for p in pieces):
        return None
    for attempt in (0, 1):
        tpl = state["template"]
        if tpl is None or attempt:
            tpl = _template(pieces[-1], reader)
            if tpl is None:
                return None
            state["template"] = tpl
        match = tpl.pattern.fullmatch
        found, other = [], []
        for p in pieces:
            m = match(p)
            if m is None:
                other.append(p)
            else:
                found.append(m.groups())
        if len(found) >= len(other) or attempt:
            break  # (else: most rows are laid out otherwise; learn this chunk's layout once)
    if not found:
        return None
    others = [_ROW_NUMBER.match(p) for p in other]
    if None in others or not _store(tpl, found, [int(m.group(1)) for m in others], state, reader):
        return None
    return "".join(p + "</row>" for p in other)


def _store(tpl: _Template, found: list[tuple[str, ...]], others: list[int], state: dict[str, Any],
           reader: _Sheet) -> bool:
    """Put the rows matched by the template into reader.rows; False (nothing stored) at a limit or a row
    number met twice."""
    cols = list(zip(*found))
    lim, rows = reader.limits, reader.rows
    numbers = list(map(int, cols[0]))
    width = len(tpl.columns)
    cells = state["cells"] + len(found) * width
    if (max(numbers) > lim.max_rows or cells > lim.max_cells or len(set(numbers) | set(others)) != len(numbers) + len(others)
            or not rows.keys().isdisjoint(numbers) or not rows.keys().isdisjoint(others)):
        return False  # a limit, or a row number met twice: cell by cell
    strings = reader.strings
    values: list[Any] = [None] * (tpl.columns[-1] + 1)
    for col, is_shared, texts in zip(tpl.columns, tpl.shared, cols[1:]):
        ints = list(map(int, texts))
        if is_shared:
            try:
                got = list(map(strings.__getitem__, ints))
            except IndexError:
                return False
            if max(map(len, got)) > lim.max_cell_chars:
                return False
            values[col] = got
        else:
            values[col] = ints
    blank = [None] * len(found)
    rows.update(zip(numbers, map(list, zip(*(v if v is not None else blank for v in values)))))
    state["cells"] = cells
    return True
