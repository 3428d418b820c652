"""Indicator declarations (in the style of DHIS2 indicators / MetricFlow metrics) and their loader.

An indicator is data: id (the plan's indicator id), 名称, unit, numerator and denominator as lists
of terms over named relations (each term: an expression, a filter, a year lag and a coefficient),
a factor (100 for %), the official definition text and its source, the org levels it makes sense at,
the breakdowns it offers, and how it aggregates (ratio of sums). No SQL: the engine compiles terms
to Ibis. `{setting}` placeholders in expressions are filled from IndicatorSettings at load.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .expr import DefinitionError, columns_of, eval_number
from .settings import IndicatorSettings

DEFINITIONS = Path(__file__).with_name("definitions.yaml")

Relation = Literal["enrolment", "teachers", "facilities", "schools", "population", "area_year", "reported"]
SCHOOL_RELATIONS = {"enrolment", "teachers", "facilities", "schools"}
UnitType = Literal["district", "zone", "school"]
Kind = Literal["ratio", "reported", "external", "qualitative"]
Domain = Literal["share", "rate", "ratio", "count", "coefficient", "years", "amount", "signed"]


class DomainSpec(BaseModel):
    """The values an indicator can take: bounds (None = unbounded), whether it is a whole number, its label."""

    model_config = ConfigDict(frozen=True)

    low: float | None
    high: float | None
    integer: bool
    label: str


# Every quantitative indicator declares one (docs/monitoring.md, "Domains"); projections and their
# interval ends never leave it.
DOMAINS: dict[str, DomainSpec] = {
    "share": DomainSpec(low=0.0, high=100.0, integer=False, label="占比 0–100"),
    "rate": DomainSpec(low=0.0, high=None, integer=False, label="比率 ≥0（可超过 100）"),
    "ratio": DomainSpec(low=0.0, high=None, integer=False, label="比值 ≥0"),
    "count": DomainSpec(low=0.0, high=None, integer=True, label="计数 ≥0 整数"),
    "coefficient": DomainSpec(low=0.0, high=None, integer=False, label="系数 ≥0"),
    "years": DomainSpec(low=0.0, high=None, integer=False, label="年数 ≥0"),
    "amount": DomainSpec(low=0.0, high=None, integer=False, label="金额 ≥0"),
    "signed": DomainSpec(low=None, high=None, integer=False, label="可正可负"),
}


class Term(BaseModel):
    model_config = ConfigDict(extra="forbid")

    relation: Relation
    expr: str
    where: str | None = None
    lag: int = 0  # value for year t is taken from year t − lag
    coef: float | str = 1.0
    label: str = ""

    @property
    def coefficient(self) -> float:
        return eval_number(self.coef)

    @property
    def grain(self) -> str:
        return "school" if self.relation in SCHOOL_RELATIONS else "area"


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    unit: str
    kind: Kind = "ratio"
    numerator: list[Term] = []
    denominator: list[Term] = []
    factor: float = 1.0
    units: list[UnitType] = ["district", "zone"]
    breakdowns: list[Literal["ownership", "level"]] = []
    definition: str
    source: str
    reported_item: str | None = None  # kind reported, or the fallback when a ratio has no data
    function: str | None = None  # kind external: "module:function", fn(store) → {district: {year: {level: v}}}
    levels: list[str] = []  # kind external: the per-level values it yields
    direction: Literal["up", "down"] = "up"
    domain: Domain | None = None  # required unless qualitative: see DOMAINS
    note: str = ""

    @property
    def domain_spec(self) -> DomainSpec | None:
        return None if self.domain is None else DOMAINS[self.domain]

    @property
    def terms(self) -> list[Term]:
        return [*self.numerator, *self.denominator]


class Definitions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicators: list[Indicator]

    def get(self, indicator_id: str) -> Indicator:
        for i in self.indicators:
            if i.id == indicator_id:
                return i
        from ..names import nearest_hint

        raise DefinitionError(f"没有指标“{indicator_id}”" + nearest_hint(indicator_id, self._entries())
                              + "；eduplan indicators 列出全部指标")

    def find(self, text: str) -> Indicator:
        """The indicator a person names: its id, its Chinese name, or an unambiguous part of the name."""
        from ..names import NameNotFound, find

        try:
            return self.get(find(text, self._entries(), "指标"))
        except NameNotFound as e:
            if not e.ambiguous:
                return self.get(text)  # raises: 没有指标“…”；最接近的：…
            raise DefinitionError(f"{e}") from None

    def _entries(self) -> list[tuple[str, str, list[str]]]:
        return [(i.id, i.id, [i.name]) for i in self.indicators]


def _fill(obj: Any, values: dict[str, Any]) -> Any:
    if isinstance(obj, str) and "{" in obj:
        try:
            return obj.format(**values)
        except (KeyError, IndexError) as e:
            raise DefinitionError(f"“{obj}”引用了不存在的设置项 {e}") from None
    if isinstance(obj, list):
        return [_fill(x, values) for x in obj]
    if isinstance(obj, dict):
        return {k: _fill(v, values) for k, v in obj.items()}
    return obj


def load_definitions(settings: IndicatorSettings | None = None, path: Path | None = None) -> Definitions:
    settings = settings or IndicatorSettings()
    return _load(settings.model_dump_json(), str(path or DEFINITIONS))


@lru_cache(maxsize=8)
def _load(settings_json: str, path: str) -> Definitions:
    settings = IndicatorSettings.model_validate_json(settings_json)
    # libyaml's parser when installed (the same document, several times faster than the pure-Python one)
    raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    raw = _fill(raw, settings.model_dump())
    try:
        defs = Definitions(**raw)
    except ValidationError as e:
        raise DefinitionError(f"指标定义文件“{path}”有误：{e}") from None
    seen: set[str] = set()
    for ind in defs.indicators:
        if ind.id in seen:
            raise DefinitionError(f"指标定义重复：{ind.id}")
        seen.add(ind.id)
        if ind.kind != "qualitative" and ind.domain is None:
            raise DefinitionError(f"指标 {ind.id} 未声明取值范围（domain：{'、'.join(DOMAINS)}）")
        if ind.kind == "ratio" and not ind.numerator:
            raise DefinitionError(f"指标 {ind.id} 没有分子")
        for t in ind.terms:
            columns_of(t.expr)
            if t.where:
                columns_of(t.where)
            t.coefficient  # noqa: B018  (validates the coefficient text)
        if "school" in ind.units and any(t.grain == "area" for t in ind.terms):
            raise DefinitionError(f"指标 {ind.id} 含区域级数据，不能在学校层级计算")
    return defs
