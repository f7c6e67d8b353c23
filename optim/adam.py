"""Adam (Kingma & Ba, 2015): steps scaled by running estimates of the gradient's moments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from autograd_lite import Value
from autograd_lite.checks import fraction, positive
from optim.optimizer import Closure, Optimizer, OptimizerState, Proposal, Step, Vector
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

    state_type = AdamState
    buffer_names = ("first_moment", "second_moment")

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
        return self.update_proposal()

    def update(self, w: Vector, g: Vector, k: int, m: Vector, v: Vector) -> Step:
        """Step k: the formulas above, on vectors over the parameters."""
        gamma = rate_at(self.lr, k, "Adam(lr)")
        beta1, beta2 = self.betas
        t = k + 1
        m = beta1 * m + (1.0 - beta1) * g  # m ← β₁ m + (1 − β₁) g
        v = beta2 * v + (1.0 - beta2) * (g * g)  # v ← β₂ v + (1 − β₂) g²
        m_hat = m / (1.0 - beta1**t)  # m̂ = m / (1 − β₁ᵗ)
        v_hat = v / (1.0 - beta2**t)  # v̂ = v / (1 − β₂ᵗ)
        w = w - gamma * m_hat / (np.sqrt(v_hat) + self.eps)  # w ← w − γₖ m̂ / (√v̂ + ε)
        return Step(w, gamma, (m, v))
