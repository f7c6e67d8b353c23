"""The softmax family, built from Value ops so that gradients flow through them.

Each function subtracts the largest input m first, which keeps every exponent ≤ 0 and every
result finite for inputs as large as ±10⁴ and beyond:

    logsumexp(a)   = m + log Σⱼ exp(aⱼ − m)
    log_softmax(a)ₖ = (aₖ − m) − log Σⱼ exp(aⱼ − m)
    softmax(a)ₖ    = exp(aₖ − m) / Σⱼ exp(aⱼ − m)

∂ logsumexp/∂aₖ = softmax(a)ₖ and ∂ softmaxₖ/∂aⱼ = softmaxₖ (δₖⱼ − softmaxⱼ), as the graph shows.

The results do not depend on m, and neither do their gradients: m is the graph's own
:func:`autograd_lite.maximum` node, through which the gradient 1 − Σⱼ softmaxⱼ = 0 flows (to
rounding), rather than a number read out of the data. Reading it out would make the functions
untraceable: a recording (:func:`autograd_lite.trace`) would keep one sample's shift for all.

:func:`autograd_lite.total` is the one sum of a list of Values (losses, penalties, softmax).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograd_lite import Value, checks, maximum, total

#: What the functions accept: Values, real numbers (made constants) or a 1-D NumPy array.
Scalars = Sequence[Value | float] | np.ndarray


def scalar(x: object, where: str) -> Value | float:
    """A Value as it is, a real number as a finite float (NaN and ±inf would poison every
    gradient downstream); otherwise a ``TypeError`` or ``ValueError`` naming ``where``.

    The one check of nn that takes a Value, so it lives with the Value code of nn rather than in
    :mod:`autograd_lite.checks`, which ``autograd_lite.value`` imports and which cannot import
    ``Value``. Used here, by the losses for targets and by the layers for inputs.
    """
    if isinstance(x, Value):
        return x
    return checks.finite(x, where, "a real number or a Value")


def as_values(values: object, where: str) -> list[Value]:
    """``values`` as a non-empty list of Values; numbers become new leaf Values.

    Raises ``TypeError`` naming the item that is neither a Value nor a real number, and
    ``ValueError`` for an empty sequence, a non-finite number or an array that is not 1-D.
    """
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ValueError(f"{where}: expected a 1-D array, got shape {values.shape}")
        values = values.tolist()
    if isinstance(values, Value) or not isinstance(values, Sequence) or isinstance(values, str):
        raise TypeError(
            f"{where}: expected a sequence of Values or numbers, got {type(values).__name__}"
        )
    if not values:
        raise ValueError(f"{where}: expected at least one value, got an empty sequence")
    checked = [scalar(item, f"{where}: item {i}") for i, item in enumerate(values)]
    return [v if isinstance(v, Value) else Value(v) for v in checked]


def _shifted_exps(values: list[Value]) -> tuple[Value, list[Value], list[Value], Value]:
    """m = maxⱼ aⱼ (one node), aⱼ − m, exp(aⱼ − m) and their sum Σⱼ exp(aⱼ − m)."""
    m = maximum(values)
    shifted = [v - m for v in values]
    exps = [s.exp() for s in shifted]
    return m, shifted, exps, total(exps)


def logsumexp(values: Scalars) -> Value:
    """log Σⱼ exp(aⱼ), computed as m + log Σⱼ exp(aⱼ − m): finite for any finite inputs."""
    m, _, _, sum_exps = _shifted_exps(as_values(values, "logsumexp"))
    return sum_exps.log() + m


def log_softmax(values: Scalars) -> list[Value]:
    """log softmax(a)ₖ = (aₖ − m) − log Σⱼ exp(aⱼ − m); exact at logits of ±1000 (0 and −2000)."""
    _, shifted, _, sum_exps = _shifted_exps(as_values(values, "log_softmax"))
    log_total = sum_exps.log()
    return [s - log_total for s in shifted]


def softmax(values: Scalars) -> list[Value]:
    """softmax(a)ₖ = exp(aₖ − m) / Σⱼ exp(aⱼ − m); the outputs are in [0, 1] and sum to 1."""
    return softmax_of(as_values(values, "softmax"))


def softmax_of(values: list[Value]) -> list[Value]:
    """:func:`softmax` of a list already known to hold Values, without checking it (hot path)."""
    _, _, exps, sum_exps = _shifted_exps(values)
    return [e / sum_exps for e in exps]
