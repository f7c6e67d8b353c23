"""A formula on blocks, rewritten so that each operation making a block of B rows writes into a
buffer of the program's own.

``g * s`` becomes ``np.multiply(g, s, out=P[4])``: the same ufunc on the same operands, so the
same numbers, with no new array. The whole formula goes into a target (the group's own
buffer) when it has the target's shape; every other result of B rows into a scratch buffer
(:meth:`~autograd_lite.batch.buffers.Buffers.scratch`), which the next statement may
overwrite. Operations on numbers or on one row are left to NumPy (they are small), and so is
an operation whose operands' shapes are not all known (it makes a new array).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Mapping
from typing import Any, NamedTuple

from autograd_lite.batch import array_forms
from autograd_lite.batch.program import Program, Shape
from autograd_lite.batch.syntax import LOC, Expr, key, named

#: The ufunc of each arithmetic operator (the one NumPy's ``a * b`` calls).
UFUNCS: dict[type, str] = {
    ast.Add: "np.add",
    ast.Sub: "np.subtract",
    ast.Mult: "np.multiply",
    ast.Div: "np.true_divide",
}

#: A shape not known: the expression is not one block, or it cannot be told.
UNKNOWN: Any = ...


class Written(NamedTuple):
    """A formula as :func:`written_into` rewrote it, and whether its result is the target
    buffer itself (a ufunc, or an array form that takes ``out=``, returns ``out``: the result
    is then a block of floats of the target's shape, and needs no check)."""

    expr: Expr
    into_target: bool


def written_into(
    formula: Expr,
    shapes: Mapping[str, Shape | None],
    program: Program,
    target: tuple[Expr, Shape] | None = None,
) -> Written:
    """``formula``, with each operation whose result is a block of B rows writing into a
    buffer: into ``target`` (a buffer and its shape) the whole formula, if of its shape; each
    other result into a scratch buffer. ``shapes``: the shapes of the blocks the formula
    reads, by :func:`~autograd_lite.batch.program.key` (with the program's named constants')."""
    root = unshared(formula.node)
    writer = _Writer({**program.shapes, **shapes}, program, root, target)
    node = writer.visit(root)
    return Written(Expr(node), writer.into_target)


def unshared(node: ast.expr) -> ast.expr:
    """A copy of ``node`` in which no node appears twice (a rule may use one subexpression in
    two places; each place must get its own buffer)."""
    return _Copy().visit(node)  # type: ignore[no-any-return]


class _Copy(ast.NodeTransformer):
    """Each node copied as it is visited, so a node met twice becomes two."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        return super().generic_visit(copy.copy(node))


class _Writer(ast.NodeTransformer):
    """The rewriting of :func:`written_into`: shapes worked out bottom-up, each known block of
    B rows given ``out=``."""

    def __init__(
        self,
        shapes: Mapping[str, Shape | None],
        program: Program,
        root: ast.AST,
        target: tuple[Expr, Shape] | None,
    ) -> None:
        self.shapes, self.program, self.root, self.target = shapes, program, root, target
        self.known: dict[int, Shape | None] = {}  # id(node) → its shape, for the nodes worked out
        self.outs: dict[int, ast.keyword] = {}  # the out= of each call written here
        self.replaced: list[ast.AST] = []  # kept alive, so that no new node takes their ids
        self.scratches = 0
        self.into_target = False

    def shape_of(self, node: ast.expr) -> Any:
        """The shape of an operand, or :data:`UNKNOWN`."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return None
        if id(node) in self.known:
            return self.known[id(node)]
        return self.shapes.get(key(Expr(node)), UNKNOWN)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        return self._write(node, UFUNCS.get(type(node.op)), [node.left, node.right])

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        ufunc = "np.negative" if isinstance(node.op, ast.USub) else None
        return self._write(node, ufunc, [node.operand])

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        form = None
        if isinstance(node.func, ast.Name) and not node.keywords:
            function = self.program.names.namespace.get(node.func.id)
            form = array_forms.ARRAY_FORMS.get(function) if function is not None else None
        finite = all(key(Expr(a)) in self.program.finite for a in node.args)
        if form in array_forms.ON_FINITE and finite:
            form = array_forms.ON_FINITE[form]
        writes = form in array_forms.WRITES_OUT
        return self._write(node, form if writes else None, node.args)

    def _write(self, node: ast.expr, function: Any, operands: list[ast.expr]) -> ast.AST:
        """``node`` as ``function(*operands, out=buffer)`` if its result is a block of B rows;
        ``function``: a ufunc's name, an array form that takes ``out``, or None."""
        shapes = [self.shape_of(x) for x in operands]
        shape = UNKNOWN if any(s is UNKNOWN for s in shapes) else broadcast(shapes)
        if shape is UNKNOWN:
            return node  # not known: nor is any expression containing it
        self.known[id(node)] = shape
        if function is None or shape is None or not shape.per_sample:
            return node  # a number, or a row: small, left to NumPy
        if node is self.root and self.target is not None:  # the result is kept: never scratch
            if self.target[1] != shape:
                return node
            out = self.target[0]
            self.into_target = True
        else:
            out = self.program.buffers.scratch(shape.width, self.scratches)
            self.scratches += 1
        keyword = ast.keyword("out", out.node, **LOC)
        if isinstance(function, str):  # a ufunc may write over an operand: g * s into s
            self._share(operands, shape, keyword)
        callee = named(function) if isinstance(function, str) else self.program.constant(function)
        call = ast.Call(callee.node, operands, [keyword], **LOC)
        self.known[id(call)] = shape
        self.outs[id(call)] = keyword
        self.replaced.append(node)
        return call

    def _share(self, operands: list[ast.expr], shape: Shape, keyword: ast.keyword) -> None:
        """The first operand worked out here into a buffer of the same shape writes into this
        operation's buffer instead: a ufunc reads each element before it writes it, so
        ``np.multiply(g, s, out=s)`` is g·s, with one block fewer going through the cache."""
        for operand in operands:
            if id(operand) in self.outs and self.known[id(operand)] == shape:
                self.outs[id(operand)].value = keyword.value
                return


def broadcast(shapes: list[Shape | None]) -> Any:
    """The shape NumPy broadcasts ``shapes`` to (None: all numbers; :data:`UNKNOWN`: not one
    block)."""
    blocks = [s for s in shapes if s is not None]
    if not blocks:
        return None
    rows = any(s.per_sample for s in blocks)
    widths = {s.width for s in blocks} - {1}
    if len(widths) > 1:
        return UNKNOWN
    return Shape(rows, widths.pop() if widths else 1)
