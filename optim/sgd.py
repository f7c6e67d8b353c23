"""Stochastic gradient descent, with optional (Nesterov) momentum in PyTorch's convention."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from autograd_lite import Value
from autograd_lite.checks import flag, fraction
from optim.optimizer import Buffers, Closure, Optimizer, OptimizerState, Proposal, Update, sized
from optim.schedules import Rate, as_schedule, rate_at


@dataclass(frozen=True, kw_only=True)
class SGDState(OptimizerState):
    """SGD's state with momentum: ``velocity``, v for each parameter in parameter order."""

    velocity: tuple[float, ...] = ()

    @property
    def buffers(self) -> tuple[tuple[float, ...], ...]:
        return (self.velocity,)


class SGD(Optimizer):
    """w ← w − γₖ g, where g is the gradient in ``.grad`` and k counts steps from 0.

    Called on the gradient of one sample, a mini-batch or the whole set, this is the notes'
    SGD, mini-batch SGD or gradient descent with a fixed step. With momentum μ > 0 (PyTorch's
    convention, no dampening)::

        v ← μ v + g                  (v starts at 0, so the first v is g)
        w ← w − γₖ v                 (heavy ball)
        w ← w − γₖ (g + μ v)         (nesterov=True)

    Args:
        params: the Values to update.
        lr: γ, a number > 0, or a schedule k ↦ γₖ such as ``optim.inverse_time(1.0)``.
        momentum: μ in [0, 1).
        nesterov: use Nesterov's look-ahead form; needs momentum > 0.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: Rate,
        *,
        momentum: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params)
        self.lr = as_schedule(lr, "SGD(lr)")
        self.momentum = fraction(momentum, "SGD(momentum)")
        if flag(nesterov, "SGD(nesterov)") and self.momentum == 0.0:
            raise ValueError("SGD(nesterov=True) needs momentum > 0")
        self.nesterov = nesterov

    def _proposal(self, loss: Value | None, closure: Closure | None) -> Proposal:
        return self._array_proposal()

    @property
    def vectorized(self) -> bool:
        return True

    def update(self, w: np.ndarray, g: np.ndarray, buffers: Buffers, k: int) -> Update:
        gamma = rate_at(self.lr, k, "SGD(lr)")
        mu = self.momentum
        if mu == 0.0:
            return w - gamma * g, (), gamma
        (previous,) = buffers or (np.zeros_like(w),)
        velocity = mu * previous + g
        step = g + mu * velocity if self.nesterov else velocity
        return w - gamma * step, (velocity,), gamma

    def buffers_of(self, state: OptimizerState, n: int) -> Buffers:
        if isinstance(state, SGDState) and state.velocity:
            return (sized(state.velocity, n, "SGD.state.velocity"),)
        return ()

    def state_of(self, steps: int, step_size: float, buffers: Buffers) -> OptimizerState:
        if not buffers:
            return OptimizerState(steps, step_size)
        return SGDState(steps=steps, step_size=step_size, velocity=tuple(buffers[0].tolist()))
