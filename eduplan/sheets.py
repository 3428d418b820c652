"""The one way eduplan writes an output file, and every workbook cell in it.

`output_file(path)` checks the destination (its folder can be created and written, it is not a
folder itself), hands out a temporary file in the same folder, and moves it into place only when
the writing finished — an unwritable path gives an `OutputError` with a Chinese message naming the
path and the cause, and nothing is left behind (`check_output(path)` runs the same checks up
front). `workbook(path)` does the same for an xlsxwriter workbook whose strings are never
interpreted (no formulas, no links, no numbers parsed from text), and `put` / `put_row` write one
cell by its Python type: text always as text. `write_sheet` is the plain data sheet every forwarded
list shares (bold header row, widths, frozen header, autofilter).

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


def write_sheet(wb, name: str, headers: list[str], rows: list[list[Any]], widths: list[int] | None = None,
                header_colour: str = "#DDEBF7") -> Any:
    """A data sheet: bold coloured header row, column widths, one `put` per cell, frozen header, autofilter."""
    ws = add_sheet(wb, name)
    head = wb.add_format({"bold": True, "bg_color": header_colour, "border": 1, "text_wrap": True})
    for j, h in enumerate(headers):
        ws.write_string(0, j, h, head)
        width = widths[j] if widths and j < len(widths) else max(10, min(60, len(h) * 2 + 4))
        ws.set_column(j, j, width)
    for i, row in enumerate(rows, start=1):
        put_row(ws, i, 0, row)
    ws.freeze_panes(1, 0)
    if rows:
        ws.autofilter(0, 0, len(rows), len(headers) - 1)
    return ws
