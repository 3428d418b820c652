"""The school register, read side: the schools of the store with their type, 学区 and the years each has
data (`list_schools`), one school found by code or name (`find_school`) and its data and indicator values
across years (`school_profile`), and the years each table holds (`table_years`).

Read-only queries on the store; `eduplan schools`, `eduplan school` and `eduplan db status` only print
what these return. Missing stays missing: a year without a table's rows has no figure (None), never 0.
"""

from __future__ import annotations

from typing import Any

from ..errors import EduplanError
from ..names import NameNotFound, find, norm
from ..model import LEVELS, SCHOOL_TYPES, TABLES, levels_of
from ..store import Store

# the per-school tables whose rows make “a year with data” for a school
SCHOOL_TABLES = ("enrolment", "teachers", "facilities")
# one school's yearly figures: (key, label, unit of measure, table, SQL aggregate)
YEARLY = (
    ("pupils", "在校生", "人", "enrolment", "sum(pupils)"),
    ("classes", "班数", "个", "enrolment", "sum(classes)"),
    ("new_entrants", "招生", "人", "enrolment", "sum(new_entrants)"),
    ("graduates", "毕业生", "人", "enrolment", "sum(graduates)"),
    ("staff", "教职工", "人", "teachers", "sum(staff)"),
    ("teachers", "专任教师", "人", "teachers", "sum(teachers)"),
    ("land_area", "占地面积", "㎡", "facilities", "sum(land_area)"),
    ("building_area", "校舍建筑面积", "㎡", "facilities", "sum(building_area)"),
    ("classrooms", "教室", "间", "facilities", "sum(classrooms)"),
)


class SchoolFilterError(EduplanError):
    """A filter of `eduplan schools` names no district, 学区 or school type."""


def _years_by_school(store: Store) -> dict[str, list[int]]:
    union = " UNION ".join(f"SELECT DISTINCT school_code, year FROM {t}" for t in SCHOOL_TABLES)
    out: dict[str, list[int]] = {}
    for code, year in store.run(f"SELECT school_code, year FROM ({union}) ORDER BY school_code, year"):
        out.setdefault(code, []).append(int(year))
    return out


def _current_zones(store: Store) -> dict[str, dict[str, Any]]:
    """Each school's 学区 in its latest membership (the greatest start year)."""
    rows = store.dicts(
        "SELECT sz.school_code, sz.zone_code, z.zone_name, sz.start_year, sz.end_year FROM school_zone sz "
        "LEFT JOIN zone z USING (zone_code) ORDER BY sz.school_code, sz.start_year")
    return {r["school_code"]: r for r in rows}  # ordered by start year: the last one stays


def _type_codes(text: str) -> set[str]:
    """The 办学类型代码 a --type names: a code or label (211、小学), or a 学段 (初中: every type serving it)."""
    code = SCHOOL_TYPES.resolve(text)
    if code is not None:
        return {code}
    level = LEVELS.resolve(text)
    if level is not None:
        return {c.code for c in SCHOOL_TYPES.codes if level in levels_of(c.code)}
    try:
        key = find(text, [(c.code, c.code, [c.label]) for c in SCHOOL_TYPES.codes], "办学类型")
    except NameNotFound as e:
        raise SchoolFilterError(f"{e}；也可给学段：{'、'.join(LEVELS.values)}") from None
    return {str(key)}


def list_schools(store: Store, *, district: str | None = None, zone: str | None = None,
                 school_type: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
    """The schools of the store, ordered by code, each with its type, 办学性质, district, current 学区 and
    the years with data in 分年级学生数/专任教师/办学条件. Filters: `district` (code or name), `zone` (code
    or name, or an unambiguous part of a name), `school_type` (code, label or 学段), `name` (part of the
    school's name or code)."""
    districts = {r["district_code"]: r["district_name"] for r in store.dicts(
        "SELECT district_code, district_name FROM district")}
    zones = {r["zone_code"]: r["zone_name"] for r in store.dicts("SELECT zone_code, zone_name FROM zone")}
    want_district = want_zone = want_types = None
    if district:
        codes = set(districts) | {r[0] for r in store.run("SELECT DISTINCT district_code FROM school")}
        try:
            want_district = find(district, [(c, c, [districts.get(c) or ""]) for c in sorted(codes)], "区")
        except NameNotFound as e:
            raise SchoolFilterError(str(e)) from None
    if zone:
        try:
            want_zone = find(zone, [(c, c, [n or ""]) for c, n in sorted(zones.items())], "学区")
        except NameNotFound as e:
            raise SchoolFilterError(str(e)) from None
    if school_type:
        want_types = _type_codes(school_type)
    years = _years_by_school(store)
    current = _current_zones(store)
    out = []
    for s in store.dicts("SELECT school_code, school_name, type_code, ownership, inclusive, district_code, "
                         "opened_year, closed_year FROM school ORDER BY school_code"):
        z = current.get(s["school_code"]) or {}
        if want_district is not None and s["district_code"] != want_district:
            continue
        if want_zone is not None and z.get("zone_code") != want_zone:
            continue
        if want_types is not None and s["type_code"] not in want_types:
            continue
        if name and norm(name) not in norm(s["school_name"]) and norm(name) not in norm(s["school_code"]):
            continue
        out.append({
            **s,
            "type_name": _type_label(s["type_code"]),
            "district_name": districts.get(s["district_code"]),
            "zone_code": z.get("zone_code"), "zone_name": z.get("zone_name"),
            "years": years.get(s["school_code"], []),
        })
    return out


def _type_label(code: str | None) -> str | None:
    try:
        return SCHOOL_TYPES.label_of(code) if code else None
    except KeyError:
        return None


def find_school(store: Store, text: str) -> str:
    """The code of the school `text` names: its 10-digit code, its full name, or an unambiguous part of
    its name; NameNotFound names the nearest schools otherwise."""
    rows = store.run("SELECT school_code, school_name FROM school ORDER BY school_code")
    if not rows:
        raise NameNotFound("数据库中还没有学校（学校基本信息）；请先导入数据")
    return str(find(text, [(code, code, [name or ""]) for code, name in rows], "学校"))


def school_profile(store: Store, code: str, defs=None) -> dict[str, Any]:
    """One school: its record, its 学区 over time, its yearly figures (None where a table has no row that
    year), and the value of every indicator computed at school level in every year with data."""
    rows = store.dicts("SELECT * EXCLUDE (batch_id, source_row) FROM school WHERE school_code = ?", [code])
    if not rows:
        raise NameNotFound(f"没有代码为“{code}”的学校")
    info = rows[0]
    info["type_name"] = _type_label(info.get("type_code"))
    d = store.one("SELECT district_name FROM district WHERE district_code = ?", [info.get("district_code")])
    info["district_name"] = d[0] if d else None
    zones = store.dicts("SELECT sz.zone_code, z.zone_name, sz.start_year, sz.end_year FROM school_zone sz "
                        "LEFT JOIN zone z USING (zone_code) WHERE sz.school_code = ? ORDER BY sz.start_year", [code])
    yearly: dict[int, dict[str, Any]] = {}
    for table in SCHOOL_TABLES:
        items = [(k, agg) for k, _, _, t, agg in YEARLY if t == table]
        cols = ", ".join(f"{agg} AS {k}" for k, agg in items)
        for r in store.dicts(f"SELECT year, {cols} FROM {table} WHERE school_code = ? GROUP BY year", [code]):
            yearly.setdefault(int(r.pop("year")), {k: None for k, *_ in YEARLY}).update(r)
    years = sorted(yearly)
    return {
        "school": info,
        "zones": zones,
        "years": years,
        "figures": [{"key": k, "label": label, "unit_of_measure": unit, "table": t,
                     "values": {y: _num(yearly[y].get(k)) for y in years}} for k, label, unit, t, _ in YEARLY],
        "indicators": _school_indicators(store, code, defs) if years else [],
    }


def _num(v: Any) -> float | int | None:
    if v is None:
        return None
    f = float(v)
    return int(f) if f.is_integer() else f


def _school_indicators(store: Store, code: str, defs=None) -> list[dict[str, Any]]:
    """Every indicator declared at school level with a value (or a missing-data note) in some year."""
    from ..indicators import compute, load_definitions

    defs = defs or load_definitions()
    comp = compute(store, defs, school=code)
    v = comp.values
    if v.empty:
        return []
    v = v[(v["unit_type"] == "school") & (v["unit_code"] == code) & (v["bdim"] == "")]
    out = []
    for ind in defs.indicators:
        part = v[v["indicator"] == ind.id]
        if part.empty:
            continue
        values, missing = {}, {}
        for r in part.sort_values("year").itertuples():
            x = float(r.value)
            values[int(r.year)] = None if x != x else x
            note = getattr(r, "missing", None)
            if isinstance(note, str) and note:
                missing[int(r.year)] = note
        out.append({"id": ind.id, "name": ind.name, "unit_of_measure": ind.unit, "values": values,
                    "missing": missing})
    return out


def table_years(store: Store) -> dict[str, list[int] | None]:
    """The years each table holds (None for a table without a year column, e.g. 学校基本信息)."""
    out: dict[str, list[int] | None] = {}
    for t in TABLES:
        if "year" not in t.labels:
            out[t.name] = None
            continue
        out[t.name] = [int(r[0]) for r in store.run(f"SELECT DISTINCT year FROM {t.name} ORDER BY year")]
    return out
