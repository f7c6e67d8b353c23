"""The expression language of the command line: a string such as ``tanh(w*x + b)`` as Values.

The grammar, the only place it is written (``autograd-lite graph --help`` and the README point
here)::

    expr := NUMBER | NAME | expr OP expr | -expr | +expr | FUNC(expr) | (expr)
    OP   := +  -  *  /  **          (Python precedence: ** binds tightest, right to left)
    FUNC := exp log sqrt tanh sigmoid relu sin cos abs   (one positional argument)
    NAME := a variable, which needs a value (a Python identifier that is not a FUNC)

Anything else (attribute access, subscripts, strings, lambdas, comprehensions, keyword or
starred arguments, calls of any other name, ``//``, comparisons, an expression over
:data:`MAX_LENGTH` characters) is refused with a one-line :class:`ExpressionError` naming it.

Safety: the string is parsed with :mod:`ast`, which builds a tree and runs nothing; every node
is checked against the grammar; the checked tree is then computed by walking it ourselves. It
is never compiled to code nor handed to ``eval`` or ``exec``, so nothing in it can run. Both
walks use an explicit stack, so a deeply nested expression cannot exhaust the recursion limit.

Constants: a sub-expression of numbers only is folded in floats through the engine's checks,
so ``-2`` and ``1/2`` enter the graph as the constants -2 and 0.5, and ``9 ** 9 ** 9`` is the
engine's ``DomainError`` (it overflows a float), not a billion-digit integer.

Use :func:`evaluate`, or :func:`parse` once and :meth:`Expression.evaluate` at many points::

    out = evaluate("x*y + exp(x)", {"x": Value(2.0, "x"), "y": Value(3.0, "y")})
    out.backward()  # x.grad == 3 + e², y.grad == 2
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, cast

from autograd_lite.checks import clip, shown
from autograd_lite.value import Value, cos, exp, log, relu, sigmoid, sin, sqrt, tanh

#: The functions an expression may call, each of one positional argument.
FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "exp": exp,
    "log": log,
    "sqrt": sqrt,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "sin": sin,
    "cos": cos,
    "abs": abs,
}

#: Longer expressions are refused before parsing: the parser's time and memory stay small.
MAX_LENGTH = 10_000

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}

# What the refusal message calls each construct that is not in the grammar.
_NAMES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Slice: "slices",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.Starred: "starred arguments",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "conditional expressions",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}
_OPERATOR_SYMBOLS: dict[type[ast.AST], str] = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^ (write powers as **)",
    ast.BitAnd: "&",
    ast.Not: "not",
    ast.Invert: "~",
}


class ExpressionError(ValueError):
    """An expression the language does not accept; the message says what, in one short line.

    ``refused`` is True when a construct is outside the grammar, and ``unknown`` is the name of
    a variable that was given no value (None otherwise), so that a front end can add where the
    grammar and the values are given (the command line adds ``--help`` and ``--at``).
    """

    def __init__(self, message: str, *, refused: bool = False, unknown: str | None = None):
        super().__init__(message)
        self.refused = refused
        self.unknown = unknown


@dataclass(frozen=True)
class Expression:
    """An expression that passed the grammar: its ``source``, checked ``tree`` and the names
    of the ``variables`` it uses (function names excluded). Made by :func:`parse`."""

    source: str
    tree: ast.Expression
    variables: frozenset[str]

    def evaluate(self, values: Mapping[str, Value | float]) -> Value | float:
        """The expression computed on ``values``: a Value recording the graph, or a float if it
        uses no Value.

        Raises :class:`ExpressionError` for a variable missing from ``values`` or a function
        named without a call; the engine's errors pass through, such as ``DomainError`` (a
        ``ValueError``) for an op outside its domain or a result that overflows a float.
        A post-order walk with an explicit stack; constants are folded (module docstring).
        """
        results: list[Any] = []
        stack: list[tuple[ast.expr, bool]] = [(self.tree.body, False)]
        while stack:
            node, children_done = stack.pop()
            if isinstance(node, ast.Constant):
                results.append(float(cast(float, node.value)))  # checked: an int or a float
            elif isinstance(node, ast.Name):
                results.append(_lookup(node.id, values))
            elif not children_done:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(_operands(node)))
            elif isinstance(node, ast.BinOp):
                b = results.pop()
                a = results.pop()
                results.append(_fold(_BINARY[type(node.op)], a, b))
            elif isinstance(node, ast.UnaryOp):
                a = results.pop()
                results.append(_fold(lambda x: -x, a) if isinstance(node.op, ast.USub) else a)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                a = results.pop()
                results.append(_fold(FUNCTIONS[node.func.id], a))
            else:
                raise AssertionError(f"unchecked node {type(node).__name__}")  # parse refused it
        (result,) = results
        return result if isinstance(result, Value) else float(result)


def evaluate(source: str, values: Mapping[str, Value | float]) -> Value | float:
    """``parse(source).evaluate(values)``: the expression's Value at ``values``."""
    return parse(source).evaluate(values)


def parse(source: str) -> Expression:
    """``source`` as an :class:`Expression` if every node is in the grammar, else an
    :class:`ExpressionError` naming the first construct that is not (or why it cannot be
    parsed). Nothing is computed, so unknown variables are found by evaluating."""
    tree = _syntax_tree(source)
    variables: set[str] = set()
    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        _check(node, source)
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            variables.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return Expression(source, tree, frozenset(variables))


def _syntax_tree(source: str) -> ast.Expression:
    """``ast.parse`` in eval mode, every way it can fail said in one line."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(source):,} characters long; the limit is {MAX_LENGTH:,}"
        )
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"{clip(source)!r} is not a valid expression: {error.msg}") from None
    except (RecursionError, MemoryError):
        # CPython's parser gives up on deep trees (x+x+...+x, x**x**...**x, nested brackets)
        # with a RecursionError, or a MemoryError whose message is empty: say it ourselves.
        raise ExpressionError(
            "the expression cannot be parsed: it is nested too deeply for Python's parser "
            "(a chain of a few thousand operators or brackets); split it or use fewer terms"
        ) from None
    except (ValueError, OverflowError) as error:
        # An integer literal beyond Python's digit limit, or a null byte.
        reason = str(error) or type(error).__name__
        raise ExpressionError(f"the expression cannot be parsed: {reason}") from None


def _check(node: ast.AST, source: str) -> None:
    """Refuse ``node`` unless the grammar allows it (its children are checked separately)."""
    if isinstance(node, ast.Constant):
        _check_number(node, source)
    elif isinstance(node, ast.Name):
        if not isinstance(node.ctx, ast.Load):
            _refuse("assignments", node, source)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
            _refuse(f"the operator {symbol}", node, source)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
            _refuse(f"the operator {symbol}", node, source)
    elif isinstance(node, ast.Call):
        _check_call(node, source)
    elif isinstance(node, ast.operator | ast.unaryop | ast.expr_context):
        pass  # checked with their BinOp, UnaryOp or Name
    else:
        _refuse(_NAMES.get(type(node), type(node).__name__), node, source)


def _check_number(node: ast.Constant, source: str) -> None:
    """A constant must be an int or a float (not a bool) that fits in a float."""
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "strings" if isinstance(value, str | bytes) else f"{type(value).__name__}s"
        _refuse(kind, node, source)
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        _refuse("numbers too large for a float", node, source)


def _check_call(node: ast.Call, source: str) -> None:
    """A call must be of a FUNC by name, with one positional argument."""
    if not isinstance(node.func, ast.Name):
        _refuse("calls of anything but a function name", node, source)
    elif node.func.id not in FUNCTIONS:
        _refuse(
            f"calls of {node.func.id} (only {', '.join(FUNCTIONS)} may be called)", node, source
        )
    elif node.keywords:
        _refuse("keyword arguments", node.keywords[0], source)
    elif any(isinstance(a, ast.Starred) for a in node.args):
        _refuse("starred arguments", node, source)
    elif len(node.args) != 1:
        _refuse(f"{node.func.id} with {len(node.args)} arguments (it takes 1)", node, source)


def _refuse(what: str, node: ast.AST, source: str) -> NoReturn:
    segment = ast.get_source_segment(source, node)
    where = f" in {clip(segment)!r}" if segment else ""
    raise ExpressionError(f"not allowed: {what}{where}", refused=True)


def _lookup(name: str, values: Mapping[str, Value | float]) -> Value | float:
    """The value of the variable ``name``."""
    if name in FUNCTIONS:
        raise ExpressionError(f"{name} is a function: call it, as in {name}(x)")
    if name not in values:
        raise ExpressionError(f"unknown variable {shown(name)}", unknown=name)
    return values[name]


def _operands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    raise AssertionError(f"unchecked node {type(node).__name__}")  # parse refused it


def _fold(op: Callable[..., Any], *operands: Any) -> Any:
    """``op(*operands)``; on numbers only, computed through a Value so the engine checks it."""
    if any(isinstance(x, Value) for x in operands):
        return op(*operands)
    first, *rest = operands
    result = op(Value(first), *rest)
    return float(result.data if isinstance(result, Value) else result)
