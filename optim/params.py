"""Parameter lists: the checks every optimiser applies to its input, and the gradient norm."""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd_lite import Value


def parameter_list(params: Iterable[Value], where: str) -> list[Value]:
    """``params`` as a list, or a real exception naming ``where`` and the culprit.

    Raises ``TypeError`` when ``params`` is not an iterable of Values (a single Value, a model
    instead of ``model.parameters()``, a float among the Values), and ``ValueError`` when it is
    empty or holds the same Value twice (it would be updated twice per step).
    """
    if isinstance(params, Value):
        raise TypeError(f"{where}: expected an iterable of Values, got a single Value (wrap it)")
    if isinstance(params, str | bytes) or not isinstance(params, Iterable):
        hint = " (pass model.parameters())" if hasattr(params, "parameters") else ""
        raise TypeError(
            f"{where}: expected an iterable of Values, got {type(params).__name__}{hint}"
        )
    result = list(params)
    if not result:
        raise ValueError(f"{where}: the parameter list is empty")
    seen: dict[Value, int] = {}
    for i, p in enumerate(result):
        if not isinstance(p, Value):
            raise TypeError(f"{where}: params[{i}] must be a Value, got {type(p).__name__}")
        if p in seen:  # Values hash by identity: this finds the same object twice
            raise ValueError(f"{where}: params[{i}] is the same Value as params[{seen[p]}]")
        seen[p] = i
    return result


def grad_norm(params: Iterable[Value]) -> float:
    """‖∇‖₂ = √(Σᵢ gᵢ²) over the parameters' ``.grad``, free of overflow and underflow.

    The course notes stop gradient descent when ‖∇E(w)‖₂ = 0; in floating point one stops
    when it falls below a tolerance.
    """
    if isinstance(params, Value):
        return abs(params.grad)
    if not isinstance(params, Iterable):
        raise TypeError(f"grad_norm: expected an iterable of Values, got {type(params).__name__}")
    grads = []
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"grad_norm: params[{i}] must be a Value, got {type(p).__name__}")
        grads.append(p.grad)
    return math.hypot(*grads)
