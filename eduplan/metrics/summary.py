"""The district summary for one year: schools, pupils, classes, teachers, population, finance, and
the headline figures the plan publishes — all computed at query time with Ibis from the store.

Formulas follow ../shared/domain/methods.md §3 (教育统计 definitions):
- 学前三年毛入园率 = 在园幼儿数（K1–K3，全部年龄）/ 3–5 岁常住人口 × 100 (age band: PRESCHOOL_AGES)
- 高中阶段毛入学率 = (普通高中 + 中职 在校生) / 15–17 岁常住人口 × 100
- 高中教师研究生比例 = 高中学段研究生学历专任教师 / 高中学段专任教师 × 100
- 中职“双师型”教师比例 = 中职学段双师型教师 / 中职学段专任教师 × 100
- 公共财政教育支出占比 = 一般公共预算教育支出 / 一般公共预算支出 × 100
- 普惠性幼儿园在园幼儿占比 = (公办园 + 普惠性民办园 在园幼儿) / 全部在园幼儿 × 100
"""

from __future__ import annotations

from typing import Any

import ibis
from ibis import _

from ..model import GRADE_LEVEL, LEVELS, SCHOOL_TYPES
from ..store import Store

PRESCHOOL_AGES = (3, 5)
UPPER_SECONDARY_AGES = (15, 17)
COMPULSORY_AGES = (6, 14)


def _grade_levels():
    return ibis.memtable({"grade": list(GRADE_LEVEL), "level": list(GRADE_LEVEL.values())})


def _ratio(num: float | None, den: float | None, factor: float = 100.0) -> float | None:
    if num is None or not den:
        return None
    return num / den * factor


def _scalar(expr) -> Any:
    v = expr.to_pyarrow().as_py()
    return v


def default_district(store: Store) -> str | None:
    rows = store.run("SELECT district_code FROM district ORDER BY district_code LIMIT 1")
    return rows[0][0] if rows else None


def district_summary(store: Store, year: int, district_code: str | None = None) -> dict[str, Any]:
    con = store.ibis()
    district_code = district_code or default_district(store)
    if district_code is None:
        return {"year": year, "district": None, "empty": True}
    d = con.table("district").filter(_.district_code == district_code).to_pyarrow().to_pylist()
    school = con.table("school").filter(_.district_code == district_code)
    enr = con.table("enrolment").filter(_.year == year)
    enr = enr.join(school.select("school_code", "type_code", "ownership", "inclusive"), "school_code")
    enr = enr.join(_grade_levels(), "grade")
    # special-education schools report 小学/初中 grades but are their own level (特教)
    enr = enr.mutate(level=ibis.cases((enr.type_code.startswith("5"), "特教"), else_=enr.level))
    teachers = con.table("teachers").filter(_.year == year).join(school.select("school_code"), "school_code")
    pop = con.table("population").filter((_.year == year) & (_.area_code == district_code))
    area = con.table("area_year").filter((_.year == year) & (_.area_code == district_code))
    reported = con.table("reported").filter((_.year == year) & (_.area_code == district_code))

    by_level = (enr.group_by("level")
                .aggregate(schools=_.school_code.nunique(), pupils=_.pupils.sum(), classes=_.classes.sum(),
                           female=_.female.sum(), new_entrants=_.new_entrants.sum())
                .to_pyarrow().to_pylist())
    t_by = (teachers.group_by("section")
            .aggregate(staff=_.staff.sum(), teachers=_.teachers.sum(), postgrad=_.q_postgrad.sum(),
                       dual=_.dual.sum())
            .to_pyarrow().to_pylist())
    order = {c: i for i, c in enumerate(LEVELS.values)}
    by_level.sort(key=lambda r: order[r["level"]])
    t_by.sort(key=lambda r: order[r["section"]])
    levels = {r["level"]: r for r in by_level}
    tsec = {r["section"]: r for r in t_by}
    for r in by_level:
        t = tsec.get(r["level"])
        r["teachers"] = t["teachers"] if t else None
        r["pupil_teacher_ratio"] = _ratio(r["pupils"], r["teachers"], 1.0) if t else None

    # schools by type (those with pupils this year)
    active = enr.select("school_code", "type_code", "ownership").distinct()
    by_type = active.group_by(["type_code", "ownership"]).aggregate(n=_.count()).to_pyarrow().to_pylist()
    for r in by_type:
        r["type_label"] = SCHOOL_TYPES.label_of(r["type_code"])
    by_type.sort(key=lambda r: (r["type_code"], r["ownership"]))

    def pop_band(lo: int, hi: int) -> int | None:
        return _scalar(pop.filter((_.age >= lo) & (_.age <= hi)).population.sum())

    # zones: membership effective in `year`
    sz = con.table("school_zone")
    sz = sz.filter((_.start_year <= year) & (_.end_year.isnull() | (_.end_year >= year)))
    zones = con.table("zone").filter(_.district_code == district_code)
    ez = enr.join(sz.select("school_code", "zone_code"), "school_code")
    by_zone = (ez.group_by("zone_code").aggregate(schools=_.school_code.nunique(), pupils=_.pupils.sum())
               .join(zones.select("zone_code", "zone_name"), "zone_code")
               .order_by("zone_code").to_pyarrow().to_pylist())

    kg = levels.get("学前", {}).get("pupils")
    kg_inclusive = _scalar(enr.filter((_.level == "学前") & ((_.ownership == "公办") | (_.inclusive == "是")))
                           .pupils.sum())
    upper = (levels.get("高中", {}).get("pupils") or 0) + (levels.get("中职", {}).get("pupils") or 0)
    fin = area.to_pyarrow().to_pylist()
    fin = fin[0] if fin else {}
    rep = {r["item"]: r for r in reported.to_pyarrow().to_pylist()}
    p35, p1517, p614 = pop_band(*PRESCHOOL_AGES), pop_band(*UPPER_SECONDARY_AGES), pop_band(*COMPULSORY_AGES)
    hs, voc = tsec.get("高中", {}), tsec.get("中职", {})
    figures = {
        "preschool_gross_enrolment": _ratio(kg, p35),
        "upper_secondary_gross_enrolment": _ratio(upper or None, p1517),
        "senior_teacher_postgraduate_share": _ratio(hs.get("postgrad"), hs.get("teachers")),
        "vocational_dual_qualified_teacher_share": _ratio(voc.get("dual"), voc.get("teachers")),
        "education_expenditure_share": _ratio(fin.get("education_expenditure"), fin.get("public_expenditure")),
        "inclusive_kindergarten_share": _ratio(kg_inclusive, kg),
        "new_labour_schooling_years": rep.get("new_labour_schooling_years", {}).get("value"),
        "labour_force_schooling_years": rep.get("labour_force_schooling_years", {}).get("value"),
    }
    return {
        "year": year,
        "district": d[0] if d else {"district_code": district_code},
        "schools_by_type": by_type,
        "levels": by_level,
        "teachers": t_by,
        "zones": by_zone,
        "population": {"3-5": p35, "6-14": p614, "15-17": p1517, "0-22": pop_band(0, 22),
                       "residents": fin.get("residents"), "births": fin.get("births")},
        "finance": {k: fin.get(k) for k in ("public_expenditure", "education_expenditure")},
        "figures": figures,
    }


# Keys are the plan's indicator ids (eduplan/plan/data/*.yaml), so outputs can set each figure beside
# the value the plan publishes.
FIGURE_LABELS = {
    "preschool_gross_enrolment": ("学前三年毛入园率", "%"),
    "upper_secondary_gross_enrolment": ("高中阶段教育毛入学率", "%"),
    "senior_teacher_postgraduate_share": ("高中教师研究生水平比例", "%"),
    "vocational_dual_qualified_teacher_share": ("中等职业教育“双师型”教师比例", "%"),
    "education_expenditure_share": ("公共财政教育支出占公共财政支出比例", "%"),
    "inclusive_kindergarten_share": ("公办园和普惠性民办园在园幼儿占比", "%"),
    "new_labour_schooling_years": ("新增劳动力平均受教育年限（上报）", "年"),
    "labour_force_schooling_years": ("劳动年龄人口平均受教育年限（上报）", "年"),
}
