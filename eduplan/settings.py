"""Settings: the documented defaults of every method choice, overridable by a YAML file.

Each package declares its own section as a pydantic model whose field defaults ARE the documented
defaults (with a `description` saying where the default comes from, e.g. methods.md §1.3 "verify").
A bureau overrides them in one YAML file, given by `--settings FILE` where a command offers it or by
the environment variable EDUPLAN_SETTINGS:

    balance:
      weights: {小学: 1.0, 初中: 1.1, 高中: 1.32}
    indicators:
      preschool_ages: [4, 6]

`load_section("balance", BalanceSettings)` returns the validated section (defaults where the file is
silent). Unknown keys are errors, named with the file. docs/settings.md is generated from the models
registered in SECTIONS (below).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import EduplanError

T = TypeVar("T", bound=BaseModel)

ENV = "EDUPLAN_SETTINGS"
_override: Path | None = None
_cache: dict[str, Any] | None = None


# Every section of the settings file: (section, module, model class, Chinese label) — the one list that
# docs/settings.md (eduplan/cli/docs.py) and the administrator's settings page (eduplan/web/pages/admin.py) read.
SECTIONS: list[tuple[str, str, str, str]] = [
    ("indicators", "eduplan.indicators.settings", "IndicatorSettings", "指标"),
    ("balance", "eduplan.balance.settings", "BalanceSettings", "优质均衡"),
    ("forecast", "eduplan.forecast.settings", "ForecastSettings", "学位预测"),
    ("projects", "eduplan.projects.settings", "ProjectSettings", "项目库"),
    ("import", "eduplan.ingest.limits", "ImportLimits", "导入"),
    ("access", "eduplan.access.settings", "AccessSettings", "用户与登录"),
    ("web", "eduplan.web.settings", "WebSettings", "网页服务"),
    ("collection", "eduplan.collection.settings", "CollectionSettings", "数据采集"),
]


class SettingsError(EduplanError):
    """The settings file cannot be read or a value is invalid."""


def use_settings_file(path: str | os.PathLike | None) -> None:
    """Point this process at a settings file (the CLI's --settings); None goes back to EDUPLAN_SETTINGS."""
    global _override, _cache
    _override = Path(path) if path else None
    _cache = None


def settings_path() -> Path | None:
    if _override is not None:
        return _override
    env = os.environ.get(ENV)
    return Path(env) if env else None


def _raw() -> dict[str, Any]:
    global _cache
    if _cache is not None:
        return _cache
    path = settings_path()
    if path is None:
        _cache = {}
        return _cache
    if not path.exists():
        raise SettingsError(f"设置文件“{path}”不存在")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise SettingsError(f"设置文件“{path}”不是有效的 YAML：{e}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"设置文件“{path}”的顶层应为“节名: 设置”的映射")
    _cache = data
    return data


def load_section(name: str, model: type[T], overrides: dict[str, Any] | None = None) -> T:
    """The validated settings of one section: model defaults < settings file < explicit overrides."""
    data = dict(_raw().get(name) or {})
    data.update(overrides or {})
    try:
        return model(**data)
    except ValidationError as e:
        where = settings_path() or "（默认值）"
        problems = "；".join(f"{name}.{'.'.join(map(str, err['loc']))}：{err['msg']}" for err in e.errors())
        raise SettingsError(f"设置文件“{where}”有误：{problems}") from None
