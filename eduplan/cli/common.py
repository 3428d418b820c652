"""Options and output helpers shared by every CLI command.

Conventions: every command takes --db (env EDUPLAN_DB); every reporting command takes
--format table|json, and with json prints exactly one JSON document on stdout (progress bars and
notes go to stderr). Library errors (EduplanError) become a short Chinese message and exit code 1.

Text from users' files (file, sheet and school names, cell values, messages quoting them) is printed
only through `safe()`: control characters (ESC sequences, C0/C1, bidi overrides) are removed and rich
markup is escaped, so a cell can neither drive the terminal nor be read as markup; the consoles never
turn `:x:` into an emoji nor colour numbers by guesswork.
"""

from __future__ import annotations

import enum
import functools
import json
import re
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import EduplanError, os_error_text

# The everyday store (the bureau's data) and the demo's own store are different files, so that the demo
# can never touch real data by default.
DEFAULT_DB = Path("eduplan.duckdb")
DEMO_DB = Path("out/demo.duckdb")

# emoji=False: ":x:" in a school name stays ":x:"; highlight=False: no guessed colours on user text
out = Console(soft_wrap=True, emoji=False, highlight=False)  # stdout: the report itself
err = Console(stderr=True, emoji=False, highlight=False)  # stderr: progress, notes, errors

# ESC sequences (CSI, OSC, and two-character ones), then any other C0/C1 control character and the
# bidirectional overrides that can make a terminal line read differently from its bytes
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]")
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: object) -> str:
    """User text without control characters: ESC sequences, C0/C1 and bidi overrides are removed, a tab
    becomes a space; line feeds stay (multi-line messages)."""
    s = "" if text is None else str(text)
    s = _ANSI.sub("", s)
    s = s.replace("\t", " ")
    return _CONTROL.sub("", s)


def safe(text: object) -> str:
    """User text to embed in rich markup (a message, a table cell): `clean` plus escaped markup."""
    return escape(clean(text))


class Format(str, enum.Enum):
    table = "table"
    json = "json"


DbOption = Annotated[
    Path,
    typer.Option("--db", envvar="EDUPLAN_DB", help="DuckDB 数据库文件（默认 当前目录下的 eduplan.duckdb；环境变量 EDUPLAN_DB）"),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="输出格式：table 或 json")]
# The district a command works on and the plan it judges by (eduplan.plan.scope resolves both).
DistrictOption = Annotated[
    Optional[str],
    typer.Option("--district", envvar="EDUPLAN_DISTRICT",
                 help="区：行政区划代码或名称（库中只有一个区时可省略；环境变量 EDUPLAN_DISTRICT）"),
]
PlanOption = Annotated[
    Optional[Path],
    typer.Option("--plan", envvar="EDUPLAN_PLAN",
                 help="规划文件（YAML），代替库中为该区绑定的规划（eduplan plan use）；环境变量 EDUPLAN_PLAN"),
]
YearOption = Annotated[
    Optional[int],
    typer.Option("--year", help="统计年度（默认：库中有数据的最近年度，并提示所用年度）"),
]


def num(v: Any, digits: int = 2) -> str:
    """A number for a table cell: thousands separators, fixed decimals, “—” for no data (None or NaN)."""
    if v is None or v != v:
        return "—"
    return f"{v:,.{digits}f}"


def emit_json(doc: Any) -> None:
    """Print one JSON document on stdout (UTF-8, Chinese kept readable)."""
    # allow_nan=False: NaN is not JSON; a value without data must be null. json escapes C0 controls;
    # C1 controls and bidi overrides (which occur only inside strings) are escaped here, so user text in
    # the document cannot drive a terminal it is printed to
    text = json.dumps(_clean(doc), ensure_ascii=False, indent=2, default=_json_default, allow_nan=False)
    sys.stdout.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))
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
            err.print(f"[bold red]错误：[/]{safe(e)}")
            raise typer.Exit(1)
        except OSError as e:  # a file the command reads or writes: say why in Chinese
            where = f"“{e.filename}”" if getattr(e, "filename", None) else ""
            err.print(f"[bold red]错误：[/]{safe(os_error_text(e, f'读写文件{where}'))}")
            raise typer.Exit(1)
        except KeyboardInterrupt:
            err.print("已中断。")
            raise typer.Exit(130)

    return wrapper
