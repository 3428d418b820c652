"""A tiny, safe expression language for declarations, compiled to Ibis expressions.

Declarations (definitions.yaml) write column arithmetic and filters as Python-like text:
    "q_postgrad + q_bachelor"            "level == '学前'"
    "level in ('高中', '中职')"            "smart_rooms > 0 and k12"
Only column names, numbers, strings, tuples, + - * /, comparisons, `in` / `not in`, and / or / not are
allowed; anything else is a DefinitionError naming the text. No eval: the text is parsed with `ast`
and walked, so a declaration can never run code.
"""

from __future__ import annotations

import ast
import operator
from typing import Any

from ..errors import EduplanError


class DefinitionError(EduplanError):
    """An indicator declaration that cannot be used."""


_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge}


def columns_of(text: str) -> set[str]:
    """The column names an expression uses."""
    return {n.id for n in ast.walk(_parse(text)) if isinstance(n, ast.Name)}


def _parse(text: str) -> ast.AST:
    try:
        return ast.parse(text, mode="eval").body
    except SyntaxError as e:
        raise DefinitionError(f"表达式“{text}”无法解析：{e.msg}") from None


def compile_expr(text: str, table: Any) -> Any:
    """Compile `text` against an Ibis table (columns by name)."""
    return _walk(_parse(text), table, text)


def _walk(node: ast.AST, t: Any, text: str) -> Any:
    if isinstance(node, ast.Name):
        if node.id not in t.columns:
            raise DefinitionError(f"表达式“{text}”引用了不存在的列“{node.id}”（可用：{', '.join(t.columns)}）")
        return t[node.id]
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        return [_walk(e, t, text) for e in node.elts]
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        return _BIN[type(node.op)](_walk(node.left, t, text), _walk(node.right, t, text))
    if isinstance(node, ast.UnaryOp):
        v = _walk(node.operand, t, text)
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.Not):
            return ~v
    if isinstance(node, ast.BoolOp):
        vals = [_walk(v, t, text) for v in node.values]
        out = vals[0]
        for v in vals[1:]:
            out = (out & v) if isinstance(node.op, ast.And) else (out | v)
        return out
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, right = _walk(node.left, t, text), _walk(node.comparators[0], t, text)
        op = node.ops[0]
        if isinstance(op, ast.In):
            return left.isin(right)
        if isinstance(op, ast.NotIn):
            return ~left.isin(right)
        if type(op) in _CMP:
            return _CMP[type(op)](left, right)
    raise DefinitionError(f"表达式“{text}”含有不支持的写法：{ast.dump(node)[:60]}")


def eval_number(text: str | float | int) -> float:
    """A constant arithmetic expression such as "1/19" (used for coefficients)."""
    if isinstance(text, (int, float)):
        return float(text)
    node = _parse(str(text))

    def num(n: ast.AST) -> float:
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)):
            return float(n.value)
        if isinstance(n, ast.BinOp) and type(n.op) in _BIN:
            return _BIN[type(n.op)](num(n.left), num(n.right))
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return -num(n.operand)
        raise DefinitionError(f"系数“{text}”应为常数算式")

    return num(node)
