"""Import checks against the plan bound to a row's district: the project categories (项目类别).

A project's category is not a fixed code list of the model: it is one of the categories the plan bound
to the project's district declares (`eduplan plan use`; plan `key_projects.categories`, else those its
groups name). The district of a project row comes through its 学区 (zone → district) or its school
(school → district); a row naming neither belongs to the store's only district. A district without a
bound plan cannot have its projects imported: the error says to run `eduplan plan use` first.
An accepted category is stored exactly as the plan writes it.
"""

from __future__ import annotations

import unicodedata
from operator import itemgetter
from typing import Any

from ..model import TABLES_BY_NAME
from ..plan.binding import bound_plan, district_label
from ..plan.scope import known_districts
from .report import Issue

PROJECT = TABLES_BY_NAME["project"]


def _key(text: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def _issue(row: dict[str, Any], type_: str, column: str, value: Any, detail: str, rule: str = "") -> Issue:
    file, sheet = row["_where"]
    letter = (row.get("_letters") or {}).get(column)
    cell = f"{letter}{row['source_row']}" if letter and row.get("source_row") is not None else None
    return Issue(type_, file, sheet=sheet, row=row.get("source_row"), column=PROJECT.field(column).header,
                 cell=cell, value=value, detail=detail, rule=rule)


def district_names(store, merged: dict[str, list[dict[str, Any]]]) -> dict[str, str | None]:
    """code → name of every district the store and this import know (data, bound plans, imported rows)."""
    names = dict(known_districts(store))
    for r in merged.get("district", []):
        names[r["district_code"]] = r.get("district_name") or names.get(r["district_code"])
    for table in ("zone", "school"):
        for r in merged.get(table, []):
            names.setdefault(r["district_code"], None)
    return names


def project_category_issues(store, merged: dict[str, list[dict[str, Any]]]) -> list[Issue]:
    """Check every imported project row's category against its district's bound plan (see the module
    docstring); a valid category is rewritten to the plan's own spelling."""
    rows = merged.get("project") or []
    if not rows:
        return []
    zone_district = {r["zone_code"]: r["district_code"] for r in store.rows("zone", ["zone_code", "district_code"])}
    zone_district.update({r["zone_code"]: r["district_code"] for r in merged.get("zone", [])})
    school_district = {r["school_code"]: r["district_code"]
                       for r in store.rows("school", ["school_code", "district_code"])}
    school_district.update({r["school_code"]: r["district_code"] for r in merged.get("school", [])})
    names = district_names(store, merged)
    plans: dict[str, Any] = {}
    issues: list[Issue] = []
    rule = "项目类别须为项目所在区绑定规划所列的类别"
    for r in rows:
        zone, school = r.get("zone_code"), r.get("school_code")
        dz = zone_district.get(zone) if zone is not None else None
        ds = school_district.get(school) if school is not None else None
        if (zone is not None and dz is None) or (school is not None and ds is None):
            continue  # an unknown zone or school: the reference error says so
        if dz is not None and ds is not None and dz != ds:
            issues.append(_issue(r, "project-district", "zone_code", zone,
                                 f"学区 {zone} 属于 {district_label(dz, names.get(dz))}，学校 {school} 属于 "
                                 f"{district_label(ds, names.get(ds))}：一个项目只能属于一个区，请核对学区代码或学校标识码"))
            continue
        code = dz or ds
        if code is None:
            if len(names) == 1:
                code = next(iter(names))
            elif not names:
                issues.append(_issue(r, "plan-not-bound", "category", r["category"],
                                     "无法确定项目属于哪个区：数据库中还没有任何区的数据或规划。请先运行 eduplan plan use 规划文件 "
                                     "绑定本区规划，并导入区县、学区和学校（或与项目库同时导入），再导入项目库", rule=rule))
                continue
            else:
                have = "、".join(district_label(c, n) for c, n in names.items())
                issues.append(_issue(r, "project-district", "zone_code", None,
                                     f"数据库中有 {len(names)} 个区（{have}），本行没有填写学区代码或学校标识码，"
                                     "无法确定项目属于哪个区：请填写其一"))
                continue
        if code not in plans:
            found = bound_plan(store, code)
            plans[code] = None if found is None else found[0]
        plan = plans[code]
        label = district_label(code, names.get(code))
        if plan is None:
            issues.append(_issue(r, "plan-not-bound", "category", r["category"],
                                 f"项目属于 {label}，该区尚未绑定规划，无法核对项目类别：请先运行 eduplan plan use 规划文件 "
                                 "绑定该区的规划，再导入项目库", rule=rule))
            continue
        codes = plan.key_projects.category_codes() if plan.key_projects is not None else []
        match = next((c for c in codes if _key(c) == _key(r["category"])), None)
        if match is None:
            listed = "、".join(codes) if codes else "（规划没有列出任何项目类别）"
            issues.append(_issue(r, "category-unknown", "category", r["category"],
                                 f"不是 {label} 绑定的规划“{plan.meta.title}”所列的项目类别；该规划的类别：{listed}",
                                 rule=rule))
            continue
        r["category"] = match
    return issues


PLACE_COLUMNS = ("district_code", "zone_code", "school_code", "project_id", "area_code")


def _places(batches: list[dict[str, list[dict[str, Any]]]]) -> set[tuple]:
    """Each distinct combination of the columns that place a row (district, zone, school, project, area),
    as a tuple in PLACE_COLUMNS order: 50,000 enrolment rows hold ~1,500."""
    out: set[tuple] = set()
    for tables in batches:
        for name, rows in tables.items():
            t = TABLES_BY_NAME.get(name)
            cols = [c for c in PLACE_COLUMNS if t is None or c in t.labels]
            if not rows or not cols:
                continue
            get = itemgetter(*cols)
            try:
                seen = set(map(get, rows))  # one C call per row
            except KeyError:
                seen = {tuple(r.get(c) for c in cols) if len(cols) > 1 else r.get(cols[0]) for r in rows}
            for v in seen:
                named = dict(zip(cols, v if len(cols) > 1 else (v,)))
                out.add(tuple(named.get(c) for c in PLACE_COLUMNS))
    return out


def districts_of(store, batches: list[dict[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """The districts the rows of an import belong to (through district codes, zones, schools, area codes
    and projects), each with its bound plan: [{district_code, district_name, plan: {id, title} | None}]."""
    zone_district = {r["zone_code"]: r["district_code"] for r in store.rows("zone", ["zone_code", "district_code"])}
    school_district = {r["school_code"]: r["district_code"]
                       for r in store.rows("school", ["school_code", "district_code"])}
    project_district: dict[str, str] = {}
    for r in store.rows("project", ["project_id", "zone_code", "school_code"]):
        d = zone_district.get(r["zone_code"]) or school_district.get(r["school_code"])
        if d is not None:
            project_district[r["project_id"]] = d
    names = known_districts(store)
    found: set[str] = set()
    for district, zone, school, project, area in _places(batches):
        d = (district or zone_district.get(zone) or school_district.get(school) or project_district.get(project))
        if d is None and area is not None:
            d = area if area in names else zone_district.get(area)
        if d is not None:
            found.add(d)
    if not found and len(names) == 1:
        found = set(names)
    out = []
    for code in sorted(found):
        b = store.plan_bindings(code)  # the binding row holds id and title: no need to parse the plan
        out.append({"district_code": code, "district_name": names.get(code),
                    "plan": None if not b else {"id": b[-1]["plan_id"], "title": b[-1]["title"]}})
    return out
