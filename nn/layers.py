"""Neurons, layers and multi-layer perceptrons built from Values.

A neuron computes a = b + Σᵢ wᵢ xᵢ (its pre-activation) and returns σ(a). A layer of m neurons
on an input z⁽ʰ⁻¹⁾ computes the notes' a⁽ʰ⁾ = W⁽ʰ⁾ z⁽ʰ⁻¹⁾ + b⁽ʰ⁾ and z⁽ʰ⁾ = σ(a⁽ʰ⁾), row k of
W⁽ʰ⁾ being neuron k's weights. An MLP chains layers: f(x) = σ_D(a⁽ᴰ⁾(… σ(a⁽¹⁾(x)) …)). Backward
through this graph yields exactly the notes' backpropagation: δ⁽ʰ⁻¹⁾ = σ′(a⁽ʰ⁻¹⁾) ∘ (W⁽ʰ⁾)ᵀ δ⁽ʰ⁾,
∂ℓ/∂W⁽ʰ⁾ = δ⁽ʰ⁾ z⁽ʰ⁻¹⁾ᵀ, ∂ℓ/∂b⁽ʰ⁾ = δ⁽ʰ⁾.

Activations: ``"relu"`` (ReLU′(0) = 0), ``"tanh"``, ``"sigmoid"``, ``"linear"`` (σ(a) = a; the
pre-activation itself is returned, no node is added); a layer's or an MLP's output may also be
``"softmax"``, applied to the whole layer's pre-activations.

Initialisation, drawn from a ``numpy.random.Generator`` so that a seed reproduces a network:

* ReLU layers: He, wᵢ ~ N(0, 2 / n_in), which keeps the variance of the pre-activations steady
  through ReLU layers (He et al., 2015);
* tanh, sigmoid, linear and softmax layers: Glorot, wᵢ ~ N(0, 2 / (n_in + n_out)) (Glorot and
  Bengio, 2010);
* biases: 0.

Inputs may be a list or tuple of floats and Values, or a 1-D NumPy array. They are checked once
per call of the outermost piece (the MLP, or a layer or neuron called directly); the inner
loops trust them.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_lite import Value, affine
from nn.checks import scalar
from nn.functional import softmax_of
from nn.module import Module

#: The activation of each name, as a function of the pre-activation (None: the identity).
_ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}
ACTIVATIONS = tuple(_ACTIVATIONS)
OUTPUT_ACTIVATIONS = (*ACTIVATIONS, "softmax")

#: What a network accepts as input: floats and Values, or a 1-D NumPy array of numbers.
Inputs = Sequence[Value | float] | np.ndarray


def init_std(n_in: int, n_out: int, activation: str) -> float:
    """The standard deviation of the initial weights: He √(2/n_in) for ReLU, else Glorot
    √(2/(n_in + n_out))."""
    if activation == "relu":
        return math.sqrt(2.0 / n_in)
    return math.sqrt(2.0 / (n_in + n_out))


class Neuron(Module):
    """σ(b + Σᵢ wᵢ xᵢ), with weights ``w`` (a list of ``n_in`` Values) and bias ``b``.

    ``fan_out`` is the width of the layer the neuron belongs to; it only sets the Glorot scale.
    """

    unregularised = ("b",)

    def __init__(
        self,
        n_in: int,
        activation: str = "relu",
        *,
        rng: np.random.Generator | None = None,
        fan_out: int = 1,
    ) -> None:
        n_in = _size(n_in, "Neuron(n_in)")
        fan_out = _size(fan_out, "Neuron(fan_out)")
        _choice(activation, ACTIVATIONS, "Neuron(activation)")
        rng = _generator(rng, "Neuron(rng)")
        std = init_std(n_in, fan_out, activation)
        self.w: list[Value] = [Value(v) for v in rng.normal(0.0, std, n_in).tolist()]
        self.b = Value(0.0)
        self.n_in = n_in
        self.activation = activation
        self._sigma = _ACTIVATIONS[activation]
        _label(self)

    def __call__(self, x: Inputs) -> Value:
        """σ(b + Σᵢ wᵢ xᵢ) for an input of length ``n_in``."""
        return self._forward(_inputs(x, self.n_in, "Neuron"))

    def _forward(self, x: Sequence[Any]) -> Value:
        # a = b + Σᵢ wᵢxᵢ as one node of the graph; a float xᵢ stays a constant operand.
        a = affine(self.w, x, self.b)
        sigma = self._sigma
        return a if sigma is None else sigma(a)

    def __repr__(self) -> str:
        return f"Neuron({self.n_in}, {self.activation})"


class Layer(Module):
    """``n_out`` neurons reading the same input: z = σ(W x + b), returned as a list of Values.

    With ``activation="softmax"`` the neurons are linear and the layer returns
    softmax(W x + b).
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        activation: str = "relu",
        *,
        rng: np.random.Generator | None = None,
    ) -> None:
        n_in = _size(n_in, "Layer(n_in)")
        n_out = _size(n_out, "Layer(n_out)")
        _choice(activation, OUTPUT_ACTIVATIONS, "Layer(activation)")
        rng = _generator(rng, "Layer(rng)")
        per_neuron = "linear" if activation == "softmax" else activation
        self.neurons = [Neuron(n_in, per_neuron, rng=rng, fan_out=n_out) for _ in range(n_out)]
        self.n_in = n_in
        self.n_out = n_out
        self.activation = activation
        self._softmax = activation == "softmax"
        _label(self)

    def __call__(self, x: Inputs) -> list[Value]:
        """The layer's ``n_out`` outputs for an input of length ``n_in``."""
        return self._forward(_inputs(x, self.n_in, "Layer"))

    def _forward(self, x: Sequence[Any]) -> list[Value]:
        out = [neuron._forward(x) for neuron in self.neurons]
        return softmax_of(out) if self._softmax else out

    def __repr__(self) -> str:
        return f"Layer({self.n_in} → {self.n_out}, {self.activation})"


class MLP(Module):
    """A multi-layer perceptron: ``layer_sizes[:-1]`` hidden layers with ``activation``, then an
    output layer of ``layer_sizes[-1]`` units with ``output_activation``.

    ``MLP(2, [16, 16, 1])`` maps 2 inputs through two ReLU layers of 16 to one linear output.
    The same ``seed`` (an int) gives the same initial parameters; ``None`` draws fresh ones.
    """

    def __init__(
        self,
        n_in: int,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        seed: int | None = None,
    ) -> None:
        n_in = _size(n_in, "MLP(n_in)")
        if isinstance(layer_sizes, str | bytes) or not isinstance(layer_sizes, Sequence):
            raise TypeError(
                "MLP(layer_sizes): expected a sequence of layer widths, "
                f"got {type(layer_sizes).__name__}"
            )
        if not layer_sizes:
            raise ValueError("MLP(layer_sizes): expected at least one layer, got none")
        sizes = [_size(size, f"MLP(layer_sizes[{i}])") for i, size in enumerate(layer_sizes)]
        _choice(activation, ACTIVATIONS, "MLP(activation)")
        _choice(output_activation, OUTPUT_ACTIVATIONS, "MLP(output_activation)")
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
                raise TypeError(f"MLP(seed): expected an int or None, got {type(seed).__name__}")
            if seed < 0:
                raise ValueError(f"MLP(seed): expected a non-negative int, got {seed}")
        rng = np.random.default_rng(seed)
        widths = [n_in, *sizes]
        last = len(sizes) - 1
        self.layers = [
            Layer(
                widths[i],
                widths[i + 1],
                output_activation if i == last else activation,
                rng=rng,
            )
            for i in range(len(sizes))
        ]
        self.n_in = n_in
        self.layer_sizes = tuple(sizes)
        self.activation = activation
        self.output_activation = output_activation
        _label(self)

    def __call__(self, x: Inputs) -> list[Value]:
        """f(x): the output layer's values, a list of ``layer_sizes[-1]`` Values."""
        z: list[Any] = _inputs(x, self.n_in, "MLP")
        for layer in self.layers:
            z = layer._forward(z)
        return z

    def __repr__(self) -> str:
        hidden = "".join(f" → {size} {self.activation}" for size in self.layer_sizes[:-1])
        output = f" → {self.layer_sizes[-1]} {self.output_activation}"
        return f"MLP({self.n_in}{hidden}{output}; {self.num_parameters()} parameters)"


# --- Checks at the public boundary ------------------------------------------------------------


def _inputs(x: object, n_in: int, where: str) -> list[Any]:
    """``x`` as a list of ``n_in`` floats and Values, or a TypeError/ValueError naming the fault."""
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(f"{where}: expected a 1-D input of size {n_in}, got shape {x.shape}")
        if x.dtype.kind in "fiu":
            x = x.astype(float).tolist()
        elif x.dtype.kind == "O":
            x = x.tolist()
        else:
            raise TypeError(f"{where}: expected an array of numbers, got dtype {x.dtype}")
    if not isinstance(x, list | tuple):
        raise TypeError(
            f"{where}: expected a list, tuple or 1-D array of {n_in} numbers, "
            f"got {type(x).__name__}"
        )
    if len(x) != n_in:
        raise ValueError(f"{where}: expected {n_in} inputs, received {len(x)}")
    return [scalar(item, f"{where}: input {i}") for i, item in enumerate(x)]


def _size(n: object, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{where}: expected a positive int, got {type(n).__name__}: {n!r}")
    if n < 1:
        raise ValueError(f"{where}: expected a positive int, got {n}")
    return int(n)


def _choice(name: object, allowed: tuple[str, ...], where: str) -> None:
    if name not in allowed:
        raise ValueError(f"{where}: expected one of {', '.join(allowed)}; got {name!r}")


def _generator(rng: object, where: str) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{where}: expected a numpy.random.Generator or None, got {type(rng).__name__}"
        )
    return rng


def _label(module: Module) -> None:
    """Label each parameter with its dotted name, for pictures and messages."""
    for name, value in module.named_parameters():
        value.label = name
