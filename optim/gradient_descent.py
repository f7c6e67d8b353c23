"""Full-batch gradient descent along −∇E, with an exact or a backtracking line search."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from autograd_lite import DomainError, Value, no_grad
from autograd_lite.checks import positive
from optim.line_search import armijo_step, exact_step
from optim.optimizer import Closure, Optimizer, OptimizerState, Proposal, Step, Vector
from optim.schedules import Rate, Schedule, as_schedule, rate_at

LineSearch = Literal["exact", "backtracking"]

#: The default cap on the exact line search's α.
MAX_STEP = 1e6


@dataclass(frozen=True, kw_only=True)
class LineSearchState(OptimizerState):
    """The state after a line-search step: also ``loss``, φ(αₖ) = E(wₖ₊₁), part of the same
    all-or-nothing write as the parameters."""

    loss: float | None = None


class GradientDescent(Optimizer):
    """The course notes' gradient descent: wₖ₊₁ = wₖ − αₖ gₖ with gₖ = ∇E(wₖ).

    ``line_search`` chooses αₖ:

    * ``"exact"`` (the default): αₖ = argmin_{0 < α ≤ max_step} φ(α), φ(α) = E(wₖ − α gₖ),
      by bracketing then Brent's method to a relative tolerance of √ε_machine ≈ 1.5e-8 (see
      :func:`optim.line_search.exact_step`). On E(w) = ½wᵀAw − bᵀw this is gᵀg / gᵀAg.
      α is capped at ``max_step`` (1e6 by default): where φ decreases all the way there (E has
      no minimiser along the ray) the step is ``max_step``. The first trial step is ``lr`` if
      given, else the previous αₖ₋₁ (1.0 on the first step).
    * ``"backtracking"``: Armijo's rule, the first α = α₀ 2⁻ʲ with
      φ(α) ≤ φ(0) − c₁ α ‖g‖², c₁ = ``c1``, α₀ = ``lr`` (1.0 by default).
    * ``None``: a fixed step or schedule, αₖ = γₖ from ``lr`` (required).

    When no trial step decreases E (the gradient is numerically zero) the step is α = 0.

    A line search that sees only values of E is limited by their rounding, about ε·|E| with
    ε = 2⁻⁵²: once the decrease a step can bring, about ‖g‖²/(2L) for curvature L, sinks below
    it, the search can no longer tell better from worse, and ‖∇E‖ stalls near √(2εL|E|). Pick
    a stopping tolerance above that (or shift E so that its minimum is near 0).

    ``step(closure)`` calls ``closure()`` once with gradients recorded, to get E(wₖ) and gₖ,
    then evaluates φ by setting the parameters to wₖ − α gₖ and calling ``closure()`` inside
    ``no_grad()`` (forward passes only). After the step the parameters are exactly
    wₖ − αₖ gₖ (the point whose φ was measured), ``.grad`` holds gₖ (the gradient the step
    used, as after any optimiser's step), ``last_step_size`` is αₖ and ``last_loss`` is
    φ(αₖ) = E(wₖ₊₁). It returns the loss Value of wₖ. If the closure raises (a
    ``KeyboardInterrupt`` in the middle of the search), the parameters and gradients are
    restored to wₖ and gₖ before the exception propagates.

    Args:
        params: the Values to update.
        lr: see above; a number > 0 (or a schedule when ``line_search`` is None).
        line_search: ``"exact"``, ``"backtracking"`` or None.
        max_step: the cap on α, > 0.
        c1: Armijo's constant, in (0, 1).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: Rate | None = None,
        *,
        line_search: LineSearch | None = "exact",
        max_step: float = MAX_STEP,
        c1: float = 1e-4,
    ) -> None:
        super().__init__(params)
        if line_search not in ("exact", "backtracking", None):
            raise ValueError(
                "GradientDescent(line_search) must be 'exact', 'backtracking' or None, "
                f"got {line_search!r}"
            )
        self.line_search = line_search
        self.max_step = positive(max_step, "GradientDescent(max_step)")
        self.c1 = positive(c1, "GradientDescent(c1)")
        if self.c1 >= 1.0:
            raise ValueError(f"GradientDescent(c1) must be in (0, 1), got {self.c1!r}")
        self.lr: Schedule | None = None
        self.initial_step: float | None = None
        if line_search is None:
            if lr is None:
                raise ValueError("GradientDescent(lr) is required when line_search is None")
            self.lr = as_schedule(lr, "GradientDescent(lr)")
        elif lr is not None:
            self.initial_step = min(positive(lr, "GradientDescent(lr)"), self.max_step)

    @property
    def vectorized(self) -> bool:
        return self.lr is not None

    def update(self, w: Vector, g: Vector, k: int) -> Step:
        """The fixed step or schedule (no line search): wₖ₊₁ = wₖ − γₖ gₖ."""
        if self.lr is None:  # a line search's step depends on E, not on w and g alone
            return super().update(w, g, k)
        gamma = rate_at(self.lr, k, "GradientDescent(lr)")
        return Step(descent(w, g, gamma), gamma)

    def _proposal(self, loss: Value | None, closure: Closure | None) -> Proposal:
        """wₖ₊₁ = wₖ − αₖ gₖ, with αₖ from the schedule or from a line search along −gₖ."""
        if self.lr is not None:
            return self.update_proposal()
        if closure is None or loss is None:
            raise TypeError(
                f"GradientDescent.step: line_search={self.line_search!r} needs a closure that "
                "zeroes the gradients, computes the loss, calls backward() and returns the loss"
            )
        phi0 = loss.data
        if not math.isfinite(phi0):
            raise FloatingPointError(f"GradientDescent.step: the loss is {phi0!r}")
        params = self.params
        start = np.array([p.data for p in params], dtype=float)
        g = np.array([p.grad for p in params], dtype=float)
        gg = math.fsum((g * g).tolist())

        def phi(alpha: float) -> float:
            for p, x in zip(params, descent(start, g, alpha).tolist()):
                p.data = x
            try:
                with no_grad():
                    value = float(closure())
            except (ArithmeticError, DomainError):
                return math.inf  # E is not defined this far along the ray: too long a step
            return value if math.isfinite(value) else math.inf

        # The search leaves the parameters at a trial point and the trial closures zero the
        # gradients: step then writes wₖ₊₁ and gₖ over them, or rolls back to wₖ and gₖ.
        if gg == 0.0:
            alpha, value = 0.0, phi0
        elif self.line_search == "exact":
            alpha0 = self.initial_step or self.last_step_size or 1.0
            alpha, value = exact_step(phi, phi0, alpha0, max_step=self.max_step)
        else:
            alpha0 = self.initial_step or 1.0
            alpha, value = armijo_step(phi, phi0, -gg, alpha0, c1=self.c1)
        state = LineSearchState(steps=self.state.steps + 1, step_size=alpha, loss=value)
        return Proposal(descent(start, g, alpha).tolist(), state, g.tolist())

    @property
    def last_loss(self) -> float | None:
        """φ(αₖ) = E(wₖ₊₁) after a line-search step; None before one and in the fixed-step form."""
        state = self.state
        return state.loss if isinstance(state, LineSearchState) else None


def descent(w: Vector, g: Vector, alpha: float) -> Vector:
    """w − α g: the point a step of size α along −g reaches (each trial of a line search, and
    the step taken)."""
    return w - alpha * g
