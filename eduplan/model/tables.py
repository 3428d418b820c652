"""The canonical data model (统一标准): every source table with its fields and rules, defined once.

Org units: 区 (district, 行政区划代码) → 学区/组团 (zone) → 学校 (school), with effective-dated
membership (school_zone) so that a school moving between zones keeps its history. Yearly facts are
keyed by 统计年度 `year` = the school year that starts in September of that year (学年初报表).
"""

from __future__ import annotations

from .codes import (
    GRADES, LEVELS, MILESTONES, OWNERSHIP, PROJECT_WORKS, REPORTED, SCHOOL_TYPES, YES_NO,
    reported_max,
)
from .fields import Field, Rule, Table, at_most, sum_at_most, sum_equals

YEAR_MIN, YEAR_MAX = 2000, 2050


def _year() -> Field:
    return Field("year", "统计年度", "year", key=True, min=YEAR_MIN, max=YEAR_MAX, bounds_note=YEAR_NOTE,
                 description="学年初统计的年度，如 2019 表示 2019 学年（2019 年 9 月）", example=2019)


def _school_code(key: bool = True, required: bool = True, description: str = "教育部学校（机构）标识码") -> Field:
    return Field("school_code", "学校标识码", "str", key=key, required=required, pattern=r"^\d{10}$",
                 pattern_hint="10 位数字", description=description, example="1234567890")


def _district_code(key: bool = False) -> Field:
    return Field("district_code", "行政区划代码", "str", key=key, pattern=r"^\d{6}$", pattern_hint="6 位数字",
                 description="GB/T 2260 行政区划代码", example="123456")


ZONE_PATTERN = r"^[A-Za-z0-9_-]{1,20}$"


def _zone_code(key: bool = False, required: bool = True) -> Field:
    return Field("zone_code", "学区代码", "str", key=key, required=required, pattern=ZONE_PATTERN,
                 pattern_hint="1–20 位字母、数字、-、_", example="XQ01")


def _area_code() -> Field:
    return Field("area_code", "区域代码", "str", key=True, pattern=r"^(\d{6}|[A-Za-z0-9_-]{1,20})$",
                 pattern_hint="6 位行政区划代码或学区/组团代码",
                 description="行政区划代码（区）或学区/组团代码", example="123456")


def _count(name: str, label: str, unit: str = "人", required: bool = True, **kw) -> Field:
    """A count (≥ 0). A blank optional cell is missing (NULL), never 0. Pass bounds with **_b(…)."""
    return Field(name, label, "int", unit=unit, required=required, min=kw.pop("min", 0), **kw)


def _amount(name: str, label: str, unit: str, required: bool = True, **kw) -> Field:
    """An amount (≥ 0): area, money, bandwidth. A blank optional cell is missing (NULL), never 0."""
    return Field(name, label, "float", unit=unit, required=required, min=kw.pop("min", 0), **kw)


def _b(hard: float, soft: float | None, note: str, soft_min: float | None = None) -> dict:
    """Bounds of a numeric field: hard maximum (impossible above), soft maximum and minimum
    (implausible outside) and the reason for the numbers."""
    return {"max": hard, "soft_max": soft, "soft_min": soft_min, "bounds_note": note}


# Bounds, each with its reason (shown in docs/data-model.md). Hard bounds are physical impossibilities
# for the grain of the row (one school's grade, one school's section, one school, one area); soft bounds
# are far beyond anything a real Chinese school or district reports, so a value past them is almost
# surely a typing or unit mistake and is shown as a warning.
GRADE_PUPILS = _b(10_000, 2_500, "一所学校一个年级：全国最大的中学（安徽毛坦厂中学，含复读生约 2 万余人）每个年级也不足 1 万人；"
                  "小学、初中规模上限 2000/2500 人（教督〔2017〕6号），一个年级超过 2500 人请核对")
GRADE_CLASSES = _b(300, 60, "一所学校一个年级：1 万人按 30 多人一班约 300 个班，不可能更多；一个年级超过 60 个班请核对")
GRADE_MOVES = _b(10_000, 500, "一所学校一个年级一年：不能超过该年级的规模上限；转入、转出、留级超过 500 人请核对")
GRADE_DEATHS = _b(10_000, 10, "学龄儿童年死亡率约万分之二至三，一个年级一年超过 10 人请核对")
GRADE_DISABLED = _b(10_000, 300, "一所学校一个年级：特殊教育学校一个年级通常几十人，超过 300 人请核对")
SECTION_TEACHERS = _b(5_000, 800, "一所学校一个学段：全国最大的中学专任教师一千余人，5000 人不可能；超过 800 人请核对")
LAND = _b(5_000_000, 300_000, "一所中小学：最大的校园约 1 平方公里（100 万㎡），500 万㎡不可能；超过 30 万㎡（450 亩）请核对单位")
BUILDING = _b(2_000_000, 300_000, "一所中小学：万人学校按生均 10–20 ㎡约 10–20 万㎡；200 万㎡不可能，超过 30 万㎡请核对")
TEACHING = _b(1_000_000, 150_000, "一所中小学：万人学校按生均 5–10 ㎡约 5–10 万㎡；100 万㎡不可能，超过 15 万㎡请核对")
SPORTS = _b(2_000_000, 200_000, "一所中小学：标准 400 米田径场约 1.5 万㎡；200 万㎡不可能，超过 20 万㎡请核对")
EQUIPMENT = _b(1_000_000, 20_000, "一所中小学，单位万元：100 亿元不可能；超过 2 亿元（20000 万元）请核对是否误填为元")
BOOKS = _b(10_000_000, 1_000_000, "一所中小学：万人学校按生均 30–100 册约 100 万册；1000 万册不可能")
DEVICES = _b(100_000, 5_000, "一所中小学：万人学校生机比 2:1 约 5000 台；10 万台不可能")
ROOMS = _b(2_000, 250, "一所中小学：万人学校约 200 个班；2000 间不可能，超过 250 间请核对")
SPECIAL_ROOMS = _b(2_000, 30, "一所中小学：每 12 个班 1 间，200 个班约 17 间；超过 30 间请核对")
BANDWIDTH = _b(1_000_000, 100_000, "一所学校的互联网接入：1 Tbps（100 万 Mbps）不可能；超过 100 Gbps 请核对单位是否为 Mbps")
AGE_POPULATION = _b(2_000_000, 150_000, "一个区或学区的单岁常住人口：全国最大的区县（上海浦东新区）常住人口约 570 万，"
                    "单岁人口不足 10 万；200 万不可能，超过 15 万请核对")
RESIDENTS = _b(20_000_000, 6_000_000, "一个区或学区：全国最大的区县（上海浦东新区）常住人口约 570 万；2000 万不可能，超过 600 万请核对")
BIRTHS = _b(500_000, 100_000, "一个区或学区一年：570 万人口按出生率 1% 约 5.7 万；50 万不可能，超过 10 万请核对")
BUDGET = _b(100_000_000, 20_000_000, "一个区，单位万元：最大的区县一般公共预算支出约 1000 亿元（1000 万万元）；"
            "1 万亿元不可能，超过 2000 亿元请核对是否误填为元")
EDU_BUDGET = _b(20_000_000, 4_000_000, "一个区，单位万元：最大的区县教育支出约 200 亿元；2000 亿元不可能，超过 400 亿元请核对")
SALARY = _b(5_000_000, 500_000, "人均年工资，单位元：全国城镇单位平均约 10 万元；500 万元不可能，"
            "低于 2 万或高于 50 万请核对是否误填为万元或月工资", soft_min=20_000)
HOUSEHOLDS = _b(200_000, 20_000, "一个住宅项目：特大型社区约 2–5 万户；20 万户不可能，超过 2 万户请核对")
HOUSING_RESIDENTS = _b(600_000, 60_000, "一个住宅项目：20 万户 × 户均 3 人；超过 6 万人请核对")
PROJECT_MONEY = _b(10_000_000, 300_000, "一个学校建设项目，单位万元：1000 亿元不可能；超过 30 亿元请核对是否误填为元")
PROJECT_CLASSES = _b(500, 120, "一个建设项目新增班数：500 班（2 万多学位）不可能；超过 120 班请核对")
PROJECT_PLACES = _b(25_000, 6_000, "一个建设项目新增学位：2.5 万个不可能（全国最大的学校约 2 万余人）；超过 6000 个请核对")
OPENED_NOTE = ("有的学校以书院、府学为源，校史可追溯到宋代（如苏州中学，1035 年），1000 年以前不可能；"
               "早于 1840 年请核对")
YEAR_NOTE = "统计年度：本系统覆盖 2000–2050 年的规划与统计"
DATE_NOTE = "项目与评估日期：与统计年度同一范围（2000–2050 年）"


# ---------------------------------------------------------------- org units

DISTRICT = Table(
    "district", "区县",
    "区县（行政区划）。一个库可以容纳一个区，也可以容纳全市多个区。",
    (
        _district_code(key=True),
        Field("district_name", "区县名称", "str", example="示例区"),
        Field("city_name", "所属市", "str", required=False, example="示例市"),
    ),
    grain="每区一行",
)

ZONE = Table(
    "zone", "学区组团",
    "学区/组团（规划中的学区或组团），区之下、学校之上的管理单元。",
    (
        _zone_code(key=True),
        Field("zone_name", "学区名称", "str", example="第一学区"),
        _district_code(),
    ),
    grain="每学区一行",
    references=(("district_code", "district", "district_code"),),
)

SCHOOL = Table(
    "school", "学校基本信息",
    "学校（机构）名录：标识码、名称、办学类型代码、办学性质。学段由办学类型代码推出。",
    (
        _school_code(),
        Field("school_name", "学校名称", "str", example="示例小学"),
        Field("type_code", "办学类型", "code", codes=SCHOOL_TYPES, example="211 小学"),
        Field("ownership", "办学性质", "code", codes=OWNERSHIP, example="公办"),
        Field("inclusive", "是否普惠性", "code", codes=YES_NO, required=False,
              description="幼儿园必填：公办园与普惠性民办园填“是”", example="是"),
        _district_code(),
        Field("address", "地址", "str", required=False, example="示例路 1 号"),
        Field("opened_year", "建校年份", "year", required=False, min=1000, max=YEAR_MAX, soft_min=1840,
              bounds_note=OPENED_NOTE, example=1950),
        Field("closed_year", "撤并年份", "year", required=False, min=1000, max=YEAR_MAX, soft_min=YEAR_MIN,
              bounds_note="撤并早于 2000 年的学校不会有本系统覆盖年度的数据，请核对"),
    ),
    rules=(
        Rule("kindergarten_inclusive", "幼儿园（111/119）须填写“是否普惠性”", ("type_code",),
             lambda r: r["type_code"] not in ("111", "119") or r.get("inclusive") is not None),
        Rule("public_kindergarten_inclusive", "公办幼儿园的“是否普惠性”应为“是”", ("type_code", "ownership"),
             lambda r: not (r["type_code"] in ("111", "119") and r["ownership"] == "公办"
                            and r.get("inclusive") == "否")),
        Rule("closed_after_opened", "撤并年份不得早于建校年份", ("closed_year", "opened_year"),
             lambda r: r["closed_year"] >= r["opened_year"]),
    ),
    grain="每校一行",
    references=(("district_code", "district", "district_code"),),
)

SCHOOL_ZONE = Table(
    "school_zone", "学校学区归属",
    "学校属于哪个学区/组团，自哪一年起、至哪一年止（含）。学校调整学区时新增一行、给旧行填截止年份，历史数据不被改写。",
    (
        _school_code(),
        _zone_code(),
        Field("start_year", "起始年度", "year", key=True, min=YEAR_MIN, max=YEAR_MAX, bounds_note=YEAR_NOTE,
              example=2016),
        Field("end_year", "截止年度", "year", required=False, min=YEAR_MIN, max=YEAR_MAX, bounds_note=YEAR_NOTE,
              description="空表示至今"),
    ),
    rules=(at_most("start_year", "end_year", {"start_year": "起始年度", "end_year": "截止年度"},
                   "start_before_end"),),
    grain="每校每段归属期一行",
    references=(("school_code", "school", "school_code"), ("zone_code", "zone", "zone_code")),
)

# ---------------------------------------------------------------- yearly school facts

_ENR_LABELS = {
    "male": "男生数", "female": "女生数", "pupils": "在校生数", "classes": "班数",
    "new_entrants": "招生数", "classes_over_norm": "超标准班额班数", "repeaters": "留级生数",
    "disabled": "残疾学生数", "classes_56plus": "56人及以上班数",
}

ENROLMENT = Table(
    "enrolment", "分年级学生数",
    "各校各年级的班数、在校生（分性别）、招生、毕业、留级、转入转出和残疾学生数（含随班就读）。",
    (
        _year(), _school_code(),
        Field("grade", "年级", "code", key=True, codes=GRADES, example="P1 小学一年级"),
        _count("classes", "班数", "个", **GRADE_CLASSES, example=4),
        _count("male", "男生数", **GRADE_PUPILS, example=92),
        _count("female", "女生数", **GRADE_PUPILS, example=85),
        _count("pupils", "在校生数", **GRADE_PUPILS, example=177),
        _count("new_entrants", "招生数", required=False, **GRADE_PUPILS,
               description="本年级当年新招（起始年级填写；没有新招填 0）", example=177),
        _count("graduates", "毕业生数", required=False, **GRADE_PUPILS,
               description="上一学年本年级毕业人数（毕业年级填写；没有毕业生填 0）", example=0),
        _count("repeaters", "留级生数", required=False, **GRADE_MOVES, description="没有留级生填 0", example=0),
        _count("transfers_in", "转入人数", required=False, **GRADE_MOVES,
               description="上一学年内转入本年级的人数：记上一学年在本年级的那一届学生在该学年的转入（这届学生"
               "今年已升入下一年级；毕业年级一行即已毕业那一届在毕业学年的转入，与“毕业生数”同一届）", example=2),
        _count("transfers_out", "转出人数", required=False, **GRADE_MOVES,
               description="上一学年内从本年级转出的人数：记上一学年在本年级的那一届学生在该学年的转出（毕业年级"
               "一行即已毕业那一届在毕业学年的转出）", example=1),
        _count("deaths", "死亡人数", required=False, **GRADE_DEATHS,
               description="上一学年内本年级死亡的人数：与转入、转出一样，记在该届学生上一学年所在年级的一行；"
               "没有填 0", example=0),
        _count("classes_over_norm", "超标准班额班数", "个", required=False, **GRADE_CLASSES,
               description="小学 >45 人、初中及高中 >50 人、幼儿园超过规定班额的班数；没有填 0", example=0),
        _count("classes_56plus", "56人及以上班数", "个", required=False, **GRADE_CLASSES,
               description="大班额：56 人及以上；没有填 0", example=0),
        _count("disabled", "残疾学生数", required=False, **GRADE_DISABLED, description="含随班就读", example=1),
    ),
    rules=(
        sum_equals("pupils", ("male", "female"), _ENR_LABELS, "sex_adds_up"),
        at_most("classes_over_norm", "classes", _ENR_LABELS, "over_norm_le_classes"),
        at_most("classes_56plus", "classes_over_norm", _ENR_LABELS, "big_le_over_norm"),
        at_most("new_entrants", "pupils", _ENR_LABELS, "entrants_le_pupils"),
        at_most("repeaters", "pupils", _ENR_LABELS, "repeaters_le_pupils"),
        at_most("disabled", "pupils", _ENR_LABELS, "disabled_le_pupils"),
        Rule("pupils_need_classes", "有在校生时班数应大于 0", ("pupils", "classes"),
             lambda r: r["pupils"] == 0 or r["classes"] > 0),
        Rule("class_size_plausible", "平均班额应在 1–80 人之间（在校生数 ÷ 班数）", ("pupils", "classes"),
             lambda r: r["classes"] == 0 or r["pupils"] <= 80 * r["classes"]),
    ),
    grain="每年每校每年级一行",
    references=(("school_code", "school", "school_code"),),
)

_T_LABELS = {
    "staff": "教职工数", "teachers": "专任教师数", "female": "女专任教师数",
    "q_postgrad": "研究生学历", "q_bachelor": "本科学历", "q_college": "专科学历", "q_secondary": "高中及以下学历",
    "t_senior_full": "正高级", "t_senior": "高级", "t_first": "一级", "t_second": "二级", "t_third": "三级",
    "t_none": "未定职级", "pe": "体育专任教师数", "music": "音乐专任教师数", "art": "美术专任教师数",
    "bb_district": "区级骨干教师数", "bb_city": "市级骨干教师数", "bb_province": "省级及以上骨干教师数",
    "dual": "双师型教师数", "rot_eligible": "符合交流条件教师数", "rot_moved": "交流轮岗教师数",
    "rot_backbone": "交流轮岗骨干教师数", "certified": "持证上岗教师数", "trained_360": "完成5年360学时培训教师数",
}

_QUALS = ("q_postgrad", "q_bachelor", "q_college", "q_secondary")
_TITLES = ("t_senior_full", "t_senior", "t_first", "t_second", "t_third", "t_none")

def _titles_fit(r: dict) -> bool:
    filled = [r[t] for t in _TITLES if r.get(t) is not None]
    if len(filled) == len(_TITLES):
        return sum(filled) == r["teachers"] or not any(filled)  # all six 0: titles not reported
    return sum(filled) <= r["teachers"]


TEACHERS = Table(
    "teachers", "专任教师",
    "各校各学段的教职工与专任教师：学历、职称、体育/艺术学科、骨干级别、双师型、交流轮岗。一贯制学校按任教学段分行填写。",
    (
        _year(), _school_code(),
        Field("section", "学段", "code", key=True, codes=LEVELS, example="小学"),
        _count("staff", "教职工数", **SECTION_TEACHERS, example=60),
        _count("teachers", "专任教师数", **SECTION_TEACHERS, example=52),
        _count("female", "女专任教师数", **SECTION_TEACHERS, required=False, example=40),
        _count("q_postgrad", "研究生学历", **SECTION_TEACHERS, example=5),
        _count("q_bachelor", "本科学历", **SECTION_TEACHERS, example=40),
        _count("q_college", "专科学历", **SECTION_TEACHERS, example=6),
        _count("q_secondary", "高中及以下学历", **SECTION_TEACHERS, example=1),
        _count("t_senior_full", "正高级", **SECTION_TEACHERS, required=False, example=0),
        _count("t_senior", "高级", **SECTION_TEACHERS, required=False, example=8),
        _count("t_first", "一级", **SECTION_TEACHERS, required=False, example=20),
        _count("t_second", "二级", **SECTION_TEACHERS, required=False, example=18),
        _count("t_third", "三级", **SECTION_TEACHERS, required=False, example=2),
        _count("t_none", "未定职级", **SECTION_TEACHERS, required=False, example=4),
        _count("pe", "体育专任教师数", **SECTION_TEACHERS, required=False, example=4),
        _count("music", "音乐专任教师数", **SECTION_TEACHERS, required=False, example=2),
        _count("art", "美术专任教师数", **SECTION_TEACHERS, required=False, example=2),
        _count("bb_district", "区级骨干教师数", **SECTION_TEACHERS, required=False, example=3),
        _count("bb_city", "市级骨干教师数", **SECTION_TEACHERS, required=False, example=1),
        _count("bb_province", "省级及以上骨干教师数", **SECTION_TEACHERS, required=False, example=0),
        _count("dual", "双师型教师数", **SECTION_TEACHERS, required=False, description="中职学段填写", example=0),
        _count("rot_eligible", "符合交流条件教师数", **SECTION_TEACHERS, required=False, example=20),
        _count("rot_moved", "交流轮岗教师数", **SECTION_TEACHERS, required=False, example=3),
        _count("rot_backbone", "交流轮岗骨干教师数", **SECTION_TEACHERS, required=False, example=1),
        _count("certified", "持证上岗教师数", **SECTION_TEACHERS, required=False, example=52),
        _count("trained_360", "完成5年360学时培训教师数", **SECTION_TEACHERS, required=False, example=50),
    ),
    rules=(
        at_most("teachers", "staff", _T_LABELS, "teachers_le_staff"),
        sum_equals("teachers", _QUALS, _T_LABELS, "qualifications_add_up"),
        Rule("titles_add_up", f"{'＋'.join(_T_LABELS[t] for t in _TITLES)} 应等于 专任教师数（六项都填写时；"
             "只填部分时，已填的合计不得超过专任教师数）", ("teachers",), _titles_fit),
        at_most("female", "teachers", _T_LABELS, "female_le_teachers"),
        sum_at_most("teachers", ("pe", "music", "art"), _T_LABELS, "pe_art_le_teachers"),
        sum_at_most("teachers", ("bb_district", "bb_city", "bb_province"), _T_LABELS, "backbone_le_teachers"),
        at_most("dual", "teachers", _T_LABELS, "dual_le_teachers"),
        Rule("dual_only_vocational", "双师型教师数只在中职学段填写", ("section", "dual"),
             lambda r: r["section"] == "中职" or r["dual"] == 0),
        at_most("rot_moved", "rot_eligible", _T_LABELS, "moved_le_eligible"),
        at_most("rot_backbone", "rot_moved", _T_LABELS, "rot_backbone_le_moved"),
        at_most("certified", "teachers", _T_LABELS, "certified_le_teachers"),
        at_most("trained_360", "teachers", _T_LABELS, "trained_le_teachers"),
    ),
    grain="每年每校每学段一行",
    references=(("school_code", "school", "school_code"),),
)

_F_LABELS = {
    "building_area": "校舍建筑面积", "teaching_area": "教学及辅助用房面积", "sports_area": "体育运动场馆面积",
    "land_area": "占地面积", "classrooms": "普通教室数", "multimedia_rooms": "网络多媒体教室数",
    "smart_rooms": "智慧教室数", "music_rooms": "音乐专用教室数", "art_rooms": "美术专用教室数",
    "computers": "教学用计算机数", "teacher_devices": "教师移动终端数",
}

FACILITIES = Table(
    "facilities", "办学条件",
    "各校的用地、校舍、设备、图书、信息化条件（学校合计，一贯制学校不分学段）。",
    (
        _year(), _school_code(),
        _amount("land_area", "占地面积", "平方米", required=False, **LAND, example=12000),
        _amount("building_area", "校舍建筑面积", "平方米", **BUILDING, example=9000),
        _amount("teaching_area", "教学及辅助用房面积", "平方米", **TEACHING, example=5400),
        _amount("sports_area", "体育运动场馆面积", "平方米", **SPORTS, example=8000),
        _amount("equipment_value", "教学仪器设备资产值", "万元", **EQUIPMENT, example=260.5),
        _count("books", "图书", "册", **BOOKS, example=45000),
        _count("computers", "教学用计算机", "台", **DEVICES, example=180),
        _count("classrooms", "普通教室数", "间", **ROOMS, example=24),
        _count("design_classes", "设计办学规模班数", "个", required=False, **ROOMS,
              description="校舍按标准可容纳的班数（核定办学规模）；学位 = 班数 × 标准班额", example=24),
        _count("multimedia_rooms", "网络多媒体教室数", "间", **ROOMS, example=24),
        _count("smart_rooms", "智慧教室数", "间", required=False, **ROOMS, example=2),
        _count("music_rooms", "音乐专用教室数", "间", required=False, **SPECIAL_ROOMS, example=2),
        _count("art_rooms", "美术专用教室数", "间", required=False, **SPECIAL_ROOMS, example=2),
        _count("teacher_devices", "教师移动终端数", "台", required=False, **DEVICES, example=50),
        _amount("bandwidth_mbps", "互联网接入带宽", "Mbps", required=False, **BANDWIDTH, example=1000),
    ),
    rules=(
        at_most("teaching_area", "building_area", _F_LABELS, "teaching_le_building"),
        at_most("smart_rooms", "multimedia_rooms", _F_LABELS, "smart_le_multimedia"),
    ),
    grain="每年每校一行",
    references=(("school_code", "school", "school_code"),),
)

# ---------------------------------------------------------------- district / zone yearly facts

POPULATION = Table(
    "population", "常住人口分年龄",
    "区或学区的常住人口，按单岁年龄 0–22 岁。",
    (
        _year(), _area_code(),
        Field("age", "年龄", "int", unit="岁", key=True, min=0, max=22, bounds_note="学前至高中阶段的单岁年龄 0–22 岁",
              example=3),
        _count("population", "常住人口数", **AGE_POPULATION, example=5200),
        _count("male", "其中男性", required=False, **AGE_POPULATION, example=2700),
    ),
    rules=(at_most("male", "population", {"male": "其中男性", "population": "常住人口数"}, "male_le_total"),),
    grain="每年每区域每岁一行",
)

AREA_YEAR = Table(
    "area_year", "区域年度数据",
    "区或学区的年度总量：常住人口、出生人口、一般公共预算支出与教育支出、教师与公务员平均工资。",
    (
        _year(), _area_code(),
        _count("residents", "常住人口总数", **RESIDENTS, example=870000),
        _count("births", "出生人口", required=False, **BIRTHS, example=7200),
        _amount("public_expenditure", "一般公共预算支出", "万元", required=False, **BUDGET, example=1200000),
        _amount("education_expenditure", "一般公共预算教育支出", "万元", required=False, **EDU_BUDGET, example=262200),
        _amount("teacher_salary", "义务教育教师年平均工资", "元", required=False, **SALARY, example=120000),
        _amount("civil_servant_salary", "公务员年平均工资", "元", required=False, **SALARY, example=118000),
    ),
    rules=(at_most("education_expenditure", "public_expenditure",
                   {"education_expenditure": "一般公共预算教育支出", "public_expenditure": "一般公共预算支出"},
                   "edu_le_public"),),
    grain="每年每区域一行",
)

REPORTED_VALUES = Table(
    "reported", "上报指标值",
    "由统计、卫健、残联、人社、督导等部门提供、本系统不能由学校数据计算的指标值，连同来源。",
    (
        _year(), _area_code(),
        Field("item", "指标", "code", key=True, codes=REPORTED, example="labour_force_schooling_years 劳动年龄人口平均受教育年限"),
        Field("value", "数值", "float", min=0, max=10_000, example=14.53,
              bounds_note="百分率、年数、厘米或比值（%），都远小于 10000；各指标的上限见代码表“上报指标”（规则 value_range）",
              description="单位随指标而定，见代码表“上报指标”（%、年、厘米）"),
        Field("source", "来源单位", "str", example="区统计局"),
        Field("note", "说明", "str", required=False, example="2019 年人口变动抽样调查"),
    ),
    rules=(
        Rule("value_range", "数值应不小于 0，且不超过该指标的上限（百分率为 100，工资比等比值见代码表）", ("item", "value"),
             lambda r: r["value"] >= 0 and (reported_max(r["item"]) is None or r["value"] <= reported_max(r["item"]))),
    ),
    grain="每年每区域每指标一行",
)

BALANCE_JUDGEMENT = Table(
    "balance_judgement", "督导评估判定",
    "优质均衡督导评估中不能由数据判定的项目（政府保障程度、教育质量、社会认可度、一票否决项）的评估结论及佐证。"
    "项目代码见 eduplan balance 的检查清单（docs/balance.md）。",
    (
        _year(), _area_code(),
        Field("item", "评估项目代码", "str", key=True, pattern=r"^[A-Za-z0-9_.-]{1,40}$",
              pattern_hint="检查清单中的项目代码", example="G15_migrant_children"),
        Field("passed", "是否达标", "code", codes=YES_NO, example="是"),
        Field("value", "数值", "float", required=False, min=0, max=10_000_000,
              bounds_note="百分率、得分或金额（如 生均公用经费 6000 元）；1000 万不可能",
              description="有量化结果时填写（如 社会认可度 92.5）", example=88.0),
        Field("evidence", "佐证材料", "str", description="文件名、文号或调查报告等依据", example="2019 年随迁子女入学统计表"),
        Field("assessor", "评估人", "str", required=False, example="区督导室 李四"),
        Field("assessed_on", "评估日期", "date", required=False, min=YEAR_MIN, max=YEAR_MAX, pattern=r"^\d{4}-\d{2}-\d{2}$",
              pattern_hint="YYYY-MM-DD", bounds_note=DATE_NOTE, example="2019-12-10"),
    ),
    grain="每年每区域每评估项目一行",
)

# ---------------------------------------------------------------- places: housing and the key-project library

_PROJECT_ID = r"^[A-Za-z0-9_.-]{1,40}$"
# the category of a project: a code of the plan bound to its district (checked at import, not a code list)
CATEGORY_RULE = "取值于项目所在区绑定规划所列的项目类别"


def _project_id(example: str = "sch_example_primary") -> Field:
    return Field("project_id", "项目编号", "str", key=True, pattern=_PROJECT_ID,
                 pattern_hint="1–40 位字母、数字、_ . -",
                 description="重点项目库中的编号；规划所列项目用规划文件中的编号（eduplan plan show --section projects）",
                 example=example)


HOUSING = Table(
    "housing", "新建住宅项目",
    "新建住宅（含城中村改造还建）项目：所在学区、户数、竣工年份与入住年限。学位预测按入住进度把新居民按年龄加入学区人口。",
    (
        Field("housing_name", "住宅项目名称", "str", key=True, example="示例花园"),
        _zone_code(),
        _count("households", "户数", "户", **HOUSEHOLDS, example=1800),
        _count("residents", "满住人口", required=False, **HOUSING_RESIDENTS,
              description="全部入住后的常住人口；空时按 户数 × 户均人口 估算", example=4700),
        Field("persons_per_household", "户均人口", "float", unit="人/户", required=False, min=0.5, max=10, soft_min=1.5,
              soft_max=4.5, bounds_note="户均人口：全国约 2.6 人，0.5 以下或 10 以上不可能，1.5–4.5 以外请核对",
              description="空时用预测设置 forecast.persons_per_household", example=2.6),
        Field("completion_year", "竣工年份", "year", min=YEAR_MIN, max=YEAR_MAX, bounds_note=YEAR_NOTE, example=2024),
        Field("occupancy_years", "入住年限", "int", unit="年", required=False, min=1, max=15, soft_max=8,
              bounds_note="新住宅通常 2–5 年内基本入住；15 年以上不算新建住宅，超过 8 年请核对",
              description="竣工后逐年均匀入住、满住所需年数；空时用预测设置 forecast.occupancy_years", example=3),
        Field("project_id", "配套项目编号", "str", required=False, pattern=_PROJECT_ID,
              pattern_hint="1–40 位字母、数字、_ . -", description="配套建设的学校或幼儿园项目（重点项目库编号）",
              example="kg_example_garden"),
        Field("note", "说明", "str", required=False, example="示例片区"),
    ),
    rules=(
        Rule("residents_per_household", "满住人口 ÷ 户数 应在 0.5–10 人之间", ("residents", "households"),
             lambda r: r["households"] == 0 or 0.5 <= r["residents"] / r["households"] <= 10, level="warning"),
    ),
    grain="每个住宅项目一行",
    references=(("zone_code", "zone", "zone_code"), ("project_id", "project", "project_id")),
)

PROJECT = Table(
    "project", "重点项目库",
    "重点项目库（规划中的“项目库和年度建设清单”）：规划所列的重点项目，以及其后新增的项目。"
    "项目类别取值于项目所在区绑定的规划（eduplan plan use）；所属分组由项目类别定；"
    "计划投资空时按规划分组投资额分摊（docs/forecast.md“项目库”）。",
    (
        _project_id(),
        Field("project_name", "项目名称", "str", example="示例小学异地新建"),
        Field("category", "项目类别", "str", pattern_hint=CATEGORY_RULE, example="中小学新建",
              description="项目所在区（由学区或学校定）绑定规划的项目类别（eduplan plan show 列出）；"
                          "eduplan template --db 写出的模板以该区规划的类别为下拉列表"),
        Field("work", "建设方式", "code", codes=PROJECT_WORKS, required=False, example="异地新建"),
        _zone_code(required=False),
        _school_code(key=False, required=False, description="项目建成或扩建的学校（已在学校基本信息中时填写）"),
        _amount("planned_investment", "计划总投资", "万元", required=False, **PROJECT_MONEY,
              description="项目批复的总投资；空时按规划分组投资额分摊", example=12000.0),
        Field("planned_in_use_year", "计划投入使用年度", "year", required=False, min=YEAR_MIN, max=YEAR_MAX,
              bounds_note=YEAR_NOTE,
              description="空时按规划列示的最后年份推算（docs/forecast.md）", example=2027),
        Field("note", "说明", "str", required=False, example="原址 24 班，新址 36 班"),
    ),
    grain="每个项目一行",
    references=(("zone_code", "zone", "zone_code"), ("school_code", "school", "school_code")),
)

PROJECT_CAPACITY = Table(
    "project_capacity", "项目新增学位",
    "项目建成后按学段新增的班数和学位（异地新建填净增数）。只填班数时，学位 = 班数 × 标准班额。"
    "项目编号须在重点项目库中（导入时检查）。",
    (
        _project_id(),
        Field("level", "学段", "code", key=True, codes=LEVELS, example="小学"),
        _count("classes_added", "新增班数", "个", required=False, **PROJECT_CLASSES, example=12),
        _count("places_added", "新增学位", "个", required=False, **PROJECT_PLACES,
              description="空时按 新增班数 × 标准班额（小学 45、初中 50、高中 50、幼儿园 30）", example=540),
    ),
    rules=(
        Rule("classes_or_places", "新增班数与新增学位至少填一项", ("level",),
             lambda r: r.get("classes_added") is not None or r.get("places_added") is not None),
        Rule("places_per_class", "新增学位 ÷ 新增班数 应在 10–60 之间", ("places_added", "classes_added"),
             lambda r: r["classes_added"] == 0 or 10 <= r["places_added"] / r["classes_added"] <= 60,
             level="warning"),
    ),
    grain="每项目每学段一行",
    references=(("project_id", "project", "project_id"),),
)

PROJECT_MILESTONE = Table(
    "project_milestone", "项目进展",
    "项目节点（立项、开工、主体封顶、竣工、投入使用）的计划日期和实际日期，按进展随时补报。"
    "项目编号须在重点项目库中（导入时检查）。",
    (
        _project_id(),
        Field("milestone", "项目节点", "code", key=True, codes=MILESTONES, example="主体封顶"),
        Field("planned_date", "计划日期", "date", required=False, min=YEAR_MIN, max=YEAR_MAX, bounds_note=DATE_NOTE,
              example="2025-12-31"),
        Field("actual_date", "实际日期", "date", required=False, min=YEAR_MIN, max=YEAR_MAX, bounds_note=DATE_NOTE,
              description="尚未发生时留空", example="2026-03-15"),
        Field("note", "说明", "str", required=False, example="受征收进度影响推迟"),
    ),
    rules=(
        Rule("some_date", "计划日期与实际日期至少填一项", ("milestone",),
             lambda r: r.get("planned_date") is not None or r.get("actual_date") is not None),
    ),
    grain="每项目每节点一行",
    references=(("project_id", "project", "project_id"),),
)

PROJECT_FINANCE = Table(
    "project_finance", "项目资金",
    "项目逐年的计划投资（年度预算）和实际支出，用于资金预警（执行滞后、超支）。项目编号须在重点项目库中。",
    (
        _project_id(),
        _year(),
        _amount("planned", "年度计划投资", "万元", required=False, **PROJECT_MONEY, example=8000.0),
        _amount("spent", "实际支出", "万元", required=False, **PROJECT_MONEY, description="空白表示未填报（不是 0）",
                example=6500.0),
        Field("note", "说明", "str", required=False, example="含设备购置"),
    ),
    rules=(
        Rule("planned_or_spent", "年度计划投资与实际支出至少填一项", ("year",),
             lambda r: r.get("planned") is not None or r.get("spent") is not None),
    ),
    grain="每项目每年一行",
    references=(("project_id", "project", "project_id"),),
)

TABLES: tuple[Table, ...] = (
    DISTRICT, ZONE, SCHOOL, SCHOOL_ZONE, ENROLMENT, TEACHERS, FACILITIES, POPULATION, AREA_YEAR, REPORTED_VALUES,
    BALANCE_JUDGEMENT,
    HOUSING, PROJECT, PROJECT_CAPACITY, PROJECT_MILESTONE, PROJECT_FINANCE,
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def find_table(name_or_label: str) -> Table | None:
    """Look a table up by its id (enrolment) or its Chinese label (分年级学生数)."""
    s = name_or_label.strip()
    for t in TABLES:
        if s in (t.name, t.label):
            return t
    return None
