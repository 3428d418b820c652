"""Opening the store for a report: read-only, and refused with a clear message when it holds no data.

A report on an empty store would print nothing or fail deep inside an engine; this says what is missing
and what to do instead. Used by every reporting command.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..store import Store


@contextmanager
def reading(db: Path, need: tuple[str, ...] = ("school",), year: int | None = None) -> Iterator[Store]:
    """The store at `db`, read-only; StoreError (Chinese) when a table in `need` has no rows, or (with
    `year`) when the store holds nothing of that year."""
    with Store(db, read_only=True) as store:
        store.require_data(need, year=year)
        yield store
