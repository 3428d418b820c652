"""Settings of the key-project library (section `projects` of the settings file), with their defaults.

The plan gives investment per group only, and no dates finer than the years of its project table;
every default below that fills such a gap says so in its description.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ProjectSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allocation_weights: dict[str, float] = Field(
        {"新建": 3.0, "异地新建": 3.0, "配建": 2.0, "扩建": 1.5, "维修改造": 1.0, "装修改造": 1.0,
         "新建地下停车场": 1.0},
        description="规划只给出各组投资额（中小学配建 33.4 亿、高中 2.09 亿、幼儿园 1.293 亿），不给单个项目的金额。"
                    "未填“计划总投资”的项目，按建设方式的权重分摊本组投资额减去已填金额后的余额（精确到 0.01 万元，"
                    "最大余数法，使各组合计与规划完全一致）。权重为本系统的约定（verify：以项目批复为准）；全部设为 1 即平均分摊。")
    default_work_weight: float = Field(1.0, description="建设方式未填或不在上表时的分摊权重。")
    in_use_lag: dict[str, int] = Field(
        {"完工": 1, "主体结构封顶": 2},
        description="规划只列年份：按规划预期状态推算计划投入使用年度 = 项目表所列最后一年 + 该值。"
                    "“完工”的项目在该年年底完工、次年 9 月投入使用（+1）；“主体结构封顶”的项目约再一年竣工（+2）。本系统约定。")
    in_use_lag_category: dict[str, int] = Field(
        {"幼儿园新改扩": 0},
        description="按项目类别覆盖上一项：配建幼儿园是在已建成的配套用房内装修改造、配备设施设备（规划：“完成 14 所幼儿园"
                    "装修改造投资、设施设备配备”），当年完成、当年 9 月开园（+0）。本系统约定。")
    delay_tolerance_days: int = Field(
        90, description="节点实际日期晚于计划日期超过该天数，或计划日期已过该天数仍未完成，报“延期”。本系统约定。")
    execution_lag_threshold: float = Field(
        0.7, description="资金预警：截至核查年度累计实际支出 ÷ 累计年度计划投资 低于该值报“执行滞后”。本系统约定（verify：区财政资金预警规则）。")
    overrun_threshold: float = Field(
        0.10, description="资金预警：累计实际支出超过计划总投资（或累计年度计划）的比例高于该值报“超支”。本系统约定（verify）。")
    default_classes: dict[str, dict[str, int]] = Field(
        {"幼儿园": {"学前": 9}, "新建小学": {"小学": 24}, "新建初中": {"初中": 24},
         "新建学校": {"小学": 24, "初中": 12}, "扩建小学": {"小学": 12}, "扩建中学": {"初中": 12}},
        description="项目未填“项目新增学位”时按名称和建设方式推定的新增班数：幼儿园 9 班（武汉配建幼儿园常见规模），"
                    "新建小学/初中 24 班（methods.md §4 中心城区学校 18–36 班的中档），名称不含“小学”“初中”的新建学校按"
                    "九年一贯制 小学 24 班 + 初中 12 班，扩建 12 班。改善高中办学条件和地下停车场不增加学位。本系统约定（verify）。")
    class_size: dict[str, int] = Field(
        {"学前": 30, "小学": 45, "初中": 50, "高中": 50, "中职": 50},
        description="只填新增班数时换算学位的标准班额：小学 45、初中 50（methods.md §4），高中 50，幼儿园 30"
                    "（小班 25、中班 30、大班 35 的平均，《幼儿园工作规程》）。")
