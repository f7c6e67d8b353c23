"""A recorded graph, replayed: what :func:`autograd_lite.trace` returns.

A :class:`Tape` holds a recording's :class:`~autograd_lite.listing.Listing` and replays it three
ways, all with eager code's numbers:

* one sample on plain floats, by code the rule table wrote (:mod:`autograd_lite.float_replay`):
  bit for bit eager's;
* a batch, arrays among the inputs, in blocks (:mod:`autograd_lite.batch`): within 1e-12 of
  eager code sample by sample, and one sample at a time by the float replay where NumPy
  signals anything;
* through the eager machinery itself, on a graph of Values rebuilt from the listing op by op in
  the order the function made them (as slow as eager code, and by construction the same):
  inside ``detect_anomaly``, whose checks live there, and after a replay raised (a domain
  error forward, a division by zero or an overflow backward), so that the error is eager's
  own, from the op eager code meets first.

Parameters are held by weak reference: a model that replaced one by a new Value leaves the
recording pointing at nothing, and a replay raises instead of reading a stale number.
"""

from __future__ import annotations

import itertools
import operator
import weakref
from typing import Any

import numpy as np

from autograd_lite.backward import backward, float_pass, grad, gradients
from autograd_lite.batch import inputs, samples
from autograd_lite.batch.replay import BlockReplay
from autograd_lite.checks import real
from autograd_lite.float_replay import FloatReplay
from autograd_lite.listing import Instruction, Listing, listing_of
from autograd_lite.modes import MODES
from autograd_lite.tracer import RecordedGraph, TraceError
from autograd_lite.value import Value

_data = operator.attrgetter("data")

#: What a batch's replay gives: the outputs, each input's gradients, the parameters' sums.
BatchResult = tuple[np.ndarray, list[np.ndarray], np.ndarray]


class Tape:
    """``fn``'s graph, recorded once by :func:`~autograd_lite.trace`, replayed on new inputs."""

    def __init__(self, name: str, listing: Listing, parameters: list[Value], inline: bool) -> None:
        self.name, self.listing, self.n_inputs = name, listing, listing.n_inputs
        # Set when a parameter is collected (each reference's callback): until then no
        # replay needs to look for the one that is gone. A list, not the tape: the callbacks
        # must not keep the tape alive.
        self._gone = gone = [False]
        self._parameters = [weakref.ref(p, lambda _: gone.__setitem__(0, True)) for p in parameters]
        self._labels = [p.label for p in parameters]
        self._floats = FloatReplay(listing, name, inline)
        self._blocks: BlockReplay | None = None

    @classmethod
    def from_graph(cls, name: str, recorded: RecordedGraph) -> Tape:
        """The tape of a recorded graph (:func:`~autograd_lite.tracer.record_graph`), checked
        against it bit for bit: every node's value, every input's and parameter's gradient.
        Its formulas are written out where the rules compute on symbols as on floats, else
        each is called."""
        listed = listing_of(recorded)
        nodes = [(listed.slots[id(v)], v) for v in listed.order]
        example = tuple(x.data for x in recorded.inputs)
        for inline in (True, False):
            tape = cls(name, listed.listing, listed.parameters, inline)
            values = tape._slots(example, None)
            try:
                if tape._floats.agrees(values, nodes, recorded.output):
                    return tape
            except Exception:
                tape._eager(example)  # eager code's own error, from the op it meets first
                raise
        raise TraceError(f"{name}: the replay disagrees with the recorded graph")

    # --- Replays ------------------------------------------------------------------------------

    def __call__(self, *xs: Any) -> Any:
        """The output's value with the inputs set to ``xs``; with arrays among them (one number
        per sample, the other inputs shared), the array of the samples' outputs."""
        return self._value(xs, None)

    def backward(self, *xs: Any, grad: Any = 1.0) -> Any:
        """Add ∂out/∂p · ``grad`` to ``p.grad`` of every parameter; return the output's value.

        Bit for bit what ``fn(*[Value(x) for x in xs]).backward(grad)`` leaves in every
        parameter's ``.grad``. On a batch (arrays among the inputs) it adds Σ_b g_b ∂out_b/∂p,
        ``grad`` a number or an array of g_b, and returns the array of outputs; within 1e-12 of
        eager code sample by sample (a layer's sums run as matrix products, in another order:
        :mod:`autograd_lite.batch`).
        """
        self._count(xs)
        if inputs.is_batch(xs):
            live = self._live()
            outputs, _, sums = self._batch(xs, grad, list(map(_data, live)), with_inputs=False)
            for p, g in zip(live, sums.tolist()):
                p.grad += g
            return outputs
        seed = real(grad, f"{self.name}.backward(grad)", "a real number")
        if MODES.checking:
            root = self._eager(xs)[self.root]
            backward(root, seed)
            return root.data
        values, found = self._passes(xs, seed, None)
        for p, g in zip(self._live(), found[self.n_inputs :]):
            p.grad += g
        return values[self.root]

    def backward_at(self, parameters: Any, *xs: Any, grad: Any = 1.0) -> tuple[Any, np.ndarray]:
        """:meth:`backward` at the parameter values θ = ``parameters`` (numbers in the order
        of :attr:`parameters`), returning the gradient instead of adding it to ``.grad``: the
        output (or on a batch the array of outputs) and the array ∂out/∂θ · ``grad`` (on a
        batch Σ_b g_b ∂out_b/∂θ).

        The parameter Values are neither read nor written, so θ can live in one array across
        steps (θ ← θ − γ ∂L/∂θ), as a hand-written NumPy step keeps it, and be read with
        :meth:`parameter_vector` and written back with :meth:`set_parameters`. The numbers
        are :meth:`backward`'s with the Values set to θ: bit for bit eager's on one sample,
        within 1e-12 on a batch.

        Raises:
            TypeError / ValueError: θ is not a sequence of ``len(parameters)`` real numbers.
        """
        theta = self._vector(parameters, f"{self.name}.backward_at(parameters)")
        self._count(xs)
        if inputs.is_batch(xs):
            outputs, _, sums = self._batch(xs, grad, theta, with_inputs=False)
            return outputs, sums  # a new array
        seed = real(grad, f"{self.name}.backward_at(grad)", "a real number")
        numbers = theta.tolist()
        if MODES.checking:  # fresh Values at θ, their .grad eager's own
            graph = self._eager(xs, numbers)
            backward(graph[self.root], seed)
            leaves = graph[self.n_inputs : self.n_inputs + len(numbers)]
            return graph[self.root].data, np.array([p.grad for p in leaves], dtype=float)
        values, found = self._passes(xs, seed, numbers)
        return values[self.root], np.array(found[self.n_inputs :], dtype=float)

    def value_at(self, parameters: Any, *xs: Any) -> Any:
        """``f(*xs)`` at the parameter values θ = ``parameters`` (as :meth:`backward_at`): the
        output, or on a batch the array of outputs, with the parameter Values neither read nor
        written (a validation loss at the θ a training loop holds, say). The numbers are
        ``f(*xs)``'s with the Values set to θ, to the bit.

        Raises:
            TypeError / ValueError: θ is not a sequence of ``len(parameters)`` real numbers.
        """
        return self._value(xs, self._vector(parameters, f"{self.name}.value_at(parameters)"))

    def grad(self, *xs: Any) -> tuple[Any, list[Any]]:
        """The output's value and ∂out/∂xᵢ for each input, touching no ``.grad``; on a batch,
        the array of outputs and one array per input."""
        self._count(xs)
        if inputs.is_batch(xs):
            outputs, columns, _ = self._batch(xs, 1.0, None)
            return outputs, columns
        if MODES.checking:
            graph = self._eager(xs)
            root, leaves = graph[self.root], graph[: self.n_inputs]
            return root.data, grad(root, leaves)
        values, found = self._passes(xs, 1.0, None)
        return values[self.root], found[: self.n_inputs]

    # --- Parameters -----------------------------------------------------------------------

    @property
    def parameters(self) -> list[Value]:
        """The parameters, in the order the replay reads them (TraceError if one is gone)."""
        return self._live()

    def parameter_vector(self) -> np.ndarray:
        """θ: a new array of the parameters' numbers, in the order of :attr:`parameters`."""
        return np.array(list(map(_data, self._live())), dtype=float)

    def set_parameters(self, parameters: Any) -> None:
        """Write θ = ``parameters`` into the parameter Values' ``.data`` (checked whole first:
        on a TypeError or ValueError no Value is changed)."""
        theta = self._vector(parameters, f"{self.name}.set_parameters(parameters)")
        for p, x in zip(self._live(), theta.tolist()):
            p.data = x

    # --- What it replays ------------------------------------------------------------------

    @property
    def source(self) -> str:
        """The Python the float replay runs, written by the rules themselves."""
        return f"# {self!r}: V holds the slots' values, G their gradients\n{self._floats.text}"

    @property
    def written_out(self) -> bool:
        """Whether the formulas are written out (True: every rule computed on symbols as on
        floats), rather than each called as a function (the fallback, also bit for bit)."""
        return self._floats.inline

    @property
    def instructions(self) -> tuple[Instruction, ...]:
        """The recording's nodes, in the order of the graph (:class:`Listing`)."""
        return self.listing.instructions

    @property
    def root(self) -> int:
        """The output's slot."""
        return self.listing.root

    def block_replay(self) -> BlockReplay:
        """The batched replay in blocks (:mod:`autograd_lite.batch`), planned on first use."""
        if self._blocks is None:
            self._blocks = BlockReplay(self.listing, self.written_out)
        return self._blocks

    def block_source(self) -> str:
        """The Python a batch is replayed by: the block programs of its forward pass, of its
        backward pass for every gradient and of its backward pass for the parameters' alone
        (:mod:`autograd_lite.batch.program`), written on first use."""
        return self.block_replay().source()

    def __len__(self) -> int:
        """The number of op nodes replayed."""
        return len(self.listing.instructions)

    def __repr__(self) -> str:
        return (
            f"Tape({self.name}: {self.n_inputs} inputs, {len(self._parameters)} parameters, "
            f"{len(self)} nodes)"
        )

    # --- Machinery ----------------------------------------------------------------------------

    def _count(self, xs: tuple[Any, ...]) -> None:
        """The one check of how many inputs a replay was given."""
        if len(xs) != self.n_inputs:
            raise TraceError(
                f"{self.name}: the recording takes {self.n_inputs} inputs, got {len(xs)}"
            )

    def _value(self, xs: tuple[Any, ...], theta: np.ndarray | None) -> Any:
        """The output (or a batch's outputs) at the Values' numbers, or at ``theta``."""
        self._count(xs)
        if inputs.is_batch(xs):
            return self._batch(xs, None, theta)[0]
        numbers = None if theta is None else theta.tolist()
        if MODES.checking:  # eager code, on fresh Values at θ if given
            return self._eager(xs, numbers)[self.root].data
        return self._forward(xs, numbers)[self.root]

    def _batch(
        self, xs: tuple[Any, ...], grad: Any, theta: Any, with_inputs: bool = True
    ) -> BatchResult:
        """A batched replay: the outputs, the inputs' gradients (if ``with_inputs``) and the
        parameters' summed over the batch (only outputs if ``grad`` is None); one sample at a
        time where NumPy signals an error (:mod:`autograd_lite.batch.samples`), and through
        eager code inside ``detect_anomaly``. ``theta``: the parameters' numbers read from the
        Values (a list; None: read here), or θ of :meth:`backward_at` (an array: then the
        sample-by-sample paths run on new Values holding it, not on the Values themselves)."""
        numbers, size = inputs.checked(self.name, xs)
        seed = None if grad is None else inputs.seed_of(self.name, grad, size)

        def one_by_one() -> BatchResult:
            at = theta.tolist() if isinstance(theta, np.ndarray) else None
            replay = self._eager_sample if MODES.checking else self._float_sample
            each = samples.each_sample(numbers, size)
            return samples.one_by_one(replay(at), each, seed, len(self._parameters))

        if MODES.checking:
            return one_by_one()
        blocks = self.block_replay()
        parameters = list(map(_data, self._live())) if theta is None else theta
        return samples.strictly(  # type: ignore[no-any-return]
            lambda: blocks.run(numbers, parameters, size, seed, inputs=with_inputs), one_by_one
        )

    def _float_sample(self, theta: list[float] | None) -> samples.OneSample:
        """One sample by the float replay: eager's numbers to the bit, or eager's error."""
        leaves = self.n_inputs + len(self._parameters)

        def replay(sample: tuple[float, ...], g: float | None) -> tuple[float, list[float]]:
            if g is None:
                return self._forward(sample, theta)[self.root], []
            values, found = self._passes(sample, g, theta)
            return values[self.root], found[:leaves]

        return replay

    def _eager_sample(self, theta: list[float] | None) -> samples.OneSample:
        """One sample through eager code, inside ``detect_anomaly``: its backward pass seeded
        with the sample's own g, as ``fn(*sample).backward(g)`` is, so it raises where that
        pass makes an infinity or NaN, the inputs' gradients included."""
        leaves = self.n_inputs + len(self._parameters)

        def replay(sample: tuple[float, ...], g: float | None) -> tuple[float, list[float]]:
            graph = self._eager(sample, theta)
            root = graph[self.root]
            if g is None:
                return root.data, []
            found = gradients(root, g)
            return root.data, [found.get(leaf, 0.0) for leaf in graph[:leaves]]

        return replay

    def _slots(self, xs: tuple[Any, ...], theta: list[float] | None) -> list[Any]:
        """The slots' starting values: the inputs, the parameters' numbers (``theta``, or the
        Values'), the constants, and None for every node."""
        numbers = [
            x if type(x) is float else real(x, f"{self.name}: input {i}", "a real number")
            for i, x in enumerate(xs)
        ]
        parameters = [p.data for p in self._live()] if theta is None else theta
        return [*numbers, *parameters, *self.listing.constants, *self._blank()]

    def _blank(self) -> list[None]:
        return [None] * len(self.listing.instructions)

    def _forward(self, xs: tuple[Any, ...], theta: list[float] | None) -> list[Any]:
        """Every slot's value by the float replay; where it raises, eager code's own error."""
        values = self._slots(xs, theta)
        try:
            self._floats.forward(values)
        except Exception:
            self._eager(xs, theta)  # eager code's own error, from the op eager code meets first
            raise
        return values

    def _passes(
        self, xs: tuple[Any, ...], seed: float, theta: list[float] | None
    ) -> tuple[list[Any], list[float]]:
        """Both passes by the float replay: the slots' values, and the gradients of the inputs
        and then the parameters."""
        values = self._forward(xs, theta)
        try:
            found = self._floats.backward(values, seed)
        except (ZeroDivisionError, OverflowError):
            float_pass(self._eager(xs, theta)[self.root], seed)  # raises eager's DomainError
            raise TraceError(f"{self.name}: the replay failed where eager code did not") from None
        return values, found[: self.n_inputs + len(self._parameters)]

    def _eager(self, xs: tuple[Any, ...], theta: list[float] | None = None) -> list[Any]:
        """The recording rebuilt as a graph of Values by the eager ops' own code: every slot.
        Its parameters are the Values themselves, or new ones holding ``theta``."""
        numbers = self._slots(xs, theta)[: self.n_inputs]
        parameters = self._live() if theta is None else [Value(x) for x in theta]
        return self.listing.rebuilt(numbers, parameters)

    def _live(self) -> list[Value]:
        parameters = list(map(operator.call, self._parameters))
        # not `None in parameters`: that calls Value.__eq__ on each
        if not self._gone[0] or all(map(operator.is_not, parameters, itertools.repeat(None))):
            return parameters  # type: ignore[return-value]
        for i, p in enumerate(parameters):
            if p is None:
                label = f" ({self._labels[i]!r})" if self._labels[i] else ""
                raise TraceError(
                    f"{self.name}: parameter {i}{label} of the recording no longer exists (the "
                    "model replaced it by a new Value); trace the function again"
                )
        return parameters  # type: ignore[return-value]

    def _vector(self, parameters: Any, where: str) -> np.ndarray:
        """``parameters`` as θ, a 1-D float array of one number per parameter (the array
        itself if it is one: nothing here writes into it or keeps it)."""
        if isinstance(parameters, str | bytes) or not hasattr(parameters, "__len__"):
            raise TypeError(f"{where} must be an array of numbers, got {type(parameters).__name__}")
        try:
            theta = np.asarray(parameters, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{where} must be an array of real numbers") from None
        n = len(self._parameters)
        if theta.shape != (n,):
            raise ValueError(
                f"{where}: the recording has {n} parameters, so θ must have shape ({n},), "
                f"got {theta.shape}"
            )
        return theta
