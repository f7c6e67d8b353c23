"""The one check every public function of nn applies to a scalar it is given."""

from __future__ import annotations

import math
import numbers

from autograd_lite import Value


def scalar(item: object, where: str) -> Value | float:
    """A Value as it is, a real number as a finite float; otherwise an error naming ``where``.

    Raises ``TypeError`` for anything that is neither (bool included: ``True`` is rarely meant
    as 1.0) and ``ValueError`` for NaN or ±inf, which would poison every gradient downstream.
    """
    if isinstance(item, Value):
        return item
    if isinstance(item, numbers.Real) and not isinstance(item, bool):
        number = float(item)
        if not math.isfinite(number):
            raise ValueError(f"{where} is {number!r}, not a finite number")
        return number
    raise TypeError(f"{where} must be a number or a Value, got {type(item).__name__}")
