"""Adam (Kingma & Ba, 2015): steps scaled by running estimates of the gradient's moments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from autograd_lite import Value
from autograd_lite.checks import fraction, positive
from optim.optimizer import Buffers, Closure, Optimizer, OptimizerState, Proposal, Update, sized
from optim.schedules import Rate, as_schedule, rate_at


@dataclass(frozen=True, kw_only=True)
class AdamState(OptimizerState):
    """Adam's state: the moment estimates m (``first_moment``) and v (``second_moment``) for
    each parameter in parameter order."""

    first_moment: tuple[float, ...] = ()
    second_moment: tuple[float, ...] = ()

    @property
    def buffers(self) -> tuple[tuple[float, ...], ...]:
        return (self.first_moment, self.second_moment)


class Adam(Optimizer):
    """Adam with bias correction; at step t = k + 1, for each parameter with gradient g::

        m ← β₁ m + (1 − β₁) g              (first moment, m₀ = 0)
        v ← β₂ v + (1 − β₂) g²             (second moment, v₀ = 0)
        m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
        w ← w − γₖ m̂ / (√v̂ + ε)

    ε is added to √v̂, as in the paper and PyTorch, not to v̂.

    Args:
        params: the Values to update.
        lr: γ, a number > 0 or a schedule k ↦ γₖ.
        betas: (β₁, β₂), each in [0, 1).
        eps: ε > 0.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: Rate = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params)
        self.lr = as_schedule(lr, "Adam(lr)")
        if isinstance(betas, str | bytes) or not isinstance(betas, tuple | list):
            raise TypeError(f"Adam(betas) must be a pair (β₁, β₂), got {type(betas).__name__}")
        if len(betas) != 2:
            raise ValueError(f"Adam(betas) must be a pair (β₁, β₂), got {len(betas)} values")
        self.betas = (fraction(betas[0], "Adam(betas[0])"), fraction(betas[1], "Adam(betas[1])"))
        self.eps = positive(eps, "Adam(eps)")

    def _proposal(self, loss: Value | None, closure: Closure | None) -> Proposal:
        return self._array_proposal()

    @property
    def vectorized(self) -> bool:
        return True

    def update(self, w: np.ndarray, g: np.ndarray, buffers: Buffers, k: int) -> Update:
        gamma = rate_at(self.lr, k, "Adam(lr)")
        beta1, beta2 = self.betas
        m_old, v_old = buffers or (np.zeros_like(w), np.zeros_like(w))
        m = beta1 * m_old + (1.0 - beta1) * g
        v = beta2 * v_old + (1.0 - beta2) * (g * g)
        t = k + 1
        correction1 = 1.0 - beta1**t
        correction2 = 1.0 - beta2**t
        return w - gamma * (m / correction1) / (np.sqrt(v / correction2) + self.eps), (m, v), gamma

    def buffers_of(self, state: OptimizerState, n: int) -> Buffers:
        if isinstance(state, AdamState) and state.first_moment:
            m = sized(state.first_moment, n, "Adam.state.first_moment")
            return (m, sized(state.second_moment, n, "Adam.state.second_moment"))
        return ()

    def state_of(self, steps: int, step_size: float, buffers: Buffers) -> OptimizerState:
        m, v = (tuple(b.tolist()) for b in buffers)
        return AdamState(steps=steps, step_size=step_size, first_moment=m, second_moment=v)
