"""Write the demo district's source files and import them through eduplan.ingest."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from ..ingest import ImportReport, current_user, import_files, write_csv, write_workbook
from ..model import TABLES
from ..store import Store

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
    if step:
        step("生成示范区数据")
    data = build(seed)
    paths = write_sources(data, folder, progress=(lambda name: step(f"写出 {name}")) if step else None)
    if step:
        step("导入源文件")
    return import_files(store, paths, user=user or current_user(), progress=import_progress)
