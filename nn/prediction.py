"""Batch prediction: a network's outputs for many inputs at once, by the batched replay.

``predict(model, X, n_in, n_out)`` returns the matrix of f(xᵦ)ₖ for the rows xᵦ of ``X``: the
numbers of the loop ``[[o.data for o in model(x)] for x in X]`` to about 1e-12 (relative to the
size of a row's numbers: the replay runs a layer's sums as one matrix product, in another
order), without building a graph per row. A 1-D ``x`` is one row, as ``model(x)`` reads it, and
its outputs come from the replay on floats, eager's to the bit.

How. A recording (:func:`autograd_lite.trace`) has one output, and a network has k, so the
network is recorded once as the function of x and of k more inputs s

    g(x, s) = Σₖ sₖ fₖ(x),        ∂g/∂sₖ = fₖ(x)  (exactly: 1 · fₖ(x)),

and every call replays it with s = 0 on the batch, each column of ``X`` one input array
(:meth:`~autograd_lite.tape.Tape.grad`): the gradient with respect to s is the k outputs of
every row, from one replay. (A recording per output would trace the network k times and run
it k times a call: 10 recordings of a 64-32-10 softmax network took 5 s to make.)

The recording is kept for the next call, with the model's parameters as they were when it
was made (by weak reference, so it keeps nothing alive). It reads their current ``.data`` at
every call, so training in place needs no new recording; a model whose parameters are no
longer those Values, in that order (one replaced by a new Value, a layer added or removed),
is recorded again, so a kept recording never computes with parameters the model has left.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_lite import Value, affine, enable_grad, trace

#: A model: called on a list of n_in Values, it returns a list of n_out Values.
Model = Callable[[list[Any]], Sequence[Value]]


@dataclass(frozen=True)
class _Kept:
    """A recording of g(x, s), and the parameters it was made with, in the model's order."""

    tape: Any
    parameters: tuple[weakref.ref[Value], ...]

    def current(self, parameters: list[Value]) -> bool:
        """Whether the model's parameters are still the Values the recording reads."""
        return len(parameters) == len(self.parameters) and all(
            kept() is p for kept, p in zip(self.parameters, parameters)
        )


#: One recording per model, dropped with the model.
_KEPT: weakref.WeakKeyDictionary[Any, _Kept] = weakref.WeakKeyDictionary()


def predict(model: Any, X: Any, n_in: int, n_out: int) -> np.ndarray:
    """The outputs of ``model`` for each row of ``X`` (a 2-D array of shape (B, ``n_in``): an
    array of shape (B, ``n_out``)), or for one input (a 1-D ``X`` of ``n_in`` numbers: an
    array of ``n_out``). ``model`` is a :class:`~nn.module.Module` called on a list of
    ``n_in`` Values.

    Raises:
        TypeError: ``X`` is not an array (or nested lists) of real numbers.
        ValueError: ``X`` has the wrong shape, or a number that is NaN or ±inf (naming its
            row and column); an op outside its domain at some row is eager code's own error
            (a ``DomainError``), naming that row as the sample.
    """
    rows = _rows(X, n_in)
    tape = _recording(model, n_in, n_out)
    if rows.ndim == 1:
        _, gradients = tape.grad(*rows.tolist(), *[0.0] * n_out)
        return np.array(gradients[n_in:], dtype=float)
    if len(rows) == 0:
        return np.empty((0, n_out))
    selectors = [np.zeros(len(rows)) for _ in range(n_out)]
    _, gradients = tape.grad(*rows.T, *selectors)
    return np.column_stack(gradients[n_in:]).astype(float, copy=False)


def _recording(model: Any, n_in: int, n_out: int) -> Any:
    """The kept recording of g(x, s) for ``model``, or a new one if its parameters changed."""
    parameters = model.parameters()
    kept = _KEPT.get(model)
    if kept is not None and kept.current(parameters):
        return kept.tape

    def predict(*inputs: Value) -> Value:
        return affine(list(inputs[n_in:]), model(list(inputs[:n_in])))

    with enable_grad():  # the recording is predict's own: made inside no_grad too
        tape = trace(predict, *[0.0] * (n_in + n_out))
    _KEPT[model] = _Kept(tape, tuple(weakref.ref(p) for p in parameters))
    return tape


def _rows(X: Any, n_in: int) -> np.ndarray:
    """``X`` as a float array of shape (B, n_in), Fortran order (its columns are the replay's
    inputs), or (n_in,) for one input; a TypeError or ValueError naming what is wrong."""
    if isinstance(X, Value):
        raise TypeError("predict: expected an array of numbers, got a Value; call the model")
    try:
        array = np.asarray(X)
    except ValueError:  # nested lists of different lengths
        raise ValueError(
            f"predict: expected a 2-D array of rows of {n_in} numbers; the rows of X differ "
            "in length"
        ) from None
    if array.dtype.kind not in "fiu":
        what = "Values: call the model on them" if _holds_values(array) else f"dtype {array.dtype}"
        raise TypeError(f"predict: expected an array of real numbers, got {what}")
    if array.ndim not in (1, 2) or array.shape[-1] != n_in:
        raise ValueError(
            f"predict: expected a 2-D array of shape (B, {n_in}) or one input of {n_in} "
            f"numbers, got shape {array.shape}"
        )
    rows = np.asarray(array, dtype=float, order="F")
    bad = np.argwhere(~np.isfinite(rows))
    if len(bad):
        where = f"X[{', '.join(map(str, bad[0]))}]"
        raise ValueError(f"predict: {where} is {rows[tuple(bad[0])]}, not a finite number")
    return rows


def _holds_values(array: np.ndarray) -> bool:
    return array.dtype.kind == "O" and any(isinstance(x, Value) for x in array.flat)
