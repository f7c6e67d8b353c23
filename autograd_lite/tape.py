"""A recorded graph, replayed on plain floats by code the rule table wrote (:mod:`codegen`).

A :class:`Tape` is what :func:`autograd_lite.trace` returns. Its slots are numbered inputs
first, then parameters, then constant leaves, then the nodes in the topological order of the
recording, the order the eager backward pass visits them in reverse. A replay fills the list
``V`` of slot values and runs the generated forward functions, and for a gradient the list ``G``
(all 0.0 but the output's, which is the seed) and the backward functions. Those do what the eager
float pass does, operation for operation, so the numbers are bit for bit eager's.

Two cases run the eager machinery itself on a graph of Values rebuilt from the recording, op by
op in the order the function made them (as slow as eager code, and by construction the same):
inside ``detect_anomaly``, whose checks live there, and after a replay raised (a domain error
forward, a division by zero or an overflow backward), so that the error is eager's own, from
the op eager code meets first.

Parameters are held by weak reference: a model that replaced one by a new Value leaves the
recording pointing at nothing, and a replay raises instead of reading a stale number.
"""

from __future__ import annotations

import itertools
import math
import operator
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_lite import batched, blocks, codegen
from autograd_lite.backward import backward, float_pass, grad, gradients
from autograd_lite.checks import real
from autograd_lite.codegen import Instruction, Names
from autograd_lite.formulas import DomainError
from autograd_lite.graph import topological_order
from autograd_lite.modes import MODES, enable_grad
from autograd_lite.rules import forward
from autograd_lite.tracer import TraceError, Tracer
from autograd_lite.value import Value, make_node


@dataclass(frozen=True)
class Program:
    """What a recording holds: where each slot's value comes from, and each node's op.

    Slots are numbered inputs first, then parameters, then constant leaves, then nodes.
    ``instructions[:live]`` are the output's graph in topological order (the order of the
    eager backward pass, reversed); the rest are nodes the function made that do not lead to
    its output, which eager code still computes (and which may raise). ``creation`` lists the
    instructions in the order the function made them, the order eager code would raise in.
    """

    n_inputs: int
    parameters: list[Value]
    constants: list[float]
    instructions: tuple[Instruction, ...]
    live: int
    creation: tuple[int, ...]
    root: int

    @classmethod
    def of(
        cls, inputs: list[Value], order: list[Value], recording: Tracer
    ) -> tuple[Program, dict[int, int]]:
        """The program of the graph in ``order`` (its output last), and each Value's slot (by
        ``id``)."""
        out = order[-1]
        live = {id(v) for v in order}
        dead = [v for v in recording.created if id(v) not in live]
        nodes = [v for v in order if v.args] + dead
        leaves = _unique(
            [v for v in order if not v.args] + [a for v in dead for a in v.parents if not a.args]
        )
        known = {id(x) for x in inputs} | set(recording.constants)
        parameters = [v for v in leaves if id(v) not in known]
        fixed = [v for v in leaves if id(v) in recording.constants]
        slots = {id(v): i for i, v in enumerate([*inputs, *parameters, *fixed, *nodes])}
        instructions = tuple(_instruction(node, slots) for node in nodes)
        made = {id(v): i for i, v in enumerate(recording.created)}
        creation = tuple(sorted(range(len(nodes)), key=lambda i: made[id(nodes[i])]))
        constants = [v.data for v in fixed]
        n_live = len(nodes) - len(dead)
        program = cls(
            len(inputs), parameters, constants, instructions, n_live, creation, slots[id(out)]
        )
        return program, slots


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


class Tape:
    """``fn``'s graph, recorded once by :func:`~autograd_lite.trace`, replayed on new inputs."""

    def __init__(self, name: str, program: Program) -> None:
        self.name = name
        self.n_inputs = program.n_inputs
        # Set when a parameter is collected (each reference's callback): until then no
        # replay needs to look for the one that is gone. A list, not the tape: the callbacks
        # must not keep the tape alive.
        self._gone = gone = [False]
        self._parameters = [
            weakref.ref(p, lambda _: gone.__setitem__(0, True)) for p in program.parameters
        ]
        self._labels = [p.label for p in program.parameters]
        self._constants = program.constants
        self.instructions = program.instructions
        self._live_count = program.live
        self._creation = program.creation
        self.root = program.root
        self._blank: list[Any] = [None] * len(self.instructions)
        self._forward: list[Any] = []
        self._backward: list[Any] = []
        self.source = ""
        self._names: dict[str, Any] = {}
        self._code: list[Any] = []
        self._batched: blocks.Replay | None = None
        #: Whether the formulas are written out (True: every rule computed on symbols as on
        #: floats), rather than each called as a function (the fallback, also bit for bit).
        self.written_out = False

    @classmethod
    def record(cls, name: str, inputs: list[Value], out: Value, recording: Tracer) -> Tape:
        """The recording of ``out``'s graph, compiled and checked against it bit for bit."""
        order = topological_order(out)
        program, slots = Program.of(inputs, order, recording)
        tape = cls(name, program)
        tape._compile_checked([(slots[id(v)], v) for v in order], [x.data for x in inputs], out)
        return tape

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
        :mod:`autograd_lite.blocks`).
        """
        if batched.is_batch(xs):
            live = self._live()
            outputs, _, sums = self._batch(xs, grad, list(map(_data, live)), inputs=False)
            for p, g in zip(live, sums.tolist()):
                p.grad += g
            return outputs
        seed = real(grad, f"{self.name}.backward(grad)", "a real number")
        if MODES.checking:
            root = self._eager(xs)[self.root]
            backward(root, seed)
            return root.data
        values, gradients = self._replay(xs, seed)
        for p, g in zip(self._live(), gradients[self.n_inputs :]):
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
        if batched.is_batch(xs):
            outputs, _, sums = self._batch(xs, grad, theta, inputs=False)
            return outputs, sums  # a new array
        seed = real(grad, f"{self.name}.backward_at(grad)", "a real number")
        numbers = theta.tolist()
        if MODES.checking:  # fresh Values at θ, their .grad eager's own
            graph = self._eager(xs, numbers)
            backward(graph[self.root], seed)
            leaves = graph[self.n_inputs : self.n_inputs + len(numbers)]
            return graph[self.root].data, np.array([p.grad for p in leaves], dtype=float)
        values, gradients = self._replay(xs, seed, numbers)
        return values[self.root], np.array(gradients[self.n_inputs :], dtype=float)

    def value_at(self, parameters: Any, *xs: Any) -> Any:
        """``f(*xs)`` at the parameter values θ = ``parameters`` (as :meth:`backward_at`): the
        output, or on a batch the array of outputs, with the parameter Values neither read nor
        written (a validation loss at the θ a training loop holds, say). The numbers are
        ``f(*xs)``'s with the Values set to θ, to the bit.

        Raises:
            TypeError / ValueError: θ is not a sequence of ``len(parameters)`` real numbers.
        """
        return self._value(xs, self._vector(parameters, f"{self.name}.value_at(parameters)"))

    def parameter_vector(self) -> np.ndarray:
        """θ: a new array of the parameters' numbers, in the order of :attr:`parameters`."""
        return np.array(list(map(_data, self._live())), dtype=float)

    def set_parameters(self, parameters: Any) -> None:
        """Write θ = ``parameters`` into the parameter Values' ``.data`` (checked whole first:
        on a TypeError or ValueError no Value is changed)."""
        theta = self._vector(parameters, f"{self.name}.set_parameters(parameters)")
        for p, x in zip(self._live(), theta.tolist()):
            p.data = x

    def grad(self, *xs: Any) -> tuple[Any, list[Any]]:
        """The output's value and ∂out/∂xᵢ for each input, touching no ``.grad``; on a batch,
        the array of outputs and one array per input."""
        if batched.is_batch(xs):
            outputs, inputs, _ = self._batch(xs, 1.0)
            return outputs, inputs
        if MODES.checking:
            graph = self._eager(xs)
            root, inputs = graph[self.root], graph[: self.n_inputs]
            return root.data, grad(root, inputs)
        values, gradients = self._replay(xs, 1.0)
        return values[self.root], gradients[: self.n_inputs]

    @property
    def parameters(self) -> list[Value]:
        """The parameters, in the order the replay reads them (TraceError if one is gone)."""
        return self._live()

    def __len__(self) -> int:
        """The number of op nodes replayed."""
        return len(self.instructions)

    def __repr__(self) -> str:
        return (
            f"Tape({self.name}: {self.n_inputs} inputs, {len(self._parameters)} parameters, "
            f"{len(self)} nodes)"
        )

    # --- Machinery ----------------------------------------------------------------------------

    def _batch(
        self, xs: tuple[Any, ...], grad: Any, theta: Any = None, inputs: bool = True
    ) -> tuple[Any, list[Any], Any]:
        """A batched replay (:mod:`autograd_lite.blocks`): the outputs, the inputs' gradients
        (if ``inputs``) and the parameters' summed over the batch, an array (only outputs if
        ``grad`` is None); one sample at a time where NumPy signals an error
        (:func:`batched.run`). ``theta``: the parameters' numbers read from the Values (a list;
        None: read here), or θ of :meth:`backward_at` (an array: then the sample-by-sample
        paths run on new Values holding it, not on the Values themselves)."""
        numbers, size = batched.inputs(self.name, xs, self.n_inputs)
        seed = None if grad is None else batched.seed_of(self.name, grad, size)
        fresh = isinstance(theta, np.ndarray)
        if MODES.checking:
            at = theta.tolist() if fresh else None
            return self._batch_checked(batched.each_sample(numbers, size), seed, at)
        replay = self._blocks()
        parameters = list(map(_data, self._live())) if theta is None else theta

        def passes() -> tuple[Any, list[Any], Any]:
            return replay.run(numbers, parameters, size, seed, inputs=inputs)

        def one_by_one() -> tuple[Any, list[Any], Any]:
            at = theta.tolist() if fresh else None
            return self._samples_alone(batched.each_sample(numbers, size), seed, at)

        return batched.run(passes, one_by_one)  # type: ignore[no-any-return]

    def _value(self, xs: tuple[Any, ...], theta: np.ndarray | None) -> Any:
        """The output (or a batch's outputs) at the Values' numbers, or at ``theta``."""
        if batched.is_batch(xs):
            return self._batch(xs, None, theta)[0]
        numbers = None if theta is None else theta.tolist()
        if MODES.checking:  # eager code, on fresh Values at θ if given
            return self._eager(xs, numbers)[self.root].data
        values = self._values(xs, numbers)
        self._run_forward(values, xs, numbers)
        return values[self.root]

    def _samples_alone(
        self, samples: list[tuple[float, ...]], seed: Any, theta: list[float] | None
    ) -> tuple[Any, list[Any], Any]:
        """The batch one sample at a time by the float replay, eager's numbers to the bit: the
        first sample that raises raises, named."""
        outputs, inputs, sums = [], [], [0.0] * len(self._parameters)
        n = self.n_inputs
        for i, sample in enumerate(samples):
            try:
                if seed is None:
                    values = self._values(sample, theta)
                    self._run_forward(values, sample, theta)
                else:
                    g = seed if isinstance(seed, float) else float(seed[i])
                    values, gradients = self._passes(sample, g, theta)
                    inputs.append(gradients[:n])
                    sums = [s + d for s, d in zip(sums, gradients[n : n + len(sums)])]
            except Exception as error:  # eager's own error, from the first sample that fails
                raise batched.at_sample(error, i) from None
            outputs.append(values[self.root])
        columns = [np.array(c, dtype=float) for c in zip(*inputs)] if inputs and n else []
        return np.array(outputs, dtype=float), columns, np.array(sums, dtype=float)

    def _batch_checked(
        self, samples: list[tuple[float, ...]], seed: Any, theta: list[float] | None
    ) -> tuple[Any, list[Any], Any]:
        """The batch one sample at a time through eager code, inside ``detect_anomaly``: each
        sample's backward pass seeded with its own g_b, as ``fn(*sample).backward(g_b)`` is, so
        it raises where that pass makes an infinity or NaN, inputs' gradients included."""
        outputs, inputs, sums = [], [], [0.0] * len(self._parameters)
        for i, sample in enumerate(samples):
            try:
                graph = self._eager(sample, theta)
                root = graph[self.root]
                leaves = graph[: self.n_inputs + len(self._parameters)]
                derivatives = [0.0] * len(leaves)
                if seed is not None:
                    g = seed if isinstance(seed, float) else float(seed[i])
                    found = gradients(root, g)
                    derivatives = [found.get(leaf, 0.0) for leaf in leaves]
            except Exception as error:  # eager's own error, from the first sample that fails
                raise batched.at_sample(error, i) from None
            outputs.append(root.data)
            inputs.append(derivatives[: self.n_inputs])
            sums = [s + d for s, d in zip(sums, derivatives[self.n_inputs :])]
        columns = [np.array(c, dtype=float) for c in zip(*inputs)] if inputs and inputs[0] else []
        return np.array(outputs, dtype=float), columns, np.array(sums, dtype=float)

    def _blocks(self) -> blocks.Replay:
        """The batched replay in blocks (:mod:`autograd_lite.blocks`), planned on first use."""
        if self._batched is None:
            self._batched = blocks.Replay(
                self.instructions,
                self._live_count,
                self.n_inputs,
                len(self._parameters),
                self._constants,
                self.root,
                self.written_out,
            )
        return self._batched

    def _values(self, xs: tuple[Any, ...], theta: list[float] | None = None) -> list[Any]:
        """The slots' starting values: the inputs, the parameters' numbers (``theta``, or the
        Values'), the constants, and None for every node."""
        if len(xs) != self.n_inputs:
            raise TraceError(
                f"{self.name}: the recording takes {self.n_inputs} inputs, got {len(xs)}"
            )
        numbers = [
            x if type(x) is float else real(x, f"{self.name}: input {i}", "a real number")
            for i, x in enumerate(xs)
        ]
        parameters = [p.data for p in self._live()] if theta is None else theta
        return [*numbers, *parameters, *self._constants, *self._blank]

    def _replay(
        self, xs: tuple[Any, ...], seed: float, theta: list[float] | None = None
    ) -> tuple[list[Any], list[float]]:
        """Both passes: the slot values, and the gradients of the inputs and parameters."""
        values, gradients = self._passes(xs, seed, theta)
        return values, gradients[: self.n_inputs + len(self._parameters)]

    def _passes(
        self, xs: tuple[Any, ...], seed: float, theta: list[float] | None = None
    ) -> tuple[list[Any], list[float]]:
        """Both passes: every slot's value and gradient."""
        values = self._values(xs, theta)
        self._run_forward(values, xs, theta)
        gradients = [0.0] * len(values)
        gradients[self.root] = seed
        try:
            for function in self._backward:
                function(values, gradients)
        except (ZeroDivisionError, OverflowError):
            float_pass(self._eager(xs, theta)[self.root], seed)  # raises eager's DomainError
            raise TraceError(f"{self.name}: the replay failed where eager code did not") from None
        return values, gradients

    def _run_forward(
        self, values: list[Any], xs: tuple[Any, ...], theta: list[float] | None = None
    ) -> None:
        try:
            for function in self._forward:
                function(values)
        except Exception:
            self._eager(xs, theta)  # eager code's own error, from the op eager code meets first
            raise

    def _live(self) -> list[Value]:
        parameters = list(map(operator.call, self._parameters))
        # not `None in parameters`: that calls Value.__eq__ on each (four times slower)
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

    def _eager(self, xs: tuple[Any, ...], theta: list[float] | None = None) -> list[Any]:
        """The recording rebuilt as a graph of Values by the eager ops' own code: every slot.
        Its parameters are the Values themselves, or new ones holding ``theta``."""
        numbers = self._values(xs, theta)[: self.n_inputs]
        parameters = self._live() if theta is None else [Value(x) for x in theta]
        constants = [Value(c) for c in self._constants]
        graph: list[Any] = [*[Value(x) for x in numbers], *parameters, *constants, *self._blank]
        with enable_grad():  # a tape is its own record: no_grad aside
            for ins in (self.instructions[i] for i in self._creation):
                args = tuple(graph[x] if type(x) is int else x for x in ins.operands)
                data = [a.data if isinstance(a, Value) else a for a in args]
                graph[ins.slot] = make_node(forward(ins.op)(*data), ins.op, args)  # type: ignore[misc]
        return graph

    def _compile(self, inline: bool) -> None:
        names = Names()
        forwards, backwards = codegen.functions(
            self.instructions, self._live_count, names, inline, self._constant_slots()
        )
        self._names = dict(names.namespace)
        namespace = dict(names.namespace)
        self._code = [
            compile(text, f"<tape {self.name}>", "exec") for text in [*forwards, *backwards]
        ]
        self._batched = None
        for code in self._code:  # one by one: a huge graph is never one code object
            exec(code, namespace)
        self._forward = [namespace[f"forward_{i}"] for i in range(len(forwards))]
        self._backward = [namespace[f"backward_{i}"] for i in reversed(range(len(backwards)))]
        header = f"# {self!r}: V holds the slots' values, G their gradients\n"
        self.source = header + "\n".join([*forwards, *backwards])

    def _compile_checked(self, slots: list[tuple[int, Value]], xs: list[float], out: Value) -> None:
        """Compile, and check every node's value and every input's and parameter's gradient
        against the recorded graph, bit for bit.

        Written-out formulas are the rules run on symbols; a rule that computes otherwise on
        symbols than on floats would show here, and the tape then calls every formula instead.
        """
        for inline in (True, False):
            self._compile(inline)
            if self._agrees(slots, tuple(xs), out):
                self.written_out = inline
                return
        raise TraceError(f"{self.name}: the replay disagrees with the recorded graph")

    def _agrees(self, slots: list[tuple[int, Value]], xs: tuple[float, ...], out: Value) -> bool:
        values = self._values(xs)
        self._run_forward(values, xs)
        if not all(_same(values[slot], v.data) for slot, v in slots if values[slot] is not None):
            return False
        try:
            float_pass(out, 1.0)
        except DomainError:
            return True  # no gradient at the example to compare with
        _, gradients = self._passes(xs, 1.0)
        leaves = self.n_inputs + len(self._parameters)  # the gradients a replay hands out
        return all(_same(gradients[s], v.upstream) for s, v in slots if s < leaves)

    def _vector(self, parameters: Any, where: str) -> np.ndarray:
        """``parameters`` as θ, a 1-D float array of one number per parameter (the array
        itself if it is one: nothing here writes into it or keeps it)."""
        if isinstance(parameters, str | bytes) or not hasattr(parameters, "__len__"):
            raise TypeError(f"{where} must be an array of numbers, got {type(parameters).__name__}")
        try:
            theta = np.asarray(parameters, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{where} must be an array of real numbers") from None
        if theta.shape != (len(self._parameters),):
            raise ValueError(
                f"{where}: the recording has {len(self._parameters)} parameters, so θ must have "
                f"shape ({len(self._parameters)},), got {theta.shape}"
            )
        return theta

    def _constant_slots(self) -> frozenset[int]:
        """The constant leaves' slots: their gradients are never read, and not all computed."""
        first = self.n_inputs + len(self._parameters)
        return frozenset(range(first, first + len(self._constants)))


_data = operator.attrgetter("data")


def _same(a: float, b: float) -> bool:
    """Equal as bits go: NaN equals NaN, 0.0 differs from -0.0."""
    if a != a or b != b:
        return a != a and b != b
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
