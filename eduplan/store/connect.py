"""Opening a store file: waiting briefly for another process's lock, and saying in Chinese who holds it.

DuckDB lets many processes read a file at once, or one process write it. When the file is held,
DuckDB's error names the holder's PID; `lock_message` adds what that process is (from /proc) and
what to do. `EDUPLAN_LOCK_WAIT` (seconds, default 5) is how long an open retries before giving up.

Each file connection is given a memory budget (`EDUPLAN_MEMORY_LIMIT`, default 2GB; `off`: DuckDB's own
default, 80 % of RAM): past it DuckDB spills hash tables and sorts to its temp directory instead of growing —
a query runs slower rather than fail (a result, which cannot spill, may still pass it: the indicator engine
then reruns its statement without the budget). A read-only connection spills to a directory of its own under the
system temp folder (DuckDB's default, `<file>.tmp`, sits beside the file, which a reader may not be allowed to
write); DuckDB creates it only when it spills and removes it on close.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
import time
from pathlib import Path

import duckdb

from ..errors import StoreError, StoreLocked, first_line, os_error_text

DEFAULT_LOCK_WAIT = 5.0
DEFAULT_MEMORY_LIMIT = "2GB"  # all indicators at 16× the city: 2.5 GB peak instead of 3.8; ~1.5 s more of 7.5
_TEMP = itertools.count()
_PID = re.compile(r"\(PID (\d+)\)")
_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID")


def lock_wait() -> float:
    try:
        return max(0.0, float(os.environ.get("EDUPLAN_LOCK_WAIT", DEFAULT_LOCK_WAIT)))
    except ValueError:
        return DEFAULT_LOCK_WAIT


def memory_limit() -> str | None:
    """DuckDB's memory_limit for a store connection (None: DuckDB's default)."""
    value = os.environ.get("EDUPLAN_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT).strip()
    return None if value.lower() in ("", "off", "none", "0") else value


def apply_memory_limit(con: duckdb.DuckDBPyConnection) -> None:
    """Set the connection's memory budget (EDUPLAN_MEMORY_LIMIT) — on opening, and again after the indicator
    engine has run a statement without it. A value DuckDB cannot read is a StoreError."""
    limit = memory_limit()
    if limit is not None:
        try:
            con.execute(f"SET memory_limit = '{limit.replace(chr(39), '')}'").fetchall()
        except duckdb.Error as e:
            raise StoreError(f"环境变量 EDUPLAN_MEMORY_LIMIT 的值“{limit}”不是内存大小（应如 2GB、512MB，或 off 表示不限）："
                             f"{first_line(e)}") from None


def configure(con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
    """The memory budget and, for a reader, a writable spill directory (module docstring)."""
    try:
        apply_memory_limit(con)
    except StoreError:
        con.close()
        raise
    if read_only:
        uid = os.getuid() if hasattr(os, "getuid") else 0
        spill = Path(tempfile.gettempdir()) / f"eduplan-spill-{uid}-{os.getpid()}-{next(_TEMP)}"
        con.execute(f"SET temp_directory = '{str(spill).replace(chr(39), chr(39) * 2)}'").fetchall()


def is_lock_error(e: BaseException) -> bool:
    text = str(e)
    return "Could not set lock" in text or "Conflicting lock" in text


def process_description(pid: int) -> str:
    """“进程 1234（eduplan import a.xlsx，用户 root）” from /proc; just the PID where /proc is not there."""
    proc = Path("/proc") / str(pid)
    parts = []
    try:
        cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        if cmd:
            parts.append(cmd if len(cmd) <= 160 else cmd[:157] + "…")
        else:
            parts.append((proc / "comm").read_text().strip())
    except OSError:
        pass
    try:
        uid = proc.stat().st_uid
        import pwd

        parts.append(f"用户 {pwd.getpwuid(uid).pw_name}")
    except (OSError, KeyError, ImportError):
        pass
    return f"进程 {pid}" + (f"（{'，'.join(parts)}）" if parts else "")


def is_web_server(pid: int) -> bool:
    """Whether process `pid` is `eduplan serve` (from /proc; False where that cannot be read)."""
    try:
        args = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"serve" in args and any(a.endswith(b"eduplan") or b"eduplan.cli" in a or b"eduplan" in a for a in args)


def lock_message(path: Path, e: BaseException, read_only: bool) -> str:
    text = str(e)
    m = _PID.search(text)
    pid = int(m.group(1)) if m else None
    if pid is not None:
        holder = process_description(pid)
        if pid == os.getpid():
            holder += "——即本程序自身的另一个连接"
    else:
        h = _HOLDER.search(text)
        holder = f"另一个程序（{h.group(1)}）" if h else "另一个程序"
    # DuckDB adds "you would be able to open this database in read-only mode" when the holder only reads
    if "read-only mode" in text:
        what = "它正在读取数据库（如报表或 db status），写入须等所有读取结束"
    else:
        what = "它以写入方式打开了数据库，期间其他程序既不能写入也不能读取"
    kill = f"（kill {pid}）" if pid is not None else ""
    if pid is not None and pid != os.getpid() and is_web_server(pid):
        return (f"数据库“{path}”正由网页服务（eduplan serve，进程 {pid}）使用：服务运行期间独占数据库，其他命令不能同时打开它。"
                f"导入、撤销、查看报表请在网页上操作；要运行此命令，请先停止网页服务（在其窗口按 Ctrl+C，或 kill {pid}），完成后再启动。")
    return (f"数据库“{path}”正被{holder}占用：{what}。请等它结束后重试（等待秒数可用环境变量 EDUPLAN_LOCK_WAIT 设置，"
            f"默认 {DEFAULT_LOCK_WAIT:g} 秒）；如果该进程已无响应（例如被遗忘的窗口或卡住的任务），结束它{kill}后重试。")


def connect(path: Path, read_only: bool, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open `path`, retrying for up to `wait` seconds while another process holds it."""
    wait = lock_wait() if wait is None else wait
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as e:
            if is_lock_error(e):
                if time.monotonic() + delay <= deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 0.5)
                    continue
                raise StoreLocked(lock_message(path, e, read_only)) from None
            if "not a valid DuckDB database" in str(e) or "not a DuckDB" in str(e):
                raise StoreError(f"文件“{path}”不是 eduplan 数据库（DuckDB 文件）：{first_line(e)}。"
                                 "请检查 --db 指向的文件") from None
            raise StoreError(os_error_text(e, f"打开数据库文件“{path}”")) from None
        configure(con, read_only)
        return con
