"""Step-size schedules: callables k ↦ γₖ, with k counting optimiser steps from 0.

Stochastic gradient descent converges (Robbins & Monro, 1951) when Σₖ γₖ = ∞ and Σₖ γₖ² < ∞;
the course notes take γₖ = 1/(k+1), which is :func:`inverse_time` with γ₀ = 1. A constant
step or a schedule that decays to a positive floor (:func:`linear`) trades that guarantee for
speed. Each schedule is a small frozen object: it compares, prints and pickles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from autograd_lite.checks import count, positive, real

#: A step-size schedule: k ↦ γₖ, for k = 0, 1, 2, … optimiser steps.
Schedule: TypeAlias = Callable[[int], float]
#: What an optimiser's ``lr`` accepts: a positive float (a constant step) or a schedule.
Rate: TypeAlias = "float | Schedule"


@dataclass(frozen=True)
class constant:
    """γₖ = γ for every k."""

    gamma: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", positive(self.gamma, "constant(gamma)"))

    def __call__(self, k: int) -> float:
        return self.gamma


@dataclass(frozen=True)
class inverse_time:
    """γₖ = γ₀ / (k + 1): Σγₖ = ∞ and Σγₖ² < ∞ (the notes' SGD step with γ₀ = 1)."""

    gamma0: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma0", positive(self.gamma0, "inverse_time(gamma0)"))

    def __call__(self, k: int) -> float:
        return self.gamma0 / (k + 1)


@dataclass(frozen=True)
class linear:
    """γₖ = start + (end − start) · k / steps for k < steps, then γₖ = end.

    micrograd's demo decays 1.0 → 0.1 over 100 steps: ``linear(1.0, 0.1, 100)``.
    """

    start: float
    end: float
    steps: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", positive(self.start, "linear(start)"))
        object.__setattr__(self, "end", positive(self.end, "linear(end)"))
        object.__setattr__(self, "steps", count(self.steps, "linear(steps)"))

    def __call__(self, k: int) -> float:
        if k >= self.steps:
            return self.end
        return self.start + (self.end - self.start) * (k / self.steps)


@dataclass(frozen=True)
class exponential:
    """γₖ = γ₀ · rateᵏ, with 0 < rate ≤ 1."""

    gamma0: float
    rate: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma0", positive(self.gamma0, "exponential(gamma0)"))
        rate = positive(self.rate, "exponential(rate)")
        if rate > 1.0:
            raise ValueError(f"exponential(rate) must be in (0, 1], got {rate!r}")
        object.__setattr__(self, "rate", rate)

    def __call__(self, k: int) -> float:
        return self.gamma0 * self.rate**k


def as_schedule(lr: object, where: str) -> Schedule:
    """``lr`` as a schedule: a number becomes :class:`constant`, a callable is kept."""
    if callable(lr):
        return lr
    real(lr, where, "a number > 0 or a schedule k ↦ γₖ")
    return constant(positive(lr, where))


def rate_at(schedule: Schedule, k: int, where: str) -> float:
    """γₖ from ``schedule``, checked: a schedule that returns 0, a negative or NaN is a bug."""
    return positive(schedule(k), f"{where}: the schedule at step {k}")
