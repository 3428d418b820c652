"""江湾区 (420188): a FICTIONAL second district for the tests — its source data for 2021–2025 and its store.

The district, its 4 学区 (JW1–JW4), 22 schools and every number are made up. `build()` returns rows for each
source table (field name → parsed value, codes as the CODE); `build_store(folder)` binds the district's
plan (tests/data/jiangwan/jiangwan-2026-2030.yaml) with `plan use` first, writes the rows as filled
templates (one .xlsx per table, as a user fills them) and imports them through the user's path.

Deterministic and small: no random numbers. Population is a cohort table: the age-a population in year
y is round(COHORT[y − a] × (1 + 0.006·a)) (a little in-migration with age); the 4 学区 add up to the
district exactly. Each level's pupils per grade are the age's population × the level's rate, shared among
the level's schools by fixed weights (largest remainder), so a school's cohort moves up a grade a year.
Resources of the compulsory schools differ by a per-school factor that narrows 4 % a year (优质均衡).
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "jiangwan"
PLAN = DATA / "jiangwan-2026-2030.yaml"
USER = "测试"

D = "420188"
NAME = "江湾区"
CITY = "临江市"
YEARS = range(2021, 2026)

ZONES = (("JW1", "滨江学区"), ("JW2", "新港学区"), ("JW3", "湖畔学区"), ("JW4", "北湾学区"))
ZONE_SHARE = (0.30, 0.26, 0.24)  # JW4 takes the remainder

# Births (cohort size at age 0) by birth year.
COHORT = {
    1999: 1500, 2000: 1520, 2001: 1540, 2002: 1560, 2003: 1580, 2004: 1600, 2005: 1620, 2006: 1650,
    2007: 1680, 2008: 1710, 2009: 1740, 2010: 1770, 2011: 1800, 2012: 1840, 2013: 1860, 2014: 1900,
    2015: 1880, 2016: 2000, 2017: 1960, 2018: 1900, 2019: 1860, 2020: 1720, 2021: 1620, 2022: 1560,
    2023: 1500, 2024: 1460, 2025: 1420,
}

# school code suffix → (name, type, ownership, inclusive, zone, opened, weight in its level, resource factor,
#                       class size aimed at)
SCHOOLS: dict[str, tuple[str, str, str, str | None, str, int, float, float, int]] = {
    "01": ("江湾区第一幼儿园", "111", "公办", "是", "JW1", 1985, 1.3, 1.0, 0),
    "02": ("江湾区滨江幼儿园", "111", "公办", "是", "JW1", 1998, 1.0, 1.0, 0),
    "03": ("江湾区小太阳幼儿园", "111", "民办", "否", "JW1", 2008, 0.7, 1.0, 0),
    "04": ("江湾区新港幼儿园", "111", "公办", "是", "JW2", 2003, 1.1, 1.0, 0),
    "05": ("江湾区港湾幼儿园", "111", "民办", "是", "JW2", 2012, 0.8, 1.0, 0),
    "06": ("江湾区启明幼儿园", "111", "民办", "否", "JW2", 2015, 0.6, 1.0, 0),
    "07": ("江湾区湖畔幼儿园", "111", "公办", "是", "JW3", 2001, 1.2, 1.0, 0),
    "08": ("江湾区荷塘幼儿园", "111", "公办", "是", "JW3", 2016, 0.9, 1.0, 0),
    "09": ("江湾区北湾幼儿园", "111", "公办", "是", "JW4", 1996, 1.0, 1.0, 0),
    "10": ("江湾区童心幼儿园", "111", "民办", "是", "JW4", 2014, 0.7, 1.0, 0),
    "11": ("江湾区江岸幼儿园", "111", "公办", "是", "JW4", 2019, 0.7, 1.0, 0),
    "12": ("江湾区滨江小学", "211", "公办", None, "JW1", 1952, 1.5, 1.55, 47),
    "13": ("江湾区江城路小学", "211", "公办", None, "JW1", 1978, 1.0, 1.15, 42),
    "14": ("江湾区新港小学", "211", "公办", None, "JW2", 1990, 1.2, 0.80, 47),
    "15": ("江湾区湖畔小学", "211", "公办", None, "JW3", 1965, 1.1, 1.00, 42),
    "16": ("江湾区荷塘小学", "211", "公办", None, "JW3", 2005, 0.8, 0.60, 42),
    "17": ("江湾区北湾小学", "211", "公办", None, "JW4", 1988, 0.9, 0.85, 42),
    "18": ("江湾区滨江中学", "311", "公办", None, "JW1", 1956, 1.3, 1.40, 46),
    "19": ("江湾区新港中学", "311", "公办", None, "JW2", 1983, 1.0, 0.85, 46),
    "20": ("江湾区湖畔中学", "311", "公办", None, "JW3", 1972, 0.9, 0.65, 46),
    "21": ("江湾区北湾学校", "312", "公办", None, "JW4", 2010, 0.7, 0.90, 42),  # 九年一贯制: 小学 and 初中
    "22": ("江湾区江湾高级中学", "342", "公办", None, "JW1", 1958, 1.0, 1.0, 48),
}


def code(suffix: str) -> str:
    return f"21{D}{suffix}"


LEVEL_GRADES = {"学前": ("K1", "K2", "K3"), "小学": tuple(f"P{i}" for i in range(1, 7)),
                "初中": ("J1", "J2", "J3"), "高中": ("S1", "S2", "S3")}
LEVEL_AGE = {"学前": 3, "小学": 6, "初中": 12, "高中": 15}
TYPE_LEVELS = {"111": ("学前",), "211": ("小学",), "311": ("初中",), "312": ("小学", "初中"), "342": ("高中",)}
PRESCHOOL_RATE = {2021: 0.915, 2022: 0.925, 2023: 0.932, 2024: 0.940, 2025: 0.946}  # 在园 / 3–5 岁
LEVEL_RATE = {"小学": 1.0, "初中": 0.99, "高中": 0.92}
KG_CLASS = {"K1": 24, "K2": 28, "K3": 32}  # under the kindergarten norms 25 / 30 / 35
NORM = {"小学": 45, "初中": 50, "高中": 50}
SENIOR_POSTGRAD = {2021: 0.11, 2022: 0.12, 2023: 0.13, 2024: 0.14, 2025: 0.15}
EDU_SHARE = {2021: 15.6, 2022: 15.8, 2023: 16.0, 2024: 16.2, 2025: 16.5}  # 教育支出 / 一般公共预算支出, %


def population(year: int, age: int) -> int:
    return round(COHORT[year - age] * (1 + 0.006 * age))


def split(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of an integer total by weights."""
    raw = [total * w / sum(weights) for w in weights]
    out = [math.floor(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))[: total - sum(out)]:
        out[i] += 1
    return out


def factor(suffix: str, year: int) -> float:
    """The school's resource factor in `year`: the gap to 1 narrows 4 % a year."""
    f = SCHOOLS[suffix][7]
    return 1 + (f - 1) * (1 - 0.04 * (year - 2021))


def _over(pupils: int, classes: int, limit: int) -> int:
    """Classes above `limit` pupils when `pupils` are spread evenly over `classes`."""
    if classes == 0:
        return 0
    q, r = divmod(pupils, classes)
    return (r if q + 1 > limit else 0) + ((classes - r) if q > limit else 0)


def _level_schools(level: str) -> list[str]:
    return [s for s, v in SCHOOLS.items() if level in TYPE_LEVELS[v[1]]]


def enrolment_rows() -> list[dict[str, Any]]:
    rows = []
    for year in YEARS:
        for level, grades in LEVEL_GRADES.items():
            schools = _level_schools(level)
            weights = [SCHOOLS[s][6] for s in schools]
            for i, grade in enumerate(grades):
                pop = population(year, LEVEL_AGE[level] + i)
                rate = PRESCHOOL_RATE[year] if level == "学前" else LEVEL_RATE[level]
                for s, pupils in zip(schools, split(round(pop * rate), weights)):
                    size = KG_CLASS[grade] if level == "学前" else SCHOOLS[s][8]
                    if SCHOOLS[s][1] == "312" and level == "初中":
                        size = 44
                    classes = math.ceil(pupils / size)
                    male = round(pupils * 0.52)
                    row = {"year": year, "school_code": code(s), "grade": grade, "classes": classes, "male": male,
                           "female": pupils - male, "pupils": pupils, "repeaters": 0,
                           "classes_over_norm": 0 if level == "学前" else _over(pupils, classes, NORM[level]),
                           "classes_56plus": 0 if level == "学前" else _over(pupils, classes, 55),
                           "disabled": 1 if level in ("小学", "初中") and i == 1 else 0}
                    row["new_entrants"] = pupils if i == 0 else 0  # 起始年级填写；没有新招填 0
                    rows.append(row)
    return rows


def _pupils(enrol: list[dict[str, Any]]) -> dict[tuple[str, int, str], int]:
    """(school code, year, level) → pupils."""
    out: dict[tuple[str, int, str], int] = {}
    level_of = {g: lvl for lvl, gs in LEVEL_GRADES.items() for g in gs}
    for r in enrol:
        key = (r["school_code"], r["year"], level_of[r["grade"]])
        out[key] = out.get(key, 0) + r["pupils"]
    return out


RATIO = {"学前": 12.5, "小学": 17.0, "初中": 12.5, "高中": 11.5}  # pupils per 专任教师 at factor 1


def teacher_rows(pupils: dict[tuple[str, int, str], int]) -> list[dict[str, Any]]:
    rows = []
    for (c, year, level), n in sorted(pupils.items()):
        s = c[-2:]
        f = factor(s, year)
        t = max(3, round(n / RATIO[level] * math.sqrt(f)))
        if level == "高中":
            post = round(t * SENIOR_POSTGRAD[year])
            bachelor = t - post - 1
            college, secondary = 1, 0
        else:
            post = round(t * (0.02 if level == "学前" else 0.04 * f))
            college = round(t * (0.35 if level == "学前" else 0.16 / f))
            secondary = round(t * 0.03) if level == "学前" else 0
            bachelor = t - post - college - secondary
        senior, first = round(t * 0.15), round(t * 0.42)
        second = round(t * 0.30)
        titles = {"t_senior_full": 0, "t_senior": senior, "t_first": first, "t_second": second, "t_third": 0,
                  "t_none": t - senior - first - second}
        k12 = level != "学前"
        rows.append({
            "year": year, "school_code": c, "section": level, "staff": t + round(t * 0.12), "teachers": t,
            "female": round(t * (0.95 if level == "学前" else 0.75)),
            "q_postgrad": post, "q_bachelor": bachelor, "q_college": college, "q_secondary": secondary, **titles,
            "pe": round(t * 0.06 * f) if k12 else None, "music": round(t * 0.04 * f) if k12 else None,
            "art": round(t * 0.04 * f) if k12 else None,
            "bb_district": round(t * 0.08 * f), "bb_city": round(t * 0.03 * f), "bb_province": 0,
            "rot_eligible": round(t * 0.4), "rot_moved": round(t * 0.06), "rot_backbone": round(t * 0.01),
            "certified": t, "trained_360": t - 1,
        })
    return rows


AREA = {"学前": (6.0, 4.0, 800.0), "小学": (4.5, 7.5, 2000.0), "初中": (5.8, 10.2, 2500.0),
        "高中": (7.0, 11.0, 3500.0)}  # ㎡ teaching, ㎡ sports, 元 equipment per pupil at factor 1


def facility_rows(enrol: list[dict[str, Any]], pupils: dict[tuple[str, int, str], int]) -> list[dict[str, Any]]:
    rows = []
    classes: dict[tuple[str, int], int] = {}
    for r in enrol:
        classes[(r["school_code"], r["year"])] = classes.get((r["school_code"], r["year"]), 0) + r["classes"]
    for s, v in SCHOOLS.items():
        c = code(s)
        levels = TYPE_LEVELS[v[1]]
        ref = {lvl: pupils[(c, 2023, lvl)] for lvl in levels}  # buildings sized on the 2023 pupils
        f0 = v[7]
        teaching = sum(ref[lvl] * AREA[lvl][0] for lvl in levels) * f0
        sports = sum(ref[lvl] * AREA[lvl][1] for lvl in levels) * f0
        rooms = max(classes[(c, y)] for y in YEARS) + 2
        for year in YEARS:
            f = factor(s, year)
            n = sum(pupils[(c, year, lvl)] for lvl in levels)
            mm = min(rooms, round(rooms * (0.55 * f + 0.3)))
            rows.append({
                "year": year, "school_code": c, "land_area": round(teaching / 0.6 * 1.7), "building_area": round(teaching / 0.6),
                "teaching_area": round(teaching), "sports_area": round(sports),
                "equipment_value": round(sum(pupils[(c, year, lvl)] * AREA[lvl][2] for lvl in levels) * f / 10_000, 1),
                "books": n * 30, "computers": max(10, n // 8), "classrooms": rooms, "design_classes": rooms,
                "multimedia_rooms": mm, "smart_rooms": min(mm, 1 + (year - 2021) // 2), "music_rooms": 1, "art_rooms": 1,
                "teacher_devices": None, "bandwidth_mbps": 500 if n < 800 else 1000,
            })
    return rows


def population_rows() -> list[dict[str, Any]]:
    rows = []
    for year in YEARS:
        for age in range(23):
            total = population(year, age)
            parts = [math.floor(total * sh) for sh in ZONE_SHARE]
            parts.append(total - sum(parts))
            rows.append({"year": year, "area_code": D, "age": age, "population": total})
            rows += [{"year": year, "area_code": z, "age": age, "population": p} for (z, _), p in zip(ZONES, parts)]
    return rows


def area_year_rows() -> list[dict[str, Any]]:
    rows = []
    for i, year in enumerate(YEARS):
        public = 420_000 + 15_000 * i  # 万元
        rows.append({"year": year, "area_code": D, "residents": 301_000 + 1_500 * i, "births": COHORT[year],
                     "public_expenditure": float(public), "education_expenditure": round(public * EDU_SHARE[year] / 100, 2),
                     "teacher_salary": 112_000.0 + 3_000 * i, "civil_servant_salary": 110_000.0 + 2_500 * i})
    return rows


def reported_rows() -> list[dict[str, Any]]:
    rows = []
    for i, year in enumerate(YEARS):
        rows.append({"year": year, "area_code": D, "item": "new_labour_schooling_years", "value": round(13.8 + 0.1 * i, 1),
                     "source": "区统计局"})
        rows.append({"year": year, "area_code": D, "item": "myopia_new_rate", "value": (1.4, 1.2, 1.1, 0.95, 0.8)[i],
                     "source": "区卫健局"})
    return rows


# project id → (name, category, work, zone, school suffix, 计划总投资 万元, years)
PROJECTS = {
    "jw_kg_lanting": ("江湾澜庭幼儿园", "幼儿园新建", "新建", "JW2", None, 1800.0, (2026, 2027)),
    "jw_kg_beiwan": ("北湾幼儿园", "幼儿园新建", "新建", "JW4", None, 1800.0, (2027, 2028)),
    "jw_sch_shiyan": ("江湾实验学校（九年一贯制）", "中小学新建", "新建", "JW3", None, 32000.0, (2026, 2027, 2028)),
    "jw_sch_xingang": ("新港小学", "中小学新建", "新建", "JW2", None, 26000.0, (2028, 2029, 2030)),
    "jw_repair_binjiang": ("滨江中学校舍维修", "校舍维修", "维修改造", "JW1", "18", 2400.0, (2026, 2027)),
}
MILESTONES = {  # project → [(milestone, planned, actual or None)]
    "jw_kg_lanting": [("立项", "2025-10-15", "2025-10-20"), ("开工", "2026-03-01", None),
                      ("竣工", "2027-06-30", None), ("投入使用", "2027-09-01", None)],
    "jw_kg_beiwan": [("立项", "2026-09-30", None), ("开工", "2027-03-01", None), ("竣工", "2028-06-30", None),
                     ("投入使用", "2028-09-01", None)],
    "jw_sch_shiyan": [("立项", "2025-09-30", "2025-09-26"), ("开工", "2026-04-15", None), ("主体封顶", "2027-10-30", None),
                      ("竣工", "2028-06-30", None), ("投入使用", "2028-09-01", None)],
    "jw_sch_xingang": [("立项", "2027-10-31", None), ("开工", "2028-04-15", None), ("主体封顶", "2029-10-30", None),
                       ("竣工", "2030-06-30", None), ("投入使用", "2030-09-01", None)],
    "jw_repair_binjiang": [("立项", "2025-11-15", "2025-11-20"), ("开工", "2026-03-01", None),
                           ("竣工", "2027-08-20", None)],
}


def project_rows() -> dict[str, list[dict[str, Any]]]:
    projects, milestones, finance = [], [], []
    for pid, (name, cat, work, zone, school, money, years) in PROJECTS.items():
        projects.append({"project_id": pid, "project_name": name, "category": cat, "work": work, "zone_code": zone,
                         "school_code": code(school) if school else None, "planned_investment": money,
                         "planned_in_use_year": years[-1]})
        for m, planned, actual in MILESTONES[pid]:
            row = {"project_id": pid, "milestone": m, "planned_date": planned}
            if actual:
                row["actual_date"] = actual
            milestones.append(row)
        for y, share in zip(years, split(round(money * 100), [1.0] * len(years))):
            finance.append({"project_id": pid, "year": y, "planned": share / 100})
    # Only 北湾幼儿园 has its places in the store (6 classes, 180 places); the others take the plan's:
    # 新港小学 its own (小学 18), the rest their category's (幼儿园新建 学前 9, 中小学新建 小学 24 + 初中 12, 校舍维修 none).
    capacity = [{"project_id": "jw_kg_beiwan", "level": "学前", "classes_added": 6, "places_added": 180}]
    return {"project": projects, "project_capacity": capacity, "project_milestone": milestones,
            "project_finance": finance}


def build() -> dict[str, list[dict[str, Any]]]:
    """Every source table's rows for 江湾区, 2021–2025."""
    enrol = enrolment_rows()
    pupils = _pupils(enrol)
    data: dict[str, list[dict[str, Any]]] = {
        "district": [{"district_code": D, "district_name": NAME, "city_name": CITY}],
        "zone": [{"zone_code": z, "zone_name": n, "district_code": D} for z, n in ZONES],
        "school": [{"school_code": code(s), "school_name": v[0], "type_code": v[1], "ownership": v[2],
                    "inclusive": v[3], "district_code": D, "address": f"{CITY}{NAME}{v[0][3:5]}路", "opened_year": v[5]}
                   for s, v in SCHOOLS.items()],
        "school_zone": [{"school_code": code(s), "zone_code": v[4], "start_year": 2015} for s, v in SCHOOLS.items()],
        "enrolment": enrol,
        "teachers": teacher_rows(pupils),
        "facilities": facility_rows(enrol, pupils),
        "population": population_rows(),
        "area_year": area_year_rows(),
        "reported": reported_rows(),
        "housing": [{"housing_name": "北湾江岸花园", "zone_code": "JW4", "households": 2400, "completion_year": 2026,
                     "occupancy_years": 3, "project_id": "jw_kg_beiwan"}],
        **project_rows(),
    }
    return data


def write_sources(folder: Path, tables: tuple[str, ...] | None = None) -> list[Path]:
    """The source files (one filled template per table, in the model's dependency order)."""
    from datetime import datetime

    from eduplan.ingest import write_workbook
    from eduplan.model import TABLES

    folder.mkdir(parents=True, exist_ok=True)
    data = build()
    paths = []
    for t in TABLES:
        if data.get(t.name) and (tables is None or t.name in tables):
            paths.append(write_workbook(t, folder / f"{t.label}.xlsx", data[t.name], created=datetime(2026, 1, 1)))
    return paths


def import_sources(store, paths: list[Path]) -> None:
    from eduplan.ingest import import_files

    report = import_files(store, paths, user=USER)
    assert report.ok, "\n".join(i.text() for i in report.errors[:20])


def build_store(folder: Path) -> Path:
    """folder/jiangwan.duckdb: the plan bound first (`plan use`), then every source file imported."""
    from eduplan.plan.binding import use_plan
    from eduplan.store import Store

    folder = Path(folder)
    db = folder / "jiangwan.duckdb"
    paths = write_sources(folder / "sources")
    with Store(db) as store:
        use_plan(store, PLAN, USER)
        import_sources(store, paths)
    return db


# ------------------------------------------------------------------ what must never show for 江湾区

FOREIGN_WORDS = ("硚口", "420104", "QK0", "十三·五", "六大组团",
                 "幼儿园新改扩", "中小学配建", "改善高中阶段学校办学条件")  # the last three: its project categories
# 硚口's plan figures (总投资 40.7 亿, 中小学配建 33.4 亿, 高中 2.09 亿, 幼儿园 1.293 亿; 155,900 万元 of its
# projects booked for 2025), as whole numbers: 140.7 or 2.095 are other numbers
FOREIGN_FIGURES = r"(?<![\d.,])(?:40\.7|33\.4|2\.09|1\.293)(?![\d])|(?<![\d.,])155,?900(?![\d])"


@functools.cache
def qiaokou_project_names() -> tuple[str, ...]:
    """The names of the shipped plan's projects (read from its file)."""
    from eduplan.plan import default_plan_path, load_plan

    return tuple(p.name for p in load_plan(default_plan_path()).key_projects.projects)


def foreign(text: str) -> list[str]:
    """Every word or figure of the shipped plan's district found in `text` (an output of 江湾区)."""
    import re

    found = [w for w in FOREIGN_WORDS if w in text]
    found += [n for n in qiaokou_project_names() if n in text]
    found += sorted({m.group() for m in re.finditer(FOREIGN_FIGURES, text)})
    return found


def xlsx_text(path: Path) -> str:
    """Every cell of every sheet of a workbook as text, one cell a line (the sheet names too)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        lines = []
        for ws in wb.worksheets:
            lines.append(ws.title)
            for row in ws.iter_rows(values_only=True):
                lines += [str(v) for v in row if v is not None]
        return "\n".join(lines)
    finally:
        wb.close()
