"""An elementwise group: nodes of one op with alike operands, run as one call on blocks.

A layer's ReLUs, the loss's ops: their values are one formula on the operands' blocks, and
backward adds each partial of the rule, computed on the blocks, into the operands' gradients.
The formula and the partials are the rule table's own, written out on the program's syntax
trees (:func:`~autograd_lite.rule_code.value_expression`), with the functions they call in
their array forms (:mod:`autograd_lite.batch.array_forms`): a ReLU of 16 neurons over 1,000
samples is one call.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import reduce
from typing import Any

import numpy as np

from autograd_lite import rule_code
from autograd_lite.batch.array_forms import FLOAT
from autograd_lite.batch.bounds import BOUNDED, MAX_BOUND, at_least_one
from autograd_lite.batch.columns import Gather, Place, one_source
from autograd_lite.batch.into_buffers import written_into
from autograd_lite.batch.program import K, Program, Shape, V
from autograd_lite.batch.syntax import (
    Expr,
    arithmetic_operands,
    assign,
    both,
    choose,
    compare,
    is_held,
    items,
    key,
    named,
    number,
    same,
    size,
)
from autograd_lite.listing import Instruction, same_bits

g, out, a, p, v = named("g"), named("out"), named("a"), named("p"), named("v")


def as_block(x: Any, shape: tuple[int, int]) -> Any:
    """``x`` as a float array of ``shape`` (a formula may return a number or a row)."""
    if type(x) is np.ndarray and x.dtype is FLOAT and x.shape == shape:
        return x
    return np.array(np.broadcast_to(np.asarray(x, dtype=float), shape))


def fits(x: Expr, shape: Expr) -> Expr:
    """The test that ``x`` is a float block of ``shape``, as :func:`as_block` would leave it."""
    return both(
        compare(named("type")(x), "is", named("ndarray")),
        compare(x.attr("dtype"), "is", named("FLOAT")),
        compare(x.attr("shape"), "==", shape),
    )


def is_block(expr: Expr, shapes: Mapping[str, Shape | None], shape: Shape) -> bool:
    """Whether an expression is sure to be a float block of ``shape``, needing no check: +, −
    and × of numbers and of blocks of that very shape (at least one)."""
    operands = arithmetic_operands(expr)
    if operands is None:
        return False
    known = [shapes.get(key(x), "unknown") for x in operands]
    return shape in known and all(k == shape or k is None for k in known)


class Elementwise:
    """Nodes of one op with alike operands: value = formula(operand blocks); backward adds
    each partial of the rule, computed on the blocks, into its operands' gradients."""

    def __init__(
        self,
        index: int,
        members: Sequence[Instruction],
        places: Mapping[int, Place],
        widths: Sequence[int],
    ) -> None:
        first = members[0]
        self.index, self.width, self.op = index, len(members), first.op
        #: Whether the nodes lead to the output (else backward skips them).
        self.alive = True
        #: Each operand: the gathered slots' columns, or a number (the same in every node), or
        #: a row of numbers (one a node).
        self.operands: list[Any] = []
        for k, x in enumerate(first.operands):
            if type(x) is int:
                slots: list[int] = [ins.operands[k] for ins in members]  # type: ignore[misc]
                self.operands.append(Gather([places[s] for s in slots], widths))
            else:
                numbers = [float(ins.operands[k]) for ins in members]
                alike = all(same_bits(c, numbers[0]) for c in numbers)
                self.operands.append(numbers[0] if alike else np.array([numbers]))
        self.wanted = [k for k, o in enumerate(self.operands) if isinstance(o, Gather)]

    def kept(self) -> Any:
        """What ``K[i]`` holds before a forward pass writes it: nothing (forward keeps there
        the operands it gathered, by position, for backward)."""
        return None

    def _arguments(
        self, program: Program, forward: bool
    ) -> tuple[list[Expr], dict[str, Shape | None]]:
        """The operands as the statements name them, and their shapes: a whole group's block,
        a named constant, or an item of ``a``, the gathered operands, kept in ``K`` from
        forward for backward."""
        twins = [self._twin(k) for k in range(len(self.operands))]
        gathered = [
            isinstance(o, Gather) and o.whole is None and twin is None
            for o, twin in zip(self.operands, twins)
        ]
        names: list[Expr] = []
        shapes: dict[str, Shape | None] = {}
        for k, o in enumerate(self.operands):
            if twins[k] is not None:  # x·x: one block for both
                names.append(names[twins[k]])  # type: ignore[index]
                continue
            if isinstance(o, Gather):
                names.append(a[k] if gathered[k] else o.get(program))
                shapes[key(names[-1])] = o.shape(program)
            else:
                shape = None if isinstance(o, float) else Shape(False, o.shape[1])
                names.append(program.constant(o, shape))
                shapes[key(names[-1])] = shape
        i = self.index
        if any(gathered) and forward:
            blocks = [o.get(program) if k else None for o, k in zip(self.operands, gathered)]
            program.emit(assign(a, K[i], items(*blocks)))
        elif any(gathered):
            program.emit(assign(a, K[i]))
        return names, shapes

    def _twin(self, k: int) -> int | None:
        """The first operand before the k-th gathering the very same slots (x·x), or None."""
        o = self.operands[k]
        if not isinstance(o, Gather):
            return None
        earlier = self.operands[:k]
        return next(
            (j for j, e in enumerate(earlier) if isinstance(e, Gather) and e.places == o.places),
            None,
        )

    def forward(self, program: Program) -> None:
        """v = the formula on the operands' blocks, worked out into the group's buffer."""
        names, shapes = self._arguments(program, True)
        value = rule_code.value_expression(self.op, names, program.names, program.inline)
        i = self.index
        target = None if program.uniform[i] else (program.buffers.values(i), program.shape(i))
        bound = self._bound(program)
        if bound is not None:
            program.bounds[i] = bound
        written = written_into(value, shapes, program, target)
        if written.into_target or is_block(value, shapes, program.shape(i)):
            program.emit(assign(V[i], written.expr))
            return
        program.emit(assign(v, written.expr))
        dims = program.dims(i)
        program.emit(assign(V[i], choose(fits(v, dims), v, named("as_block")(v, dims))))

    def _bound(self, program: Program) -> Expr | None:
        """A bound on ‖v‖ from the operands' bounds (see :mod:`autograd_lite.batch.bounds`),
        as an expression, where the op has a rule for it (:data:`BOUNDED`) and every operand a
        bound; else None. ‖·‖ of an operand is of it broadcast to v's shape: ‖x‖ for the
        factor of a product, ‖x‖·√(v's entries / x's) for a term of a sum."""
        rule, i = BOUNDED.get(self.op), self.index
        batch, width = not program.uniform[i], program.widths[i]
        bounds = []
        for o in self.operands:
            if isinstance(o, Gather):
                source, (rows, w) = one_source(o), o.shape(program)
                bound = None if source is None else program.bounds.get(source)
            else:  # a number, or a row of numbers: its magnitude now, at least 1
                bound, rows, w = number(at_least_one(o)), False, np.size(o)
            if rule is None or bound is None:
                return None
            if rule == "+":  # spread over more rows or columns: ‖x‖·√(how many times)
                spread = [number(math.sqrt(width / w))] if w < width else []
                rows_spread = [named("size") ** 0.5] if batch > rows else []
                bound = reduce(lambda x, y: x * y, [bound, *spread, *rows_spread])
            bounds.append(bound)
        combine = (lambda x, y: x * y) if rule == "*" else (lambda x, y: x + y)
        expr = reduce(combine, bounds)
        return expr if size(expr) <= MAX_BOUND else None

    def backward(self, program: Program) -> None:
        """Every partial, even one whose operand's gradient no one asked for: eager code's
        backward computes it too, and raises where it fails (√'s at 0); but not such a partial
        of only +, − and × (an input's g·w), which cannot fail on floats."""
        i = self.index
        program.emit(assign(items(g, out), items(program.gradient(i), V[i])))
        names, shapes = self._arguments(program, False)
        shapes[key(g)] = shapes[key(out)] = program.shape(i)
        found = rule_code.partial_expressions(
            self.op, self.wanted, g, out, names, program.names, program.inline
        )
        last: tuple[int, Expr] | None = None  # the operand and the last partial computed
        for k, partial in found:
            if k < 0:  # one call for all the partials, then its items
                program.emit(assign(named(rule_code.PARTIALS), partial))
                continue
            if not self.operands[k].wanted(program) and arithmetic_operands(partial) is not None:
                continue
            if last is not None and last[0] == self._twin(k) and same(last[1], partial):
                # x·x: g·x again, into the same gradient (added, never its block: p may be)
                self.operands[k].add(program, p, not program.uniform[i], False)
                continue
            last = (k, partial)
            self._add_partial(program, k, partial, shapes)

    def _add_partial(
        self, program: Program, k: int, partial: Expr, shapes: Mapping[str, Shape | None]
    ) -> None:
        """p = the partial toward operand k, worked out into that operand's gradient buffer
        where it will become it, then added into the operand's gradient."""
        i, batch, operand = self.index, not program.uniform[self.index], self.operands[k]
        kept = operand.keeps(program, batch)
        target = None if kept is None else (kept, program.shape(i))
        written = written_into(partial, shapes, program, target)
        program.emit(assign(p, written.expr))
        if not written.into_target and not is_block(partial, shapes, program.shape(i)):
            shape = g.attr("shape")
            program.emit(assign(p, choose(fits(p, shape), p, named("as_block")(p, shape))))
        # p is the operand's own buffer, or a new array; a block of B rows not worked out
        # into that buffer may be a scratch buffer, which the next statement overwrites
        owned = not is_held(partial) and (kept is not None or not batch)
        operand.add(program, p, batch, owned, kept if written.into_target else None)
