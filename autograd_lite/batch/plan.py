"""The plan of a batched replay: a recording's nodes folded, leveled and grouped into blocks.

A network's per-sample graph is the same for every sample, and within it the nodes of a layer
do the same thing side by side. So a batched replay groups the nodes: each group holds nodes
of one kind at one level of the graph (1 + the deepest level of what they read, the leaves at
0), and its values are one block, a B × m array (B samples, m nodes; 1 × m for nodes that do
not depend on the samples, such as the parameters). A node is **affine** when it is a sum of
products with coefficients that do not depend on the samples (:mod:`autograd_lite.batch.linear`
decides, folding chains of ``+`` into one form): a layer's pre-activations are one
:class:`~autograd_lite.batch.affine.Affine` group. Any other node is in an
:class:`~autograd_lite.batch.elementwise.Elementwise` group of one op with alike operands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from autograd_lite.batch import linear
from autograd_lite.batch.affine import Affine
from autograd_lite.batch.bounds import SHRINKING
from autograd_lite.batch.columns import INPUTS, LEAVES, Gather, Place, one_source
from autograd_lite.batch.elementwise import Elementwise
from autograd_lite.listing import Instruction, Listing

Group = Affine | Elementwise


class Members(NamedTuple):
    """A group before it is built: its nodes, whether its blocks have a row per sample,
    whether it is affine, and whether its nodes lead to the output."""

    nodes: list[Instruction]
    per_sample: bool
    affine: bool
    alive: bool


class Plan:
    """The groups of a recording, in an order in which each reads only earlier ones, and the
    blocks they fill: group 0 the inputs, group 1 the uniform leaves (see
    :mod:`autograd_lite.batch.columns`), then one group each."""

    def __init__(self, listing: Listing) -> None:
        n_inputs, n_parameters = listing.n_inputs, listing.n_parameters
        instructions = listing.instructions
        batch = reading(instructions, set(range(n_inputs)))
        parametric = reading(instructions, set(range(n_inputs, n_inputs + n_parameters)))
        forms, folded = fold(instructions, listing.live, batch, listing.root)
        nodes = [ins for ins in instructions if ins.slot not in folded]
        alive = {ins.slot for ins in instructions[: listing.live]}
        grouped = group(nodes, forms, batch, alive)
        widths, places = layout(grouped, n_inputs, n_parameters + len(listing.constants))
        self.root, self.widths = places[listing.root], widths
        #: Whether a group's blocks are one row, the same for every sample.
        self.uniform = [False, True, *[not g.per_sample for g in grouped]]
        #: Whether a group depends on a parameter: else backward needs no gradient of it.
        self.parametric = [False, True] + [
            any(ins.slot in parametric for ins in g.nodes) for g in grouped
        ]
        self.groups: list[Group] = []
        for index, members in enumerate(grouped, start=2):
            if members.affine:
                found = [forms[ins.slot] for ins in members.nodes]
                made: Group = Affine(index, [f for f in found if f], batch, places, widths)
            else:
                made = Elementwise(index, members.nodes, places, widths)
            made.alive = members.alive
            self.groups.append(made)
        #: The groups a plain layer reads as X, kept after a column of ones (the inputs are).
        self.augmented = {
            g
            for group in self.groups
            if isinstance(group, Affine) and (g := group.ones()) is not None
        } - {INPUTS}
        for below, above in gradient_bounds(self.groups, self.root.group).items():
            below_group, above_group = self.groups[below - 2], self.groups[above - 2]
            assert isinstance(below_group, Affine) and isinstance(above_group, Affine)
            below_group.gradient_bound = above
            above_group.bounds_below = True


def gradient_bounds(groups: Sequence[Group], root: int) -> dict[int, int]:
    """Plain layers i whose gradient's magnitude is bounded by the layer j above, i → j.

    That is when i's values are read only by a group r of a :data:`SHRINKING` op, and r's
    only by j, as its X, both alive. Then r's gradient is j's partial Δⱼ Wⱼ alone, and i's
    is r's times f′, with |f′| ≤ 1; so ‖Gᵢ‖ ≤ ‖Δⱼ‖·‖Wⱼ‖ ≤ ‖Δⱼ‖·‖u‖, a number j's backward
    leaves in ``K[j].below`` before i's backward needs it (reverse order: j runs first)."""
    by_index = {group.index: group for group in groups}
    readers: dict[int, set[int]] = {}
    for group in groups:
        operands = group.operands if isinstance(group, Elementwise) else [group.X, group.U]
        for gather in operands:
            if isinstance(gather, Gather):
                for run in gather.runs:
                    readers.setdefault(run.group, set()).add(group.index)

    def only_reader(i: int) -> Group | None:
        found = readers.get(i, set())
        return by_index.get(next(iter(found))) if len(found) == 1 and i != root else None

    def shrinking_reader(i: int) -> int | None:
        """The alive group that applies a SHRINKING op to i's values (each column once),
        if it is i's only reader."""
        r = only_reader(i)
        if not isinstance(r, Elementwise) or not r.alive:
            return None
        one = r.op in SHRINKING and len(r.operands) == 1 and one_source(r.operands[0]) == i
        return r.index if one else None

    bounds = {}
    for group in groups:
        if not isinstance(group, Affine) or group.plain is None:
            continue
        r = shrinking_reader(group.index)
        above = None if r is None else only_reader(r)
        if not isinstance(above, Affine) or not above.alive:
            continue
        if above.plain is not None and one_source(above.X) == r:
            bounds[group.index] = above.index
    return bounds


def reading(instructions: Sequence[Instruction], slots: set[int]) -> set[int]:
    """``slots`` and the nodes that depend on one of them (the samples' inputs: the nodes with
    a row per sample; the parameters: the nodes whose gradient a parameter's needs)."""
    found = set(slots)
    for ins in instructions:
        if any(type(x) is int and x in found for x in ins.operands):
            found.add(ins.slot)
    return found


def fold(
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
        f = f if f is not None and fits(f, batch) else None
        for x in dict.fromkeys(o for o in ins.operands if type(o) is int):
            inner = forms.get(x)
            if f is not None and inner is not None and uses[x] == 1 and x != root:
                into = linear.fold(f, inner, x)
                if into is not None:
                    f, forms[x] = into, None
                    folded.add(x)
        forms[ins.slot] = f
    return forms, folded


def fits(f: linear.Form, batch: set[int]) -> bool:
    """Whether a form is an affine map of the sample-dependent leaves with coefficients that
    are not: its products pair one of each, and so do its partials."""
    for monomial in f.value:
        if len(monomial) == 2 and (monomial[0] in batch) == (monomial[1] in batch):
            return False
    for leaf, terms in f.partials.items():
        if any(monomial and (monomial[0] in batch) == (leaf in batch) for monomial in terms):
            return False
    return True


def is_affine(f: linear.Form | None) -> bool:
    """A form worth a matrix product: nodes folded into it, or products in it."""
    return f is not None and (f.size > 1 or any(len(m) == 2 for m in f.value))


def group(
    nodes: Sequence[Instruction],
    forms: dict[int, linear.Form | None],
    batch: set[int],
    alive: set[int],
) -> list[Members]:
    """The groups: nodes of one kind at one level, in the order of their levels, so each
    group reads only earlier ones."""
    level: dict[int, int] = {}
    groups: dict[Kind, list[Instruction]] = {}
    for ins in nodes:
        f = forms.get(ins.slot)
        affine = is_affine(f)
        operands = [x for x in ins.operands if type(x) is int]
        reads: list[int] = sorted(f.leaves()) if f and affine else operands
        depth = 1 + max((level.get(x, 0) for x in reads), default=0)
        level[ins.slot] = depth
        if affine:  # a layer: the same sample-dependent leaves
            kind = Kind(depth, ins.slot in batch, True, tuple(x for x in reads if x in batch))
        else:  # one op, its operands alike: constants, per-sample slots, uniform slots
            classes = tuple(
                "c" if type(x) is not int else "b" if x in batch else "u" for x in ins.operands
            )
            kind = Kind(depth, ins.slot in batch, False, (ins.op, classes), ins.slot in alive)
        groups.setdefault(kind, []).append(ins)
    ordered = sorted(groups.items(), key=lambda item: (item[0].level, item[1][0].slot))
    return [Members(found, k.per_sample, k.affine, k.alive) for k, found in ordered]


class Kind(NamedTuple):
    """What the nodes of one group share: their level, whether they have a row per sample,
    whether they are affine, then an affine group's sample-dependent leaves, or an elementwise
    group's op and its operands' classes, and whether they lead to the output."""

    level: int
    per_sample: bool
    affine: bool
    what: tuple[Any, ...]
    alive: bool = True


def layout(
    grouped: Sequence[Members], n_inputs: int, n_leaves: int
) -> tuple[list[int], dict[int, Place]]:
    """Each group's width, and each slot's place; folded slots have none."""
    widths = [n_inputs, 1 + n_leaves, *[len(g.nodes) for g in grouped]]
    places = {i: Place(INPUTS, i) for i in range(n_inputs)}
    places.update({n_inputs + i: Place(LEAVES, 1 + i) for i in range(n_leaves)})
    for index, members in enumerate(grouped, start=2):
        places.update({ins.slot: Place(index, j) for j, ins in enumerate(members.nodes)})
    return widths, places
