"""The training loop: mini-batches, closures for the optimiser, early stop, progress, Ctrl-C.

``fit`` minimises the mean loss over the training set (plus a regulariser) with any optimiser
of this package. Each step evaluates the batch loss and its gradient once, records them, and
hands the optimiser a closure that returns that loss on its first call and re-evaluates on
later calls, so :class:`optim.GradientDescent`'s line searches work inside ``fit`` and no
optimiser pays for an extra forward pass.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from autograd_lite import Value
from optim import checks
from optim.batches import batches
from optim.checks import boolean, positive_int, positive_real
from optim.history import History
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
    training cleanly: the optimisers' steps are atomic, so the parameters are those after the
    last completed step, never half-updated, even mid line search. Gradients are left as
    they were when the interruption came. The History of the completed epochs is returned with
    ``stop_reason == "interrupted"``.

    The progress bar (tqdm, on stderr) shows epochs done, the epoch's loss, gradient norm and
    step size in fixed widths that fit 80 columns; in a Jupyter kernel it is tqdm's notebook
    widget (with ipywidgets installed). ``progress=False`` turns it off, and outside a notebook
    it stays quiet when stderr is not a terminal (see :mod:`optim.progress`).

    Raises:
        TypeError / ValueError: an argument of the wrong type or value, naming it.
    """
    n = _check_data(X, Y)
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
    epochs = positive_int(epochs, "fit(epochs)")
    if batch_size is not None:
        batch_size = positive_int(batch_size, "fit(batch_size)")
    if regularization is not None and not callable(regularization):
        raise TypeError(
            f"fit(regularization) must be callable as regularization(model) or None, "
            f"got {regularization!r}"
        )
    if tol is not None:
        tol = positive_real(tol, "fit(tol)")
    seed = checks.seed(seed, "fit(seed)")
    boolean(progress, "fit(progress)")
    callbacks = _check_callbacks(callbacks)
    model_params = list(model.parameters())
    model_ids = {id(p) for p in model_params}
    if not any(id(p) in model_ids for p in optimizer.params):
        raise ValueError("fit(optimizer): none of its parameters is a parameter of the model")
    # Zero the model's gradients as well as the optimiser's: parameters the optimiser leaves
    # alone still accumulate gradients, which would otherwise grow without bound.
    to_zero = list({id(p): p for p in [*model_params, *optimizer.params]}.values())
    params = optimizer.params

    def evaluate(indices: Sequence[int]) -> Value:
        """Zero the gradients, compute L_B, call backward, return L_B."""
        for p in to_zero:
            p.grad = 0.0
        total: Value | None = None
        for i in indices:
            term = loss(model(X[i]), Y[i])
            if not isinstance(term, Value):
                raise TypeError(
                    f"fit(loss): loss(model(X[{i}]), Y[{i}]) returned {type(term).__name__}, "
                    "expected a Value"
                )
            total = term if total is None else total + term
        if total is None:
            raise RuntimeError("fit: an empty batch")  # batches are never empty
        batch_loss = total / len(indices)
        if regularization is not None:
            penalty: object = regularization(model)
            if isinstance(penalty, bool) or not isinstance(penalty, Value | int | float):
                raise TypeError(
                    f"fit(regularization): returned {type(penalty).__name__}, expected a Value"
                )
            batch_loss = batch_loss + penalty
        batch_loss.backward()
        return batch_loss

    everything = list(range(n))
    full = batch_size is None or batch_size >= n
    shuffler = random.Random(seed)
    history = History(planned_epochs=epochs)
    bar = progress_bar(epochs, progress)
    started = time.perf_counter()
    steps = 0
    try:
        for epoch in range(epochs):
            if tol is not None and not full:
                evaluate(everything)
                norm = grad_norm(params)
                if norm < tol:
                    history.final_grad_norm = norm
                    history.stop_reason = "converged"
                    break
            plan = (
                [everything]
                if full
                else batches(n, batch_size or n, shuffle=True, seed=shuffler.getrandbits(64))
            )
            loss_sum = norm_sum = 0.0
            for indices in plan:
                batch_loss = evaluate(indices)
                norm = grad_norm(params)
                if full and tol is not None and norm < tol:
                    history.final_grad_norm = norm
                    history.stop_reason = "converged"
                    break
                optimizer.step(_FirstCallCached(batch_loss, evaluate, indices))
                steps += 1
                loss_sum += batch_loss.data * len(indices)
                norm_sum += norm * len(indices)
            if history.converged:
                break
            history.append(
                loss=loss_sum / n,
                grad_norm=norm_sum / n,
                step_size=optimizer.last_step_size,
                elapsed=time.perf_counter() - started,
                steps=steps,
            )
            bar.set_postfix_str(
                statistics(history.loss[-1], history.grad_norm[-1], history.step_size[-1]),
                refresh=False,
            )
            bar.update(1)
            for callback in callbacks:
                callback(epoch, history)
        else:
            history.stop_reason = "completed"
    except KeyboardInterrupt:
        history.stop_reason = "interrupted"
    finally:
        bar.close()
    return history


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


def _check_data(X: object, Y: object) -> int:
    for name, data in (("X", X), ("Y", Y)):
        if isinstance(data, str | bytes) or not (
            hasattr(data, "__len__") and hasattr(data, "__getitem__")
        ):
            raise TypeError(
                f"fit({name}) must be a sequence (list, tuple, array), got {type(data).__name__}"
            )
    n = len(X)  # type: ignore[arg-type]
    if n != len(Y):  # type: ignore[arg-type]
        raise ValueError(f"fit(X, Y): X has {n} samples but Y has {len(Y)}")  # type: ignore[arg-type]
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
