"""The block program's syntax, built as data: Python ``ast`` nodes wrapped in :class:`Expr`.

An :class:`Expr` is an expression of the program. Python's operators, item access and calls
build bigger ones, so a statement is written as it will read: ``V[i] * g``,
``named("np.matmul")(W, X.attr("T"), out=buffer)``. A whole program is a list of statements
(:func:`assign`, :func:`add_to`, ...) compiled once (:func:`function`) and rendered once, for a
reader, by ``ast.unparse``: nothing is written as text and parsed back.

An Expr is also what the rules run on to write their formulas for a block program, as
:class:`~autograd_lite.codegen.Symbol` is for the float replay (the four class methods
``literal``, ``named``, ``call`` and ``item`` are the syntax
:func:`~autograd_lite.rule_code.value_expression` needs). Like a Symbol, it refuses to give a
value (``bool``, ``float``, a comparison raise :class:`~autograd_lite.rule_code.Opaque`), so a
rule that looks at its operands is called instead of written out, and an expression deeper
than :data:`~autograd_lite.rule_code.MAX_DEPTH` is a call too.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Sequence
from typing import Any

from autograd_lite.rule_code import ENGINE_FUNCTIONS, MAX_DEPTH, Opaque

#: What an index may be: an expression, a number, a slice of numbers, or a tuple of those.
Index = Any

#: The names a literal that is not a finite number is written with (the program's namespace
#: holds them).
INF, NAN = "inf", "nan"

#: A place in the source, line 1, for every node built: compiling needs one, and a walk over
#: the whole tree to add them (``ast.fix_missing_locations``) costs more than writing them.
LOC: dict[str, Any] = {"lineno": 1, "col_offset": 0, "end_lineno": 1, "end_col_offset": 0}

_BINARY = {
    "+": ast.Add,
    "-": ast.Sub,
    "*": ast.Mult,
    "/": ast.Div,
    "**": ast.Pow,
    "@": ast.MatMult,
}


class Expr:
    """An expression of a block program: its ``ast`` node, and how deep arithmetic nests in it."""

    __slots__ = ("depth", "node")

    def __init__(self, node: ast.expr, depth: int = 0) -> None:
        self.node = node
        self.depth = depth

    # --- Building: item access, attributes, calls, arithmetic -----------------------------------

    def __getitem__(self, index: Index) -> Expr:
        return Expr(ast.Subscript(self.node, _index(index), ast.Load(), **LOC), self.depth)

    def attr(self, name: str) -> Expr:
        return Expr(ast.Attribute(self.node, name, ast.Load(), **LOC), self.depth)

    def __call__(self, *args: Any, **keywords: Any) -> Expr:
        nodes = [_node(a) for a in args]
        pairs = [ast.keyword(k, _node(v), **LOC) for k, v in keywords.items()]
        depth = max((a.depth for a in args if isinstance(a, Expr)), default=0) + 1
        return Expr(ast.Call(self.node, nodes, pairs, **LOC), depth)

    def _binary(self, other: object, symbol: str, reflected: bool) -> Expr:
        left, right = (_expr(other), self) if reflected else (self, _expr(other))
        depth = max(left.depth, right.depth) + 1
        if depth > MAX_DEPTH:
            raise Opaque("expression too deep to write inline")
        return Expr(ast.BinOp(left.node, _BINARY[symbol](), right.node, **LOC), depth)

    def __add__(self, other: object) -> Expr:
        return self._binary(other, "+", False)

    def __radd__(self, other: object) -> Expr:
        return self._binary(other, "+", True)

    def __sub__(self, other: object) -> Expr:
        return self._binary(other, "-", False)

    def __rsub__(self, other: object) -> Expr:
        return self._binary(other, "-", True)

    def __mul__(self, other: object) -> Expr:
        return self._binary(other, "*", False)

    def __rmul__(self, other: object) -> Expr:
        return self._binary(other, "*", True)

    def __truediv__(self, other: object) -> Expr:
        return self._binary(other, "/", False)

    def __rtruediv__(self, other: object) -> Expr:
        return self._binary(other, "/", True)

    def __pow__(self, other: object) -> Expr:
        return self._binary(other, "**", False)

    def __rpow__(self, other: object) -> Expr:
        return self._binary(other, "**", True)

    def __matmul__(self, other: object) -> Expr:
        return self._binary(other, "@", False)

    def __neg__(self) -> Expr:
        return Expr(ast.UnaryOp(ast.USub(), self.node, **LOC), self.depth + 1)

    def __pos__(self) -> Expr:
        return self  # +x is x for every float, -0.0 and NaN included

    def __abs__(self) -> Expr:
        return named("abs")(self)

    def engine_function(self, name: str) -> Expr:
        """``step(x)``, ``cos(x)``, ...: an engine function a rule calls, called by the code."""
        if name not in ENGINE_FUNCTIONS:
            raise Opaque(f"no engine function {name!r}")
        return named(name)(self)

    # --- The syntax a rule's expression is written in (rule_code.value_expression) --------------

    @classmethod
    def literal(cls, x: object) -> Expr:
        return number(x)

    @classmethod
    def named(cls, name: str) -> Expr:
        return named(name)

    @classmethod
    def call(cls, function: str, *args: Any) -> Expr:
        return named(function)(*args)

    def item(self, index: int) -> Expr:
        return self[index]

    # --- No value: a rule that asks for one is called, not written out -------------------------

    def _value(self, *_: object) -> Any:
        raise Opaque(f"the value of {ast.unparse(self.node)} was asked for")

    __bool__ = __float__ = __int__ = __index__ = _value
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _value
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"Expr({ast.unparse(self.node)})"


def named(name: str) -> Expr:
    """A name of the program's namespace or of its function's locals; dotted for an attribute
    of one (``"np.matmul"``)."""
    first, *attributes = name.split(".")
    expr = Expr(ast.Name(first, ast.Load(), **LOC))
    for attribute in attributes:
        expr = expr.attr(attribute)
    return expr


def number(x: object) -> Expr:
    """A number as an expression that evaluates to exactly that number (a negative one as the
    negation of its magnitude, as Python writes it; the infinities and NaN by name)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise Opaque(f"not a number: {x!r}")
    if isinstance(x, float) and math.isnan(x):
        return named(NAN)
    infinite = isinstance(x, float) and math.isinf(x)
    magnitude = named(INF) if infinite else Expr(ast.Constant(abs(x), **LOC))
    negative = x < 0 or (isinstance(x, float) and math.copysign(1.0, x) < 0)
    return Expr(ast.UnaryOp(ast.USub(), magnitude.node, **LOC)) if negative else magnitude


def items(*elements: Any) -> Expr:
    """A tuple display: ``(a, b, None)``."""
    return Expr(ast.Tuple([_node(e) for e in elements], ast.Load(), **LOC))


def compare(left: Any, operator: str, right: Any) -> Expr:
    """``left <= right``, ``left > right``, ``left is right``: a test."""
    operators = {"<=": ast.LtE, ">": ast.Gt, "is": ast.Is, "==": ast.Eq}
    return Expr(ast.Compare(_node(left), [operators[operator]()], [_node(right)], **LOC))


def either(*tests: Expr) -> Expr:
    """``a or b``."""
    return Expr(ast.BoolOp(ast.Or(), [t.node for t in tests], **LOC))


def both(*tests: Expr) -> Expr:
    """``a and b``."""
    return Expr(ast.BoolOp(ast.And(), [t.node for t in tests], **LOC))


def choose(test: Expr, then: Any, otherwise: Any) -> Expr:
    """``then if test else otherwise``."""
    return Expr(ast.IfExp(test.node, _node(then), _node(otherwise), **LOC))


def measured(name: str, value: Expr) -> Expr:
    """``(name := value)``: a number worked out where a test needs it, and kept."""
    target = ast.Name(name, ast.Store(), **LOC)
    return Expr(ast.NamedExpr(target, value.node, **LOC))


# --- Statements ---------------------------------------------------------------------------------


def assign(*targets_and_value: Any) -> ast.stmt:
    """``a = b = value``: the last argument assigned to each of the others (an expression, or
    a tuple of them to unpack into)."""
    *targets, value = targets_and_value
    return ast.Assign([_target(t) for t in targets], _node(value), **LOC)


def add_to(target: Expr, value: Any) -> ast.stmt:
    """``target += value``."""
    node = _target(target)
    assert isinstance(node, ast.Name | ast.Attribute | ast.Subscript)
    return ast.AugAssign(node, ast.Add(), _node(value), **LOC)


def run(expr: Expr) -> ast.stmt:
    """A call for what it does: ``np.copyto(G[3], p)``."""
    return ast.Expr(expr.node, **LOC)


def unless(test: Expr, error: Expr) -> ast.stmt:
    """``if not test: raise error``."""
    negated = ast.UnaryOp(ast.Not(), test.node, **LOC)
    return ast.If(negated, [ast.Raise(error.node, **LOC)], [], **LOC)


def function(name: str, parameters: Sequence[str], body: Sequence[ast.stmt]) -> ast.Module:
    """A module defining ``def name(*parameters): *body``, ready to compile."""
    arguments = ast.arguments([], [ast.arg(p, **LOC) for p in parameters], None, [], [], None, [])
    statements = list(body) or [ast.Pass(**LOC)]
    return ast.Module([ast.FunctionDef(name, arguments, statements, [], None, None, **LOC)], [])


# --- Reading expressions back as data -----------------------------------------------------------


def key(expr: Expr) -> str:
    """What identifies an expression as code: the key of a block's shape, by the expression
    that names it (a name, an item or an attribute of one; anything else by its whole tree)."""
    return _key(expr.node)


def _key(node: ast.expr | None) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant) or node is None:
        return repr(None if node is None else node.value)
    if isinstance(node, ast.Subscript):
        return f"{_key(node.value)}[{_key(node.slice)}]"
    if isinstance(node, ast.Attribute):
        return f"{_key(node.value)}.{node.attr}"
    if isinstance(node, ast.Tuple):
        return f"({', '.join(map(_key, node.elts))})"
    if isinstance(node, ast.Slice) and node.step is None:
        return f"{_key(node.lower)}:{_key(node.upper)}"
    if isinstance(node, ast.Call) and not node.keywords:
        return f"{_key(node.func)}({', '.join(map(_key, node.args))})"
    return ast.dump(node)


def same(a: Expr, b: Expr) -> bool:
    """Whether two expressions are the same code (not the same object)."""
    return ast.dump(a.node) == ast.dump(b.node)


def is_held(expr: Expr) -> bool:
    """Whether ``expr`` is a name or a numbered item of one (``g``, ``a[1]``, ``V[3]``): an
    array someone else holds, not one made for the expression."""
    node = expr.node
    while isinstance(node, ast.Subscript):
        if not (isinstance(node.slice, ast.Constant) and type(node.slice.value) is int):
            return False
        node = node.value
    return isinstance(node, ast.Name)


def size(expr: Expr) -> int:
    """How many expressions an expression is made of, itself included."""
    return sum(isinstance(node, ast.expr) for node in ast.walk(expr.node))


def arithmetic_operands(expr: Expr) -> list[Expr] | None:
    """The operands (names, numbers, items) of an expression that joins them by +, − and ×
    only, else None: on floats such an expression cannot raise (an overflow is an infinity,
    not an error). An item's index is not computed on floats, so it may be anything."""
    found, stack = [], [expr.node]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
            stack += [node.left, node.right]
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            stack.append(node.operand)
        elif isinstance(node, ast.Name | ast.Subscript) and _is_item(node):
            found.append(Expr(node))
        elif not (isinstance(node, ast.Constant) and type(node.value) in (int, float)):
            return None
    return found


def _is_item(node: ast.expr) -> bool:
    """A name, or an item of a name (``a[1]``, ``V[0][:, 2:3]``)."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return isinstance(node, ast.Name)


def _index(index: Index) -> ast.expr:
    if isinstance(index, tuple):
        return ast.Tuple([_index(i) for i in index], ast.Load(), **LOC)
    if isinstance(index, slice):
        if index.step is not None:
            raise ValueError("a slice of a block program has no step")
        lower = None if index.start is None else _node(index.start)
        upper = None if index.stop is None else _node(index.stop)
        return ast.Slice(lower, upper, **LOC)
    return _node(index)


def _node(x: Any) -> ast.expr:
    """An expression's node; a number, None, a string or a list as its literal node."""
    if isinstance(x, Expr):
        return x.node
    if x is None or isinstance(x, str) or (type(x) is int and x >= 0):
        return ast.Constant(x, **LOC)
    if isinstance(x, list):
        return ast.List([_node(e) for e in x], ast.Load(), **LOC)
    return number(x).node


def _expr(x: object) -> Expr:
    return x if isinstance(x, Expr) else number(x)


def _target(x: Any) -> ast.expr:
    """An expression as an assignment target: its node again, with the context set to store."""
    node = _node(x)
    if isinstance(node, ast.Tuple):
        return ast.Tuple([_target(Expr(e)) for e in node.elts], ast.Store(), **LOC)
    if isinstance(node, ast.Name):
        return ast.Name(node.id, ast.Store(), **LOC)
    if isinstance(node, ast.Subscript):
        return ast.Subscript(node.value, node.slice, ast.Store(), **LOC)
    if isinstance(node, ast.Attribute):
        return ast.Attribute(node.value, node.attr, ast.Store(), **LOC)
    raise TypeError(f"cannot assign to {ast.unparse(node)}")
