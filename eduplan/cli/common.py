"""Options and output helpers shared by every CLI command.

Conventions: every command takes --db (env EDUPLAN_DB); every reporting command takes
--format table|json, and with json prints exactly one JSON document on stdout (progress bars and
notes go to stderr). Library errors (EduplanError) become a short Chinese message and exit code 1.
"""

from __future__ import annotations

import enum
import functools
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Callable

import typer
from rich.console import Console

from ..errors import EduplanError

DEFAULT_DB = Path("out/eduplan.duckdb")

out = Console(soft_wrap=True)  # stdout: the report itself
err = Console(stderr=True)  # stderr: progress, notes, errors


class Format(str, enum.Enum):
    table = "table"
    json = "json"


DbOption = Annotated[
    Path,
    typer.Option("--db", envvar="EDUPLAN_DB", help="DuckDB 数据库文件（默认 out/eduplan.duckdb；环境变量 EDUPLAN_DB）"),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="输出格式：table 或 json")]


def num(v: Any, digits: int = 2) -> str:
    """A number for a table cell: thousands separators, fixed decimals, “—” for no data (None or NaN)."""
    if v is None or v != v:
        return "—"
    return f"{v:,.{digits}f}"


def emit_json(doc: Any) -> None:
    """Print one JSON document on stdout (UTF-8, Chinese kept readable)."""
    # allow_nan=False: NaN is not JSON; a value without data must be null
    sys.stdout.write(json.dumps(_clean(doc), ensure_ascii=False, indent=2, default=_json_default, allow_nan=False))
    sys.stdout.write("\n")
    sys.stdout.flush()


def _clean(o: Any) -> Any:
    """NaN / infinity → None, recursively (pandas and numpy produce them for missing values)."""
    if isinstance(o, float):
        return None if o != o or o in (float("inf"), float("-inf")) else o
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if hasattr(o, "item") and not isinstance(o, (str, bytes)):
        try:
            return _clean(o.item())
        except (TypeError, ValueError):
            return o
    return o


def _json_default(o: Any) -> Any:
    if hasattr(o, "isoformat"):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def handle_errors(fn: Callable) -> Callable:
    """Turn library errors into a Chinese message on stderr and exit code 1 — never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except EduplanError as e:
            err.print(f"[bold red]错误：[/]{e}")
            raise typer.Exit(1)
        except KeyboardInterrupt:
            err.print("已中断。")
            raise typer.Exit(130)

    return wrapper
