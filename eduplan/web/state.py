"""The server's hold on the store and its cache of computed results.

The server owns the DuckDB file: it opens it read-write once, for its whole life (a CLI command run against
it meanwhile is told so by the store's lock message). One DuckDB connection is not safe for concurrent use,
so every use goes through `reading()` / `writing()`, which serialise on one lock. Computed results (indicator
reports, 优质均衡 results, forecasts…) are cached per data version — the latest batch and plan binding — so
that a page recomputes only after an import, an undo or a new plan, and never per request otherwise.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from ..settings import load_section
from ..store import Store
from .settings import WebSettings

T = TypeVar("T")

PENDING: ContextVar[bool] = ContextVar("eduplan_pending", default=False)  # this request's figures 含待审核数据
PENDING_COOKIE = "eduplan_pending"
PENDING_ROLES = frozenset({"admin", "staff", "inspector"})
_PUBLIC_PATHS = ("/api/v1/public", "/login", "/static/")


def pending_applies(path: str, role: str | None) -> bool:
    """May the 含待审核数据 switch apply to this request? Bureau roles only, never the public pages."""
    return role in PENDING_ROLES and path != "/" and not path.startswith(_PUBLIC_PATHS)


class WebState:
    """The open store, its lock, the data version and the result cache of one running application."""

    def __init__(self, db: str | Path, settings: WebSettings | None = None):
        self.db = Path(db)
        self.settings = settings or load_section("web", WebSettings)
        self._lock = threading.RLock()
        self._cache_lock = threading.Lock()
        self._store: Store | None = None
        self._version = ""
        self._pending = ("", 0)  # (version, count) of the collection's pending submissions
        self._overlay = threading.local()  # inside a pending overlay on this thread
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.started = time.time()

    # -- lifecycle
    def open(self) -> None:
        if self._store is None:
            self._store = Store(self.db)  # read-write: migrates an older store, holds the file
            self._refresh_version()

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the store is not open (WebState.open)")
        return self._store

    # -- access
    @contextmanager
    def reading(self) -> Iterator[Store]:
        """The store, for reads (and small writes that change no data: sessions, audit rows)."""
        with self._lock:
            yield self.store

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """The store, for a write that may change data (import, undo, judgement, plan): afterwards the data
        version is read again, so every cached result of the previous version is dropped."""
        with self._lock:
            try:
                yield self.store
            finally:
                self._refresh_version()

    def _refresh_version(self) -> None:
        s = self.store
        batch = s.one("SELECT coalesce(max(batch_id), 0) FROM import_batch")[0]
        plan = s.one("SELECT coalesce(max(binding_id), 0) FROM plan_binding")[0]
        version = f"批次 {batch} · 规划 {plan}"  # shown in every page's footer
        from ..collection.overlay import pending_state

        self._pending = pending_state(s)
        with self._cache_lock:
            if version != self._version:
                self._version = version
                self._cache.clear()

    def version(self) -> str:
        """The data version the cached results belong to: “批次 16 · 规划 1” (the latest import batch and plan binding)."""
        return self._version

    def pending_count(self) -> int:
        """The number of submissions waiting for review (as of the last write)."""
        return self._pending[1]

    # -- the result cache
    def cached(self, key: tuple, compute: Callable[[Store], T]) -> T:
        """`compute(store)` once per (data version, key); later calls with the same key return the same object
        (treat it as read-only). The cache keeps the `cache_entries` most recently used results. When this
        request's figures are 含待审核数据 (`PENDING`), the result is computed with the pending submissions applied
        and kept under its own key."""
        if PENDING.get():
            key = ("含待审核", self._pending[0], *key)
            inner = compute

            def compute(store: Store) -> T:  # noqa: F811 - the same computation, on the store with pending data
                if getattr(self._overlay, "on", False):
                    return inner(store)  # (a result computed inside another one's overlay)
                from ..collection import pending_overlay

                self._overlay.on = True
                try:
                    with pending_overlay(store):
                        return inner(store)
                finally:
                    self._overlay.on = False
        with self._cache_lock:
            full = (self._version, *key)
            if full in self._cache:
                self._cache.move_to_end(full)
                self.hits += 1
                return self._cache[full]
        with self._lock:  # one computation at a time on the one connection
            with self._cache_lock:
                full = (self._version, *key)
                if full in self._cache:  # computed by another request while this one waited
                    self._cache.move_to_end(full)
                    self.hits += 1
                    return self._cache[full]
            value = compute(self.store)
            with self._cache_lock:
                self.misses += 1
                self._cache[(self._version, *key)] = value
                while len(self._cache) > self.settings.cache_entries:
                    self._cache.popitem(last=False)
            return value
