"""Pydantic models for a district education plan (规划) and the comparison parser.

A plan file is YAML (see data/qiaokou-2021-2025.yaml). The models check shape and types only;
cross-references and the plan's internal consistency are checked by check.py, so that one run reports
every problem with its place in the file.

Every model derives from `Node`, which remembers the YAML line of its mapping (`line`) and of each of
its keys (`keylines`); the loader fills them and they are never dumped to JSON.

Comparisons. Targets and table cells are written as the plan writes them (`raw`, e.g. "98.5 以上",
"≦100", "<0.55/<0.5") and normalised to one of >=, <=, <, >, = plus a number:

* "以上"/"及以上" after a number, and "不少于", "不低于", "至少", "达到"/"达" before it → >=.
  (Chinese legal usage counts the number itself in "以上"; "达到 90%" is read as "at least 90%".)
* "以下"/"以内"/"及以下", "控制在", "不超过", "不高于", "至多", "≦", "≤" → <=;  "低于", "少于", "小于", "<" → <;
  "高于", "多于", "超过", ">" → >.
* "控制在零点几"(%) → < 1. Leading verbs such as 保持在/逐步/均 are skipped.
* A bare number is "=" when it is an observed value; in a target column its direction comes from the
  indicator (>= when higher is better, <= when lower is better) and the value is marked `implied`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, model_validator

Op = Literal[">=", "<=", "<", ">", "="]
Severity = Literal["error", "warning", "info"]
OP_SYMBOL = {">=": "≥", "<=": "≤", "<": "<", ">": ">", "=": "="}

# ---------------------------------------------------------------------------------------------------
# Comparison parsing
# ---------------------------------------------------------------------------------------------------

_FULLWIDTH = str.maketrans({
    "≦": "≤", "≧": "≥", "＜": "<", "＞": ">", "＝": "=", "％": "%", "．": ".", "－": "-", "–": "-", "—": "-",
    **{chr(0xFF10 + i): str(i) for i in range(10)},
})
_FILLER = ("保持在", "保持", "稳定在", "逐步", "均", "全部", "实现")  # verbs before a comparison
_PREFIX = [  # longest first
    ("控制在", "<="), ("不少于", ">="), ("不低于", ">="), ("至少", ">="), ("达到", ">="), ("达", ">="),
    ("不超过", "<="), ("不高于", "<="), ("至多", "<="), ("低于", "<"), ("少于", "<"), ("小于", "<"),
    ("高于", ">"), ("多于", ">"), ("超过", ">"), ("大于", ">"),
    (">=", ">="), ("<=", "<="), ("≥", ">="), ("≤", "<="), ("<", "<"), (">", ">"), ("=", "="),
]
_SUFFIX = [("及以上", ">="), ("以上", ">="), ("及以下", "<="), ("以下", "<="), ("以内", "<=")]
_NUMBER = re.compile(r"^([-+]?\d+(?:\.\d+)?)(.*)$")
_UNIT = re.compile(r"^(%|年|厘米|cm|M|Mbps|所|项|个|人|亿元|亿|元)?$")


class ComparisonError(ValueError):
    """A comparison text that cannot be normalised."""


def parse_comparison(raw: str | float | int) -> tuple[Op | None, float]:
    """Normalise a comparison text. Returns (op, value); op is None for a bare number.

    >>> parse_comparison("98.5 以上")
    ('>=', 98.5)
    >>> parse_comparison("≦100")
    ('<=', 100.0)
    """
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return None, float(raw)
    s = re.sub(r"\s+", "", str(raw).translate(_FULLWIDTH))
    if not s:
        raise ComparisonError("比较式为空")
    if "零点几" in s:
        return "<", 1.0
    stripped = True
    while stripped:
        stripped = False
        for word in _FILLER:
            if s.startswith(word):
                s, stripped = s[len(word):], True
    pre: str | None = None
    for word, op in _PREFIX:
        if s.startswith(word):
            pre, s = op, s[len(word):]
            break
    suf: str | None = None
    for word, op in _SUFFIX:
        if s.endswith(word):
            suf, s = op, s[: -len(word)]
            break
    m = _NUMBER.match(s)
    if not m or not _UNIT.match(m.group(2)):
        raise ComparisonError(f"无法识别的比较式“{raw}”（应如 98.5、98.5 以上、≦100、<0.5、不少于 50%）")
    if pre and suf and pre != suf and pre != ">=":
        raise ComparisonError(f"比较式“{raw}”前后矛盾")
    return (suf or pre), float(m.group(1))


def fmt_num(x: float | None) -> str:
    """Print 15.0 as 15 and 0.382 as 0.382."""
    if x is None:
        return "—"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# ---------------------------------------------------------------------------------------------------
# Base node
# ---------------------------------------------------------------------------------------------------


def _strip_meta(v: Any) -> Any:
    """Plain mappings (dict-typed fields) arrive from the loader as LineDict; hand them over as dict."""
    return dict(v) if isinstance(v, dict) else v


class Node(BaseModel):
    """A YAML mapping: unknown keys are errors; `line`/`keylines` locate it in its file."""

    model_config = ConfigDict(extra="forbid")

    line: int | None = Field(default=None, alias="__line__", exclude=True, repr=False)
    keylines: dict[str, int] = Field(default_factory=dict, alias="__keylines__", exclude=True, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _take_lines(cls, data: Any) -> Any:
        line = getattr(data, "line", None)
        if isinstance(data, dict) and line is not None:
            data = {**data, "__line__": line, "__keylines__": dict(getattr(data, "keylines", {}))}
        return data

    def line_of(self, key: str | None = None) -> int | None:
        """The line of `key` in this mapping (or of the mapping itself)."""
        if key is not None and key in self.keylines:
            return self.keylines[key]
        return self.line


class Cite(Node):
    """Where a fact comes from in the plan text: a section path and the plan's own words."""

    section: str  # e.g. "三、㈡ 2.⑶" or "一、㈥ 表：… 第3行"
    text: str  # a short quote of the plan text (whitespace may differ)
    note: str | None = None

    def short(self, n: int = 40) -> str:
        t = self.text if len(self.text) <= n else self.text[: n - 1] + "…"
        return f"{self.section}「{t}」"


# ---------------------------------------------------------------------------------------------------
# Values and comparisons
# ---------------------------------------------------------------------------------------------------


def _cell_from_scalar(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return {"raw": fmt_num(float(v))}
    if isinstance(v, str):
        return {"raw": v}
    return v


class Value(Node):
    """One cell or target value: the plan's text plus the normalised comparison.

    For a multi-level row (e.g. 小学/初中) `raw` holds "a/b" and `by_level` the parsed parts.
    """

    raw: str
    op: Op | None = None
    value: float | None = None
    implied: bool = False  # op inferred from the column and the indicator's direction
    by_level: dict[str, Value] | None = None
    parse_error: str | None = Field(default=None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _scalar(cls, data: Any) -> Any:
        return _cell_from_scalar(data)

    @model_validator(mode="after")
    def _parse(self) -> Value:
        if self.value is None and self.by_level is None:
            if "/" in self.raw:
                self.parse_error = f"“{self.raw}”含多个以“/”分隔的值，但该行未声明 levels"
                return self
            try:
                op, self.value = parse_comparison(self.raw)
                self.op = self.op or op
            except ComparisonError as e:
                self.parse_error = str(e)
        return self

    def resolve(self, default_op: Op | None, implied: bool = True) -> None:
        """Give a bare number its comparison (column semantics); recurse into levels."""
        if self.by_level:
            for v in self.by_level.values():
                v.resolve(default_op, implied)
        elif self.value is not None and self.op is None and default_op is not None:
            self.op, self.implied = default_op, implied

    def split_levels(self, levels: list[str]) -> None:
        """Split "0.382/0.302" into by_level {小学: 0.382, 初中: 0.302}."""
        if self.by_level is not None:
            return
        parts = [p.strip() for p in self.raw.split("/")]
        if len(parts) != len(levels):
            self.parse_error = f"“{self.raw}”应有 {len(levels)} 个以“/”分隔的值（{'/'.join(levels)}）"
            return
        self.op = self.value = None
        self.parse_error = None
        self.by_level = {lvl: Value(raw=p) for lvl, p in zip(levels, parts)}

    def errors(self) -> list[str]:
        out = [self.parse_error] if self.parse_error else []
        for v in (self.by_level or {}).values():
            out += v.errors()
        return out

    def text(self) -> str:
        """Chinese display: normalised comparison, e.g. "≥98.5" or "小学 <0.55 / 初中 <0.5"."""
        if self.by_level:
            return " / ".join(f"{k} {v.text()}" for k, v in self.by_level.items())
        if self.value is None:
            return self.raw
        sym = "" if self.op in (None, "=") else OP_SYMBOL[self.op]
        return f"{sym}{fmt_num(self.value)}"


def satisfies(actual: float, op: Op | None, target: float) -> bool:
    """Does an observed value meet the comparison `op target`? A bare target reads as >=."""
    op = op or ">="
    return {
        ">=": actual >= target, "<=": actual <= target, "<": actual < target,
        ">": actual > target, "=": abs(actual - target) < 1e-9,
    }[op]


# ---------------------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------------------


class District(Node):
    code: str  # 行政区划代码, e.g. "420104"
    name: str
    city: str | None = None
    province: str | None = None


class Period(Node):
    start: int
    end: int
    name: str | None = None  # how the text names the period, e.g. “十四·五”

    @property
    def label(self) -> str:
        """“十四·五”（2021–2025）, or just the years when the plan gives no name."""
        years = f"{self.start}–{self.end}"
        return f"“{self.name}”（{years}）" if self.name else years

    @model_validator(mode="after")
    def _order(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"结束年份 {self.end} 早于起始年份 {self.start}")
        return self

    def years(self) -> range:
        return range(self.start, self.end + 1)


class Source(Node):
    file: str
    title: str | None = None
    note: str | None = None


class PlanMeta(Node):
    id: str
    title: str
    district: District
    period: Period  # the plan period, e.g. 2021–2025
    review_period: Period | None = None  # the previous plan reviewed in the text, e.g. 2016–2020
    baseline_year: int  # the latest year with actual values in the tables
    baseline_note: str | None = None
    status: str  # e.g. 征求意见稿
    source: Source


# ---------------------------------------------------------------------------------------------------
# Indicator tables
# ---------------------------------------------------------------------------------------------------

ColumnKind = Literal["target", "actual", "expected"]
COLUMN_KIND_LABEL = {"target": "目标", "actual": "实际", "expected": "预计"}


class Column(Node):
    key: str
    label: str  # header as printed
    year: int
    kind: ColumnKind


class Row(Node):
    """One indicator row; `id` is the indicator id shared with other tables, targets and baselines."""

    seq: int | None = None
    id: str
    label: str  # the name as printed, e.g. "学前三年教育毛入园率（%）"
    name: str  # the name without unit
    unit: str
    direction: Literal["up", "down"] = "up"  # is a higher value better?
    levels: list[str] | None = None  # e.g. [小学, 初中]: every cell holds one value per level
    reported_item: str | None = None
    values: Annotated[dict[str, Value], BeforeValidator(_strip_meta)]
    cite: Cite
    note: str | None = None


class Table(Node):
    id: str
    title: str
    short_title: str | None = None  # for messages, e.g. 十三五指标表
    cite: Cite
    columns: list[Column]
    rows: list[Row]

    @model_validator(mode="after")
    def _resolve_cells(self) -> Table:
        kinds = {c.key: c.kind for c in self.columns}
        for row in self.rows:
            for key, cell in row.values.items():
                if row.levels:
                    cell.split_levels(row.levels)
                kind = kinds.get(key)
                if kind == "target":
                    cell.resolve(">=" if row.direction == "up" else "<=", implied=True)
                elif kind in ("actual", "expected"):
                    cell.resolve("=", implied=False)
        return self

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


# ---------------------------------------------------------------------------------------------------
# Text targets and baselines
# ---------------------------------------------------------------------------------------------------

TargetKind = Literal["quantitative", "qualitative", "trend"]


class _Compared(Node):
    """Shared by targets and baselines: `raw` words, normalised `op` and `value`."""

    raw: str | None = None
    op: Op | None = None
    value: float | None = None
    parse_error: str | None = Field(default=None, exclude=True)

    def _parse_raw(self) -> None:
        if self.value is not None or not self.raw:
            return
        try:
            op, self.value = parse_comparison(self.raw)
            self.op = self.op or op
        except ComparisonError as e:
            self.parse_error = str(e)

    def text(self, unit: str | None = None) -> str:
        if self.value is None:
            return self.raw or "—"
        sym = "" if self.op in (None, "=") else OP_SYMBOL[self.op]
        return f"{sym}{fmt_num(self.value)}{unit or ''}"


class Target(_Compared):
    """A target stated in the text. `year` defaults to the plan's end year."""

    id: str
    indicator: str
    name: str
    kind: TargetKind = "quantitative"
    unit: str | None = None
    year: int | None = None
    trend: Literal["non_decreasing", "non_increasing"] | None = None  # kind: trend, year on year
    maintain: bool = False  # the text says 保持/巩固: the target keeps a level already reached
    scope: str | None = None  # e.g. 中小学, 义务教育教师, 国家
    reported_item: str | None = None
    cite: Cite
    see_also: list[Cite] = []
    note: str | None = None

    @model_validator(mode="after")
    def _normalise(self) -> Target:
        if self.kind == "quantitative":
            self._parse_raw()
            if self.value is None and self.parse_error is None:
                self.parse_error = "定量目标缺少 value（或可解析的 raw）"
            if self.value is not None and self.op is None:
                self.op = ">="
        return self


class Baseline(_Compared):
    """A fact from the review of the previous plan, e.g. 毛入园率达 98.5%.

    `year` None means the text dates it only by the review period (十三·五).
    """

    id: str
    indicator: str
    name: str
    unit: str | None = None
    year: int | None = None
    cite: Cite
    note: str | None = None

    @model_validator(mode="after")
    def _normalise(self) -> Baseline:
        self._parse_raw()
        if self.value is None and self.parse_error is None:
            self.parse_error = "基线缺少 value（或可解析的 raw）"
        if self.value is not None and self.op is None:
            self.op = "="
        return self


# ---------------------------------------------------------------------------------------------------
# Goals and the task tree
# ---------------------------------------------------------------------------------------------------


class Goal(Node):
    id: str  # e.g. "3.2.3"
    number: str  # as printed, e.g. "⑶"
    title: str
    targets: list[str] = []
    cite: Cite


class Task(Node):
    id: str  # e.g. "4.1.1"
    number: int
    title: str  # the bold lead phrase
    summary: str
    targets: list[str] = []
    cite: Cite


class TaskSection(Node):
    id: str  # e.g. "4.1"
    number: str  # as printed, e.g. "㈠"
    title: str
    tasks: list[Task]
    cite: Cite


# ---------------------------------------------------------------------------------------------------
# Key projects
# ---------------------------------------------------------------------------------------------------

ProjectState = Literal["完工", "主体结构封顶"]


class StatedTotal(Node):
    count: int
    investment: float
    unit: str = "亿元"
    cite: Cite


class ProjectGroup(Node):
    id: str
    name: str
    categories: list[str]  # table categories belonging to this group
    stated_count: int  # the number the text gives (所)
    investment: float  # 亿元, as stated ("约")
    completion_year: int  # the text: 预计 N 年底 …
    stated_states: Annotated[dict[str, int], BeforeValidator(_strip_meta)] = {}  # e.g. {完工: 12, 主体结构封顶: 2}
    cite: Cite
    see_also: list[Cite] = []
    note: str | None = None


PlacesByLevel = Annotated[dict[str, int], BeforeValidator(_strip_meta)]


class ProjectCategory(Node):
    """A category of the plan's project table (its 项目 column) and the places its projects add.

    `places`: classes (班) a project of this category adds per 学段 when neither the project (plan
    `places`) nor the store's 项目新增学位 table says; {} — the category adds no places (e.g. repairs).
    """

    code: str  # as the project table and the 项目库 import write it, e.g. “中小学新建”
    description: str | None = None
    places: PlacesByLevel = {}
    # years from the last year the project table lists a project of this category to the September intake it
    # first serves; None: the projects settings' in_use_lag by the project's expected state (完工 +1 …)
    in_use_lag: int | None = Field(default=None, ge=0, le=10)
    cite: Cite | None = None
    note: str | None = None


class Project(Node):
    id: str
    name: str  # as printed in the project table
    category: str  # the table's 项目 column
    group: str  # ProjectGroup id
    years: list[int]  # every year the table lists it under
    work: str | None = None  # 配建 / 扩建 / 新建 / 异地新建 / 维修改造 / 装修改造 / 新建地下停车场
    expected_state: ProjectState = "完工"  # by the group's completion_year
    counted: bool = True  # counts toward the group's stated number (car parks do not)
    part_of: list[str] = []  # host projects (a car park at a school being improved)
    hosts: list[str] = []  # school names where the project sits, when not a project itself
    places: PlacesByLevel | None = None  # classes (班) added per 学段; None: the category's; {}: none
    cite: Cite
    note: str | None = None


class KeyProjects(Node):
    title: str
    table_title: str
    stated_total: StatedTotal
    categories: list[ProjectCategory] = []  # the project table's categories; [] — those the groups name
    groups: list[ProjectGroup]
    projects: list[Project]
    cite: Cite

    def group(self, gid: str) -> ProjectGroup | None:
        return next((g for g in self.groups if g.id == gid), None)

    def category_codes(self) -> list[str]:
        """Every category a project of this plan may have: the declared ones, else the groups' (in order)."""
        codes = [c.code for c in self.categories]
        for g in self.groups:
            codes += [c for c in g.categories if c not in codes]
        return codes

    def category(self, code: str) -> ProjectCategory | None:
        return next((c for c in self.categories if c.code == code), None)

    def group_of_category(self, code: str) -> ProjectGroup | None:
        return next((g for g in self.groups if code in g.categories), None)


# ---------------------------------------------------------------------------------------------------
# Declared sums
# ---------------------------------------------------------------------------------------------------


class SumPart(Node):
    """A number: either a literal `value` (with its cite) or a `ref` to a number elsewhere in the plan.

    A ref is a dotted path over the plan; inside a list, a segment selects the item by id, e.g.
    "key_projects.groups.compulsory.investment".
    """

    label: str | None = None
    value: float | None = None
    ref: str | None = None
    cite: Cite | None = None

    @model_validator(mode="after")
    def _one(self) -> SumPart:
        if (self.value is None) == (self.ref is None):
            raise ValueError("value 与 ref 须且只能给出其一")
        return self


class SumCheck(Node):
    """The parts must add up to the total within `tolerance` (plan check)."""

    id: str
    label: str
    unit: str | None = None
    parts: list[SumPart]
    total: SumPart
    tolerance: float = 0.0
    code: str = "sum-mismatch"  # the finding code when it does not add up
    severity: Severity = "warning"
    cite: Cite | None = None


# ---------------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------------


class Safeguard(Node):
    id: str
    number: str
    title: str
    cite: Cite


class Plan(Node):
    """A whole plan. Load it with eduplan.plan.load_plan; check it with eduplan.plan.check_plan."""

    schema_version: int = 1
    meta: PlanMeta
    tables: list[Table] = []
    targets: list[Target] = []
    baselines: list[Baseline] = []
    goals: list[Goal] = []
    tasks: list[TaskSection] = []
    key_projects: KeyProjects | None = None
    safeguards: list[Safeguard] = []
    sums: list[SumCheck] = []

    _source: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _default_years(self) -> Plan:
        for t in self.targets:
            if t.year is None and t.kind == "quantitative":
                t.year = self.meta.period.end
        return self

    @property
    def source_name(self) -> str:
        """The file name used in messages ("qiaokou-2021-2025.yaml")."""
        return self._source or "<规划>"

    def set_source(self, name: str) -> None:
        self._source = name

    def table(self, tid: str) -> Table | None:
        return next((t for t in self.tables if t.id == tid), None)

    def published(self, year: int) -> dict[str, str]:
        """The values the tables print as actual for `year` (e.g. 十四五表 “2019 年实际”), by indicator id,
        as printed (raw text); the first table that has one wins."""
        found: dict[str, str] = {}
        for table in self.tables:
            keys = [c.key for c in table.columns if c.year == year and c.kind == "actual"]
            for row in table.rows:
                for key in keys:
                    cell = row.values.get(key)
                    if cell is not None and row.id not in found:
                        found[row.id] = cell.raw
        return found

    def target_label(self, year: int) -> str:
        """How a target is named by its year: “2028 年中期目标”, “2030 年期末目标”, “2020 年目标” (outside the period)."""
        period = self.meta.period
        if year == period.end:
            return f"{year} 年期末目标"
        if period.start <= year < period.end:
            return f"{year} 年中期目标"
        return f"{year} 年目标"

    def target(self, tid: str) -> Target | None:
        return next((t for t in self.targets if t.id == tid), None)

    def to_dict(self) -> dict[str, Any]:
        """The whole plan as JSON-ready data, plus the derived `indicators` index (drop it to re-validate)."""
        doc = self.model_dump(mode="json")
        doc["indicators"] = self.indicator_index()
        return doc

    def indicator_index(self) -> list[dict[str, Any]]:
        """Every indicator id the plan uses, with where it appears (for an indicator engine to bind)."""
        index: dict[str, dict[str, Any]] = {}

        def add(iid: str, name: str, unit: str | None, item: str | None, where: str) -> None:
            e = index.setdefault(iid, {"id": iid, "name": name, "unit": unit, "reported_item": None, "used_in": []})
            e["unit"] = e["unit"] or unit
            e["reported_item"] = e["reported_item"] or item
            e["used_in"].append(where)

        for tab in self.tables:
            for r in tab.rows:
                add(r.id, r.name, r.unit, r.reported_item, f"tables.{tab.id}")
        for t in self.targets:
            add(t.indicator, t.name, t.unit, t.reported_item, f"targets.{t.id}")
        for b in self.baselines:
            add(b.indicator, b.name, b.unit, None, f"baselines.{b.id}")
        return list(index.values())


Value.model_rebuild()
