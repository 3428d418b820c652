"""Write the demo district's source files and import them through eduplan.ingest, into the demo's own store.

The demo never writes into a store that holds data it did not make: `build_demo_store` refuses a store
with batches of any other origin (naming them), and `fresh=True` builds into a new file next to the
target that replaces it only when complete, so a demo killed midway leaves the previous store intact.
"""

from __future__ import annotations

import inspect
import os
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from ..errors import StoreError
from ..ingest import ImportReport, import_files, write_csv, write_workbook
from ..model import TABLES
from ..store import Store

DEMO_USER = "示范区（eduplan demo）"  # the user recorded on the demo's import batches

# The population file comes as a GB18030 CSV, as statistics bureaus' systems export it; the rest as
# filled-in xlsx templates.
CSV_TABLES = {"population": "gb18030"}
FIXED_DATE = datetime(2026, 1, 1)


def _file_for(folder: Path, t) -> Path:
    return Path(folder) / (f"{t.label}.csv" if t.name in CSV_TABLES else f"{t.label}.xlsx")


def source_files(folder: Path) -> list[Path]:
    """The demo's source files present in `folder`, in dependency order."""
    return [p for t in TABLES if (p := _file_for(folder, t)).exists()]


def write_sources(data: dict[str, list[dict[str, Any]]], folder: Path,
                  progress: Callable[[str], None] | None = None) -> list[Path]:
    """One file per table, named after the table's Chinese label; same data → same bytes."""
    paths = []
    for t in TABLES:
        rows = data.get(t.name, [])
        if not rows:
            continue
        path = _file_for(folder, t)
        if progress:
            progress(path.name)
        if t.name in CSV_TABLES:
            write_csv(t, path, rows, encoding=CSV_TABLES[t.name])
        else:
            write_workbook(t, path, rows, created=FIXED_DATE)
        paths.append(path)
    return paths


# Further row builders (table -> rows) added by later capabilities, merged into the district's rows.
EXTRA_BUILDERS: list[str] = [  # "module:function", imported lazily
    "eduplan.demo.places:demo_places", "eduplan.demo.balance_judgements:demo_judgements"]


def build(seed: int) -> dict[str, list[dict[str, Any]]]:
    import importlib

    from .district import build_district

    data = build_district(seed=seed)
    for spec in EXTRA_BUILDERS:
        module, func = spec.split(":")
        for table, rows in getattr(importlib.import_module(module), func)(data, seed).items():
            data.setdefault(table, []).extend(rows)
    return data


def run_demo(store: Store, folder: Path, seed: int, user: str | None = None,
             step: Callable[[str], None] | None = None,
             import_progress: Callable[[str, int, int], None] | None = None) -> ImportReport:
    """Bind the shipped plan to the demo district, build its source files into `folder` and import them
    into `store` as demo batches."""
    from ..plan.binding import use_plan
    from ..plan.loader import DEFAULT_PLAN

    if step:
        step("绑定规划")
    use_plan(store, DEFAULT_PLAN.removesuffix(".yaml"), user or DEMO_USER)
    if step:
        step("生成示范区数据")
    data = build(seed)
    paths = write_sources(data, folder, progress=(lambda name: step(f"写出 {name}")) if step else None)
    if step:
        step("导入源文件")
    kw: dict[str, Any] = {}
    if "kind" in inspect.signature(import_files).parameters:
        kw["kind"] = "demo"
    return import_files(store, paths, user=user or DEMO_USER, progress=import_progress, **kw)


def foreign_batches(store: Store) -> list[dict[str, Any]]:
    """The store's import batches that the demo did not make."""
    return [b for b in store.batches()
            if (b.get("kind") or "import") != "demo" and b.get("user_name") != DEMO_USER]


def _refuse_foreign(db: Path) -> None:
    if not db.exists():
        return
    with Store(db, read_only=True) as store:
        foreign = foreign_batches(store)
    if foreign:
        named = "；".join(f"批次 {b['batch_id']}（{b['file_name']}，{b['user_name']}）" for b in foreign[:5])
        more = f" 等 {len(foreign)} 个批次" if len(foreign) > 5 else ""
        raise StoreError(f"数据库“{db}”中有不是示范区写入的数据：{named}{more}。示范区不会写入或替换这样的库；"
                         f"请用 --db 指定示范区自己的文件（默认 out/demo.duckdb）")


def build_demo_store(db: Path, folder: Path, seed: int, fresh: bool = False,
                     step: Callable[[str], None] | None = None,
                     import_progress: Callable[[str, int, int], None] | None = None) -> ImportReport:
    """Import the demo into `db`. Refuses a store holding non-demo batches. With `fresh`, the demo is
    built into a new file beside `db` that replaces it only when the import succeeded."""
    db = Path(db)
    _refuse_foreign(db)
    if not fresh:
        with Store(db) as store:
            return run_demo(store, folder, seed, step=step, import_progress=import_progress)
    db.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(db)
    partial = db.with_name(f".{db.name}.building-{os.getpid()}")
    try:
        with Store(partial) as store:
            report = run_demo(store, folder, seed, step=step, import_progress=import_progress)
        if not report.ok:
            return report
        if db.with_name(db.name + ".wal").exists():
            Store(db).close()  # opening and closing checkpoints a left-over WAL into the file it belongs to
        os.replace(partial, db)
        return report
    finally:
        for p in (partial, partial.with_name(partial.name + ".wal")):
            p.unlink(missing_ok=True)


def _remove_stale(db: Path) -> None:
    """Remove partial demo files left by a demo that was killed (its process no longer runs)."""
    for p in db.parent.glob(f".{db.name}.building-*"):
        pid = p.name.rsplit("-", 1)[-1].removesuffix(".wal")
        try:
            os.kill(int(pid), 0)
            continue  # still being built by a running demo
        except (ValueError, ProcessLookupError):
            p.unlink(missing_ok=True)
        except PermissionError:
            continue
