"""Import files into the store: read → identify table → validate rows → checks against the store → write.

All files given to one import form one unit: every problem of every file is reported together, and
the store is written (in one transaction) only when there is no error at all.

Validate first, lock after. Given a store path, the import
1. reads and validates every file without touching the store (a missing file never creates one);
2. opens the store read-only (other commands keep reading) for what needs it: the cross-file and
   reference checks, whether an already-imported file's rows are all still current (only then is it
   skipped), and the stored rows a re-import lacks (`rows-absent`; removed with `replace`);
3. opens the store for writing only to write: if another batch was written meanwhile, step 2 is
   redone under the lock; then one transaction, and the store is released.
Given an open Store, steps 2 and 3 use it as it is.
"""

from __future__ import annotations

import getpass
import os
from collections import defaultdict
from contextlib import AbstractContextManager, contextmanager
from operator import itemgetter
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import StoreOutdated
from ..model import TABLES_BY_NAME, Table, grades_allowed, sections_allowed
from ..store import Store, os_account, time_label
from ..store.locks import LOCKABLE, UNLOCK_HINT, locked_pairs, lock_text
from ..store.versions import key_text, replace_scope
from .plan_codes import districts_of, project_category_issues
from .readers import read_source
from .parse import map_headers
from .report import FileResult, ImportReport, Issue, column_letter
from .validate import identify_table, sheet_summary, skipped_summary, validate_sheet

Progress = Callable[[str, int, int], None]  # (description, done, total)
Rows = dict[str, list[dict[str, Any]]]  # table -> validated rows
ABSENT_SHOWN = 20  # absent rows listed per file and table; the rest are counted


def current_user() -> str:
    """The user recorded with a batch when --user is not given: EDUPLAN_USER, else the login name.
    (The operating-system account is recorded separately, always.)"""
    if os.environ.get("EDUPLAN_USER"):
        return os.environ["EDUPLAN_USER"]
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (e.g. a container without a passwd entry)
        return os_account()


def import_files(store: Store | str | os.PathLike | Callable[[], AbstractContextManager[Store]], paths: list[Path],
                 user: str | None = None, progress: Progress | None = None, replace: bool = False,
                 kind: str = "import", origin: str | None = None) -> ImportReport:
    """Validate `paths` and, when there is no error, write them (one batch per file, one transaction).

    store: an open (writable) Store; or the path of a store file (validate first, lock after; see the
    module docstring); or a function giving a context manager that yields an open writable Store (a running
    server's `WebState.writing`): the files are read and validated before it is entered, so the store is held
    only for the checks against it and the write. replace: also remove the stored rows the files lack within
    their scope (the school × year pairs they hold, see store.versions.REPLACE_SCOPE); recorded as kind
    'replace'. kind: 'import' or 'demo' (the demo's own batches). origin: recorded as each batch's file_path
    instead of the path read (an upload's temporary copy means nothing later: e.g. “网页上传（用户 张三）”).
    """
    report = ImportReport()
    if replace and kind == "import":
        kind = "replace"
    parsed = _read_all(report, [Path(p) for p in paths], progress)
    if origin is not None:
        for fr, _ in parsed:
            fr.path = origin
    if progress:
        progress("校验跨表关系", len(paths), len(paths))
    if callable(store) and not isinstance(store, (Store, str, os.PathLike)):
        with store() as held:
            return _check_and_write(held, parsed, report, user, progress, replace, kind, len(paths))
    return _check_and_write(store, parsed, report, user, progress, replace, kind, len(paths))


def _check_and_write(store: Store | str | os.PathLike, parsed: list, report: ImportReport, user: str | None,
                     progress: Progress | None, replace: bool, kind: str, n_paths: int) -> ImportReport:
    """Steps 2 and 3 of `import_files`: the checks against the store, then the write when there is no error."""
    if isinstance(store, Store):
        plan = _plan(store, parsed, replace)
        seen = None
    else:
        with _reading(Path(store)) as ro:
            plan = _plan(ro, parsed, replace)
            seen = ro.max_batch_id()
    base = list(report.issues)
    report.issues = base + plan.issues
    if report.errors or not plan.to_write:
        _mark_skipped(parsed, plan)
        return report
    if progress:
        progress("写入数据库", n_paths, n_paths)
    if isinstance(store, Store):
        results = store.write_batch(plan.batches(), user or current_user(), kind=kind)
        report.districts = districts_of(store, [t for _, t in plan.to_write])
    else:
        with Store(store) as rw:
            if rw.max_batch_id() != seen:  # another batch was written during validation: check again
                plan = _plan(rw, parsed, replace)
                report.issues = base + plan.issues
                if report.errors or not plan.to_write:
                    _mark_skipped(parsed, plan)
                    return report
            results = rw.write_batch(plan.batches(), user or current_user(), kind=kind)
            report.districts = districts_of(rw, [t for _, t in plan.to_write])
    _mark_skipped(parsed, plan)
    for (fr, _), r in zip(plan.to_write, results):
        fr.batch_id = r["batch_id"]
        fr.written = r["written"]
    report.written = True
    report.years = {r["year"] for _, tables in plan.to_write for rows in tables.values() for r in rows if "year" in r}
    return report


# ------------------------------------------------------------------ step 1: read and validate


def read_files(paths: list[Path], report: ImportReport | None = None) -> tuple[ImportReport, list[tuple[FileResult, Rows]]]:
    """Step 1 alone (read and validate each file, nothing against a store): the report and, per file read
    without a file-level problem, its validated rows by table (each row with `source_row` and where it was read).
    For callers that check more before writing (the annual collection, eduplan.collection.submit)."""
    report = report or ImportReport()
    return report, _read_all(report, [Path(p) for p in paths], None)


def row_issue(row: dict[str, Any], type_: str, table: Table, field: str, value: Any, detail: str,
              rule: str = "") -> Issue:
    """An issue of one validated row (from `read_files`), naming its file, sheet, row, column and cell."""
    return _issue(row, type_, table, field, value, detail, rule)


def _read_all(report: ImportReport, paths: list[Path], progress: Progress | None) -> list[tuple[FileResult, Rows]]:
    parsed: list[tuple[FileResult, Rows]] = []
    for n, path in enumerate(paths):
        if progress:
            progress(f"读取 {path.name}", n, len(paths))
        fr = FileResult(file=path.name, path=str(path))
        report.files.append(fr)
        res = read_source(path)
        report.issues += res.issues
        for s in res.skipped:
            fr.sheets.append(skipped_summary(s))
        if res.issues:
            continue
        fr.sha256 = res.sha256  # the hash of the bytes validated, not of a second read
        tables: Rows = defaultdict(list)
        for raw in res.sheets:
            table, issue = identify_table(raw, path.stem)
            if issue is not None:
                report.issues.append(issue)
                continue
            rows, row_issues = validate_sheet(raw, table)
            report.issues += row_issues
            letters = {f.name: column_letter(i) for i, f in sorted(map_headers(raw.headers, table).items(),
                                                                      reverse=True)}  # the first column wins
            where, where_path = (raw.file, raw.sheet), str(path)  # one object per sheet (see _sheet_starts)
            for r in rows:
                r["_where"] = where
                r["_path"] = where_path
                r["_letters"] = letters
            tables[table.name].extend(rows)
            fr.sheets.append(sheet_summary(raw, table, rows))
        fr.tables = {t: len(r) for t, r in tables.items()}
        parsed.append((fr, tables))
    return parsed


@contextmanager
def _reading(db: Path) -> Iterator[Store]:
    """The store at `db` opened read-only for the checks; an empty in-memory store when there is no
    file yet (nothing is created before the write); an older store is upgraded first."""
    if not db.exists():
        with Store.empty() as s:
            yield s
        return
    try:
        s = Store(db, read_only=True)
    except StoreOutdated:
        Store(db).close()  # opening for writing migrates it
        s = Store(db, read_only=True)
    with s:
        yield s


# ------------------------------------------------------------------ step 2: checks against the store


class _Plan:
    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.skipped: set[int] = set()  # ids of FileResults skipped as already imported
        self.to_write: list[tuple[FileResult, Rows]] = []
        self.deletes: dict[int, dict[str, list[dict[str, Any]]]] = {}  # id(fr) -> table -> keys to remove

    def batches(self) -> list[dict[str, Any]]:
        return [{"file_name": fr.file, "file_path": fr.path, "sha256": fr.sha256,
                 "tables": {k: v for k, v in tables.items() if v}, "delete": self.deletes.get(id(fr), {})}
                for fr, tables in self.to_write]


def _mark_skipped(parsed: list[tuple[FileResult, Rows]], plan: _Plan) -> None:
    for fr, _ in parsed:
        fr.skipped = id(fr) in plan.skipped


def _plan(store: Store, parsed: list[tuple[FileResult, Rows]], replace: bool) -> _Plan:
    plan = _Plan()
    candidates = []
    for fr, tables in parsed:
        prev = store.batch_by_sha(fr.sha256)
        if prev is not None and _still_current(store, tables, replace):
            plan.skipped.add(id(fr))
            plan.issues.append(Issue("already-imported", fr.file, level="info",
                                     detail=f"{time_label(prev['imported_at'])}（批次 {prev['batch_id']}）"))
        else:
            candidates.append((fr, tables))
    absent = _absent(store, candidates)
    removed: dict[str, set[tuple]] = defaultdict(set)
    for (fr, tables), per_table in zip(candidates, absent):
        for name, rows in per_table.items():
            t = TABLES_BY_NAME[name]
            sheet = tables[name][0]["_where"][1] if tables.get(name) else None
            shown = "；".join(key_text(t, r) + f"（批次 {r['batch_id']}）" for r in rows[:ABSENT_SHOWN])
            more = f"……共 {len(rows)} 行" if len(rows) > ABSENT_SHOWN else ""
            scope = "＋".join(t.field(c).label for c in replace_scope(t))
            if replace:
                plan.deletes.setdefault(id(fr), {})[name] = [{k: r[k] for k in t.key} for r in rows]
                removed[name] |= {tuple(r[k] for k in t.key) for r in rows}
                plan.issues.append(Issue("rows-replaced", fr.file, level="info", sheet=sheet, detail=(
                    f"按 --replace 从“{t.label}”删除 {len(rows)} 行（本文件含有其{scope}、却没有的行）：{shown}{more}。"
                    "旧版本保留在历史中，可用 eduplan db undo 撤销")))
            else:
                plan.issues.append(Issue("rows-absent", fr.file, level="warning", sheet=sheet, detail=(
                    f"库中“{t.label}”有 {len(rows)} 行与本文件的{scope}相同、但本文件中没有：{shown}{more}。"
                    "这些行保持不变；如它们确应删除，请加 --replace 重新导入（可用 eduplan db undo 撤销）")))
    plan.issues += cross_checks(store, [t for _, t in candidates], removed)
    plan.issues += lock_issues(store, candidates, removed)
    plan.to_write = [(fr, t) for fr, t in candidates if any(t.values()) or plan.deletes.get(id(fr))]
    return plan


def lock_issues(store: Store, candidates: list[tuple[FileResult, Rows]],
                removed: dict[str, set[tuple]] | None = None) -> list[Issue]:
    """An error for each school × year of a file whose table the bureau has approved and locked (store.locks)
    and whose rows the file would change (insert, update, or with --replace delete; rows equal to the stored
    ones change nothing and pass): named by the first row of that school and year, with the number of rows."""
    issues: list[Issue] = []
    removed = removed or {}
    for _, tables in candidates:
        for name, rows in tables.items():
            if name not in LOCKABLE or not rows:
                continue
            by_pair: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
            for r in rows:
                by_pair[(r["school_code"], r["year"])].append(r)
            t = TABLES_BY_NAME[name]
            ks, ky = t.key.index("school_code"), t.key.index("year")
            deleted = {(k[ks], k[ky]) for k in removed.get(name, ())}
            for lock in locked_pairs(store, name, by_pair):
                k = (lock["school_code"], lock["year"])
                c = store.compare(name, by_pair[k])
                if not (c["inserted"] or c["updated"]) and k not in deleted:
                    continue
                first, count = by_pair[k][0], len(by_pair[k])
                issues.append(_issue(first, "data-locked", TABLES_BY_NAME[name], "school_code", k[0],
                                     f"本文件有该校 {k[1]} 年的 {count} 行，与库中不同，但{lock_text(lock)}，不能再导入或修改",
                                     rule=f"已审核的数据锁定后不得修改；{UNLOCK_HINT}"))
    return issues


def _still_current(store: Store, tables: Rows, replace: bool) -> bool:
    """Every row of the file equals the store's current row (and, with replace, nothing would be removed)."""
    for name, rows in tables.items():
        c = store.compare(name, rows)
        if c["inserted"] or c["updated"]:
            return False
        if replace and store.absent_rows(name, rows):
            return False
    return True


def _absent(store: Store, candidates: list[tuple[FileResult, Rows]]) -> list[dict[str, list[dict[str, Any]]]]:
    """Per file: table -> the stored rows within the scope of this import's rows that no file holds.
    Each absent row is attributed to the first file whose rows share its scope."""
    out: list[dict[str, list[dict[str, Any]]]] = [defaultdict(list) for _ in candidates]
    union: Rows = defaultdict(list)
    for _, tables in candidates:
        for name, rows in tables.items():
            union[name].extend(rows)
    for name, rows in union.items():
        t = TABLES_BY_NAME[name]
        scope = replace_scope(t)
        if not scope or not store.run(f'SELECT 1 FROM "{name}" LIMIT 1'):
            continue  # (nothing stored in the table: no stored row can be absent)
        missing = store.absent_rows(name, rows)
        if not missing:
            continue
        owner: dict[tuple, int] = {}
        for i, (_, tables) in enumerate(candidates):
            for r in tables.get(name, []):
                owner.setdefault(tuple(r[c] for c in scope), i)
        for r in missing:
            out[owner[tuple(r[c] for c in scope)]][name].append(r)
    return out


def _keys(rows: list[dict[str, Any]], key: tuple[str, ...]) -> list[tuple]:
    """Each row's key as a tuple (operator.itemgetter: one C call per row)."""
    get = itemgetter(*key)
    return [(get(r),) for r in rows] if len(key) == 1 else list(map(get, rows))


def _sheet_starts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first row of each run of rows from one sheet (rows are appended sheet by sheet)."""
    return [r for i, r in enumerate(rows) if i == 0 or r["_where"] is not rows[i - 1]["_where"]]


def _issue(row: dict[str, Any], type_: str, table: Table, field: str, value: Any, detail: str,
           rule: str = "") -> Issue:
    """An issue of one imported row, naming its file, sheet, row, column and cell."""
    file, sheet = row["_where"]
    letter = (row.get("_letters") or {}).get(field)
    cell = f"{letter}{row['source_row']}" if letter and row.get("source_row") is not None else None
    return Issue(type_, file, sheet=sheet, row=row.get("source_row"), column=table.field(field).header, cell=cell,
                 value=value, detail=detail, rule=rule)


def _place(row: dict[str, Any]) -> tuple:
    """Where a row was read: its file's full path (two files may share a name) and sheet."""
    return (row.get("_path") or row["_where"][0], row["_where"][1])


def _file_label(row: dict[str, Any], other: dict[str, Any]) -> str:
    """The file of `row` as a person can find it: its name, with its folder when `other` has the same name."""
    path = Path(row.get("_path") or row["_where"][0])
    if other.get("_path") and Path(other["_path"]).name == path.name and other["_path"] != str(path):
        return f"{path.parent.name}/{path.name}"
    return path.name


def cross_checks(store: Store, batches: list[Rows], removed: dict[str, set[tuple]] | None = None) -> list[Issue]:
    """Checks that need more than one row: keys across files, references, grades by school type,
    non-overlapping zone membership. The store's current rows count, overridden by this import's;
    `removed` (table -> keys) are the stored rows this import deletes (--replace)."""
    removed = removed or {}
    issues: list[Issue] = []
    merged: Rows = defaultdict(list)
    for tables in batches:
        for name, rows in tables.items():
            merged[name].extend(rows)

    # the same key in two files of one import (rows of one sheet have distinct keys: validate_sheet)
    for name, rows in merged.items():
        t = TABLES_BY_NAME[name]
        if len({_place(r) for r in _sheet_starts(rows)}) < 2:
            continue  # one sheet: its keys are already distinct
        first: dict[tuple, dict[str, Any]] = {}
        for r, k in zip(rows, _keys(rows, t.key)):
            if k in first and _place(first[k]) != _place(r):
                f0 = _file_label(first[k], r)
                issues.append(_issue(r, "duplicate-key", t, t.key[-1], k[-1],
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
            if not {r.get(col) for r in rows} - have - {None}:
                continue  # every reference found: no row to name
            for r in rows:
                v = r.get(col)
                if v is not None and v not in have:
                    issues.append(_issue(r, "reference-error", t, col, v,
                                         f"在“{TABLES_BY_NAME[ref_table].label}”中不存在（请先导入该表，或同时导入）",
                                         rule=f"须引用已有的{t.field(col).label}"))
        if "area_code" in t.labels and {r["area_code"] for r in rows} - areas:
            for r in rows:
                if r["area_code"] not in areas:
                    issues.append(_issue(r, "reference-error", t, "area_code", r["area_code"],
                                         "既不是已有的行政区划代码，也不是已有的学区代码",
                                         rule="区域代码须为已导入的区或学区"))

    # grades and sections by school type: each distinct (school, grade) judged once, rows named only when wrong
    for table, col, allowed_of, text in (
            ("enrolment", "grade", grades_allowed, "不设年级 {v}"),
            ("teachers", "section", sections_allowed, "不设学段“{v}”")):
        rows = merged[table]
        allowed = {tc: allowed_of(tc) for tc in {school_type.get(r["school_code"]) for r in rows} - {None}}
        wrong = {(code, v) for code, v in {(r["school_code"], r[col]) for r in rows}
                 if (tc := school_type.get(code)) is not None and v not in allowed[tc]}
        if not wrong:
            continue
        for r in rows:
            if (r["school_code"], r[col]) in wrong:
                tc = school_type[r["school_code"]]
                issues.append(_issue(r, "grade-not-allowed", TABLES_BY_NAME[table], col, r[col],
                                     f"学校 {r['school_code']}（办学类型 {tc}）" + text.format(v=r[col])))

    if merged["school_zone"]:
        issues += _membership_overlaps(store, merged["school_zone"], removed.get("school_zone", set()))
    issues += project_category_issues(store, merged)
    return issues


def _membership_overlaps(store: Store, new_rows: list[dict[str, Any]], removed: set[tuple]) -> list[Issue]:
    periods: dict[tuple, dict[str, Any]] = {(r["school_code"], r["start_year"]): r
                                             for r in store.rows("school_zone")
                                             if (r["school_code"], r["start_year"]) not in removed}
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
                issues.append(_issue(target, "period-overlap", TABLES_BY_NAME["school_zone"], "start_year",
                                     target["start_year"],
                                     f"学校 {code} 自 {a['start_year']} 年起属于 {a['zone_code']}"
                                     f"（截止 {a.get('end_year') or '至今'}），与自 {b['start_year']} 年起属于 "
                                     f"{b['zone_code']} 的归属期重叠；请给前一段填写截止年度"))
    return issues
