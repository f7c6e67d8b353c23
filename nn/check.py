"""Checking your own matrix-form backprop against the engine's gradients.

The course notes derive backpropagation for an MLP in matrix form: δ⁽ᴰ⁾ = f(x) − Ỹ, then
δ⁽ʰ⁻¹⁾ = σ′(a⁽ʰ⁻¹⁾) ∘ (W⁽ʰ⁾)ᵀ δ⁽ʰ⁾, and ∂ℓ/∂W⁽ʰ⁾ = δ⁽ʰ⁾ z⁽ʰ⁻¹⁾ᵀ, ∂ℓ/∂b⁽ʰ⁾ = δ⁽ʰ⁾ (see
:mod:`nn.reference`, which evaluates exactly these). :func:`check_backprop` runs *your*
implementation of them, ``backprop(weights, biases, x, y) -> (dW, db)`` in NumPy, on an
:class:`nn.MLP`'s weights, and compares every entry with the gradient the engine computes from
the MLP's graph (:func:`nn.reference.graph_backprop`: the forward pass, ``nn``'s losses and
:func:`autograd_lite.grad`). Two entries agree when \\|engine − yours\\| ≤ atol + rtol·\\|engine\\|.

The layout is :func:`nn.reference.matrices`': ``weights[h]`` is W⁽ʰ⁺¹⁾, of shape
n_{h+1} × n_h (row k holds neuron k's weights) and ``biases[h]`` is b⁽ʰ⁺¹⁾, of n_{h+1} numbers;
your ``dW`` and ``db`` are lists shaped the same (a bias gradient may also be a column,
n × 1). The objective is the one :mod:`nn.reference` documents: the mean loss over the examples
of ``x`` plus λ/2 Σₕ ‖W⁽ʰ⁾‖² (biases not regularised). The report names layers as the notes do,
from 1 (``db⁽¹⁾[2]``), and entries by their NumPy index in that layer's array.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt

from autograd_lite.checks import non_negative, shown
from nn.layers import MLP
from nn.reference import Backprop, LossName, graph_backprop, matrices

__all__ = ["BackpropReport", "Entry", "check_backprop"]

FloatArray: TypeAlias = npt.NDArray[np.float64]

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _layer(h: int) -> str:
    """The notes' layer superscript: ⁽¹⁾, ⁽²⁾, …, ⁽¹²⁾."""
    return f"⁽{str(h).translate(_SUPERSCRIPTS)}⁾"


class Entry(NamedTuple):
    """An entry of a gradient that disagrees: its name (``db⁽¹⁾[2]``), the layer h (from 1),
    the parameter (``"W"`` or ``"b"``), its place (the NumPy index in that layer's array), the
    engine's value and yours."""

    name: str
    layer: int
    parameter: str
    place: tuple[int, ...]
    engine: float
    yours: float


class BackpropReport:
    """What :func:`check_backprop` found: truthy when every entry agrees.

    Attributes:
        engine: the engine's loss and gradients (:class:`nn.reference.Backprop`).
        dW, db: your gradients, as float arrays shaped like the weights and biases.
        mismatches: the entries that disagree, as :class:`Entry`, layer by layer from the
            first, dW⁽ʰ⁾ before db⁽ʰ⁾, in NumPy's order within each.
        zero_biases: whether every bias of the MLP is 0 (then a bias left out of your forward
            pass goes unseen, and the text says so).
        rtol, atol: the tolerances used.
    """

    def __init__(
        self,
        engine: Backprop,
        yours: tuple[list[FloatArray], list[FloatArray]],
        tolerances: tuple[float, float],
        biases: list[FloatArray],
    ) -> None:
        self.engine = engine
        self.zero_biases = all(not np.any(b) for b in biases)
        self.dW, self.db = yours
        self.rtol, self.atol = tolerances
        self.mismatches: list[Entry] = []
        for h, (gw, yw, gb, yb) in enumerate(zip(engine.dW, self.dW, engine.db, self.db), 1):
            self.mismatches += _differing(h, "W", gw, yw, tolerances)
            self.mismatches += _differing(h, "b", gb, yb, tolerances)

    def __bool__(self) -> bool:
        return not self.mismatches

    def __repr__(self) -> str:
        return f"<BackpropReport: {self.summary()}>"

    def __str__(self) -> str:
        tolerance = f"{self.atol:g} + {self.rtol:g}·|engine|"
        lines = [
            f"Your backprop against the engine's gradients (agreeing within {tolerance}):",
            f"{'gradient':<10}  {'shape':<9}  {'largest |engine − yours|':>24}",
        ]
        pairs = zip(self.engine.dW, self.dW, self.engine.db, self.db)
        for h, (gw, yw, gb, yb) in enumerate(pairs, 1):
            for parameter, engine, yours in (("W", gw, yw), ("b", gb, yb)):
                bad = any(m.layer == h and m.parameter == parameter for m in self.mismatches)
                shape = " × ".join(str(n) for n in engine.shape)
                largest = float(np.max(np.abs(engine - yours))) if engine.size else 0.0
                name = f"d{parameter}{_layer(h)}"
                mark = "✘" if bad else "✔"
                lines.append(f"{name:<10}  {shape:<9}  {largest:>24.3g}  {mark}")
        if self.zero_biases:
            lines.append(
                "Every bias of the MLP is 0, so a b⁽ʰ⁾ left out of your forward pass changes "
                "nothing here: give the biases other values to check that too."
            )
        return "\n".join([*lines, "", self.summary()])

    def summary(self) -> str:
        """One sentence: all agree, or how many entries disagree and the first in words."""
        total = sum(g.size for g in (*self.engine.dW, *self.engine.db))
        if not self.mismatches:
            return f"✔ all {total} gradient entries agree with the engine's."
        first = self.mismatches[0]
        index = ", ".join(str(i) for i in first.place)
        return (
            f"✘ {len(self.mismatches)} of {total} entries disagree. The first: {first.name} "
            f"(d{first.parameter}[{first.layer - 1}][{index}] in your lists): the engine gives "
            f"{_number(first.engine)}, yours {_number(first.yours)}."
        )


def _number(x: float) -> str:
    """Six significant digits and a true minus sign, as the report writes numbers."""
    text = f"{x:.6g}"
    return "−" + text[1:] if text.startswith("-") else text


def _differing(
    layer: int,
    parameter: str,
    engine: FloatArray,
    yours: FloatArray,
    tolerances: tuple[float, float],
) -> list[Entry]:
    rtol, atol = tolerances
    # A NaN of yours compares False, so it disagrees.
    agree = np.abs(engine - yours) <= atol + rtol * np.abs(engine)
    entries = []
    for index in zip(*np.nonzero(~agree)):
        place = tuple(int(i) for i in index)
        name = f"d{parameter}{_layer(layer)}[{', '.join(map(str, place))}]"
        entries.append(
            Entry(name, layer, parameter, place, float(engine[place]), float(yours[place]))
        )
    return entries


def check_backprop(
    mlp: MLP,
    x: object,
    y: object,
    backprop: Callable[..., Any],
    *,
    loss: LossName = "cross_entropy",
    lam: float = 0.0,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> BackpropReport:
    """Run your ``backprop(weights, biases, x, y)`` on ``mlp``'s weights; compare with the engine.

    Args:
        mlp: the network, an :class:`nn.MLP` (its numbers are read, never changed).
        x: one example, a vector of ``mlp.n_in`` numbers, or n examples, an n × n_in array
            (as :func:`nn.reference.backprop` takes them).
        y: a class index (or n of them) for cross-entropy, a target vector (or an n × K array)
            for squared error.
        backprop: your implementation, called as ``backprop(weights, biases, x, y)`` with
            copies of the MLP's W⁽ʰ⁾ and b⁽ʰ⁾ (lists of NumPy arrays, module docstring), ``x``
            as a float array and ``y`` as given (a list as an array). It returns ``(dW, db)``,
            two lists of arrays shaped like ``weights`` and ``biases``, or an object with
            ``dW`` and ``db`` attributes (such as :class:`nn.reference.Backprop`).
        loss: the objective's loss, ``"cross_entropy"`` or ``"squared_error"``.
        lam: λ ≥ 0 of the penalty λ/2 Σₕ ‖W⁽ʰ⁾‖² (biases not regularised).
        rtol: the relative tolerance: entries agree where
            \\|engine − yours\\| ≤ atol + rtol·\\|engine\\|.
        atol: the absolute tolerance.

    Returns:
        A :class:`BackpropReport`: truthy when every entry agrees; ``print`` it for a table
        per layer and the first disagreement in words (``db⁽¹⁾[2] …``).

    Raises:
        TypeError, ValueError: a bad argument (named, as :func:`nn.reference.backprop` names
            them), a ``backprop`` that is not callable, that raises (chained), or whose result
            is not two lists of arrays of the right shapes (the first wrong one named).
    """
    if not callable(backprop):
        raise TypeError(
            f"check_backprop(backprop): expected your function backprop(weights, biases, x, y), "
            f"got {type(backprop).__name__}"
        )
    tolerances = (non_negative(rtol, "check_backprop(rtol)"), non_negative(atol, "atol"))
    engine = graph_backprop(mlp, x, y, loss=loss, lam=lam)  # checks mlp, x, y, loss and lam
    weights, biases = matrices(mlp)
    copies = [W.copy() for W in weights], [b.copy() for b in biases]
    given_y = y if isinstance(y, numbers.Number) else np.asarray(y)
    try:
        result = backprop(*copies, np.array(x, dtype=np.float64), given_y)
    except Exception as error:
        raise ValueError(
            f"check_backprop: your backprop raised {type(error).__name__}: {error}"
        ) from error
    yours = _gradients(result, engine)
    return BackpropReport(engine, yours, tolerances, biases)


def _gradients(result: object, engine: Backprop) -> tuple[list[FloatArray], list[FloatArray]]:
    """Your (dW, db) as float arrays shaped like the engine's, or an error naming what is not."""
    if hasattr(result, "dW") and hasattr(result, "db"):
        pair: Any = (result.dW, result.db)
    elif isinstance(result, Sequence) and not isinstance(result, str) and len(result) == 2:
        pair = result
    else:
        raise TypeError(
            "check_backprop: your backprop must return (dW, db), two lists of arrays, "
            f"got {shown(result)}"
        )
    return (
        _layers(pair[0], engine.dW, "W"),
        _layers(pair[1], engine.db, "b"),
    )


def _layers(given: object, expected: list[FloatArray], parameter: str) -> list[FloatArray]:
    name = f"d{parameter}"
    if isinstance(given, np.ndarray) or not isinstance(given, Sequence):
        raise TypeError(
            f"check_backprop: your {name} must be a list of {len(expected)} arrays, one per "
            f"layer, got {type(given).__name__}"
        )
    if len(given) != len(expected):
        raise ValueError(
            f"check_backprop: your {name} has {len(given)} arrays; the MLP has "
            f"{len(expected)} layers"
        )
    arrays = []
    for h, (item, shape) in enumerate(zip(given, (e.shape for e in expected))):
        where = f"your {name}[{h}] ({name}{_layer(h + 1)})"
        try:
            array = np.array(item, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"check_backprop: {where} is not an array of numbers") from None
        if parameter == "b" and array.shape == (*shape, 1):
            array = array[:, 0]  # a column vector, as the notes write b⁽ʰ⁾
        if array.shape != shape:
            raise ValueError(
                f"check_backprop: {where} has shape {array.shape}; expected {shape}, the shape "
                f"of {parameter}{_layer(h + 1)}"
            )
        arrays.append(array)
    return arrays
