"""The `balance` settings section: every method choice of the 均衡 evaluation, with documented defaults.

Defaults follow ../shared/domain/methods.md §1–§2 (教督〔2017〕6号 and the 2012 暂行办法). Points marked
"verify" in methods.md (the 1 : 1.1 : 1.32 splitting weights) are settings with that default. Unit
costs and caps of the improvement planner are ASSUMPTIONS a bureau must set for itself; the defaults
only make the planner runnable. Override in the settings file (see eduplan.settings):

    balance:
      level_weights: {小学: 1.0, 初中: 1.1, 高中: 1.32}
      unit_costs: {teacher: 160000}
      caps: {"<学校标识码>": {sports_area: 0}}
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..settings import load_section

SECTION = "balance"
LEVELS = ("小学", "初中")
INDICATORS_2017 = ("L1", "L2", "L3", "L4", "L5", "L6", "L7")

STANDARDS_2017 = {
    "小学": {"L1": 4.2, "L2": 1.0, "L3": 0.9, "L4": 4.5, "L5": 7.5, "L6": 2000.0, "L7": 2.3},
    "初中": {"L1": 5.3, "L2": 1.0, "L3": 0.9, "L4": 5.8, "L5": 10.2, "L6": 2500.0, "L7": 2.4},
}


class UnitCosts(BaseModel):
    """Unit costs of the improvement planner (元). ASSUMPTIONS, not official figures: set your own."""

    model_config = ConfigDict(extra="forbid")

    teacher: float = Field(150_000, gt=0, description=(
        "一名高于规定学历专任教师的年成本（元/人·年）。假设：义务教育教师年均工资约 12 万元"
        "（中部大城市 2019 年前后的水平；本区的数值见“区域年度数据”表的教师平均工资）加单位负担的社保、公积金约 25%。"
        "计入一年成本；若要与基建投入按多年比较，请设为多年成本。请按本区实际设定。"))
    backbone_teacher: float = Field(170_000, gt=0, description=(
        "一名县级以上骨干教师（同时计入高于规定学历）的年成本。假设：教师年成本 + 骨干津贴与培养约 2 万元。"))
    pe_art_teacher: float = Field(150_000, gt=0, description=(
        "一名体育、音乐或美术专任教师（同时计入高于规定学历）的年成本。假设：与一般教师相同。"))
    teaching_area: float = Field(4_500, gt=0, description=(
        "每平方米教学及辅助用房的建设成本（元/㎡）。假设：中部大城市中小学校舍建安及装修约 4,000–5,000 元/㎡，"
        "不含土地；请按本区实际设定。"))
    sports_area: float = Field(600, gt=0, description=(
        "每平方米体育运动场馆的建设成本（元/㎡）。假设：在校内已有用地上铺设塑胶跑道、人造草坪约 300–800 元/㎡，"
        "不含征地；用地不能增加的学校请用 caps 限定为 0。"))
    equipment: float = Field(1.0, gt=0, description="每 1 元教学仪器设备值的成本（元/元）：按原值 1 : 1。")
    multimedia_room: float = Field(60_000, gt=0, description=(
        "把一间普通教室建成网络多媒体教室的成本（元/间）。假设：交互式一体机或投影、音响、网络约 5–7 万元。"))


class ActionCaps(BaseModel):
    """Upper bounds on what the planner may add at one school (None = no bound; 0 = cannot add)."""

    model_config = ConfigDict(extra="forbid")

    teachers: int | None = Field(None, ge=0, description="可增加的专任教师总数（各类、各学段合计）")
    backbone_teachers: int | None = Field(None, ge=0, description="可增加的县级以上骨干教师数")
    pe_art_teachers: int | None = Field(None, ge=0, description="可增加的体育、艺术专任教师数")
    teaching_area: float | None = Field(None, ge=0, description="可增加的教学及辅助用房面积（㎡）")
    sports_area: float | None = Field(None, ge=0, description="可增加的体育运动场馆面积（㎡）；用地不能增加时设为 0")
    equipment: float | None = Field(None, ge=0, description="可增加的教学仪器设备值（元）")
    multimedia_rooms: int | None = Field(None, ge=0, description="可增加的网络多媒体教室数（间）")


class BalanceSettings(BaseModel):
    """Settings section `balance` (docs/balance.md explains each)."""

    model_config = ConfigDict(extra="forbid")

    standards: dict[str, dict[str, float]] = Field(
        default_factory=lambda: {k: dict(v) for k, v in STANDARDS_2017.items()},
        description="2017 办法七项资源配置指标的标准值（L1–L7，小学/初中），教督〔2017〕6号；methods.md §1.1。")
    cv_threshold_2017: dict[str, float] = Field(
        default_factory=lambda: {"小学": 0.50, "初中": 0.45},
        description="2017 办法每项指标校际差异系数上限：小学 ≤0.50，初中 ≤0.45（methods.md §1.1）。")
    composite_threshold_2012: dict[str, float] = Field(
        default_factory=lambda: {"小学": 0.65, "初中": 0.55},
        description="2012 基本均衡综合差异系数上限：小学 ≤0.65，初中 ≤0.55（methods.md §2）。")
    compliance_min_met: int = Field(6, ge=0, le=7, description="学校达标：七项中至少达到标准的项数（2017 办法：6）。")
    compliance_floor: float = Field(0.85, gt=0, le=1, description="学校达标：其余各项不得低于标准的比例（2017 办法：85%）。")
    level_weights: dict[str, float] = Field(
        default_factory=lambda: {"小学": 1.0, "初中": 1.1, "高中": 1.32},
        description="跨学段学校拆分设施总量的生均权重 小学 : 初中 : 高中 = 1 : 1.1 : 1.32（methods.md §1.3，verify：省级指导意见，非国家文本）。")
    complete_school_weights: dict[str, float] = Field(
        default_factory=lambda: {"初中": 1.0, "高中": 1.2},
        description="完全中学拆分权重 初中 : 高中 = 1 : 1.2（methods.md §1.3，verify）。")
    complete_school_types: list[str] = Field(
        default_factory=lambda: ["341"], description="按完全中学权重拆分的办学类型代码（341 完全中学）。")
    scope_types: list[str] = Field(
        default_factory=lambda: ["211", "213", "218", "311", "312", "319", "341", "345"],
        description="参评的办学类型代码（义务教育学校及其义务教育学段；341 只计初中部，345 计小学、初中部）。"
                    "特殊教育学校（5xx）、职业学校（36x）不参评（methods.md §1）。")
    teaching_point_types: list[str] = Field(default_factory=lambda: ["218"], description="教学点的办学类型代码。")
    teaching_point_min_pupils: int = Field(
        50, ge=0, description="教学点学生数少于此数时不参评（2017 办法：不足 50 人的教学点）。")
    composite: Literal["mean", "max"] = Field(
        "mean", description="规划“义务教育优质均衡系数（小学/初中）”每学段一个值的定义：所选方法各单项差异系数的"
                            "均值（mean，默认，methods.md §2）或最大值（max）。")
    plan_method: Literal["2017", "2012"] = Field(
        "2017", description="规划指标 义务教育优质均衡系数 使用的方法（默认 2017 优质均衡七项）。")
    plan_indicator: str = Field("compulsory_balance_coefficient", description="规划文件中该指标的 id。")
    unit_costs: UnitCosts = Field(default_factory=UnitCosts, description="改进方案的单位成本（假设值，须由教育局设定）。")
    default_caps: ActionCaps = Field(default_factory=ActionCaps, description="每所学校的默认增加上限（默认不限）。")
    caps: dict[str, ActionCaps] = Field(
        default_factory=dict, description="按学校标识码或学校名称设定的增加上限，如 {\"<学校标识码>\": {sports_area: 0}}"
                                    "（该校体育运动场馆面积不能增加）。")
    planner_time_limit: float = Field(
        60.0, gt=0, description="改进方案求解的总时限（秒）；到时返回已找到的最优可行方案并报告与下界的差距。")
    planner_gap: float = Field(1e-6, ge=0, lt=1, description="求解器的相对最优间隙（HiGHS mip_rel_gap）。")
    planner_max_rounds: int = Field(200, ge=1, description="外逼近（差异系数切平面）主问题的最大轮数。")

    def caps_for(self, code: str, name: str) -> ActionCaps:
        """The caps of one school: its own entry (by code, else by name) over the defaults."""
        own = self.caps.get(code) or self.caps.get(name)
        if own is None:
            return self.default_caps
        merged = self.default_caps.model_dump()
        merged.update({k: v for k, v in own.model_dump().items() if k in own.model_fields_set})
        return ActionCaps(**merged)

    def weights_for(self, type_code: str) -> dict[str, float]:
        if type_code in self.complete_school_types:
            return self.complete_school_weights
        return self.level_weights


def load_settings(overrides: dict | None = None) -> BalanceSettings:
    """The `balance` section of the active settings file (defaults where it is silent)."""
    return load_section(SECTION, BalanceSettings, overrides)
