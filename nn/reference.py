"""The course notes' backpropagation in matrix form, in NumPy: an oracle to check the engine by.

An :class:`nn.MLP` with D layers holds, for each layer h, the matrix W⁽ʰ⁾ (row k is neuron k's
weights, so W⁽ʰ⁾ has shape n_h × n_{h−1}) and the bias vector b⁽ʰ⁾. For one example (x, y):

* forward: z⁽⁰⁾ = x, a⁽ʰ⁾ = W⁽ʰ⁾ z⁽ʰ⁻¹⁾ + b⁽ʰ⁾, z⁽ʰ⁾ = σ(a⁽ʰ⁾) for h < D, and f(x) = σ_D(a⁽ᴰ⁾);
* ``loss="cross_entropy"`` (classification): σ_D = softmax and ℓ = −Σₖ Ỹₖ log fₖ(x) = −log f_y(x),
  with Ỹ the one-hot vector of the class index y;
* ``loss="squared_error"`` (regression): σ_D = identity and ℓ = ½ Σₖ (fₖ(x) − yₖ)², with Ỹ = y;
* backward: both pairings give the same output error δ⁽ᴰ⁾ = ∂ℓ/∂a⁽ᴰ⁾ = f(x) − Ỹ, then the
  backpropagation formula δ⁽ʰ⁻¹⁾ = σ′(a⁽ʰ⁻¹⁾) ∘ (W⁽ʰ⁾)ᵀ δ⁽ʰ⁾ for h = D, …, 2, and
  ∂ℓ/∂W⁽ʰ⁾ = δ⁽ʰ⁾ z⁽ʰ⁻¹⁾ᵀ, ∂ℓ/∂b⁽ʰ⁾ = δ⁽ʰ⁾.

With n examples and L2 regularisation the objective is the notes' regularised empirical loss

    L = (1/n) Σᵢ ℓᵢ + λ/2 Σₕ ‖W⁽ʰ⁾‖²,   ∂L/∂W⁽ʰ⁾ = (1/n) Σᵢ δᵢ⁽ʰ⁾ zᵢ⁽ʰ⁻¹⁾ᵀ + λW⁽ʰ⁾,
    ∂L/∂b⁽ʰ⁾ = (1/n) Σᵢ δᵢ⁽ʰ⁾                 (the bias is not regularised: g = … + λ[w; 0]).

σ′ for each hidden activation: relu′(a) = [a > 0] (ReLU′(0) = 0, as the notes and the engine
take it), tanh′(a) = 1 − tanh²(a), sigmoid′(a) = σ(a)(1 − σ(a)), linear′(a) = 1.

:func:`backprop` evaluates these formulas and nothing else: it reads the MLP's numbers but not
its graph. :func:`graph_backprop` gets the same quantities from the engine (the MLP's forward
pass, ``nn``'s losses, :func:`autograd_lite.grad`), and :func:`compare` sets the two side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt

from autograd_lite import Value, grad, total
from autograd_lite.checks import finite, integer, non_negative, shown
from nn.layers import MLP
from nn.losses import cross_entropy, l2_penalty, squared_error

__all__ = ["Backprop", "LossName", "backprop", "compare", "graph_backprop", "matrices"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
LossName: TypeAlias = Literal["cross_entropy", "squared_error"]

#: The output activation each loss pairs with; "linear" under cross-entropy means the MLP
#: returns the logits a⁽ᴰ⁾ and the loss applies the softmax.
_OUTPUTS: dict[str, tuple[str, ...]] = {
    "cross_entropy": ("softmax", "linear"),
    "squared_error": ("linear",),
}


def _sigmoid(a: FloatArray) -> FloatArray:
    # σ(a) = 1/(1 + e⁻ᵃ) = eᵃ/(1 + eᵃ): take the form whose exponent is ≤ 0, so nothing overflows.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


#: σ and σ′ of every hidden activation of nn.
_ACTIVATIONS: dict[str, tuple[Callable[[FloatArray], FloatArray], ...]] = {
    "relu": (lambda a: np.maximum(a, 0.0), lambda a: (a > 0.0).astype(np.float64)),
    "tanh": (np.tanh, lambda a: 1.0 - np.tanh(a) ** 2),
    "sigmoid": (_sigmoid, lambda a: _sigmoid(a) * (1.0 - _sigmoid(a))),
    "linear": (lambda a: a, np.ones_like),
}


class Backprop(NamedTuple):
    """The objective L and its gradients, one array per layer: ``dW[h]`` is shaped like W⁽ʰ⁺¹⁾.

    A tuple, so ``loss, dW, db = backprop(...)`` works. Layers count from 0 here (``dW[0]`` is
    the notes' ∂L/∂W⁽¹⁾).
    """

    loss: float
    dW: list[FloatArray]
    db: list[FloatArray]


def matrices(mlp: MLP) -> tuple[list[FloatArray], list[FloatArray]]:
    """The MLP's W⁽ʰ⁾ (n_h × n_{h−1}, row k = neuron k's weights) and b⁽ʰ⁾, copied as floats."""
    if not isinstance(mlp, MLP):
        raise TypeError(f"matrices(mlp): expected an nn.MLP, got {type(mlp).__name__}")
    weights = [
        np.array([[w.data for w in neuron.w] for neuron in layer.neurons], dtype=np.float64)
        for layer in mlp.layers
    ]
    biases = [
        np.array([neuron.b.data for neuron in layer.neurons], dtype=np.float64)
        for layer in mlp.layers
    ]
    return weights, biases


def backprop(
    mlp: MLP,
    x: object,
    y: object,
    *,
    loss: LossName = "cross_entropy",
    lam: float = 0.0,
) -> Backprop:
    """L and ∂L/∂W⁽ʰ⁾, ∂L/∂b⁽ʰ⁾ of ``mlp`` by the notes' matrix formulas (module docstring).

    Args:
        mlp: an :class:`nn.MLP`. Its output activation must pair with the loss: ``"softmax"``
            or ``"linear"`` (logits) for cross-entropy, ``"linear"`` for squared error.
        x: one example, a 1-D array-like of ``mlp.n_in`` numbers; or n examples, a 2-D
            array-like with one example per row (the gradients are then averaged).
        y: for cross-entropy the class index, an int in [0, K) with K = the number of outputs
            (n examples: a 1-D array-like of n ints). For squared error the target vector of
            K numbers (n examples: an n × K array-like); with K = 1 a single number per example
            is accepted too.
        loss: ``"cross_entropy"`` or ``"squared_error"``.
        lam: λ ≥ 0 of the penalty λ/2 Σₕ ‖W⁽ʰ⁾‖² (biases are not regularised).

    Returns:
        ``Backprop(loss, dW, db)``: L as a float and the gradients as lists of NumPy arrays.

    Raises:
        TypeError / ValueError: an argument of the wrong type, shape or value, named.
    """
    X, Y, lam = _check(mlp, x, y, loss, lam, "backprop")
    weights, biases = matrices(mlp)
    sigma, sigma_prime = _ACTIVATIONS[mlp.activation]
    n = len(X)
    total = 0.0
    grad_w = [np.zeros_like(W) for W in weights]
    grad_b = [np.zeros_like(b) for b in biases]
    for x_i, y_tilde in zip(X, Y):
        z, a = _forward(weights, biases, sigma, x_i)
        f, example_loss = _output_and_loss(a[-1], y_tilde, loss)
        total += example_loss
        delta = f - y_tilde  # δ⁽ᴰ⁾ = f(x) − Ỹ
        for h in reversed(range(len(weights))):
            grad_w[h] += np.outer(delta, z[h])  # δ⁽ʰ⁾ z⁽ʰ⁻¹⁾ᵀ
            grad_b[h] += delta
            if h > 0:
                delta = sigma_prime(a[h - 1]) * (weights[h].T @ delta)  # δ⁽ʰ⁻¹⁾
    penalty = 0.5 * lam * sum(float(np.sum(W * W)) for W in weights)
    return Backprop(
        loss=total / n + penalty,
        dW=[g / n + lam * W for g, W in zip(grad_w, weights)],
        db=[g / n for g in grad_b],
    )


def _forward(
    weights: list[FloatArray],
    biases: list[FloatArray],
    sigma: Callable[[FloatArray], FloatArray],
    x: FloatArray,
) -> tuple[list[FloatArray], list[FloatArray]]:
    """The forward pass of one example: z⁽ʰ⁾ (z[0] = x) and a⁽ʰ⁾ (a[h−1] is the notes' a⁽ʰ⁾)."""
    z, a = [x], []
    for h, (W, b) in enumerate(zip(weights, biases)):
        a.append(W @ z[-1] + b)
        if h < len(weights) - 1:
            z.append(sigma(a[-1]))
    return z, a


def _output_and_loss(
    logits: FloatArray, y_tilde: FloatArray, loss: LossName
) -> tuple[FloatArray, float]:
    """(f(x), ℓ) from the output layer's pre-activation a⁽ᴰ⁾ and the one-hot or target Ỹ."""
    if loss == "cross_entropy":
        # f = softmax(a⁽ᴰ⁾) and ℓ = −Σₖ Ỹₖ log fₖ = log Σⱼ exp(aⱼ − m) − Σₖ Ỹₖ (aₖ − m),
        # with m = maxⱼ aⱼ so that no exponent is positive.
        shifted = logits - logits.max()
        exps = np.exp(shifted)
        return exps / exps.sum(), float(np.log(exps.sum()) - y_tilde @ shifted)
    # identity output, ℓ = ½ Σₖ (fₖ − yₖ)²
    return logits, 0.5 * float(np.sum((logits - y_tilde) ** 2))


def graph_backprop(
    mlp: MLP,
    x: object,
    y: object,
    *,
    loss: LossName = "cross_entropy",
    lam: float = 0.0,
) -> Backprop:
    """The same L and gradients as :func:`backprop`, from the engine instead of the formulas.

    Builds L = (1/n) Σᵢ ℓ(f(xᵢ), yᵢ) + :func:`nn.l2_penalty` (λ) with the MLP's own forward
    pass and ``nn``'s losses (:func:`nn.cross_entropy` on logits, −log fᵧ on a softmax output,
    :func:`nn.squared_error`), then takes :func:`autograd_lite.grad` of it. No ``.grad`` is
    changed. Same arguments and errors as :func:`backprop`.
    """
    X, Y, lam = _check(mlp, x, y, loss, lam, "graph_backprop")
    terms: list[Value] = []
    for x_i, y_tilde in zip(X, Y):
        out = mlp(x_i)
        if loss == "squared_error":
            terms.append(squared_error(out, y_tilde))
        elif mlp.output_activation == "softmax":
            terms.append(-out[int(np.argmax(y_tilde))].log())
        else:
            terms.append(cross_entropy(out, int(np.argmax(y_tilde))))
    objective = total(terms) * (1.0 / len(terms)) + l2_penalty(mlp, lam)
    params = [p for layer in mlp.layers for neuron in layer.neurons for p in (*neuron.w, neuron.b)]
    grads = iter(grad(objective, params))
    grad_w: list[FloatArray] = []
    grad_b: list[FloatArray] = []
    for layer in mlp.layers:
        rows, bias = [], []
        for neuron in layer.neurons:
            rows.append([next(grads) for _ in neuron.w])
            bias.append(next(grads))
        grad_w.append(np.array(rows, dtype=np.float64))
        grad_b.append(np.array(bias, dtype=np.float64))
    return Backprop(loss=objective.data, dW=grad_w, db=grad_b)


def compare(
    mlp: MLP,
    x: object,
    y: object,
    *,
    loss: LossName = "cross_entropy",
    lam: float = 0.0,
) -> list[float]:
    """maxᵢⱼ |engine − formulas| over ∂L/∂W⁽ʰ⁾ and ∂L/∂b⁽ʰ⁾, one number per layer (first first).

    Runs :func:`graph_backprop` and :func:`backprop` with the same arguments. For a correct
    engine and a correct derivation the numbers are rounding errors, around 1e-15 times the
    gradients' size; check your own hand-derived gradients the same way.
    """
    engine = graph_backprop(mlp, x, y, loss=loss, lam=lam)
    notes = backprop(mlp, x, y, loss=loss, lam=lam)
    return [
        max(float(np.max(np.abs(gw - nw))), float(np.max(np.abs(gb - nb))))
        for gw, nw, gb, nb in zip(engine.dW, notes.dW, engine.db, notes.db)
    ]


# --- Checks at the public boundary ------------------------------------------------------------


def _check(
    mlp: object, x: object, y: object, loss: object, lam: object, where: str
) -> tuple[FloatArray, FloatArray, float]:
    """(X, Ỹ, λ): X is n × n_in, row i of Ỹ is example i's one-hot class or target vector.

    Raises TypeError or ValueError naming the argument at fault.
    """
    if not isinstance(mlp, MLP):
        raise TypeError(f"{where}(mlp): expected an nn.MLP, got {type(mlp).__name__}")
    if loss not in _OUTPUTS:
        raise ValueError(
            f"{where}(loss): expected 'cross_entropy' or 'squared_error', got {loss!r}"
        )
    if mlp.output_activation not in _OUTPUTS[str(loss)]:
        wanted = " or ".join(repr(name) for name in _OUTPUTS[str(loss)])
        raise ValueError(
            f"{where}: loss={loss!r} pairs with output_activation {wanted} (δ⁽ᴰ⁾ = f(x) − Ỹ holds "
            f"only for those), but the MLP's output activation is {mlp.output_activation!r}"
        )
    if mlp.activation not in _ACTIVATIONS:
        raise ValueError(f"{where}: no σ′ is known for the activation {mlp.activation!r}")
    lam = non_negative(lam, f"{where}(lam)")

    X = _numbers(x, f"{where}(x)")
    if X.ndim not in (1, 2) or X.shape[-1] != mlp.n_in or X.shape[0] == 0:
        raise ValueError(
            f"{where}(x): expected {mlp.n_in} numbers, or an n × {mlp.n_in} array of n ≥ 1 "
            f"examples, got shape {X.shape}"
        )
    batch = X.ndim == 2
    X = X if batch else X[np.newaxis, :]
    n, k = len(X), mlp.layer_sizes[-1]
    if loss == "cross_entropy":
        Y = np.zeros((n, k))
        Y[np.arange(n), _class_indices(y, n, k, batch, f"{where}(y)")] = 1.0  # one-hot Ỹ
        return X, Y, lam
    Y = _numbers(y, f"{where}(y)")
    if k == 1 and Y.ndim == (1 if batch else 0):
        Y = Y[..., np.newaxis]  # one number per example for a single output
    if Y.shape != ((n, k) if batch else (k,)):
        expected = f"an {n} × {k} array" if batch else f"{k} numbers"
        raise ValueError(
            f"{where}(y): squared_error needs a target of {expected} for this MLP and x, "
            f"got shape {Y.shape}"
        )
    return X, (Y if batch else Y[np.newaxis, :]), lam


def _numbers(values: object, where: str) -> FloatArray:
    """``values`` as a float array, or TypeError (not numbers) / ValueError (not finite)."""
    try:
        array = np.asarray(values)
    except ValueError:  # ragged nested lists
        raise ValueError(f"{where}: expected a rectangular array of numbers") from None
    if array.dtype == object:  # ints beyond int64, Fractions, Values, None…: one by one
        return _numbers_one_by_one(array, where)
    if array.dtype.kind not in "fiu":
        raise TypeError(
            f"{where}: expected real numbers, got {type(values).__name__} of dtype {array.dtype}"
        )
    result = array.astype(np.float64)
    if not np.all(np.isfinite(result)):
        raise ValueError(f"{where}: expected finite numbers, got {shown(values)}")
    return result


def _numbers_one_by_one(array: npt.NDArray[np.object_], where: str) -> FloatArray:
    """An object array as floats, each item checked by :func:`autograd_lite.checks.finite`
    (named by index)."""
    result = np.empty(array.shape, dtype=np.float64)
    for index, item in np.ndenumerate(array):
        place = "".join(f"[{i}]" for i in index)
        result[index] = finite(item, f"{where}{place}")
    return result


def _class_indices(y: object, n: int, k: int, batch: bool, where: str) -> list[int]:
    """The n class indices: an int for one example, n ints for n; each in [0, k)."""
    if batch:
        array = np.asarray(y)
        if array.dtype.kind not in "iu":
            raise TypeError(
                f"{where}: cross_entropy needs class indices (ints), got {type(y).__name__} "
                f"of dtype {array.dtype}"
            )
        if array.shape != (n,):
            raise ValueError(
                f"{where}: cross_entropy needs {n} class indices for {n} examples, "
                f"got shape {array.shape}"
            )
        indices = [int(i) for i in array]
    else:
        indices = [integer(y, f"{where}: cross_entropy's class index")]
    for i in indices:
        if not 0 <= i < k:
            raise ValueError(f"{where}: class index {shown(i)} out of range for {k} outputs")
    return indices
