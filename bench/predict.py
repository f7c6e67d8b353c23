"""Batch prediction: ``mlp.predict(X)`` against the loop a user writes without it.

The moons ``nn.MLP`` 2-16-16-1 set to the benchmark problem's parameters, and the problem's
points as the rows of X:

* ``loop``: ``[[o.data for o in mlp(x)] for x in X]``, a graph built for every row;
* ``replayed``: ``mlp.predict(X)``, the network recorded once (before timing, on the first
  call, as a model's recording is kept across calls) and replayed on the whole batch.

Both give the same numbers to 1e-12; ``bench.run`` checks that before timing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bench import workloads
from bench.workloads import MoonsProblem


def loop(problem: MoonsProblem) -> Callable[[], Any]:
    """Each row through the network, its output's number read out."""
    model, _, _ = workloads.nn_problem(problem)
    X = np.asarray(problem.X)

    def run() -> Any:
        return np.array([[o.data for o in model(x)] for x in X])

    return run


def replayed(problem: MoonsProblem) -> Callable[[], Any]:
    """``mlp.predict(X)``, recorded by a first call here, outside the timing."""
    model, _, _ = workloads.nn_problem(problem)
    X = np.asarray(problem.X)
    model.predict(X)
    return lambda: model.predict(X)


def agree(problem: MoonsProblem) -> float:
    """The largest difference between the two (they must agree to 1e-12)."""
    return float(np.max(np.abs(loop(problem)() - replayed(problem)())))
