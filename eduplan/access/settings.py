"""Settings of users, passwords, sessions, tokens and login throttling (section `access` of the settings file).

Loaded with `access_settings()` (= `eduplan.settings.load_section("access", AccessSettings)`); every default is
the one docs/security.md describes.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..settings import load_section


class AccessSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password_min_length: int = Field(
        12, ge=8, le=128,
        description="密码的最少字符数（默认 12；网络安全等级保护 2.0 三级要求口令具有复杂度，本系统另要求不含用户名、"
                    "不只由一类字符组成、不在常见弱口令表中）。")
    session_idle_minutes: int = Field(
        30, ge=1, le=24 * 60,
        description="网页会话闲置超过该分钟数即失效，须重新登录（默认 30 分钟）。")
    session_max_hours: float = Field(
        12, gt=0, le=24 * 31,
        description="网页会话自登录起最长有效的小时数，无论是否活动（默认 12 小时）。")
    throttle_after: int = Field(
        5, ge=1, le=100,
        description="登录限速：同一账户或同一来源地址自上次成功登录以来失败达到该次数后，每次再尝试都须等待，"
                    "等待秒数为 2 的（失败次数 − 该值）次方，封顶见 throttle_max_seconds（默认 5 次）。")
    throttle_max_seconds: int = Field(
        900, ge=1, le=24 * 3600,
        description="登录限速的最长等待秒数（默认 900 秒，即 15 分钟）。")
    login_token_hours: float = Field(
        12, gt=0, le=24 * 366,
        description="脚本以用户名和密码换取的 API 令牌（POST /api/v1/auth/token）的有效小时数（默认 12 小时）；"
                    "用户在网页上自建的令牌另定有效期。")
    argon2_time_cost: int = Field(
        3, ge=1, le=100,
        description="argon2id 口令散列的迭代次数 t（默认 3，即 RFC 9106 第二推荐参数组、argon2-cffi 的默认值）。")
    argon2_memory_kib: int = Field(
        65536, ge=8, le=4 * 1024 * 1024,
        description="argon2id 口令散列的内存用量 m，单位 KiB（默认 65536，即 64 MiB，RFC 9106 第二推荐参数组）。")
    argon2_parallelism: int = Field(
        4, ge=1, le=64,
        description="argon2id 口令散列的并行度 p（默认 4，RFC 9106 第二推荐参数组）。")


def access_settings() -> AccessSettings:
    """The `access` section of the settings file (defaults where the file is silent)."""
    return load_section("access", AccessSettings)
