"""Stochastic gradient descent, with optional (Nesterov) momentum in PyTorch's convention."""

from __future__ import annotations

from collections.abc import Iterable

from autograd_lite import Value
from optim.checks import boolean, fraction
from optim.optimizer import Optimizer, OptimizerState
from optim.schedules import Rate, as_schedule, rate_at


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
        if boolean(nesterov, "SGD(nesterov)") and self.momentum == 0.0:
            raise ValueError("SGD(nesterov=True) needs momentum > 0")
        self.nesterov = nesterov

    def _proposal(self) -> tuple[list[float], OptimizerState]:
        k = self.state.steps
        gamma = rate_at(self.lr, k, "SGD(lr)")
        params = self.params
        mu = self.momentum
        if mu == 0.0:
            data = [p.data - gamma * p.grad for p in params]
            return data, OptimizerState(k + 1, gamma)
        previous = self.state.buffers[0] if self.state.buffers else (0.0,) * len(params)
        velocity = tuple(mu * v + p.grad for p, v in zip(params, previous))
        if self.nesterov:
            data = [p.data - gamma * (p.grad + mu * v) for p, v in zip(params, velocity)]
        else:
            data = [p.data - gamma * v for p, v in zip(params, velocity)]
        return data, OptimizerState(k + 1, gamma, (velocity,))
