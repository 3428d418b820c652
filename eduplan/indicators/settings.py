"""Settings of the indicator engine (section `indicators` of the settings file), with their defaults.

Every default is the official method of ../shared/domain/methods.md unless its description says
otherwise; docs/settings.md is generated from these fields.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class IndicatorSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preschool_ages: tuple[int, int] = Field(
        (3, 5), description="学前三年毛入园率的分母年龄段（含两端）。methods.md §3：3–5 岁；旧文件用 4–6 岁。")
    upper_secondary_ages: tuple[int, int] = Field(
        (15, 17), description="高中阶段毛入学率的分母年龄段（methods.md §3）。")
    staffing_norms: dict[str, float] = Field(
        {"小学": 19.0, "初中": 13.5, "高中": 12.5},
        description="教职工编制标准 学生数 : 教职工 1 = 值（中央编办发〔2014〕72号，methods.md §4）。")
    school_size_ceiling: int = Field(2000, description="小学、初中学校规模上限（人，methods.md §1.4）。")
    through_school_size_ceiling: int = Field(
        2500, description="九年一贯制/十二年一贯制学校义务教育段规模上限（人，methods.md §1.4）。")
    status_rule: Literal["path"] = Field(
        "path", description="状态判定规则：path = 以基线到目标的逐年路径为准（见 docs/monitoring.md）。")
    at_risk_tolerance: float = Field(
        0.25, description="“有风险”的容差：落后于当年路径值不超过（基线到目标距离 × 该比例）时判为有风险，超过即为偏离；"
                          "趋势外推不改变状态（判定表见 docs/monitoring.md）。本项为本系统的约定，可调整。")
    projection_window: int = Field(5, description="趋势外推所用的最近观测年数（在变换后的尺度上做线性最小二乘）。")
    projection_min_points: int = Field(
        4, description="至少有这么多年的观测值才做外推；不足时不给外推值，注明“数据年份不足”。")
    projection_interval: float = Field(0.8, description="外推区间的名义覆盖率（t 分布预测区间）。")
    projection_min_sd: float = Field(
        0.15, description="占比类外推残差标准差的下限（logit 尺度），使区间永不为零宽。取值经回测校准，见 docs/monitoring.md。")
    projection_min_relative_sd: float = Field(
        0.03, description="其他指标外推残差标准差的下限：该比例 × 序列近年平均绝对值（至少 1），使区间永不为零宽。"
                          "取值经回测校准，见 docs/monitoring.md。")
    share_squeeze: float = Field(
        0.0005, ge=0.0, lt=0.5, description="占比类做 logit 变换前向 50% 收缩的比例 ε：p′ = ε + (1 − 2ε)·p，使 0 与 100 可变换"
                            "（Smithson–Verkuilen 修正，相当于样本量 1000）。")
    projection_year: int | None = Field(
        None, description="外推到的年份。默认（不填）为所评估规划的期末年（如 2026–2030 年规划外推到 2030 年）；"
                          "未绑定规划的区不外推，除非在此指定年份。")
