"""A recorded graph as a listing: numbered slots, and the instructions that fill them.

A :class:`Listing` is what every replay of a recording reads. Its slots are numbered inputs
first, then parameters, then constant leaves, then the nodes in the topological order of the
recording (the order the eager backward pass visits in reverse); each node is one
:class:`Instruction`, ``V[slot] = op(*operands)``. The float replay
(:mod:`autograd_lite.codegen`) and the batched replay (:mod:`autograd_lite.batch`) compile it;
:meth:`Listing.rebuilt` turns it back into a graph of Values by the eager ops' own code, op by
op in the order the function made them, for what must be eager code itself
(``detect_anomaly``, and the error of a failed replay).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from autograd_lite.graph import topological_order
from autograd_lite.modes import enable_grad
from autograd_lite.rules import forward
from autograd_lite.tracer import RecordedGraph, TraceError
from autograd_lite.value import Value, make_node


@dataclass(frozen=True)
class Instruction:
    """One node of a recording: ``V[slot] = op(*operands)``.

    An operand is a slot index (an ``int``) or a constant operand (a ``float``), in the op's
    argument order.
    """

    slot: int
    op: str
    operands: tuple[int | float, ...]


@dataclass(frozen=True)
class Listing:
    """What a recording holds: where each slot's value comes from, and each node's op.

    ``instructions[:live]`` are the output's graph in topological order (the order of the
    eager backward pass, reversed); the rest are nodes the function made that do not lead to
    its output, which eager code still computes (and which may raise). ``creation`` lists the
    instructions in the order the function made them, the order eager code would raise in.
    ``root`` is the output's slot. The parameters themselves are not part of it: a tape holds
    them by weak reference.
    """

    n_inputs: int
    n_parameters: int
    constants: tuple[float, ...]
    instructions: tuple[Instruction, ...]
    live: int
    creation: tuple[int, ...]
    root: int

    @property
    def n_leaves(self) -> int:
        """The slots before the first node: inputs, parameters and constants."""
        return self.n_inputs + self.n_parameters + len(self.constants)

    def constant_slots(self) -> frozenset[int]:
        """The constant leaves' slots: their gradients are never read, and not all computed."""
        first = self.n_inputs + self.n_parameters
        return frozenset(range(first, first + len(self.constants)))

    def rebuilt(self, inputs: Sequence[float], parameters: Sequence[Value]) -> list[Any]:
        """The recording rebuilt as a graph of Values by the eager ops' own code: every slot,
        the inputs new Values holding ``inputs``, the parameters the Values given."""
        constants = [Value(c) for c in self.constants]
        graph: list[Any] = [*[Value(x) for x in inputs], *parameters, *constants]
        graph += [None] * len(self.instructions)
        with enable_grad():  # a tape is its own record: no_grad aside
            for ins in (self.instructions[i] for i in self.creation):
                args = tuple(graph[x] if type(x) is int else x for x in ins.operands)
                data = [a.data if isinstance(a, Value) else a for a in args]
                graph[ins.slot] = make_node(forward(ins.op)(*data), ins.op, args)  # type: ignore[misc]
        return graph


class Listed(NamedTuple):
    """What :func:`listing_of` gives: the listing, the parameter Values in its order, and each
    Value's slot (by ``id``) in the recorded graph."""

    listing: Listing
    parameters: list[Value]
    slots: dict[int, int]
    order: list[Value]


def listing_of(recorded: RecordedGraph) -> Listed:
    """The listing of a recorded graph (:func:`autograd_lite.tracer.record_graph`)."""
    inputs, out, tracer = recorded.inputs, recorded.output, recorded.tracer
    order = topological_order(out)
    live = {id(v) for v in order}
    dead = [v for v in tracer.created if id(v) not in live]
    nodes = [v for v in order if v.args] + dead
    leaves = _unique(
        [v for v in order if not v.args] + [a for v in dead for a in v.parents if not a.args]
    )
    known = {id(x) for x in inputs} | set(tracer.constants)
    parameters = [v for v in leaves if id(v) not in known]
    fixed = [v for v in leaves if id(v) in tracer.constants]
    slots = {id(v): i for i, v in enumerate([*inputs, *parameters, *fixed, *nodes])}
    instructions = tuple(_instruction(node, slots) for node in nodes)
    made = {id(v): i for i, v in enumerate(tracer.created)}
    creation = tuple(sorted(range(len(nodes)), key=lambda i: made[id(nodes[i])]))
    listing = Listing(
        n_inputs=len(inputs),
        n_parameters=len(parameters),
        constants=tuple(v.data for v in fixed),
        instructions=instructions,
        live=len(nodes) - len(dead),
        creation=creation,
        root=slots[id(out)],
    )
    return Listed(listing, parameters, slots, order)


def _instruction(node: Value, slots: dict[int, int]) -> Instruction:
    if forward(node.op) is None:
        raise TraceError(
            f"trace: op {node.op!r} has no forward formula to replay it with; "
            f"register one: defvjp({node.op!r}, ..., forward=...)"
        )
    operands = tuple(slots[id(a)] if isinstance(a, Value) else a for a in node.args)
    return Instruction(slots[id(node)], node.op, operands)


def _unique(values: list[Value]) -> list[Value]:
    return list({id(v): v for v in values}.values())


def same_bits(a: float, b: float) -> bool:
    """Equal as bits go: NaN equals NaN, 0.0 differs from −0.0."""
    if a != a or b != b:
        return a != a and b != b
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
