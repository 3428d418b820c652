"""Settings of the school-place forecast (section `forecast` of the settings file), with their defaults.

Each default says where it comes from: methods.md (the official norms), the plan, or this system's own
convention where no official figure exists (marked "本系统约定", to be confirmed locally: verify).
docs/forecast.md explains every formula that uses them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

LEVELS_FORECAST = ("学前", "小学", "初中", "高中", "中职")


class ForecastSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # -- time
    base_year: int | None = Field(
        None, description="预测基年：空 = 库中同时有分年级学生数和分年龄人口的最近一年。基年及以前为观测值。")
    horizon: int = Field(2035, description="人口与在校生预测的终止年（《中国教育现代化 2035》）；不早于学位缺口计算到的年份。")
    gap_horizon: int | None = Field(
        None, description="学位缺口与资源需求计算到的年份；空 = 规划期末年（规划期在基年之后结束时），"
                          "否则（规划期已结束或未绑定规划）= 基年 + 5（预测不读基年以后的数据）。输出注明所用年份及其依据。")

    # -- population (cohort component)
    survival_infant: float = Field(
        0.997, description="0 岁到 1 岁的存活率（婴儿死亡率约 3‰；全国 2020 年 5.4‰，武汉更低。verify：以卫健部门数据为准）。")
    survival_child: float = Field(
        0.9997, description="1–22 岁每长一岁的存活率（儿童青少年年死亡率约 0.3‰。verify）。")
    migration_years: int = Field(
        5, description="估计分年龄净迁移率所用的最近观测年数（相邻年份对数 = 该值 − 1 与实有数据的较小者）。")
    births_base_years: int = Field(3, description="推算出生率所用的最近观测年数（取平均粗出生率）。")
    birth_rate_trend: float = Field(
        0.0, description="粗出生率的年变化率（0 = 保持近年平均水平）。本系统约定。")
    births_factor: float = Field(1.0, description="出生人数乘数（情景 births-high / births-low 调整此值）。")
    residents_growth: float | None = Field(
        None, description="常住人口（不含新建住宅新增人口）的年增长率；空 = 由最近观测年份的年均增长率估计。")

    # -- housing
    persons_per_household: float = Field(
        2.6, description="新建住宅户均人口（武汉“七普”家庭户均约 2.5 人，新入住家庭略高。本系统约定，verify）。")
    occupancy_years: int = Field(3, description="新建住宅竣工后满住所需年数（逐年均匀入住）。本系统约定。")
    occupancy_factor: float = Field(
        1.0, description="入住年限乘数（情景 housing-fast 取 0.5、housing-slow 取 2）。")
    housing_age_profile: dict[str, float] = Field(
        {"0-5": 0.012, "6-11": 0.0095, "12-14": 0.0085, "15-17": 0.006, "18-22": 0.006},
        description="新入住居民中每一单岁年龄所占比例（按年龄段给出，段内每岁相同）。由武汉中心城区千人指标"
                    "（小学 55、初中 25、高中 15 学位/千人，methods.md §4）折算并提高学龄前比例（年轻家庭）。本系统约定，verify。")

    # -- enrolment
    flow_year_pairs: int = Field(
        3, ge=1, description="估计升级率、留级率、辍学率、入学率和升学率所用的最近相邻年份对数（UNESCO 重构队列法），"
                             "合并计算（分子分母分别加总），使某一年的偶然变动不被固定到整个预测期；"
                             "某学区有学校（学段）开办或停办的年份对，该学区该学段整体不计入（撤并、分流不被当作增长），"
                             "全部不计入时用下列默认率。1 = 只用基年与前一年。")
    intake_fallback: dict[str, float] = Field(
        {"小学": 1.0}, description="学区无起始年级数据时的入学率（新生 ÷ 入学年龄人口）。")
    transition_fallback: dict[str, float] = Field(
        {"初中": 1.0, "高中": 0.6, "中职": 0.35},
        description="学区无数据时的升学率（下一学段一年级新生 ÷ 上一学段毕业年级在校生）。")
    preschool_ages: tuple[int, int] = Field((3, 5), description="学前三年的年龄段（methods.md §3）。")
    preschool_target_rate: float = Field(
        100.0, gt=0, le=100,
        description="学前学位需求 = 3–5 岁人口 × 目标毛入园率（%）。目标毛入园率取该区规划的“学前三年毛入园率”目标"
                    "（中期目标用于其年份及以前，期末目标用于其后）；规划没有该目标或未绑定规划时用此值"
                    "（默认 100 = 按适龄儿童全部入园准备学位）。输出注明所用的是规划目标还是此值。")
    district_wide_levels: list[str] = Field(
        ["高中", "中职"], description="按全区统筹招生（中考）的学段：在全区层面预测和计算缺口，不分学区。")

    # -- capacity
    class_size: dict[str, int] = Field(
        {"学前": 30, "小学": 45, "初中": 50, "高中": 50, "中职": 50},
        description="标准班额：小学 45、初中 50（methods.md §4，亦为 2017 年优质均衡的班额上限），高中、中职 50；"
                    "幼儿园 30（小班 25、中班 30、大班 35 的平均，《幼儿园工作规程》）。学位 = 班数 × 标准班额。")
    big_class_size: int = Field(56, description="大班额：56 人及以上的班（教育统计口径）。")
    capacity_fallback: Literal["classrooms", "peak_classes"] = Field(
        "classrooms", description="办学条件未填“设计办学规模班数”时的容量班数：classrooms = 普通教室数（每间教室一个班）；"
                                  "peak_classes = 最近几年实际开设的最多班数（保守）。一贯制学校按基年各学段班数比例拆分。")
    capacity_lookback: int = Field(3, description="peak_classes 所看的最近观测年数。")
    gap_levels: list[str] = Field(["学前", "小学", "初中", "高中"], description="计算学位缺口的学段。")
    cross_zone_placement: bool = Field(
        False, description="是否允许相邻学区的富余学位吸收本学区缺口。默认否：义务教育就近划片入学，缺口按学区计算。"
                           "为是时，缺口先由 neighbours 所列学区（未列则全区其他学区）的富余学位按比例吸收，余下为无学位儿童。")
    neighbours: dict[str, list[str]] = Field({}, description="相邻学区表（学区代码 → 相邻学区代码列表），仅在允许跨学区安置时使用。")
    places_per_1000: dict[str, float] = Field(
        {"学前": 30.0, "小学": 55.0, "初中": 25.0, "高中": 15.0},
        description="千人指标（每千名常住人口的学位数）：武汉中心城区 小学 55、初中 25、普高 15（methods.md §4，"
                    "《武汉市普通中小学布局规划(2013–2020)》）；幼儿园 30 为本系统约定（verify）。")

    # -- resources
    staffing_norms: dict[str, float] = Field(
        {"学前": 7.0, "小学": 19.0, "初中": 13.5, "高中": 12.5, "中职": 16.0},
        description="教职工编制：学生数 ÷ 该值 = 需要的教职工数。小学 19、初中 13.5、高中 12.5（中央编办发〔2014〕72号，"
                    "methods.md §4）；幼儿园 7（《幼儿园教职工配备标准（暂行）》全日制 1:5–1:7 的宽端）；中职 16（verify）。")
    staff_salary: float | None = Field(
        None, description="教职工年平均工资（元）；空 = 区域年度数据中基年的“义务教育教师年平均工资”，再空则 120000。")
    staff_on_cost: float = Field(0.35, description="工资以外的单位社保、公积金等占工资的比例。本系统约定，verify。")
    salary_growth: float = Field(0.05, description="工资年增长率。本系统约定（示范区公务员工资年增约 5%）。")
    public_funds_per_pupil: dict[str, float] = Field(
        {"学前": 1000.0, "小学": 650.0, "初中": 850.0, "高中": 1000.0, "中职": 2000.0},
        description="生均公用经费（元/年）：小学 650、初中 850 为国家基准定额；高中 1000、中职 2000、幼儿园 1000 为本系统约定（verify）。")
    public_funds_growth: float = Field(0.03, description="生均公用经费年增长率。本系统约定。")
    budget_growth: float | None = Field(
        None, description="一般公共预算教育支出的年增长率；空 = 由最近 5 个观测年度的年均增长率估计。")

    # -- scenarios
    scenarios: list[dict[str, Any]] = Field(
        [], description="追加或覆盖的情景（与随附 scenarios.yaml 同格式：id、name、description 与各项调整）。")
