"""Data-quality rules across fields, tables and years, run after an import (and by `eduplan quality`).

Modules: base (Finding, QualityRule, query helpers), plausible (soft bounds: implausible stored values,
teachers without pupils, pupils outside a school's open years, five-fold jumps), facilities (areas that
shrink from one year to the next); the cross-row rules of the first release are here.

Row-level rules (e.g. 研究生学历教师 ≤ 专任教师, 男 + 女 = 在校生) are import errors declared in the data
model; the rules here need more than one row — last year's figures, another table — so they cannot
block an import. Each is a small declared function returning warnings with the rows concerned;
RULES is the list, docs/quality-rules.md is generated from it.
"""

from __future__ import annotations

import pandas as pd

from ..store import Store
from .base import Finding, QualityRule
from .base import df as _df
from .base import years_clause as _years_clause
from .facilities import SHRINK_FLOOR, SHRINK_PERCENT, facilities_shrink
from .plausible import (
    JUMP_FACTOR, TEACHERS_WITHOUT_PUPILS, implausible_value, school_open_period, teachers_without_pupils,
    year_on_year_jump,
)


def _per_school(store: Store) -> pd.DataFrame:
    return _df(store, "SELECT e.year, e.school_code, s.school_name, sum(e.pupils) AS pupils, sum(e.classes) AS classes, "
                      "max(e.batch_id) AS batch_id FROM enrolment e JOIN school s USING (school_code) "
                      "GROUP BY ALL")


def pupils_jump_without_classes(store: Store, years: set[int] | None) -> list[Finding]:
    df = _per_school(store).sort_values(["school_code", "year"])
    df["prev_pupils"] = df.groupby("school_code")["pupils"].shift(1)
    df["prev_classes"] = df.groupby("school_code")["classes"].shift(1)
    df["prev_year"] = df.groupby("school_code")["year"].shift(1)
    bad = df[(df["prev_year"] == df["year"] - 1) & (df["prev_pupils"] >= 30) & (df["pupils"] >= 1.5 * df["prev_pupils"])
             & (df["classes"] <= df["prev_classes"])]
    if years:
        bad = bad[bad["year"].isin(years)]
    return [Finding("pupils_jump_without_classes", "warning",
                    f"{r.school_name}（{r.school_code}）{r.year} 年在校生 {int(r.pupils)} 人，较上年 {int(r.prev_pupils)} 人"
                    f"增长 {r.pupils / r.prev_pupils - 1:.1%}，但班数未增加（{int(r.prev_classes)} → {int(r.classes)}）",
                    [{"table": "enrolment", "year": int(r.year), "school_code": r.school_code, "batch_id": int(r.batch_id)}])
            for r in bad.itertuples()]


def cohort_jump(store: Store, years: set[int] | None) -> list[Finding]:
    df = _df(store, "SELECT e.year, e.school_code, s.school_name, e.grade, e.pupils, e.source_row, e.batch_id "
                    "FROM enrolment e JOIN school s USING (school_code)")
    order = ["K1", "K2", "K3", "P1", "P2", "P3", "P4", "P5", "P6", "J1", "J2", "J3", "S1", "S2", "S3", "V1", "V2", "V3"]
    nxt = {g: order[i + 1] for i, g in enumerate(order[:-1]) if order[i + 1][0] == g[0]}
    prev = df.copy()
    prev["grade"] = prev["grade"].map(nxt)
    prev["year"] = prev["year"] + 1
    m = df.merge(prev[["year", "school_code", "grade", "pupils"]].dropna(), on=["year", "school_code", "grade"],
                 suffixes=("", "_before"))
    bad = m[(m["pupils_before"] >= 30) & ((m["pupils"] > 1.3 * m["pupils_before"]) | (m["pupils"] < 0.7 * m["pupils_before"]))]
    if years:
        bad = bad[bad["year"].isin(years)]
    return [Finding("cohort_jump", "warning",
                    f"{r.school_name}（{r.school_code}）{r.year} 年 {r.grade} 有 {int(r.pupils)} 人，上一年低一年级为 "
                    f"{int(r.pupils_before)} 人（变化 {r.pupils / r.pupils_before - 1:+.1%}，超过 ±30%）",
                    [{"table": "enrolment", "year": int(r.year), "school_code": r.school_code, "grade": r.grade,
                      "source_row": int(r.source_row), "batch_id": int(r.batch_id)}])
            for r in bad.itertuples()]


def pupil_teacher_ratio_outlier(store: Store, years: set[int] | None) -> list[Finding]:
    levels = {"小学": "P", "初中": "J", "高中": "S"}
    out = []
    for section, prefix in levels.items():
        df = _df(store, "SELECT t.year, t.school_code, s.school_name, t.teachers, t.source_row, t.batch_id, "
                        "(SELECT sum(pupils) FROM enrolment e WHERE e.year = t.year AND e.school_code = t.school_code "
                        f"AND e.grade LIKE '{prefix}%') AS pupils FROM teachers t JOIN school s USING (school_code) "
                        f"WHERE t.section = ? AND s.type_code NOT LIKE '5%'" + _years_clause(years, "t.year"), [section])
        df = df[df["pupils"].notna() & (df["pupils"] > 0)]
        ratio = df["pupils"] / df["teachers"].where(df["teachers"] > 0)
        bad = df[(df["teachers"] == 0) | (ratio > 30) | (ratio < 4)]
        for r in bad.itertuples():
            ratio_text = "无专任教师" if r.teachers == 0 else f"生师比 {r.pupils / r.teachers:.2f}"
            out.append(Finding("pupil_teacher_ratio_outlier", "warning",
                               f"{r.school_name}（{r.school_code}）{r.year} 年{section} {int(r.pupils)} 名学生、"
                               f"{int(r.teachers)} 名专任教师（{ratio_text}，合理范围 4–30）",
                               [{"table": "teachers", "year": int(r.year), "school_code": r.school_code,
                                 "section": section, "source_row": int(r.source_row), "batch_id": int(r.batch_id)}]))
    return out


def missing_related_rows(store: Store, years: set[int] | None) -> list[Finding]:
    out = []
    for table, label in (("teachers", "专任教师"), ("facilities", "办学条件")):
        df = _df(store, "SELECT DISTINCT e.year, e.school_code, s.school_name FROM enrolment e JOIN school s USING "
                        f"(school_code) WHERE NOT EXISTS (SELECT 1 FROM {table} x WHERE x.year = e.year AND "
                        "x.school_code = e.school_code)" + _years_clause(years, "e.year"))
        for r in df.itertuples():
            out.append(Finding("missing_related_rows", "warning",
                               f"{r.school_name}（{r.school_code}）{r.year} 年有学生数据，但没有“{label}”数据",
                               [{"table": table, "year": int(r.year), "school_code": r.school_code}]))
    return out


def teaching_area_per_pupil(store: Store, years: set[int] | None) -> list[Finding]:
    df = _df(store, "SELECT f.year, f.school_code, s.school_name, f.teaching_area, f.source_row, f.batch_id, p.pupils "
                    "FROM facilities f JOIN school s USING (school_code) JOIN (SELECT year, school_code, sum(pupils) AS "
                    "pupils FROM enrolment GROUP BY ALL) p USING (year, school_code) WHERE p.pupils > 0"
                    + _years_clause(years, "f.year"))
    per = df["teaching_area"] / df["pupils"]
    bad = df[(per < 1) | (per > 40)]
    return [Finding("teaching_area_per_pupil", "warning",
                    f"{r.school_name}（{r.school_code}）{r.year} 年生均教学及辅助用房 {r.teaching_area / r.pupils:.2f} ㎡"
                    f"（合理范围 1–40 ㎡：请核对面积单位是否为平方米）",
                    [{"table": "facilities", "year": int(r.year), "school_code": r.school_code,
                      "source_row": int(r.source_row), "batch_id": int(r.batch_id)}])
            for r in bad.itertuples()]


def population_cohort_jump(store: Store, years: set[int] | None) -> list[Finding]:
    df = _df(store, "SELECT year, area_code, age, population, source_row, batch_id FROM population")
    prev = df.copy()
    prev["age"] += 1
    prev["year"] += 1
    m = df.merge(prev[["year", "area_code", "age", "population"]], on=["year", "area_code", "age"],
                 suffixes=("", "_before"))
    bad = m[(m["population_before"] >= 100) & ((m["population"] > 1.25 * m["population_before"]) |
                                                (m["population"] < 0.75 * m["population_before"]))]
    if years:
        bad = bad[bad["year"].isin(years)]
    return [Finding("population_cohort_jump", "warning",
                    f"区域 {r.area_code} {r.year} 年 {r.age} 岁常住人口 {int(r.population)}，上一年 {r.age - 1} 岁为 "
                    f"{int(r.population_before)}（变化 {r.population / r.population_before - 1:+.1%}，超过 ±25%）",
                    [{"table": "population", "year": int(r.year), "area_code": r.area_code, "age": int(r.age),
                      "source_row": None if pd.isna(r.source_row) else int(r.source_row), "batch_id": int(r.batch_id)}])
            for r in bad.itertuples()]


RULES: list[QualityRule] = [
    QualityRule("pupils_jump_without_classes", "在校生一年增长 50% 以上而班数没有增加", pupils_jump_without_classes),
    QualityRule("cohort_jump", "同一届学生升一个年级后人数变化超过 ±30%（两年人数均 ≥30）", cohort_jump),
    QualityRule("pupil_teacher_ratio_outlier", "学校某学段生师比不在 4–30 之间，或有学生而无专任教师", pupil_teacher_ratio_outlier),
    QualityRule("missing_related_rows", "学校某年有学生数据，却缺少专任教师或办学条件数据", missing_related_rows),
    QualityRule("teaching_area_per_pupil", "生均教学及辅助用房面积不在 1–40 ㎡ 之间（常见于单位填错）", teaching_area_per_pupil),
    QualityRule("population_cohort_jump", "同一出生队列的常住人口一年内变化超过 ±25%（人口 ≥100）", population_cohort_jump),
    QualityRule("implausible_value", "数值超出该字段的合理范围（软界限，见 docs/data-model.md 各字段的 soft bounds 及理由）",
                implausible_value, repeats_import_warning=True),
    QualityRule("teachers_without_pupils", f"学校某年有 {TEACHERS_WITHOUT_PUPILS} 名及以上专任教师，却没有在校生",
                teachers_without_pupils),
    QualityRule("school_open_period", "学校在建校年份之前、或撤并年份之后有在校生", school_open_period),
    QualityRule("year_on_year_jump", f"学校的在校生、专任教师或占地/校舍/教学用房/运动场馆面积一年内变为上年的 "
                f"{JUMP_FACTOR:g} 倍及以上或 1/{JUMP_FACTOR:g} 及以下（上年在校生 ≥50、教师 ≥10、面积 ≥500 ㎡）",
                year_on_year_jump),
    QualityRule("facilities_shrink", f"学校的占地/校舍/教学用房/运动场馆面积比上年减少 {SHRINK_PERCENT}% 以上"
                f"（上年 ≥{SHRINK_FLOOR:g} ㎡；减为上年 1/{JUMP_FACTOR:g} 及以下的按“一年变化 {JUMP_FACTOR:g} 倍”报告，不重复）", facilities_shrink),
]


def run_rules(store: Store, years: set[int] | None = None, after_import: bool = False) -> list[Finding]:
    """Run every rule; `years` limits the findings to those years (e.g. the years just imported). With
    `after_import`, rules whose findings the import has already reported cell by cell (soft bounds) are
    skipped, so the user is not told twice."""
    out: list[Finding] = []
    for rule in RULES:
        if after_import and rule.repeats_import_warning:
            continue
        out += rule.check(store, years)
    return out
