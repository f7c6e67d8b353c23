"""Full-batch gradient descent along −∇E, with an exact or a backtracking line search."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from autograd_lite import DomainError, Value, no_grad
from autograd_lite.checks import positive
from optim.line_search import armijo_step, exact_step
from optim.optimizer import Closure, Optimizer, OptimizerState, Proposal, Step, Vector
from optim.schedules import Rate, Schedule, as_schedule, rate_at

LineSearch = Literal["exact", "backtracking"]

#: The default cap on a line search's α.
MAX_STEP = 1e6
#: The default Armijo constant c₁ of the backtracking search.
C1 = 1e-4


@dataclass(frozen=True, kw_only=True)
class LineSearchState(OptimizerState):
    """The state after a line-search step: also ``loss``, φ(αₖ) = E(wₖ₊₁), part of the same
    all-or-nothing write as the parameters."""

    loss: float | None = None


class GradientDescent(Optimizer):
    """The course notes' gradient descent: wₖ₊₁ = wₖ − αₖ gₖ with gₖ = ∇E(wₖ).

    Either a fixed step or a line search chooses αₖ, never both; what the call asks for is
    what it does:

    * ``GradientDescent(params)``: the exact line search;
    * ``GradientDescent(params, lr=0.5)``: the fixed step 0.5 (``lr=inverse_time(1.0)``: the
      schedule γₖ = 1/(k+1));
    * ``GradientDescent(params, line_search="exact")`` or ``"backtracking"``: that line search;
    * ``GradientDescent(params, lr=0.5, line_search=None)``: the fixed step 0.5.

    ``lr`` together with a line search (``line_search="exact"`` or ``"backtracking"``, or one
    of the search's options ``initial_step``, ``max_step``, ``c1``) asks for two different
    steps and is refused with a ``ValueError`` naming both; so are ``line_search=None``
    without ``lr``, and ``c1`` with the exact search (it is Armijo's constant).

    * ``"exact"``: αₖ = argmin_{0 < α ≤ max_step} φ(α), φ(α) = E(wₖ − α gₖ), by bracketing
      then Brent's method to a relative tolerance of √ε_machine ≈ 1.5e-8 (see
      :func:`optim.line_search.exact_step`). On E(w) = ½wᵀAw − bᵀw this is gᵀg / gᵀAg.
      α is capped at ``max_step`` (1e6 by default): where φ decreases all the way there (E has
      no minimiser along the ray) the step is ``max_step``. The first trial step is
      ``initial_step`` if given, else the previous αₖ₋₁ (1.0 on the first step).
    * ``"backtracking"``: Armijo's rule, the first α = α₀ 2⁻ʲ with
      φ(α) ≤ φ(0) − c₁ α ‖g‖², c₁ = ``c1`` (1e-4 by default), α₀ = ``initial_step`` (1.0 by
      default, capped at ``max_step``).
    * the fixed step: αₖ = γₖ from ``lr``, a number or a schedule k ↦ γₖ.

    When no trial step decreases E (the gradient is numerically zero) the step is α = 0.

    A line search that sees only values of E is limited by their rounding, about ε·|E| with
    ε = 2⁻⁵²: once the decrease a step can bring, about ‖g‖²/(2L) for curvature L, sinks below
    it, the search can no longer tell better from worse, and ‖∇E‖ stalls near √(2εL|E|). Pick
    a stopping tolerance above that (or shift E so that its minimum is near 0).

    ``step(closure)`` calls ``closure()`` once with gradients recorded, to get E(wₖ) and gₖ;
    a line search then evaluates φ by setting the parameters to wₖ − α gₖ and calling
    ``closure()`` inside ``no_grad()`` (forward passes only). After the step the parameters
    are exactly wₖ − αₖ gₖ (the point whose φ was measured), ``.grad`` holds gₖ (the gradient
    the step used, as after any optimiser's step), ``last_step_size`` is αₖ and ``last_loss``
    is φ(αₖ) = E(wₖ₊₁). It returns the loss Value of wₖ. If the closure raises (a
    ``KeyboardInterrupt`` in the middle of the search), the parameters and gradients are
    restored to wₖ and gₖ before the exception propagates.

    Args:
        params: the Values to update.
        lr: the fixed step γ > 0, or a schedule k ↦ γₖ; None: a line search.
        line_search: ``"exact"``, ``"backtracking"``, None (the fixed step ``lr``), or
            ``"auto"`` (the default): None when ``lr`` is given, else ``"exact"``.
        initial_step: a line search's first trial step, > 0.
        max_step: the cap on a line search's α, > 0 (default 1e6).
        c1: Armijo's constant, in (0, 1) (default 1e-4); backtracking only.

    Raises:
        ValueError: an argument is out of range, or the arguments ask for both a fixed step
            and a line search (see above).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: Rate | None = None,
        *,
        line_search: LineSearch | Literal["auto"] | None = "auto",
        initial_step: float | None = None,
        max_step: float | None = None,
        c1: float | None = None,
    ) -> None:
        super().__init__(params)
        where = "GradientDescent"
        self.max_step = MAX_STEP if max_step is None else positive(max_step, f"{where}(max_step)")
        self.c1 = C1 if c1 is None else positive(c1, f"{where}(c1)")
        if self.c1 >= 1.0:
            raise ValueError(f"{where}(c1) must be in (0, 1), got {self.c1!r}")
        self.initial_step: float | None = None
        if initial_step is not None:
            trial = positive(initial_step, f"{where}(initial_step)")
            self.initial_step = min(trial, self.max_step)
        options = {"initial_step": initial_step, "max_step": max_step, "c1": c1}
        self.line_search = chosen_search(lr, line_search, options)
        self.lr: Schedule | None = None
        if self.line_search is None:
            self.lr = as_schedule(lr, f"{where}(lr)")

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
            alpha0 = self.initial_step or min(1.0, self.max_step)
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


def chosen_search(
    lr: object, line_search: object, options: Mapping[str, object]
) -> LineSearch | None:
    """The line search GradientDescent's arguments ask for (None: the fixed step ``lr``), or a
    ValueError naming the arguments that ask for a fixed step and a line search at once.

    ``options`` are the line search's own arguments as given (None where not given).
    """
    if line_search not in ("auto", "exact", "backtracking", None):
        raise ValueError(
            "GradientDescent(line_search) must be 'exact', 'backtracking', None or 'auto', "
            f"got {line_search!r}"
        )
    if line_search == "auto":
        line_search = "exact" if lr is None else None
    elif line_search is not None and lr is not None:
        raise ValueError(
            f"GradientDescent: lr={lr!r} is a fixed step, but line_search={line_search!r} "
            "chooses each step itself; pass line_search=None for the fixed step, or "
            "initial_step instead of lr for the search's first trial step"
        )
    given = [name for name, value in options.items() if value is not None]
    if line_search is None:
        if lr is None:
            raise ValueError("GradientDescent(lr) is required when line_search is None")
        if given:
            raise ValueError(
                f"GradientDescent: {', '.join(given)} set a line search, but lr={lr!r} asks "
                "for a fixed step; drop lr for a line search, or those options for the "
                "fixed step"
            )
        return None
    if line_search == "exact" and "c1" in given:
        raise ValueError(
            "GradientDescent(c1) is Armijo's constant, used only by "
            "line_search='backtracking', not by the exact line search"
        )
    return "exact" if line_search == "exact" else "backtracking"
