"""A recording replayed on a batch: the plan's block programs, written on first use and run on
buffers kept per batch size.

Each pass is one block program (:class:`Pass`): forward, and backward for every gradient or for
the parameters' alone. A program is written the first time a replay needs it
(:meth:`BlockReplay.program`) and compiled once; its buffers are allocated the first time a
batch size is replayed and kept for the next replay of that size (a :class:`Pool`, one for
each of the two latest sizes: a last, shorter mini-batch has its own). What the programs
compute agrees with eager code to rounding: a matrix product adds in another order than the
chain it stands for.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, NamedTuple

import numpy as np

from autograd_lite.batch import array_forms, bounds
from autograd_lite.batch.affine import Affine, with_ones
from autograd_lite.batch.columns import INPUTS, LEAVES, one_source
from autograd_lite.batch.elementwise import as_block
from autograd_lite.batch.inputs import total
from autograd_lite.batch.plan import Plan
from autograd_lite.batch.program import GROUPS_PER_FUNCTION, G, K, Program, V
from autograd_lite.batch.syntax import add_to, assign, key, named
from autograd_lite.listing import Listing
from autograd_lite.rule_code import Names

#: What a block program calls besides the formulas' functions.
HELPERS: dict[str, Any] = {
    "np": np,
    "ndarray": np.ndarray,
    "FLOAT": array_forms.FLOAT,
    "LIMIT": bounds.LIMIT,
    "Unordered": bounds.Unordered,
    "magnitude": bounds.magnitude,
    "seed_bound": bounds.seed_bound,
    "hypot": math.hypot,
    "inf": math.inf,
    "nan": math.nan,
    "as_block": as_block,
    "with_ones": with_ones,
    "total": total,
}


class Pass(Enum):
    """A pass of a batched replay, and the name of its program's functions."""

    FORWARD = "forward"
    BACKWARD = "backward"  # every gradient: the inputs' and the parameters'
    PARAMETERS_BACKWARD = "parameters_backward"  # the parameters' gradients alone

    # A pass is one object: hashed by identity, in C (a pool looks its passes up each replay)
    __hash__ = object.__hash__


class Compiled(NamedTuple):
    """A pass's program as written, and its functions."""

    program: Program
    functions: list[Callable[..., None]]


class Pool:
    """The blocks of the replays of one batch size: the inputs' block with a column of ones
    before it (``inputs`` is the view without), the leaves' row ([1 | parameters |
    constants]; ``parameters`` is the view of them), B ones, what forward keeps for backward
    (``kept``, the programs' ``K``), each program's buffers, and the functions each sequence of
    passes runs with their buffers."""

    def __init__(
        self,
        size: int,
        n_inputs: int,
        n_parameters: int,
        constants: Sequence[float],
        kept: list[Any],
    ) -> None:
        self.inputs_with_ones = np.empty((size, 1 + n_inputs), order="F")
        self.inputs_with_ones[:, 0] = 1.0  # [1 | the inputs]: a plain first layer reads it
        self.inputs = self.inputs_with_ones[:, 1:]  # a column per input, contiguous
        self.leaves = np.array([[1.0, *[0.0] * n_parameters, *constants]])
        self.parameters = self.leaves[0, 1 : 1 + n_parameters]
        self.ones = np.ones(size)
        self.kept = kept
        self.buffers: dict[Pass, list[Any]] = {}
        self.steps: dict[tuple[Pass, ...], list[tuple[Callable[..., None], list[Any]]]] = {}


class BlockReplay:
    """A recording's batched replay in blocks; :meth:`run` gives what a tape's batched
    ``backward``, ``grad`` and call need."""

    def __init__(self, listing: Listing, inline: bool) -> None:
        self.plan = Plan(listing)
        self.n_inputs, self.n_parameters = listing.n_inputs, listing.n_parameters
        self.constants = listing.constants
        self.names, self.inline = Names(), inline
        self.programs: dict[Pass, Compiled] = {}
        #: Each batch size's pool (the two latest sizes'); see :meth:`run`.
        self.pools: dict[int, Pool] = {}
        self.lock = threading.Lock()  # held by the replay using the pools

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

        The programs write into a pool's buffers, reused by the next replay of that size:
        nothing a replay returns is one of them (the outputs and the inputs' gradients are
        copies). A replay that starts while another of the same recording is under way (in
        another thread) gets a pool of its own."""
        V_, G_, _ = self.blocks(numbers, parameters, size, seed, inputs)
        g, c = self.plan.root
        column = V_[g][:, c]
        uniform = self.plan.uniform[g]
        outputs = np.array(np.broadcast_to(column, (size,))) if uniform else column.copy()
        if seed is None:
            return outputs, [], np.empty(0)
        sums = G_[LEAVES][0, 1 : 1 + self.n_parameters].copy()
        if not inputs:
            return outputs, [], sums
        return outputs, [G_[INPUTS][:, i].copy() for i in range(self.n_inputs)], sums

    def blocks(
        self,
        numbers: Sequence[Any],
        parameters: Sequence[float] | np.ndarray,
        size: int,
        seed: Any,
        inputs: bool = True,
    ) -> tuple[list[Any], list[Any], list[Any]]:
        """The programs run (see :meth:`run`): the lists V, G and K as they leave them, whose
        blocks are the pool's buffers until the next replay of that size."""
        backward = Pass.BACKWARD if inputs else Pass.PARAMETERS_BACKWARD
        passes = (Pass.FORWARD,) if seed is None else (Pass.FORWARD, backward)
        shared = self.lock.acquire(blocking=False)
        try:
            pool = self.pool(size, fresh=not shared)
            steps = pool.steps.get(passes) or self._steps(pool, passes, size)
            values: list[Any] = [None] * len(self.plan.widths)
            gradients: list[Any] = [None] * len(self.plan.widths)
            values[INPUTS], values[LEAVES] = pool.inputs, pool.leaves
            for i, x in enumerate(numbers):
                pool.inputs[:, i] = x
            pool.parameters[:] = parameters
            kept, ones = pool.kept, pool.ones
            for function, buffers in steps:
                function(values, gradients, kept, buffers, size, seed, ones)
        finally:
            if shared:
                self.lock.release()
        return values, gradients, kept

    def pool(self, size: int, fresh: bool = False) -> Pool:
        """The pool of a batch of ``size``: that of the last replay of that size (the two
        latest sizes are kept), or a new one if ``fresh``."""
        pool = None if fresh else self.pools.get(size)
        if pool is None:
            kept = [0.0, 0.0, *[group.kept() for group in self.plan.groups]]
            pool = Pool(size, self.n_inputs, self.n_parameters, self.constants, kept)
            if not fresh:
                self.pools = {s: p for s, p in list(self.pools.items())[-1:]} | {size: pool}
        return pool

    def _steps(
        self, pool: Pool, passes: tuple[Pass, ...], size: int
    ) -> list[tuple[Callable[..., None], list[Any]]]:
        """Each function of the ``passes``' programs with its buffers in ``pool`` (allocated
        on a program's first replay of that size), kept in the pool for the next replay."""
        blocks = {"V": [pool.inputs, pool.leaves], "inputs_with_ones": pool.inputs_with_ones}
        steps = []
        for kind in passes:
            compiled = self.program(kind)
            if kind not in pool.buffers:
                pool.buffers[kind] = compiled.program.buffers.allocate(size, blocks)
            steps += [(function, pool.buffers[kind]) for function in compiled.functions]
        pool.steps[passes] = steps
        return steps

    def program(self, kind: Pass) -> Compiled:
        """The block program of a pass, written and compiled on first use."""
        compiled = self.programs.get(kind)
        if compiled is None:
            plan = self.plan
            needed = plan.parametric if kind is Pass.PARAMETERS_BACKWARD else None
            program = Program(plan.uniform, plan.widths, needed, self.names, self.inline)
            program.buffers.augmented = plan.augmented
            program.finite = {key(V[g.index]) for g in plan.groups if isinstance(g, Affine)}
            if kind is Pass.FORWARD:
                self._write_forward(program)
            else:
                self._write_backward(program)
            namespace = {**array_forms.namespace(self.names.namespace), **HELPERS}
            compiled = Compiled(program, program.compiled(kind.value, namespace))
            self.programs[kind] = compiled
        return compiled

    def source(self) -> str:
        """The block programs of the three passes, as Python source."""
        parts = [
            f"# {kind.value}: V, G the groups' values and gradients, K what forward keeps, "
            f"P the buffers\n{self.program(kind).program.source(kind.value)}"
            for kind in Pass
        ]
        return "\n\n".join(parts)

    def _write_forward(self, program: Program) -> None:
        """The groups' forward, after the magnitudes of the leaves' row and of the inputs if a
        layer reads them (then they bound every block made of them, see ``Elementwise``)."""
        affine = [group for group in self.plan.groups if isinstance(group, Affine)]
        program.begin_function()
        views = program.buffers
        if any(group.direct for group in affine):
            # at least 1: the row holds the number 1 (its view as a vector made once)
            flat = views.view(V[LEAVES].attr("ravel")())
            program.emit(assign(K[LEAVES], named("magnitude")(flat)))
            program.bounds[LEAVES] = K[LEAVES]
        if any(group.X is not None and one_source(group.X) == INPUTS for group in affine):
            flat = views.view(V[INPUTS].attr("ravel")("F"))  # the columns one after the other
            magnitude = named("magnitude")(flat)
            program.emit(assign(K[INPUTS], named("hypot")(1.0, magnitude)))  # at least 1
            program.bounds[INPUTS] = K[INPUTS]
        for k, group in enumerate(self.plan.groups):
            if k and k % GROUPS_PER_FUNCTION == 0:
                program.begin_function()
            group.forward(program)

    def _write_backward(self, program: Program) -> None:
        """The seed into the root's column, each live group's backward in reverse, and the
        blocks the results are read from made if no partial reached them."""
        plan, seed = self.plan, named("seed")
        g, c = plan.root
        program.begin_function()
        if plan.uniform[g]:
            seed = named("total")(seed, named("size"))
        if plan.widths[g] == 1 and not plan.uniform[g]:  # the seed is the root's gradient
            program.made.add(g)
            program.buffered[g] = program.buffers.gradient(g)
            program.emit(assign(G[g], program.buffered[g]))
            program.emit(assign(G[g][:, 0], seed))
            program.gradient_bounds[g] = named("seed_bound")(seed, named("size"))
        else:
            program.emit(add_to(program.gradient(g)[:, c], seed))
        alive = [group for group in reversed(plan.groups) if group.alive]
        for k, group in enumerate(alive):
            if k and k % GROUPS_PER_FUNCTION == 0:
                program.begin_function()
            group.backward(program)
        program.gradient(LEAVES)
        if program.needed is None:
            program.gradient(INPUTS)
