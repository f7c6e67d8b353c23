"""Losses of one example, and the L2 penalty, built from Value ops.

With the notes' two pairings the gradient of the loss with respect to the output layer's
pre-activation a⁽ᴰ⁾ is the same, δ⁽ᴰ⁾ = f(x) − ỹ:

* regression: identity output and ½ Σₖ (fₖ − yₖ)² (:func:`squared_error`);
* classification: softmax output and −Σₖ ỹₖ log fₖ, i.e. −log softmax(a)_y for the class index y
  (:func:`cross_entropy`, which takes the logits a, not the probabilities).

A training objective is the mean loss over the examples plus :func:`l2_penalty`, whose
gradient is the notes' λ[w; 0]: g(w, b) = (1/n) Σᵢ ∇ℓ(f(Xᵢ), Yᵢ) + λ[w; 0].
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from autograd_lite import Value, total
from autograd_lite.checks import finite, integer, non_negative, shown
from nn.functional import Scalars, as_values, log_softmax, scalar
from nn.module import Module


def squared_error(pred: Value | Sequence[Value], target: object) -> Value:
    """ℓ₂(f, y) = ½ Σₖ (fₖ − yₖ)²: the notes' regression loss; ∂ℓ₂/∂fₖ = fₖ − yₖ.

    ``pred`` is a Value or a list of Values; ``target`` a number or Value, or a list of them, of
    the same length.
    """
    f, y = _paired(pred, target, "squared_error")
    return _sum_of_squares(f, y) * 0.5


def mse_loss(preds: Value | Sequence[Value], targets: object) -> Value:
    """The mean squared error (1/n) Σᵢ (fᵢ − yᵢ)² over n predictions (no ½ here)."""
    f, y = _paired(preds, targets, "mse_loss")
    return _sum_of_squares(f, y) * (1.0 / len(f))


def cross_entropy(logits: Scalars, target: int | Sequence[Value | float]) -> Value:
    """−Σₖ ỹₖ log softmax(a)ₖ for logits a: the notes' classification loss.

    ``target`` is a class index y (ỹ is then one-hot, and the loss is −log softmax(a)_y) or the
    vector ỹ itself, numbers or Values (a one-hot target recorded by :func:`autograd_lite.trace`,
    or soft labels). ∂/∂aₖ = softmax(a)ₖ Σⱼ ỹⱼ − ỹₖ: the notes' δ⁽ᴰ⁾ = f − ỹ for a one-hot ỹ.
    Exact and finite for logits of any size (at logits (1000, −1000) the loss is 0 or 2000).

    The sum runs over every class, also for an index (0 · log softmax(a)ₖ adds exactly 0), so
    that the graph of a class index is the graph of its one-hot vector.

    Logits that are already a softmax's outputs (an MLP with ``output_activation="softmax"``,
    or :func:`nn.softmax`'s result) are refused with a ``ValueError``: softmax applied twice
    gives a plausible number that is not the loss. The graph tells (each is eₖ / Σⱼ eⱼ with
    eₖ an ``exp`` node; see :func:`softmax_outputs`), so inside ``no_grad()``, where no graph is
    recorded, it cannot.
    """
    a = as_values(logits, "cross_entropy(logits)")
    if softmax_outputs(a):
        raise ValueError(
            "cross_entropy(logits): these are a softmax's outputs (each exp(aₖ − m) / Σⱼ "
            "exp(aⱼ − m)), not logits; cross_entropy applies softmax itself, so this would "
            "apply it twice. Give it the pre-activations (an MLP with "
            'output_activation="linear"), or score the probabilities p with -p[y].log()'
        )
    weights = _class_weights(target, len(a))
    return -total([y * log_p for y, log_p in zip(weights, log_softmax(a))])


def _class_weights(target: object, classes: int) -> list[Value | float]:
    """ỹ: a class index one-hot, or a vector of ``classes`` numbers or Values."""
    where = "cross_entropy(target)"
    if isinstance(target, Sequence | np.ndarray) and not isinstance(target, str):
        weights = [scalar(y, f"{where}: item {k}") for k, y in enumerate(target)]
        if len(weights) != classes:
            raise ValueError(f"{where}: {len(weights)} class weights for {classes} logits")
        return weights
    index = integer(target, f"{where}: a class index")
    if not 0 <= index < classes:
        raise ValueError(f"{where}: class index {shown(index)} out of range for {classes} logits")
    return [1.0 if k == index else 0.0 for k in range(classes)]


def binary_cross_entropy(logit: Value | float, target: float) -> Value:
    """−[y log σ(z) + (1 − y) log(1 − σ(z))] from the logit z, for a label y ∈ {0, 1}.

    Computed as y · softplus(−z) + (1 − y) · softplus(z), softplus(u) = log(1 + eᵘ) being the
    engine's op: no exponent is positive and nothing cancels, so the loss is finite for any
    finite logit and accurate to rounding even where it is tiny (softplus(−40) = 4.2e-18,
    which log(1 + e⁻⁴⁰) rounds to 0); ∂/∂z = σ(z) − y. The label may be a Value (as when
    :func:`autograd_lite.trace` records it); only a number is checked to be 0 or 1.

    A logit that is a sigmoid's output (an MLP with ``output_activation="sigmoid"``) is refused
    with a ``ValueError``, as :func:`cross_entropy` refuses a softmax's outputs: σ applied twice
    gives a plausible number that is not the loss.
    """
    z = _value(logit, "binary_cross_entropy(logit)")
    if z.op == "sigmoid":
        raise ValueError(
            "binary_cross_entropy(logit): this is a sigmoid's output σ(z), not the logit z; "
            "binary_cross_entropy applies σ itself, so this would apply it twice. Give it the "
            'pre-activation (an MLP with output_activation="linear"), or score the '
            "probability p with -(y * p.log() + (1 - y) * (1 - p).log())"
        )
    y = _label(target, (0.0, 1.0), "binary_cross_entropy(target)", "0 or 1")
    return y * (-z).softplus() + (1.0 - y) * z.softplus()


def hinge_loss(score: Value | float, target: float) -> Value:
    """The max-margin loss max(0, 1 − y·s) for a score s and a label y ∈ {−1, +1}.

    ∂/∂s = −y where y·s < 1, else 0 (also at the margin y·s = 1, as ReLU′(0) = 0). The label
    may be a Value (as when :func:`autograd_lite.trace` records it); only a number is checked.
    """
    s = _value(score, "hinge_loss(score)")
    y = _label(target, (-1.0, 1.0), "hinge_loss(target)", "-1 or +1")
    return (1.0 - s * y).relu()


def l2_penalty(module: Module, lam: float) -> Value:
    """λ/2 Σ w² over the module's weights (:meth:`Module.weights`): biases are not regularised.

    Its gradient is λw for each weight and 0 for each bias: the notes' λ[w; 0].
    """
    if not isinstance(module, Module):
        raise TypeError(f"l2_penalty(module): expected an nn.Module, got {type(module).__name__}")
    lam = non_negative(lam, "l2_penalty(lam)")
    weights = module.weights()
    if not weights:
        return Value(0.0)
    return total([w * w for w in weights]) * (0.5 * lam)


def softmax_outputs(values: Sequence[Value]) -> bool:
    """Whether ``values`` are a softmax's outputs, as the graph shows them: two or more
    quotients eₖ / s of one denominator s, each eₖ an ``exp`` node that s sums (as
    :func:`nn.softmax` and a softmax layer build them). Reads no number, so it also holds
    while tracing."""
    first = values[0] if len(values) >= 2 else None
    if first is None or first.op != "div" or not isinstance(first.args[1], Value):
        return False
    denominator = first.args[1]
    numerators = []
    for v in values:
        if v.op != "div" or v.args[1] is not denominator:
            return False
        numerator = v.args[0]
        if not isinstance(numerator, Value) or numerator.op != "exp":
            return False
        numerators.append(numerator)
    summands: set[Value] = set()
    pending = [denominator]
    while pending:  # the terms of the chain of additions s = e₀ + e₁ + … (no recursion)
        node = pending.pop()
        if node.op == "add":
            pending.extend(a for a in node.args if isinstance(a, Value))
        else:
            summands.add(node)
    return all(e in summands for e in numerators)


# --- Helpers --------------------------------------------------------------------------------


def _sum_of_squares(f: list[Value], y: list[Value | float]) -> Value:
    differences = [fk - yk for fk, yk in zip(f, y)]
    return total([d * d for d in differences])


def _paired(pred: object, target: object, where: str) -> tuple[list[Value], list[Value | float]]:
    """Predictions and targets as two lists of equal length (a single item is a list of one)."""
    f = as_values([pred] if isinstance(pred, Value) else pred, f"{where}(pred)")
    if isinstance(target, Value | numbers.Real):
        target = [target]
    elif isinstance(target, np.ndarray):
        if target.ndim != 1:
            raise ValueError(f"{where}(target): expected a 1-D array, got shape {target.shape}")
        target = target.tolist()
    if isinstance(target, str) or not isinstance(target, Sequence):
        raise TypeError(
            f"{where}(target): expected a number, a Value or a sequence of them, "
            f"got {type(target).__name__}"
        )
    y = [scalar(item, f"{where}(target): item {k}") for k, item in enumerate(target)]
    if len(f) != len(y):
        raise ValueError(f"{where}: {len(f)} predictions but {len(y)} targets")
    return f, y


def _value(x: object, where: str) -> Value:
    if isinstance(x, Value):
        return x
    return as_values([x], where)[0]


def _label(target: object, allowed: tuple[float, ...], where: str, wanted: str) -> Value | float:
    """A label: a Value as it is, a number checked to be one of ``allowed``."""
    return target if isinstance(target, Value) else _label_in(target, allowed, where, wanted)


def _label_in(target: object, allowed: tuple[float, ...], where: str, wanted: str) -> float:
    try:
        label = finite(target, where)
    except TypeError:
        raise TypeError(
            f"{where}: expected {wanted}, got {type(target).__name__}: {shown(target)}"
        ) from None
    except ValueError:
        label = math.nan  # NaN, ±inf, 10**400: not a label either
    if label not in allowed:
        raise ValueError(f"{where}: expected {wanted}, got {shown(target)}")
    return label
