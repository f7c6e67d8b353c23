"""The arrays a block program writes into, allocated once per batch size, and the views of them
it reads.

A new array of 10,000 × 16 is faulted into memory page by page, and the allocator returns freed
ones to the system: so the program's operations write into buffers of its own, allocated when
a batch size is first replayed and reused by every later replay of that size, as a
hand-written NumPy step allocates its own. A group's values and gradient each have a buffer;
a partial that is only added somewhere, and a formula's intermediate results, share scratch
buffers that the next statement may overwrite. The views the statements read (a layer's
weights in the leaves' row, a transposed output) are made with the buffers too, not at each
replay.

:class:`Buffers` hands out the program's buffers while it is written: each is ``P[n]`` in the
program, asked for by what it holds (a :class:`Key`), and described by what to allocate (a
:data:`Layout`).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from types import CodeType
from typing import Any

import numpy as np

from autograd_lite.batch.syntax import Expr, assign, key, named

# --- What a buffer holds: the keys ------------------------------------------------------------


class Key:
    """What a buffer holds: a kind (the subclass) and the numbers that say which. Two keys
    are the same buffer when both agree."""

    __slots__ = ("which",)

    def __init__(self, *which: Any) -> None:
        self.which = which

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.which == self.which

    def __hash__(self) -> int:
        return hash((type(self), self.which))


class Values(Key):
    """A group's values: ``Values(group)``."""


class Gradient(Key):
    """A group's gradient: ``Gradient(group)``."""


class ValuesWithOnes(Key):
    """[1 | a group's values], a column of ones before them: ``ValuesWithOnes(group)`` (see
    :meth:`Buffers.with_ones`)."""


class Scratch(Key):
    """The k-th scratch block of a width, an intermediate result overwritten by the next
    statement's: ``Scratch(width, k)``."""


class LayerWeights(Key):
    """A layer's [b | W] taken from the leaves' row into a row of its own:
    ``LayerWeights(group)``."""


class LayerProduct(Key):
    """A layer's Δᵀ[1 | X], worked out into a row before it is added into the leaves':
    ``LayerProduct(group)``."""


class UnitRow(Key):
    """A row [1 | values] of a layer's coefficients, its first entry 1: ``UnitRow(group)``."""


class ViewOf(Key):
    """A view standing for an expression (by its :func:`~autograd_lite.batch.syntax.key`):
    see :meth:`Buffers.view`."""


# --- What to allocate: the layouts -----------------------------------------------------------


class Block:
    """B rows of ``width`` columns, column-major (a layer's columns run down memory), with a
    column of ones before them if ``ones_first`` (allocated B × (1 + width))."""

    __slots__ = ("ones_first", "width")

    def __init__(self, width: int, ones_first: bool = False) -> None:
        self.width, self.ones_first = width, ones_first


class AfterOnes:
    """The buffer before this one, a :class:`Block` with ones first, without its ones."""

    __slots__ = ()


class Row:
    """One row of ``width``, the first entry 1 if ``unit``."""

    __slots__ = ("unit", "width")

    def __init__(self, width: int, unit: bool = False) -> None:
        self.width, self.unit = width, unit


class View:
    """A view (a slice, a transpose, a reshape) of other buffers: the expression it is."""

    __slots__ = ("expr",)

    def __init__(self, expr: Expr) -> None:
        self.expr = expr


Layout = Block | AfterOnes | Row | View


class Buffers:
    """The buffers of one program as it is written: ``P[n]`` for what each holds."""

    def __init__(self, uniform: Sequence[bool], widths: Sequence[int]) -> None:
        self.uniform, self.widths = uniform, widths
        self.layouts: list[Layout] = []
        self.numbers: dict[Key, int] = {}
        self._views: CodeType | None = None
        #: The groups whose values are kept after a column of ones: an affine group reading
        #: them as X adds its biases in its matrix product, [b | W] · [1 | X]ᵀ.
        self.augmented: set[int] = set()

    def values(self, i: int) -> Expr:
        """Group i's own buffer for its values: B rows (a view of [1 | values] for a group in
        :attr:`augmented`), or one row for a group the same in every sample."""
        if i in self.augmented:
            return self._at(self._with_ones(i) + 1)
        return self._group(Values(i), i)

    def gradient(self, i: int) -> Expr:
        """Group i's own buffer for its gradient."""
        return self._group(Gradient(i), i)

    def with_ones(self, i: int) -> Expr:
        """The block [1 | V[i]] of a group in :attr:`augmented`: its values' buffer is a view
        of it without the column of ones."""
        return self._at(self._with_ones(i))

    def scratch(self, width: int, k: int) -> Expr:
        """The k-th scratch block of a width."""
        return self._buffer(Scratch(width, k), Block(width))

    def row(self, key: Key, width: int) -> Expr:
        """A row of ``width`` of the program's own (the first entry 1 for a :class:`UnitRow`)."""
        return self._buffer(key, Row(width, unit=isinstance(key, UnitRow)))

    def view(self, expr: Expr) -> Expr:
        """``P[n]``, standing for ``expr``: a view of blocks that stay the same from one replay
        of a batch size to the next, the program's buffers and the pool's blocks (``V[0]``,
        ``V[1]``, ``inputs_with_ones``). It is made once, with the buffers, not at each
        replay: a view made in a statement is a NumPy call each time."""
        self._views = None
        return self._buffer(ViewOf(key(expr)), View(expr))

    def _group(self, key: Values | Gradient, i: int) -> Expr:
        layout = Row(self.widths[i]) if self.uniform[i] else Block(self.widths[i])
        return self._buffer(key, layout)

    def _with_ones(self, i: int) -> int:
        key = ValuesWithOnes(i)
        if key not in self.numbers:
            self.numbers[key] = len(self.layouts)
            self.layouts += [Block(self.widths[i], ones_first=True), AfterOnes()]
        return self.numbers[key]

    def _buffer(self, key: Key, layout: Layout) -> Expr:
        n = self.numbers.get(key)
        if n is None:
            n = self.numbers[key] = len(self.layouts)
            self.layouts.append(layout)
        return self._at(n)

    @staticmethod
    def _at(n: int) -> Expr:
        return named("P")[n]

    def allocate(self, size: int, pool: Mapping[str, Any]) -> list[Any]:
        """The buffers for a batch of ``size``, then the views of them and of the ``pool``'s
        blocks (the names a view's expression reads besides ``P``), in order: a view reads
        only buffers before it."""
        made: list[Any] = []
        for layout in self.layouts:
            if isinstance(layout, Block):
                made.append(np.empty((size, layout.width + layout.ones_first), order="F"))
                if layout.ones_first:
                    made[-1][:, 0] = 1.0
            elif isinstance(layout, Row):
                made.append(np.empty((1, layout.width)))
                if layout.unit:
                    made[-1][0, 0] = 1.0
            elif isinstance(layout, AfterOnes):
                made.append(made[-1][:, 1:])
            else:
                made.append(None)  # a view, made below
        if self._views is None:  # every view one statement, compiled together once
            views = [(n, x.expr) for n, x in enumerate(self.layouts) if isinstance(x, View)]
            module = ast.Module([assign(self._at(n), expr) for n, expr in views], [])
            self._views = compile(module, "<views>", "exec")
        exec(self._views, {**pool, "P": made})
        return made
