"""The building blocks of the data model: a Field (one column), a Rule (one cross-field check) and a
Table (one source table = one fill-in template = one store table).

Each carries its Chinese label, unit and validity rule, so that templates, import validation, the
store schema and docs/data-model.md are all derived from the same declaration. A numeric field has
hard bounds (`min`/`max`: a value outside is impossible and refused at import) and soft bounds
(`soft_min`/`soft_max`: a value outside is implausible, imported with a warning and listed by
`eduplan quality`), with the reason for the numbers in `bounds_note`. A date field's min/max are years.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from .codes import CodeList

FieldType = Literal["int", "float", "str", "code", "year", "date"]

# a date is stored as the text the user sees, normalised to 'YYYY-MM-DD' or 'YYYY-MM'
SQL_TYPES = {"int": "BIGINT", "float": "DOUBLE", "str": "VARCHAR", "code": "VARCHAR", "year": "INTEGER",
             "date": "VARCHAR"}
NUMERIC_TYPES = ("int", "float", "year")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: FieldType
    unit: str = ""
    required: bool = True
    key: bool = False
    min: float | None = None  # hard bounds: outside is impossible (import error); years for a date
    max: float | None = None
    soft_min: float | None = None  # soft bounds: outside is implausible (import warning, eduplan quality)
    soft_max: float | None = None
    bounds_note: str = ""  # why these numbers, in Chinese (docs/data-model.md)
    codes: CodeList | None = None
    pattern: str | None = None
    pattern_hint: str = ""
    description: str = ""
    example: Any = None
    default: Any = None  # never used for a blank cell: a blank optional cell is stored as NULL (missing)

    @property
    def header(self) -> str:
        """The template header: label plus unit, e.g. 教学及辅助用房面积（平方米）."""
        return f"{self.label}（{self.unit}）" if self.unit else self.label

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    def rule_text(self) -> str:
        """The validity rule in Chinese, for docs and error messages."""
        parts: list[str] = []
        parts.append("必填" if self.required else "可空")
        if self.type == "int":
            parts.append("整数")
        elif self.type == "float":
            parts.append("数值")
        elif self.type == "year":
            parts.append("四位年份")
        elif self.type == "date":
            parts.append(f"日期 {self.pattern_hint}" if self.pattern_hint else "日期 YYYY-MM-DD 或 YYYY-MM")
        elif self.type == "code" and self.codes is not None:
            parts.append(f"取值于代码表“{self.codes.label}”")
        bounds = _range(self.min, self.max)
        if bounds:
            parts.append(f"{bounds} 年" if self.type == "date" else bounds)
        if self.pattern_hint and self.type != "date":
            parts.append(self.pattern_hint)
        return "，".join(parts)

    def hard_text(self) -> str:
        """The hard bounds in words, e.g. "0–10000" (empty when the field has none)."""
        return _range(self.min, self.max)

    def soft_text(self) -> str:
        """The plausible range in words, e.g. "≤2500" (empty when the field has none)."""
        return _range(self.soft_min, self.soft_max)

    def implausible(self, x: Any) -> bool:
        """True when a (valid) value lies outside the soft bounds."""
        if x is None or self.type not in NUMERIC_TYPES:
            return False
        return (self.soft_min is not None and x < self.soft_min) or (self.soft_max is not None and x > self.soft_max)

    def plausible_rule(self) -> str:
        """The soft bounds as a sentence for warnings, e.g. "通常在 0–2500 之间：<reason>"."""
        text = self.soft_text()
        if not text:
            return ""
        return f"通常{'在 ' + text + ' 之间' if '–' in text else ' ' + text}" + (f"（{self.bounds_note}）" if self.bounds_note else "")


def _range(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{_fmt(lo)}–{_fmt(hi)}"
    if lo is not None:
        return f"≥{_fmt(lo)}"
    if hi is not None:
        return f"≤{_fmt(hi)}"
    return ""


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class Rule:
    """A cross-field rule on one row. `check(row)` gets parsed values (None for blank: missing) and
    returns True when the row satisfies it. A row is judged only when every field in `needs` (default:
    all `columns`) is filled; a rule whose `needs` is narrower handles the missing ones itself (e.g. a
    sum of parts ≤ a total is checked on the parts that are filled)."""

    id: str
    text: str  # Chinese statement of the rule, shown in errors and docs
    columns: tuple[str, ...]  # fields involved; the first is where the error is reported
    check: Callable[[dict[str, Any]], bool]
    level: Literal["error", "warning"] = "error"
    needs: tuple[str, ...] | None = None

    def applies(self, row: dict[str, Any]) -> bool:
        return all(row.get(c) is not None for c in (self.columns if self.needs is None else self.needs))


def sum_equals(total: str, parts: tuple[str, ...], labels: dict[str, str], rid: str) -> Rule:
    text = f"{'＋'.join(labels[p] for p in parts)} 应等于 {labels[total]}"
    return Rule(rid, text, (total, *parts), lambda r: sum(r[p] for p in parts) == r[total])


def sum_at_most(total: str, parts: tuple[str, ...], labels: dict[str, str], rid: str) -> Rule:
    """Σ parts ≤ total; parts left blank (missing) are left out, since the filled ones alone must fit."""
    text = f"{'＋'.join(labels[p] for p in parts)} 不得超过 {labels[total]}（空白的项不计）"
    return Rule(rid, text, (*parts, total),
                lambda r: sum(r[p] for p in parts if r.get(p) is not None) <= r[total], needs=(total,))


def at_most(small: str, big: str, labels: dict[str, str], rid: str) -> Rule:
    return Rule(rid, f"{labels[small]} 不得超过 {labels[big]}", (small, big), lambda r: r[small] <= r[big])


@dataclass(frozen=True)
class Table:
    name: str
    label: str
    description: str
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    grain: str = ""
    references: tuple[tuple[str, str, str], ...] = ()  # (column, table, column) must exist
    example_note: str = ""
    _by_name: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for f in self.fields:
            self._by_name[f.name] = f

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.key)

    def field(self, name: str) -> Field:
        return self._by_name[name]

    @property
    def labels(self) -> dict[str, str]:
        return {f.name: f.label for f in self.fields}

    @property
    def required(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)
