"""The widened hand-worked district (issue 18): six schools over 2016–2019, small enough to work every
figure by hand, with what tests/helpers.SMALL lacks — a 民办 compulsory school, a 九年一贯制 school near
the 2,500 size ceiling, stored repeaters, transfers (转入/转出) and deaths in every grade, a school opening
and one closing mid-series (re-zoned in its last year: effective-dated membership).

District 420104 硚口区, zones QK01 古田组团 and QK02 汉正组团:

  code        name        type          own   zone                         years with pupils
  A 2420104101 宗关小学    211 小学       公办  QK01                         2016–2019
  B 2420104102 育才民办小学 211 小学       民办  QK01                         2016–2019
  N 2420104103 崇仁学校    312 九年一贯制  公办  QK02                         2016–2019 (2,487 义务段 pupils)
  J 2420104104 汉西中学    311 初中       公办  QK01                         2016–2019
  C 2420104105 长丰小学    211 小学       公办  QK02 in 2016, QK01 in 2017   2016–2017 (2,040 pupils; 撤并 2018)
  O 2420104106 汉江湾小学  211 小学       公办  QK02 from 2018               2018–2019 (建校 2018)

A, B, N and J are stationary: the same rows every year (a steady state), so flow rates pooled over the
three pairs of years equal the ratios of one year. Per grade g, row (t, g) holds E pupils, R repeaters
(in g at t, also in g at t−1) and the movements of the class that was in g at t−1 (转入 tin, 转出 tout,
死亡 d, model docs), so that E(g+1) = E(g) − R(g) + tin(g) − tout(g) − d(g) + R(g+1) and the graduates of
the last grade G = E(last) − R(last) + tin − tout − d:

  A 公办小学   grade  P1   P2   P3   P4   P5   P6          B 民办小学  P1  P2  P3  P4  P5  P6
            E      180  176  178  175  175  175  (1,059)             60  59  60  60  59  60  (358)
            R        4    2    2    1    1    0                        0   0   0   0   0   0
            tin      3    4    1    2    3    2                        1   2   1   1   2   1
            tout     5    2    3    2    1    3                        2   1   1   2   1   1
            d        0    0    0    0    1    0                        0   0   0   0   0   0
            classes  4 per grade (24); G(P6) = 174                   2 per grade (12); G(P6) = 60

  N 九年一贯制 grade P1   P2   P3   P4   P5   P6  (1,687)   J1   J2   J3  (800)   total 2,487
            E      285  281  282  280  279  280            270  267  263
            R        5    3    2    2    1    1              4    3    2
            tin      4    5    2    3    4    2              3    2    1
            tout     6    3    4    3    2    3              5    4    2
            d        0    0    0    0    1    0              0    1    0
            classes  7 per P grade (42), 6 per J grade (18); G(P6) = 278, G(J3) = 260

  J 公办初中   grade J1   J2   J3  (597)
            E      200  198  199;  R 2 1 1;  tin 2 3 1;  tout 3 2 2;  d 0;  4 classes per grade; G(J3) = 197

  C 长丰小学   340 pupils in each of P1–P6 (2,040), 8 classes per grade, no repeaters or movements,
              G(P6) = 340; 2016 and 2017 only: its neighbourhood was cleared (旧城改造) and its families
              moved out of the district, so its pupils appear nowhere in 2018 (a 撤并 into a school of the
              same 学区 is the variant `merged_data`).
  O 汉江湾小学 2018: P1 90 (2 classes); 2019: P1 92 (3 classes), P2 90 (2 classes; the 2018 class:
              90 − 0 + 2 − 2), no repeaters.

Teachers (one row per school × section × year, the same every year the school has pupils):
  section   staff teachers  研/本/专/高中  区/市/省骨干  体/音/美
  A 小学      62    56        3/45/7/1       3/1/0        4/2/2
  B 小学      20    18        0/12/5/1       0/0/0        1/1/0
  N 小学      95    86        4/70/10/2      5/2/0        6/3/3
  N 初中      70    62        5/52/5/0       4/1/1        4/2/2
  J 初中      54    48        3/40/5/0       2/1/0        3/1/1
  C 小学     130   120        2/90/25/3      4/1/0        6/3/3
  O 小学      10     9        1/7/1/0        0/0/0        1/0/1
职称 (正高/高/一级/二级/三级/未定): A 0/10/20/20/4/2, B 0/2/5/8/2/1, N 小学 1/15/30/30/6/4, N 初中 1/14/25/18/2/2,
J 0/10/18/16/2/2, C 0/20/40/45/10/5, O 0/1/3/4/1/0.
交流轮岗 (符合条件 / 交流 / 其中骨干): A 40/4/1, B 10/0/0 (民办), N 小学 60/6/2, N 初中 50/5/1, J 30/4/1,
C 80/8/2, O 5/0/0.

Facilities (school totals, the same every year the school has pupils; 办学条件 has no 学段; 校舍 = 2 × 教学辅助,
图书 = 10 册 per ㎡ of 教学辅助, 计算机 = 5 per 普通教室):
        教学辅助㎡ 体育㎡  设备万元 多媒体 普通教室 设计班数 音乐/美术室
  A       5400    8000    220     26      26      24        2/2
  B       1500    2000     60     12      12      12        1/1
  N      11000   15000    520     62      60      60        5/5
  J       3600    6000    160     13      12      12        1/1
  C       7000    9000    300     40      48      48        4/4
  O       4800    7000    240     24      24      24        2/2

招生数 = E − R on the P1 and J1 rows, 0 on the others (the template: 起始年级填写；没有新招填 0); 毕业生数 on
the last grades only. 区域年度数据: zones and district 2016–2019 (常住人口 300,000 / 350,000 / 650,000,
births = the year's cohort), the district's 教育支出 20,000 万元 of 100,000 万元.

Population by zone: the cohort born in year c has s(c) people at every age (no deaths, no moves):
s_QK01(c) = 200 + 10·(c − 2000), s_QK02(c) = 250 + 10·(c − 2000); age a in year t is s(t − a). The
district has no population rows of its own (it is the sum of its zones).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

D = "420104"
A, B, N, J, C, O = (f"242010410{i}" for i in range(1, 7))
NAMES = {A: "宗关小学", B: "育才民办小学", N: "崇仁学校", J: "汉西中学", C: "长丰小学", O: "汉江湾小学"}
YEARS = (2016, 2017, 2018, 2019)
P = tuple(f"P{i}" for i in range(1, 7))
JG = ("J1", "J2", "J3")

# grade → (E, R, tin, tout, d, classes) of the stationary schools
STEADY: dict[str, dict[str, tuple[int, int, int, int, int, int]]] = {
    A: dict(zip(P, [(180, 4, 3, 5, 0, 4), (176, 2, 4, 2, 0, 4), (178, 2, 1, 3, 0, 4), (175, 1, 2, 2, 0, 4),
                    (175, 1, 3, 1, 1, 4), (175, 0, 2, 3, 0, 4)])),
    B: dict(zip(P, [(60, 0, 1, 2, 0, 2), (59, 0, 2, 1, 0, 2), (60, 0, 1, 1, 0, 2), (60, 0, 1, 2, 0, 2),
                    (59, 0, 2, 1, 0, 2), (60, 0, 1, 1, 0, 2)])),
    N: {**dict(zip(P, [(285, 5, 4, 6, 0, 7), (281, 3, 5, 3, 0, 7), (282, 2, 2, 4, 0, 7), (280, 2, 3, 3, 0, 7),
                       (279, 1, 4, 2, 1, 7), (280, 1, 2, 3, 0, 7)])),
        **dict(zip(JG, [(270, 4, 3, 5, 0, 6), (267, 3, 2, 4, 1, 6), (263, 2, 1, 2, 0, 6)]))},
    J: dict(zip(JG, [(200, 2, 2, 3, 0, 4), (198, 1, 3, 2, 0, 4), (199, 1, 1, 2, 0, 4)])),
}
GRADUATES = {(A, "P6"): 174, (B, "P6"): 60, (N, "P6"): 278, (N, "J3"): 260, (J, "J3"): 197, (C, "P6"): 340}

# (school, section) → staff, teachers, (研, 本, 专, 高中), (区, 市, 省 骨干), (体, 音, 美)
TEACHERS = {
    (A, "小学"): (62, 56, (3, 45, 7, 1), (3, 1, 0), (4, 2, 2)),
    (B, "小学"): (20, 18, (0, 12, 5, 1), (0, 0, 0), (1, 1, 0)),
    (N, "小学"): (95, 86, (4, 70, 10, 2), (5, 2, 0), (6, 3, 3)),
    (N, "初中"): (70, 62, (5, 52, 5, 0), (4, 1, 1), (4, 2, 2)),
    (J, "初中"): (54, 48, (3, 40, 5, 0), (2, 1, 0), (3, 1, 1)),
    (C, "小学"): (130, 120, (2, 90, 25, 3), (4, 1, 0), (6, 3, 3)),
    (O, "小学"): (10, 9, (1, 7, 1, 0), (0, 0, 0), (1, 0, 1)),
}
# (school, section) → 符合交流条件, 交流轮岗, 交流轮岗骨干 teachers (the same every year)
ROTATION = {(A, "小学"): (40, 4, 1), (B, "小学"): (10, 0, 0), (N, "小学"): (60, 6, 2), (N, "初中"): (50, 5, 1),
            (J, "初中"): (30, 4, 1), (C, "小学"): (80, 8, 2), (O, "小学"): (5, 0, 0)}
# (school, section) → 专业技术职务 正高级, 高级, 一级, 二级, 三级, 未定职级 (adding up to the 专任教师; 中级及以上 =
# 正高级 + 高级 + 一级: A 30, B 7, N 小学 46, N 初中 40, J 28, C 60, O 4)
TITLES = {(A, "小学"): (0, 10, 20, 20, 4, 2), (B, "小学"): (0, 2, 5, 8, 2, 1), (N, "小学"): (1, 15, 30, 30, 6, 4),
          (N, "初中"): (1, 14, 25, 18, 2, 2), (J, "初中"): (0, 10, 18, 16, 2, 2), (C, "小学"): (0, 20, 40, 45, 10, 5),
          (O, "小学"): (0, 1, 3, 4, 1, 0)}
# school → teaching ㎡, sports ㎡, equipment 万元, multimedia rooms, classrooms, design classes, music/art rooms
FACILITIES = {
    A: (5400, 8000, 220.0, 26, 26, 24, 2), B: (1500, 2000, 60.0, 12, 12, 12, 1), N: (11000, 15000, 520.0, 62, 60, 60, 5),
    J: (3600, 6000, 160.0, 13, 12, 12, 1), C: (7000, 9000, 300.0, 40, 48, 48, 4), O: (4800, 7000, 240.0, 24, 24, 24, 2),
}
SCHOOL_YEARS = {A: YEARS, B: YEARS, N: YEARS, J: YEARS, C: (2016, 2017), O: (2018, 2019)}
ZONE_OF = {A: "QK01", B: "QK01", N: "QK02", J: "QK01", O: "QK02"}  # C: QK02 in 2016, QK01 in 2017


def s_cohort(zone: str, born: int) -> int:
    return (200 if zone == "QK01" else 250) + 10 * (born - 2000)


def _enrol(year: int, school: str, grade: str, pupils: int, classes: int, repeaters: int = 0, tin: int = 0,
           tout: int = 0, deaths: int = 0) -> dict[str, Any]:
    male = (pupils + 1) // 2
    row = {"year": year, "school_code": school, "grade": grade, "classes": classes, "male": male,
           "female": pupils - male, "pupils": pupils, "repeaters": repeaters, "transfers_in": tin,
           "transfers_out": tout, "deaths": deaths, "classes_over_norm": 0, "classes_56plus": 0}
    # 招生数: the entry grade's new pupils; 0 on the other grades (the template: 起始年级填写；没有新招填 0)
    row["new_entrants"] = pupils - repeaters if grade in ("P1", "J1") else 0
    if (school, grade) in GRADUATES:
        row["graduates"] = GRADUATES[(school, grade)]
    return row


def enrolment_rows() -> list[dict[str, Any]]:
    rows = []
    for t in YEARS:
        for school, grades in STEADY.items():
            for g, (e, r, tin, tout, d, classes) in grades.items():
                rows.append(_enrol(t, school, g, e, classes, r, tin, tout, d))
        if t in SCHOOL_YEARS[C]:
            rows += [_enrol(t, C, g, 340, 8) for g in P]
    rows.append(_enrol(2018, O, "P1", 90, 2))
    rows.append(_enrol(2019, O, "P1", 92, 3))
    rows.append(_enrol(2019, O, "P2", 90, 2, tin=2, tout=2))
    return rows


def teacher_rows() -> list[dict[str, Any]]:
    rows = []
    for (school, section), (staff, teachers, q, bb, pea) in TEACHERS.items():
        for t in SCHOOL_YEARS[school]:
            rows.append({"year": t, "school_code": school, "section": section, "staff": staff, "teachers": teachers,
                         "q_postgrad": q[0], "q_bachelor": q[1], "q_college": q[2], "q_secondary": q[3],
                         "bb_district": bb[0], "bb_city": bb[1], "bb_province": bb[2],
                         "pe": pea[0], "music": pea[1], "art": pea[2],
                         **dict(zip(("rot_eligible", "rot_moved", "rot_backbone"), ROTATION[(school, section)])),
                         **dict(zip(("t_senior_full", "t_senior", "t_first", "t_second", "t_third", "t_none"),
                                    TITLES[(school, section)]))})
    return rows


def facility_rows() -> list[dict[str, Any]]:
    rows = []
    for school, (teach, sports, equip, mm, rooms, design, special) in FACILITIES.items():
        for t in SCHOOL_YEARS[school]:
            rows.append({"year": t, "school_code": school, "building_area": teach * 2, "teaching_area": teach,
                         "sports_area": sports, "equipment_value": equip, "books": 40 * teach // 4,
                         "computers": rooms * 5, "classrooms": rooms, "design_classes": design,
                         "multimedia_rooms": mm, "music_rooms": special, "art_rooms": special})
    return rows


def population_rows() -> list[dict[str, Any]]:
    return [{"year": t, "area_code": z, "age": a, "population": s_cohort(z, t - a)}
            for z in ("QK01", "QK02") for t in YEARS for a in range(23)]


def area_year_rows() -> list[dict[str, Any]]:
    rows = []
    for t in YEARS:
        rows.append({"year": t, "area_code": "QK01", "residents": 300_000, "births": s_cohort("QK01", t)})
        rows.append({"year": t, "area_code": "QK02", "residents": 350_000, "births": s_cohort("QK02", t)})
        rows.append({"year": t, "area_code": D, "residents": 650_000,
                     "births": s_cohort("QK01", t) + s_cohort("QK02", t),
                     "public_expenditure": 100_000.0, "education_expenditure": 20_000.0})
    return rows


def school_rows() -> list[dict[str, Any]]:
    own = {B: "民办"}
    types = {N: "312", J: "311"}
    rows = []
    for code in (A, B, N, J, C, O):
        row = {"school_code": code, "school_name": NAMES[code], "type_code": types.get(code, "211"),
               "ownership": own.get(code, "公办"), "district_code": D}
        if code == C:
            row["closed_year"] = 2018
        if code == O:
            row["opened_year"] = 2018
        rows.append(row)
    return rows


def data() -> dict[str, list[dict[str, Any]]]:
    zones = [{"school_code": code, "zone_code": z, "start_year": 2010} for code, z in ZONE_OF.items() if code != O]
    zones += [{"school_code": O, "zone_code": "QK02", "start_year": 2018},
              {"school_code": C, "zone_code": "QK02", "start_year": 2010, "end_year": 2016},
              {"school_code": C, "zone_code": "QK01", "start_year": 2017, "end_year": 2017}]
    return {
        "district": [{"district_code": D, "district_name": "硚口区", "city_name": "武汉市"}],
        "zone": [{"zone_code": "QK01", "zone_name": "古田组团", "district_code": D},
                 {"zone_code": "QK02", "zone_name": "汉正组团", "district_code": D}],
        "school": school_rows(),
        "school_zone": zones,
        "enrolment": enrolment_rows(),
        "teachers": teacher_rows(),
        "facilities": facility_rows(),
        "population": population_rows(),
        "area_year": area_year_rows(),
    }


def build_store(folder: Path) -> Path:
    """Write the district as filled-in xlsx templates and import them with the product's importer into a
    new DuckDB store; returns the store's path. Do not write to it afterwards (tests share it)."""
    from eduplan.ingest import import_files
    from eduplan.store import Store
    from helpers import write_small

    (folder / "sources").mkdir(parents=True)
    paths = write_small(folder / "sources", data())
    db = folder / "hand_wide.duckdb"
    with Store(db) as s:
        report = import_files(s, paths, user="统计科")
        assert report.ok, [i.text() for i in report.errors[:10]]
    return db


_BUILT: list[Path] = []


def shared_store(tmp_path_factory) -> Path:
    """The district above, written and imported once per session (the test modules' fixtures call this
    with pytest's tmp_path_factory). Tests open it read-only."""
    if not _BUILT:
        _BUILT.append(build_store(tmp_path_factory.mktemp("hand-wide")))
    return _BUILT[0]


def merged_data() -> dict[str, list[dict[str, Any]]]:
    """A variant: 长丰小学 (C, in QK01 throughout) is 撤并 into 宗关小学 (A, QK01) in 2018 — from 2018 A also
    holds C's 340 pupils per grade (8 more classes per grade, C's catchment enrolling at A) and its design
    classes; C's pupils stay in the 学区, so QK01 stays in the same steady state (A + B + C per grade)."""
    out = data()
    for r in out["enrolment"]:
        if r["school_code"] == A and r["year"] >= 2018:
            r["pupils"] += 340
            r["male"] += 170
            r["female"] += 170
            r["classes"] += 8
            if r["grade"] == "P1":
                r["new_entrants"] += 340
            if r["grade"] == "P6" and r["year"] >= 2019:
                r["graduates"] += 340
    for r in out["facilities"]:
        if r["school_code"] == A and r["year"] >= 2018:
            r["design_classes"] += 48
            r["classrooms"] += 48
    out["school_zone"] = [z for z in out["school_zone"] if z["school_code"] != C] + [
        {"school_code": C, "zone_code": "QK01", "start_year": 2010, "end_year": 2017}]
    return out
