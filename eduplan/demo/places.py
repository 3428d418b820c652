"""Demo rows for school places: new housing, the key-project library with places, milestones and money,
and the design capacity (设计办学规模班数) of the district's schools.

`demo_places(data, seed)` reads the district built by district.py and returns rows for `housing`,
`project`, `project_capacity`, `project_milestone` and `project_finance`. It also fills
`facilities.design_classes` in `data` in place (district.py leaves it blank): a school's buildings
hold the most classes it ran up to 2020 (compulsory schools; other schools: in any year) times a
margin drawn in [1.00, 1.06] (a few crowded central schools 0.93–0.97), plus the classes a named project adds from its in-use year (汉西小学 2023, 十七初 2024);
a school opened by a project holds the project's classes. So the schools were about full in 2020 and
the growth of 2021–2025 shows as crowding where no project arrived — the plan's 入学矛盾.

The story the rows tell (the plan's 五 and its 13th-plan lesson that projects slip):
- housing: the 配建 projects' developments (融创宗关, 万科汉宜, 常码头还建, 长丰村 and 东风村 城中村改造 …)
  fill up 2020–2026 in the 学区 of their schools; two later developments (汉江湾·古田 片, 汉正街 旧改)
  complete after 2025;
- the 14 kindergartens and the 8 schools the district already opened went into use as planned (their
  actual dates match the district's opening years); of the projects due by the end of 2025, 南垸坊小学
  扩建 and 43 中扩建 slipped (竣工 not reached, in use a year late), 汉正教育园 started late and is not
  topped out, 武汉市第二十六中学 and the 滨江/汉滨 car park finished late;
- money: yearly plans follow the allocation over the listed years; 十七初扩建 overran its budget and
  汉正教育园 lags its yearly plans (资金预警); 汉江湾国际学校 carries a recorded investment.
Deterministic: the same seed gives the same rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from ..plan import load_plan
from ..projects.library import in_use_lag, largest_remainder
from ..projects.settings import ProjectSettings

# project id → (demo school name or None, zone or None (None: the school's zone), work, {level: classes})
SCHOOL_PROJECTS: dict[str, tuple[str | None, str | None, str, dict[str, int]]] = {
    "sch_changmatou": ("武汉市硚口区常码头小学", None, "配建", {"小学": 24}),
    "sch_vanke_hanyi": ("武汉市硚口区汉宜小学", None, "配建", {"小学": 24}),
    "sch_rongchuang_zongguan": ("武汉市硚口区融创小学", None, "配建", {"小学": 30}),
    "sch_17th_junior_extension": ("武汉市第十七初级中学", None, "扩建", {"初中": 12}),
    "sch_fayuanxi": ("武汉市硚口区法院西小学", None, "新建", {"小学": 24}),
    "sch_changfengcun": ("武汉市硚口区长丰村小学", None, "新建", {"小学": 30}),
    "sch_dongfengcun_junior": ("武汉市硚口区东风初级中学", None, "新建", {"初中": 30}),
    "sch_hanxi_relocation": ("武汉市硚口区汉西小学", None, "异地新建", {"小学": 12}),
    "sch_nanyuanfang_extension": ("武汉市硚口区南垸坊小学", None, "扩建", {"小学": 12}),
    "sch_43_extension": ("武汉市第四十三中学", None, "扩建", {"高中": 12}),
    "sch_gutianlu6_60": (None, "QK01", "新建", {"初中": 24}),
    "sch_hanjiangwan_international": (None, "QK04", "新建", {"小学": 24, "初中": 12}),
    "sch_gutianlu_primary_relocation": ("武汉市硚口区古田路小学", None, "异地新建", {"小学": 12}),
    "sch_hanzheng_campus": (None, "QK03", "新建", {"小学": 18, "初中": 12}),
}
KG_SCHOOLS = {  # project id → stem of the demo kindergarten 武汉市硚口区{stem}幼儿园
    "kg_hongxing_jiayuan": "红星佳苑", "kg_jindi_k3": "金地K3", "kg_mingyuefu": "洺悦府", "kg_jindi_k1": "金地K1",
    "kg_yonglicun_h2": "永利村H2", "kg_changfeng_k11": "美好香域", "kg_changfeng_k1": "华润一职南",
    "kg_vanke_hanyi": "万科汉宜", "kg_rongchuang": "融创", "kg_fudi": "复地御江", "kg_hanjiangwan_yihao": "汉江湾壹号",
    "kg_changfeng_h5": "长丰H5", "kg_meihao_mingliu": "美好名流", "kg_dongfengcun_k1": "东风村",
}
HIGH_SCHOOLS = {"hs_no11": "武汉市第十一中学", "hs_no4": "武汉市第四中学", "hs_no17": "武汉市第十七中学",
                "hs_no26": "武汉市第二十六中学", "hs_no29": "武汉市第二十九中学", "hs_no43": "武汉市第四十三中学",
                "hs_vocational_1": "武汉市第一职业教育中心", "park_no11": "武汉市第十一中学",
                "park_no17": "武汉市第十七中学", "park_binjiang_hanbin": "武汉市十一滨江初级中学"}
CROWDED = ("武汉市硚口区崇仁路小学", "武汉市硚口区汉正街小学", "武汉市硚口区六角亭小学", "武汉市崇仁初级中学")

# (name, zone or None → the linked project's zone, households, completion year, occupancy years, project id)
HOUSING: tuple[tuple[str, str | None, int, int, int | None, str | None], ...] = (
    ("融创·宗关御府", None, 3600, 2022, 3, "sch_rongchuang_zongguan"),
    ("万科·汉宜片", None, 2800, 2021, 3, "sch_vanke_hanyi"),
    ("常码头还建地", None, 2400, 2021, 2, "sch_changmatou"),
    ("长丰村城中村改造", None, 4500, 2022, 4, "sch_changfengcun"),
    ("东风村城中村改造 K1 地块", None, 3800, 2024, 3, "sch_dongfengcun_junior"),
    ("法院西片区", None, 1500, 2022, 3, "sch_fayuanxi"),
    ("红星佳苑", None, 1200, 2020, None, "kg_hongxing_jiayuan"),
    ("金地悦江 K3", None, 1400, 2020, None, "kg_jindi_k3"),
    ("洺悦府", None, 1100, 2020, None, "kg_mingyuefu"),
    ("金地悦江 K1", None, 1300, 2021, None, "kg_jindi_k1"),
    ("永利村 H2", None, 1200, 2021, None, "kg_yonglicun_h2"),
    ("美好香域", None, 1600, 2022, None, "kg_changfeng_k11"),
    ("华润·一职南", None, 1500, 2022, None, "kg_changfeng_k1"),
    ("复地御江", None, 1300, 2023, None, "kg_fudi"),
    ("汉江湾壹号", None, 1500, 2023, None, "kg_hanjiangwan_yihao"),
    ("长丰 H5", None, 1200, 2024, None, "kg_changfeng_h5"),
    ("美好名流", None, 1300, 2024, None, "kg_meihao_mingliu"),
    ("汉江湾·古田片区", "QK01", 5200, 2026, 3, "sch_gutianlu_primary_relocation"),
    ("汉正街旧城改造", "QK03", 3000, 2027, 3, "sch_hanzheng_campus"),
)

# Slipped or late projects: id → {milestone: (actual date or None = not reached by the end of 2025)}
SLIPPAGE: dict[str, dict[str, date | None]] = {
    "sch_nanyuanfang_extension": {"主体封顶": date(2025, 6, 20), "竣工": None, "投入使用": None},
    "sch_43_extension": {"开工": date(2023, 11, 8), "主体封顶": date(2025, 4, 30), "竣工": None, "投入使用": None},
    "sch_hanzheng_campus": {"立项": date(2024, 9, 30), "开工": date(2025, 5, 18), "主体封顶": None},
    "hs_no26": {"竣工": date(2023, 8, 15)},
    "park_binjiang_hanbin": {"竣工": date(2024, 10, 30)},
}
REPLANNED_IN_USE = {"sch_nanyuanfang_extension": date(2027, 9, 1), "sch_43_extension": date(2027, 9, 1),
                    "sch_hanzheng_campus": date(2028, 9, 1)}
RECORDED_INVESTMENT = {"sch_hanjiangwan_international": 45000.0, "sch_gutianlu_primary_relocation": 28600.0}
OVERRUN, LAGGING = "sch_17th_junior_extension", "sch_hanzheng_campus"
AS_OF = date(2025, 12, 31)  # the demo's progress is recorded up to the end of 2025


def _design_classes(data: dict[str, list[dict]], rng: np.random.Generator, opened_by_project: dict[str, int],
                    added: dict[str, tuple[int, int]]) -> None:
    """Fill facilities.design_classes in place (see the module docstring)."""
    classes: dict[tuple[str, int], int] = {}
    for r in data["enrolment"]:
        key = (r["school_code"], r["year"])
        classes[key] = classes.get(key, 0) + r["classes"]
    names = {s["school_code"]: s["school_name"] for s in data["school"]}
    types = {s["school_code"]: s["type_code"] for s in data["school"]}
    base: dict[str, int] = {}
    for code in sorted({r["school_code"] for r in data["facilities"]}):
        if code in opened_by_project:
            base[code] = opened_by_project[code]
            continue
        upto = 2020 if types.get(code) in ("211", "311", "312") else 9999  # compulsory: as built by 2020
        early = [c for (sc, y), c in classes.items() if sc == code and y <= upto]
        peak = max(early or [c for (sc, _), c in classes.items() if sc == code] or [1])
        margin = float(rng.uniform(0.93, 0.97)) if names.get(code) in CROWDED else float(rng.uniform(1.0, 1.06))
        base[code] = max(1, round(peak * margin))
    for r in data["facilities"]:
        code = r["school_code"]
        extra, year = added.get(code, (0, 9999))
        r["design_classes"] = base[code] + (extra if r["year"] >= year else 0)


def _milestones(pid: str, years: list[int], in_use: int, kind: str) -> dict[str, date]:
    """The planned schedule implied by the plan's listed years."""
    first, last = min(years), max(years)
    if kind == "kindergarten":  # fit-out of a 配建 building within the year, open in September
        return {"立项": date(first - 1, 11, 15), "开工": date(first, 3, 1), "竣工": date(first, 7, 31),
                "投入使用": date(first, 9, 1)}
    if kind == "high_school":
        return {"立项": date(first - 1, 11, 15), "开工": date(first, 3, 1), "竣工": date(last, 12, 15)}
    topped = date(last, 12, 15) if in_use - last >= 2 else date(max(first, last - 1), 10, 30)
    plan = {"立项": date(first - 1, 10, 31), "开工": date(first, 4, 15), "主体封顶": topped}
    if in_use - last < 2:
        plan["竣工"] = date(last, 12, 20)
    else:
        plan["竣工"] = date(last + 1, 6, 30)
    plan["投入使用"] = date(in_use, 9, 1)
    return plan


def demo_places(data: dict[str, list[dict[str, Any]]], seed: int) -> dict[str, list[dict[str, Any]]]:
    rng = np.random.default_rng(seed + 5)
    plan = load_plan()
    settings = ProjectSettings()
    kp = plan.key_projects
    assert kp is not None
    by_name = {s["school_name"]: s["school_code"] for s in data["school"]}
    zone_of = {r["school_code"]: r["zone_code"] for r in data["school_zone"] if r.get("end_year") is None}

    # -- projects and their places
    projects, capacity, school_of, zone_by_project = [], [], {}, {}
    kg_classes: dict[str, int] = {}
    per_year: dict[tuple[str, int], int] = {}
    for r in data["enrolment"]:
        per_year[(r["school_code"], r["year"])] = per_year.get((r["school_code"], r["year"]), 0) + r["classes"]
    for (code, _), n in per_year.items():
        kg_classes[code] = max(kg_classes.get(code, 0), n)
    opened_by_project: dict[str, int] = {}
    added: dict[str, tuple[int, int]] = {}
    for p in kp.projects:
        school, zone, work, places = None, None, p.work, {}
        if p.id in SCHOOL_PROJECTS:
            name, zone, work, places = SCHOOL_PROJECTS[p.id]
            school = by_name.get(name) if name else None
        elif p.id in KG_SCHOOLS:
            school = by_name[f"武汉市硚口区{KG_SCHOOLS[p.id]}幼儿园"]
            places = {"学前": max(6, round(kg_classes.get(school, 6) * 1.1))}
        elif p.id in HIGH_SCHOOLS:
            school = by_name[HIGH_SCHOOLS[p.id]]
        zone = zone or (zone_of.get(school) if school else None)
        school_of[p.id], zone_by_project[p.id] = school, zone
        row = {"project_id": p.id, "project_name": p.name, "category": p.category, "work": work or "新建",
               "zone_code": zone, "school_code": school}
        if p.id in RECORDED_INVESTMENT:
            row["planned_investment"] = RECORDED_INVESTMENT[p.id]
        if p.id == "sch_hanzheng_campus":
            row["note"] = "九年一贯制：小学 18 班、初中 12 班"
        projects.append(row)
        for level, n in places.items():
            capacity.append({"project_id": p.id, "level": level, "classes_added": n,
                             "places_added": n * settings.class_size[level]})
        if school and work in ("新建", "配建"):
            opened_by_project[school] = sum(places.values())
        elif school and places:
            in_use = max(p.years) + 1
            added[school] = (sum(places.values()), in_use)
    _design_classes(data, rng, opened_by_project, added)

    # -- milestones
    milestones = []
    opened = {s["school_code"]: s["opened_year"] for s in data["school"]}
    for p in kp.projects:
        kind = "kindergarten" if p.group == "kindergarten" else "high_school" if p.group == "high_school" else "school"
        in_use = max(p.years) + in_use_lag(plan, p.category, p.expected_state, settings)
        school = school_of.get(p.id)
        if kind == "school" and school and opened.get(school) and opened[school] > 2020:
            in_use = opened[school]
        if kind == "school" and p.id in ("sch_hanxi_relocation", "sch_17th_junior_extension"):
            in_use = added[school][1]
        planned = _milestones(p.id, p.years, in_use, kind)
        slip = SLIPPAGE.get(p.id, {})
        blocked = False  # a milestone not reached holds back every later one
        for code, when in planned.items():
            if code in slip:
                actual = slip[code]
                blocked = blocked or actual is None
            elif blocked or when > AS_OF:
                actual = None
            elif code == "投入使用":
                actual = date(when.year, 9, 1)
            else:  # on time, give or take a few weeks
                actual = min(date.fromordinal(when.toordinal() + int(rng.integers(-20, 25))), AS_OF)
            row = {"project_id": p.id, "milestone": code, "planned_date": when.isoformat()}
            if actual is not None:
                row["actual_date"] = actual.isoformat()
            if p.id in REPLANNED_IN_USE and code == "投入使用":
                row["planned_date"] = REPLANNED_IN_USE[p.id].isoformat()
                row["note"] = f"原计划 {when:%Y-%m}，进度推迟后调整"
            elif code in slip and slip[code] is None:
                row["note"] = "未按计划完成"
            milestones.append(row)

    # -- money: yearly plans spread the (recorded or allocated) investment over the listed years
    finance = []
    for g in kp.groups:
        members = [p for p in kp.projects if p.group == g.id]
        recorded = sum(RECORDED_INVESTMENT.get(p.id, 0.0) for p in members) * 100
        open_ = [p for p in members if p.id not in RECORDED_INVESTMENT]
        weights = [settings.allocation_weights.get(next(r["work"] for r in projects if r["project_id"] == p.id), 1.0)
                   for p in open_]
        cents = dict(zip((p.id for p in open_), largest_remainder(round(g.investment * 1e6 - recorded), weights)))
        for p in members:
            total = RECORDED_INVESTMENT.get(p.id, cents.get(p.id, 0) / 100)
            years = sorted(p.years)
            for y, share in zip(years, largest_remainder(round(total * 100), [1.0] * len(years))):
                plan_y = share / 100
                if y > AS_OF.year:
                    continue
                factor = float(rng.uniform(0.88, 1.0))
                if p.id == OVERRUN:
                    factor = 1.28
                elif p.id == LAGGING:
                    factor = 0.35
                elif p.id in SLIPPAGE and y == years[-1]:
                    factor = 0.6
                finance.append({"project_id": p.id, "year": y, "planned": round(plan_y, 2),
                                "spent": round(plan_y * factor, 2)})

    # -- housing
    housing = []
    for name, zone, households, done, occupancy, pid in HOUSING:
        z = zone or zone_by_project.get(pid)
        row = {"housing_name": name, "zone_code": z, "households": households, "completion_year": done,
               "project_id": pid}
        if occupancy is not None:
            row["occupancy_years"] = occupancy
        housing.append(row)
    return {"housing": housing, "project": projects, "project_capacity": capacity,
            "project_milestone": milestones, "project_finance": finance}
