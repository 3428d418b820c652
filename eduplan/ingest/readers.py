"""Read xlsx/xls/ods (python-calamine) and csv (UTF-8, UTF-8 with BOM, GBK/GB18030) into raw sheets.

A RawSheet is the header row plus data rows, each row tagged with the row number the user sees in
the spreadsheet (header = row 1 when it is the first row). Nothing here knows the data model; a file
that cannot be read becomes an Issue, never an exception.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from .report import Issue

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
# Sheets a template carries for people, not data.
HELP_SHEETS = {"填写说明", "代码表", "说明"}


@dataclass
class RawSheet:
    file: str  # file name as shown to the user
    sheet: str | None  # None for csv
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number, cells)
    encoding: str | None = None


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _split(file: str, sheet: str | None, table: list[list[Any]], encoding: str | None = None) -> RawSheet | None:
    """First non-blank row is the header; the rest (non-blank) are data."""
    header_idx = next((i for i, r in enumerate(table) if any(not _blank(c) for c in r)), None)
    if header_idx is None:
        return None
    headers = ["" if _blank(c) else str(c) for c in table[header_idx]]
    while headers and headers[-1] == "":
        headers.pop()
    rows = []
    for i in range(header_idx + 1, len(table)):
        r = list(table[i])
        if all(_blank(c) for c in r):
            continue
        rows.append((i + 1, r + [None] * max(0, len(headers) - len(r))))
    return RawSheet(file, sheet, header_idx + 1, headers, rows, encoding)


def read_file(path: Path) -> tuple[list[RawSheet], list[Issue]]:
    """Read one file; return its data sheets and the problems that stop it from being read."""
    name = path.name
    if not path.exists():
        return [], [Issue("file-not-found", name)]
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if not data.strip():
        return [], [Issue("file-empty", name)]
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, data)
    if suffix in CSV_SUFFIXES:
        return _read_csv(name, data)
    return [], [Issue("file-type", name, detail=f"不支持扩展名“{path.suffix or '（无）'}”，请使用 .xlsx、.xls 或 .csv 文件")]


def _read_excel(path: Path, data: bytes) -> tuple[list[RawSheet], list[Issue]]:
    name = path.name
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as e:  # calamine raises several error types for corrupt input
        return [], [Issue("file-unreadable", name,
                          detail=f"不是有效的 Excel 工作簿（{type(e).__name__}），请用 Excel 或 WPS 另存为 .xlsx 后再导入")]
    sheets: list[RawSheet] = []
    for sheet_name in wb.sheet_names:
        if sheet_name.strip() in HELP_SHEETS:
            continue
        try:
            table = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        except Exception as e:
            return [], [Issue("file-unreadable", name, sheet=sheet_name, detail=f"工作表无法读取（{type(e).__name__}）")]
        raw = _split(name, sheet_name, table)
        if raw is not None:
            sheets.append(raw)
    if not sheets:
        return [], [Issue("file-empty", name)]
    return sheets, []


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


def _read_csv(name: str, data: bytes) -> tuple[list[RawSheet], list[Issue]]:
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return [], [Issue("file-type", name, detail="文件内容是 Excel 工作簿，但扩展名是 .csv；请改回 .xlsx 后导入")]
    decoded = decode_text(data)
    if decoded is None:
        return [], [Issue("file-encoding", name,
                          detail="不是文本文件，或编码既不是 UTF-8 也不是 GBK/GB18030；请在 Excel 中另存为“CSV UTF-8”")]
    text, encoding = decoded
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        table = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)]
    except csv.Error as e:
        return [], [Issue("file-unreadable", name, detail=f"CSV 格式错误：{e}")]
    raw = _split(name, None, table, encoding)
    if raw is None:
        return [], [Issue("file-empty", name)]
    return [raw], []
