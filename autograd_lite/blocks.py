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
  templates), written once for the blocks, with the functions they call in their array forms
  (:mod:`autograd_lite.batched`): a ReLU of 16 neurons over 1,000 samples is one call.

The groups are written out as a **block program**, straight-line Python as the float replay
is (:class:`Source`): each line one NumPy operation on whole blocks, with everything that does
not depend on the numbers (which block a gradient goes to, whether one has arrived there yet,
which rows are summed over the batch) settled when the program is written. At B = 100 the
nn.MLP moons step's program is about 100 such lines and takes 40 µs
(``python -m bench.batch --pieces``): each NumPy call costs about a microsecond between the
blocks, so the views the lines read are made once, with the buffers (``Source.view``).

Values and gradients agree with eager code to rounding: a matrix product adds in another
order than the chain it stands for.
"""

from __future__ import annotations

import ast
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from autograd_lite import batched, codegen, linear
from autograd_lite.codegen import Instruction, Names, Symbol
from autograd_lite.program import Shape, Source, writes_into, written_into

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

#: How many groups one generated function holds: a deep graph's program is several functions.
CHUNK = 64

FLOAT = batched.FLOAT


_dot = np.dot


def magnitude(block: Any) -> float:
    """A bound on max |x| over a block: √(Σx²), one BLAS call (two passes, max and min, cost
    2.5× as much). Infinite if the block holds an infinity or a NaN (then no bound holds); where
    Σx² overflows (numbers beyond 1e154), NumPy raises FloatingPointError, and the batch, as
    for any bound that fails, is replayed one sample at a time."""
    flat = block if block.ndim == 1 else block.ravel("K")
    squares = _dot(flat, flat)
    return math.sqrt(squares) if squares == squares else math.inf


def _read_only(x: np.ndarray) -> np.ndarray:
    """``x``, made read-only: a constant the program names, shared by every replay."""
    x.flags.writeable = False
    return x


def _bracketed(expression: str) -> str:
    """An expression as a factor: in brackets unless a number, a name or an item."""
    simple = _HELD.fullmatch(expression) or expression.replace(".", "").isdigit()
    return expression if simple else f"({expression})"


def _at_least_one(numbers: Any) -> float:
    """max(1, √Σ x²) of a number or an array of them, ∞ if one is ∞ or NaN (no overflow:
    ``math.hypot``)."""
    m = math.hypot(*np.ravel(numbers).tolist())
    return max(1.0, m) if m == m else math.inf


def _seed_bound(seed: Any, size: int) -> float:
    """The magnitude of the root's gradient, B samples of ``seed`` (a number or B numbers):
    |seed|·√B for a number, without a pass (∞ for NaN, as :func:`magnitude`)."""
    if type(seed) is not float:
        return magnitude(seed)
    return abs(seed) * size**0.5 if seed == seed else math.inf


def _block(x: Any, shape: tuple[int, int]) -> Any:
    """``x`` as a float array of ``shape`` (a formula may return a number or a row)."""
    if type(x) is np.ndarray and x.dtype is FLOAT and x.shape == shape:
        return x
    return np.array(np.broadcast_to(np.asarray(x, dtype=float), shape))


def _same(a: float, b: float) -> bool:
    return (a == b and math.copysign(1.0, a) == math.copysign(1.0, b)) or (a != a and b != b)


#: A name, or an item of one: a partial written so is an array someone else holds (the
#: gradient, an operand, one item of a rule's results), not one made for the partial.
_HELD = re.compile(r"\(*[A-Za-z_]\w*(\[\d+\])*\)*")

#: What the block program's lines call besides the formulas' functions.
_HELPERS = {"np": np, "ndarray": np.ndarray, "FLOAT": FLOAT, "LIMIT": LIMIT, "hypot": math.hypot}
_HELPERS.update(inf=math.inf, seed_bound=_seed_bound)
_HELPERS.update(block=_block, magnitude=magnitude, Unordered=Unordered, total=batched.total)


def _with_ones(x: np.ndarray) -> np.ndarray:
    """[1 | x]: a column of ones before a block."""
    return np.concatenate((np.ones((x.shape[0], 1)), x), axis=1)


_HELPERS["with_ones"] = _with_ones

_UNORDERED = "a sum of products met numbers too large to add in another order"


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
        self.whole = (
            runs[0][0] if len(runs) == 1 and runs[0][1] == list(range(widths[runs[0][0]])) else None
        )
        self.runs = [(g, _columns(cs), len(set(cs)) == len(cs)) for g, cs in runs]
        self.bounds = np.cumsum([0] + [len(cs) for _, cs in runs]).tolist()

    def wanted(self, src: Source) -> bool:
        """Whether any of the slots' gradients is wanted."""
        return any(src.wanted(g) for g, _, _ in self.runs)

    def shape(self, src: Source) -> Shape:
        return (not src.uniform[self.runs[0][0]], self.bounds[-1])

    def keeps(self, src: Source, batch: bool) -> str | None:
        """The buffer a part of B rows (``batch``) is best worked out into: the gradient
        buffer of the one group it is all of, if it will become that group's gradient."""
        g = self.whole
        if g is None or not batch or src.uniform[g] or not src.wanted(g) or not src.keeps(g):
            return None
        return src.buffer("G", g)

    def get(self, src: Source) -> str:
        """The block, as an expression (a view made once, of the inputs' or the leaves' block,
        where it is one)."""
        if self.whole is not None:
            return f"V[{self.whole}]"
        parts = [f"V[{g}][:, {_text(columns, src)}]" for g, columns, _ in self.runs]
        (g, columns, _), *others = self.runs
        if not others and g in (INPUTS, LEAVES) and isinstance(columns, slice):
            return src.view(parts[0])
        return parts[0] if len(parts) == 1 else f"np.concatenate(({', '.join(parts)}), axis=1)"

    def add(
        self, src: Source, part: str, batch: bool, owned: bool, into: str | None = None
    ) -> None:
        """Lines adding ``part`` (rows × the gathered columns: B rows if ``batch``, else one)
        into the slots' gradients; a block of one row (nodes the same for every sample) gets
        the sum over the samples, ``ones @ part``. ``into``: the buffer of :meth:`keeps` that
        ``part`` was worked out into, if it was."""
        g = self.whole
        if g is not None:
            if src.wanted(g):
                summed = src.uniform[g] and batch
                text = f"(ones @ {part})[None, :]" if summed else part
                src.receive(g, text, owned or summed, None if summed else into)
            return
        for (g, columns, unique), lo, hi in zip(self.runs, self.bounds, self.bounds[1:]):
            if not src.wanted(g):
                continue  # a gradient no one asked for (an input's, in ``backward``)
            piece = f"{part}[:, {lo}:{hi}]" if len(self.runs) > 1 else part
            if src.uniform[g] and batch:
                piece = f"(ones @ {piece})[None, :]"
            target = src.gradient(g)
            if unique and isinstance(columns, slice):
                src.line(f"{src.gradient_part(g, f'[:, {_text(columns, src)}]')} += {piece}")
            elif unique:
                src.line(f"{target}[:, {_text(columns, src)}] += {piece}")
            else:
                _add_repeated(src, target, piece, columns, hi - lo)


def _one_source(gather: Any) -> int | None:
    """The group a gather takes distinct columns of, or None (several groups, or a column
    taken twice: then its block may be larger than the group's, and a bound of the group
    is not one of the block, nor one of the gradients added back)."""
    if not isinstance(gather, Gather) or len(gather.runs) != 1 or not gather.runs[0][2]:
        return None
    return gather.runs[0][0]


#: The ops with |f(x)| ≤ |x| for every number x: a block of them is no larger than its operand.
SHRINKING = frozenset({"relu", "abs", "tanh"})

#: How an op's bound follows from its operands' (:meth:`Elementwise._bound`): ‖x ∘ y‖ ≤ ‖x‖‖y‖
#: (Cauchy–Schwarz: each entry of x ∘ y is one pair's product, broadcast or not), ‖x ± y‖ ≤
#: ‖x‖ + ‖y‖, and ‖f(x)‖ ≤ ‖x‖ for −x and the :data:`SHRINKING` ops. Every bound is at least 1
#: (so no product of bounds is 0·∞, NaN) and is ∞ where a block holds an infinity or a NaN.
BOUNDED = {"mul": "*", "add": "+", "sub": "+", "neg": "*", **dict.fromkeys(SHRINKING, "*")}

#: The longest bound expression kept: a deep chain of elementwise groups has none after it.
MAX_BOUND = 200


#: Up to this many distinct columns, a part with repeated columns is summed column by column.
REPEATED = 4


def _add_repeated(src: Source, target: str, piece: str, columns: Any, width: int) -> None:
    """Lines adding ``piece``'s columns into ``target``'s ``columns`` (an index array), some
    of them the same (softmax's shift by the maximum: ten partials into its one column): each
    distinct column gets the sum of its own; ``np.add.at`` for more (15 ns an element: 150 µs
    for ten columns at B = 1,000)."""
    distinct = sorted(set(columns.tolist()))
    if len(distinct) > REPEATED:
        shape = f"({target}.shape[0], {width})"
        at = f"(slice(None), {src.name(columns)})"
        src.line(f"np.add.at({target}, {at}, np.broadcast_to({piece}, {shape}))")
        return
    for c in distinct:
        own = src.name(np.flatnonzero(columns == c))
        src.line(f"{target}[:, {c}] += {piece}[:, {own}].sum(axis=1)")


def _columns(columns: list[int]) -> slice | np.ndarray:
    if columns == list(range(columns[0], columns[0] + len(columns))):
        return slice(columns[0], columns[0] + len(columns))
    return np.array(columns, dtype=np.intp)


def _text(columns: slice | np.ndarray, src: Source) -> str:
    """Columns as they index a block in the program: ``lo:hi``, or a named index array."""
    if isinstance(columns, slice):
        return f"{columns.start}:{columns.stop}"
    return src.name(columns)


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
    ) -> None:
        first = members[0]
        self.index, self.width = index, len(members)
        self.template = Instruction(0, first.op, tuple(first.operands))
        self.operands: list[Any] = []
        for k, x in enumerate(first.operands):
            if type(x) is int:
                slots: list[int] = [ins.operands[k] for ins in members]  # type: ignore[misc]
                self.operands.append(Gather([places[s] for s in slots], widths))
            else:
                numbers = [float(ins.operands[k]) for ins in members]
                same = all(_same(c, numbers[0]) for c in numbers)
                self.operands.append(numbers[0] if same else np.array([numbers]))

    def _arguments(self, src: Source, forward: bool) -> tuple[list[str], dict[str, Shape]]:
        """The operands as the lines name them, and their shapes: a whole group's block, a
        named constant, or an item of ``a``, the gathered operands, kept in ``R`` from forward
        for backward."""
        twins = [self._twin(k) for k in range(len(self.operands))]
        gathered = [
            isinstance(o, Gather) and o.whole is None and twin is None
            for o, twin in zip(self.operands, twins)
        ]
        names: list[str] = []
        shapes = {}
        for k, o in enumerate(self.operands):
            if twins[k] is not None:  # x·x: one block for both
                names.append(names[twins[k]])  # type: ignore[index]
            elif isinstance(o, Gather):
                names.append(f"a[{k}]" if gathered[k] else o.get(src))
                shapes[names[-1]] = o.shape(src)
            else:
                names.append(src.name(o, None if isinstance(o, float) else (False, o.shape[1])))
                shapes[names[-1]] = src.shapes[names[-1]]
        if any(gathered):
            if forward:
                items = "".join(
                    f"{o.get(src) if g else 'None'}, " for o, g in zip(self.operands, gathered)
                )
                src.line(f"a = R[{self.index}] = ({items})")
            else:
                src.line(f"a = R[{self.index}]")
        return names, shapes

    def _twin(self, k: int) -> int | None:
        """The first operand before the k-th gathering the very same slots (x·x), or None."""
        o = self.operands[k]
        if not isinstance(o, Gather):
            return None
        return next(
            (
                j
                for j, p in enumerate(self.operands[:k])
                if isinstance(p, Gather) and p.places == o.places
            ),
            None,
        )

    def forward(self, src: Source) -> None:
        """v = the formula on the operands' blocks, worked out into the group's buffer."""
        names, shapes = self._arguments(src, True)
        arguments = [Symbol(a) for a in names]
        value = codegen.forward_expression(self.template, arguments, src.names, src.inline)
        i, shape = self.index, src.dims(self.index)
        target = None if src.uniform[i] else (src.buffer("V", i), src.shape(i))
        bound = self._bound(src)
        if bound is not None:
            src.bounds[i] = bound
        text = written_into(value.text, shapes, src, target)
        if target is not None and writes_into(text, target[0]):
            src.line(f"V[{i}] = {text}")
            return
        if _is_block(value.text, shapes, src.shape(i)):
            src.line(f"V[{i}] = {text}")
            return
        src.line(f"v = {text}")
        fits = f"type(v) is ndarray and v.dtype is FLOAT and v.shape == {shape}"
        src.line(f"V[{i}] = v if {fits} else block(v, {shape})")

    def _bound(self, src: Source) -> str | None:
        """A bound on ‖v‖ (√Σ v², see ``src.bounds``) from the operands' bounds, as an
        expression, where the op has a rule for it (:data:`BOUNDED`) and every operand a bound;
        else None. ‖·‖ of an operand is of it broadcast to v's shape: ‖x‖ for the factor of a
        product, ‖x‖·√(v's entries / x's) for a term of a sum."""
        rule, i = BOUNDED.get(self.template.op), self.index
        batch, width = not src.uniform[i], src.widths[i]
        bounds = []
        for o in self.operands:
            if isinstance(o, Gather):
                source, (rows, w) = _one_source(o), o.shape(src) or (False, 0)
                bound = None if source is None else src.bounds.get(source)
            else:  # a number, or a row of numbers: its magnitude now, at least 1
                bound, rows, w = repr(_at_least_one(o)), False, np.size(o)
            if rule is None or bound is None:
                return None
            if rule == "+":  # spread over more rows or columns: ‖x‖·√(how many times)
                spread = [repr(math.sqrt(width / w))] if w < width else []
                rows_spread = ["size ** 0.5"] if batch > rows else []
                bound = " * ".join([_bracketed(bound), *spread, *rows_spread])
            bounds.append(_bracketed(bound))
        text = f" {rule} ".join(bounds)
        return text if len(text) <= MAX_BOUND else None

    def backward(self, src: Source) -> None:
        """Every partial, even one whose operand's gradient no one asked for: eager code's
        backward computes it too, and raises where it fails (√'s at 0); but not such a partial
        of only +, − and × (an input's g·w), which cannot fail on floats."""
        i = self.index
        src.line(f"g, out = {src.gradient(i)}, V[{i}]")
        names, shapes = self._arguments(src, False)
        fills = {"g": "g", "out": "out", **{f"a{k}": a for k, a in enumerate(names)}}
        shapes.update(g=src.shape(i), out=src.shape(i))
        batch = not src.uniform[i]
        last: tuple[int, str] | None = None  # the operand and text of the last p computed
        for k, template in codegen.partial_templates(self.template, src.names, src.inline):
            text = template.format_map(fills)
            if k < 0:  # one call for all the partials, then its items
                src.line(f"_t = {text}")
                continue
            if not self.operands[k].wanted(src) and _arithmetic(text):
                continue
            if last is not None and last == (self._twin(k), text):
                # x·x: g·x again, into the same gradient (added, never its block: p may be)
                self.operands[k].add(src, "p", batch, False)
                continue
            last = (k, text)
            kept = self.operands[k].keeps(src, batch)
            target = None if kept is None else (kept, src.shape(i))
            written = written_into(text, shapes, src, target)
            src.line(f"p = {written}")
            unchecked = target is not None and writes_into(written, target[0])
            if not unchecked and not _is_block(text, shapes, src.shape(i)):
                fits = "type(p) is ndarray and p.dtype is FLOAT and p.shape == g.shape"
                src.line(f"p = p if {fits} else block(p, g.shape)")
            # p is the operand's own buffer, or a new array; a block of B rows not worked out
            # into that buffer may be a scratch buffer, which the next line overwrites
            owned = _HELD.fullmatch(text) is None and (kept is not None or not batch)
            self.operands[k].add(src, "p", batch, owned, kept if unchecked else None)


def _operands(text: str) -> list[str] | None:
    """The operands (names, numbers, items) of an expression that joins them by +, − and ×
    only, else None: on floats such an expression cannot raise (an overflow is an infinity,
    not an error). An item's index is not computed on floats, so it may be anything."""
    found, stack = [], [ast.parse(text, mode="eval").body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
            stack += [node.left, node.right]
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            stack.append(node.operand)
        elif isinstance(node, ast.Name | ast.Subscript) and _is_item(node):
            found.append(ast.unparse(node))
        elif not (isinstance(node, ast.Constant) and type(node.value) in (int, float)):
            return None
    return found


def _is_item(node: ast.expr) -> bool:
    """A name, or an item of a name (``a[1]``, ``V[0][:, 2:3]``)."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return isinstance(node, ast.Name)


def _arithmetic(text: str) -> bool:
    """Whether an expression is operands joined by +, − and × only (see :func:`_operands`)."""
    return _operands(text) is not None


def _is_block(text: str, shapes: Mapping[str, Shape], shape: Shape) -> bool:
    """Whether an expression is sure to be a float block of ``shape``, needing no check: +, −
    and × of numbers and of blocks of that very shape (at least one)."""
    operands = _operands(text)
    if operands is None:
        return False
    known = [shapes.get(name, "unknown") for name in operands]
    return shape in known and all(k == shape or k is None for k in known)


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
        self.unique = len(set(ks)) == len(ks)
        self.scatter = ones and self.unique
        self.in_order = positions == list(range(size))
        #: The ks as a slice where they run side by side (a view where indexing would copy).
        self.at: slice | np.ndarray = _columns(ks) if ks and self.unique else self.ks
        #: The array itself where no entry reads u beyond its number 1 at k = 0 (coefficients
        #: fixed when the recording was made, as a loss term's 1 beside a penalty's weights).
        self.constant = self.of(np.ones(1)) if all(k == 0 for k in ks) else None
        #: Each k of 1 … length − 1 once: then the transpose's row is dense (see ``dense``).
        self.covering = sorted(ks) == list(range(1, length))

    def of(self, u: np.ndarray) -> np.ndarray:
        if self.gather is not None:
            return u[self.gather]
        if self.size == 1:  # one entry, Σ c·u[k] (a penalty's sum): a dot product
            return np.array([np.dot(self.cs, u[self.at])])
        return np.bincount(self.positions, self.cs * u[self.ks], minlength=self.size)

    def add_back(self, row: np.ndarray, d: np.ndarray) -> None:
        if self.scatter:
            row[self.at] += d if self.in_order else d[self.positions]
        elif self.unique:  # each k once: c·d[position] added at k
            row[self.at] += self.cs * (d[0] if self.size == 1 else d[self.positions])
        else:
            row += np.bincount(self.ks, self.cs * d[self.positions], minlength=self.length)

    def dense(self, src: Source, d: str) -> str:
        """For a ``covering`` combination, the transpose's row itself, without u's column 0:
        entry k − 1 is c·d[position] of the one term reading u[k] (what ``add_back`` adds
        into a row of zeros, but for the sign of a zero)."""
        order = np.argsort(self.ks)
        cs = src.name(_read_only(self.cs[order][None, :]), (False, self.length - 1))
        if self.size == 1:  # d has one entry: the row c·d
            return f"{cs} * {d}"
        return f"{cs} * {d}[{src.name(self.positions[order])}]"

    def number(self, src: Source, u: str) -> str | None:
        """The one entry Σ c·u[k] as a number, where the ks lie side by side in ``u`` (a
        view made once): one dot product with a view of them, made once too (``of`` makes
        two arrays more). None for any other combination."""
        if self.size != 1 or self.constant is not None or not isinstance(self.at, slice):
            return None
        cs = src.name(_read_only(self.cs.copy()), (False, len(self.cs)))
        return f"np.dot({cs}, {src.view(f'{u}[{self.at.start}:{self.at.stop}]')})"

    def get(self, src: Source, u: str) -> str:
        """The array, as an expression of ``u``: a layer's W or b is one gather."""
        if self.constant is not None:
            return src.name(_read_only(self.constant))
        if self.gather is not None:
            return f"{u}[{src.name(self.gather)}]"
        return f"{src.name(self)}.of({u})"


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
        #: The layer j whose backward leaves a bound of this group's gradient in R[j], and
        #: whether this group leaves one for a layer below it (see ``gradient_bounds``).
        self.gradient_bound: int | None = None
        self.bounds_below = False

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
        self.plain = self._plain()

    def _plain(self) -> np.ndarray | None:
        """For a layer as layers are (each weight and bias of the leaves once, with coefficient
        1, in forward as in backward; X the first columns of one group), the leaves' indices
        of [b | W], row by row: then A = [b | W]·[1 | X]ᵀ, a column of ones before X, adds the
        biases in the matrix product, and its transpose's [Σ_b Δ | ΔᵀX] their gradients (in
        place of a broadcast add of b and a sum over the rows, each as slow as the product at
        B = 1,000). None for any other group."""
        W, b, S, M = self.W, self.b, self.S, self.M
        if not self.direct or self.X is None or self.Wb is not None or S is None or M is None:
            return None
        if W.gather is None or b.gather is None or len(b.ks) != self.m:
            return None
        same = all(
            c.scatter and c.in_order and np.array_equal(c.ks, d.ks) for c, d in ((S, b), (M, W))
        )
        (_, columns, _), *others = self.X.runs
        if not same or others or not isinstance(columns, slice) or columns.start != 0:
            return None
        rows = np.concatenate([b.ks[:, None], W.ks.reshape(self.m, self.n)], axis=1).ravel()
        # a leaf both a weight and a bias (shared) would be added back once: d[rows] += ...
        return rows if len(set(rows.tolist())) == len(rows) else None

    def _rows(self) -> slice | np.ndarray:
        """A plain layer's [b | W] in the leaves' row: a slice where they lie side by side,
        row by row (a view, not a copy), else their indices."""
        return _columns(self.plain.tolist())  # type: ignore[union-attr]

    def ones(self) -> int | None:
        """The group a plain layer reads its X from (see :meth:`_plain`), else None."""
        return self.X.runs[0][0] if self.plain is not None and self.X is not None else None

    def _check(self, src: Source, *magnitudes: str, exact: Mapping[str, str] | None = None) -> None:
        """A line raising :class:`Unordered` unless scale·Π max(1, m) ≤ LIMIT; the m named in
        ``exact`` are upper bounds, and before failing the test is tried again with each of
        them measured by its expression there (and assigned to it)."""
        scale = src.name(self.scale)

        def at_least_one(m: str) -> str:  # max(1.0, m), a name's without the call
            if m in ("mu", "size"):  # ‖u‖ ≥ 1 (u holds the number 1), and B ≥ 1
                return m
            return f"({m} if {m} > 1.0 else 1.0)" if m.isidentifier() else f"max(1.0, {m})"

        def product(ms: Sequence[str]) -> str:
            return " * ".join([scale, *(at_least_one(m) for m in ms if m != "1")])

        test = f"{product(magnitudes)} <= LIMIT"
        if exact:
            measured = [f"({m} := {exact[m]})" if m in exact else m for m in magnitudes]
            test = f"({test} or {product(measured)} <= LIMIT)"
        src.line(f"if not {test}: raise Unordered({_UNORDERED!r})")

    def forward(self, src: Source) -> None:
        """u (the leaves row, or [1, the uniform leaves]), X, the bound checked, W and b
        gathered from u, then A = X Wᵀ + b, written into the group's buffer."""
        i, exact = self.index, {}
        if self.direct:
            src.line(f"u, mu = {self._u(src)}, R[1]")
        else:  # into a row of the program's whose column 0 holds 1
            src.line(f"u = {self._u(src)}")
            src.line(f"u[1:] = {self.U.get(src)}[0]")
            bound = self._bound_of(src, self.U)  # ‖[1, v]‖ = √(1 + ‖v‖²)
            src.line(f"mu = {'magnitude(u)' if bound is None else f'hypot(1.0, {bound})'}")
            if bound is not None:
                exact["mu"] = "magnitude(u)"
        if self.X is None:
            src.line("X, mx = None, 0.0")
        else:
            src.line(f"X = {self.X.get(src)}")
            bound = self._bound_of(src, self.X)
            src.line(f"mx = {bound or 'magnitude(X)'}")
            if bound is not None:
                exact["mx"] = "magnitude(X)"
        # a bound too loose to pass (deep layers multiply it) is replaced by the magnitude
        self._check(src, "mu", "mx", exact=exact)
        if self.plain is not None:
            self._forward_plain(src)
            return
        src.line(f"W = {self._weights(src, self.W)}")
        src.line(f"R[{i}] = (u, W, X, mu, mx, None, None)")
        bias = self.b.get(src, "u")
        if self.X is None:
            src.line(f"V[{i}] = {bias}[None, :]")
            return
        # (W Xᵀ)ᵀ: a column-major block, as X is, so that adding b, the activation and the
        # partials run down contiguous columns (adding b to a row-major block of 10,000 rows
        # and 16 columns takes 4× as long)
        if self._unit(self.W) and self.b.terms:  # x·1 is x, to the bit: A = X + b
            b = self.b.number(src, self._u(src)) or bias
            src.line(f"V[{i}] = np.add(X, {b}, out={src.buffer('V', i)})")
            return
        if self.n == 1:  # an outer product: each entry one product, as matmul's (2× faster)
            src.line(f"V[{i}] = np.multiply(X, W.T, out={src.buffer('V', i)})")
        else:
            out = src.buffer("V", i)
            src.line(f"np.matmul(W, X.T, out={src.view(f'{out}.T')})")
            src.line(f"V[{i}] = {out}")
        if self.b.terms:  # adding a zero bias would turn −0.0 into 0.0
            src.line(f"V[{i}] += {bias}")

    def _u(self, src: Source) -> str:
        """u, a view made once: of the leaves' row, or of this group's row [1 | values]."""
        row = "V[1]" if self.direct else src.unit_row(self.index, self.length)
        return src.view(f"{row}[0]")

    @staticmethod
    def _bound_of(src: Source, gather: Gather) -> str | None:
        """A bound of a gathered block's magnitude found earlier (``src.bounds``), or None."""
        source = _one_source(gather)
        return None if source is None else src.bounds.get(source)

    def _weights(self, src: Source, W: Combination) -> str:
        """W (or backward's) as an m × n block: gathered from u, or a named constant."""
        if W.constant is not None:
            return src.name(_read_only(W.constant.reshape(self.m, self.n)))
        return f"{W.get(src, 'u')}.reshape({self.m}, {self.n})"

    def _unit(self, W: Combination | None) -> bool:
        """Whether W is the constant 1 of one node's one sample-dependent term (a loss term
        beside a penalty): then X·W is X and Δ·W is Δ."""
        return (
            self.m == self.n == 1
            and W is not None
            and W.constant is not None
            and W.constant[0] == 1.0
        )

    def _forward_plain(self, src: Source) -> None:
        """A = [b | W]·[1 | X]ᵀ (see :meth:`_plain`): X's group keeps its values after a
        column of ones (the inputs always do, in ``R[0]``; another group if it wrote them into
        its buffer, else they are copied next to ones here)."""
        i, (g, _, _), k = self.index, self.X.runs[0], self.n  # type: ignore[union-attr]
        if g == INPUTS:
            X1 = src.view(f"R[0][:, :{k + 1}]")
            src.line(f"X1, X1T = {X1}, {src.view(f'{X1}.T')}")
        else:
            X1 = src.view(f"{src.with_ones(g)}[:, :{k + 1}]")
            src.line(f"X1 = {X1} if V[{g}] is {src.buffer('V', g)} else with_ones(X)")
            src.line(f"X1T = {src.view(f'{X1}.T')} if X1 is {X1} else X1.T")
        rows = self._rows()
        if isinstance(rows, slice):  # a view of the leaves' row (u is V[1][0]: plain is direct)
            W1 = src.view(f"V[1][0, {_text(rows, src)}].reshape({self.m}, {k + 1})")
            src.line(f"W1, W = {W1}, {src.view(f'{W1}[:, 1:]')}")
        else:  # gathered into a row of the program's (the indices are the plan's: in range)
            taken = src.row(("W", i), self.m * (k + 1))
            src.line(f"u.take({src.name(rows)}, out={src.view(f'{taken}[0]')}, mode='clip')")
            W1 = src.view(f"{taken}.reshape({self.m}, {k + 1})")
            src.line(f"W1, W = {W1}, {src.view(f'{W1}[:, 1:]')}")
        # ‖A‖ ≤ ‖[b | W]‖·‖[1 | X]‖ ≤ ‖u‖·√(B + ‖X‖²) (Frobenius norms): a bound on A's
        # magnitude for the layer after it, found without a pass over A (see ``src.bounds``)
        src.line(f"R[{i}] = (u, W, X, mu, mx, X1, mu * hypot(size ** 0.5, mx))")
        src.bounds[i] = f"R[{i}][6]"
        out = src.buffer("V", i)
        src.line(f"np.matmul(W1, X1T, out={src.view(f'{out}.T')})")
        src.line(f"V[{i}] = {out}")

    def backward(self, src: Source) -> None:
        """With Δ = G[i]: ΔW into X's gradient, then Σ_b Δ and ΔᵀX into the leaves' row (or
        a row [1, the uniform leaves] added back), the bound checked with Δ's magnitude and
        the number of rows summed."""
        i, rows = self.index, "1" if src.uniform[self.index] else "size"
        src.line(f"u, W, X, mu, mx, X1, _ = R[{i}]")
        src.line(f"D = {src.gradient(i)}")
        DT = src.view(f"{src.buffered[i]}.T") if i in src.buffered else "D.T"
        bound = src.gradient_bounds.get(i)
        if self.gradient_bound is not None:
            bound = f"R[{self.gradient_bound}]"
        if bound is None:
            src.line("mD = magnitude(D)")
            self._check(src, "mu", "mx", rows, "mD")  # Σ_b over the rows too
        else:  # measured if the bound is too loose, as in forward
            src.line(f"mD = {bound}")
            self._check(src, "mu", "mx", rows, "mD", exact={"mD": "magnitude(D)"})
        if self.bounds_below:  # ‖ΔW‖ ≤ ‖Δ‖·‖u‖: see ``gradient_bounds``
            src.line(f"R[{i}] = mu * mD")
        if self.X is not None and self.X.wanted(src) and self._unit(self.Wb or self.W):
            # D is G[i], read by no one after this group's backward: it becomes X's gradient
            self.X.add(src, "D", True, True)
        elif self.X is not None and self.X.wanted(src):
            Wb = "W" if self.Wb is None else self._weights(src, self.Wb)
            # ΔW into a column-major block; for one node an outer product, which a broadcast
            # does faster than matmul (and 6× faster into a column-major block at B = 10,000)
            kept = self.X.keeps(src, True)
            product = "np.matmul" if self.m > 1 else "np.multiply"
            src.line(f"p = {product}(D, {Wb}, out={kept or src.scratch(self.n, 0)})")
            self.X.add(src, "p", True, kept is not None, kept)
        if self.S is None and self.M is None:
            return
        if self.plain is not None:
            self._backward_plain(src, DT)
            return
        summed = "D[0]" if rows == "1" else "ones @ D"
        S, M = self.S, self.M if self.X is not None else None
        if not self.direct and M is None and S is not None and S.covering:
            # each uniform leaf has one term: its gradient row, with no row of zeros
            self.U.add(src, f"({S.dense(src, f'({summed})')})", False, True)  # a (1, n) row
            return
        if self.direct:
            src.line(f"d = {src.gradient_part(LEAVES, '[0]')}")
        else:
            src.line(f"d = np.zeros({self.length})")
        if self.S is not None:
            src.line(f"{src.name(self.S)}.add_back(d, {summed})")
        if self.M is not None and self.X is not None:
            src.line(f"{src.name(self.M)}.add_back(d, ({DT} @ X).ravel())")
        if not self.direct:
            self.U.add(src, "d[None, 1:]", False, True)

    def _backward_plain(self, src: Source, DT: str) -> None:
        """[Σ_b Δ | ΔᵀX] = Δᵀ[1 | X] (``DT``: Δᵀ), into [b | W]'s gradients (see ``_plain``)."""
        at, shape = self._rows(), f"{self.m}, {self.n + 1}"
        if isinstance(at, slice):  # [b | W] side by side in the row: a view of it
            d = src.gradient_part(LEAVES, f"[0, {_text(at, src)}].reshape({shape})")
            src.line(f"{d} += {DT} @ X1")
            return
        # Δᵀ[1 | X] into a row of the program's, added at [b | W]'s indices
        product = src.row(("ΔᵀX", self.index), self.m * (self.n + 1))
        src.line(f"np.matmul({DT}, X1, out={src.view(f'{product}.reshape({shape})')})")
        d = src.gradient_part(LEAVES, "[0]")
        src.line(f"{d}[{src.name(at)}] += {src.view(f'{product}[0]')}")


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
        self.groups: list[tuple[Any, bool]] = []
        for index, (_, affine, members, alive) in enumerate(kinds, start=2):
            if affine:
                found = [forms[ins.slot] for ins in members]
                group: Any = Affine(index, [f for f in found if f], batch, places, widths)
            else:
                group = Elementwise(index, members, places, widths)
            self.groups.append((group, alive))
        #: The groups a plain layer reads as X, kept after a column of ones (the inputs are).
        self._augmented = {
            g
            for group, _ in self.groups
            if isinstance(group, Affine) and (g := group.ones()) is not None
        } - {INPUTS}
        for below, above in gradient_bounds(self.groups, self.root[0]).items():
            self.groups[below - 2][0].gradient_bound = above
            self.groups[above - 2][0].bounds_below = True
        self._names, self._inline = Names(), inline
        self._programs: dict[str, tuple[list[Callable[..., None]], Source]] = {}
        #: Each batch size's buffers (the last few sizes'), by program; see ``run``.
        self._pools: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()  # held by the replay using the pools

    def run(
        self,
        numbers: Sequence[Any],
        parameters: Sequence[float] | np.ndarray,
        size: int,
        seed: Any,
        inputs: bool = True,
    ) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
        """The outputs, each input's gradients (if ``inputs``) and the parameters' summed over
        the batch, an array (only the outputs when ``seed`` is None).

        The programs write into buffers allocated once per batch size and reused by the next
        replay of that size: nothing a replay returns is one of them (the outputs and the
        inputs' gradients are copies). A replay that starts while another of the same tape is
        under way (in another thread) gets buffers of its own."""
        V, G, _ = self.blocks(numbers, parameters, size, seed, inputs)
        g, c = self.root
        column = V[g][:, c]
        outputs = np.array(np.broadcast_to(column, (size,))) if self.uniform[g] else column.copy()
        if seed is None:
            return outputs, [], np.empty(0)
        sums = G[LEAVES][0, 1 : 1 + self.n_parameters].copy()
        if not inputs:
            return outputs, [], sums
        return outputs, [G[INPUTS][:, i].copy() for i in range(self.n_inputs)], sums

    def blocks(
        self,
        numbers: Sequence[Any],
        parameters: Sequence[float] | np.ndarray,
        size: int,
        seed: Any,
        inputs: bool = True,
    ) -> tuple[list[Any], list[Any], list[Any]]:
        """The programs run (see :meth:`run`): the lists V, G and R as they leave them, whose
        blocks are the pool's buffers until the next replay of that size."""
        passes = ("forward",) if seed is None else ("forward", "inputs" if inputs else "parameters")
        shared = self._lock.acquire(blocking=False)
        try:
            pool = self._pool(size, fresh=not shared)
            steps = pool.get(passes) or self._steps(pool, passes, size)
            V: list[Any] = [None] * len(self.widths)
            G: list[Any] = [None] * len(self.widths)
            R: list[Any] = [None] * (len(self.widths) + 1)  # + the inputs' magnitude
            R[INPUTS], V[INPUTS] = pool["[1 | inputs]"], pool["[inputs]"]
            V[LEAVES] = pool["[1 | parameters | constants]"]
            for i, x in enumerate(numbers):
                V[INPUTS][:, i] = x
            pool["[parameters]"][:] = parameters
            ones = pool["ones"]
            for function, P in steps:
                function(V, G, R, P, size, seed, ones)
        finally:
            if shared:
                self._lock.release()
        return V, G, R

    def _pool(self, size: int, fresh: bool) -> dict[Any, Any]:
        """The blocks for a batch of ``size`` (and each program's buffers by its kind, and the
        steps of each sequence of passes): those of the last replay of that size (the two
        latest sizes are kept: a last, shorter mini-batch), or new ones if ``fresh``."""
        pool = None if fresh else self._pools.get(size)
        if pool is None:
            inputs = np.empty((size, 1 + self.n_inputs), order="F")
            inputs[:, 0] = 1.0  # [1 | the inputs]: see Affine._plain
            leaves = np.array([[1.0, *[0.0] * self.n_parameters, *self.constants]])
            pool = {"[1 | inputs]": inputs, "[1 | parameters | constants]": leaves}
            pool["[inputs]"] = inputs[:, 1:]  # a column per input, contiguous
            pool["[parameters]"] = leaves[0, 1 : 1 + self.n_parameters]
            pool["ones"] = np.ones(size)
            if not fresh:
                self._pools = {s: p for s, p in list(self._pools.items())[-1:]} | {size: pool}
        return pool

    def _steps(
        self, pool: dict[Any, Any], passes: tuple[str, ...], size: int
    ) -> list[tuple[Callable[..., None], list[np.ndarray]]]:
        """Each function of the ``passes``' programs with its buffers in ``pool`` (allocated
        on a program's first replay of that size), kept in the pool for the next replay."""
        steps = []
        for kind in passes:
            functions, src = self._program(kind)
            if kind not in pool:
                fixed = {"V": [pool["[inputs]"], pool["[1 | parameters | constants]"]]}
                pool[kind] = src.allocate(size, {**fixed, "R": [pool["[1 | inputs]"]]})
            steps += [(function, pool[kind]) for function in functions]
        pool[passes] = steps
        return steps

    def _program(self, kind: str) -> tuple[list[Callable[..., None]], Source]:
        """The block program of a pass (``"forward"``, or backward with the gradients of the
        ``"inputs"`` or only of the ``"parameters"``), written on first use."""
        program = self._programs.get(kind)
        if program is None:
            needed = self.parametric if kind == "parameters" else None
            src = Source(self.uniform, self.widths, needed, self._names, self._inline)
            src.augmented = self._augmented
            src.finite = {f"V[{g.index}]" for g, _ in self.groups if isinstance(g, Affine)}
            if kind == "forward":
                self._write_forward(src)
            else:
                self._write_backward(src)
            program = self._programs[kind] = (src.functions(kind, _HELPERS), src)
        return program

    def _write_forward(self, src: Source) -> None:
        """The groups' forward, after the magnitudes of the leaves' row and of the inputs if a
        layer reads them (then they bound every block made of them, see ``Elementwise``)."""
        affine = [group for group, _ in self.groups if isinstance(group, Affine)]
        src.chunks.append([])
        if any(group.direct for group in affine):
            # at least 1: the row holds the number 1 (its view as a vector made once)
            src.line(f"R[1] = magnitude({src.view('V[1].ravel()')})")
            src.bounds[LEAVES] = "R[1]"
        if any(group.X is not None and _one_source(group.X) == INPUTS for group in affine):
            flat = src.view("V[0].ravel('F')")  # the inputs' columns lie one after the other
            src.line(f"R[{src.extra}] = hypot(1.0, magnitude({flat}))")  # at least 1, as all
            src.bounds[INPUTS] = f"R[{src.extra}]"
        for k, (group, _) in enumerate(self.groups):
            if k and k % CHUNK == 0:
                src.chunks.append([])
            group.forward(src)

    def _write_backward(self, src: Source) -> None:
        """The seed into the root's column, each live group's backward in reverse, and the
        blocks the results are read from made if no partial reached them."""
        g, c = self.root
        src.chunks.append([])
        seed = "seed" if not self.uniform[g] else "total(seed, size)"
        if self.widths[g] == 1 and not self.uniform[g]:  # the seed is the root's gradient
            src.made.add(g)
            src.buffered[g] = src.buffer("G", g)
            src.line(f"G[{g}] = {src.buffered[g]}")
            src.line(f"G[{g}][:, 0] = {seed}")
            src.gradient_bounds[g] = "seed_bound(seed, size)"
        else:
            src.line(f"{src.gradient(g)}[:, {c}] += {seed}")
        alive = [group for group, alive in reversed(self.groups) if alive]
        for k, group in enumerate(alive):
            if k and k % CHUNK == 0:
                src.chunks.append([])
            group.backward(src)
        src.gradient(LEAVES)
        if src.needed is None:
            src.gradient(INPUTS)


def gradient_bounds(groups: Sequence[tuple[Any, bool]], root: int) -> dict[int, int]:
    """Plain layers i whose gradient's magnitude is bounded by the layer j above, i → j.

    That is when i's values are read only by a group r of a :data:`SHRINKING` op, and r's
    only by j, as its X, both alive. Then r's gradient is j's partial Δⱼ Wⱼ alone, and i's
    is r's times f′, with |f′| ≤ 1; so ‖Gᵢ‖ ≤ ‖Δⱼ‖·‖Wⱼ‖ ≤ ‖Δⱼ‖·‖u‖, a number j's backward
    leaves in R[j] before i's backward needs it (reverse order: j runs first)."""
    by_index = {group.index: (group, alive) for group, alive in groups}
    readers: dict[int, set[int]] = {}
    for group, _ in groups:
        operands = group.operands if isinstance(group, Elementwise) else [group.X, group.U]
        for gather in operands:
            if isinstance(gather, Gather):
                for source, _, _ in gather.runs:
                    readers.setdefault(source, set()).add(group.index)

    def only_reader(i: int) -> tuple[Any, bool] | None:
        found = readers.get(i, set())
        return by_index.get(next(iter(found))) if len(found) == 1 and i != root else None

    def shrinking_reader(i: int) -> int | None:
        """The alive group that applies a SHRINKING op to i's values (each column once),
        if it is i's only reader."""
        found = only_reader(i)
        if found is None or not isinstance(found[0], Elementwise) or not found[1]:
            return None
        r = found[0]
        ops = r.operands
        one = r.template.op in SHRINKING and len(ops) == 1 and _one_source(ops[0]) == i
        return r.index if one else None

    bounds = {}
    for group, _ in groups:
        if not isinstance(group, Affine) or group.plain is None:
            continue
        r = shrinking_reader(group.index)
        above = None if r is None else only_reader(r)
        if above is None or not isinstance(above[0], Affine) or not above[1]:
            continue
        if above[0].plain is not None and _one_source(above[0].X) == r:
            bounds[group.index] = above[0].index
    return bounds


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
