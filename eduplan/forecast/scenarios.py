"""Named scenarios as data: the shipped data/scenarios.yaml, the settings file's `forecast.scenarios`,
and generated `delay-<project id>-<N>y` scenarios (a project delayed by N years)."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .inputs import ForecastError

DELAY = re.compile(r"^delay-(?P<project>[A-Za-z0-9_.-]+)-(?P<years>\d+)y$")


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    description: str = ""
    settings: dict[str, Any] = Field({}, description="forecast 设置的覆盖值")
    delays: dict[str, int] = Field({}, description="项目编号 → 推迟投入使用的年数")


def shipped_scenarios() -> list[Scenario]:
    text = (resources.files("eduplan.forecast") / "data" / "scenarios.yaml").read_text(encoding="utf-8")
    return [Scenario(**s) for s in yaml.safe_load(text)["scenarios"]]


def all_scenarios(extra: list[dict[str, Any]] | None = None) -> dict[str, Scenario]:
    """The shipped scenarios, then the settings file's (same id: the settings file wins)."""
    out = {s.id: s for s in shipped_scenarios()}
    for raw in extra or []:
        try:
            s = Scenario(**raw)
        except ValidationError as e:
            raise ForecastError(f"设置 forecast.scenarios 中的情景有误：{e.errors()[0]['msg']}（{raw}）") from None
        out[s.id] = s
    return out


def find_scenario(text: str, extra: list[dict[str, Any]] | None = None) -> str:
    """The id of the scenario a person names: its id (births-low), its Chinese name (出生低方案) or an
    unambiguous part of the name (出生低); a generated delay-<project>-<N>y id is returned as it is (checked
    by get_scenario). ForecastError names the nearest scenarios in Chinese when nothing fits."""
    from ..names import NameNotFound, find

    text = str(text).strip()
    if DELAY.match(text):
        return text
    declared = all_scenarios(extra)
    try:
        return str(find(text, [(s.id, s.id, [s.name]) for s in declared.values()], "情景"))
    except NameNotFound as e:
        raise ForecastError(f"{e}；或 delay-<项目编号>-<年数>y（某项目推迟若干年）；"
                            "eduplan forecast --list-scenarios 列出全部情景") from None


def get_scenario(name: str, extra: list[dict[str, Any]] | None = None,
                 known_projects: set[str] | None = None) -> Scenario:
    """A declared scenario by id, or a generated delay-<project>-<N>y one."""
    declared = all_scenarios(extra)
    if name in declared:
        s = declared[name]
    else:
        m = DELAY.match(name)
        if m is None:
            raise ForecastError(f"没有名为“{name}”的情景；可用：{'、'.join(declared)}，或 delay-<项目编号>-<年数>y")
        years = int(m["years"])
        s = Scenario(id=name, name=f"{m['project']} 推迟 {years} 年", delays={m["project"]: years},
                     description=f"项目 {m['project']} 推迟 {years} 年投入使用，其余同基准情景。")
    unknown = sorted(set(s.delays) - (known_projects or set(s.delays)))
    if unknown:
        raise ForecastError(f"情景“{name}”中的项目编号不在重点项目库中：{'、'.join(unknown)}"
                            "（eduplan projects --format json 列出全部项目编号）")
    return s
