"""``fit(..., compile=True)``: the objective traced once, then replayed for every evaluation.

The objective of a batch B, L_B(w) = (1/|B|) Σ_{i∈B} loss(model(X[i]), Y[i]) + R(w), builds the
same graph of scalars for every sample and every batch; only the samples' numbers differ. So
``fit`` traces (:func:`autograd_lite.trace`) instead of building it again, the samples' numbers
as the recording's inputs and the model's parameters read live. Which recording depends on the
optimiser:

* A fixed or scheduled step (SGD, momentum, Adam, GradientDescent without a line search):
  :class:`BatchedObjective` traces one sample's loss once and replays each batch on it in one
  go, each input an array over the batch (:mod:`autograd_lite.batch`). Each sample's numbers
  are eager code's, but the sums over the batch run in NumPy's order, so the History agrees
  with the eager fit's to about 1e-12 (relative), not to the bit. When the optimiser's step is
  a rule on arrays (SGD, Adam, GradientDescent with a fixed step: ``vectorized``),
  :class:`ArrayTraining` also holds the parameters in one array across the steps of an epoch,
  and writes them back into the Values after it.
* A line search (GradientDescent's ``"exact"`` or ``"backtracking"``, or any optimiser whose
  ``line_search`` attribute is set): :class:`CompiledObjective` traces the whole batch
  objective once per batch size and replays it for each step and trial point, bit for bit what
  eager code gives, so the History is the eager fit's. A line search ends on comparisons of
  values that differ by rounding (Brent's method's last trial points, Armijo's test), so a
  replay whose sums ran in another order would move the steps it chooses, and a rounding's
  difference in one step's α grows over the following steps.

``compile="batch"`` is another name for ``compile=True`` (the same choice between the two).

How a sample becomes inputs: a number is one input; a sequence (list, tuple, 1-D array) is one
input per item, and the model gets a list of Values. A target the same way, except a class index:
an ``int`` target, where the model's output is a list of two or more Values, becomes the one-hot
vector over those outputs, which :func:`nn.cross_entropy` takes as it takes the index.

Inside a recording a loss sees Values and cannot check their numbers, so before the first trace
the loss is given every sample's target once, without recording: a label the loss refuses (a 2
for the hinge loss) raises here as it would in an eager fit. It is given them with the model's
output for sample 0, computed once: what a loss checks of a target does not depend on the
model's numbers (a loss that read them would not trace), and the numbers' own failures, a
domain error in the model at some sample, are the replay's, met at that sample's batch as in an
eager fit. (Running the model on every sample here would cost an epoch of forward passes.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from autograd_lite import Value, is_grad_enabled, no_grad, total, trace
from autograd_lite.checks import real
from optim.optimizer import Buffers, Optimizer, Step, not_finite

#: How one sample's numbers are cut: (features, target), each None for a single number, or
#: the number of items of a list.
Layout = tuple[int | None, int | None]

#: Numbers, and None if they stand for one number or else how many items of a list they are.
Encoded = tuple[list[float], int | None]


class CompiledObjective:
    """The batch objective of one ``fit``, one tape per batch size: replays bit for bit, for
    ``fit(..., compile=True)`` with a line search."""

    def __init__(
        self,
        model: Any,
        X: Sequence[Any],
        Y: Sequence[Any],
        term: Callable[[Any, Any, int], Value],
        penalty: Callable[[Value], Value],
    ) -> None:
        self.model = model
        self.term = term
        self.penalty = penalty
        classes = _classes(model, X, Y, term)
        encoded = [
            (_numbers(x, f"X[{i}]"), _target(y, classes, f"Y[{i}]"))
            for i, (x, y) in enumerate(zip(X, Y))
        ]
        self.layout: Layout = _layout(encoded)
        self.samples = [[*features[0], *target[0]] for features, target in encoded]
        self.tapes: dict[int, Any] = {}

    def evaluate(self, indices: Sequence[int]) -> Value:
        """L_B at the current parameters, its gradient added to ``.grad`` unless in no_grad."""
        numbers = [x for i in indices for x in self.samples[i]]
        tape = self.tapes.get(len(indices))
        if tape is None:
            tape = self.tapes[len(indices)] = trace(self._objective(len(indices)), *numbers)
        return Value(tape.backward(*numbers) if is_grad_enabled() else tape(*numbers))

    def _objective(self, size: int, mean: bool = True) -> Callable[..., Value]:
        """L_B of a batch of ``size`` samples as a function of their numbers; with ``mean``
        False, one sample's loss plus the penalty, loss(model(xᵢ), yᵢ) + R(w): its mean over a
        batch is L_B, and R, the same for every sample, a batched replay computes once."""
        features, target = self.layout
        width = (features or 1) + (target or 1)

        def batch_objective(*inputs: Value) -> Value:
            terms = []
            for k in range(size):
                sample = inputs[k * width : (k + 1) * width]
                x = _cut(sample[: features or 1], features)
                y = _cut(sample[features or 1 :], target)
                terms.append(self.term(self.model(x), y, k))
            return self.penalty(total(terms) / size if mean else terms[0])

        return batch_objective


class BatchedObjective(CompiledObjective):
    """``compile=True`` without a line search: one sample's loss recorded once, every batch
    replayed in one go.

    Each input of the sample's tape gets the array of that number over the batch
    (:mod:`autograd_lite.batch`); the tape is the sample's loss plus the penalty R(w), so the
    mean of its outputs is L_B and ``backward(..., grad=1/|B|)`` adds L_B's gradient (R's nodes
    do not depend on the sample: the replay computes them once per batch). The History agrees
    with the eager fit's to about 1e-12 (the sums over the batch run in another order), not to
    the bit.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.matrix = np.array(self.samples, dtype=float)
        self.sample = trace(self._objective(1, mean=False), *self.samples[0])

    def evaluate(self, indices: Sequence[int]) -> Value:
        """L_B at the current parameters, its gradient added to ``.grad`` unless in no_grad."""
        size = len(indices)
        columns = list(self.matrix[list(indices)].T)
        if is_grad_enabled():
            losses = self.sample.backward(*columns, grad=1.0 / size)
        else:
            losses = self.sample(*columns)
        return Value(float(np.sum(losses)) / size)


class _Point(NamedTuple):
    """Where an :class:`ArrayTraining` stands: replaced whole by each step (one assignment,
    so an interruption finds the last step completed or not begun)."""

    w: np.ndarray  # the optimiser's parameters, in its order
    theta: np.ndarray  # the recording's parameters, in its order
    buffers: Buffers  # those the last step carried; () before any
    steps: int
    step_size: float


class ArrayTraining:
    """``compile=True`` with an optimiser whose step is a rule on arrays (``vectorized``): the
    parameters held in one array across steps, as a hand-written NumPy loop holds them.

    Each batch's loss and gradient come from :meth:`~autograd_lite.tape.Tape.backward_at` at
    θ, and :attr:`Optimizer.update` (the same formula as the optimiser's own step) makes the
    next θ; no Value is read or written meanwhile. :meth:`write` leaves the Values, their
    ``.grad`` and the optimiser's state as the eager fit would (``fit`` calls it after each
    epoch and whenever it stops), and :meth:`read` takes them up again (after the callbacks,
    which may change them): with thousands of parameters (digits' 2,410) a loop over Values
    each step would cost more than the replay.
    """

    def __init__(
        self, objective: BatchedObjective, optimizer: Optimizer, to_zero: list[Value]
    ) -> None:
        self.objective, self.optimizer, self.tape = objective, optimizer, objective.sample
        slot = {id(p): i for i, p in enumerate(self.tape.parameters)}
        where = np.array([slot.get(id(p), -1) for p in optimizer.params], dtype=np.intp)
        self.inside, self.slots = where >= 0, where[where >= 0]
        zeroed = {id(p) for p in to_zero}
        #: Parameters of the recording ``fit`` never zeroes: eager code adds every gradient.
        self.kept = [i for i, p in enumerate(self.tape.parameters) if id(p) not in zeroed]
        self.to_zero = to_zero
        self.read()

    def read(self) -> None:
        """θ, w, the buffers and the step count from the Values and the optimiser's state."""
        opt, params = self.optimizer, self.tape.parameters
        w = np.array([p.data for p in opt.params], dtype=float)
        buffers = opt.buffers_in(opt.state, len(w))
        state = opt.state
        self.point = _Point(w, self.tape.parameter_vector(), buffers, state.steps, state.step_size)
        self.start = state.steps
        self.gradient: np.ndarray | None = None  # the last evaluation's, over the recording's
        self.grads = np.zeros(len(w))  # the same over the optimiser's parameters
        self.kept_base = [params[i].grad for i in self.kept]
        self.kept_sum = np.zeros(len(self.kept))

    def evaluate(self, indices: Sequence[int]) -> tuple[float, float]:
        """L_B at θ and ‖∇L_B‖₂ over the optimiser's parameters (as ``grad_norm`` computes
        it); the gradient is kept for :meth:`step`."""
        size = len(indices)
        columns = list(self.objective.matrix[list(indices)].T)
        losses, g = self.tape.backward_at(self.point.theta, *columns, grad=1.0 / size)
        grads = np.zeros(len(self.point.w))
        grads[self.inside] = g[self.slots]
        self.gradient, self.grads = g, grads
        self.kept_sum += g[self.kept]
        return float(np.sum(losses)) / size, math.hypot(*grads.tolist())

    def step(self) -> None:
        """The optimiser's update at the last evaluation's gradient (a FloatingPointError, and
        nothing changed, if a parameter would not be finite)."""
        opt, point = self.optimizer, self.point
        w, gamma, buffers = opt.vector_step(point.w, self.grads, point.steps, point.buffers)
        bad = np.flatnonzero(~np.isfinite(w))
        if len(bad):
            i = int(bad[0])
            not_finite(type(opt).__name__, i, float(w[i]), float(point.w[i]), float(self.grads[i]))
        theta = point.theta.copy()
        theta[self.slots] = w[self.inside]
        self.point = _Point(w, theta, buffers, point.steps + 1, gamma)

    def write(self) -> None:
        """The Values, their ``.grad`` and the optimiser's state as the eager fit leaves them
        after the same steps (idempotent: ``fit`` may write twice)."""
        opt, point, params = self.optimizer, self.point, self.tape.parameters
        self.tape.set_parameters(point.theta)
        for p, x, inside in zip(opt.params, point.w.tolist(), self.inside.tolist()):
            if not inside:
                p.data = x
        if self.gradient is not None:  # eager code zeroed them and added this evaluation's
            for p in self.to_zero:
                p.grad = 0.0
            for p, g in zip(params, self.gradient.tolist()):
                p.grad = g
            for i, base, added in zip(self.kept, self.kept_base, self.kept_sum.tolist()):
                params[i].grad = base + added
        if point.steps > self.start:
            opt.state = opt.state_after(point.steps, Step(point.w, point.step_size, point.buffers))


def _cut(values: Sequence[Value], items: int | None) -> Any:
    return values[0] if items is None else list(values)


def _classes(
    model: Any, X: Sequence[Any], Y: Sequence[Any], term: Callable[..., Value]
) -> int | None:
    """Every target given to the loss once, unrecorded, with the model's output for sample 0
    (the loss checks each target); and the number of the model's outputs if they are a list of
    two or more, else None."""
    with no_grad():
        output = model(X[0])
        for i, y in enumerate(Y):
            term(output, y, i)
    if isinstance(output, list | tuple) and len(output) >= 2:
        return len(output)
    return None


def _numbers(x: object, where: str) -> Encoded:
    """A sample's features (or target) as numbers: one number, or the items of a sequence."""
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, list | tuple):
        items = [real(v, f"fit(compile=True): {where}[{k}]", "a number") for k, v in enumerate(x)]
        return items, len(items)
    return [real(x, f"fit(compile=True): {where}", "a number or a sequence of numbers")], None


def _target(y: object, classes: int | None, where: str) -> Encoded:
    """A target as numbers; a class index one-hot over ``classes`` outputs."""
    if classes is not None and isinstance(y, int | np.integer) and type(y) is not bool:
        return [1.0 if k == int(y) else 0.0 for k in range(classes)], classes
    return _numbers(y, where)


def _layout(encoded: list[tuple[Encoded, Encoded]]) -> Layout:
    """How every sample is cut, the same for all (else a ValueError naming the first that
    differs from sample 0)."""
    (_, features), (_, target) = encoded[0]
    for i, ((_, f), (_, t)) in enumerate(encoded):
        if (f, t) != (features, target):
            raise ValueError(
                f"fit(compile=True): sample {i} is shaped ({f}, {t}) but sample 0 ({features}, "
                f"{target}) (features, target: None for a number, else a length); a recording "
                "needs one shape for every sample"
            )
    return features, target
