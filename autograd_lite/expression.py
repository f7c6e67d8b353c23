"""The expression language of the command line: a string such as ``tanh(w*x + b)`` as Values.

The grammar, the only place it is written (``autograd-lite graph --help`` and the command line's
reference page point here)::

    expr  := NUMBER | CONST | NAME | expr OP expr | -expr | +expr | (expr)
           | FUNC(expr) | MANY(expr, expr, ...)
    OP    := +  -  *  /  **  ^      (Python precedence: a power binds tightest, right to left)
    FUNC  := exp log sqrt tanh sigmoid relu sin cos abs softplus log1p expm1   (one argument)
    MANY  := max min                (two or more arguments)
    CONST := pi e                   (π and Euler's number, as floats)
    NAME  := a variable, which needs a value (a Python identifier that is none of the above)

``^`` is the power, as the graph pictures and ``explain`` write it: ``x^2`` is ``x**2`` (not
Python's exclusive or), and ``-x^2`` is ``-(x^2)``, as in mathematics. ``max(a, b, ...)`` is the
engine's one ``max`` node (:func:`~autograd_lite.value.maximum`: its gradient goes to the first
operand that attains the maximum), and ``min(a, b, ...)`` is −max(−a, −b, ...), built from the
same ``max`` and negation rules, so its gradient goes to the first operand that attains the
minimum. Each function is the engine's own op of that name: the language adds no derivative.

Anything else (attribute access, subscripts, strings, lambdas, comprehensions, keyword or
starred arguments, calls of any other name, ``//``, comparisons, an expression over
:data:`MAX_LENGTH` characters) is refused with a one-line :class:`ExpressionError` naming it.

Safety: the string is parsed with :mod:`ast`, which builds a tree and runs nothing (each ``^``
written ``**`` first, by :mod:`tokenize`, which only splits the text); every node
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
import io
import math
import tokenize
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, cast

from autograd_lite.checks import clip, shown
from autograd_lite.value import (
    Value,
    cos,
    exp,
    expm1,
    log,
    log1p,
    maximum,
    relu,
    sigmoid,
    sin,
    softplus,
    sqrt,
    tanh,
)

#: The functions an expression may call with one positional argument.
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
    "softplus": softplus,
    "log1p": log1p,
    "expm1": expm1,
}


def _max(*operands: Any) -> Any:
    """max(a, b, ...): one ``max`` node of the engine."""
    return maximum(operands)


def _min(*operands: Any) -> Any:
    """min(a, b, ...) = −max(−a, −b, ...): the ``max`` and ``neg`` rules, nothing new."""
    return -maximum([-a for a in operands])


#: The functions an expression may call with two or more positional arguments.
MANY: dict[str, Callable[..., Any]] = {"max": _max, "min": _min}

#: The named constants.
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

#: Every name with a meaning of its own, which a variable cannot take.
RESERVED = frozenset([*FUNCTIONS, *MANY, *CONSTANTS])

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
    ast.BitXor: "^",
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
    of the ``variables`` it uses (function and constant names excluded). Made by :func:`parse`."""

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
                operands = results[-len(node.args) :]
                del results[-len(node.args) :]
                function = FUNCTIONS.get(node.func.id) or MANY[node.func.id]
                results.append(_fold(function, *operands))
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
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(source):,} characters long; the limit is {MAX_LENGTH:,}"
        )
    text = _Text.of(source)
    tree = _syntax_tree(text)
    variables: set[str] = set()
    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        _check(node, text)
        if isinstance(node, ast.Name) and node.id not in RESERVED:
            variables.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return Expression(source, tree, frozenset(variables))


@dataclass(frozen=True)
class _Text:
    """An expression as typed (its line ends made ``\\n``), and as parsed: each ``^`` operator
    written ``**``; ``carets`` holds the columns of those ``^`` in each typed line."""

    typed: str
    parsed: str
    carets: dict[int, tuple[int, ...]]

    @classmethod
    def of(cls, source: str) -> _Text:
        typed = source.replace("\r\n", "\n").replace("\r", "\n")  # lines as ast counts them
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(typed).readline))
        except (tokenize.TokenError, SyntaxError, ValueError):
            return cls(typed, typed, {})  # not an expression: ast.parse says why
        carets: dict[int, list[int]] = {}
        for token in tokens:
            if token.type == tokenize.OP and token.string == "^":
                carets.setdefault(token.start[0], []).append(token.start[1])
        lines = typed.split("\n")
        for row, columns in carets.items():
            for column in reversed(columns):
                line = lines[row - 1]
                lines[row - 1] = f"{line[:column]}**{line[column + 1 :]}"
        return cls(typed, "\n".join(lines), {row: tuple(c) for row, c in carets.items()})

    def segment(self, node: ast.AST) -> str | None:
        """The typed text of ``node`` of the parsed tree (None if it has no position)."""
        fields = ("lineno", "col_offset", "end_lineno", "end_col_offset")
        position = [getattr(node, field, None) for field in fields]
        if not self.carets or None in position:
            return ast.get_source_segment(self.typed, node)
        row, start, end_row, end = cast(list[int], position)
        lines = self.typed.split("\n")
        start, end = self._column(row, start), self._column(end_row, end)
        if row == end_row:
            return lines[row - 1][start:end]
        return "\n".join(
            [lines[row - 1][start:], *lines[row : end_row - 1], lines[end_row - 1][:end]]
        )

    def _column(self, row: int, byte: int) -> int:
        """The typed column of the parsed text's line ``row`` at UTF-8 offset ``byte`` (ast's
        positions): each ``**`` written for a ``^`` before it is one character more."""
        line = self.parsed.split("\n")[row - 1]
        column = len(line.encode()[:byte].decode(errors="ignore"))
        carets = self.carets.get(row, ())
        return column - sum(1 for i, c in enumerate(carets) if c + i + 2 <= column)


def _syntax_tree(text: _Text) -> ast.Expression:
    """``ast.parse`` in eval mode, every way it can fail said in one line."""
    source = text.typed
    try:
        return ast.parse(text.parsed, mode="eval")
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


def _check(node: ast.AST, text: _Text) -> None:
    """Refuse ``node`` unless the grammar allows it (its children are checked separately)."""
    if isinstance(node, ast.Constant):
        _check_number(node, text)
    elif isinstance(node, ast.Name):
        if not isinstance(node.ctx, ast.Load):
            _refuse("assignments", node, text)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
            _refuse(f"the operator {symbol}", node, text)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            symbol = _OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
            _refuse(f"the operator {symbol}", node, text)
    elif isinstance(node, ast.Call):
        _check_call(node, text)
    elif isinstance(node, ast.operator | ast.unaryop | ast.expr_context):
        pass  # checked with their BinOp, UnaryOp or Name
    else:
        _refuse(_NAMES.get(type(node), type(node).__name__), node, text)


def _check_number(node: ast.Constant, text: _Text) -> None:
    """A constant must be an int or a float (not a bool) that fits in a float."""
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "strings" if isinstance(value, str | bytes) else f"{type(value).__name__}s"
        _refuse(kind, node, text)
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        _refuse("numbers too large for a float", node, text)


def _check_call(node: ast.Call, text: _Text) -> None:
    """A call must be of a FUNC with one positional argument, or of a MANY with two or more."""
    if not isinstance(node.func, ast.Name):
        _refuse("calls of anything but a function name", node, text)
    name = node.func.id
    if name not in FUNCTIONS and name not in MANY:
        _refuse(
            f"calls of {name} (only {', '.join([*FUNCTIONS, *MANY])} may be called)", node, text
        )
    elif node.keywords:
        _refuse("keyword arguments", node.keywords[0], text)
    elif any(isinstance(a, ast.Starred) for a in node.args):
        _refuse("starred arguments", node, text)
    elif name in FUNCTIONS and len(node.args) != 1:
        _refuse(f"{name} with {len(node.args)} arguments (it takes 1)", node, text)
    elif name in MANY and len(node.args) < 2:
        count = f"{len(node.args)} argument{'' if len(node.args) == 1 else 's'}"
        _refuse(f"{name} with {count} (it takes 2 or more)", node, text)


def _refuse(what: str, node: ast.AST, text: _Text) -> NoReturn:
    segment = text.segment(node)
    where = f" in {clip(segment)!r}" if segment else ""
    raise ExpressionError(f"not allowed: {what}{where}", refused=True)


def _lookup(name: str, values: Mapping[str, Value | float]) -> Value | float:
    """The value of the constant or variable ``name``."""
    if name in CONSTANTS:
        return CONSTANTS[name]
    if name in FUNCTIONS or name in MANY:
        example = f"{name}(x)" if name in FUNCTIONS else f"{name}(x, y)"
        raise ExpressionError(f"{name} is a function: call it, as in {example}")
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
