"""The shapes shared by the data-quality rules: a Finding (one warning and the rows behind it) and a
QualityRule (id, Chinese text, check function), plus the small query helpers the rules use."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import pandas as pd

from ..store import Store


@dataclass
class Finding:
    rule: str
    level: str
    message: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class QualityRule:
    id: str
    text: str  # the rule in Chinese, for docs and messages
    check: Callable[[Store, set[int] | None], list[Finding]]
    repeats_import_warning: bool = False  # the import already warned about each cell (skipped after an import)


def df(store: Store, sql: str, params: list | None = None) -> pd.DataFrame:
    return store.con.execute(sql, params or []).fetch_df()


def years_clause(years: set[int] | None, col: str = "year") -> str:
    return "" if not years else f" AND {col} IN ({', '.join(str(int(y)) for y in sorted(years))})"


def num(x: Any) -> str:
    """A stored number as the user typed it: 12 not 12.0, 0.5 as 0.5."""
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:g}"


def opt_int(x: Any) -> int | None:
    return None if x is None or pd.isna(x) else int(x)
