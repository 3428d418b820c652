"""Load a plan YAML file into a `Plan`, with Chinese errors that name the file and line.

The YAML loader is a SafeLoader whose mappings and sequences remember where they start
(LineDict.line, LineDict.keylines, LineList.lines); a pydantic error location is walked back through
them to the nearest line. All problems of a file are reported together in one PlanError.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import PlanError
from .schema import Plan

DEFAULT_PLAN = "qiaokou-2021-2025.yaml"
# A plan is a few hundred KB of text (the shipped one about 90 KB); a file far larger is not a plan, and
# is refused before it is read into memory or stored with a binding.
MAX_PLAN_BYTES = 5 * 1024 * 1024


def default_plan_path() -> Path:
    """The shipped plan: 硚口区教育事业发展“十四·五”规划 (data/qiaokou-2021-2025.yaml)."""
    return Path(str(resources.files("eduplan.plan") / "data" / DEFAULT_PLAN))


def read_plan_text(path: str | os.PathLike[str]) -> str:
    """A plan file's UTF-8 text, at most MAX_PLAN_BYTES. Raises PlanError (Chinese) naming the file."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(MAX_PLAN_BYTES + 1)
    except FileNotFoundError:
        raise PlanError(f"找不到规划文件：{p}") from None
    except OSError as e:
        raise PlanError(f"无法读取规划文件 {p}：{e}") from None
    if len(data) > MAX_PLAN_BYTES:
        raise PlanError(f"规划文件 {p} 超过 {MAX_PLAN_BYTES // (1024 * 1024)} MB，不是规划文件（规划通常只有几百 KB）")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PlanError(f"无法读取规划文件 {p}：不是 UTF-8 编码的文本（第 {e.start + 1} 个字节）") from None


def load_plan(path: str | os.PathLike[str] | None = None) -> Plan:
    """Read and validate a plan file (None: the shipped default plan). Raises PlanError."""
    p = Path(path) if path is not None else default_plan_path()
    return parse_plan(read_plan_text(p), p.name)


def parse_plan(text: str, source_name: str = "<规划>") -> Plan:
    """Validate plan YAML text; `source_name` is the file name shown in messages."""
    data, problems = _read_yaml(text, source_name)
    if not isinstance(data, dict):
        raise PlanError(f"{source_name}：规划文件的顶层应为映射（键: 值），实际为 {type(data).__name__}")
    plan: Plan | None = None
    try:
        plan = Plan.model_validate(data)
    except ValidationError as e:
        problems += [_describe(err, data, source_name) for err in e.errors()]
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise PlanError(f"规划文件 {source_name} 不符合规划格式（{len(problems)} 处问题）：\n{lines}")
    assert plan is not None
    plan.set_source(source_name)
    return plan


# ---------------------------------------------------------------------------------------------------
# YAML with lines
# ---------------------------------------------------------------------------------------------------


class LineDict(dict):
    """A mapping that knows its first line and the line of each key (1-based)."""

    line: int
    keylines: dict[str, int]


class LineList(list):
    """A sequence that knows its first line and the line of each item (1-based)."""

    line: int
    lines: list[int]


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: the same YAML, ~10× faster


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    duplicates: list[tuple[str, int]]


def _refuse_aliases(text: str) -> None:
    """A plan never needs anchors and aliases; refusing them before composing bounds the work (no
    “billion laughs”). A scan of the parser's events (libyaml when installed)."""
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "规划文件不使用锚点和别名（*引用）", event.start_mark)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.keylines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(None, None, "键必须是文本或数字", key_node.start_mark)
        k = str(key)
        if k in out:
            loader.duplicates.append((k, key_node.start_mark.line + 1))
        out[k] = loader.construct_object(value_node, deep=True)
        out.keylines[k] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _read_yaml(text: str, source_name: str) -> tuple[Any, list[str]]:
    loader = _LineLoader(text)
    loader.duplicates = []
    try:
        _refuse_aliases(text)
        data = loader.get_single_data()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{source_name} 第 {mark.line + 1} 行" if mark is not None else source_name
        problem = getattr(e, "problem", None) or str(e)
        raise PlanError(f"{where}：YAML 语法错误：{problem}") from None
    finally:
        loader.dispose()
    problems = [f"{source_name} 第 {line} 行：键“{k}”重复出现" for k, line in loader.duplicates]
    return data, problems


# ---------------------------------------------------------------------------------------------------
# Pydantic errors → Chinese, with lines
# ---------------------------------------------------------------------------------------------------

_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段（拼写错误？）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "string_type": "应为文本",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "model_attributes_type": "应为映射（键: 值）",
}


def _describe(err: dict[str, Any], data: Any, source_name: str) -> str:
    loc = tuple(err.get("loc", ()))
    line = _line_for(data, loc)
    path = _path_text(loc)
    etype = err.get("type", "")
    if etype == "literal_error":
        msg = f"取值应为 {err.get('ctx', {}).get('expected', '')}"
    elif etype in ("value_error", "assertion_error"):
        msg = str(err.get("ctx", {}).get("error", err.get("msg", "")))
    else:
        msg = _MESSAGES.get(etype, err.get("msg", "格式错误"))
    inp = err.get("input")
    if etype not in ("missing",) and isinstance(inp, (str, int, float)) and len(str(inp)) <= 40:
        msg += f"（当前值：{inp!r}）"
    where = f"{source_name} 第 {line} 行" if line else source_name
    return f"{where}：{path}：{msg}" if path else f"{where}：{msg}"


def _line_for(data: Any, loc: tuple) -> int | None:
    """Walk the raw YAML data along a pydantic location; return the deepest known line."""
    cur, line = data, getattr(data, "line", None)
    for part in loc:
        if isinstance(cur, LineDict) and isinstance(part, str) and part in cur:
            line = cur.keylines.get(part, line)
            cur = cur[part]
        elif isinstance(cur, LineList) and isinstance(part, int) and 0 <= part < len(cur):
            line = cur.lines[part]
            cur = cur[part]
        else:
            continue  # union/validator tags in the location
        if isinstance(cur, LineDict):
            line = cur.line
    return line


def _path_text(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and not part.startswith(("function-", "[")) and part not in ("__line__",):
            out += f".{part}" if out else part
    return out
