"""Exceptions shared by all packages. Each carries a Chinese message a user can act on.

`os_error_text` turns an operating-system error (disk full, no permission, read-only file system…)
into the Chinese cause a user can act on; the store and the CLI both use it.
"""

from __future__ import annotations

import errno


class EduplanError(Exception):
    """Base class: the CLI prints the message (no traceback) and exits non-zero."""


class StoreError(EduplanError):
    """The database file cannot be opened or is not an eduplan store."""


class StoreOutdated(StoreError):
    """The store was written by an older eduplan and must be upgraded before it is read."""


class StoreLocked(StoreError):
    """Another process holds the store."""


class WriteFailed(StoreError):
    """A write to the store failed; nothing was changed."""


class UndoRefused(StoreError):
    """An undo would conflict with later batches or leave dangling references."""


class PlanError(EduplanError):
    """A plan file cannot be read or does not match the plan schema."""


class UnknownTable(EduplanError):
    """No source table has this name or label."""


# errno -> (Chinese cause, what to do)
_OS_CAUSES: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("磁盘空间不足", "请清理磁盘空间（或换到空间充足的磁盘）后重试"),
    errno.EDQUOT: ("超出磁盘配额", "请清理文件或请管理员提高配额后重试"),
    errno.EFBIG: ("文件超过了系统允许的大小（ulimit -f）", "请提高文件大小限制后重试"),
    errno.EROFS: ("文件系统是只读的", "请把数据库放到可写的目录（--db）后重试"),
    errno.EACCES: ("没有写入权限", "请检查文件和所在目录的权限，或换一个可写的位置"),
    errno.EPERM: ("操作不被允许", "请检查文件和所在目录的权限，或换一个可写的位置"),
    errno.ENOENT: ("文件或目录不存在", "请检查路径"),
    errno.ENOTDIR: ("路径中有一段不是目录", "请检查路径"),
    errno.EISDIR: ("这是一个目录，不是文件", "请给出文件路径"),
    errno.EIO: ("磁盘读写错误（硬件或网络盘故障）", "请检查磁盘后重试"),
}

# fragments of OS error texts as DuckDB reports them (it gives the text, not the errno)
_TEXT_CAUSES: tuple[tuple[str, int], ...] = (
    ("no space left on device", errno.ENOSPC),
    ("disk quota exceeded", errno.EDQUOT),
    ("file too large", errno.EFBIG),
    ("read-only file system", errno.EROFS),
    ("permission denied", errno.EACCES),
    ("operation not permitted", errno.EPERM),
    ("no such file or directory", errno.ENOENT),
    ("input/output error", errno.EIO),
)


def os_cause(e: BaseException) -> tuple[str, str] | None:
    """(Chinese cause, what to do) for an OS-level failure, from its errno or its text; None if unknown."""
    code = getattr(e, "errno", None)
    if code in _OS_CAUSES:
        return _OS_CAUSES[code]
    text = str(e).lower()
    for fragment, code in _TEXT_CAUSES:
        if fragment in text:
            return _OS_CAUSES[code]
    return None


def os_error_text(e: BaseException, action: str) -> str:
    """“<action>失败：<cause>（<original text>）。<what to do>” — the cause first, the original kept."""
    original = first_line(e)
    cause = os_cause(e)
    if cause is None:
        return f"{action}失败：{original}"
    return f"{action}失败：{cause[0]}（{original}）。{cause[1]}"


def first_line(e: BaseException) -> str:
    """The first line of an exception's text (DuckDB appends hints and URLs on further lines)."""
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0]
