"""Compiled SQL kept between runs, for the analyses that write their queries in Ibis (the indicator engine,
the 优质均衡 coefficient series): building and compiling an Ibis expression costs seconds, running its SQL text
on DuckDB almost nothing, so the text is kept — in the caller's process and in one folder on disk — keyed by
everything it depends on (the caller's key; `compiler_versions()` is part of every key). Only SQL text, never
data. Light on purpose: a fresh process reads its queries without importing Ibis, pandas or numpy.

The folder: `EDUPLAN_CACHE_DIR`/sql (`off`, `none`, `0` or empty: memory only), else ~/.cache/eduplan/sql
(XDG_CACHE_HOME respected). Files are written atomically; past MAX_FILES the least recently written go (only
after a write, never on the read path); an absent, unreadable or damaged file is compiled again."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

CACHE_ENV = "EDUPLAN_CACHE_DIR"
MAX_FILES = 2000  # compiled queries kept on disk (a store and settings need about 60; older versions' go)
_VERSIONS: list[str] = []


def cache_dir() -> Path | None:
    """Where compiled SQL is kept between runs (None: not on disk)."""
    env = os.environ.get(CACHE_ENV)
    if env is not None and env.strip().lower() in ("", "none", "off", "0"):
        return None
    if env:
        return Path(env) / "sql"
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except (KeyError, RuntimeError):  # no home directory: compile in memory only
        return None
    return Path(base) / "eduplan" / "sql"


def path_for(key: str, prefix: str = "") -> Path | None:
    """The file of one compiled query (None when the cache is in memory only)."""
    folder = cache_dir()
    return None if folder is None else folder / f"{prefix}{key}.json"


def compiler_versions() -> str:
    """The versions of the compilers a query's SQL text depends on (Ibis, sqlglot, DuckDB)."""
    if not _VERSIONS:
        from importlib.metadata import PackageNotFoundError, version

        parts = []
        for pkg in ("ibis-framework", "sqlglot", "duckdb"):
            try:
                parts.append(f"{pkg}={version(pkg)}")
            except PackageNotFoundError:
                parts.append(f"{pkg}=?")
        _VERSIONS.append(";".join(parts))
    return _VERSIONS[0]


def read(path: Path | None) -> dict[str, Any] | None:
    """The stored document (a dict with at least "sql"), None when there is none or it is damaged."""
    if path is None:
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and isinstance(doc.get("sql"), str) else None


def write(path: Path | None, doc: dict[str, Any]) -> None:
    """Store `doc` ({"sql": …, "what": …, …}) atomically, then keep the folder bounded."""
    if path is None:
        return
    try:  # atomic: a reader sees the whole file or none
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        _prune(path.parent)
    except OSError:
        pass  # a read-only or full cache directory only costs the compile next time


def _prune(folder: Path) -> None:
    files = list(folder.glob("*.json"))
    if len(files) <= MAX_FILES:
        return
    files.sort(key=lambda f: f.stat().st_mtime)
    for f in files[:len(files) - MAX_FILES]:
        f.unlink(missing_ok=True)
