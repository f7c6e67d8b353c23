"""A batch one sample at a time: what a batched replay falls back to, and what it is inside
``detect_anomaly``.

A batch runs with NumPy's floating-point errors raised (:func:`strictly`). Where one is (an
overflow, an infinity or a NaN made, a division by zero, a domain error), the batch is
replayed one sample at a time instead (:func:`one_by_one`), by the float replay, whose numbers
are eager's to the bit: the first sample eager code fails at then raises its error, naming the
sample, and otherwise every number is eager's (an infinity's sums in another order could give
another infinity, or NaN). So does an error a user's op raises itself (``math.log``'s
ValueError): the one eager code meets first is raised. Inside ``detect_anomaly`` the samples
run through eager code itself, the same loop with another replay of one sample.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: One sample replayed: (inputs, the seed g or None for no backward) → (the output, g times
#: the gradients of the inputs and of the parameters, in that order; [] without backward).
OneSample = Callable[[tuple[float, ...], float | None], tuple[float, list[float]]]


def strictly(passes: Callable[[], Any], fallback: Callable[[], Any]) -> Any:
    """``passes()`` with NumPy's floating-point errors raised; where one is, ``fallback()``."""
    try:
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            return passes()
    except (ArithmeticError, ValueError):  # NumPy's errors, DomainError, a user op's own
        return fallback()


def each_sample(numbers: Sequence[Any], size: int) -> list[tuple[float, ...]]:
    """The inputs of each sample: an array's item, a number as it is."""
    return [
        tuple(float(x[i]) if isinstance(x, np.ndarray) else x for x in numbers) for i in range(size)
    ]


def one_by_one(
    replay: OneSample, samples: Sequence[tuple[float, ...]], seed: Any, n_parameters: int
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """The batch replayed one sample at a time by ``replay``: the outputs, each input's
    gradients (an array each) and the parameters' summed over the samples in their order,
    from 0.0 as ``.grad`` sums start (only the outputs if ``seed`` is None). The first sample
    that raises raises, named."""
    outputs, inputs, sums = [], [], [0.0] * n_parameters
    for i, sample in enumerate(samples):
        g = None if seed is None else seed if isinstance(seed, float) else float(seed[i])
        try:
            output, gradients = replay(sample, g)
        except Exception as error:  # eager's own error, from the first sample that fails
            raise at_sample(error, i) from None
        outputs.append(output)
        if g is not None:
            n_inputs = len(gradients) - n_parameters
            inputs.append(gradients[:n_inputs])
            sums = [s + d for s, d in zip(sums, gradients[n_inputs:])]
    columns = [np.array(c, dtype=float) for c in zip(*inputs)] if inputs and inputs[0] else []
    return np.array(outputs, dtype=float), columns, np.array(sums, dtype=float)


def at_sample(error: Exception, i: int) -> Exception:
    """``error`` saying it happened at sample ``i``: the same type with the message extended,
    or, for a type that takes other arguments, the error itself with a note."""
    try:
        named = type(error)(f"{error} (at sample {i})")
    except Exception:
        error.add_note(f"(at sample {i})")
        return error
    return named
