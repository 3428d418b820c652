"""The building blocks of the data model: a Field (one column), a Rule (one cross-field check) and a
Table (one source table = one fill-in template = one store table).

Each carries its Chinese label, unit and validity rule, so that templates, import validation, the
store schema and docs/data-model.md are all derived from the same declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from .codes import CodeList

FieldType = Literal["int", "float", "str", "code", "year"]

SQL_TYPES = {"int": "BIGINT", "float": "DOUBLE", "str": "VARCHAR", "code": "VARCHAR", "year": "INTEGER"}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: FieldType
    unit: str = ""
    required: bool = True
    key: bool = False
    min: float | None = None
    max: float | None = None
    codes: CodeList | None = None
    pattern: str | None = None
    pattern_hint: str = ""
    description: str = ""
    example: Any = None
    default: Any = None  # value stored when an optional cell is blank

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
        elif self.type == "code" and self.codes is not None:
            parts.append(f"取值于代码表“{self.codes.label}”")
        if self.min is not None and self.max is not None:
            parts.append(f"{_fmt(self.min)}–{_fmt(self.max)}")
        elif self.min is not None:
            parts.append(f"≥{_fmt(self.min)}")
        elif self.max is not None:
            parts.append(f"≤{_fmt(self.max)}")
        if self.pattern_hint:
            parts.append(self.pattern_hint)
        return "，".join(parts)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class Rule:
    """A cross-field rule on one row. `check(row)` gets parsed values (None for blank) and returns
    True when the row satisfies it; rows where an input is blank are not judged."""

    id: str
    text: str  # Chinese statement of the rule, shown in errors and docs
    columns: tuple[str, ...]  # fields involved; the first is where the error is reported
    check: Callable[[dict[str, Any]], bool]
    level: Literal["error", "warning"] = "error"

    def applies(self, row: dict[str, Any]) -> bool:
        return all(row.get(c) is not None for c in self.columns)


def sum_equals(total: str, parts: tuple[str, ...], labels: dict[str, str], rid: str) -> Rule:
    text = f"{'＋'.join(labels[p] for p in parts)} 应等于 {labels[total]}"
    return Rule(rid, text, (total, *parts), lambda r: sum(r[p] for p in parts) == r[total])


def sum_at_most(total: str, parts: tuple[str, ...], labels: dict[str, str], rid: str) -> Rule:
    text = f"{'＋'.join(labels[p] for p in parts)} 不得超过 {labels[total]}"
    return Rule(rid, text, (*parts, total), lambda r: sum(r[p] for p in parts) <= r[total])


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
