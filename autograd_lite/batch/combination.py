"""A layer's matrices as combinations of the uniform leaves: its weights, its biases, and the
coefficients of its backward matrices.

A layer's W and b are arrays whose entries are sums Σ c·u[k] of the entries of one row u (the
leaves' row: its number 1 at k = 0, the parameters, the constants), read from the nodes' value
terms; their gradients add the transposed sums back into u's gradient. For a layer as layers
are, each entry is one weight with c = 1 (one gather, one scatter), but a recording may hold
any linear combination (a shared weight, a constant coefficient, a penalty's sum).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograd_lite.batch.columns import columns_of
from autograd_lite.batch.program import Program, Shape
from autograd_lite.batch.syntax import Expr, named


def read_only(x: np.ndarray) -> np.ndarray:
    """``x``, made read-only: a constant the program names, shared by every replay."""
    x.flags.writeable = False
    return x


class Combination:
    """A dense array whose entries are sums Σ c·u[k] of the entries of a vector ``u``.

    ``terms`` are (position, k, c). ``of(u)`` is the array; ``add_back(row, d)``, for d an array
    over the positions, adds the transpose's Σ c·d[position] to each ``row[k]``."""

    def __init__(self, terms: Sequence[tuple[int, int, float]], size: int, length: int) -> None:
        ordered = sorted(terms)
        positions, ks, cs = (list(t) for t in zip(*ordered)) if ordered else ([], [], [])
        self.size, self.length = size, length
        self.positions = np.array(positions, dtype=np.intp)
        self.ks = np.array(ks, dtype=np.intp)
        self.cs = np.array(cs, dtype=float)
        self.terms = len(ordered)
        ones = all(c == 1.0 for c in cs)
        # The usual layer: every entry one weight, in order: one gather.
        self.gather = self.ks if ones and positions == list(range(size)) else None
        # Each k once with c = 1 (a layer's weights, its biases): added back by indexing.
        self.unique = len(set(ks)) == len(ks)
        self.scatter = ones and self.unique
        self.in_order = positions == list(range(size))
        #: The ks as a slice where they run side by side (a view where indexing would copy).
        self.at: slice | np.ndarray = columns_of(ks) if ks and self.unique else self.ks
        #: The array itself where no entry reads u beyond its number 1 at k = 0 (coefficients
        #: fixed when the recording was made, as a loss term's 1 beside a penalty's weights).
        self.constant = self.of(np.ones(1)) if all(k == 0 for k in ks) else None
        #: Each k of 1 … length − 1 once: then the transpose's row is dense (see ``dense``).
        self.covering = sorted(ks) == list(range(1, length))

    # --- At each replay: what the program calls ---------------------------------------------

    def of(self, u: np.ndarray) -> np.ndarray:
        """The array, of the vector ``u``."""
        if self.gather is not None:
            return u[self.gather]
        if self.size == 1:  # one entry, Σ c·u[k] (a penalty's sum): a dot product
            return np.array([np.dot(self.cs, u[self.at])])
        return np.bincount(self.positions, self.cs * u[self.ks], minlength=self.size)

    def add_back(self, row: np.ndarray, d: np.ndarray) -> None:
        """Adds the transpose's Σ c·d[position] to each ``row[k]``."""
        if self.scatter:
            row[self.at] += d if self.in_order else d[self.positions]
        elif self.unique:  # each k once: c·d[position] added at k
            row[self.at] += self.cs * (d[0] if self.size == 1 else d[self.positions])
        else:
            row += np.bincount(self.ks, self.cs * d[self.positions], minlength=self.length)

    # --- When the program is written: expressions of it -------------------------------------

    def get(self, program: Program, u: Expr) -> Expr:
        """The array, as an expression of ``u``: a layer's W or b is one gather."""
        if self.constant is not None:
            return program.constant(read_only(self.constant))
        if self.gather is not None:
            return u[program.constant(self.gather)]
        return program.constant(self).attr("of")(u)

    def dense(self, program: Program, d: Expr) -> Expr:
        """For a ``covering`` combination, the transpose's row itself, without u's column 0:
        entry k − 1 is c·d[position] of the one term reading u[k] (what ``add_back`` adds
        into a row of zeros, but for the sign of a zero)."""
        order = np.argsort(self.ks)
        cs = program.constant(read_only(self.cs[order][None, :]), Shape(False, self.length - 1))
        if self.size == 1:  # d has one entry: the row c·d
            return cs * d
        return cs * d[program.constant(self.positions[order])]

    def number(self, program: Program, u: Expr) -> Expr | None:
        """The one entry Σ c·u[k] as a number, where the ks lie side by side in ``u`` (a
        view made once): one dot product with a view of them, made once too (``of`` makes
        two arrays more). None for any other combination."""
        if self.size != 1 or self.constant is not None or not isinstance(self.at, slice):
            return None
        cs = program.constant(read_only(self.cs.copy()), Shape(False, len(self.cs)))
        return named("np.dot")(cs, program.buffers.view(u[self.at]))
