"""The relations indicator terms are written against, built as Ibis expressions over the store.

School-grain relations (one row per school × year × …, with the school's attributes):
- enrolment:  the enrolment table + level (学段 of the grade; 特教 for special schools)
- teachers:   the teachers table, level = section (学段)
- facilities: the facilities table, level = the school's stage
- schools:    one row per school × year with pupils, pupils_compulsory, classes and the facility columns
Every school-grain relation also has type_code, ownership, inclusive, district_code, stage and k12
(True for 中小学: 办学类型 2xx/3xx except 中职).
Area-grain relations (one row per area_code × year × …): population, area_year, reported.
"""

from __future__ import annotations

from typing import Any

import ibis
from ibis import _

from ..model import GRADE_LEVEL
from ..store import Store

K12_TYPES = ("211", "213", "218", "311", "312", "319", "341", "342", "345", "349")
STAGE = {
    "111": "学前", "119": "学前", "211": "小学", "213": "小学", "218": "小学", "311": "初中", "319": "初中",
    "312": "九年一贯制", "341": "完全中学", "342": "高中", "349": "高中", "345": "十二年一贯制",
    "361": "中职", "365": "中职", "366": "中职", "511": "特教", "512": "特教", "513": "特教", "514": "特教",
}
SCHOOL_ATTRS = ("school_code", "type_code", "ownership", "inclusive", "district_code")


def _schools(con) -> Any:
    s = con.table("school").select(*SCHOOL_ATTRS)
    return s.mutate(stage=s.type_code.substitute(STAGE), k12=s.type_code.isin(K12_TYPES))


# The stored tables a derived relation (one without its own batch_id) is built from: explain names their import
# batches behind a figure (the school × year relation sums enrolment and joins facilities).
LINEAGE: dict[str, tuple[str, ...]] = {"schools": ("enrolment", "facilities")}


def build_relations(store: Store) -> dict[str, Any]:
    con = store.ibis()
    schools = _schools(con)
    enr = con.table("enrolment").join(schools, "school_code")
    enr = enr.mutate(level=ibis.cases((enr.type_code.startswith("5"), "特教"), else_=enr.grade.substitute(GRADE_LEVEL)))

    teachers = con.table("teachers").join(schools, "school_code")
    teachers = teachers.mutate(level=teachers.section)

    fac = con.table("facilities").join(schools, "school_code")
    fac = fac.mutate(level=fac.stage)

    per_school = (enr.group_by(["year", "school_code"])
                  .aggregate(pupils=_.pupils.sum(), classes=_.classes.sum(),
                             pupils_compulsory=_.pupils.sum(where=_.level.isin(("小学", "初中")))))
    per_school = per_school.mutate(pupils_compulsory=per_school.pupils_compulsory.fill_null(0))
    fac_cols = [c for c in con.table("facilities").columns if c not in ("year", "school_code", "batch_id", "source_row")]
    school_year = (per_school.join(schools, "school_code")
                   .left_join(con.table("facilities").select("year", "school_code", *fac_cols), ["year", "school_code"]))
    school_year = school_year.select(*[c for c in school_year.columns if not c.endswith("_right")])
    school_year = school_year.mutate(level=school_year.stage)

    return {
        "enrolment": enr,
        "teachers": teachers,
        "facilities": fac,
        "schools": school_year,
        "population": con.table("population"),
        "area_year": con.table("area_year"),
        "reported": con.table("reported"),
    }
