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


class OutFormat(str, enum.Enum):
    """The formats of a command that also writes a workbook."""

    table = "table"
    json = "json"
    xlsx = "xlsx"


OutFormatOption = Annotated[OutFormat, typer.Option("--format", "-f", help="输出格式：table、json 或 xlsx")]


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
SettingsOption = Annotated[
    Optional[Path],
    typer.Option("--settings", envvar="EDUPLAN_SETTINGS", help="设置文件（YAML），覆盖方法默认值；见 docs/settings.md"),
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


ISSUES_SHOWN = 1000  # problems printed in the terminal; --format json has them all


def print_issues(errors: list, warnings: list, heading: str) -> None:
    """The problems of an import or a submission, errors first, each with file, sheet, row, column, value and rule
    (Issue.text()): “导入检查：2 个错误，1 个警告” and one line each, the first ISSUES_SHOWN of them."""
    shown = errors + warnings
    if not shown:
        return
    out.print(f"[bold]{heading}：{len(errors)} 个错误，{len(warnings)} 个警告[/]")
    for i in shown[:ISSUES_SHOWN]:
        mark = "[red]✗ 错误[/]" if i.level == "error" else "[yellow]! 警告[/]"
        out.print(f"{mark} {safe(i.text())}")
    if len(shown) > ISSUES_SHOWN:
        out.print(f"……另有 {len(shown) - ISSUES_SHOWN} 条未显示；用 --format json 查看全部")


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


# ------------------------------------------------------------------ the framework's own words, in Chinese

# Typer (with its vendored click) writes its help frame and its usage errors in English. These are its
# words in Chinese; `use_chinese_framework()` puts them in place once, before any help or error is shown.
FRAMEWORK_WORDS = {
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEPRECATED_STRING": "（已弃用）",
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "ABORTED_TEXT": "已中止。",
    "RICH_HELP": "运行 [blue]{command_path} {help_option}[/] 查看帮助。",
}
HELP_OPTION_TEXT = "显示本帮助并退出。"
USAGE_PREFIX = "用法： "  # a space before the command, as a terminal user copies it
# gettext-style phrases typer.core translates at call time
_PHRASES = {
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "Arguments": "参数",
    "Options": "选项",
    "Commands": "命令",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令“{name}”。",
    "Aborted!": "已中止。",
}
_TYPE_LABELS = {"int": "整数", "float": "数", "str": "文本", "path": "路径", "file": "文件", "dir": "目录",
                "datetime": "日期时间", "bool": "是/否"}
# an English usage error, as click/typer word it → the same in Chinese (the first pattern that matches)
_ERRORS: list[tuple[re.Pattern, str]] = [(re.compile(p, re.S), r) for p, r in (
    (r"^No such command '(.*?)'\.? ?Did you mean (.*)\?$", r"没有命令“\1”。是否想用：\2？"),
    (r"^(没有命令“.*?”)。?\. Did you mean (.*)\?$", r"\1。是否想用：\2？"),
    (r"^No such command '(.*?)'\.$", r"没有命令“\1”。"),
    (r"^No such option: (\S+) \(Possible options: (.*)\)$", r"没有选项 \1（是否想用：\2）"),
    (r"^No such option: (\S+)$", r"没有选项 \1"),
    (r"^Option '(.*?)' requires an argument\.$", r"选项 \1 后面需要一个值。"),
    (r"^Option '(.*?)' requires (\d+) arguments\.$", r"选项 \1 后面需要 \2 个值。"),
    (r"^Option '(.*?)' does not take a value\.$", r"选项 \1 不接受值。"),
    (r"^Argument '(.*?)' takes (\d+) values\.$", r"参数 \1 需要 \2 个值。"),
    (r"^Got unexpected extra argument\(s\) \((.*)\)$", r"多余的参数：\1"),
    (r"^Missing argument '?(.*?)'?\.(?: (.*))?$", r"缺少参数 \1。\2"),
    (r"^Missing option '?(.*?)'?\.(?: (.*))?$", r"缺少选项 \1。\2"),
    (r"^Missing parameter: (.*)$", r"缺少参数 \1"),
    (r"^Missing command\.$", "缺少命令。"),
    (r"^Could not open file '(.*?)': (.*)$", r"无法打开文件“\1”：\2"),
)]
# the reason inside an "Invalid value" message
_REASONS: list[tuple[re.Pattern, str]] = [(re.compile(p, re.S), r) for p, r in (
    (r"^(.*) is not one of (.*)\.$", r"\1 不是可选的值（可选：\2）"),
    (r"^Value (.*) is not a valid (\w+)\.$", r"\1 不是有效的\2"),
    (r"^Input should be a valid integer.*$", "应为整数"),
    (r"^Input should be a valid number.*$", "应为数字"),
    (r"^Input should be a valid boolean.*$", "应为 true 或 false"),
    (r"^Input should be a valid date.*$", "应为日期（如 2025-09-01）"),
    (r"^Input should be (.*)$", r"应为 \1"),
    (r"^Value must be an iterable\.$", "应为一组值"),
)]


def _reason(text: str) -> str:
    text = text.strip().removeprefix("Value error, ")
    for pattern, repl in _REASONS:
        if pattern.match(text):
            return pattern.sub(repl, text)
    return text


def chinese_error(message: str) -> str:
    """A usage error of the framework, in Chinese (unchanged when it is already ours)."""
    msg = str(message).strip()
    m = re.match(r"^Invalid value for '?(.*?)'?: (.*)$", msg, re.S)
    if m:
        return f"{m.group(1)} 的值无效：{_reason(m.group(2))}"
    m = re.match(r"^Invalid value: (.*)$", msg, re.S)
    if m:
        return f"值无效：{_reason(m.group(1))}"
    for pattern, repl in _ERRORS:
        if pattern.match(msg):
            return pattern.sub(repl, msg).strip()
    return msg


_installed = False


def _rich_utils():
    """typer.rich_utils without importing rich.markdown (markdown-it: about half of its import time). eduplan's
    help is rich markup, never Markdown; should anything still ask rich_utils for a Markdown, the stand-in
    builds the real one."""
    if "typer.rich_utils" in sys.modules or "rich.markdown" in sys.modules:
        from typer import rich_utils

        return rich_utils
    import types

    class Markdown:  # the stand-in rich_utils binds at import
        def __new__(cls, *args, **kwargs):
            import importlib

            if sys.modules.get("rich.markdown") is stub:
                del sys.modules["rich.markdown"]
            return importlib.import_module("rich.markdown").Markdown(*args, **kwargs)

    stub = types.ModuleType("rich.markdown")
    stub.Markdown = Markdown
    sys.modules["rich.markdown"] = stub
    try:
        from typer import rich_utils
    finally:
        if sys.modules.get("rich.markdown") is stub:
            del sys.modules["rich.markdown"]  # a later `import rich.markdown` gets the real module
    return rich_utils


def use_chinese_framework() -> None:
    """Put the framework's own words (help frame, usage line, usage errors) in Chinese, once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    import typer.core as tcore
    from typer import _click
    from typer._click import decorators, formatting

    rich_utils = _rich_utils()

    for name, text in FRAMEWORK_WORDS.items():
        setattr(rich_utils, name, text)
    rich_utils.OptionHighlighter.highlights = [*rich_utils.OptionHighlighter.highlights, r"(?P<usage>用法：)"]
    tcore._ = lambda s: _PHRASES.get(s, s)

    make_help = decorators.help_option

    def help_option(param_decls):
        add = make_help(param_decls)

        def decorator(cmd):
            cmd = add(cmd)
            cmd.params[-1].help = HELP_OPTION_TEXT
            return cmd

        return decorator

    decorators.help_option = help_option

    write_usage = formatting.HelpFormatter.write_usage

    def chinese_usage(self, prog, args="", prefix=None):
        args = args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
        return write_usage(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = chinese_usage

    display_type = tcore._TyperParameter.display_type

    def chinese_type(self, ctx):
        if getattr(self, "is_flag", False):
            return None  # a switch takes no value: no “<bool>” beside it
        label = display_type(self, ctx)
        inner = label[1:-1] if label.startswith("<") and label.endswith(">") else None
        if inner is None:
            return label
        if inner.startswith("list[") and inner.endswith("]"):
            inner = inner[5:-1]
            return f"<{_TYPE_LABELS.get(inner, inner)}…>"
        return f"<{_TYPE_LABELS.get(inner, inner)}>"

    tcore._TyperParameter.display_type = chinese_type

    from typer.exceptions import TyperException

    for cls in (TyperException, _click.exceptions.BadParameter,
                _click.exceptions.MissingParameter, _click.exceptions.NoSuchOption, _click.exceptions.FileError):
        orig = cls.__dict__.get("format_message")
        if orig is not None:
            cls.format_message = (lambda o: lambda self: chinese_error(o(self)))(orig)
