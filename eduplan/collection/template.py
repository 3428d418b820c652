"""A school's pre-filled template for a collection round: its own rows of the year before, as a starting point.

`template_rows` gives the rows: the school's current rows of the round's year − 1 with `year` set to the round's
year — last year's values, nothing guessed (pupils are not moved up a grade). A school without rows that year
gets its key rows only: one per grade its type teaches (分年级学生数), one per section (专任教师), one row
(办学条件). `write_template` writes them as the normal fill-in template (eduplan.ingest.template.write_workbook:
dropdowns, 填写说明, 代码表, the district's own examples) with the pre-filled values marked — a light fill on each
copied value, a comment on the first data cell and a note above everything on 填写说明 (years, school, round,
deadline). Uploaded unchanged, the file imports without errors.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from ..model import LEVELS, TABLES_BY_NAME, Table, grades_allowed, sections_allowed
from ..model.codes import GRADE_ORDER
from .errors import CollectionError


def _round(store, round_row: dict[str, Any] | int) -> dict[str, Any]:
    """The round as given, or looked up by its id (CollectionError 404 when there is none)."""
    if isinstance(round_row, dict):
        return round_row
    from .common import round_row as stored_round  # the core, imported when used (it imports the access layer)

    return stored_round(store, int(round_row))


def _table(round_row: dict[str, Any], table: str) -> Table:
    t = TABLES_BY_NAME.get(table)
    if t is None or not {"year", "school_code"} <= set(t.key):
        raise CollectionError(f"“{t.label if t else table}”不是学校按年填报的表，没有采集模板", status=404)
    if table not in round_row["tables"]:
        labels = "、".join(TABLES_BY_NAME[n].label for n in round_row["tables"] if n in TABLES_BY_NAME)
        raise CollectionError(f"采集轮次 {round_row['round_id']} 不采集“{t.label}”（本轮采集：{labels}）", status=404)
    return t


def _school(store, school_code: str) -> dict[str, Any]:
    rows = store.dicts("SELECT school_code, school_name, type_code, district_code FROM school WHERE school_code = ?",
                       [school_code])
    if not rows:
        raise CollectionError(f"没有学校标识码为 {school_code} 的学校", status=404)
    return rows[0]


def _key_rows(t: Table, school: dict[str, Any], year: int) -> list[dict[str, Any]]:
    """The key rows a school of its type reports when it has nothing of last year to start from."""
    base = {"year": year, "school_code": school["school_code"]}
    extra = [k for k in t.key if k not in ("year", "school_code")]
    if extra == ["grade"]:
        return [{**base, "grade": g} for g in sorted(grades_allowed(school["type_code"]), key=GRADE_ORDER.get)]
    if extra == ["section"]:
        allowed = sections_allowed(school["type_code"])
        return [{**base, "section": s} for s in LEVELS.values if s in allowed]
    return [base]


def _order(t: Table, row: dict[str, Any]) -> tuple:
    """Grades and sections in their school order (P1 … P6, 小学 before 初中), not alphabetical."""
    levels = list(LEVELS.values)
    return tuple(GRADE_ORDER.get(row[k], 99) if k == "grade" else levels.index(row[k]) if k == "section"
                 and row[k] in levels else 0 for k in t.key)


def template_rows(store, round_row: dict[str, Any] | int, school_code: str,
                  table: str) -> tuple[list[dict[str, Any]], int | None]:
    """(rows, the year they were copied from) for `school_code`'s `table` in the round `round_row` (at least
    round_id, year, tables; or its id): its rows of year − 1 with the round's year, or its key rows only and None."""
    round_row = _round(store, round_row)
    t = _table(round_row, table)
    school = _school(store, school_code)
    year = int(round_row["year"])
    cols = ", ".join(f'"{f.name}"' for f in t.fields)
    order = ", ".join(f'"{k}"' for k in t.key)
    last = store.dicts(f'SELECT {cols} FROM "{t.name}" WHERE school_code = ? AND year = ? ORDER BY {order}',
                       [school_code, year - 1])
    last.sort(key=lambda r: _order(t, r))
    if not last:
        return _key_rows(t, school, year), None
    return [{**r, "year": year} for r in last], year - 1


def _deadline(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def prefilled_texts(round_row: dict[str, Any], school: dict[str, Any], t: Table,
                    prefilled_from: int | None) -> tuple[str, str]:
    """(the note on top of 填写说明, the comment on the first data cell) of a round's template."""
    year = int(round_row["year"])
    head = (f"{school['school_name']}（{school['school_code']}）：采集轮次 {round_row['round_id']}，{year} 年“{t.label}”，"
            f"请于 {_deadline(round_row['deadline'])} 前提交。")
    grades = "grade" in t.key
    if prefilled_from is not None:
        body = (f"工作表“{t.label}”中预填的是 {prefilled_from} 年已审核数据（浅黄色底纹），仅作填写起点，请逐项核对并改为 "
                f"{year} 年实际数" + (f"；不会自动升级年级：每行仍是 {prefilled_from} 年该年级的数" if grades else "")
                + f"。学校标识码和统计年度已填为本校和 {year} 年，请勿修改。")
        comment = (f"预填：{prefilled_from} 年已审核数据（浅黄色底纹），仅作填写起点。请逐项核对并改为 {year} 年实际数"
                   + ("；不会自动升级年级" if grades else "") + "。")
    else:
        what = "应填的年级各一行" if grades else ("应填的学段各一行" if "section" in t.key else "一行")
        body = (f"库中没有本校 {year - 1} 年的“{t.label}”数据，未预填数值：已按学校类型列出{what}，请填写 {year} 年实际数。"
                f"学校标识码和统计年度已填为本校和 {year} 年，请勿修改。")
        comment = f"库中没有本校 {year - 1} 年的数据：请在各行填写 {year} 年实际数。"
    return head + body, comment


def write_template(store, round_row: dict[str, Any] | int, school_code: str, table: str, path: str | Path) -> Path:
    """The school's pre-filled template for the round (a round row or its id) as an xlsx at `path` (see the module
    docstring)."""
    from ..ingest.template import write_workbook
    from ..ingest.template_context import template_context

    round_row = _round(store, round_row)
    rows, prefilled_from = template_rows(store, round_row, school_code, table)
    t = TABLES_BY_NAME[table]
    school = _school(store, school_code)
    note, comment = prefilled_texts(round_row, school, t, prefilled_from)
    return write_workbook(t, Path(path), rows, context=template_context(store, school["district_code"]),
                          prefilled_note=note, mark_rows=prefilled_from is not None, data_comment=comment)
