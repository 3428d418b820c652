"""A store's own examples and plan code lists for its fill-in templates (`eduplan template --db`).

The model's examples are neutral (示例区, XQ01, 示例小学). A template written for a store with one
district (or the district named with --district) shows that district's own codes instead: its
行政区划代码 and name, one of its 学区, a real school of it (a primary school when it has one), and the
first project of its bound plan; the 项目类别 column offers the bound plan's categories as its dropdown.
The importer recognises such an example row by the seal written beside it (validate.example_seal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import CodeList, levels_of
from ..model.codes import PROJECT_WORKS, Code


@dataclass
class TemplateContext:
    """Examples (field name → value) and dropdown lists (field name → CodeList) replacing the model's."""

    examples: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, CodeList] = field(default_factory=dict)
    district: str | None = None
    notes: list[str] = field(default_factory=list)


def plan_categories(plan) -> CodeList | None:
    """The plan's project categories as a code list (for a dropdown), None when it declares none."""
    kp = plan.key_projects
    codes = kp.category_codes() if kp is not None else []
    if not codes:
        return None
    described = {c.code: c.description or "" for c in kp.categories}
    return CodeList("project_category", "项目类别",
                    tuple(Code(c, c, described.get(c, "")) for c in codes),
                    source=f"规划“{plan.meta.title}”")


def template_context(store, district: str | None = None) -> TemplateContext:
    """The examples and code lists of the store's district (the only one, or `district`); the model's
    own (an empty context, with a note) when the store holds none or several and none is named."""
    from ..plan.binding import bound_plan, district_label
    from ..plan.scope import choose_districts, known_districts

    known = known_districts(store)
    if district:
        code = choose_districts(store, district)[0]
    elif len(known) == 1:
        code = next(iter(known))
    else:
        ctx = TemplateContext()
        if known:
            have = "、".join(district_label(c, n) for c, n in known.items())
            ctx.notes.append(f"数据库中有 {len(known)} 个区（{have}），模板使用通用示例；"
                             "用 --district 指定一个区，即以该区的代码和规划类别为示例")
        return ctx
    ex: dict[str, Any] = {"district_code": code, "area_code": code}
    drow = store.con.execute("SELECT district_name, city_name FROM district WHERE district_code = ?",
                             [code]).fetchall()
    found = bound_plan(store, code)
    plan = found[0] if found else None
    name = drow[0][0] if drow else (plan.meta.district.name if plan else known.get(code))
    if name:
        ex["district_name"] = name
    city = drow[0][1] if drow else (plan.meta.district.city if plan else None)
    if city:
        ex["city_name"] = city
    school = _a_school(store, code)
    zone_row = None
    if school is not None:
        ex.update({k: school[k] for k in ("school_code", "school_name", "type_code", "ownership", "inclusive",
                                          "address", "opened_year")})
        zone_row = store.con.execute(
            "SELECT z.zone_code, z.zone_name FROM school_zone sz JOIN zone z USING (zone_code) "
            "WHERE sz.school_code = ? ORDER BY sz.start_year DESC LIMIT 1", [school["school_code"]]).fetchall()
    if not zone_row:
        zone_row = store.con.execute("SELECT zone_code, zone_name FROM zone WHERE district_code = ? "
                                     "ORDER BY zone_code LIMIT 1", [code]).fetchall()
    if zone_row:
        ex["zone_code"], ex["zone_name"] = zone_row[0]
    ctx = TemplateContext(ex, {}, code)
    if plan is not None:
        cats = plan_categories(plan)
        if cats is not None:
            ctx.codes["category"] = cats
            ex["category"] = cats.values[0]
        if plan.key_projects is not None and plan.key_projects.projects:
            p = next((p for p in plan.key_projects.projects if cats is None or p.category in cats.values),
                     plan.key_projects.projects[0])
            ex.update({"project_id": p.id, "project_name": p.name, "category": p.category})
            if p.work in PROJECT_WORKS.values:
                ex["work"] = p.work
    else:
        ctx.notes.append(f"{district_label(code, name)} 尚未绑定规划：“项目类别”没有下拉列表"
                         "（运行 eduplan plan use 规划文件 后重新写出模板）")
    return ctx


def _a_school(store, code: str) -> dict[str, Any] | None:
    """A school of the district for the examples: a primary school when there is one (so that the other
    examples — grade P1, section 小学 — fit it), else the first by code."""
    rows = store.con.execute(
        "SELECT school_code, school_name, type_code, ownership, inclusive, address, opened_year FROM school "
        "WHERE district_code = ? AND closed_year IS NULL ORDER BY school_code", [code]).fetchall()
    cols = ("school_code", "school_name", "type_code", "ownership", "inclusive", "address", "opened_year")
    schools = [dict(zip(cols, r)) for r in rows]
    for s in schools:
        if s["type_code"] == "211":
            return s
    for s in schools:
        if "小学" in levels_of(s["type_code"]):
            return s
    return schools[0] if schools else None
