"""Read source files into raw sheets, within the import limits, never trusting the file.

Before any content is read: only a regular file is opened (a FIFO, device, directory or socket is
refused at once, without opening it; a symbolic link is resolved and the refusal names its target),
and its size is checked. Then:

- .xlsx/.xlsm: the streaming, bounded reader in xlsx.py (hidden and help sheets skipped; error values,
  formulas without results, percent and date formats kept as markers, see cells.py);
- .xls: python-calamine, after the size check. Bounded: file size and, by the format itself, the extent
  (at most 65 536 × 256 cells; calamine allocates the used range, a few hundred MB at worst). NOT read
  strictly: number formats (a percent-formatted cell reads as 0.855): prefer .xlsx;
- .ods/.xlsb are refused (a file-type message asking for .xlsx): calamine would allocate whatever
  extent they declare, and no bureau workflow needs them;
- .csv/.txt: one encoding for the whole file (UTF-8, UTF-8 with BOM, or GBK/GB18030; a file mixing them
  is refused naming the first line in the other encoding), rows, columns and field length bounded.

A RawSheet is the header row plus data rows, each row tagged with the row number the user sees in
the spreadsheet (header = row 1 when it is the first row). Nothing here knows the data model; a file
that cannot be read becomes an Issue, never an exception.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .limits import ImportLimits, import_limits
from .report import Issue

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
REFUSED_SUFFIXES = {".ods", ".xlsb"}  # unbounded through calamine; ask for .xlsx instead
CSV_SUFFIXES = {".csv", ".txt"}
# Sheets a template carries for people, not data.
HELP_SHEETS = {"填写说明", "代码表", "说明"}
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MB = 1 << 20

SKIP_REASONS = {"hidden": "隐藏的工作表，未读取", "very-hidden": "深度隐藏的工作表，未读取",
                "help": "模板说明页，未读取", "not-a-worksheet": "图表页，未读取"}


@dataclass
class RawSheet:
    file: str  # file name as shown to the user
    sheet: str | None  # None for csv
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number, cells)
    encoding: str | None = None


@dataclass
class SkippedSheet:
    """A sheet of the file that was deliberately not read."""

    sheet: str
    reason: str  # hidden / very-hidden / help / not-a-worksheet

    @property
    def reason_text(self) -> str:
        return SKIP_REASONS.get(self.reason, self.reason)


@dataclass
class SourceRead:
    """What reading one file gave: its data sheets, the sheets skipped, and the problems that stop it."""

    sheets: list[RawSheet] = field(default_factory=list)
    skipped: list[SkippedSheet] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    resolved: str | None = None  # the real file when the path given was a symbolic link
    sha256: str | None = None  # of the very bytes that were read (None when the file could not be loaded)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _header_text(c: Any) -> str:
    if _blank(c):
        return ""
    return str(c)


def split_rows(file: str, sheet: str | None, rows: Iterable[tuple[int, list[Any]]],
               encoding: str | None = None) -> RawSheet | None:
    """First non-blank row is the header; the rest (non-blank) are data, padded to the header width."""
    it = iter(rows)
    header_no, header = None, None
    for n, r in it:
        if any(not _blank(c) for c in r):
            header_no, header = n, r
            break
    if header is None or header_no is None:
        return None
    headers = [_header_text(c) for c in header]
    while headers and headers[-1] == "":
        headers.pop()
    width = len(headers)
    data = []
    for n, r in it:
        for c in r:
            if c is not None and (not isinstance(c, str) or c.strip()):
                break
        else:
            continue
        if len(r) < width:
            r = list(r) + [None] * (width - len(r))
        data.append((n, r))
    return RawSheet(file, sheet, header_no, headers, data, encoding)


def _split(file: str, sheet: str | None, table: list[list[Any]], encoding: str | None = None) -> RawSheet | None:
    return split_rows(file, sheet, ((i + 1, list(r)) for i, r in enumerate(table)), encoding)


# ---------------------------------------------------------------- the file itself

_KINDS = ((stat.S_ISDIR, "是一个文件夹，不是文件"), (stat.S_ISFIFO, "是命名管道（FIFO），不是普通文件"),
          (stat.S_ISCHR, "是字符设备，不是普通文件"), (stat.S_ISBLK, "是块设备，不是普通文件"),
          (stat.S_ISSOCK, "是套接字，不是普通文件"))


def _not_regular(mode: int) -> str:
    for test, text in _KINDS:
        if test(mode):
            return text
    return "不是普通文件"


def load_bytes(path: Path, limits: ImportLimits) -> tuple[bytes | None, Issue | None, str | None]:
    """The file's bytes, or the Issue that refuses it: only regular files within the size limit are read.
    Returns (data, issue, resolved target when `path` is a symbolic link)."""
    name = path.name
    resolved = None
    try:
        if path.is_symlink():
            resolved = os.path.realpath(path)
        st = os.stat(path)  # follows links; never opens, so a FIFO cannot hang us
    except FileNotFoundError:
        if resolved:
            return None, Issue("file-not-found", name, detail=f"（链接指向的“{resolved}”不存在）"), resolved
        return None, Issue("file-not-found", name), None
    except OSError as e:
        return None, Issue("file-unreadable", name, detail=f"无法读取文件（{e.strerror or type(e).__name__}）"), resolved
    via = f"（它是指向“{resolved}”的链接）" if resolved else ""
    if not stat.S_ISREG(st.st_mode):
        return None, Issue("file-not-regular", name, detail=f"“{name}”{via}{_not_regular(st.st_mode)}，不予读取"), resolved
    cap = int(limits.max_file_mb * MB)
    if st.st_size > cap:
        return None, Issue("file-too-large", name, detail=f"文件大小 {st.st_size / MB:,.1f} MB{via}，超过上限 "
                                                          f"{limits.max_file_mb:g} MB（设置项 import.max_file_mb）"), resolved
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        return None, Issue("file-unreadable", name, detail=f"无法打开文件（{e.strerror or type(e).__name__}）"), resolved
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())  # the file opened is the file checked
        if not stat.S_ISREG(st.st_mode):
            return None, Issue("file-not-regular", name, detail=f"“{name}”{via}{_not_regular(st.st_mode)}，不予读取"), resolved
        data = fh.read(cap + 1)
    if len(data) > cap:
        return None, Issue("file-too-large", name, detail=f"文件{via}超过上限 {limits.max_file_mb:g} MB"
                                                          f"（设置项 import.max_file_mb）"), resolved
    return data, None, resolved


def read_source(path: Path, limits: ImportLimits | None = None) -> SourceRead:
    """Read one file within the limits: its data sheets, the sheets skipped, and the problems."""
    path = Path(path)
    limits = limits or import_limits()
    name = path.name
    data, issue, resolved = load_bytes(path, limits)
    if issue is not None or data is None:
        return SourceRead(issues=[issue] if issue else [], resolved=resolved)
    suffix = path.suffix.lower()
    if not data or data.isspace():  # (no copy of a large file, unlike data.strip())
        res = SourceRead(issues=[Issue("file-empty", name)])
    elif suffix in EXCEL_SUFFIXES:
        res = _read_excel(name, suffix, data, limits)
    elif suffix in CSV_SUFFIXES:
        res = _read_csv(name, data, limits)
    elif suffix in REFUSED_SUFFIXES:
        res = SourceRead(issues=[Issue("file-type", name,
                                       detail=f"不支持 {suffix} 格式（读取前无法限定其大小）：请用 Excel 或 WPS "
                                              f"另存为 .xlsx 后再导入")])
    else:
        res = SourceRead(issues=[Issue("file-type", name,
                                       detail=f"不支持扩展名“{path.suffix or '（无）'}”，请使用 .xlsx、.xls 或 .csv 文件")])
    res.resolved = resolved
    res.sha256 = hashlib.sha256(data).hexdigest()
    return res


def read_file(path: Path) -> tuple[list[RawSheet], list[Issue]]:
    """Read one file; return its data sheets and the problems that stop it from being read."""
    res = read_source(path)
    return res.sheets, res.issues


# ---------------------------------------------------------------- workbooks

def _unreadable(name: str, detail: str = "", **where) -> Issue:
    return Issue("file-unreadable", name, detail=detail or "不是有效的 Excel 工作簿，请用 Excel 或 WPS 另存为 .xlsx 后再导入",
                 **where)


def _read_excel(name: str, suffix: str, data: bytes, limits: ImportLimits) -> SourceRead:
    from .xlsx import Refused, check_zip, read_xlsx

    is_zip = data[:4] == ZIP_MAGIC
    if suffix in (".xlsx", ".xlsm") and is_zip:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                wb = read_xlsx(zf, limits, HELP_SHEETS)
        except Refused as r:
            return SourceRead(issues=[Issue(r.kind, name, sheet=r.sheet, row=r.row, cell=r.cell, detail=r.detail)])
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, KeyError) as e:
            return SourceRead(issues=[_unreadable(name, f"不是有效的 Excel 工作簿（{type(e).__name__}），"
                                                        f"请用 Excel 或 WPS 另存为 .xlsx 后再导入")])
        res = SourceRead(skipped=[SkippedSheet(s.name, s.reason) for s in wb.skipped])
        for s in wb.sheets:
            raw = split_rows(name, s.name, s.rows)
            if raw is not None:
                res.sheets.append(raw)
        if not res.sheets:
            res.issues.append(Issue("file-empty", name))
        return res
    if is_zip:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                check_zip(zf, limits)
        except Refused as r:
            return SourceRead(issues=[Issue(r.kind, name, detail=r.detail)])
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as e:
            return SourceRead(issues=[_unreadable(name, f"不是有效的 Excel 工作簿（{type(e).__name__}），"
                                                        f"请用 Excel 或 WPS 另存为 .xlsx 后再导入")])
    elif data[:8] != OLE_MAGIC:
        return SourceRead(issues=[_unreadable(name)])
    return _read_calamine(name, data, limits)


def _read_calamine(name: str, data: bytes, limits: ImportLimits) -> SourceRead:
    """.xls / .xlsb / .ods (and an .xls saved under an .xlsx name) through python-calamine."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as e:  # calamine raises several error types for corrupt input
        return SourceRead(issues=[_unreadable(name, f"不是有效的 Excel 工作簿（{type(e).__name__}），"
                                                    f"请用 Excel 或 WPS 另存为 .xlsx 后再导入")])
    res = SourceRead()
    for meta in wb.sheets_metadata:
        sheet_name = meta.name
        if meta.visible != SheetVisibleEnum.Visible:
            hidden = "very-hidden" if meta.visible == SheetVisibleEnum.VeryHidden else "hidden"
            res.skipped.append(SkippedSheet(sheet_name, hidden))
            continue
        if sheet_name.strip() in HELP_SHEETS:
            res.skipped.append(SkippedSheet(sheet_name, "help"))
            continue
        try:
            table = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        except Exception as e:
            return SourceRead(issues=[_unreadable(name, f"工作表无法读取（{type(e).__name__}）", sheet=sheet_name)])
        if len(table) > limits.max_rows or any(len(r) > limits.max_columns for r in table[:1]):
            return SourceRead(issues=[Issue("sheet-too-large", name, sheet=sheet_name,
                                            detail=f"工作表“{sheet_name}”有 {len(table):,} 行 × {len(table[0]) if table else 0} 列，"
                                                   f"超过上限 {limits.max_rows:,} 行 × {limits.max_columns} 列"
                                                   f"（设置项 import.max_rows、import.max_columns）")])
        raw = _split(name, sheet_name, table)
        if raw is not None:
            res.sheets.append(raw)
    if not res.sheets:
        res.issues.append(Issue("file-empty", name))
    return res


# ---------------------------------------------------------------- csv

ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-bom": "UTF-8（带 BOM）", "gb18030": "GBK/GB18030"}


def decode_text(data: bytes) -> tuple[str, str] | None:
    """Decode CSV bytes: UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK)."""
    if b"\x00" in data:
        return None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc), ("utf-8" if enc == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf")
                                      else "utf-8-bom" if enc == "utf-8-sig" else "gb18030")
        except UnicodeDecodeError:
            continue
    return None


def mixed_encoding(data: bytes) -> tuple[int, str, str] | None:
    """(line number, encoding of the file's first non-ASCII line, encoding of that line) when the file is
    not valid UTF-8 but some lines are: GB18030 decodes almost any bytes, so the mix is found line by line."""
    first: str | None = None
    for n, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            kind = "utf-8"
        except UnicodeDecodeError:
            kind = "gb18030"
        if first is None:
            first = kind
        elif kind != first:
            return n, first, kind
    return None


def _read_csv(name: str, data: bytes, limits: ImportLimits) -> SourceRead:
    if data[:4] == ZIP_MAGIC or data[:8] == OLE_MAGIC:
        return SourceRead(issues=[Issue("file-type", name, detail="文件内容是 Excel 工作簿，但扩展名是 .csv；请改回 .xlsx 后导入")])
    decoded = decode_text(data)
    if decoded is not None and decoded[1] == "gb18030":
        mix = mixed_encoding(data)
        if mix is not None:
            n, enc, other = mix
            return SourceRead(issues=[Issue("file-mixed-encoding", name, row=n,
                                            detail=f"文件前面的行是 {ENCODING_NAMES[enc]} 编码，第 {n} 行却是 "
                                                   f"{ENCODING_NAMES[other]} 编码")])
    if decoded is None:
        return SourceRead(issues=[Issue("file-encoding", name,
                                        detail="不是文本文件，或编码既不是 UTF-8 也不是 GBK/GB18030；请在 Excel 中另存为“CSV UTF-8”")])
    text, encoding = decoded
    nl = text.find("\n")
    first = text[: nl if nl >= 0 else min(len(text), 1 << 16)]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    old = csv.field_size_limit()
    csv.field_size_limit(limits.max_cell_chars)
    table: list[list[str]] = []
    cells = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            if len(row) > limits.max_columns:
                return SourceRead(issues=[Issue("sheet-too-large", name, row=reader.line_num,
                                                detail=f"第 {reader.line_num} 行有 {len(row):,} 列，超过列数上限 "
                                                       f"{limits.max_columns} 列（设置项 import.max_columns），不予读取")])
            table.append(row)
            cells += len(row)
            if len(table) > limits.max_rows or cells > limits.max_cells:
                return SourceRead(issues=[Issue("sheet-too-large", name, row=reader.line_num,
                                                detail=f"文件超过 {limits.max_rows:,} 行或 {limits.max_cells:,} 个单元格"
                                                       f"（设置项 import.max_rows、import.max_cells），不予读取")])
    except csv.Error as e:
        if "field larger than field limit" in str(e):
            return SourceRead(issues=[Issue("cell-too-long", name, row=reader.line_num,
                                            detail=f"第 {reader.line_num} 行附近有一个字段超过 {limits.max_cell_chars:,} 个字符"
                                                   f"（设置项 import.max_cell_chars），不予读取")])
        return SourceRead(issues=[Issue("file-unreadable", name, row=reader.line_num,
                                        detail=f"CSV 格式错误（第 {reader.line_num} 行）：{e}")])
    finally:
        csv.field_size_limit(old)
    raw = _split(name, None, table, encoding)
    if raw is None:
        return SourceRead(issues=[Issue("file-empty", name)])
    return SourceRead(sheets=[raw])


__all__ = ["RawSheet", "SkippedSheet", "SourceRead", "read_file", "read_source", "load_bytes", "decode_text",
           "mixed_encoding", "split_rows"]
