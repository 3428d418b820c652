"""Plausibility rules: stored values outside a field's soft bounds (declared once in eduplan/model), and
soft bounds across rows, tables and years — many teachers and no pupils, pupils before a school opened
or after it closed, a five-fold jump or drop from one year to the next. Warnings, never import errors:
each names the school (or area), the year, the figures and the rows behind them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..model import TABLES
from ..store import Store
from .base import Finding, df, num, opt_int, years_clause

# 20 teachers and more with no pupils: a school being built, merged or closed can keep a few staff on
# its books for a year, but a staffed school without pupils is almost always a school code or year typed
# wrong, or an enrolment sheet left out.
TEACHERS_WITHOUT_PUPILS = 20

# A school's pupils, teachers or floor areas changing five-fold (×5 or ÷5) in one year: mergers and
# new buildings double a figure at most in practice, so a 5× change is almost always a unit (亩 vs ㎡,
# 元 vs 万元), a stray digit or a row of another school. The previous year must be at least the floor
# below, so that a school opening grade by grade (90 → 180 pupils) is never flagged.
JUMP_FACTOR = 5.0
JUMP_FLOORS = {"pupils": 50, "teachers": 10, "area": 500.0}


def _school_names(store: Store) -> dict[str, str]:
    return dict(store.run("SELECT school_code, school_name FROM school"))


def _who(row: dict[str, Any], names: dict[str, str]) -> str:
    if row.get("school_code"):
        return f"{names.get(row['school_code'], '')}（{row['school_code']}）"
    if row.get("area_code"):
        return f"区域 {row['area_code']}"
    if row.get("housing_name"):
        return f"住宅项目“{row['housing_name']}”"
    if row.get("project_id"):
        return f"项目 {row['project_id']}"
    return ""


def implausible_value(store: Store, years: set[int] | None) -> list[Finding]:
    """Every stored value outside its field's soft bounds (docs/data-model.md lists them with the reason)."""
    names = _school_names(store)
    out = []
    for t in TABLES:
        fields = [f for f in t.fields if f.soft_min is not None or f.soft_max is not None]
        if not fields:
            continue
        conds = []
        for f in fields:
            parts = ([f'"{f.name}" < {f.soft_min}'] if f.soft_min is not None else []) + \
                    ([f'"{f.name}" > {f.soft_max}'] if f.soft_max is not None else [])
            conds.append(" OR ".join(parts))
        where = " OR ".join(f"({c})" for c in conds)
        if "year" in t.labels:
            where = f"({where}){years_clause(years)}"
        try:
            cur = store.con.execute(f"SELECT * FROM {t.name} WHERE {where}")
        except Exception:  # noqa: BLE001  a store made by an older version may lack the table
            continue
        cols = [d[0] for d in cur.description]
        for values in cur.fetchall():
            row = dict(zip(cols, values))
            for f in fields:
                if not f.implausible(row.get(f.name)):
                    continue
                when = f"{row['year']} 年" if "year" in row else ""
                key = {k: row[k] for k in t.key}
                out.append(Finding(
                    "implausible_value", "warning",
                    f"{_who(row, names)}{when}“{t.label}”的“{f.label}”为 {num(row[f.name])}{' ' + f.unit if f.unit else ''}，"
                    f"{f.plausible_rule()}；请核对",
                    [{"table": t.name, **key, "column": f.name, "value": row[f.name],
                      "source_row": row.get("source_row"), "batch_id": row.get("batch_id")}]))
    return out


def teachers_without_pupils(store: Store, years: set[int] | None) -> list[Finding]:
    d = df(store, "SELECT t.year, t.school_code, s.school_name, t.teachers, t.batch_id, p.pupils FROM "
                  "(SELECT year, school_code, sum(teachers) AS teachers, max(batch_id) AS batch_id FROM teachers "
                  "GROUP BY ALL) t JOIN school s USING (school_code) LEFT JOIN "
                  "(SELECT year, school_code, sum(pupils) AS pupils FROM enrolment GROUP BY ALL) p "
                  f"USING (year, school_code) WHERE t.teachers >= {TEACHERS_WITHOUT_PUPILS} "
                  "AND coalesce(p.pupils, 0) = 0" + years_clause(years, "t.year") + " ORDER BY 1, 2")
    out = []
    for r in d.itertuples():
        pupils = "在校生为 0" if not pd.isna(r.pupils) else "没有在校生数据（分年级学生数中没有该校该年的行）"
        out.append(Finding("teachers_without_pupils", "warning",
                           f"{r.school_name}（{r.school_code}）{r.year} 年有 {int(r.teachers)} 名专任教师，但{pupils}；"
                           "请核对学校标识码、年度，或补充分年级学生数",
                           [{"table": "teachers", "year": int(r.year), "school_code": r.school_code,
                             "batch_id": int(r.batch_id)}]))
    return out


def school_open_period(store: Store, years: set[int] | None) -> list[Finding]:
    d = df(store, "SELECT s.school_code, s.school_name, s.opened_year, s.closed_year, s.batch_id, s.source_row, "
                  "list(e.year ORDER BY e.year) AS years FROM school s JOIN "
                  "(SELECT school_code, year FROM enrolment GROUP BY ALL HAVING sum(pupils) > 0) e USING (school_code) "
                  "WHERE s.opened_year IS NOT NULL OR s.closed_year IS NOT NULL GROUP BY ALL ORDER BY 1")
    out = []
    for r in d.itertuples():
        have = [int(y) for y in r.years if not years or int(y) in years]
        school = {"table": "school", "school_code": r.school_code, "source_row": opt_int(r.source_row),
                  "batch_id": opt_int(r.batch_id)}
        for bound, when, wrong, fix in ((r.opened_year, "建校", lambda y, b: y < b, "已有在校生"),
                                        (r.closed_year, "撤并", lambda y, b: y > b, "仍有在校生")):
            odd = [] if pd.isna(bound) else [y for y in have if wrong(y, bound)]
            if odd:
                out.append(Finding("school_open_period", "warning",
                                   f"{r.school_name}（{r.school_code}）{when}年份为 {int(bound)} 年，但 {_span(odd)} 年"
                                   f"{fix}；请核对{when}年份",
                                   [*({"table": "enrolment", "year": y, "school_code": r.school_code} for y in odd),
                                    school]))
    return out


def _span(ys: list[int]) -> str:
    if len(ys) > 2 and ys[-1] - ys[0] == len(ys) - 1:
        return f"{ys[0]}–{ys[-1]}"
    return "、".join(map(str, ys))


# (table, column, label, unit, floor key, SQL giving year, school_code, value v, batch_id)
_MEASURES = (
    ("enrolment", "pupils", "在校生", "人", "pupils",
     "SELECT year, school_code, sum(pupils) AS v, max(batch_id) AS batch_id FROM enrolment GROUP BY ALL"),
    ("teachers", "teachers", "专任教师", "人", "teachers",
     "SELECT year, school_code, sum(teachers) AS v, max(batch_id) AS batch_id FROM teachers GROUP BY ALL"),
    *(("facilities", col, label, "㎡", "area",
       f"SELECT year, school_code, {col} AS v, batch_id FROM facilities WHERE {col} IS NOT NULL")
      for col, label in (("land_area", "占地面积"), ("building_area", "校舍建筑面积"),
                         ("teaching_area", "教学及辅助用房面积"), ("sports_area", "体育运动场馆面积"))),
)


def year_on_year_jump(store: Store, years: set[int] | None) -> list[Finding]:
    names = _school_names(store)
    out = []
    for table, column, label, unit, floor, sql in _MEASURES:
        d = df(store, sql).sort_values(["school_code", "year"])
        g = d.groupby("school_code")
        d["prev"], d["prev_year"] = g["v"].shift(1), g["year"].shift(1)
        d = d[(d["prev_year"] == d["year"] - 1) & (d["prev"] >= JUMP_FLOORS[floor])]
        bad = d[(d["v"] >= JUMP_FACTOR * d["prev"]) | (d["v"] * JUMP_FACTOR <= d["prev"])]
        if years:
            bad = bad[bad["year"].isin(years)]
        for r in bad.itertuples():
            change = (f"是上年 {num(r.prev)} {unit}的 {r.v / r.prev:.1f} 倍" if r.v > r.prev
                      else f"只有上年 {num(r.prev)} {unit}的 {r.v / r.prev:.0%}")
            out.append(Finding("year_on_year_jump", "warning",
                               f"{names.get(r.school_code, '')}（{r.school_code}）{r.year} 年{label} {num(r.v)} {unit}，"
                               f"{change}（一年变化 {JUMP_FACTOR:g} 倍及以上，多为单位或录入错误）",
                               [{"table": table, "year": int(r.year), "school_code": r.school_code,
                                 "column": column, "batch_id": int(r.batch_id)}]))
    return out
