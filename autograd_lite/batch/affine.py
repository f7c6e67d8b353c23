"""An affine group: a layer's pre-activations as one matrix product.

Its nodes are sums of products aᵣ = bᵣ + Σⱼ Wᵣⱼ xⱼ (one ``affine`` node, or micrograd's chain
of ``*`` and ``+`` folded into one: :mod:`autograd_lite.batch.linear`), with the weights and
biases not depending on the samples and the xⱼ shared. The block is A = X Wᵀ + b, and
backward, with Δ = ∂/∂A,

    ∂/∂X = Δ W,      ∂/∂Wᵣⱼ = Σ_b Δ_br X_bj  (ΔᵀX),      ∂/∂bᵣ = Σ_b Δ_br,

the chain rule's sums (over the layer's nodes, over the batch) as matrix products. W and b are
combinations of u, the row of the uniform leaves (:mod:`autograd_lite.batch.combination`),
read from the nodes' value terms; the backward matrices from their partials' terms.

A **plain** layer (each weight and bias of the leaves once, with coefficient 1, X the first
columns of one group) runs as A = [b | W]·[1 | X]ᵀ, its input kept after a column of ones, so
the biases are added inside the product, and backward's [Σ_b Δ | ΔᵀX] is Δᵀ[1 | X].

Before each product the program checks that the sums may run in another order
(:mod:`autograd_lite.batch.bounds`).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autograd_lite.batch.bounds import UNORDERED
from autograd_lite.batch.buffers import LayerProduct, LayerWeights, UnitRow
from autograd_lite.batch.columns import (
    INPUTS,
    LEAVES,
    Gather,
    Place,
    columns_of,
    index_of,
    one_source,
)
from autograd_lite.batch.combination import Combination, read_only
from autograd_lite.batch.linear import Form
from autograd_lite.batch.program import K, Program, V
from autograd_lite.batch.syntax import (
    Expr,
    add_to,
    assign,
    choose,
    compare,
    either,
    items,
    measured,
    named,
    run,
    unless,
)

np_ = named("np")
u, mu, mx, mD, X, X1, X1T, W, W1, D, d, p, layer = (
    named(n) for n in ("u", "mu", "mx", "mD", "X", "X1", "X1T", "W", "W1", "D", "d", "p", "layer")
)
size, ones = named("size"), named("ones")


class Layer:
    """What a layer's forward pass keeps for its backward pass (``K[i]``): the row u, the
    weights W, the input X ([1 | X] as X1 for a plain layer), their magnitudes μ_u and μ_X, a
    bound on the values' magnitude, and, once its backward has run, a bound on the gradient
    it passes down (see :func:`~autograd_lite.batch.plan.gradient_bounds`)."""

    __slots__ = ("X", "X1", "W", "below", "bound", "mu", "mx", "u")

    def __init__(self) -> None:
        self.u: Any = None
        self.W: Any = None
        self.X: Any = None
        self.X1: Any = None
        self.mu = self.mx = self.bound = self.below = 0.0


def with_ones(x: np.ndarray) -> np.ndarray:
    """[1 | x]: a column of ones before a block."""
    return np.concatenate((np.ones((x.shape[0], 1)), x), axis=1)


class Affine:
    """Nodes aᵣ = Σ (their terms): A = X Wᵀ + b (see the module's docstring)."""

    def __init__(
        self,
        index: int,
        forms: Sequence[Form],
        batch: set[int],
        places: Mapping[int, Place],
        widths: Sequence[int],
    ) -> None:
        leaves = sorted({s for f in forms for s in f.leaves()})
        xs, us = [s for s in leaves if s in batch], [s for s in leaves if s not in batch]
        self.index, self.m, self.n = index, len(forms), len(xs)
        self.alive = True
        self.X = Gather([places[s] for s in xs], widths) if xs else None
        # u: the leaves row itself (its column 0 is the number 1) when every coefficient is a
        # parameter or a constant, as in a layer; else [1, the uniform leaves' values]
        self.direct = all(places[s].group == LEAVES for s in us)
        if self.direct:
            self.U = Gather([Place(LEAVES, c) for c in range(widths[LEAVES])], widths)
            unit = {s: places[s].column for s in us}
        else:
            self.U = Gather([places[s] for s in us], widths)
            unit = {s: k + 1 for k, s in enumerate(us)}
        self.length = widths[LEAVES] if self.direct else len(us) + 1
        self._matrices(forms, {s: j for j, s in enumerate(xs)}, unit)
        self.plain = self._plain()
        # no partial sum of eager code's exceeds scale·max(1, |u|)·max(1, |x|) (linear.Form)
        terms = max(len(f.value) + sum(map(len, f.partials.values())) for f in forms)
        self.scale = terms * max(1.0, *(f.peak for f in forms))
        #: The layer j whose backward leaves a bound of this group's gradient in K[j].below,
        #: and whether this group leaves one for a layer below it (see ``gradient_bounds``).
        self.gradient_bound: int | None = None
        self.bounds_below = False

    def kept(self) -> Layer:
        """What ``K[i]`` holds: the record forward fills for backward."""
        return Layer()

    def _matrices(
        self, forms: Sequence[Form], column: dict[int, int], unit: dict[int, int]
    ) -> None:
        """W and b from the value terms; backward's W, and the weights' and biases' partials
        (Σ_b Δ and ΔᵀX terms), from the partials' terms."""
        w, b, wb, m_terms, s_terms = [], [], [], [], []
        for r, f in enumerate(forms):
            for monomial, c in f.value.items():
                k = next((unit[s] for s in monomial if s in unit), 0)
                x = next((column[s] for s in monomial if s in column), None)
                (b.append((r, k, c)) if x is None else w.append((r * self.n + x, k, c)))
            for leaf, terms in f.partials.items():
                for monomial, c in terms.items():
                    t = monomial[0] if monomial else None
                    if leaf in column:
                        wb.append((r * self.n + column[leaf], 0 if t is None else unit[t], c))
                    elif t is None:
                        s_terms.append((r, unit[leaf], c))
                    else:
                        m_terms.append((r * self.n + column[t], unit[leaf], c))
        size_, length = self.m * self.n, self.length
        self.W, self.b = Combination(w, size_, length), Combination(b, self.m, length)
        self.Wb = None if sorted(wb) == sorted(w) else Combination(wb, size_, length)
        self.S = Combination(s_terms, self.m, length) if s_terms else None
        self.M = Combination(m_terms, size_, length) if m_terms else None

    def _plain(self) -> np.ndarray | None:
        """For a layer as layers are (each weight and bias of the leaves once, with coefficient
        1, in forward as in backward; X the first columns of one group), the leaves' indices
        of [b | W], row by row: then A = [b | W]·[1 | X]ᵀ, a column of ones before X, adds the
        biases in the matrix product, and its transpose's [Σ_b Δ | ΔᵀX] their gradients (in
        place of a broadcast add of b and a sum over the rows, each as slow as the product at
        B = 1,000). None for any other group."""
        Wc, b, S, M = self.W, self.b, self.S, self.M
        if not self.direct or self.X is None or self.Wb is not None or S is None or M is None:
            return None
        if Wc.gather is None or b.gather is None or len(b.ks) != self.m:
            return None
        same = all(
            c.scatter and c.in_order and np.array_equal(c.ks, e.ks) for c, e in ((S, b), (M, Wc))
        )
        first, *others = self.X.runs
        if not same or others or not isinstance(first.columns, slice) or first.columns.start:
            return None
        rows = np.concatenate([b.ks[:, None], Wc.ks.reshape(self.m, self.n)], axis=1).ravel()
        # a leaf both a weight and a bias (shared) would be added back once: d[rows] += ...
        return rows if len(set(rows.tolist())) == len(rows) else None

    def rows(self) -> slice | np.ndarray:
        """A plain layer's [b | W] in the leaves' row: a slice where they lie side by side,
        row by row (a view, not a copy), else their indices."""
        return columns_of(self.plain.tolist())  # type: ignore[union-attr]

    def ones(self) -> int | None:
        """The group a plain layer reads its X from (see :meth:`_plain`), else None."""
        return self.X.runs[0].group if self.plain is not None and self.X is not None else None

    def _check(
        self, program: Program, magnitudes: Sequence[Expr], exact: Mapping[str, Expr] = {}
    ) -> None:
        """A statement raising ``Unordered`` unless scale·Π max(1, m) ≤ LIMIT over the
        ``magnitudes`` (names of numbers the program holds; μ_u and B are at least 1); the
        ones named in ``exact`` are upper bounds, and before failing the test is tried again
        with each of them measured by its expression there (and assigned to it)."""
        scale = program.constant(self.scale)

        def at_least_one(m: Expr) -> Expr:  # max(1.0, m), a name's without the call
            if m is mu or m is size:  # ‖u‖ ≥ 1 (u holds the number 1), and B ≥ 1
                return m
            if isinstance(m.node, ast.Name):
                return choose(compare(m, ">", 1.0), m, 1.0)
            return named("max")(1.0, m)

        def product(ms: Sequence[Expr]) -> Expr:
            result = scale
            for m in ms:
                result = result * at_least_one(m)
            return result

        test = compare(product(magnitudes), "<=", named("LIMIT"))
        if exact:
            names = [m.node.id for m in magnitudes]  # type: ignore[attr-defined]
            again = [measured(n, exact[n]) if n in exact else m for n, m in zip(names, magnitudes)]
            test = either(test, compare(product(again), "<=", named("LIMIT")))
        program.emit(unless(test, named("Unordered")(UNORDERED)))

    def _u(self, program: Program) -> Expr:
        """u, a view made once: of the leaves' row, or of this group's row [1 | values]."""
        if self.direct:
            return program.buffers.view(V[LEAVES][0])
        row = program.buffers.row(UnitRow(self.index), self.length)
        return program.buffers.view(row[0])

    def _bound_of(self, program: Program, gather: Gather) -> Expr | None:
        """A bound of a gathered block's magnitude found earlier, or None."""
        source = one_source(gather)
        return None if source is None else program.bounds.get(source)

    def _weights(self, program: Program, weights: Combination, row: Expr) -> Expr:
        """W (or backward's) as an m × n block: gathered from the row u, or a named constant."""
        if weights.constant is not None:
            return program.constant(read_only(weights.constant.reshape(self.m, self.n)))
        return weights.get(program, row).attr("reshape")(self.m, self.n)

    def _unit(self, weights: Combination | None) -> bool:
        """Whether W is the constant 1 of one node's one sample-dependent term (a loss term
        beside a penalty): then X·W is X and Δ·W is Δ."""
        return (
            self.m == self.n == 1
            and weights is not None
            and weights.constant is not None
            and weights.constant[0] == 1.0
        )

    # --- Forward ------------------------------------------------------------------------------

    def forward(self, program: Program) -> None:
        """u (the leaves row, or [1, the uniform leaves]), X, the bound checked, W and b
        gathered from u, then A = X Wᵀ + b, written into the group's buffer."""
        exact = self._forward_operands(program)
        # a bound too loose to pass (deep layers multiply it) is replaced by the magnitude
        self._check(program, [mu, mx], exact)
        program.emit(assign(layer, K[self.index]))
        if self.plain is not None:
            self._forward_plain(program)
        else:
            self._forward_product(program)

    def _forward_operands(self, program: Program) -> dict[str, Expr]:
        """Statements setting u and μ_u, X and μ_X; the exact magnitudes of the bounds used."""
        exact = {}
        if self.direct:
            program.emit(assign(items(u, mu), items(self._u(program), K[LEAVES])))
        else:  # into a row of the program's whose column 0 holds 1
            program.emit(assign(u, self._u(program)))
            program.emit(assign(u[1:], self.U.get(program)[0]))
            bound = self._bound_of(program, self.U)  # ‖[1, v]‖ = √(1 + ‖v‖²)
            magnitude = named("magnitude")(u)
            program.emit(assign(mu, magnitude if bound is None else named("hypot")(1.0, bound)))
            if bound is not None:
                exact["mu"] = magnitude
        if self.X is None:
            program.emit(assign(items(X, mx), items(None, 0.0)))
        else:
            program.emit(assign(X, self.X.get(program)))
            bound = self._bound_of(program, self.X)
            program.emit(assign(mx, named("magnitude")(X) if bound is None else bound))
            if bound is not None:
                exact["mx"] = named("magnitude")(X)
        return exact

    def _forward_product(self, program: Program) -> None:
        """A = X Wᵀ + b for a layer that is not plain."""
        i = self.index
        program.emit(assign(W, self._weights(program, self.W, u)))
        self._keep(program, {"u": u, "W": W, "X": X, "mu": mu, "mx": mx})
        bias = self.b.get(program, u)
        if self.X is None:
            program.emit(assign(V[i], bias[None, :]))
            return
        # (W Xᵀ)ᵀ: a column-major block, as X is, so that adding b, the activation and the
        # partials run down contiguous columns (across a row-major block of many rows and few
        # columns, each add strides through memory)
        buffer = program.buffers.values(i)
        if self._unit(self.W) and self.b.terms:  # x·1 is x, to the bit: A = X + b
            number = self.b.number(program, self._u(program))
            b = bias if number is None else number
            program.emit(assign(V[i], np_.attr("add")(X, b, out=buffer)))
            return
        if self.n == 1:  # an outer product: each entry one product, as matmul's, by a broadcast
            program.emit(assign(V[i], np_.attr("multiply")(X, W.attr("T"), out=buffer)))
        else:
            program.emit(run(np_.attr("matmul")(W, X.attr("T"), out=_transposed(program, buffer))))
            program.emit(assign(V[i], buffer))
        if self.b.terms:  # adding a zero bias would turn −0.0 into 0.0
            program.emit(add_to(V[i], bias))

    def _forward_plain(self, program: Program) -> None:
        """A = [b | W]·[1 | X]ᵀ (see :meth:`_plain`): X's group keeps its values after a
        column of ones (the inputs always do, in ``inputs_with_ones``; another group if it
        wrote them into its buffer, else they are copied next to ones here)."""
        i, g, k, views = self.index, self.X.runs[0].group, self.n, program.buffers  # type: ignore[union-attr]
        if g == INPUTS:
            ones_first = views.view(named("inputs_with_ones")[:, : k + 1])
            program.emit(
                assign(items(X1, X1T), items(ones_first, views.view(ones_first.attr("T"))))
            )
        else:
            ones_first = views.view(views.with_ones(g)[:, : k + 1])
            kept = compare(V[g], "is", views.values(g))
            program.emit(assign(X1, choose(kept, ones_first, named("with_ones")(X))))
            transposed = choose(
                compare(X1, "is", ones_first), views.view(ones_first.attr("T")), X1.attr("T")
            )
            program.emit(assign(X1T, transposed))
        rows = self.rows()
        if isinstance(rows, slice):  # a view of the leaves' row (u is V[1][0]: plain is direct)
            weights = views.view(V[LEAVES][0, rows].attr("reshape")(self.m, k + 1))
        else:  # gathered into a row of the program's (the indices are the plan's: in range)
            taken = views.row(LayerWeights(i), self.m * (k + 1))
            at = program.constant(rows)
            program.emit(run(u.attr("take")(at, out=views.view(taken[0]), mode="clip")))
            weights = views.view(taken.attr("reshape")(self.m, k + 1))
        program.emit(assign(items(W1, W), items(weights, views.view(weights[:, 1:]))))
        # ‖A‖ ≤ ‖[b | W]‖·‖[1 | X]‖ ≤ ‖u‖·√(B + ‖X‖²) (Frobenius norms): a bound on A's
        # magnitude for the layer after it, found without a pass over A
        bound = mu * named("hypot")(size**0.5, mx)
        self._keep(program, {"W": W, "mu": mu, "mx": mx, "X1": X1, "bound": bound})
        program.bounds[i] = K[i].attr("bound")
        buffer = views.values(i)
        program.emit(run(np_.attr("matmul")(W1, X1T, out=_transposed(program, buffer))))
        program.emit(assign(V[i], buffer))

    def _keep(self, program: Program, values: Mapping[str, Expr]) -> None:
        """The statement keeping in the layer's record what its backward pass reads, of
        ``values`` (and ``bound``, which the groups after it read)."""
        reads = {"mu", "mx", "bound"}
        if self.X is not None and not self._unit(self.Wb or self.W):
            reads.add("W" if self.Wb is None else "u")  # ΔW, or Δ times backward's own W
        if self.plain is not None:
            reads.add("X1")
        elif self.X is not None and self.M is not None:
            reads.add("X")  # ΔᵀX
        kept = [name for name in values if name in reads]
        fields = [layer.attr(name) for name in kept]
        program.emit(assign(items(*fields), items(*[values[name] for name in kept])))

    # --- Backward -----------------------------------------------------------------------------

    def backward(self, program: Program) -> None:
        """With Δ = G[i]: ΔW into X's gradient, then Σ_b Δ and ΔᵀX into the leaves' row (or
        a row [1, the uniform leaves] added back), the bound checked with Δ's magnitude and
        the number of rows summed."""
        i = self.index
        per_sample = not program.uniform[i]
        program.emit(assign(layer, K[i]))
        program.emit(assign(items(mu, mx), items(layer.attr("mu"), layer.attr("mx"))))
        program.emit(assign(D, program.gradient(i)))
        buffered = program.buffered.get(i)
        DT = D.attr("T") if buffered is None else program.buffers.view(buffered.attr("T"))
        self._check_gradient(program, per_sample)
        if self.X is not None and self.X.wanted(program):
            self._input_gradient(program)
        if self.S is None and self.M is None:
            return
        if self.plain is not None:
            self._backward_plain(program, DT)
        else:
            self._backward_sums(program, DT, per_sample)

    def _check_gradient(self, program: Program, per_sample: bool) -> None:
        """μ_Δ, a bound of Δ's magnitude (read from the layer above, or the seed's) or Δ's
        magnitude itself, and the check of the sums Σ_b Δ, ΔᵀX, ΔW (over B rows if
        ``per_sample``)."""
        bound = program.gradient_bounds.get(self.index)
        if self.gradient_bound is not None:
            bound = K[self.gradient_bound].attr("below")
        factors = [mu, mx, *([size] if per_sample else []), mD]
        if bound is None:
            program.emit(assign(mD, named("magnitude")(D)))
            self._check(program, factors)  # Σ_b over the rows too
        else:  # measured if the bound is too loose, as in forward
            program.emit(assign(mD, bound))
            self._check(program, factors, {"mD": named("magnitude")(D)})
        if self.bounds_below:  # ‖ΔW‖ ≤ ‖Δ‖·‖u‖: see ``gradient_bounds``
            program.emit(assign(layer.attr("below"), mu * mD))

    def _input_gradient(self, program: Program) -> None:
        """ΔW into X's gradient: Δ itself where W is the constant 1."""
        X_ = self.X
        assert X_ is not None
        if self._unit(self.Wb or self.W):
            # D is G[i], read by no one after this group's backward: it becomes X's gradient
            X_.add(program, D, True, True)
            return
        weights = (
            layer.attr("W") if self.Wb is None else self._weights(program, self.Wb, layer.attr("u"))
        )
        # ΔW into a column-major block; for one node an outer product, which a broadcast
        # does faster than matmul, the more so into a column-major block
        kept = X_.keeps(program, True)
        product = np_.attr("matmul" if self.m > 1 else "multiply")
        out = program.buffers.scratch(self.n, 0) if kept is None else kept
        program.emit(assign(p, product(D, weights, out=out)))
        X_.add(program, p, True, kept is not None, kept)

    def _backward_plain(self, program: Program, DT: Expr) -> None:
        """[Σ_b Δ | ΔᵀX] = Δᵀ[1 | X] (``DT``: Δᵀ), into [b | W]'s gradients (see ``_plain``)."""
        at, shape = self.rows(), (self.m, self.n + 1)
        X1_ = layer.attr("X1")
        if isinstance(at, slice):  # [b | W] side by side in the row: a view of it
            part = program.gradient_part(LEAVES, lambda block: block[0, at].attr("reshape")(*shape))
            program.emit(add_to(part, DT @ X1_))
            return
        # Δᵀ[1 | X] into a row of the program's, added at [b | W]'s indices
        product = program.buffers.row(LayerProduct(self.index), self.m * (self.n + 1))
        into = program.buffers.view(product.attr("reshape")(*shape))
        program.emit(run(np_.attr("matmul")(DT, X1_, out=into)))
        leaves = program.gradient_part(LEAVES, lambda block: block[0])
        program.emit(add_to(leaves[index_of(at, program)], program.buffers.view(product[0])))

    def _backward_sums(self, program: Program, DT: Expr, per_sample: bool) -> None:
        """Σ_b Δ and ΔᵀX added back through the combinations S and M into the leaves' row, or
        into a row [1, the uniform leaves] added back into their gradients."""
        summed = ones @ D if per_sample else D[0]
        S, M = self.S, self.M if self.X is not None else None
        if not self.direct and M is None and S is not None and S.covering:
            # each uniform leaf has one term: its gradient row, with no row of zeros
            self.U.add(program, S.dense(program, summed), False, True)  # a (1, n) row
            return
        if self.direct:
            program.emit(assign(d, program.gradient_part(LEAVES, lambda block: block[0])))
        else:
            program.emit(assign(d, np_.attr("zeros")(self.length)))
        if S is not None:
            program.emit(run(program.constant(S).attr("add_back")(d, summed)))
        if M is not None:
            product = (DT @ layer.attr("X")).attr("ravel")()
            program.emit(run(program.constant(M).attr("add_back")(d, product)))
        if not self.direct:
            self.U.add(program, d[None, 1:], False, True)


def _transposed(program: Program, buffer: Expr) -> Expr:
    """A block's buffer, transposed: a view made once."""
    return program.buffers.view(buffer.attr("T"))
