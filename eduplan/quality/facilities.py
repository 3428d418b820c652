"""Facilities across years: a school's land or floor area that shrinks from one year to the next.

A school rarely loses land or floor space: a building is demolished, a plot handed to another use, or —
far more often — the figure was typed in the wrong unit, for the wrong school, or from another line of the
form. The reviewer of a submission (issue 13) is asked to check each such drop with the school.
"""

from __future__ import annotations

from ..store import Store
from .base import Finding, df, num, opt_int, years_clause
from .plausible import JUMP_FACTOR

# A drop of more than 10 % in one year. Re-measurement and rounding move an area by a few percent; a tenth
# or more is a building or a plot gone, or a figure typed wrong — worth a phone call either way.
SHRINK_PERCENT = 10

# The previous year's area must be at least 500 ㎡: a small sports room or a kindergarten's yard re-measured
# changes by more than a tenth without anything having happened.
SHRINK_FLOOR = 500.0

# (column, label) of the areas compared: 占地面积, 校舍建筑面积, 教学及辅助用房面积, 体育运动场馆面积
AREAS = (("land_area", "占地面积"), ("building_area", "校舍建筑面积"),
         ("teaching_area", "教学及辅助用房面积"), ("sports_area", "体育运动场馆面积"))


def facilities_shrink(store: Store, years: set[int] | None) -> list[Finding]:
    """Every school × year × area smaller than the year before by more than SHRINK_PERCENT (the year before
    ≥ SHRINK_FLOOR ㎡). A drop to 1/JUMP_FACTOR or less is left to year_on_year_jump (told once)."""
    out = []
    for column, label in AREAS:
        d = df(store, f"SELECT f.year, f.school_code, s.school_name, f.{column} AS v, p.{column} AS prev, "
                      "f.source_row, f.batch_id FROM facilities f JOIN facilities p "
                      "ON p.school_code = f.school_code AND p.year = f.year - 1 "
                      "JOIN school s ON s.school_code = f.school_code "
                      f"WHERE f.{column} IS NOT NULL AND p.{column} >= ? "
                      f"AND (p.{column} - f.{column}) * 100 > ? * p.{column} "
                      f"AND f.{column} * ? > p.{column}" + years_clause(years, "f.year")
                      + " ORDER BY f.school_code, f.year", [SHRINK_FLOOR, SHRINK_PERCENT, JUMP_FACTOR])
        for r in d.itertuples():
            out.append(Finding(
                "facilities_shrink", "warning",
                f"{r.school_name}（{r.school_code}）{r.year} 年{label} {num(r.v)} ㎡，比上年 {num(r.prev)} ㎡减少 "
                f"{num(round(r.prev - r.v, 2))} ㎡（{_change(r.v, r.prev)}，减少超过 {SHRINK_PERCENT}%）；"
                "学校的用地和校舍面积一般不会减少：请核对是否拆除/划出，或单位填错",
                [{"table": "facilities", "year": int(r.year), "school_code": r.school_code, "column": column,
                  "value": float(r.v), "source_row": opt_int(r.source_row), "batch_id": opt_int(r.batch_id)}]))
    return out


def _change(v: float, prev: float) -> str:
    """The change in percent with the decimals that keep a flagged drop beyond the threshold (−10.01%, never
    a −10.0% said to be more than 10 %)."""
    for decimals in range(1, 5):
        text = f"{v / prev - 1:+.{decimals}%}"
        if float(text.rstrip("%")) < -SHRINK_PERCENT:
            return text
    return text
