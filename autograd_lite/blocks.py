"""A recording replayed on a batch in blocks: a layer of neurons as one matrix product.

A network's per-sample graph is the same for every sample, and within it the nodes of a layer
do the same thing side by side. So a batched replay groups the nodes: each group holds nodes
of one kind at one depth of the graph, and its values are one block, a B × m array (B samples,
m nodes; 1 × m for nodes that do not depend on the samples, such as the parameters).

* An **affine** group is a layer's pre-activations. Its nodes are sums of products
  aᵣ = bᵣ + Σⱼ Wᵣⱼ xⱼ (one ``affine`` node, or micrograd's chain of ``*`` and ``+`` folded
  into one: :mod:`autograd_lite.linear`), with the weights and biases not depending on the
  samples and the xⱼ shared. The block is A = X Wᵀ + b, and backward, with Δ = ∂/∂A,

      ∂/∂X = Δ W,      ∂/∂Wᵣⱼ = Σ_b Δ_br X_bj  (ΔᵀX),      ∂/∂bᵣ = Σ_b Δ_br,

  the chain rule's sums (over the layer's nodes, over the batch) as matrix products. The
  entries of W, b and of the backward matrices come from running the op's forward formula
  and its rule on unknowns: the rule table is still the only source of a derivative.
* An **elementwise** group is nodes of one op with operands alike (a layer's ReLUs, the
  loss's ops). Its forward formula and partials are the tape's own code (:mod:`codegen`'s
  templates), run once on the blocks, with the functions they call in their array forms
  (:mod:`autograd_lite.batched`): a ReLU of 16 neurons over 1,000 samples is one call.

Values and gradients agree with eager code to rounding: a matrix product adds in another
order than the chain it stands for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from autograd_lite import batched, codegen, linear
from autograd_lite.codegen import Instruction, Names, Symbol

#: The bound under which an affine group's sums may run in any order: below it no partial sum
#: of eager code's order overflows, so the orders differ by rounding only (see ``Affine``).
LIMIT = 1e300


class Unordered(FloatingPointError):
    """An affine group met numbers so large (or infinite, or NaN) that the order of its sums
    could matter beyond rounding: the batch is then replayed one sample at a time."""


#: Where a slot lives: (its group, its column in the group's block).
Place = tuple[int, int]

#: The groups of the inputs and of the uniform leaves: the number 1 (an affine group's constant
#: terms read it), the parameters, then the constants.
INPUTS, LEAVES = 0, 1


class Buffers:
    """One replay's blocks: ``V[i]`` group i's values, ``G[i]`` its gradients (None until a
    partial arrives), ``shapes[i]`` their shape (B or 1 rows), and what an affine group keeps
    from forward for backward."""

    def __init__(self, shapes: list[tuple[int, int]], size: int, needed: list[bool] | None) -> None:
        self.shapes = shapes
        self.V: list[Any] = [None] * len(shapes)
        self.G: list[Any] = [None] * len(shapes)
        self.kept: dict[int, Any] = {}
        self.previous: Buffers | None = None
        # B ones, for ``total``, made anew each replay: kept with the blocks until the next,
        # the allocation keeps the memory below it from going back to the system (with the
        # ones made once, the blocks at B = 1,000 were faulted in again each replay: 1.4× slower)
        self.ones = np.ones(size)
        self.needed = needed  # which groups' gradients are wanted (None: all)
        self._leaves_magnitude: float | None = None

    def magnitude(self, leaves: Any) -> float:
        """The leaves row's largest magnitude, worked out once per replay."""
        if self._leaves_magnitude is None:
            self._leaves_magnitude = magnitude(leaves)
        return self._leaves_magnitude

    def total(self, block: Any) -> Any:
        """Σ over the samples (the rows) of a block: as a matrix-vector product, 10× faster
        than NumPy's sum along the rows at B = 1,000."""
        return block[0] if block.shape[0] == 1 else self.ones @ block

    def spare(self, i: int, shape: tuple[int, int]) -> Any:
        """The previous replay's values of group ``i`` if they have ``shape``, to write this
        replay's into; else None. Their memory is in place already, where a new block of
        B = 10,000 rows is faulted in page by page. (Reusing gradient blocks as well made
        B = 1,000 slower: which memory goes back to the system shifted.)"""
        block = self.previous.V[i] if self.previous is not None else None
        return block if block is not None and block.shape == shape else None

    def gradient(self, i: int) -> Any:
        """Group i's gradient block, zeros if nothing arrived."""
        if self.G[i] is None:
            self.G[i] = np.zeros(self.shapes[i])
        return self.G[i]


def magnitude(block: Any) -> float:
    """max |x| over a block, infinite if it holds a NaN (then no bound holds)."""
    if not block.size:
        return 0.0
    hi, lo = float(block.max()), float(block.min())
    return max(hi, -lo) if hi == hi and lo == lo else math.inf


class Gather:
    """Some slots' columns as one block, and a block of their gradients added back."""

    def __init__(self, places: Sequence[Place], widths: Sequence[int]) -> None:
        runs: list[tuple[int, list[int]]] = []
        for group, column in places:
            if runs and runs[-1][0] == group:
                runs[-1][1].append(column)
            else:
                runs.append((group, [column]))
        self.whole = (
            runs[0][0] if len(runs) == 1 and runs[0][1] == list(range(widths[runs[0][0]])) else None
        )
        self.runs = [(g, _columns(cs), len(set(cs)) == len(cs)) for g, cs in runs]
        self.bounds = np.cumsum([0] + [len(cs) for _, cs in runs]).tolist()
        self._wanted: tuple[Any, bool] = (None, True)

    def wanted(self, buffers: Buffers) -> bool:
        """Whether any of the slots' gradients is wanted (the answer kept for the one list of
        wanted groups a replay passes, its ``parametric``)."""
        needed = buffers.needed
        if needed is None:
            return True
        if self._wanted[0] is not needed:
            self._wanted = (needed, any(needed[g] for g, _, _ in self.runs))
        return self._wanted[1]

    def get(self, V: list[Any]) -> Any:
        if self.whole is not None:
            return V[self.whole]
        parts = [V[g][:, columns] for g, columns, _ in self.runs]
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)

    def add(self, buffers: Buffers, part: Any, owned: bool) -> None:
        """Add ``part`` (rows × the gathered columns) into the slots' gradients; a block of
        one row (nodes the same for every sample) gets the sum over the samples. The first
        block to arrive at a whole group is kept as its gradient (``owned``: no one else
        holds it), instead of being added to zeros."""
        g = self.whole
        if g is None:
            self._add_runs(buffers, part)
            return
        if buffers.needed is not None and not buffers.needed[g]:
            return  # a gradient no one asked for (an input's, in ``backward``)
        shape = buffers.shapes[g]
        if shape[0] == 1 and part.shape[0] != 1:
            part, owned = buffers.total(part)[None, :], True
        if buffers.G[g] is None and part.shape == shape:
            buffers.G[g] = part if owned else part.copy()
        else:
            target = buffers.gradient(g)
            target += part

    def _add_runs(self, buffers: Buffers, part: Any) -> None:
        """``add`` for slots that are not one whole group: each run's columns picked."""
        for (g, columns, unique), lo, hi in zip(self.runs, self.bounds, self.bounds[1:]):
            piece = part[:, lo:hi] if len(self.runs) > 1 else part
            if buffers.needed is not None and not buffers.needed[g]:
                continue  # a gradient no one asked for (an input's, in ``backward``)
            if buffers.shapes[g][0] == 1 and piece.shape[0] != 1:
                piece = buffers.total(piece)[None, :]
            target = buffers.gradient(g)
            if unique:
                target[:, columns] += piece
            else:
                np.add.at(
                    target,
                    (slice(None), columns),  # type: ignore[arg-type]
                    np.broadcast_to(piece, (target.shape[0], hi - lo)),
                )


def _columns(columns: list[int]) -> slice | np.ndarray:
    if columns == list(range(columns[0], columns[0] + len(columns))):
        return slice(columns[0], columns[0] + len(columns))
    return np.array(columns, dtype=np.intp)


# --- Elementwise groups: the tape's own formulas, run on blocks -------------------------------


class Elementwise:
    """Nodes of one op with alike operands: value = formula(operand blocks); backward adds
    each partial of the rule, computed on the blocks, into its operands' gradients."""

    def __init__(
        self,
        index: int,
        members: Sequence[Instruction],
        places: Mapping[int, Place],
        widths: Sequence[int],
        kernels: Kernels,
    ) -> None:
        first = members[0]
        self.index, self.width = index, len(members)
        self.forward_kernel, self.backward_kernel, self.wanted = kernels.of(
            first.op, first.operands
        )
        self.operands: list[Any] = []
        for k, x in enumerate(first.operands):
            if type(x) is int:
                slots: list[int] = [ins.operands[k] for ins in members]  # type: ignore[misc]
                self.operands.append(Gather([places[s] for s in slots], widths))
            else:
                numbers = [float(ins.operands[k]) for ins in members]
                same = all(_same(c, numbers[0]) for c in numbers)
                self.operands.append(numbers[0] if same else np.array([numbers]))
        # The usual case, every operand a whole block or a constant: (its group, else None;
        # the constant), so that the arguments are a list lookup each.
        reads = [(a.whole, None) if isinstance(a, Gather) else (None, a) for a in self.operands]
        whole = all(
            g is not None or not isinstance(a, Gather) for a, (g, _) in zip(self.operands, reads)
        )
        self.reads = reads if whole else None

    def _arguments(self, V: list[Any]) -> list[Any]:
        if self.reads is not None:
            return [c if g is None else V[g] for g, c in self.reads]
        return [a.get(V) if isinstance(a, Gather) else a for a in self.operands]

    def forward(self, buffers: Buffers) -> None:
        out = self.forward_kernel(*self._arguments(buffers.V))
        shape = buffers.shapes[self.index]
        if type(out) is not np.ndarray or out.dtype is not FLOAT or out.shape != shape:
            out = _block(out, shape)
        buffers.V[self.index] = out

    def backward(self, buffers: Buffers) -> None:
        g, out = buffers.gradient(self.index), buffers.V[self.index]
        arguments = self._arguments(buffers.V)
        partials = self.backward_kernel(g, out, *arguments)
        held = {id(g), id(out), *map(id, arguments)}  # a rule may return g: not owned
        for k, block in zip(self.wanted, partials):
            if type(block) is not np.ndarray or block.dtype is not FLOAT or block.shape != g.shape:
                block = _block(block, g.shape)
            self.operands[k].add(buffers, block, id(block) not in held)


#: NumPy's float64 dtype: an array's ``dtype`` is this very object (tested by ``is``, cheaper).
FLOAT = np.dtype(np.float64)


def _block(x: Any, shape: tuple[int, int]) -> Any:
    """``x`` as a float array of ``shape`` (a formula may return a number or a row)."""
    if type(x) is np.ndarray and x.dtype is FLOAT and x.shape == shape:
        return x
    return np.array(np.broadcast_to(np.asarray(x, dtype=float), shape))


def _same(a: float, b: float) -> bool:
    return (a == b and math.copysign(1.0, a) == math.copysign(1.0, b)) or (a != a and b != b)


class Kernels:
    """Each kind of node's forward formula and partials as two functions on blocks, made once
    from :mod:`codegen`'s templates (the rule run on symbols, or a call of it) and run with
    the functions they call in their array forms."""

    def __init__(self, inline: bool) -> None:
        self.names = Names()
        self.inline = inline
        self._made: dict[Any, tuple[Callable[..., Any], Callable[..., Any], list[int]]] = {}

    def of(
        self, op: str, operands: Sequence[int | float]
    ) -> tuple[Callable[..., Any], Callable[..., Any], list[int]]:
        mask = tuple(type(x) is int for x in operands)
        made = self._made.get((op, mask))
        if made is None:
            made = self._made[(op, mask)] = self._make(op, operands)
        return made

    def _make(
        self, op: str, operands: Sequence[int | float]
    ) -> tuple[Callable[..., Any], Callable[..., Any], list[int]]:
        ins = Instruction(0, op, tuple(operands))
        arguments = [f"a{k}" for k in range(len(operands))]
        value = codegen.forward_expression(
            ins, [Symbol(a) for a in arguments], self.names, self.inline
        )
        fills = {"g": "g", "out": "out", **{a: a for a in arguments}}
        lines, results, wanted = [], [], []
        for i, template in codegen.partial_templates(ins, self.names, self.inline):
            text = template.format_map(fills)
            if i < 0:
                lines.append(f"_t = {text}")
            else:
                results.append(text)
                wanted.append(i)
        signature = ", ".join(arguments)
        source = (
            f"def forward({signature}):\n    return {value.text}\n"
            f"def backward(g, out, {signature}):\n    "
            + "".join(f"{line}\n    " for line in lines)
            + f"return ({''.join(r + ', ' for r in results)})\n"
        )
        namespace = batched.namespace(self.names.namespace)
        exec(compile(source, f"<blocks {op}>", "exec"), namespace)
        return namespace["forward"], namespace["backward"], wanted


# --- Affine groups: a layer's pre-activations as a matrix product -----------------------------


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
        self.scatter = ones and len(set(ks)) == len(ks)
        self.in_order = positions == list(range(size))

    def of(self, u: np.ndarray) -> np.ndarray:
        if self.gather is not None:
            return u[self.gather]
        return np.bincount(self.positions, self.cs * u[self.ks], minlength=self.size)

    def add_back(self, row: np.ndarray, d: np.ndarray) -> None:
        if self.scatter:
            row[self.ks] += d if self.in_order else d[self.positions]
        else:
            row += np.bincount(self.ks, self.cs * d[self.positions], minlength=self.length)


class Affine:
    """Nodes aᵣ = Σ (their terms): A = X Wᵀ + b, X the shared sample-dependent leaves' block,
    W and b sums of the other leaves (weights, biases) read from the nodes' value terms; the
    backward matrices read from their partials (see the module's docstring)."""

    def __init__(
        self,
        index: int,
        forms: Sequence[linear.Form],
        batch: set[int],
        places: Mapping[int, Place],
        widths: Sequence[int],
    ) -> None:
        leaves = sorted({s for f in forms for s in _leaves(f)})
        xs, us = [s for s in leaves if s in batch], [s for s in leaves if s not in batch]
        self.index, self.m, self.n = index, len(forms), len(xs)
        self.X = Gather([places[s] for s in xs], widths) if xs else None
        # u: the leaves row itself (its column 0 is the number 1) when every coefficient is a
        # parameter or a constant, as in a layer; else [1, the uniform leaves' values]
        self.direct = all(places[s][0] == LEAVES for s in us)
        if self.direct:
            self.U = Gather([(LEAVES, c) for c in range(widths[LEAVES])], widths)
            unit = {s: places[s][1] for s in us}
        else:
            self.U = Gather([places[s] for s in us], widths)
            unit = {s: k + 1 for k, s in enumerate(us)}
        length = widths[LEAVES] if self.direct else len(us) + 1
        self._matrices(forms, {s: j for j, s in enumerate(xs)}, unit, length)
        # no partial sum of eager code's exceeds scale·max(1, |u|)·max(1, |x|) (linear.Form)
        terms = max(len(f.value) + sum(map(len, f.partials.values())) for f in forms)
        self.scale = terms * max(1.0, *(f.peak for f in forms))

    def _matrices(
        self,
        forms: Sequence[linear.Form],
        column: dict[int, int],
        unit: dict[int, int],
        length: int,
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
        size = self.m * self.n
        self.W, self.b = Combination(w, size, length), Combination(b, self.m, length)
        self.Wb = None if sorted(wb) == sorted(w) else Combination(wb, size, length)
        self.S = Combination(s_terms, self.m, length) if s_terms else None
        self.M = Combination(m_terms, size, length) if m_terms else None
        self.length = length

    def _u(self, V: list[Any]) -> np.ndarray:
        if self.direct:
            return V[LEAVES][0]  # type: ignore[no-any-return]
        return np.concatenate(([1.0], self.U.get(V)[0]))

    def _check(self, *magnitudes: float) -> None:
        """Raise :class:`Unordered` unless scale·Π max(1, m) ≤ LIMIT (NaN fails)."""
        bound = self.scale
        for m in magnitudes:
            if m > 1.0:  # max(1.0, m): NaN and m ≤ 1 leave the bound as it is
                bound *= m
        if not bound <= LIMIT:
            raise Unordered("a sum of products met numbers too large to add in another order")

    def forward(self, buffers: Buffers) -> None:
        V = buffers.V
        u = self._u(V)
        X = self.X.get(V) if self.X is not None else None
        # the largest magnitudes of u (the leaves row's: once per replay) and of X
        sizes = (
            buffers.magnitude(V[LEAVES]) if self.direct else magnitude(u),
            0.0 if X is None else magnitude(X),
        )
        self._check(*sizes)
        w, b = self.W.gather, self.b.gather  # the usual layer's W and b: one gather each
        W = (u[w] if w is not None else self.W.of(u)).reshape(self.m, self.n)
        buffers.kept[self.index] = (u, W, X, sizes)
        bias = u[b] if b is not None else self.b.of(u)
        if X is None:
            V[self.index] = bias[None, :]
        else:
            spare = buffers.spare(self.index, (X.shape[0], self.m))
            block = np.matmul(X, W.T, out=spare)
            if self.b.terms:  # adding a zero bias would turn −0.0 into 0.0
                block += bias
            V[self.index] = block

    def backward(self, buffers: Buffers) -> None:
        delta = buffers.gradient(self.index)
        u, W, X, sizes = buffers.kept[self.index]
        self._check(*sizes, magnitude(delta), delta.shape[0])  # Σ_b over the rows too
        if self.X is not None and self.X.wanted(buffers):
            Wb = W if self.Wb is None else self.Wb.of(u).reshape(self.m, self.n)
            # ΔW; for one node an outer product, which a broadcast does faster than matmul
            # ΔW; for one node an outer product, which a broadcast does faster than matmul
            self.X.add(buffers, delta @ Wb if self.m > 1 else delta * Wb, True)
        if self.S is None and self.M is None:
            return
        # into the leaves' gradient row itself, or a row [1, the uniform leaves] added back
        d = buffers.gradient(LEAVES)[0] if self.direct else np.zeros(self.length)
        if self.S is not None:
            self.S.add_back(d, buffers.total(delta))
        if self.M is not None and X is not None:
            self.M.add_back(d, (delta.T @ X).ravel())
        if not self.direct:
            self.U.add(buffers, d[None, 1:], True)


def _leaves(f: linear.Form) -> set[int]:
    found = set(f.partials)
    for terms in (f.value, *f.partials.values()):
        for monomial in terms:
            found.update(monomial)
    return found


# --- The plan: nodes folded, leveled and grouped ----------------------------------------------


class Replay:
    """A recording's batched replay in blocks; ``run`` gives what :meth:`Tape.backward` needs."""

    def __init__(
        self,
        instructions: Sequence[Instruction],
        live: int,
        n_inputs: int,
        n_parameters: int,
        constants: Sequence[float],
        root: int,
        inline: bool,
    ) -> None:
        self.n_inputs, self.n_parameters, self.constants = n_inputs, n_parameters, list(constants)
        n_leaves = n_parameters + len(constants)
        batch = _reading(instructions, set(range(n_inputs)))
        parametric = _reading(instructions, set(range(n_inputs, n_inputs + n_parameters)))
        forms, folded = _forms(instructions, live, batch, root)
        units = [ins for ins in instructions if ins.slot not in folded]
        kinds = _kinds(units, forms, batch, {ins.slot for ins in instructions[:live]})
        widths, places = _places(kinds, n_inputs, n_leaves)
        self.root, self.widths = places[root], widths
        self.uniform = [False, True, *[not rows for rows, *_ in kinds]]
        #: Whether a group depends on a parameter: else backward needs no gradient of it.
        self.parametric = [False, True] + [
            any(ins.slot in parametric for ins in members) for _, _, members, _ in kinds
        ]
        self._kept: Buffers | None = None
        kernels, self.groups = Kernels(inline), []
        for index, (_, affine, members, alive) in enumerate(kinds, start=2):
            if affine:
                found = [forms[ins.slot] for ins in members]
                group: Any = Affine(index, [f for f in found if f], batch, places, widths)
            else:
                group = Elementwise(index, members, places, widths, kernels)
            self.groups.append((group, alive))
        self._backward = [group for group, alive in reversed(self.groups) if alive]
        self._shapes: dict[int, list[tuple[int, int]]] = {}

    def run(
        self,
        numbers: Sequence[Any],
        parameters: Sequence[float],
        size: int,
        seed: Any,
        inputs: bool = True,
    ) -> tuple[np.ndarray, list[np.ndarray], list[float]]:
        """The outputs, each input's gradients (if ``inputs``) and the parameters' summed over
        the batch (only the outputs when ``seed`` is None)."""
        if size not in self._shapes:  # the blocks' shapes, worked out once per batch size
            shapes = [(1 if uniform else size, w) for uniform, w in zip(self.uniform, self.widths)]
            self._shapes = {size: shapes}
        buffers = Buffers(self._shapes[size], size, None if inputs else self.parametric)
        buffers.previous = self._kept
        V = buffers.V
        V[INPUTS] = np.empty((size, self.n_inputs), order="F")  # a column per input, contiguous
        for i, x in enumerate(numbers):
            V[INPUTS][:, i] = x
        V[LEAVES] = np.array([[1.0, *parameters, *self.constants]], dtype=float)
        for group, _ in self.groups:
            group.forward(buffers)
        g, c = self.root
        outputs = np.array(np.broadcast_to(V[g][:, c], (size,)))
        # The blocks are kept until the next replay: freed at once, their memory would go back
        # to the system and be faulted in again next time (it made the step 4× slower at B = 1,000).
        buffers.previous = None  # its blocks are this replay's now, or garbage
        self._kept = buffers
        if seed is None:
            return outputs, [], []
        root = buffers.gradient(g)
        root[:, c] += seed if root.shape[0] == size else batched.total(seed, size)
        for group in self._backward:
            group.backward(buffers)
        sums = buffers.gradient(LEAVES)[0, 1 : 1 + self.n_parameters].tolist()
        if not inputs:
            return outputs, [], sums
        block = buffers.gradient(INPUTS)
        return outputs, [block[:, i].copy() for i in range(self.n_inputs)], sums


def _reading(instructions: Sequence[Instruction], slots: set[int]) -> set[int]:
    """``slots`` and the nodes that depend on one of them (the samples' inputs: the nodes with
    a row per sample; the parameters: the nodes whose gradient a parameter's needs)."""
    found = set(slots)
    for ins in instructions:
        if any(type(x) is int and x in found for x in ins.operands):
            found.add(ins.slot)
    return found


def _forms(
    instructions: Sequence[Instruction], live: int, batch: set[int], root: int
) -> tuple[dict[int, linear.Form | None], set[int]]:
    """Each node's form (None: elementwise), and the nodes folded into their one consumer's
    (``linear.fold`` decides); only nodes that lead to the output (``instructions[:live]``)
    fold, and only those no other node reads."""
    uses: dict[int, int] = {}
    for ins in instructions:
        for x in ins.operands:
            if type(x) is int:
                uses[x] = uses.get(x, 0) + 1
    forms: dict[int, linear.Form | None] = {}
    folded: set[int] = set()
    for ins in instructions[:live]:
        f = linear.form(ins.op, ins.operands)
        f = f if f is not None and _fits(f, batch) else None
        for x in dict.fromkeys(o for o in ins.operands if type(o) is int):
            inner = forms.get(x)
            if f is not None and inner is not None and uses[x] == 1 and x != root:
                into = linear.fold(f, inner, x)
                if into is not None:
                    f, forms[x] = into, None
                    folded.add(x)
        forms[ins.slot] = f
    return forms, folded


def _fits(f: linear.Form, batch: set[int]) -> bool:
    """Whether a form is an affine map of the sample-dependent leaves with coefficients that
    are not: its products pair one of each, and so do its partials."""
    for monomial in f.value:
        if len(monomial) == 2 and (monomial[0] in batch) == (monomial[1] in batch):
            return False
    for leaf, terms in f.partials.items():
        if any(monomial and (monomial[0] in batch) == (leaf in batch) for monomial in terms):
            return False
    return True


def _is_affine(f: linear.Form | None) -> bool:
    """A form worth a matrix product: nodes folded into it, or products in it."""
    return f is not None and (f.size > 1 or any(len(m) == 2 for m in f.value))


#: A group before it is built: (whether its blocks have a row per sample, whether it is affine,
#: its nodes, whether they lead to the output).
Kind = tuple[bool, bool, list[Instruction], bool]


def _kinds(
    units: Sequence[Instruction],
    forms: dict[int, linear.Form | None],
    batch: set[int],
    alive: set[int],
) -> list[Kind]:
    """The groups: nodes of one kind at one level (1 + the deepest level of what they read,
    the leaves at 0), in the order of their levels, so each group reads only earlier ones."""
    level: dict[int, int] = {}
    groups: dict[Any, list[Instruction]] = {}
    for ins in units:
        f = forms.get(ins.slot)
        affine = _is_affine(f)
        reads = sorted(_leaves(f)) if affine else [x for x in ins.operands if type(x) is int]  # type: ignore[arg-type]
        depth = 1 + max((level.get(x, 0) for x in reads), default=0)
        level[ins.slot] = depth
        rows = ins.slot in batch
        if affine:
            key: Any = (depth, rows, True, tuple(x for x in reads if x in batch))
        else:
            classes = tuple(
                "c" if type(x) is not int else "b" if x in batch else "u" for x in ins.operands
            )
            key = (depth, rows, False, ins.op, classes, ins.slot in alive)
        groups.setdefault(key, []).append(ins)
    ordered = sorted(groups.items(), key=lambda item: (item[0][0], item[1][0].slot))
    return [(key[1], key[2], members, key[2] or key[5]) for key, members in ordered]


def _places(
    kinds: Sequence[Kind], n_inputs: int, n_leaves: int
) -> tuple[list[int], dict[int, Place]]:
    """Each group's width, and each slot's place (group, column); folded slots have none."""
    widths = [n_inputs, 1 + n_leaves, *[len(members) for _, _, members, _ in kinds]]
    places: dict[int, Place] = {i: (INPUTS, i) for i in range(n_inputs)}
    places.update({n_inputs + i: (LEAVES, 1 + i) for i in range(n_leaves)})
    for index, (_, _, members, _) in enumerate(kinds, start=2):
        places.update({ins.slot: (index, j) for j, ins in enumerate(members)})
    return widths, places
