"""Official code lists (统一标准): 学校办学类型代码, 办学性质, 学段, 年级, and the reportable items.

Every coded column of the data model draws its allowed values from one list here. The school-type
codes are the 教育统计 学校办学类型代码 (see ../shared/domain/methods.md §6); the levels a type serves
are derived from the code, never typed in by hand.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    note: str = ""


@dataclass(frozen=True)
class CodeList:
    """A closed list of codes; a cell may hold the code, the label, or "code label"."""

    name: str
    label: str
    codes: tuple[Code, ...]
    source: str = ""
    _by_key: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for c in self.codes:
            for key in (c.code, c.label, f"{c.code}{c.label}"):
                self._by_key[_key(key)] = c.code

    def resolve(self, text: str) -> str | None:
        """Return the code for a code, a label or "code label" (full-width characters and spaces
        tolerated); None when unknown."""
        return self._by_key.get(_key(text))

    def label_of(self, code: str) -> str:
        for c in self.codes:
            if c.code == code:
                return c.label
        raise KeyError(code)

    @property
    def values(self) -> list[str]:
        return [c.code for c in self.codes]

    def choices(self) -> list[str]:
        """Dropdown entries for templates: "code label" when code and label differ."""
        return [c.code if c.code == c.label else f"{c.code} {c.label}" for c in self.codes]


# 学段 (levels / sections). The order is the order of schooling.
LEVELS = CodeList(
    "level",
    "学段",
    (
        Code("学前", "学前", "幼儿园 3 年"),
        Code("小学", "小学", "6 年"),
        Code("初中", "初中", "3 年"),
        Code("高中", "高中", "普通高中 3 年"),
        Code("中职", "中职", "中等职业教育 3 年"),
        Code("特教", "特教", "特殊教育学校"),
    ),
)

# 学校办学类型代码 (教育统计). levels: the sections a school of this type serves.
SCHOOL_TYPES = CodeList(
    "school_type",
    "学校办学类型代码",
    (
        Code("111", "幼儿园"),
        Code("119", "附设幼儿班"),
        Code("211", "小学"),
        Code("213", "一贯制学校小学部"),
        Code("218", "小学教学点"),
        Code("311", "初级中学"),
        Code("312", "九年一贯制学校"),
        Code("319", "附设普通初中班"),
        Code("341", "完全中学"),
        Code("342", "高级中学"),
        Code("345", "十二年一贯制学校"),
        Code("349", "附设普通高中班"),
        Code("361", "调整后中等职业学校"),
        Code("365", "职业高中学校"),
        Code("366", "技工学校"),
        Code("511", "盲人学校"),
        Code("512", "聋人学校"),
        Code("513", "弱智学校"),
        Code("514", "其他特殊教育学校"),
    ),
    source="教育统计 学校办学类型代码；methods.md §6",
)

TYPE_LEVELS: dict[str, tuple[str, ...]] = {
    "111": ("学前",),
    "119": ("学前",),
    "211": ("小学",),
    "213": ("小学",),
    "218": ("小学",),
    "311": ("初中",),
    "312": ("小学", "初中"),
    "319": ("初中",),
    "341": ("初中", "高中"),
    "342": ("高中",),
    "345": ("小学", "初中", "高中"),
    "349": ("高中",),
    "361": ("中职",),
    "365": ("中职",),
    "366": ("中职",),
    "511": ("特教",),
    "512": ("特教",),
    "513": ("特教",),
    "514": ("特教",),
}


def levels_of(type_code: str) -> tuple[str, ...]:
    """The sections (学段) a school of this 办学类型代码 serves."""
    return TYPE_LEVELS[type_code]


def is_kindergarten(type_code: str) -> bool:
    return type_code in ("111", "119")


OWNERSHIP = CodeList("ownership", "办学性质", (Code("公办", "公办"), Code("民办", "民办")))

YES_NO = CodeList("yes_no", "是否", (Code("是", "是"), Code("否", "否")))

# 年级. Special-education schools report their pupils under 小学/初中 grades (义务教育段).
_GRADES: list[tuple[str, str, str]] = [
    ("K1", "小班", "学前"),
    ("K2", "中班", "学前"),
    ("K3", "大班", "学前"),
    *[(f"P{i}", f"小学{n}年级", "小学") for i, n in zip(range(1, 7), "一二三四五六")],
    *[(f"J{i}", f"初中{n}年级", "初中") for i, n in zip(range(1, 4), "一二三")],
    *[(f"S{i}", f"高中{n}年级", "高中") for i, n in zip(range(1, 4), "一二三")],
    *[(f"V{i}", f"中职{n}年级", "中职") for i, n in zip(range(1, 4), "一二三")],
]
GRADES = CodeList("grade", "年级", tuple(Code(c, lbl, lvl) for c, lbl, lvl in _GRADES))
GRADE_LEVEL: dict[str, str] = {c: lvl for c, _, lvl in _GRADES}
GRADE_ORDER: dict[str, int] = {c: i for i, (c, _, _) in enumerate(_GRADES)}


def grades_allowed(type_code: str) -> set[str]:
    """Grades a school of this type may report. Special schools report 小学/初中 grades."""
    levels = set(levels_of(type_code))
    if "特教" in levels:
        levels = {"小学", "初中"}
    return {g for g, lvl in GRADE_LEVEL.items() if lvl in levels}


def sections_allowed(type_code: str) -> set[str]:
    return set(levels_of(type_code))


@dataclass(frozen=True)
class ReportedItem:
    """A value another body reports (统计局, 卫健, 残联, 督导...), accepted with its source."""

    code: str
    label: str
    unit: str
    typical_source: str
    max: float | None = None  # upper bound of a valid value (rates: 100; ratios may exceed 100)


# Items the bureau cannot compute from school records and accepts as reported values.
REPORTED_ITEMS: tuple[ReportedItem, ...] = (
    ReportedItem("labour_force_schooling_years", "劳动年龄人口平均受教育年限", "年", "区统计局（人口抽样调查）"),
    ReportedItem("new_labour_schooling_years", "新增劳动力平均受教育年限", "年", "区统计局/区教育局"),
    ReportedItem("disabled_enrolment_rate", "残疾儿童少年入学率", "%", "区残联/区教育局"),
    ReportedItem("compulsory_modernisation_rate", "义务教育学校教育现代化达标率", "%", "区教育督导室"),
    ReportedItem("vocational_employment_rate", "职业教育毕业生就业率", "%", "区人社局/职教中心"),
    ReportedItem("principal_standard_rate", "校长专业标准达标优良率", "%", "区教育局"),
    ReportedItem("curriculum_compliance_rate", "中小学课程开设符合国家要求合格率", "%", "区教育督导室"),
    ReportedItem("three_links_two_platforms_rate", "教育信息技术“三通两平台”应用普及率", "%", "区教育信息中心"),
    ReportedItem("health_knowledge_rate", "学生健康知识掌握率", "%", "区卫健局/区教育局"),
    ReportedItem("myopia_new_rate", "学生近视新增率", "%", "区卫健局（视力筛查）"),
    ReportedItem("height_gain_cm", "学生平均身高增长（较常模）", "厘米", "区卫健局（体质监测）"),
    ReportedItem("sport_skills_rate", "掌握1–2项运动技能学生比例", "%", "区教育局体卫艺科"),
    ReportedItem("art_skills_rate", "掌握1–2项艺术特长学生比例", "%", "区教育局体卫艺科"),
    ReportedItem("labour_education_share", "综合实践活动中劳动教育课时占比", "%", "区教育局"),
    ReportedItem("teacher_salary_ratio", "义务教育教师平均工资与公务员平均工资之比", "%", "区人社局/区财政局", max=300),
    ReportedItem("social_recognition_rate", "社会认可度", "%", "第三方调查"),
    ReportedItem("school_network_coverage", "校园网络覆盖率", "%", "区教育信息中心"),
    ReportedItem("informatisation_compliance_rate", "学校信息化配备达标率", "%", "区教育信息中心"),
    ReportedItem("free_special_education_years", "免费特殊教育年限", "年", "区教育局"),
    ReportedItem("wireless_5g_school_coverage", "5G 智能教育无线网络学校覆盖率", "%", "区教育信息中心"),
    ReportedItem("star_smart_campus_coverage", "星级智慧校园覆盖率", "%", "区教育信息中心"),
    ReportedItem("poor_student_aid_coverage", "家庭经济困难学生资助覆盖率", "%", "区学生资助中心"),
    ReportedItem("education_funding_gdp_share", "国家财政性教育经费支出占国内生产总值的比例", "%", "财政部门"),
)

REPORTED = CodeList(
    "reported_item",
    "上报指标",
    tuple(Code(r.code, r.label, r.unit) for r in REPORTED_ITEMS),
)


def reported_max(code: str) -> float | None:
    """Upper bound of a reported value: the item's own, else 100 for a percentage."""
    item = REPORTED_BY_CODE[code]
    if item.max is not None:
        return item.max
    return 100.0 if item.unit == "%" else None
REPORTED_BY_CODE: dict[str, ReportedItem] = {r.code: r for r in REPORTED_ITEMS}

ALL_CODE_LISTS: tuple[CodeList, ...] = (LEVELS, SCHOOL_TYPES, OWNERSHIP, YES_NO, GRADES, REPORTED)

# 重点项目库: kind of works and milestones. A project's category is not a code list here: it is a code
# the plan bound to the project's district declares (plan key_projects.categories), checked at import.
PROJECT_WORKS = CodeList(
    "project_work",
    "建设方式",
    (
        Code("新建", "新建"), Code("配建", "配建", "住宅小区配套建设"), Code("扩建", "扩建"),
        Code("异地新建", "异地新建", "原校迁建：新增学位按新校减旧校的净增数填写"),
        Code("维修改造", "维修改造"), Code("装修改造", "装修改造"), Code("新建地下停车场", "新建地下停车场"),
    ),
)

# Milestones in the order a project passes them. 完工 in the plan's text is 竣工.
MILESTONES = CodeList(
    "milestone",
    "项目节点",
    (
        Code("立项", "立项", "项目批复"),
        Code("开工", "开工"),
        Code("主体封顶", "主体结构封顶"),
        Code("竣工", "竣工", "规划所称“完工”"),
        Code("投入使用", "投入使用", "开始招生/开园"),
    ),
)
MILESTONE_ORDER: dict[str, int] = {c.code: i for i, c in enumerate(MILESTONES.codes)}

ALL_CODE_LISTS = ALL_CODE_LISTS + (PROJECT_WORKS, MILESTONES)
