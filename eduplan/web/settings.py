"""Settings of the web application (section `web` of the settings file), with their defaults."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WebSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    small_cell_threshold: int = Field(
        10, ge=1,
        description="公开页面（规划进展发布）的小数抑制：由少于该人数的学生或教师算出的数不公布，显示为“数据过少，不公布”。"
                    "本系统约定（verify：本地数据发布与隐私保护规定）。")
    cache_entries: int = Field(
        512, ge=16,
        description="服务端缓存的计算结果（指标报表、均衡评估、学位预测等）条数上限；数据导入或撤销后全部失效并按需重算。")
    max_upload_mb: int = Field(
        50, ge=1,
        description="数据页面一次上传的文件总大小上限（MB）；超出时拒绝并说明，不读取文件。")
