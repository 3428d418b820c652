"""Export stored data in the import template's own format, so that what leaves the store can come back.

`export_table` writes one model table's current rows (optionally one year, some schools) as a filled
template (.xlsx: Chinese headers with units, codes as "代码 名称", the 填写说明 and 代码表 sheets) or as a
CSV with the same headers; `export_all` writes every table into a folder, one file per table named
after its Chinese label. Importing those files into an empty store yields the same rows (tested for
every table). Missing values are written as empty cells, never as 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from ..errors import EduplanError
from ..ingest import write_csv, write_workbook
from ..model import TABLES, Table, find_table
from ..sheets import provenance
from ..store import Store

FORMATS = {".xlsx": "xlsx", ".csv": "csv"}


class ExportError(EduplanError):
    """An export cannot be written as asked."""


def table_rows(store: Store, table: Table, year: int | None = None,
               schools: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The table's current rows (model columns only), ordered by key, filtered by year and school."""
    names = {f.name for f in table.fields}
    where, params = [], []
    if year is not None:
        if "year" not in names:
            raise ExportError(f"表“{table.label}”没有统计年度，不能按 --year 筛选")
        where.append('"year" = ?')
        params.append(year)
    schools = list(schools or [])
    if schools:
        if "school_code" not in names:
            raise ExportError(f"表“{table.label}”没有学校标识码，不能按 --school 筛选")
        where.append(f'"school_code" IN ({", ".join("?" for _ in schools)})')
        params += schools
    cols = ", ".join(f'"{f.name}"' for f in table.fields)
    order = ", ".join(f'"{k}"' for k in table.key)
    sql = f'SELECT {cols} FROM "{table.name}"' + (f" WHERE {' AND '.join(where)}" if where else "") + \
        f" ORDER BY {order}"
    cur = store.con.execute(sql, params)
    fields = [d[0] for d in cur.description]
    return [dict(zip(fields, r)) for r in cur.fetchall()]


def export_format(path: Path) -> str:
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ExportError(f"无法导出到“{path}”：文件扩展名须为 .xlsx 或 .csv")
    return fmt


def export_table(store: Store, table: str | Table, path: Path, year: int | None = None,
                 schools: Iterable[str] | None = None, csv_encoding: str = "utf-8-sig") -> int:
    """Write one table to `path` (.xlsx or .csv); returns the number of rows written."""
    t = table if isinstance(table, Table) else find_table(table)
    if t is None:
        raise ExportError(f"没有名为“{table}”的表；可用的表：{'、'.join(x.label for x in TABLES)}")
    fmt = export_format(path)
    rows = table_rows(store, t, year, schools)
    if fmt == "csv":
        write_csv(t, Path(path), rows, encoding=csv_encoding)
    else:
        write_workbook(t, Path(path), rows, note=_note(store, year))
    return len(rows)


def _note(store: Store, year: int | None) -> str:
    """导出自 库.duckdb；年度：2019；生成日期：… — written under the 填写说明 title."""
    return "导出自" + provenance(getattr(store, "path", None), year)


def export_all(store: Store, folder: Path, fmt: str = "xlsx", year: int | None = None) -> dict[str, int]:
    """Write every table (with rows) into `folder` as `<中文表名>.<fmt>`; returns rows per table."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"“{folder}”不是目录；--all 时 --output 须为目录")
    written: dict[str, int] = {}
    for t in TABLES:
        if year is not None and "year" not in {f.name for f in t.fields}:
            rows = table_rows(store, t)  # org units and other timeless tables go with every year
        else:
            rows = table_rows(store, t, year)
        if not rows:
            continue
        path = folder / f"{t.label}.{fmt}"
        if fmt == "csv":
            write_csv(t, path, rows)
        else:
            write_workbook(t, path, rows, note=_note(store, year))
        written[t.name] = len(rows)
    return written
