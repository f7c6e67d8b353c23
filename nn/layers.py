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

Names, as in the notes (counting from 1), for pictures, ``explain`` and messages: an MLP labels
its parameters ``W1[k,j]`` (W⁽¹⁾ₖⱼ, the weight of neuron k of layer 1 on input j) and ``b1[k]``
(b⁽¹⁾ₖ), ``W2[k,j]``, ``b2[k]``, …; a layer on its own ``W[k,j]`` and ``b[k]``, a neuron ``w[j]``
and ``b``. Asked with ``mlp(x, names=True)``, the MLP labels the nodes of that call too:
``a1[k]`` is the pre-activation a⁽¹⁾ₖ, ``z1[k]`` = σ(a⁽¹⁾ₖ), …, ``f[k]`` the output fₖ(x), and
an input Value without a label ``x[j]``. Where σ is the identity, a and z (or f) are one node,
named by what it outputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_lite import Value, affine, checks
from autograd_lite.checks import choice, size
from nn.functional import scalar, softmax_of
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

    ``seed`` (an int ≥ 0, a ``numpy.random.Generator`` or ``None``) draws the weights, as for
    :class:`MLP`; ``rng=`` is its former name for a Generator, still accepted. ``fan_out`` is the
    width of the layer the neuron belongs to; it only sets the Glorot scale.
    """

    unregularized = ("b",)

    def __init__(
        self,
        n_in: int,
        activation: str = "relu",
        *,
        seed: int | np.random.Generator | None = None,
        fan_out: int = 1,
        rng: np.random.Generator | None = None,
    ) -> None:
        n_in = size(n_in, "Neuron(n_in)")
        fan_out = size(fan_out, "Neuron(fan_out)")
        activation = choice(activation, ACTIVATIONS, "Neuron(activation)")
        draw = _generator(seed, rng, "Neuron")
        std = init_std(n_in, fan_out, activation)
        self._build(n_in, activation, draw.normal(0.0, std, n_in).tolist())

    @classmethod
    def zeros(cls, n_in: int, activation: str = "relu") -> Neuron:
        """A neuron of this shape with every parameter 0, drawing no random number (what
        :func:`nn.load` fills in)."""
        n_in = size(n_in, "Neuron.zeros(n_in)")
        activation = choice(activation, ACTIVATIONS, "Neuron.zeros(activation)")
        neuron = cls.__new__(cls)
        neuron._build(n_in, activation, [0.0] * n_in)
        return neuron

    def _build(self, n_in: int, activation: str, weights: list[float]) -> None:
        self.w: list[Value] = [Value(v) for v in weights]
        self.b = Value(0.0)
        self.n_in = n_in
        self.activation = activation
        self._sigma = _ACTIVATIONS[activation]
        for j, w in enumerate(self.w, start=1):
            w.label = f"w[{j}]"
        self.b.label = "b"

    def __call__(self, x: Inputs) -> Value:
        """σ(b + Σᵢ wᵢ xᵢ) for an input of length ``n_in``."""
        return self._forward(_inputs(x, self.n_in, "Neuron"))

    def _forward(self, x: Sequence[Any]) -> Value:
        # a = b + Σᵢ wᵢxᵢ as one node of the graph; a float xᵢ stays a constant operand.
        return self._activate(affine(self.w, x, self.b))

    def _activate(self, a: Value) -> Value:
        """σ(a): ``a`` itself for the identity (no node is added)."""
        sigma = self._sigma
        return a if sigma is None else sigma(a)

    def __repr__(self) -> str:
        return f"Neuron({self.n_in}, {self.activation})"


class Layer(Module):
    """``n_out`` neurons reading the same input: z = σ(W x + b), returned as a list of Values.

    With ``activation="softmax"`` the neurons are linear and the layer returns
    softmax(W x + b). ``seed`` (or its former name ``rng=``) as for :class:`Neuron`; the
    neurons draw their weights one after another from the same generator.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        activation: str = "relu",
        *,
        seed: int | np.random.Generator | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        n_in = size(n_in, "Layer(n_in)")
        n_out = size(n_out, "Layer(n_out)")
        activation = choice(activation, OUTPUT_ACTIVATIONS, "Layer(activation)")
        draw = _generator(seed, rng, "Layer")
        per_neuron = _per_neuron(activation)
        neurons = [Neuron(n_in, per_neuron, seed=draw, fan_out=n_out) for _ in range(n_out)]
        self._build(n_in, activation, neurons)

    @classmethod
    def zeros(cls, n_in: int, n_out: int, activation: str = "relu") -> Layer:
        """A layer of this shape with every parameter 0, drawing no random number (what
        :func:`nn.load` fills in)."""
        n_in = size(n_in, "Layer.zeros(n_in)")
        n_out = size(n_out, "Layer.zeros(n_out)")
        activation = choice(activation, OUTPUT_ACTIVATIONS, "Layer.zeros(activation)")
        layer = cls.__new__(cls)
        neuron = _per_neuron(activation)
        layer._build(n_in, activation, [Neuron.zeros(n_in, neuron) for _ in range(n_out)])
        return layer

    def _build(self, n_in: int, activation: str, neurons: list[Neuron]) -> None:
        self.neurons = neurons
        self.n_in = n_in
        self.n_out = len(neurons)
        self.activation = activation
        self._softmax = activation == "softmax"
        _name_parameters(neurons, "")

    def __call__(self, x: Inputs) -> list[Value]:
        """The layer's ``n_out`` outputs for an input of length ``n_in``."""
        return self._forward(_inputs(x, self.n_in, "Layer"))

    def _forward(self, x: Sequence[Any]) -> list[Value]:
        out = [neuron._forward(x) for neuron in self.neurons]
        return softmax_of(out) if self._softmax else out

    def _parts(self, x: Sequence[Any]) -> tuple[list[Value], list[Value]]:
        """The same graph as :meth:`_forward`, returning the pre-activations a = W x + b too."""
        pre = [affine(neuron.w, x, neuron.b) for neuron in self.neurons]
        if self._softmax:
            return pre, softmax_of(pre)
        return pre, [neuron._activate(a) for neuron, a in zip(self.neurons, pre)]

    def __repr__(self) -> str:
        return f"Layer({self.n_in} → {self.n_out}, {self.activation})"


class MLP(Module):
    """A multi-layer perceptron: ``layer_sizes[:-1]`` hidden layers with ``activation``, then an
    output layer of ``layer_sizes[-1]`` units with ``output_activation``.

    ``MLP(2, [16, 16, 1])`` maps 2 inputs through two ReLU layers of 16 to one linear output.
    The same ``seed`` (an int ≥ 0) gives the same initial parameters; ``None`` draws fresh ones;
    a ``numpy.random.Generator`` is drawn from, layer after layer.
    """

    def __init__(
        self,
        n_in: int,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        n_in = size(n_in, "MLP(n_in)")
        sizes = _layer_sizes(layer_sizes, "MLP(layer_sizes)")
        activation = choice(activation, ACTIVATIONS, "MLP(activation)")
        output_activation = choice(output_activation, OUTPUT_ACTIVATIONS, "MLP(output_activation)")
        draw = generator(seed, "MLP(seed)")
        layers = [
            Layer(fan_in, fan_out, kind, seed=draw)
            for fan_in, fan_out, kind in _layer_plan(n_in, sizes, activation, output_activation)
        ]
        self._build(n_in, activation, output_activation, layers)

    @classmethod
    def zeros(
        cls,
        n_in: int,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
    ) -> MLP:
        """An MLP of this shape with every parameter 0, drawing no random number (what
        :func:`nn.load` fills in)."""
        n_in = size(n_in, "MLP.zeros(n_in)")
        sizes = _layer_sizes(layer_sizes, "MLP.zeros(layer_sizes)")
        activation = choice(activation, ACTIVATIONS, "MLP.zeros(activation)")
        output_activation = choice(
            output_activation, OUTPUT_ACTIVATIONS, "MLP.zeros(output_activation)"
        )
        mlp = cls.__new__(cls)
        plan = _layer_plan(n_in, sizes, activation, output_activation)
        mlp._build(n_in, activation, output_activation, [Layer.zeros(*step) for step in plan])
        return mlp

    def _build(
        self, n_in: int, activation: str, output_activation: str, layers: list[Layer]
    ) -> None:
        self.layers = layers
        self.n_in = n_in
        self.layer_sizes = tuple(layer.n_out for layer in layers)
        self.activation = activation
        self.output_activation = output_activation
        for h, layer in enumerate(layers, start=1):
            _name_parameters(layer.neurons, str(h))

    def __call__(self, x: Inputs, *, names: bool = False) -> list[Value]:
        """f(x): the output layer's values, a list of ``layer_sizes[-1]`` Values.

        ``names=True`` labels the nodes made as the notes name them (from 1): ``a{h}[k]`` the
        pre-activation of neuron k of layer h, ``z{h}[k]`` its activation, ``f[k]`` the k-th
        output, and an input Value that has no label ``x[j]``; the graph is the same.
        """
        z: list[Any] = _inputs(x, self.n_in, "MLP")
        if names:
            return self._named_forward(z)
        for layer in self.layers:
            z = layer._forward(z)
        return z

    def _named_forward(self, z: list[Any]) -> list[Value]:
        """f(x) as :meth:`__call__` makes it, each node labelled as the notes name it."""
        for j, item in enumerate(z, start=1):
            if isinstance(item, Value) and not item.label:
                item.label = f"x[{j}]"
        last = len(self.layers)
        for h, layer in enumerate(self.layers, start=1):
            pre, z = layer._parts(z)
            for k, a in enumerate(pre, start=1):
                a.label = f"a{h}[{k}]"
            for k, out in enumerate(z, start=1):
                out.label = f"f[{k}]" if h == last else f"z{h}[{k}]"
        return z

    def __repr__(self) -> str:
        hidden = "".join(f" → {size} {self.activation}" for size in self.layer_sizes[:-1])
        output = f" → {self.layer_sizes[-1]} {self.output_activation}"
        return f"MLP({self.n_in}{hidden}{output}; {self.num_parameters()} parameters)"


def _per_neuron(activation: str) -> str:
    """A layer's neurons' own activation: a softmax layer's neurons are linear."""
    return "linear" if activation == "softmax" else activation


def _layer_plan(
    n_in: int, sizes: Sequence[int], activation: str, output_activation: str
) -> list[tuple[int, int, str]]:
    """(inputs, outputs, activation) of each layer of an MLP."""
    fan_ins = [n_in, *sizes[:-1]]
    last = len(sizes) - 1
    return [
        (fan_in, size, output_activation if i == last else activation)
        for i, (fan_in, size) in enumerate(zip(fan_ins, sizes))
    ]


# --- Checks at the public boundary ------------------------------------------------------------


def _layer_sizes(layer_sizes: object, where: str) -> list[int]:
    """An MLP's layer widths: a non-empty sequence of integers ≥ 1."""
    if isinstance(layer_sizes, str | bytes) or not isinstance(layer_sizes, Sequence):
        raise TypeError(
            f"{where}: expected a sequence of layer widths, got {type(layer_sizes).__name__}"
        )
    if not layer_sizes:
        raise ValueError(f"{where}: expected at least one layer, got none")
    name = where.removesuffix(")")
    return [size(n, f"{name}[{i}])") for i, n in enumerate(layer_sizes)]


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


def generator(seed: object, where: str) -> np.random.Generator:
    """The random generator a ``seed`` stands for: a ``numpy.random.Generator`` as it is (its
    draws continue where they were), an integer ≥ 0 a fresh one seeded with it, ``None`` a
    fresh one seeded from the operating system.

    A ``TypeError`` for the wrong kind of object, a ``ValueError`` for a negative integer, each
    naming ``where``, as the shared checks of :mod:`autograd_lite.checks` do (which hold no NumPy
    code: the engine does not use NumPy).
    """
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    try:
        number = checks.integer(seed, where)
    except TypeError:
        raise TypeError(
            f"{where}: expected an integer, a numpy.random.Generator or None, "
            f"got {type(seed).__name__}: {checks.shown(seed)}"
        ) from None
    return np.random.default_rng(checks.count(number, where, least=0))


def _generator(seed: object, rng: object, where: str) -> np.random.Generator:
    """The generator of ``seed=``, or of ``rng=`` (its former name, a Generator or None)."""
    if rng is None:
        return generator(seed, f"{where}(seed)")
    if seed is not None:
        raise TypeError(f"{where}: give seed= or its former name rng=, not both")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{where}(rng): expected a numpy.random.Generator or None, got {type(rng).__name__}"
        )
    return rng


def _name_parameters(neurons: Sequence[Neuron], layer: str) -> None:
    """Label a layer's parameters as the notes do, from 1: W{layer}[k,j] (neuron k's weight on
    input j) and b{layer}[k]."""
    for k, neuron in enumerate(neurons, start=1):
        for j, w in enumerate(neuron.w, start=1):
            w.label = f"W{layer}[{k},{j}]"
        neuron.b.label = f"b{layer}[{k}]"
