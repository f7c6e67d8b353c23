"""Where a slot lives in a batched replay, and a group's operands gathered from several places.

Each slot of the recording lives in one column of one group's block (a :class:`Place`). The
inputs are group :data:`INPUTS`; the uniform leaves are group :data:`LEAVES`, one row: the
number 1 (an affine group's constant terms read it), the parameters, then the constants. A
group reads its operands as one block gathered from columns of earlier groups (a
:class:`Gather`), and adds the block of their gradients back into those columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from autograd_lite.batch.program import Program, Shape
from autograd_lite.batch.syntax import Expr, add_to, items, named, run

#: The groups of the inputs and of the uniform leaves.
INPUTS, LEAVES = 0, 1

#: Up to this many distinct columns, a part with repeated columns is summed column by column.
REPEATED = 4

V, ones = named("V"), named("ones")


class Place(NamedTuple):
    """Where a slot lives: its group, and its column in the group's block."""

    group: int
    column: int


class Run(NamedTuple):
    """Consecutive gathered slots of one group: their columns (a slice where they lie side by
    side, else an index array), and whether no column is taken twice."""

    group: int
    columns: slice | np.ndarray
    distinct: bool


def columns_of(columns: list[int]) -> slice | np.ndarray:
    """Columns as a slice where they run side by side (a view, where indexing would copy)."""
    if columns == list(range(columns[0], columns[0] + len(columns))):
        return slice(columns[0], columns[0] + len(columns))
    return np.array(columns, dtype=np.intp)


def index_of(columns: slice | np.ndarray, program: Program) -> Any:
    """Columns as they index a block in the program: ``lo:hi``, or a named index array."""
    return columns if isinstance(columns, slice) else program.constant(columns)


class Gather:
    """Some slots' columns as one block, and a block of their gradients added back."""

    def __init__(self, places: Sequence[Place], widths: Sequence[int]) -> None:
        self.places = list(places)
        runs: list[tuple[int, list[int]]] = []
        for group, column in places:
            if runs and runs[-1][0] == group:
                runs[-1][1].append(column)
            else:
                runs.append((group, [column]))
        first, columns = runs[0]
        #: The group whose whole block this is, in its order, if it is one.
        self.whole = first if len(runs) == 1 and columns == list(range(widths[first])) else None
        self.runs = [Run(g, columns_of(cs), len(set(cs)) == len(cs)) for g, cs in runs]
        self.bounds = np.cumsum([0] + [len(cs) for _, cs in runs]).tolist()

    def wanted(self, program: Program) -> bool:
        """Whether any of the slots' gradients is wanted."""
        return any(program.wanted(run.group) for run in self.runs)

    def shape(self, program: Program) -> Shape:
        return Shape(not program.uniform[self.runs[0].group], self.bounds[-1])

    def keeps(self, program: Program, batch: bool) -> Expr | None:
        """The buffer a part of B rows (``batch``) is best worked out into: the gradient
        buffer of the one group it is all of, if it will become that group's gradient."""
        g = self.whole
        if g is None or not batch or program.uniform[g] or not program.wanted(g):
            return None
        return program.buffers.gradient(g) if program.keeps(g) else None

    def get(self, program: Program) -> Expr:
        """The block, as an expression (a view made once, of the inputs' or the leaves' block,
        where it is one)."""
        if self.whole is not None:
            return V[self.whole]
        parts = [V[r.group][:, index_of(r.columns, program)] for r in self.runs]
        first, *others = self.runs
        if not others and first.group in (INPUTS, LEAVES) and isinstance(first.columns, slice):
            return program.buffers.view(parts[0])
        return parts[0] if len(parts) == 1 else named("np.concatenate")(items(*parts), axis=1)

    def add(
        self, program: Program, part: Expr, batch: bool, owned: bool, into: Expr | None = None
    ) -> None:
        """Statements adding ``part`` (rows × the gathered columns: B rows if ``batch``, else
        one) into the slots' gradients; a block of one row (nodes the same for every sample)
        gets the sum over the samples, ``ones @ part``. ``into``: the buffer of :meth:`keeps`
        that ``part`` was worked out into, if it was."""
        g = self.whole
        if g is not None:
            if program.wanted(g):
                summed = program.uniform[g] and batch
                block = (ones @ part)[None, :] if summed else part
                program.receive(g, block, owned or summed, None if summed else into)
            return
        for r, lo, hi in zip(self.runs, self.bounds, self.bounds[1:]):
            if not program.wanted(r.group):
                continue  # a gradient no one asked for (an input's, in ``backward``)
            piece = part[:, lo:hi] if len(self.runs) > 1 else part
            if program.uniform[r.group] and batch:
                piece = (ones @ piece)[None, :]
            target = program.gradient(r.group)
            at = index_of(r.columns, program)
            if r.distinct and isinstance(r.columns, slice):
                part_of = program.gradient_part(r.group, _columns_of_block(at))  # a view
                program.emit(add_to(part_of, piece))
            elif r.distinct:
                program.emit(add_to(target[:, at], piece))
            else:
                _add_repeated(program, target, piece, r.columns, hi - lo)


def one_source(gather: Any) -> int | None:
    """The group a gather takes distinct columns of, or None (several groups, or a column
    taken twice: then its block may be larger than the group's, and a bound of the group
    is not one of the block, nor one of the gradients added back)."""
    if not isinstance(gather, Gather) or len(gather.runs) != 1 or not gather.runs[0].distinct:
        return None
    return gather.runs[0].group


def _columns_of_block(columns: slice) -> Callable[[Expr], Expr]:
    def part(block: Expr) -> Expr:
        return block[:, columns]

    return part


def _add_repeated(program: Program, target: Expr, piece: Expr, columns: Any, width: int) -> None:
    """Statements adding ``piece``'s columns into ``target``'s ``columns`` (an index array),
    some of them the same (softmax's shift by the maximum: ten partials into its one column):
    each distinct column gets the sum of its own; ``np.add.at``, which goes element by
    element, for more."""
    distinct = sorted(set(columns.tolist()))
    if len(distinct) > REPEATED:
        shape = items(target.attr("shape")[0], width)
        at = items(named("slice")(None), program.constant(columns))
        broadcast = named("np.broadcast_to")(piece, shape)
        program.emit(run(named("np.add.at")(target, at, broadcast)))
        return
    for c in distinct:
        own = program.constant(np.flatnonzero(columns == c))
        program.emit(add_to(target[:, c], piece[:, own].attr("sum")(axis=1)))
