"""Opening the store for a report: read-only, and refused with a clear message when it holds no data.

A report on an empty store would print nothing or fail deep inside an engine; this says what is missing
and what to do instead. Used by every reporting command.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import StoreError
from ..model import TABLES_BY_NAME
from ..store import Store


@contextmanager
def reading(db: Path, need: tuple[str, ...] = ("school",)) -> Iterator[Store]:
    """The store at `db`, read-only; StoreError (Chinese) when a table in `need` has no rows."""
    with Store(db, read_only=True) as store:
        empty = [t for t in need if store.one(f'SELECT count(*) FROM "{t}"')[0] == 0]
        if empty:
            names = "、".join(f"“{TABLES_BY_NAME[t].label}”" for t in empty)
            raise StoreError(f"数据库“{db}”中还没有{names}数据，无法计算；请先导入数据"
                             f"（eduplan import 文件…），或运行 eduplan demo 生成示范区")
        yield store
