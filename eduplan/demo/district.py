"""A synthetic district shaped like 武汉市硚口区 (420104), one row set per source table, 2016–2025.

`build_district()` returns, for every table of the data model (`eduplan.model.TABLES_BY_NAME`), a list
of row dicts keyed by field name with parsed Python values (codes hold the CODE). It is deterministic:
one `numpy.random.default_rng(seed)` drives everything, so the same seed gives identical rows.

Shape of the district
---------------------
- 1 district (420104 硚口区, 武汉市) and the plan's 六大组团 as six zones QK01–QK06, named after the
  streets they cover (古田, 宝丰, 汉正, 长丰, 韩家墩, 汉水桥).
- Schools (codes "2" + "420104" + a 3-digit sequence, the official 10-digit format, but synthetic):
  * 75 kindergartens (111) in 2020 — 公办, 普惠性民办 and a dozen non-普惠 民办; 10 of them are 住宅小区
    配建 kindergartens received 2017–2020, the 14 配建 kindergartens of the plan's project list open
    2021–2025, and five non-普惠 private kindergartens close 2022–2025 as births fall.
  * 48 compulsory schools in 2016–2022: 33 primary (211, one 民办), 9 junior (311) and 6 nine-year
    schools (312, among them the private 武汉外国语学校英中学校); the plan's 配建 projects open five
    primary schools in 2023–2024 and 东风村控规初中 (武汉市硚口区东风初级中学) in 2025. New schools start
    with their entry grade only and add a grade a year.
  * the seven general senior schools the plan names (十一中, 四中, 十七中, 二十六中, 二十九中, 四十三中 and
    the private 太平洋高级中学; all 342 高级中学) plus the private 武外英中 senior school, the vocational
    centre 武汉市第一职业教育中心 (361) and 武汉市硚口区特殊教育学校 (514).
  Names from the plan are used where it gives them; every other name is illustrative, not a claim about
  a real school. One school (营北小学) moves from 汉正组团 to 宝丰组团 in 2020.
- Population 0–22 by single year for the district and each zone (zones add up exactly): cohorts age on
  (births × a migration profile: in-migration at ages 1–5 and 18–22, little at school ages), so the
  school-age population keeps growing through 2025 while births fall after the 2016–2017 two-child peak.
- Enrolment is a cohort model. Each level's district total per grade is the population of that grade's
  age times the level's gross ratio; the entry grade is shared among schools by size and a slow
  school-specific trend, and every later grade follows the school's own cohort (grade g+1 in year t+1 ≈
  grade g in year t). The difference is booked as transfers. As the data model says, `transfers_in/out`
  and `deaths` on the row (year t, grade g) are the movements of the class that was in grade g during
  school year t−1 (it is now in grade g+1, or has graduated), so that
  pupils(t−1, g) + transfers_in − transfers_out − deaths = pupils(t, g+1) of the same school, or, on a
  final-grade row, = `graduates` (the number who finished grade g at the end of year t−1); junior
  classes also lose a handful of unrecorded drop-outs. A graduating class's final-year movements are
  balanced (转入 = 转出 + 死亡), so they leave its graduates as they were. `new_entrants` is filled for
  entry grades only. Schools have rows for opened_year ≤ year < closed_year.
- Teachers by school × section (nine-year schools: a 小学 and a 初中 row); facilities by school; area
  totals (residents, births, expenditure, salaries) and the values other bodies report.

Calibration targets (hold for the default window 2016–2025 and any seed)
-------------------------------------------------------------------------
- 学前三年毛入园率 (K1–K3 pupils / population 3–5): 95 in 2019, 98.5 in 2020, 99 in 2025; the share of
  pupils in 公办 + 普惠性 kindergartens rises every year 2016–2020 to 85.7 %.
- Compulsory pupils / population 6–14 ≈ 101–102 %; cohorts give a 九年巩固率 ≈ 100 %.
- 高中阶段毛入学率 ((高中 + 中职) / population 15–17): 99 in 2019.
- 高中 teachers with a postgraduate degree: 18.6 % in 2019, rising to 25 % in 2025; 中职 双师型: 61 % in
  2019, rising to 76 %.
- 优质均衡 (教督〔2017〕6号, methods.md §1): per-student L1–L7 for every 211/311/312 school and level are
  drawn as standard × floor × (1 + κ·u) with u a persistent, right-skewed school factor; κ is solved per
  level and indicator so that the student-weighted coefficients of variation in 2019 hit set targets whose
  mean is 0.382 (小学) and 0.302 (初中); every single coefficient stays under 0.50 / 0.45. Afterwards κ
  shrinks by 5 % a year (teachers, equipment, multimedia rooms), so the mean falls gently toward 2025.
  Floor areas and sports areas are fixed buildings (sized on 2019 enrolment), changed only by named
  projects (汉西小学异地新建 2023, 十七初扩建 2024) and a few 13th-plan expansions before 2019; a handful of
  crowded central-city schools fall short of the sports-area standard.
- 教育支出 / 一般公共预算支出 = 21.85 % in 2019 (exact to 2 decimals), 21.9 % in 2020, rising to 26.8 % in
  2025; education expenditure and expenditure per pupil rise every year; the 义务教育 teacher salary is
  never below the civil-servant salary.
- Multimedia-room coverage, teacher-device coverage, the share of schools with smart classrooms and the
  bandwidth per class rise from clearly short in 2019–2020 to about 100 % / 100 Mbps in 2025.
- Reported values: 14.53 / 14.64 years (劳动年龄人口 / 新增劳动力) and 85 % 现代化达标率 in 2019, etc.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eduplan.model import TABLES_BY_NAME, levels_of
from eduplan.model.codes import GRADE_ORDER

# ------------------------------------------------------------------ district, zones, years

DISTRICT_CODE = "420104"
DISTRICT_NAME = "硚口区"
CITY_NAME = "武汉市"
CAL_YEAR = 2019  # the year the calibration targets refer to (the plan's "2019 年实际")
SPAN = (2016, 2025)  # the internal simulation always covers at least these years

ZONES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("QK01", "古田组团", ("古田一路", "古田二路", "古田四路", "古田路", "汉宜路")),
    ("QK02", "宝丰组团", ("宝丰路", "宝丰二路", "荣华街", "京汉大道", "利济北路")),
    ("QK03", "汉正组团", ("汉正街", "崇仁路", "六角亭", "汉中街", "仁寿路")),
    ("QK04", "长丰组团", ("长丰大道", "额头湾路", "园博大道", "易家墩路", "新合村路")),
    ("QK05", "韩家墩组团", ("韩家墩路", "宗关路", "水厂路", "汉西路", "陈家墩路")),
    ("QK06", "汉水桥组团", ("汉水桥路", "硚口路", "集贤路", "游艺路", "南垸坊路")),
)
ZONE_SHARE = np.array([0.19, 0.17, 0.15, 0.20, 0.17, 0.12])  # share of residents / children
ZONE_DRIFT = np.array([0.010, -0.004, -0.014, 0.020, 0.000, -0.008])  # log drift of the child share a year

# ------------------------------------------------------------------ population

# District births by calendar year (the two-child peak 2016–2017, falling after 2018).
BIRTHS = {
    1994: 5600, 1995: 5400, 1996: 5200, 1997: 5000, 1998: 4900, 1999: 4800, 2000: 4900, 2001: 4800,
    2002: 4900, 2003: 5000, 2004: 5100, 2005: 5200, 2006: 5400, 2007: 5700, 2008: 6000, 2009: 6200,
    2010: 6300, 2011: 6600, 2012: 7000, 2013: 7000, 2014: 7600, 2015: 7400, 2016: 8200, 2017: 8000,
    2018: 7000, 2019: 6700, 2020: 5600, 2021: 5100, 2022: 4600, 2023: 4700, 2024: 4800, 2025: 4500,
}
AGE0_FACTOR = 0.985  # age-0 population at the count / births of the year
# Net migration (+ survival) from age a−1 to a: families move in with small children, little at school
# ages, students and young workers at 18–22.
NET_MIGRATION = np.array([0.0] + [0.02] * 5 + [0.002] * 9 + [0.0] * 3 + [0.06] * 5)
RESIDENTS_2019 = 870_000
RESIDENTS_GROWTH = 0.004

# ------------------------------------------------------------------ enrolment targets (by year)

KG_RATE = {2016: 90.0, 2017: 92.0, 2018: 93.5, 2019: 95.0, 2020: 98.5, 2021: 98.6, 2022: 98.7,
           2023: 98.8, 2024: 98.9, 2025: 99.0}  # 学前三年毛入园率, %
INCLUSIVE_SHARE = {2016: 0.790, 2017: 0.808, 2018: 0.826, 2019: 0.842, 2020: 0.857, 2021: 0.865,
                   2022: 0.872, 2023: 0.878, 2024: 0.884, 2025: 0.890}  # pupils in 公办+普惠 kindergartens
PRIMARY_RATIO = 1.02  # 小学 pupils / population of the grade's age
JUNIOR_RATIO = 1.01
SENIOR_RATE = {2016: 97.5, 2017: 98.0, 2018: 98.5, 2019: 99.0, 2020: 99.0, 2021: 99.2, 2022: 99.3,
               2023: 99.4, 2024: 99.5, 2025: 99.6}  # 高中阶段毛入学率, %
VOC_SHARE = {2016: 0.32, 2017: 0.315, 2018: 0.31, 2019: 0.30, 2020: 0.295, 2021: 0.29, 2022: 0.28,
             2023: 0.275, 2024: 0.265, 2025: 0.26}  # 中职 share of the senior stage
VOC_CAPACITY_PER_GRADE = 1900
JUNIOR_DROPOUT = 0.0003  # unrecorded, per pupil and year (初中辍学率 0.03 %)

LEVEL_GRADES = {
    "学前": ("K1", "K2", "K3"),
    "小学": tuple(f"P{i}" for i in range(1, 7)),
    "初中": ("J1", "J2", "J3"),
    "高中": ("S1", "S2", "S3"),
    "中职": ("V1", "V2", "V3"),
    "特教": tuple(f"P{i}" for i in range(1, 7)) + ("J1", "J2", "J3"),
}
LEVEL_AGE = {"学前": 3, "小学": 6, "初中": 12, "高中": 15, "中职": 15}
CLASS_SIZE = {  # (low, high) target pupils per class, by level (kindergarten by grade)
    "K1": (24, 29), "K2": (28, 32), "K3": (31, 35), "小学": (40, 47.5), "初中": (45, 52),
    "高中": (46, 53), "中职": (38, 46), "特教": (8, 12),
}
CLASS_MAX = {"K1": 32, "K2": 36, "K3": 40, "小学": 52, "初中": 55, "高中": 55, "中职": 50, "特教": 14}
CLASS_NORM = {"K1": 25, "K2": 30, "K3": 35, "小学": 45, "初中": 50, "高中": 50, "中职": 50}
MALE_SHARE = {"学前": 0.525, "小学": 0.53, "初中": 0.53, "高中": 0.48, "中职": 0.60, "特教": 0.62}

# ------------------------------------------------------------------ teachers

HS_POSTGRAD = {2016: 0.145, 2017: 0.158, 2018: 0.172, 2019: 0.186, 2020: 0.200, 2021: 0.212,
               2022: 0.223, 2023: 0.233, 2024: 0.242, 2025: 0.250}  # 高中 研究生学历 share
VOC_DUAL = {2016: 0.52, 2017: 0.55, 2018: 0.58, 2019: 0.61, 2020: 0.65, 2021: 0.68, 2022: 0.70,
            2023: 0.72, 2024: 0.74, 2025: 0.76}  # 中职 双师型 share
PUPILS_PER_TEACHER = {"学前": (11.0, 15.0), "高中": (10.0, 12.0), "中职": (14.0, 16.0), "特教": (2.8, 3.6)}
STAFF_EXTRA = {"学前": 0.55, "小学": 0.10, "初中": 0.12, "高中": 0.15, "中职": 0.25, "特教": 0.30}
FEMALE_SHARE = {"学前": 0.97, "小学": 0.86, "初中": 0.73, "高中": 0.60, "中职": 0.55, "特教": 0.80}
# probabilities of 正高级, 高级, 一级, 二级, 三级, 未定职级
TITLE_P = {
    "学前": (0.0, 0.03, 0.25, 0.35, 0.07, 0.30),
    "小学": (0.002, 0.12, 0.45, 0.33, 0.03, 0.068),
    "初中": (0.004, 0.20, 0.45, 0.28, 0.01, 0.056),
    "高中": (0.008, 0.30, 0.40, 0.24, 0.0, 0.052),
    "中职": (0.005, 0.25, 0.40, 0.27, 0.0, 0.075),
    "特教": (0.0, 0.15, 0.45, 0.30, 0.02, 0.08),
}
# probabilities of 研究生, 本科, 专科, 高中及以下 where not calibrated
QUAL_P = {"学前": (0.01, 0.55, 0.40, 0.04), "中职": (0.07, 0.84, 0.08, 0.01), "特教": (0.05, 0.80, 0.15, 0.0)}

# ------------------------------------------------------------------ 优质均衡 resource indicators L1–L7

CV_LEVELS = ("小学", "初中")
STANDARDS = {"小学": (4.2, 1.0, 0.9, 4.5, 7.5, 2000.0, 2.3), "初中": (5.3, 1.0, 0.9, 5.8, 10.2, 2500.0, 2.4)}
CV_TARGETS = {  # 2019 single coefficients; means 0.382 and 0.302 (the plan's 2019 figures)
    "小学": (0.20, 0.48, 0.38, 0.36, 0.49, 0.46, 0.304),
    "初中": (0.16, 0.40, 0.30, 0.30, 0.42, 0.35, 0.184),
}
FLOOR = {"小学": (1.30, 0.95, 1.0, 1.0, 1.0, 1.0, 0.95), "初中": (1.35, 0.95, 1.0, 1.0, 1.0, 1.0, 0.95)}
LEVEL_WEIGHT = {"小学": 1.0, "初中": 1.1}  # methods.md §1.3 weights for splitting facility totals
AREA_INDICATORS = (3, 4)  # L4, L5: fixed buildings
SKEW_SIGMA = 1.3
KAPPA_MAX = 1.5  # keeps per-student values within a few times the standard
KAPPA_DECLINE = 0.05  # per year after 2019
KAPPA_RISE_BEFORE = 0.025  # per year before 2019
LEVEL_TREND = {  # multiplier of the mean per-student value by year, for L1, L2, L3, L6, L7
    0: {2016: 0.99, 2025: 1.02}, 1: {2016: 0.90, 2025: 1.12}, 2: {2016: 0.95, 2025: 1.06},
    5: {2016: 0.80, 2025: 1.35}, 6: {2016: 0.88, 2025: 1.10},
}

# ------------------------------------------------------------------ informatisation (district means)

MULTIMEDIA_COVERAGE = {2016: 0.70, 2017: 0.76, 2018: 0.82, 2019: 0.87, 2020: 0.90, 2021: 0.93,
                       2022: 0.95, 2023: 0.97, 2024: 0.985, 2025: 0.995}  # multimedia / classrooms
DEVICE_COVERAGE = {2016: 0.45, 2017: 0.55, 2018: 0.63, 2019: 0.70, 2020: 0.78, 2021: 0.84, 2022: 0.89,
                   2023: 0.93, 2024: 0.96, 2025: 0.985}  # teacher devices / teachers
SMART_SCHOOLS = {2016: 0.08, 2017: 0.18, 2018: 0.30, 2019: 0.42, 2020: 0.55, 2021: 0.68, 2022: 0.80,
                 2023: 0.88, 2024: 0.94, 2025: 0.98}  # share of schools with a smart classroom
SMART_PER_CLASS = {2016: 0.04, 2019: 0.08, 2025: 0.25}
BANDWIDTH_PER_CLASS = {2016: 5, 2017: 8, 2018: 12, 2019: 20, 2020: 30, 2021: 45, 2022: 60, 2023: 75,
                       2024: 90, 2025: 102}  # Mbps
BANDWIDTH_TIERS = (100, 200, 300, 500, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 8000, 10000)

# ------------------------------------------------------------------ money

EDU_SHARE = {2016: 20.60, 2017: 21.00, 2018: 21.40, 2019: 21.85, 2020: 21.90, 2021: 22.50, 2022: 23.30,
             2023: 24.30, 2024: 25.60, 2025: 26.80}  # education / public expenditure, %
EDU_PER_PUPIL_2016 = 14_000.0  # 元
EDU_PER_PUPIL_GROWTH = {2016: (0.045, 0.06), 2021: (0.07, 0.09)}  # yearly growth range from that year
CIVIL_SALARY_2016 = 98_000.0  # 元, rising 5 % a year

# ------------------------------------------------------------------ reported values (420104)

REPORTED_SERIES: dict[str, tuple[str, str, dict[int, float]]] = {
    "labour_force_schooling_years": ("区统计局", "人口变动抽样调查", {
        2016: 14.30, 2017: 14.38, 2018: 14.46, 2019: 14.53, 2020: 14.70, 2021: 14.76, 2022: 14.81,
        2023: 14.86, 2024: 14.90, 2025: 14.95}),
    "new_labour_schooling_years": ("区统计局", "", {
        2016: 14.40, 2017: 14.48, 2018: 14.56, 2019: 14.64, 2020: 15.00, 2021: 15.02, 2022: 15.04,
        2023: 15.06, 2024: 15.08, 2025: 15.10}),
    "disabled_enrolment_rate": ("区残联", "含随班就读、送教上门", {2016: 100.0}),
    "wireless_5g_school_coverage": ("区教育信息中心", "5G 智能教育无线网络覆盖的中小学校占比", {
        2019: 0.0, 2020: 5.0, 2021: 20.0, 2022: 40.0, 2023: 60.0, 2024: 80.0, 2025: 95.0}),
    "star_smart_campus_coverage": ("区教育信息中心", "星级智慧校园", {
        2016: 5.0, 2017: 10.0, 2018: 18.0, 2019: 25.0, 2020: 35.0, 2021: 48.0, 2022: 60.0, 2023: 72.0,
        2024: 85.0, 2025: 96.0}),
    "poor_student_aid_coverage": ("区学生资助中心", "义务教育家庭经济困难学生", {2016: 100.0}),
    "compulsory_modernisation_rate": ("区教育督导室", "市级现代化建设评估", {
        2016: 70.0, 2017: 75.0, 2018: 80.0, 2019: 85.0, 2020: 90.0, 2021: 92.0, 2022: 94.0, 2023: 96.0,
        2024: 98.0, 2025: 100.0}),
    "vocational_employment_rate": ("区人社局", "", {
        2016: 97.6, 2017: 97.9, 2018: 98.1, 2019: 98.0, 2020: 98.2, 2021: 98.3, 2022: 98.4, 2023: 98.5,
        2024: 98.6, 2025: 98.7}),
    "principal_standard_rate": ("区教育局", "", {2016: 80.0, 2017: 90.0, 2018: 95.0, 2019: 100.0}),
    "curriculum_compliance_rate": ("区教育督导室", "", {2016: 100.0}),
    "three_links_two_platforms_rate": ("区教育信息中心", "", {2016: 90.0, 2017: 95.0, 2018: 100.0}),
    "health_knowledge_rate": ("区卫健局", "", {
        2016: 82.0, 2017: 83.5, 2018: 85.0, 2019: 86.2, 2020: 87.0, 2021: 87.8, 2022: 88.5, 2023: 89.2,
        2024: 89.8, 2025: 90.5}),
    "myopia_new_rate": ("区卫健局", "视力筛查", {
        2016: 1.2, 2017: 1.0, 2018: 0.8, 2019: 0.6, 2020: 0.9, 2021: 0.7, 2022: 0.6, 2023: 0.5,
        2024: 0.45, 2025: 0.4}),
    "height_gain_cm": ("区卫健局", "体质监测", {
        2016: 0.8, 2017: 1.0, 2018: 1.1, 2019: 1.3, 2020: 1.2, 2021: 1.4, 2022: 1.6, 2023: 1.7,
        2024: 1.9, 2025: 2.0}),
    "sport_skills_rate": ("区教育局体卫艺科", "", {
        2016: 78.0, 2017: 81.0, 2018: 84.0, 2019: 87.0, 2020: 88.0, 2021: 90.0, 2022: 92.0, 2023: 94.0,
        2024: 96.0, 2025: 98.0}),
    "art_skills_rate": ("区教育局体卫艺科", "", {
        2016: 70.0, 2017: 73.0, 2018: 76.0, 2019: 80.0, 2020: 82.0, 2021: 85.0, 2022: 88.0, 2023: 91.0,
        2024: 94.0, 2025: 97.0}),
    "labour_education_share": ("区教育局", "", {
        2016: 30.0, 2017: 32.0, 2018: 35.0, 2019: 38.0, 2020: 40.0, 2021: 44.0, 2022: 48.0, 2023: 50.0,
        2024: 51.0, 2025: 52.0}),
    "social_recognition_rate": ("第三方调查", "", {
        2016: 88.0, 2017: 89.0, 2018: 90.0, 2019: 91.0, 2020: 91.5, 2021: 92.0, 2022: 92.5, 2023: 93.0,
        2024: 93.5, 2025: 94.0}),
    "school_network_coverage": ("区教育信息中心", "", {2016: 95.0, 2017: 98.0, 2018: 100.0}),
    "informatisation_compliance_rate": ("区教育信息中心", "", {
        2016: 62.0, 2017: 68.0, 2018: 74.0, 2019: 80.0, 2020: 84.0, 2021: 88.0, 2022: 92.0, 2023: 95.0,
        2024: 98.0, 2025: 100.0}),
    "free_special_education_years": ("区教育局", "", {2016: 12.0, 2023: 15.0}),
}
# teacher_salary_ratio is derived from the area_year salaries.

# ------------------------------------------------------------------ schools

# (name, zone, relative size or None for random, extra) — extra may hold "address", "private",
# "expansions" [(year, factor applied from that year)], "sizes" {level: size}.
PRIMARY_SCHOOLS: tuple[tuple[str, str, float | None, dict], ...] = (
    ("武汉市硚口区崇仁路小学", "QK03", 2.10, {}),
    ("武汉市硚口区汉西小学", "QK05", 1.90, {"expansions": [(2023, 1.35)]}),  # 异地新建 2022
    ("武汉市硚口区古田路小学", "QK01", 1.55, {}),
    ("武汉市硚口区南垸坊小学", "QK06", 1.35, {}),
    ("武汉市硚口区汉滨小学", "QK03", 1.15, {}),
    ("武汉市硚口区宝丰路小学", "QK02", None, {}),
    ("武汉市硚口区井冈山小学", "QK02", None, {}),
    ("武汉市硚口区营北小学", "QK03", None, {"move": ("QK02", 2020)}),
    ("武汉市硚口区长丰小学", "QK04", None, {}),
    ("武汉市硚口区水厂路小学", "QK05", None, {}),
    ("武汉市硚口区义烈巷小学", "QK03", None, {}),
    ("武汉市硚口区红旗村小学", "QK01", None, {}),
    ("武汉市硚口区体育场路小学", "QK02", None, {}),
    ("武汉市硚口区东方红小学", "QK05", None, {}),
    ("武汉市硚口区辛家地小学", "QK06", None, {}),
    ("武汉市硚口区新合村小学", "QK04", None, {}),
    ("武汉市硚口区利北小学", "QK02", None, {}),
    ("武汉市硚口区荣华街小学", "QK02", None, {}),
    ("武汉市硚口区仁寿路小学", "QK03", None, {}),
    ("武汉市硚口区六角亭小学", "QK03", None, {}),
    ("武汉市硚口区汉正街小学", "QK03", None, {}),
    ("武汉市硚口区古田二路小学", "QK01", None, {}),
    ("武汉市硚口区古田四路小学", "QK01", None, {}),
    ("武汉市硚口区额头湾小学", "QK04", None, {}),
    ("武汉市硚口区汉水桥小学", "QK06", None, {}),
    ("武汉市硚口区集贤路小学", "QK06", None, {}),
    ("武汉市硚口区硚口路小学", "QK06", None, {}),
    ("武汉市硚口区京汉小学", "QK02", None, {}),
    ("武汉市硚口区游艺路小学", "QK06", None, {}),
    ("武汉市硚口区宗关小学", "QK05", None, {}),
    ("武汉市硚口区汉中街小学", "QK03", None, {}),
    ("武汉市硚口区古田一路小学", "QK01", None, {}),
    ("武汉市硚口区博雅实验小学", "QK04", 0.60, {"private": True}),
)
JUNIOR_SCHOOLS: tuple[tuple[str, str, float | None, dict], ...] = (
    ("武汉市十一滨江初级中学", "QK03", 1.40, {}),
    ("武汉市第十七初级中学", "QK06", 1.50, {"expansions": [(2024, 1.25)]}),  # 十七初扩建 2021–2023
    ("武汉市第六十中学", "QK01", 1.10, {"address": "硚口区古田路6号"}),
    ("武汉市崇仁初级中学", "QK03", None, {}),
    ("武汉市土垱中学", "QK05", None, {}),
    ("武汉市汉铁初级中学", "QK02", None, {}),
    ("武汉市第十二中学", "QK02", None, {}),
    ("武汉市硚口区长丰中学", "QK04", None, {}),
    ("武汉市硚口区汉水桥中学", "QK06", None, {}),
)
NINE_YEAR_SCHOOLS: tuple[tuple[str, str, float | None, dict], ...] = (
    ("武汉市硚口区陈家墩学校", "QK05", None, {"sizes": {"小学": 1.25, "初中": 0.80}}),
    ("武汉市硚口区园博园学校", "QK04", None, {"sizes": {"小学": 1.00, "初中": 0.70}}),
    ("武汉市硚口区易家墩学校", "QK04", None, {"sizes": {"小学": 0.85, "初中": 0.55}}),
    ("武汉市硚口区韩家墩学校", "QK05", None, {"sizes": {"小学": 0.90, "初中": 0.60}}),
    ("武汉市硚口区古田学校", "QK01", None, {"sizes": {"小学": 0.80, "初中": 0.55}}),
    ("武汉外国语学校英中学校", "QK01", None, {"sizes": {"小学": 0.70, "初中": 0.65}, "private": True}),
)
SENIOR_SCHOOLS: tuple[tuple[str, str, float | None, dict], ...] = (
    ("武汉市第十一中学", "QK03", 1.45, {}),
    ("武汉市第四中学", "QK06", 1.25, {}),
    ("武汉市第十七中学", "QK06", 1.10, {}),
    ("武汉市第二十六中学", "QK02", 1.00, {}),
    ("武汉市第二十九中学", "QK05", 0.95, {}),
    ("武汉市第四十三中学", "QK01", 1.05, {}),
    ("武汉市太平洋高级中学", "QK04", 0.75, {"private": True}),
    ("武汉外国语学校英中高级中学", "QK01", 0.50, {"private": True}),
)
VOCATIONAL_SCHOOL = ("武汉市第一职业教育中心", "QK04")
SPECIAL_SCHOOL = ("武汉市硚口区特殊教育学校", "QK02")
# New compulsory schools from the plan's 中小学配建 list: (name, type, zone, opens, relative size)
NEW_COMPULSORY: tuple[tuple[str, str, str, int, float], ...] = (
    ("武汉市硚口区常码头小学", "211", "QK06", 2023, 1.0),  # 常码头还建地配建小学 2021–2022
    ("武汉市硚口区汉宜小学", "211", "QK01", 2023, 1.0),  # 汉宜片万科配建小学 2021–2022
    ("武汉市硚口区融创小学", "211", "QK05", 2024, 1.1),  # 融创(宗关)配建小学 2021–2023
    ("武汉市硚口区法院西小学", "211", "QK01", 2024, 0.9),  # 法院西控规小学 2021–2023
    ("武汉市硚口区长丰村小学", "211", "QK04", 2024, 1.1),  # 长丰村控规小学 2021–2023
    ("武汉市硚口区东风初级中学", "311", "QK04", 2025, 1.2),  # 东风村控规初中 2021–2024
)
# Schools expanded in the 13th plan before 2019 (floor areas were 80 % before the year).
EARLY_EXPANSIONS = (("武汉市硚口区长丰小学", 2017), ("武汉市硚口区额头湾小学", 2018),
                    ("武汉市硚口区园博园学校", 2017), ("武汉市硚口区长丰中学", 2018),
                    ("武汉市硚口区新合村小学", 2018))
# Central-city schools squeezed for sports ground (their L5 floor is well under the standard).
CRAMPED = ("武汉市硚口区汉正街小学", "武汉市硚口区六角亭小学", "武汉市硚口区仁寿路小学",
           "武汉市硚口区义烈巷小学", "武汉市硚口区汉中街小学", "武汉市崇仁初级中学", "武汉市汉铁初级中学")

PUBLIC_KG_STEMS = (
    "实验", "机关", "第一", "第二", "古田", "宝丰", "汉正街", "长丰", "韩家墩", "汉水桥", "易家墩", "宗关",
    "荣华", "六角亭", "汉中", "崇仁", "营北", "井冈山", "水厂", "利济", "集贤", "仁寿", "体育场", "京汉",
    "南垸坊", "陈家墩", "园博园", "常码头", "额头湾", "游艺",
)
RECEIVED_KG_STEMS = (  # 住宅小区配建 kindergartens received 2017–2020
    ("融侨华府", 2017), ("汉口城市广场", 2017), ("保利城", 2018), ("金色港湾", 2018), ("绿地国际", 2018),
    ("中国铁建", 2019), ("复地", 2019), ("福星华府", 2019), ("宝丰佳苑", 2020), ("古田春晓", 2020),
)
PRIVATE_KG_BRANDS = (
    "启明星", "童之梦", "小天鹅", "蓝天", "金色童年", "育才", "晨曦", "星星河", "乐贝", "博雅", "英才",
    "小太阳", "彩虹", "春芽", "贝贝佳", "七色花", "红苹果", "小精灵", "智慧树", "童话城", "快乐岛", "金贝贝",
    "书香", "常青藤", "小百灵", "天使", "未来星", "欣欣", "苗苗", "宝贝乐", "东方之星", "康桥",
)
PRIVATE_KG_NONINCLUSIVE = (
    "伊顿国际", "爱弥儿双语", "蒙特梭利", "新世纪双语", "紫荆国际", "华育双语", "剑桥双语", "维多利亚",
    "哈佛启蒙", "金钥匙双语", "贝尔思双语", "牛津双语", "美联英语",
)
N_PUBLIC_KG, N_INCLUSIVE_PRIVATE_KG = 30, 22  # plus 10 received and 13 non-普惠 = 75 in 2020
KG_CLOSURES = (2022, 2023, 2024, 2024, 2025)  # five non-普惠 kindergartens close
# The plan's 公益普惠性幼儿园新改扩建 list: opens in the year listed.
NEW_KG = (
    ("红星佳苑", 2021), ("金地K3", 2021), ("洺悦府", 2021), ("金地K1", 2022), ("永利村H2", 2022),
    ("美好香域", 2023), ("华润一职南", 2023), ("万科汉宜", 2023), ("融创", 2024), ("复地御江", 2024),
    ("汉江湾壹号", 2024), ("长丰H5", 2025), ("美好名流", 2025), ("东风村", 2025),
)


# ================================================================== helpers


def _at(series: dict[int, float], year: int) -> float:
    """Value of a yearly series; linear between given years, flat outside them."""
    ys = sorted(series)
    if year <= ys[0]:
        return float(series[ys[0]])
    if year >= ys[-1]:
        return float(series[ys[-1]])
    if year in series:
        return float(series[year])
    lo = max(y for y in ys if y < year)
    hi = min(y for y in ys if y > year)
    return float(series[lo] + (series[hi] - series[lo]) * (year - lo) / (hi - lo))


def _births(year: int) -> float:
    lo, hi = min(BIRTHS), max(BIRTHS)
    if year < lo:
        return BIRTHS[lo] * 1.02 ** (lo - year)
    return float(BIRTHS[min(year, hi)])


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Integer split of `total` proportional to weights (largest remainder); sums exactly to total."""
    w = np.asarray(weights, dtype=float)
    out = np.zeros(len(w), dtype=np.int64)
    if total <= 0 or len(w) == 0:
        return out
    if w.sum() <= 0:
        w = np.ones(len(w))
    exact = total * w / w.sum()
    out = np.floor(exact).astype(np.int64)
    rest = int(total - out.sum())
    order = np.argsort(-(exact - out), kind="stable")
    out[order[:rest]] += 1
    return out


def _weighted_cv(r: np.ndarray, p: np.ndarray) -> float:
    """The 差异系数 of methods.md §1.2: student-weighted, X̄ = ΣR / ΣP."""
    x = r / p
    mean = r.sum() / p.sum()
    s = math.sqrt(float(np.sum(p / p.sum() * (x - mean) ** 2)))
    return s / mean


def _round_half(x: float) -> int:
    return int(math.floor(x + 0.5))


@dataclass
class _School:
    code: str
    name: str
    type_code: str
    ownership: str
    inclusive: str | None
    zone: str
    opened: int
    closed: int | None = None
    address: str = ""
    sizes: dict[str, float] = field(default_factory=dict)  # level -> relative size
    trend: float = 0.0  # log change of the entry share a year
    move: tuple[str, int] | None = None
    expansions: list[tuple[int, float]] = field(default_factory=list)
    new: bool = False  # opens inside the window (grows a grade a year)

    @property
    def levels(self) -> tuple[str, ...]:
        return levels_of(self.type_code)

    def open_in(self, year: int) -> bool:
        return self.opened <= year and (self.closed is None or year < self.closed)


@dataclass
class _Sim:
    """The simulated years: a burn-in before the window so that cohorts and flows are settled."""

    first: int
    last: int
    burn: int = 9

    @property
    def years(self) -> list[int]:
        return list(range(self.first - self.burn, self.last + 1))

    def index(self, year: int) -> int:
        return year - (self.first - self.burn)


# ================================================================== schools


def _make_schools(rng: np.random.Generator) -> list[_School]:
    schools: list[_School] = []

    def add(name: str, type_code: str, ownership: str, zone: str, opened: int, inclusive: str | None = None,
            sizes: dict[str, float] | None = None, **kw: Any) -> _School:
        code = f"2{DISTRICT_CODE}{len(schools) + 1:03d}"
        streets = ZONES[[z[0] for z in ZONES].index(zone)][2]
        street = next((st for st in streets if st in name), streets[int(rng.integers(len(streets)))])
        address = kw.pop("address", None) or f"硚口区{street}{int(rng.integers(1, 300))}号"
        s = _School(code, name, type_code, ownership, inclusive, zone, opened, address=address,
                    sizes=sizes or {}, trend=float(rng.normal(0.0, 0.012)), **kw)
        schools.append(s)
        return s

    for name, zone, size, extra in SENIOR_SCHOOLS:
        add(name, "342", "民办" if extra.get("private") else "公办", zone,
            int(rng.integers(1995, 2005)) if extra.get("private") else int(rng.integers(1905, 1960)),
            sizes={"高中": size})
    add(VOCATIONAL_SCHOOL[0], "361", "公办", VOCATIONAL_SCHOOL[1], 1985, sizes={"中职": 1.0})
    add(SPECIAL_SCHOOL[0], "514", "公办", SPECIAL_SCHOOL[1], 1991, sizes={"特教": 1.0})

    for name, zone, size, extra in PRIMARY_SCHOOLS:
        sz = size if size is not None else float(rng.uniform(0.6, 1.45))
        add(name, "211", "民办" if extra.get("private") else "公办", zone,
            2003 if extra.get("private") else int(rng.integers(1920, 2000)), sizes={"小学": sz},
            move=extra.get("move"), expansions=list(extra.get("expansions", [])))
    for name, zone, size, extra in JUNIOR_SCHOOLS:
        sz = size if size is not None else float(rng.uniform(0.75, 1.3))
        add(name, "311", "公办", zone, int(rng.integers(1930, 2000)), sizes={"初中": sz},
            expansions=list(extra.get("expansions", [])), address=extra.get("address"))
    for name, zone, _, extra in NINE_YEAR_SCHOOLS:
        add(name, "312", "民办" if extra.get("private") else "公办", zone,
            2012 if extra.get("private") else int(rng.integers(1960, 2012)), sizes=dict(extra["sizes"]))
    for name, year in EARLY_EXPANSIONS:
        next(s for s in schools if s.name == name).expansions.append((-year, 0.8))  # negative: before the year

    # kindergartens
    zone_codes = [z[0] for z in ZONES]

    def kg_zone() -> str:
        return zone_codes[int(rng.choice(len(zone_codes), p=ZONE_SHARE))]

    for stem in PUBLIC_KG_STEMS[:N_PUBLIC_KG]:
        add(f"武汉市硚口区{stem}幼儿园", "111", "公办", kg_zone(), int(rng.integers(1955, 2012)), "是",
            sizes={"学前": float(rng.uniform(0.8, 1.45))})
    for stem, year in RECEIVED_KG_STEMS:
        add(f"武汉市硚口区{stem}幼儿园", "111", "公办", kg_zone(), year, "是",
            sizes={"学前": float(rng.uniform(0.7, 1.2))}, new=True)
    for brand in PRIVATE_KG_BRANDS[:N_INCLUSIVE_PRIVATE_KG]:
        add(f"武汉市硚口区{brand}幼儿园", "111", "民办", kg_zone(), int(rng.integers(1995, 2015)), "是",
            sizes={"学前": float(rng.uniform(0.6, 1.25))})
    nonincl = [add(f"武汉市硚口区{brand}幼儿园", "111", "民办", kg_zone(), int(rng.integers(2000, 2015)), "否",
                   sizes={"学前": float(rng.uniform(0.6, 1.2))}) for brand in PRIVATE_KG_NONINCLUSIVE]
    for i, year in zip(rng.choice(len(nonincl), size=len(KG_CLOSURES), replace=False), KG_CLOSURES):
        nonincl[int(i)].closed = year

    # new schools of the 14th plan
    for name, type_code, zone, year, size in NEW_COMPULSORY:
        lvl = levels_of(type_code)[0]
        add(name, type_code, "公办", zone, year, sizes={lvl: size}, new=True)
    for stem, year in NEW_KG:
        add(f"武汉市硚口区{stem}幼儿园", "111", "公办", kg_zone(), year, "是",
            sizes={"学前": float(rng.uniform(0.7, 1.1))}, new=True)
    return schools


# ================================================================== population


def _population(rng: np.random.Generator, sim: _Sim) -> dict[str, np.ndarray]:
    """Population by area, shape (n_sim_years, 23): the district and each zone (zones add up exactly)."""
    years = sim.years
    growth = np.cumprod(1.0 + NET_MIGRATION) * AGE0_FACTOR  # cumulative factor by age
    noise = rng.normal(0.0, 0.003, size=(len(years), 23))
    district = np.zeros((len(years), 23), dtype=np.int64)
    for y, t in enumerate(years):
        for a in range(23):
            district[y, a] = _round_half(_births(t - a) * growth[a] * (1.0 + noise[y, a]))
    # zone shares follow birth cohorts (η) and drift with time
    first_cohort = years[0] - 22
    eta = rng.normal(0.0, 0.02, size=(6, years[-1] - first_cohort + 1))
    out = {DISTRICT_CODE: district}
    zones = np.zeros((6, len(years), 23), dtype=np.int64)
    for y, t in enumerate(years):
        for a in range(23):
            w = ZONE_SHARE * np.exp(ZONE_DRIFT * (t - CAL_YEAR) + eta[:, t - a - first_cohort])
            zones[:, y, a] = _split(int(district[y, a]), w)
    for z, (code, _, _) in enumerate(ZONES):
        out[code] = zones[z]
    return out


# ================================================================== enrolment


@dataclass
class _Enrolment:
    """Pupils per (school index, level): array (n_sim_years, n_grades)."""

    counts: dict[tuple[int, str], np.ndarray]
    dropouts: dict[tuple[int, str], np.ndarray]


def _level_totals(level: str, pop: np.ndarray, sim: _Sim) -> np.ndarray:
    """District pupils per grade and year: population of the grade's age × the level's gross ratio."""
    n = len(LEVEL_GRADES[level])
    out = np.zeros((len(sim.years), n), dtype=np.int64)
    for y, t in enumerate(sim.years):
        if level == "学前":
            ratio = _at(KG_RATE, t) / 100
        elif level == "小学":
            ratio = PRIMARY_RATIO
        elif level == "初中":
            ratio = JUNIOR_RATIO
        else:  # the senior stage: 中职 share, capped by the one vocational centre's capacity
            ratio = _at(SENIOR_RATE, t) / 100
        for k in range(n):
            out[y, k] = _round_half(pop[y, LEVEL_AGE[level] + k] * ratio)
            if level in ("高中", "中职"):
                voc = min(_round_half(out[y, k] * _at(VOC_SHARE, t)), VOC_CAPACITY_PER_GRADE)
                out[y, k] = voc if level == "中职" else out[y, k] - voc
    return out


def _simulate_level(rng: np.random.Generator, units: list[tuple[int, _School]], level: str,
                    totals: np.ndarray, pool: np.ndarray, pool_share: np.ndarray, sim: _Sim) -> np.ndarray:
    """Share each grade's district total among the open schools: the entry grade by size and trend,
    later grades by the school's own cohort a year earlier. Kindergartens open with all grades."""
    years = sim.years
    n_u, n_y, n_g = len(units), len(years), totals.shape[1]
    is_open = np.array([[s.open_in(t) for t in years] for _, s in units], dtype=bool)
    entry = np.zeros((n_u, n_y))
    for j, (_, s) in enumerate(units):
        for y, t in enumerate(years):
            if is_open[j, y]:
                ramp = min(1.0, 0.6 + 0.2 * (t - s.opened)) if s.new else 1.0
                entry[j, y] = s.sizes[level] * math.exp(s.trend * (t - CAL_YEAR)) * ramp
    counts = np.zeros((n_u, n_y, n_g), dtype=np.int64)
    for y in range(n_y):
        for k in range(n_g):
            for p, ptotal in enumerate(_split(int(totals[y, k]), pool_share[:, y])):
                members = np.flatnonzero(is_open[:, y] & (pool == p))
                if len(members) == 0:
                    continue
                if y == 0 or k == 0:
                    w = entry[members, y].copy()
                else:
                    w = counts[members, y - 1, k - 1] * np.exp(rng.normal(0.0, 0.012, len(members)))
                    if level == "学前":
                        fresh = ~is_open[members, y - 1]
                        if fresh.any():
                            ew = entry[members, y]
                            w[fresh] = ew[fresh] / ew.sum() * ptotal * 0.8
                    if w.sum() <= 0:
                        w = entry[members, y].copy()
                counts[members, y, k] = _split(int(ptotal), w)
    return counts


def _simulate_enrolment(rng: np.random.Generator, schools: list[_School], pop: np.ndarray, sim: _Sim) -> _Enrolment:
    counts: dict[tuple[int, str], np.ndarray] = {}
    for level in ("学前", "小学", "初中", "高中", "中职"):
        units = [(i, s) for i, s in enumerate(schools) if level in s.levels]
        totals = _level_totals(level, pop, sim)
        if level == "学前":
            pool = np.array([0 if s.inclusive == "是" else 1 for _, s in units])
            share = np.array([_at(INCLUSIVE_SHARE, t) for t in sim.years])
            pool_share = np.vstack([share, 1 - share])
        else:
            pool = np.zeros(len(units), dtype=int)
            pool_share = np.ones((1, len(sim.years)))
        level_counts = _simulate_level(rng, units, level, totals, pool, pool_share, sim)
        for j, (i, _) in enumerate(units):
            counts[(i, level)] = level_counts[j]
    # the special school: its own small intake, cohorts flowing with ±1
    for i, s in enumerate(schools):
        if "特教" in s.levels:
            arr = np.zeros((len(sim.years), 9), dtype=np.int64)
            for y in range(len(sim.years)):
                for k in range(9):
                    if y == 0 or k == 0:
                        arr[y, k] = int(rng.integers(11, 19)) if k < 6 else int(rng.integers(13, 21))
                    else:
                        arr[y, k] = max(6, arr[y - 1, k - 1] + int(rng.integers(-1, 2)) + (3 if k == 6 else 0))
            counts[(i, "特教")] = arr
    dropouts = {key: (rng.binomial(np.maximum(arr, 0), JUNIOR_DROPOUT) if key[1] == "初中" else np.zeros_like(arr))
                for key, arr in counts.items()}
    return _Enrolment(counts, dropouts)


def _balanced_over(pupils: int, classes: int, norm: int) -> int:
    """Classes above `norm` when `pupils` are spread as evenly as possible over `classes`."""
    if classes <= 0:
        return 0
    q, r = divmod(pupils, classes)
    return (r if q + 1 > norm else 0) + (classes - r if q > norm else 0)


def _enrolment_rows(rng: np.random.Generator, schools: list[_School], enr: _Enrolment, sim: _Sim,
                    years: list[int], class_size: dict[tuple[int, str], float]) -> tuple[list[dict], dict]:
    rows: list[dict] = []
    classes_of: dict[tuple[int, int], int] = {}  # (school index, year) -> total classes
    # the final-year movements of a graduating class are drawn from their own stream, so that adding
    # them left every other figure of the district (drawn from `rng`) as it was
    final_rng = rng.spawn(1)[0]
    for (i, level), arr in enr.counts.items():
        s = schools[i]
        grades = LEVEL_GRADES[level]
        drop = enr.dropouts[(i, level)]
        for t in years:
            if not s.open_in(t):
                continue
            y = sim.index(t)
            prev_open = s.open_in(t - 1)
            made: dict[int, dict] = {}  # grade index -> this year's row
            for k, g in enumerate(grades):
                p = int(arr[y, k])
                if p <= 0:
                    continue
                size_key = g if level == "学前" else level
                cs = class_size[(i, size_key)]
                classes = max(1, _round_half(p / cs), math.ceil(p / CLASS_MAX[size_key]))
                male = int(rng.binomial(p, MALE_SHARE[level]))
                row: dict[str, Any] = {"year": t, "school_code": s.code, "grade": g, "classes": classes,
                                       "male": male, "female": p - male, "pupils": p, "repeaters": 0,
                                       "transfers_in": 0, "transfers_out": 0, "deaths": 0}
                # every count the simulation knows is written, 0 where it is 0: a blank cell would be
                # missing (未填报), not 0
                row["new_entrants"] = p if k == 0 else 0
                if k > 0:
                    # the class of grade k−1 last year became this grade: its movements during that school
                    # year are booked on the row of the grade it was in (year t, grade k−1)
                    prev = int(arr[y - 1, k - 1]) if prev_open else 0
                    deaths = int(rng.binomial(prev, 0.0002)) if prev else 0
                    gap = p - prev + deaths + int(drop[y, k])
                    churn = int(rng.poisson(prev * 0.006)) if prev else 0
                    moves = {"transfers_in": max(gap, 0) + churn, "transfers_out": max(-gap, 0) + churn,
                             "deaths": deaths}
                    if k - 1 not in made:
                        if any(moves.values()):
                            raise AssertionError(f"movements without a row: {s.code} {t} {grades[k - 1]}")
                    else:
                        made[k - 1].update(moves)
                row["graduates"] = 0
                if k == len(grades) - 1 and prev_open and arr[y - 1, k] > 0:
                    prev = int(arr[y - 1, k])
                    row["graduates"] = prev - int(drop[y - 1, k])
                    # the graduating class's own final-year movements, balanced so that the graduates stay
                    # last year's final grade less its drop-outs
                    deaths = int(final_rng.binomial(prev, 0.0002))
                    churn = int(final_rng.poisson(prev * 0.006))
                    row.update(transfers_in=churn + deaths, transfers_out=churn, deaths=deaths)
                norm = CLASS_NORM.get(size_key)
                if norm is not None:
                    row["classes_over_norm"] = _balanced_over(p, classes, norm)
                    row["classes_56plus"] = _balanced_over(p, classes, 55)
                row["disabled"] = p if level == "特教" else int(rng.binomial(p, 0.002))
                rows.append(row)
                made[k] = row
                classes_of[(i, t)] = classes_of.get((i, t), 0) + classes
    rows.sort(key=lambda r: (r["year"], r["school_code"], GRADE_ORDER[r["grade"]]))
    return rows, classes_of


# ================================================================== 优质均衡 design and calibration


@dataclass
class _Design:
    """Per-student L1–L7 for each compulsory (school, level) unit: standard × floor × (1 + κ·u)."""

    units: list[tuple[int, str]]  # (school index, level)
    floor: np.ndarray  # (n_units, 7)
    skew: np.ndarray  # (n_units, 7) the persistent right-skewed factor u, mean ≈ 1
    kappa: dict[str, np.ndarray]  # level -> (7,)
    ubar: dict[str, np.ndarray]  # level -> (7,) mean of u over the level's units

    def per_student(self, j: int, k: int, year: int) -> float:
        level = self.units[j][1]
        std = STANDARDS[level][k]
        kap = self.kappa[level][k]
        if k in AREA_INDICATORS:
            return std * self.floor[j, k] * (1.0 + kap * self.skew[j, k])
        tau = _kappa_factor(year)
        norm = (1.0 + kap * self.ubar[level][k]) / (1.0 + kap * tau * self.ubar[level][k])
        return std * _level_trend(k, year) * self.floor[j, k] * (1.0 + kap * tau * self.skew[j, k]) * norm


def _kappa_factor(year: int) -> float:
    if year >= CAL_YEAR:
        return max(0.3, 1.0 - KAPPA_DECLINE * (year - CAL_YEAR))
    return 1.0 + KAPPA_RISE_BEFORE * (CAL_YEAR - year)


def _level_trend(k: int, year: int) -> float:
    if k not in LEVEL_TREND:
        return 1.0
    lo, hi = LEVEL_TREND[k][2016], LEVEL_TREND[k][2025]
    if year <= CAL_YEAR:
        return 1.0 + (1.0 - lo) * (year - CAL_YEAR) / (CAL_YEAR - 2016)
    return 1.0 + (hi - 1.0) * (year - CAL_YEAR) / (2025 - CAL_YEAR)


def _make_design(rng: np.random.Generator, schools: list[_School], enr: _Enrolment, sim: _Sim) -> _Design:
    units = [(i, lvl) for i, s in enumerate(schools) if s.type_code in ("211", "311", "312")
             for lvl in CV_LEVELS if lvl in s.levels]
    n = len(units)
    # one persistent profile per school (a nine-year school is rich or poor in both of its levels)
    members = sorted({i for i, _ in units})
    row_of = {i: m for m, i in enumerate(members)}
    sizes = np.array([sum(schools[i].sizes.values()) for i in members])
    size_z = (np.log(sizes) - np.log(sizes).mean()) / (np.log(sizes).std() or 1.0)
    common = rng.normal(size=len(members))
    own = rng.normal(size=(len(members), 7))
    zs = 0.45 * common[:, None] + 0.85 * own - 0.15 * size_z[:, None]
    new = np.array([schools[i].new for i in members])
    zs[new] = np.clip(zs[new], -1.0, 0.5)  # new schools are built to standard, not lavishly
    zs = np.clip(zs, -2.2, 2.2)
    z = zs[[row_of[i] for i, _ in units]]
    for lvl in CV_LEVELS:  # take the luck of the draw out: standardise within each level
        sel = [j for j, u in enumerate(units) if u[1] == lvl and not schools[u[0]].new]
        z[sel] = (z[sel] - z[sel].mean(axis=0)) / z[sel].std(axis=0)
    z = np.clip(z, -2.2, 2.2)
    skew = np.exp(SKEW_SIGMA * z - SKEW_SIGMA ** 2 / 2)
    floor = np.array([FLOOR[lvl] for _, lvl in units]) * rng.uniform(0.97, 1.08, size=(n, 7))
    for j, (i, _) in enumerate(units):
        if schools[i].name in CRAMPED:
            floor[j, 4] = float(rng.uniform(0.45, 0.75))
    kappa = {lvl: np.full(7, 0.3) for lvl in CV_LEVELS}
    ubar = {lvl: skew[[j for j, u in enumerate(units) if u[1] == lvl]].mean(axis=0) for lvl in CV_LEVELS}
    design = _Design(units, floor, skew, kappa, ubar)
    _calibrate(design, schools, enr, sim)
    return design


def _cal_inputs(design: _Design, schools: list[_School], enr: _Enrolment, sim: _Sim):
    y = sim.index(CAL_YEAR)
    pupils = np.array([enr.counts[(i, lvl)][y].sum() for i, lvl in design.units], dtype=float)
    active = np.array([schools[i].open_in(CAL_YEAR) for i, _ in design.units]) & (pupils > 0)
    return pupils, active


def _cv_2019(design: _Design, schools: list[_School], pupils: np.ndarray, active: np.ndarray,
             level: str, k: int) -> float:
    """The 2019 weighted CV of indicator k for a level, from the same rounded totals the rows carry."""
    units = design.units
    idx = [j for j, (_, lvl) in enumerate(units) if lvl == level and active[j]]
    p = pupils[idx]
    if k < 3:  # teacher counts per section
        r = np.array([_round_half(design.per_student(j, k, CAL_YEAR) * pupils[j] / 100) for j in idx], dtype=float)
        return _weighted_cv(r, p)
    r = []
    for j in idx:
        i = units[j][0]
        parts = [jj for jj, (ii, _) in enumerate(units) if ii == i and active[jj]]
        total = _facility_value(k, sum(design.per_student(jj, k, CAL_YEAR) * pupils[jj] for jj in parts))
        weight = {units[jj][1]: pupils[jj] * LEVEL_WEIGHT[units[jj][1]] for jj in parts}
        r.append(total * weight[level] / sum(weight.values()))
    return _weighted_cv(np.array(r), p)


def _facility_value(k: int, raw: float) -> float:
    """Round a facility total the way rows carry it: ㎡ to whole, 元 → 万元 to 0.01, rooms to whole."""
    if k in (3, 4):
        return float(round(raw))
    if k == 5:
        return round(raw / 10_000, 2)
    return float(_round_half(raw / 100))


def _calibrate(design: _Design, schools: list[_School], enr: _Enrolment, sim: _Sim) -> None:
    """Solve κ per level and indicator so the 2019 CVs hit CV_TARGETS (bisection; a few rounds because
    nine-year schools tie the two levels' facility values together)."""
    pupils, active = _cal_inputs(design, schools, enr, sim)
    grid = np.concatenate([[0.0], np.geomspace(0.005, KAPPA_MAX, 40)])
    targets = {lvl: np.array(CV_TARGETS[lvl], dtype=float) for lvl in CV_LEVELS}
    for round_ in range(6):
        for level in CV_LEVELS:
            for k in range(7):
                design.kappa[level][k] = _solve_kappa(design, schools, pupils, active, level, k,
                                                      float(targets[level][k]), grid)
        if round_ < 2:
            continue  # let the two levels settle first
        # what one indicator could not reach, the others of its level make up (the mean is the target)
        done = True
        for level in CV_LEVELS:
            got = np.array([_cv_2019(design, schools, pupils, active, level, k) for k in range(7)])
            gap = float(np.mean(CV_TARGETS[level]) - got.mean())
            if abs(gap) > 0.0005:
                done = False
                free = np.abs(got - targets[level]) < 0.005
                targets[level][free] += gap * 7 / max(1, int(free.sum()))
        if done:
            break


def _solve_kappa(design: _Design, schools: list[_School], pupils: np.ndarray, active: np.ndarray, level: str,
                 k: int, target: float, grid: np.ndarray) -> float:
    """κ that gives the target CV: the first grid step that crosses it, then bisection; else the closest."""

    def cv(kap: float) -> float:
        design.kappa[level][k] = kap
        return _cv_2019(design, schools, pupils, active, level, k)

    values = [cv(g) for g in grid]
    cross = next((n for n in range(1, len(grid)) if values[n - 1] <= target <= values[n]), None)
    if cross is None:
        return float(grid[int(np.argmin([abs(v - target) for v in values]))])
    lo, hi = float(grid[cross - 1]), float(grid[cross])
    for _ in range(30):
        mid = (lo + hi) / 2
        if cv(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


# ================================================================== teachers and facilities


@dataclass
class _SchoolTraits:
    """Per-school constants drawn once so that yearly values move smoothly."""

    ptr: dict[str, float]
    bachelor_share: float  # 初中 本科及以上 / teachers
    postgrad: float
    college: float
    hs_postgrad_weight: float
    staff_extra: float
    per_student_area: tuple[float, float, float]  # teaching, sports (㎡), equipment (元) for non-compulsory
    building_ratio: float  # teaching / building area
    land_ratio: float
    cover_z: float  # multimedia coverage rank
    device_z: float
    smart_u: float
    rooms_short: bool
    books_per_pupil: float
    pupils_per_computer: float
    rotation: float


def _traits(rng: np.random.Generator, schools: list[_School]) -> list[_SchoolTraits]:
    out = []
    for s in schools:
        lvl = s.levels[0]
        ptr = {lv: float(rng.uniform(*PUPILS_PER_TEACHER[lv])) for lv in s.levels if lv in PUPILS_PER_TEACHER}
        area = {
            "学前": (rng.uniform(5, 9), rng.uniform(3, 6), rng.uniform(800, 2000)),
            "高中": (rng.uniform(6, 10), rng.uniform(6, 14), rng.uniform(4000, 9000)),
            "中职": (rng.uniform(7, 11), rng.uniform(5, 10), rng.uniform(10000, 20000)),
            "特教": (rng.uniform(20, 35), rng.uniform(8, 15), rng.uniform(15000, 30000)),
        }.get(lvl, (0.0, 0.0, 0.0))
        out.append(_SchoolTraits(
            ptr=ptr,
            bachelor_share=float(rng.uniform(0.86, 0.97)),
            postgrad=float(rng.uniform(0.03, 0.10)),
            college=float(rng.uniform(0.05, 0.15)),
            hs_postgrad_weight=float(rng.uniform(0.6, 1.4)) * (0.7 if s.ownership == "民办" else 1.0),
            staff_extra=float(rng.uniform(0.7, 1.3)) * STAFF_EXTRA[lvl],
            per_student_area=tuple(float(v) for v in area),
            building_ratio=float(rng.uniform(0.55, 0.72)),
            land_ratio=float(rng.uniform(0.40, 0.60)),
            cover_z=float(rng.normal()),
            device_z=float(rng.normal()),
            smart_u=float(rng.uniform()),
            rooms_short=bool(rng.uniform() < 0.12),
            books_per_pupil=float(rng.uniform(*{"学前": (8, 15), "小学": (25, 35), "初中": (35, 45),
                                                 "高中": (45, 60), "中职": (40, 55), "特教": (30, 50)}[lvl])),
            pupils_per_computer=float(rng.uniform(6.0, 8.0)) * (2.5 if lvl == "学前" else 1.0),
            rotation=float(rng.uniform(0.09, 0.16)),
        ))
    # smart classrooms arrive school by school: spread the adoption ranks evenly within kindergartens
    # and within the other schools, so each group follows SMART_SCHOOLS closely
    for group in (True, False):
        members = [i for i, s in enumerate(schools) if (s.type_code == "111") == group]
        for rank, i in zip(rng.permutation(len(members)), members):
            out[i].smart_u = (rank + 0.5) / len(members)
    return out


def _multinomial_probs(p: tuple[float, ...]) -> np.ndarray:
    a = np.asarray(p, dtype=float)
    return a / a.sum()


def _section_pupils(enr: _Enrolment, i: int, level: str, y: int) -> int:
    return int(enr.counts[(i, level)][y].sum())


def _teacher_rows(rng: np.random.Generator, schools: list[_School], enr: _Enrolment, design: _Design,
                  traits: list[_SchoolTraits], sim: _Sim, years: list[int]) -> tuple[list[dict], dict]:
    rows: list[dict] = []
    unit_of = {u: j for j, u in enumerate(design.units)}
    teachers_of: dict[tuple[int, int], int] = {}
    for t in years:
        y = sim.index(t)
        year_rows: list[tuple[int, dict]] = []
        for i, s in enumerate(schools):
            if not s.open_in(t):
                continue
            tr = traits[i]
            for level in s.levels:
                p = _section_pupils(enr, i, level, y)
                if p <= 0:
                    continue
                row: dict[str, Any] = {"year": t, "school_code": s.code, "section": level}
                if (i, level) in unit_of:
                    j = unit_of[(i, level)]
                    q1 = max(1, _round_half(design.per_student(j, 0, t) * p / 100))
                    backbone = _round_half(design.per_student(j, 1, t) * p / 100)
                    arts = _round_half(design.per_student(j, 2, t) * p / 100)
                    if level == "小学":
                        secondary = int(rng.uniform() < 0.15)
                        teachers = q1 + secondary
                        post = _round_half(teachers * tr.postgrad)
                        college = min(q1 - post, _round_half(teachers * tr.college))
                        bachelor = q1 - post - college
                    else:
                        teachers = max(q1, _round_half(q1 / tr.bachelor_share))
                        secondary = 0
                        college = teachers - q1
                        post = _round_half(q1 * (tr.postgrad + 0.05))
                        bachelor = q1 - post
                    backbone = min(backbone, teachers)
                    pe = _round_half(arts * 0.5)
                    music = _round_half((arts - pe) * 0.5)
                    art = arts - pe - music
                else:
                    teachers = max(1, _round_half(p / tr.ptr[level]))
                    if level == "高中":
                        post, secondary = 0, 0  # 研究生 allocated district-wide below
                        college = int(rng.binomial(teachers, 0.01))
                        bachelor = teachers - college
                    else:
                        post, bachelor, college, secondary = (int(v) for v in rng.multinomial(
                            teachers, _multinomial_probs(QUAL_P[level])))
                    backbone = _round_half(teachers * float(rng.uniform(0.08, 0.15)))
                    if level == "学前":
                        pe = music = art = None
                    elif level == "特教":
                        pe, music, art = 2, 2, 2
                    else:
                        pe = max(1, _round_half(p / (320 if level == "高中" else 400)))
                        music = max(1, _round_half(p / (800 if level == "高中" else 1500)))
                        art = max(1, _round_half(p / (800 if level == "高中" else 1500)))
                province = min(backbone, _round_half(backbone * 0.03))
                city = min(backbone - province, _round_half(backbone * 0.2))
                titles = rng.multinomial(teachers, _multinomial_probs(TITLE_P[level]))
                row.update(
                    staff=teachers + _round_half(teachers * tr.staff_extra),
                    teachers=teachers,
                    female=int(rng.binomial(teachers, FEMALE_SHARE[level])),
                    q_postgrad=post, q_bachelor=bachelor, q_college=college, q_secondary=secondary,
                    t_senior_full=int(titles[0]), t_senior=int(titles[1]), t_first=int(titles[2]),
                    t_second=int(titles[3]), t_third=int(titles[4]), t_none=int(titles[5]),
                    pe=pe, music=music, art=art,
                    bb_district=backbone - province - city, bb_city=city, bb_province=province,
                    dual=0,
                    certified=teachers - (int(rng.integers(0, 3)) if s.ownership == "民办" else 0),
                    trained_360=teachers - int(rng.binomial(teachers, 0.01)),
                )
                row["certified"] = max(0, row["certified"])
                if level in CV_LEVELS and s.ownership == "公办":
                    eligible = _round_half(teachers * float(rng.uniform(0.30, 0.45)))
                    moved = _round_half(eligible * (tr.rotation + float(rng.normal(0, 0.01))))
                    moved = min(max(moved, 0), eligible)
                    row.update(rot_eligible=eligible, rot_moved=moved,
                               rot_backbone=min(moved, _round_half(moved * float(rng.uniform(0.18, 0.35)))))
                year_rows.append((i, row))
                teachers_of[(i, t)] = teachers_of.get((i, t), 0) + teachers
        _allocate_share(year_rows, "高中", "q_postgrad", _at(HS_POSTGRAD, t), traits, reduce="q_bachelor")
        _allocate_share(year_rows, "中职", "dual", _at(VOC_DUAL, t), traits)
        rows.extend(r for _, r in year_rows)
    return rows, teachers_of


def _allocate_share(year_rows: list[tuple[int, dict]], section: str, column: str, share: float,
                    traits: list[_SchoolTraits], reduce: str | None = None) -> None:
    """Give `column` a district total of round(share × teachers) over a section's rows."""
    sel = [(i, r) for i, r in year_rows if r["section"] == section]
    if not sel:
        return
    total = _round_half(share * sum(r["teachers"] for _, r in sel))
    w = np.array([r["teachers"] * traits[i].hs_postgrad_weight for i, r in sel])
    cap = np.array([r[reduce] if reduce else r["teachers"] for _, r in sel])
    got = _split(total, w)
    over = np.maximum(got - cap, 0)  # never exceed what a school can give
    got -= over
    if over.sum():
        room = cap - got
        got += _split(int(over.sum()), room.astype(float))
    for (_, r), v in zip(sel, got):
        r[column] = int(v)
        if reduce:
            r[reduce] -= int(v)


def _tier(mbps: float) -> int:
    return min(BANDWIDTH_TIERS, key=lambda x: abs(x - mbps))


def _facility_rows(rng: np.random.Generator, schools: list[_School], enr: _Enrolment, design: _Design,
                   traits: list[_SchoolTraits], sim: _Sim, years: list[int], classes_of: dict,
                   teachers_of: dict) -> list[dict]:
    rows: list[dict] = []
    units_of: dict[int, list[int]] = {}
    for j, (i, _) in enumerate(design.units):
        units_of.setdefault(i, []).append(j)
    cal = sim.index(CAL_YEAR)
    for i, s in enumerate(schools):
        tr = traits[i]
        running_max: dict[str, int] = {}
        upgrade = 1.0  # 改扩建 after 2019 where crowding pushes teaching space under the standard
        for t in sim.years:
            if not s.open_in(t):
                continue
            y = sim.index(t)
            lp = {lvl: _section_pupils(enr, i, lvl, y) for lvl in s.levels}
            for lvl, p in lp.items():
                running_max[lvl] = max(running_max.get(lvl, 0), p)
            if t < years[0] or t > years[-1]:
                continue
            # the pupils the buildings are sized for: 2019 enrolment, or (new schools) the rooms in use
            if s.open_in(CAL_YEAR) and not s.new:
                basis = {lvl: _section_pupils(enr, i, lvl, cal) for lvl in s.levels}
            else:
                basis = {lvl: 1.15 * running_max[lvl] for lvl in s.levels}
            expand = 1.0
            for year, factor in s.expansions:
                if (year > 0 and t >= year) or (year < 0 and t < -year):
                    expand *= factor
            pupils = sum(lp.values())
            if i in units_of:
                js = units_of[i]
                teach = sum(design.per_student(j, 3, t) * basis[design.units[j][1]] for j in js) * expand
                need = sum(STANDARDS[design.units[j][1]][3] * lp[design.units[j][1]] for j in js)
                if t > CAL_YEAR and not s.new and teach * upgrade < need:
                    upgrade = need * float(rng.uniform(1.08, 1.2)) / teach
                teach *= upgrade
                sports = sum(design.per_student(j, 4, t) * basis[design.units[j][1]] for j in js) * expand
                equip = sum(design.per_student(j, 5, t) * lp[design.units[j][1]] for j in js)
                mm = _round_half(sum(design.per_student(j, 6, t) * lp[design.units[j][1]] for j in js) / 100)
            else:
                per_teach, per_sports, per_equip = tr.per_student_area
                b = sum(basis.values())
                teach, sports = per_teach * b * expand, per_sports * b * expand
                equip = per_equip * pupils * _level_trend(5, t)
                mm = None
            teach, sports = float(round(teach)), float(round(sports))
            classes = classes_of.get((i, t), 1)
            mean_cov = _at(MULTIMEDIA_COVERAGE, t)
            cov = float(np.clip(1.0 - (1.0 - mean_cov) * (1.0 + 0.5 * tr.cover_z), 0.5, 1.0))
            if mm is None:
                classrooms = classes + _round_half(classes * 0.1)
                mm = min(classrooms, _round_half(classrooms * cov))
            else:
                classrooms = max(classes, math.ceil(mm / cov - 1e-9))
            smart = 0
            if tr.smart_u < _at(SMART_SCHOOLS, t):
                smart = min(mm, max(1, _round_half(classes * _at(SMART_PER_CLASS, t))))
            teachers = teachers_of.get((i, t), 0)
            dev_cov = float(np.clip(1.0 - (1.0 - _at(DEVICE_COVERAGE, t)) * (1.0 + 0.5 * tr.device_z), 0.2, 1.0))
            rooms = max(1, math.ceil(classes / 12) - (1 if tr.rooms_short else 0))
            building = float(round(teach / tr.building_ratio))
            rows.append({
                "year": t, "school_code": s.code,
                "land_area": float(round(sports + building * tr.land_ratio)),
                "building_area": building, "teaching_area": teach, "sports_area": sports,
                "equipment_value": round(float(equip) / 10_000, 2),
                "books": _round_half(pupils * tr.books_per_pupil),
                "computers": max(1, _round_half(pupils / tr.pupils_per_computer)),
                "classrooms": classrooms, "multimedia_rooms": mm, "smart_rooms": smart,
                "music_rooms": rooms, "art_rooms": rooms,
                "teacher_devices": _round_half(teachers * dev_cov),
                "bandwidth_mbps": float(_tier(classes * _at(BANDWIDTH_PER_CLASS, t) * rng.uniform(0.85, 1.15))),
            })
    rows.sort(key=lambda r: (r["year"], r["school_code"]))
    return rows


# ================================================================== org units, population, area totals


def _school_rows(schools: list[_School]) -> list[dict]:
    return [{"school_code": s.code, "school_name": s.name, "type_code": s.type_code, "ownership": s.ownership,
             "inclusive": s.inclusive, "district_code": DISTRICT_CODE, "address": s.address,
             "opened_year": s.opened, "closed_year": s.closed} for s in schools]


def _school_zone_rows(schools: list[_School], first_year: int, last_year: int) -> list[dict]:
    rows = []
    for s in schools:
        start = max(s.opened, first_year)
        end = s.closed - 1 if s.closed is not None else None
        if s.move and first_year < s.move[1] <= last_year:
            rows.append({"school_code": s.code, "zone_code": s.zone, "start_year": start, "end_year": s.move[1] - 1})
            rows.append({"school_code": s.code, "zone_code": s.move[0], "start_year": s.move[1], "end_year": end})
        else:
            zone = s.move[0] if s.move and s.move[1] <= first_year else s.zone
            rows.append({"school_code": s.code, "zone_code": zone, "start_year": start, "end_year": end})
    return rows


def _population_rows(rng: np.random.Generator, pop: dict[str, np.ndarray], sim: _Sim, years: list[int]) -> list[dict]:
    rows = []
    district = pop[DISTRICT_CODE]
    male_share = 0.525 + rng.normal(0.0, 0.004, size=district.shape)
    zone_codes = [z[0] for z in ZONES]
    for t in years:
        y = sim.index(t)
        for a in range(23):
            total_male = _round_half(district[y, a] * male_share[y, a])
            zone_pop = np.array([pop[z][y, a] for z in zone_codes])
            zone_male = np.minimum(_split(total_male, zone_pop.astype(float)), zone_pop)
            rows.append({"year": t, "area_code": DISTRICT_CODE, "age": a, "population": int(district[y, a]),
                         "male": total_male})
            for z, code in enumerate(zone_codes):
                rows.append({"year": t, "area_code": code, "age": a, "population": int(zone_pop[z]),
                             "male": int(zone_male[z])})
    return rows


def _area_year_rows(rng: np.random.Generator, pop: dict[str, np.ndarray], sim: _Sim, years: list[int],
                    pupils_by_year: dict[int, int]) -> tuple[list[dict], dict[int, float]]:
    rows = []
    ratio: dict[int, float] = {}
    per_pupil = EDU_PER_PUPIL_2016
    civil = CIVIL_SALARY_2016
    zone_codes = [z[0] for z in ZONES]
    for t in sim.years:
        if t > SPAN[0] - 1:
            per_pupil *= 1.0 + float(rng.uniform(*EDU_PER_PUPIL_GROWTH[2021 if t >= 2021 else 2016]))
            civil *= 1.0 + float(rng.uniform(0.04, 0.06))
        if t < years[0] or t > years[-1]:
            continue
        y = sim.index(t)
        residents = _round_half(RESIDENTS_2019 * (1.0 + RESIDENTS_GROWTH * (t - CAL_YEAR)) * (1 + rng.normal(0, 0.001)))
        births = _round_half(_births(t))
        edu = round(pupils_by_year[t] * per_pupil / 10_000, 2)
        public = round(edu / (_at(EDU_SHARE, t) / 100), 2)
        teacher = round(civil + float(rng.integers(0, 40)), 0)  # never below the civil servants'
        ratio[t] = round(100.0 * teacher / round(civil, 0), 1)
        rows.append({"year": t, "area_code": DISTRICT_CODE, "residents": residents, "births": births,
                     "public_expenditure": public, "education_expenditure": edu,
                     "teacher_salary": float(teacher), "civil_servant_salary": float(round(civil, 0))})
        w = ZONE_SHARE * np.exp(ZONE_DRIFT * (t - CAL_YEAR) * 0.5)
        zone_res = _split(residents, w)
        zone_births = _split(births, np.array([pop[z][y, 0] for z in zone_codes], dtype=float))
        for z, code in enumerate(zone_codes):
            rows.append({"year": t, "area_code": code, "residents": int(zone_res[z]), "births": int(zone_births[z])})
    return rows, ratio


def _reported_rows(years: list[int], salary_ratio: dict[int, float]) -> list[dict]:
    rows = []
    for t in years:
        for item, (source, note, series) in REPORTED_SERIES.items():
            row = {"year": t, "area_code": DISTRICT_CODE, "item": item, "value": round(_at(series, t), 2),
                   "source": source}
            if note:
                row["note"] = note
            rows.append(row)
        rows.append({"year": t, "area_code": DISTRICT_CODE, "item": "teacher_salary_ratio",
                     "value": salary_ratio[t], "source": "区人社局/区财政局",
                     "note": "义务教育教师年平均工资 ÷ 公务员年平均工资"})
    return rows


# ================================================================== entry point


def build_district(seed: int = 420104, first_year: int = 2016, last_year: int = 2025) -> dict[str, list[dict]]:
    """Build the synthetic district: {table name: [row dict, ...]} for every table of the data model."""
    if last_year < first_year:
        raise ValueError("last_year must not be before first_year")
    rng = np.random.default_rng(seed)
    years = list(range(first_year, last_year + 1))
    sim = _Sim(min(first_year, SPAN[0]), max(last_year, SPAN[1]))

    schools = _make_schools(rng)
    pop = _population(rng, sim)
    enr = _simulate_enrolment(rng, schools, pop[DISTRICT_CODE], sim)
    class_size = {}
    for i, s in enumerate(schools):
        for level in s.levels:
            keys = LEVEL_GRADES["学前"] if level == "学前" else (level,)
            for key in keys:
                lo, hi = CLASS_SIZE[key]
                if s.ownership == "民办" and level in CV_LEVELS:
                    lo, hi = lo - 6, hi - 6
                class_size[(i, key)] = float(rng.uniform(lo, hi))
    design = _make_design(rng, schools, enr, sim)
    traits = _traits(rng, schools)

    enrolment, classes_of = _enrolment_rows(rng, schools, enr, sim, years, class_size)
    teachers, teachers_of = _teacher_rows(rng, schools, enr, design, traits, sim, years)
    facilities = _facility_rows(rng, schools, enr, design, traits, sim, years, classes_of, teachers_of)
    pupils_by_year: dict[int, int] = {}
    for r in enrolment:
        pupils_by_year[r["year"]] = pupils_by_year.get(r["year"], 0) + r["pupils"]
    area_year, salary_ratio = _area_year_rows(rng, pop, sim, years, pupils_by_year)

    listed = [s for s in schools if any(s.open_in(t) for t in years)]  # schools open in the window
    tables = {
        "district": [{"district_code": DISTRICT_CODE, "district_name": DISTRICT_NAME, "city_name": CITY_NAME}],
        "zone": [{"zone_code": c, "zone_name": n, "district_code": DISTRICT_CODE} for c, n, _ in ZONES],
        "school": _school_rows(listed),
        "school_zone": _school_zone_rows(listed, first_year, last_year),
        "enrolment": enrolment,
        "teachers": teachers,
        "facilities": facilities,
        "population": _population_rows(rng, pop, sim, years),
        "area_year": area_year,
        "reported": _reported_rows(years, salary_ratio),
    }
    return {name: tables.get(name, []) for name in TABLES_BY_NAME}  # tables other builders fill start empty
