"""Settings of the key-project library (section `projects` of the settings file), with their defaults.

A plan gives investment per group only, and no dates finer than the years of its project table;
every default below that fills such a gap says so in its description. The places a project adds
come from the store or the plan (its projects' and categories' `places`), never from here.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ProjectSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allocation_weights: dict[str, float] = Field(
        {"新建": 3.0, "异地新建": 3.0, "配建": 2.0, "扩建": 1.5, "维修改造": 1.0, "装修改造": 1.0,
         "新建地下停车场": 1.0},
        description="规划通常只给出各组投资额（如“××工程 N 所，投资约 X 亿”），不给单个项目的金额。"
                    "未填“计划总投资”的项目，按建设方式的权重分摊本组投资额减去已填金额后的余额（精确到 0.01 万元，"
                    "最大余数法，使各组合计与规划完全一致）。权重为本系统的约定（verify：以项目批复为准）；全部设为 1 即平均分摊。")
    default_work_weight: float = Field(1.0, description="建设方式未填或不在上表时的分摊权重。")
    in_use_lag: dict[str, int] = Field(
        {"完工": 1, "主体结构封顶": 2},
        description="规划只列年份：按规划预期状态推算计划投入使用年度 = 项目表所列最后一年 + 该值（规划的项目类别写了 in_use_lag 时以规划为准）。"
                    "“完工”的项目在该年年底完工、次年 9 月投入使用（+1）；“主体结构封顶”的项目约再一年竣工（+2）。本系统约定。")
    delay_tolerance_days: int = Field(
        90, description="节点实际日期晚于计划日期超过该天数，或计划日期已过该天数仍未完成，报“延期”。本系统约定。")
    execution_lag_threshold: float = Field(
        0.7, description="资金预警：截至核查年度累计实际支出 ÷ 累计年度计划投资 低于该值报“执行滞后”。本系统约定（verify：区财政资金预警规则）。")
    overrun_threshold: float = Field(
        0.10, description="资金预警：累计实际支出超过计划总投资（或累计年度计划）的比例高于该值报“超支”。本系统约定（verify）。")
    class_size: dict[str, int] = Field(
        {"学前": 30, "小学": 45, "初中": 50, "高中": 50, "中职": 50},
        description="只有新增班数（项目新增学位表只填班数，或规划所列项目、类别的班数）时换算学位的标准班额：小学 45、初中 50（methods.md §4），高中 50，幼儿园 30"
                    "（小班 25、中班 30、大班 35 的平均，《幼儿园工作规程》）。")
