"""Stochastic gradient descent, with optional (Nesterov) momentum in PyTorch's convention."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from autograd_lite import Value
from autograd_lite.checks import flag, fraction
from optim.optimizer import Closure, Optimizer, OptimizerState, Proposal, Step, Vector
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

    state_type = SGDState
    buffer_names = ("velocity",)

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
        return self.update_proposal()

    def update(self, w: Vector, g: Vector, k: int, velocity: Vector) -> Step:
        """Step k: the formulas above, on vectors over the parameters."""
        gamma = rate_at(self.lr, k, "SGD(lr)")
        mu = self.momentum
        if mu == 0.0:
            return Step(w - gamma * g, gamma)  # w ← w − γₖ g
        v = mu * velocity + g  # v ← μ v + g
        if self.nesterov:
            return Step(w - gamma * (g + mu * v), gamma, (v,))  # w ← w − γₖ (g + μ v)
        return Step(w - gamma * v, gamma, (v,))  # w ← w − γₖ v
