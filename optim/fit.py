"""The training loop: mini-batches, closures for the optimiser, early stop, progress, Ctrl-C.

``fit`` minimises the mean loss over the training set (plus a regulariser) with any optimiser
of this package. Each step evaluates the batch loss and its gradient once, records them, and
hands the optimiser a closure that returns that loss on its first call and re-evaluates on
later calls, so :class:`optim.GradientDescent`'s line searches work inside ``fit`` and no
optimiser pays for an extra forward pass.

Python's cyclic garbage collector is paused during each step (the graph of a step holds no
reference cycle, so reference counting frees it) and switched back on after it, if it was on:
never for the whole of ``fit``, so callbacks and an interruption find it as it was.
"""

from __future__ import annotations

import dataclasses
import gc
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from autograd_lite import Value, checks, total
from autograd_lite.checks import count, flag, positive
from optim.batches import batches
from optim.compiled import ArrayTraining, BatchedObjective, CompiledObjective
from optim.history import History, StopReason
from optim.optimizer import Optimizer
from optim.params import grad_norm
from optim.progress import progress_bar, statistics


class Model(Protocol):
    """Anything callable on one input with a ``parameters()`` method (an ``nn.Module``)."""

    def __call__(self, x: Any) -> Any: ...

    def parameters(self) -> Iterable[Value]: ...


#: ``loss(output, target)`` scores one sample: ``output`` is what ``model(x)`` returned.
Loss = Callable[[Any, Any], Value]
#: ``regularization(model)`` is added once to every batch loss, e.g. an L2 penalty.
Regularization = Callable[[Any], Value]
#: ``callback(epoch, history)`` runs after each completed epoch (epoch counts from 0).
Callback = Callable[[int, History], object]


def fit(
    model: Model,
    X: Sequence[Any],
    Y: Sequence[Any],
    *,
    loss: Loss,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    regularization: Regularization | None = None,
    tol: float | None = None,
    seed: int | None = None,
    progress: bool = True,
    callbacks: Iterable[Callback] = (),
    compile: bool | Literal["batch"] = False,
) -> History:
    """Train ``model`` on the pairs (X[i], Y[i]) and return the :class:`History`.

    The loss of a batch B is L_B(w) = (1/|B|) Σ_{i∈B} loss(model(X[i]), Y[i]) + R(w), with
    R = ``regularization(model)`` when given. Each epoch is one pass over the data in batches
    of ``batch_size`` (None: the whole set, one full-batch step per epoch; 1: the notes' SGD),
    reshuffled every epoch from ``seed``. Each step calls ``optimizer.step(closure)``.

    Early stop: with ``tol`` set, before each epoch's steps fit measures ‖∇E(w)‖₂ of the whole
    objective E at the current parameters, and stops without stepping when it is below ``tol``
    (the course notes' rule "if ‖∇E(wₖ)‖₂ = 0, stop at wₖ", with a tolerance). For full-batch
    training that is the gradient of the step about to be taken, so it costs nothing; with
    mini-batches it costs one extra pass over the data per epoch.

    After each completed epoch, every ``callback(epoch, history)`` is called in order, with
    ``epoch`` counting from 0 and ``history`` already holding that epoch. A callback may raise
    ``KeyboardInterrupt`` to stop training.

    A ``KeyboardInterrupt`` (Ctrl-C, or raised by a callback, the model or the loss) stops
    training cleanly: steps are atomic, so the parameters are those after the last completed
    step, even mid line search, and the gradients as the interruption found them. The History
    of the completed epochs is returned with ``stop_reason == "interrupted"``.

    The progress bar (tqdm on stderr, a widget in Jupyter; :mod:`optim.progress`) shows each
    epoch's loss, gradient norm and step size; ``progress=False`` turns it off.

    ``compile=True`` traces (:mod:`optim.compiled`): for a fixed or scheduled step, one sample's
    loss, every batch replayed at once, within 1e-12 (relative) of the eager History; for a line
    search (rounding sways its comparisons), the batch objective, bit for bit. "batch" is True.

    Raises:
        TypeError / ValueError: an argument of the wrong type or value, naming it.
    """
    run = _Run.checked(
        model, X, Y, loss, optimizer, epochs, batch_size, regularization, tol, seed, callbacks
    ).compiled_if(compile)
    history = History(planned_epochs=run.epochs)
    bar = progress_bar(run.epochs, flag(progress, "fit(progress)"))
    try:
        history.stop_reason = _train(run, history, bar)
    except KeyboardInterrupt:
        history.stop_reason = "interrupted"
    finally:
        bar.close()
    return history


@dataclass(frozen=True)
class _Run:
    """One call of ``fit``: its checked arguments, and evaluating a batch."""

    model: Model
    X: Sequence[Any]
    Y: Sequence[Any]
    loss: Loss
    optimizer: Optimizer
    epochs: int
    batch_size: int | None  # None: full batch
    regularization: Regularization | None
    tol: float | None
    shuffler: random.Random
    callbacks: list[Callback]
    to_zero: list[Value]
    compiled: CompiledObjective | None = None
    array: ArrayTraining | None = None  # compile=True with a step on arrays

    @classmethod
    def checked(
        cls,
        model: Model,
        X: Sequence[Any],
        Y: Sequence[Any],
        loss: Loss,
        optimizer: Optimizer,
        epochs: int,
        batch_size: int | None,
        regularization: Regularization | None,
        tol: float | None,
        seed: int | None,
        callbacks: Iterable[Callback],
    ) -> _Run:
        """Check fit's arguments, each raising a TypeError / ValueError that names it."""
        n = _check_data(X, Y)
        _check_callable(model, loss, optimizer, regularization)
        size = None if batch_size is None else count(batch_size, "fit(batch_size)")
        return cls(
            model,
            X,
            Y,
            loss,
            optimizer,
            count(epochs, "fit(epochs)"),
            None if size is None or size >= n else size,
            regularization,
            None if tol is None else positive(tol, "fit(tol)"),
            random.Random(checks.seed(seed, "fit(seed)")),
            _check_callbacks(callbacks),
            _parameters_to_zero(model, optimizer),
        )

    def compiled_if(self, compile: object) -> _Run:
        """This run, with its objective traced if ``compile`` (:mod:`optim.compiled`): one
        sample's loss replayed on whole batches, or with a line search the batch objective
        recorded per batch size, bit for bit. "batch" is another name for True."""
        if compile not in (False, True, "batch") or type(compile) not in (bool, str):
            raise ValueError(
                "fit(compile) must be False, True or 'batch' (another name for True), "
                f"got {compile!r}"
            )
        if not compile:
            return self
        if self.searches_lines():
            objective = CompiledObjective(self.model, self.X, self.Y, self.scored, self.penalized)
            return dataclasses.replace(self, compiled=objective)
        batched = BatchedObjective(self.model, self.X, self.Y, self.scored, self.penalized)
        if not self.optimizer.vectorized:
            return dataclasses.replace(self, compiled=batched)
        array = ArrayTraining(batched, self.optimizer, self.to_zero)
        return dataclasses.replace(self, compiled=batched, array=array)

    def searches_lines(self) -> bool:
        """Whether the optimiser runs a line search (re-evaluating the loss at trial points),
        whose comparisons need the bit-for-bit replay."""
        return getattr(self.optimizer, "line_search", None) is not None

    def plan(self) -> list[list[int]]:
        """This epoch's batches: the whole set, or a fresh shuffle cut into mini-batches."""
        n = len(self.X)
        if self.batch_size is None:
            return [list(range(n))]
        return list(batches(n, self.batch_size, seed=self.shuffler.getrandbits(64)))

    def evaluate(self, indices: Sequence[int]) -> Value:
        """Zero the gradients, compute L_B, call backward, return L_B."""
        for p in self.to_zero:
            p.grad = 0.0
        if self.compiled is not None:
            return self.compiled.evaluate(indices)
        terms = (self.scored(self.model(self.X[i]), self.Y[i], i) for i in indices)
        batch_loss = self.penalized(total(terms) / len(indices))
        batch_loss.backward()
        return batch_loss

    def scored(self, output: Any, target: Any, i: int) -> Value:
        """loss(output, target), checked to be a Value (the i-th sample's, for the message)."""
        term = self.loss(output, target)
        if not isinstance(term, Value):
            raise TypeError(
                f"fit(loss): loss(model(X[{i}]), Y[{i}]) returned {type(term).__name__}, "
                "expected a Value"
            )
        return term

    def penalized(self, data_loss: Value) -> Value:
        """The batch's mean loss plus R(w) = ``regularization(model)``, if given."""
        if self.regularization is None:
            return data_loss
        penalty: object = self.regularization(self.model)
        if not isinstance(penalty, Value):
            penalty = checks.real(penalty, "fit(regularization) returned", "a Value")
        return data_loss + penalty


def _train(run: _Run, history: History, bar: Any) -> StopReason:
    """Run epochs until all are done or the gradient norm falls below ``tol``; with the
    parameters held in an array, written back to the Values however training stops."""
    try:
        return _epochs(run, history, bar)
    finally:
        if run.array is not None:
            run.array.write()


def _epochs(run: _Run, history: History, bar: Any) -> StopReason:
    started = time.perf_counter()
    first_step = run.optimizer.step_count
    epoch = 0
    while epoch < run.epochs and (totals := _epoch(run, history)) is not None:
        if run.array is not None:
            run.array.write()  # the History reads the step count and size; callbacks, Values
        n = len(run.X)
        history.append(
            loss=totals[0] / n,
            grad_norm=totals[1] / n,
            step_size=run.optimizer.last_step_size,
            elapsed=time.perf_counter() - started,
            steps=run.optimizer.step_count - first_step,
        )
        bar.set_postfix_str(
            statistics(history.loss[-1], history.grad_norm[-1], history.step_size[-1]),
            refresh=False,
        )
        bar.update(1)
        for callback in run.callbacks:
            callback(epoch, history)
        if run.array is not None:
            run.array.read()  # a callback may have changed the Values or the state
        epoch += 1
    return "completed" if epoch == run.epochs else "converged"


def _epoch(run: _Run, history: History) -> tuple[float, float] | None:
    """One epoch's steps; returns (Σ |B| L_B, Σ |B| ‖∇L_B‖), or None if already converged.

    The convergence test measures ‖∇E‖₂ of the whole objective before the epoch's steps; for
    full-batch training that evaluation is the step's own, so it is used for the step.
    """
    steps: _ValueSteps | ArrayTraining = run.array or _ValueSteps(run)
    plan = run.plan()
    ready: tuple[float, float] | None = None
    if run.tol is not None:
        with collector_paused():
            ready = steps.evaluate(range(len(run.X)))
        if ready[1] < run.tol:
            history.final_grad_norm = ready[1]
            return None
        if run.batch_size is not None:
            ready = None  # the mini-batches evaluate their own losses
    loss_sum = norm_sum = 0.0
    for indices in plan:
        with collector_paused():
            loss, norm = ready if ready is not None else steps.evaluate(indices)
            ready = None
            steps.step()
        loss_sum += loss * len(indices)
        norm_sum += norm * len(indices)
    return loss_sum, norm_sum


class _ValueSteps:
    """An epoch's evaluations and steps on the Values (eager, or a replay adding into their
    ``.grad``), as :class:`ArrayTraining` does them on arrays: ``evaluate`` gives L_B and
    ‖∇L_B‖₂, ``step`` calls ``optimizer.step`` with a closure whose first call returns that
    evaluation."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.last: tuple[Value, Sequence[int]] | None = None

    def evaluate(self, indices: Sequence[int]) -> tuple[float, float]:
        batch_loss = self.run.evaluate(indices)
        self.last = batch_loss, indices
        return batch_loss.data, grad_norm(self.run.optimizer.params)

    def step(self) -> None:
        assert self.last is not None, "step() follows evaluate()"
        batch_loss, indices = self.last
        self.run.optimizer.step(_FirstCallCached(batch_loss, self.run.evaluate, indices))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a block, back on after it if it was on.

    A step allocates one object per node, fast enough to start a collection every few hundred
    nodes, each scanning everything alive; none finds garbage, since a graph of Values holds
    no cycle. Pausing them costs nothing and saves up to a third of a step's time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _FirstCallCached:
    """The closure given to ``optimizer.step``: the loss already evaluated, then fresh ones.

    ``fit`` has just evaluated the batch loss and its gradient at the current parameters, which
    is what the optimiser's first ``closure()`` call asks for; later calls (a line search's
    trial points) evaluate again.
    """

    __slots__ = ("first", "evaluate", "indices")

    def __init__(
        self, first: Value, evaluate: Callable[[Sequence[int]], Value], indices: Sequence[int]
    ) -> None:
        self.first: Value | None = first
        self.evaluate = evaluate
        self.indices = indices

    def __call__(self) -> Value:
        first = self.first
        if first is not None:
            self.first = None
            return first
        return self.evaluate(self.indices)


def _check_callable(model: object, loss: object, optimizer: object, regularization: object) -> None:
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise TypeError(
            f"fit(model) must be callable with a parameters() method, got {type(model).__name__}"
        )
    if not callable(loss):
        raise TypeError(f"fit(loss) must be callable as loss(output, target), got {loss!r}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit(optimizer) must be an optim.Optimizer, got {type(optimizer).__name__}"
        )
    if regularization is not None and not callable(regularization):
        raise TypeError(
            f"fit(regularization) must be callable as regularization(model) or None, "
            f"got {regularization!r}"
        )


def _parameters_to_zero(model: Model, optimizer: Optimizer) -> list[Value]:
    """The model's parameters and the optimiser's, once each; the optimiser must share one.

    The model's gradients are zeroed as well as the optimiser's: parameters the optimiser
    leaves alone still accumulate gradients, which would otherwise grow without bound.
    """
    model_params = list(model.parameters())
    model_ids = {id(p) for p in model_params}
    if not any(id(p) in model_ids for p in optimizer.params):
        raise ValueError("fit(optimizer): none of its parameters is a parameter of the model")
    return list({id(p): p for p in [*model_params, *optimizer.params]}.values())


def _check_data(X: Sequence[Any], Y: Sequence[Any]) -> int:
    for name, data in (("X", X), ("Y", Y)):
        if isinstance(data, str | bytes) or not (
            hasattr(data, "__len__") and hasattr(data, "__getitem__")
        ):
            raise TypeError(
                f"fit({name}) must be a sequence (list, tuple, array), got {type(data).__name__}"
            )
    n = len(X)
    if n != len(Y):
        raise ValueError(f"fit(X, Y): X has {n} samples but Y has {len(Y)}")
    if n == 0:
        raise ValueError("fit(X, Y): no samples")
    return n


def _check_callbacks(callbacks: object) -> list[Callback]:
    if callable(callbacks) or not isinstance(callbacks, Iterable):
        raise TypeError(
            "fit(callbacks) must be an iterable of callables callback(epoch, history), "
            f"got {type(callbacks).__name__} (wrap a single callback in a tuple)"
        )
    result = list(callbacks)
    for i, callback in enumerate(result):
        if not callable(callback):
            raise TypeError(f"fit(callbacks[{i}]) must be callable, got {callback!r}")
    return result
