"""The optimiser base class: parameter checks, ``zero_grad``, and all-or-nothing steps.

Every optimiser here updates ``p.data`` without recording a graph and is driven the same way,
``loss = optimizer.step(closure)``, where ``closure()`` zeroes the gradients, computes the loss,
calls ``backward()`` and returns the loss Value (the ``torch.optim.LBFGS`` convention;
:func:`optim.fit` builds the closure for you). Without a closure, ``step()`` uses the ``.grad``
already accumulated in the parameters.

A step is atomic. It first computes every new parameter value and the optimiser's new state
(momentum buffers, moment estimates, the step count), then writes them; if anything interrupts
the write (a ``KeyboardInterrupt``, a non-finite update), the parameters and the state are put
back as they were. After ``step`` returns or raises, the parameters are those of the last
completed step, never a mixture. ``zero_grad`` is all-or-nothing the same way: interrupted,
it leaves every gradient as it was.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple, NoReturn

import numpy as np

from autograd_lite import Value
from optim.params import parameter_list

#: ``closure()`` zeroes the gradients, computes the loss, calls ``backward()``, returns the loss.
Closure = Callable[[], Value]

#: One number per parameter, in the optimiser's parameter order: w, g, a momentum buffer.
Vector = np.ndarray

#: An optimiser's per-parameter buffers as vectors (SGD's velocity; Adam's two moments).
Buffers = tuple[Vector, ...]


class Step(NamedTuple):
    """What an optimiser's ``update`` returns: the new parameters w, the step size γₖ, and
    the buffers carried to the next step (named by the optimiser's ``buffer_names``)."""

    w: Vector
    gamma: float
    buffers: Buffers = ()


def _no_update(optimizer: Optimizer, *args: object) -> NoReturn:
    """``update`` of an optimiser whose step is not a rule on w and g alone."""
    raise TypeError(
        f"{type(optimizer).__name__}.update: its step is not a rule on w and g alone "
        "(vectorized is False); use step()"
    )


@dataclass(frozen=True)
class OptimizerState:
    """What an optimiser carries from one step to the next; replaced whole by each step.

    Optimisers that carry more (SGD's velocity, Adam's moments, a line search's last loss)
    extend it with named, keyword-only fields. A state is a frozen value: saving it (it
    pickles and compares) and assigning it back to ``optimizer.state`` together with the
    parameters' data resumes training exactly.

    Attributes:
        steps: the number of completed steps (the k of the next step's γₖ).
        step_size: the step size of the last step (γₖ, or α from a line search), 0 before any.
    """

    steps: int = 0
    step_size: float = 0.0

    @property
    def buffers(self) -> tuple[tuple[float, ...], ...]:
        """The per-parameter buffers by position (the old reading; use the named fields)."""
        return ()


class Proposal(NamedTuple):
    """What :meth:`Optimizer._proposal` returns: the new parameter values, the new state,
    and the gradients to leave in ``.grad`` (None: keep those the step was given)."""

    data: list[float]
    state: OptimizerState
    grads: list[float] | None = None


class Optimizer:
    """Base class: holds the parameter list and applies each step atomically.

    Subclasses implement :meth:`_proposal`: given the loss the closure returned (None without
    a closure) and the closure, it reads ``p.data`` and ``p.grad`` and returns a
    :class:`Proposal`. A step that is a rule on w and g alone (SGD, Adam, a fixed step) is
    written once, as :attr:`update`: the optimiser's formulas, line by line, on vectors over
    the parameters (NumPy arrays: elementwise, the same IEEE operations as on floats). Its
    ``_proposal`` runs it on the Values' numbers (:meth:`update_proposal`), and
    ``fit(compile=True)`` on the parameters held in one array
    (:class:`optim.compiled.ArrayTraining`). A ``_proposal`` may evaluate the closure at trial
    points, moving the parameters there (a line search is a way of proposing a step);
    :meth:`step` writes the proposal over them, or rolls everything back if the proposal
    raises.

    Raises:
        TypeError: ``params`` is not an iterable of Values.
        ValueError: ``params`` is empty or holds the same Value twice.
    """

    params: list[Value]
    state: OptimizerState

    #: ``update(w, g, k, *buffers) -> Step``: step k on the vectors w (the parameters) and g
    #: (their gradient), and the buffers the previous step carried (zeros before the first),
    #: one for each of :attr:`buffer_names`, in that order. Subclasses define it as a method
    #: whose arguments are named as the formulas name them (``update(w, g, k, m, v)``).
    update: Callable[..., Step] = _no_update
    #: The class of the state after an :attr:`update` that carries buffers, and the names of
    #: its fields that hold them (SGD's ``("velocity",)``, Adam's two moments).
    state_type: ClassVar[type[OptimizerState]] = OptimizerState
    buffer_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Iterable[Value]) -> None:
        self.params = parameter_list(params, f"{type(self).__name__}(params)")
        self.state = OptimizerState()

    @property
    def step_count(self) -> int:
        """The number of completed steps."""
        return self.state.steps

    @property
    def last_step_size(self) -> float:
        """The step size of the last completed step (γₖ or the line search's α); 0 before any."""
        return self.state.step_size

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (gradients accumulate across ``backward`` calls).

        All or nothing, like :meth:`step`: if the loop is interrupted (a ``KeyboardInterrupt``
        between two parameters, a ``grad`` setter that raises), every gradient is put back as
        it was and the exception propagates.
        """
        with self._rollback():
            for p in self.params:
                p.grad = 0.0

    def step(self, closure: Closure | None = None) -> Value | None:
        """One update. Calls ``closure()`` first if given and returns what it returned."""
        loss = call_closure(closure, type(self).__name__) if closure is not None else None
        with self._rollback():
            self._commit(*self._proposal(loss, closure))
        return loss

    def _proposal(self, loss: Value | None, closure: Closure | None) -> Proposal:
        raise NotImplementedError(f"{type(self).__name__} does not implement _proposal")

    # --- A step on vectors: the optimisers whose step needs no closure ----------------------

    @property
    def vectorized(self) -> bool:
        """Whether :attr:`update` computes the step (a rule on w and g alone, no closure):
        then ``fit(compile=True)`` keeps the parameters in one array across steps."""
        return type(self).update is not _no_update

    def update_proposal(self) -> Proposal:
        """The :class:`Proposal` of :attr:`update` on the parameters' ``.data`` and ``.grad``."""
        params, state = self.params, self.state
        w = np.array([p.data for p in params], dtype=float)
        g = np.array([p.grad for p in params], dtype=float)
        step = self.vector_step(w, g, state.steps, self.buffers_in(state, len(params)))
        return Proposal(step.w.tolist(), self.state_after(state.steps + 1, step))

    def vector_step(self, w: Vector, g: Vector, k: int, buffers: Buffers) -> Step:
        """:attr:`update` at step k, its buffers zero where none were carried yet (v₀ = 0,
        m₀ = 0), without NumPy's overflow warnings: a number that is not finite is the
        caller's to report, naming the parameter (see :func:`not_finite`)."""
        if not buffers:
            buffers = tuple(np.zeros_like(w) for _ in self.buffer_names)
        with np.errstate(over="ignore", invalid="ignore"):
            return self.update(w, g, k, *buffers)

    def buffers_in(self, state: OptimizerState, n: int) -> Buffers:
        """The buffers ``state`` holds for n parameters, as vectors; () if it holds none."""
        held = [getattr(state, name, ()) for name in self.buffer_names]
        if not any(held):
            return ()
        where = f"{type(self).__name__}.state"
        return tuple(sized(b, n, f"{where}.{name}") for name, b in zip(self.buffer_names, held))

    def state_after(self, steps: int, step: Step) -> OptimizerState:
        """The state after ``steps`` steps, the last of them ``step``."""
        if not step.buffers:
            return OptimizerState(steps, step.gamma)
        fields: dict[str, Any] = {"steps": steps, "step_size": step.gamma}
        for name, buffer in zip(self.buffer_names, step.buffers):
            fields[name] = tuple(buffer.tolist())
        return self.state_type(**fields)

    @contextmanager
    def _rollback(self) -> Iterator[None]:
        """Undo every write of the block (parameters, gradients, state) if it raises.

        Why a rollback and not deferring SIGINT: a ``KeyboardInterrupt`` may also be raised by
        the closure, a callback or a trace function, and a signal handler can only be set in
        the main thread. Taking the snapshot costs what the step itself costs (one pass over
        the parameters); the restore writes every saved value again, so it is idempotent.
        Nothing is written before the ``try`` is entered, and after the block has completed
        the step is whole, so an exception raised at any line leaves the parameters, the
        gradients and the state either all as before the step or all as after it. Only a
        second interrupt arriving while the restore loop runs (microseconds) is not covered.
        """
        params = self.params
        data = [p.data for p in params]
        grads = [p.grad for p in params]
        state = self.state
        try:
            yield
        except BaseException:
            for p, x, g in zip(params, data, grads):
                p.data = x
                p.grad = g
            self.state = state
            raise

    def _commit(
        self,
        data: Sequence[float],
        state: OptimizerState,
        grads: Sequence[float] | None = None,
    ) -> None:
        """Write ``data`` (and ``grads``) into the parameters and ``state`` into self.

        A non-finite new value raises ``FloatingPointError`` before anything is written. Call
        it inside :meth:`_rollback`, which undoes a write cut short by an interrupt.
        """
        params = self.params
        for i, (p, x) in enumerate(zip(params, data)):
            if not math.isfinite(x):
                not_finite(type(self).__name__, i, x, p.data, p.grad)
        for p, x in zip(params, data):
            p.data = x
        if grads is not None:
            for p, g in zip(params, grads):
                p.grad = g
        self.state = state


def sized(buffer: Sequence[float], n: int, where: str) -> np.ndarray:
    """A state's buffer as an array, checked to hold one number per parameter."""
    if len(buffer) != n:
        raise ValueError(f"{where} holds {len(buffer)} numbers for {n} parameters")
    return np.array(buffer, dtype=float)


def not_finite(owner: str, i: int, x: float, data: float, grad: float) -> NoReturn:
    """Raise the FloatingPointError of a step that would make params[i] ``x``."""
    raise FloatingPointError(
        f"{owner}.step: params[{i}] would become {x!r} (data {data!r}, grad {grad!r}); "
        "no parameter was changed"
    )


def call_closure(closure: object, owner: str) -> Value:
    """``closure()``, checked to be callable and to return a Value."""
    if not callable(closure):
        raise TypeError(f"{owner}.step(closure): closure must be callable, got {closure!r}")
    loss = closure()
    if not isinstance(loss, Value):
        raise TypeError(
            f"{owner}.step(closure): closure() must return the loss Value, "
            f"got {type(loss).__name__}"
        )
    return loss
