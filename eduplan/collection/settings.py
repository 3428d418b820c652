"""Settings of the annual collection (section `collection` of the settings file), with their defaults."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator


class CollectionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = Field(
        "Asia/Shanghai",
        description="判断是否逾期所用的时区：截止日期当天（该时区的日历日）结束前提交都不算逾期。"
                    "本系统约定（全国统一使用北京时间；verify：本地采集通知的截止时间口径）。时间的存储和显示仍为 UTC。")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"“{v}”不是已知的时区名（如 Asia/Shanghai）") from None
        return v
