"""The evaluation's input: one record per school (from the store for a year, or from a standalone file),
split into one unit per school and level (小学 / 初中) as methods.md §1.3 says.

A `SchoolRecord` holds what a school reports: students per level (高中 too, for splitting), teacher
counts per section (teachers are counted where they teach) and facility totals for the whole school.
`split_units` applies the scope rules (special and vocational schools, 教学点 under 50 pupils are out)
and splits facility totals by weighted students — a nine-year school with A primary and B junior pupils
gives A / (A + 1.1·B) of its floor area to 小学. A quantity that is None is unknown — its column is absent
from a standalone file, a cell it adds up was left blank, or the school has no row for it in the store —
and never taken as 0: the indicators that need it are then not computable and say which schools lack it.

Quantities: teacher counts `teachers`, `qual` (高于规定学历: 小学 专科及以上, 初中 本科及以上), `backbone`
(县级以上骨干 = 区级 + 市级 + 省级), `pe_art` (体育 + 音乐 + 美术), `senior_title` (中级及以上 = 正高级 +
高级 + 一级); facility totals `teaching_area` (㎡), `sports_area` (㎡), `equipment` (元), `multimedia_rooms`,
`computers`, `books`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.codes import GRADE_LEVEL, SCHOOL_TYPES, levels_of
from .settings import LEVELS, BalanceSettings

TEACHER_QUANTITIES = ("teachers", "qual", "backbone", "pe_art", "senior_title")
FACILITY_QUANTITIES = ("teaching_area", "sports_area", "equipment", "multimedia_rooms", "computers", "books")
QUANTITY_LABELS = {
    "teachers": "专任教师数", "qual": "高于规定学历教师数", "backbone": "县级以上骨干教师数",
    "pe_art": "体育艺术专任教师数", "senior_title": "中级及以上职称教师数",
    "teaching_area": "教学及辅助用房面积", "sports_area": "体育运动场馆面积", "equipment": "教学仪器设备值",
    "multimedia_rooms": "网络多媒体教室数", "computers": "计算机台数", "books": "图书册数",
}


@dataclass
class SchoolRecord:
    code: str
    name: str
    type_code: str
    pupils: dict[str, int]  # level (小学/初中/高中) -> students
    sections: dict[str, dict[str, float | None]]  # level -> teacher quantity -> count
    facilities: dict[str, float | None]  # facility quantity -> school total
    row: int | None = None  # row in a standalone file


@dataclass(frozen=True)
class Unit:
    """One school in one level: its students and the raw totals the indicators divide."""

    code: str
    name: str
    type_code: str
    level: str
    pupils: int
    share: float  # of the school's facility totals
    totals: dict[str, float | None] = field(hash=False)


@dataclass(frozen=True)
class Excluded:
    code: str
    name: str
    type_code: str
    reason: str


def exclusion_reason(type_code: str, pupils: int, settings: BalanceSettings) -> str | None:
    """Why a school is outside the evaluation (None when it is in scope)."""
    if type_code.startswith("5"):
        return "特殊教育学校不参评"
    if type_code.startswith("36"):
        return "职业学校不参评"
    if type_code not in settings.scope_types:
        return "非义务教育学校"
    if type_code in settings.teaching_point_types and pupils < settings.teaching_point_min_pupils:
        return f"教学点学生不足 {settings.teaching_point_min_pupils} 人，不参评"
    return None


def facility_shares(record: SchoolRecord, settings: BalanceSettings) -> dict[str, float]:
    """Each level's share of the school's facility totals, by weighted students (methods.md §1.3)."""
    weights = settings.weights_for(record.type_code)
    served = [lvl for lvl in levels_of(record.type_code) if lvl in weights or lvl in LEVELS]
    weighted = {lvl: weights.get(lvl, 1.0) * record.pupils.get(lvl, 0) for lvl in served}
    total = sum(weighted.values())
    if total <= 0:
        return {}
    return {lvl: w / total for lvl, w in weighted.items()}


def split_units(records: list[SchoolRecord], settings: BalanceSettings) -> tuple[list[Unit], list[Excluded]]:
    """The evaluated (school, level) units and the schools left out (with the reason)."""
    units: list[Unit] = []
    excluded: list[Excluded] = []
    for r in records:
        compulsory = sum(r.pupils.get(lvl, 0) for lvl in LEVELS)
        reason = exclusion_reason(r.type_code, compulsory, settings)
        if reason is not None:
            if reason != "非义务教育学校" or compulsory > 0:
                excluded.append(Excluded(r.code, r.name, r.type_code, reason))
            continue
        shares = facility_shares(r, settings)
        for lvl in LEVELS:
            p = r.pupils.get(lvl, 0)
            if lvl not in levels_of(r.type_code) or p <= 0:
                continue
            share = shares.get(lvl, 0.0)
            totals: dict[str, float | None] = dict(r.sections.get(lvl) or {q: None for q in TEACHER_QUANTITIES})
            for q in FACILITY_QUANTITIES:
                v = r.facilities.get(q)
                totals[q] = None if v is None else v * share
            units.append(Unit(r.code, r.name, r.type_code, lvl, p, share, totals))
    return units, excluded


# ------------------------------------------------------------------ from the store


def store_years(store) -> list[int]:
    return [r[0] for r in store.run("SELECT DISTINCT year FROM enrolment ORDER BY 1")]


def _total(*parts) -> float | None:
    """The sum of stored counts, or None (missing) when any of them is NULL."""
    return None if any(p is None for p in parts) else float(sum(parts))


def records_from_store(store, year: int, settings: BalanceSettings | None = None, district_code: str | None = None,
                       ) -> tuple[list[SchoolRecord], list[str]]:
    """Every school with students in `year` (of one district — the evaluation is 县域 — or of the whole
    store when None), as records; notes say what was missing (missing is never taken as 0)."""
    settings = settings or BalanceSettings()
    notes: list[str] = []
    where, params = ("WHERE district_code = ?", [district_code]) if district_code else ("", [])
    schools = {c: (n, t) for c, n, t in store.run(f"SELECT school_code, school_name, type_code FROM school {where}",
                                                  params)}
    pupils: dict[str, dict[str, int]] = {}
    for code, grade, n in store.run(
            "SELECT school_code, grade, sum(pupils) FROM enrolment WHERE year = ? GROUP BY ALL", [year]):
        lvl = GRADE_LEVEL[grade]
        pupils.setdefault(code, {})
        pupils[code][lvl] = pupils[code].get(lvl, 0) + int(n)
    sections: dict[str, dict[str, dict[str, float | None]]] = {}
    for row in store.run(
            "SELECT school_code, section, teachers, q_postgrad, q_bachelor, q_college, t_senior_full, t_senior, "
            "t_first, pe, music, art, bb_district, bb_city, bb_province FROM teachers WHERE year = ?", [year]):
        code, section = row[:2]
        teachers, post, bachelor, college, sfull, senior, first, pe, music, art, bd, bc, bp = row[2:]
        sections.setdefault(code, {})[section] = {
            "teachers": _total(teachers),
            "qual": _total(post, bachelor, *((college,) if section == "小学" else ())),
            "backbone": _total(bd, bc, bp), "pe_art": _total(pe, music, art),
            "senior_title": _total(sfull, senior, first)}
    facilities: dict[str, dict[str, float | None]] = {}
    for code, teach, sports, equip, mm, comp, books in store.run(
            "SELECT school_code, teaching_area, sports_area, equipment_value, multimedia_rooms, computers, books "
            "FROM facilities WHERE year = ?", [year]):
        facilities[code] = {"teaching_area": _total(teach), "sports_area": _total(sports),
                            "equipment": None if equip is None else float(equip) * 10_000,
                            "multimedia_rooms": _total(mm), "computers": _total(comp), "books": _total(books)}
    records = []
    for code in sorted(pupils):
        if code not in schools:
            continue
        name, type_code = schools[code]
        rec = SchoolRecord(code, name, type_code, pupils[code], {}, facilities.get(code) or {})
        in_scope = exclusion_reason(type_code, sum(rec.pupils.get(lvl, 0) for lvl in LEVELS), settings) is None
        for lvl in LEVELS:
            if lvl in levels_of(type_code) and rec.pupils.get(lvl, 0) > 0:
                got = sections.get(code, {}).get(lvl)
                if got is None and in_scope:
                    notes.append(f"{name}（{code}）{year} 年没有{lvl}专任教师数据：教师各项指标缺失（不按 0 计）")
                rec.sections[lvl] = got or {q: None for q in TEACHER_QUANTITIES}
                if got is not None and in_scope:
                    blank = [QUANTITY_LABELS[q] for q in TEACHER_QUANTITIES if got[q] is None]
                    if blank:
                        notes.append(f"{name}（{code}）{year} 年{lvl}未填报{'、'.join(blank)}的组成项：这些指标缺失（不按 0 计）")
        if code not in facilities:
            if in_scope:
                notes.append(f"{name}（{code}）{year} 年没有办学条件数据：办学条件各项指标缺失（不按 0 计）")
            rec.facilities = {q: None for q in FACILITY_QUANTITIES}
        records.append(rec)
    return records, notes


def type_label(code: str) -> str:
    try:
        return SCHOOL_TYPES.label_of(code)
    except KeyError:
        return code
