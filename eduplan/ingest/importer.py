"""Import files into the store: read → identify table → validate rows → cross-file checks → write.

All files given to one import form one unit: every problem of every file is reported together, and
the store is written (in one transaction) only when there is no error at all. A file whose exact
content (sha256) was imported before is skipped, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

from ..model import TABLES_BY_NAME, grades_allowed, sections_allowed
from ..store import Store
from .readers import read_file
from .report import FileResult, ImportReport, Issue
from .validate import identify_table, validate_sheet

Progress = Callable[[str, int, int], None]  # (description, done, total)


def current_user() -> str:
    return os.environ.get("EDUPLAN_USER") or getpass.getuser()


def import_files(store: Store, paths: list[Path], user: str | None = None,
                 progress: Progress | None = None) -> ImportReport:
    report = ImportReport()
    parsed: list[tuple[FileResult, dict[str, list[dict[str, Any]]]]] = []
    for n, path in enumerate(paths):
        path = Path(path)
        if progress:
            progress(f"读取 {path.name}", n, len(paths))
        fr = FileResult(file=path.name, path=str(path))
        report.files.append(fr)
        sheets, issues = read_file(path)
        report.issues += issues
        if issues:
            continue
        fr.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        prev = store.batch_by_sha(fr.sha256)
        if prev is not None:
            fr.skipped = True
            report.issues.append(Issue("already-imported", path.name, level="info",
                                       detail=f"{prev['imported_at']:%Y-%m-%d %H:%M}（批次 {prev['batch_id']}）"))
            continue
        tables: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for raw in sheets:
            table, issue = identify_table(raw, path.stem)
            if issue is not None:
                report.issues.append(issue)
                continue
            rows, row_issues = validate_sheet(raw, table)
            report.issues += row_issues
            for r in rows:
                r["_where"] = (raw.file, raw.sheet)
            tables[table.name].extend(rows)
        fr.tables = {t: len(r) for t, r in tables.items()}
        parsed.append((fr, tables))
    if progress:
        progress("校验跨表关系", len(paths), len(paths))
    report.issues += cross_checks(store, [t for _, t in parsed])
    if report.errors or not any(t for _, t in parsed):
        return report
    to_write = [{"file_name": fr.file, "file_path": fr.path, "sha256": fr.sha256, "tables": dict(t)}
                for fr, t in parsed if any(t.values())]
    results = store.write_batch(to_write, user or current_user())
    by_sha = {w["sha256"]: r for w, r in zip(to_write, results)}
    for fr, _ in parsed:
        if fr.sha256 in by_sha:
            fr.batch_id = by_sha[fr.sha256]["batch_id"]
            fr.written = by_sha[fr.sha256]["written"]
    report.written = True
    report.years = {r["year"] for w in to_write for rows in w["tables"].values() for r in rows if "year" in r}
    return report


def _issue(row: dict[str, Any], type_: str, column: str, value: Any, detail: str, rule: str = "") -> Issue:
    file, sheet = row["_where"]
    return Issue(type_, file, sheet=sheet, row=row.get("source_row"), column=column, value=value,
                 detail=detail, rule=rule)


def cross_checks(store: Store, batches: list[dict[str, list[dict[str, Any]]]]) -> list[Issue]:
    """Checks that need more than one row: keys across files, references, grades by school type,
    non-overlapping zone membership. The store's current rows count, overridden by this import's."""
    issues: list[Issue] = []
    merged: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for tables in batches:
        for name, rows in tables.items():
            merged[name].extend(rows)

    # the same key in two files of one import
    for name, rows in merged.items():
        t = TABLES_BY_NAME[name]
        first: dict[tuple, dict[str, Any]] = {}
        for r in rows:
            k = tuple(r[c] for c in t.key)
            if k in first and first[k]["_where"] != r["_where"]:
                f0, s0 = first[k]["_where"]
                issues.append(_issue(r, "duplicate-key", t.field(t.key[-1]).header, k[-1],
                                     f"主键与文件“{f0}”第 {first[k].get('source_row')} 行重复"))
            first.setdefault(k, r)

    school_type = {r["school_code"]: r["type_code"] for r in store.rows("school", ["school_code", "type_code"])}
    school_type.update({r["school_code"]: r["type_code"] for r in merged["school"]})
    known: dict[tuple[str, str], set] = {("school", "school_code"): set(school_type)}

    def keys_of(ref_table: str, ref_col: str) -> set:
        """The keys a reference may point to: the store's rows, overridden by this import's."""
        if (ref_table, ref_col) not in known:
            known[(ref_table, ref_col)] = (store.column_values(ref_table, ref_col)
                                           | {r[ref_col] for r in merged[ref_table]})
        return known[(ref_table, ref_col)]

    areas = keys_of("district", "district_code") | keys_of("zone", "zone_code")
    for name, rows in list(merged.items()):
        t = TABLES_BY_NAME[name]
        for col, ref_table, ref_col in t.references:
            have = keys_of(ref_table, ref_col)
            for r in rows:
                v = r.get(col)
                if v is not None and v not in have:
                    issues.append(_issue(r, "reference-error", t.field(col).header, v,
                                         f"在“{TABLES_BY_NAME[ref_table].label}”中不存在（请先导入该表，或同时导入）",
                                         rule=f"须引用已有的{t.field(col).label}"))
        if "area_code" in t.labels:
            for r in rows:
                if r["area_code"] not in areas:
                    issues.append(_issue(r, "reference-error", t.field("area_code").header, r["area_code"],
                                         "既不是已有的行政区划代码，也不是已有的学区代码",
                                         rule="区域代码须为已导入的区或学区"))

    for r in merged["enrolment"]:
        tc = school_type.get(r["school_code"])
        if tc is not None and r["grade"] not in grades_allowed(tc):
            issues.append(_issue(r, "grade-not-allowed", TABLES_BY_NAME["enrolment"].field("grade").header,
                                 r["grade"], f"学校 {r['school_code']}（办学类型 {tc}）不设年级 {r['grade']}"))
    for r in merged["teachers"]:
        tc = school_type.get(r["school_code"])
        if tc is not None and r["section"] not in sections_allowed(tc):
            issues.append(_issue(r, "grade-not-allowed", TABLES_BY_NAME["teachers"].field("section").header,
                                 r["section"], f"学校 {r['school_code']}（办学类型 {tc}）不设学段“{r['section']}”"))

    if merged["school_zone"]:
        issues += _membership_overlaps(store, merged["school_zone"])
    return issues


def _membership_overlaps(store: Store, new_rows: list[dict[str, Any]]) -> list[Issue]:
    periods: dict[tuple, dict[str, Any]] = {(r["school_code"], r["start_year"]): r
                                             for r in store.rows("school_zone")}
    periods.update({(r["school_code"], r["start_year"]): r for r in new_rows})
    by_school: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in periods.values():
        by_school[r["school_code"]].append(r)
    issues = []
    for code, rs in by_school.items():
        rs.sort(key=lambda r: r["start_year"])
        for a, b in zip(rs, rs[1:]):
            if a.get("end_year") is None or a["end_year"] >= b["start_year"]:
                target = b if "_where" in b else a
                if "_where" not in target:
                    continue
                issues.append(_issue(target, "period-overlap", "起始年度", target["start_year"],
                                     f"学校 {code} 自 {a['start_year']} 年起属于 {a['zone_code']}"
                                     f"（截止 {a.get('end_year') or '至今'}），与自 {b['start_year']} 年起属于 "
                                     f"{b['zone_code']} 的归属期重叠；请给前一段填写截止年度"))
    return issues
