"""Opening the store for a report: read-only, refused with a clear message when it holds no data, and
resolved to the district(s), plan(s) and year the report is about.

A report on an empty store would print nothing or fail deep inside an engine; this says what is missing
and what to do instead. `scoped` also says (on stderr) which year it chose when --year was not given
and which plan each district is judged by. Used by every reporting command.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..plan.scope import Scope, resolve_year, scopes
from ..store import Store
from .common import err, safe


@contextmanager
def reading(db: Path, need: tuple[str, ...] = ("school",), year: int | None = None) -> Iterator[Store]:
    """The store at `db`, read-only; StoreError (Chinese) when a table in `need` has no rows, or (with
    `year`) when the store holds nothing of that year."""
    with Store(db, read_only=True) as store:
        store.require_data(need, year=year)
        yield store


@dataclass
class Scoped:
    store: Store
    scopes: list[Scope]
    year: int | None

    @property
    def scope(self) -> Scope:
        return self.scopes[0]


@contextmanager
def scoped(db: Path, district: str | None, plan: Path | None, year: int | None = None, *,
           need: tuple[str, ...] = ("school",), several: bool = False, with_year: bool = True,
           quiet: bool = False) -> Iterator[Scoped]:
    """The store read-only with the districts the command works on (one, or with `several` every one when
    none is named), each with its plan, and the year (the latest with data when not given; said on
    stderr unless `quiet`)."""
    with Store(db, read_only=True) as store:
        store.require_data(need)
        found = scopes(store, district, plan, several)
        chosen = None
        if with_year:
            chosen, note = resolve_year(store, year, found[0].district_code if len(found) == 1 else None)
            store.require_data(need, year=chosen)
            if note and not quiet:
                err.print(safe(note), soft_wrap=True)
        if not quiet:
            for s in found:  # one line each (a file name is never broken by the console; a terminal wraps it)
                err.print(safe(s.plan_text()), soft_wrap=True)
        yield Scoped(store, found, chosen)
