"""The argument checks of nn, each written once: every public function of nn calls these.

Each check takes the value and ``where``, the name of the argument as the user would write it
(``"MLP(layer_sizes[1])"``, ``"l2_penalty(lam)"``, ``"architecture.n_in"``), and either returns
the value in the form the caller needs or raises an error whose message starts with ``where``:

* ``TypeError`` when the value has the wrong type. ``bool`` is never a number here: ``True`` is
  rarely meant as 1 (and ``MLP(2, [True])`` is a typo, not a layer of one).
* ``ValueError`` when the type is right but the value is not: NaN, ±inf, a number too large for
  a float (``10**400``), a size below 1, a name outside the allowed ones.

Messages show the offending value through :func:`shown`, clipped, so a 100 000-digit integer
or a huge list cannot flood the terminal (nor fail to print: Python refuses ``str`` of an int
of more than 4300 digits).
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from autograd_lite import Value

_SHOWN_CHARS = 60  # the longest echo of a user's value in a message
_Name = TypeVar("_Name", bound=str)


def shown(value: object) -> str:
    """``repr(value)`` clipped to about 60 characters; an integer too long to print whole is
    described by its number of digits."""
    if type(value) is int:  # not a subclass: those may print themselves
        digits = int(int(value).bit_length() * math.log10(2)) + 1
        if digits > _SHOWN_CHARS:
            return f"an integer of about {digits} digits"
    try:
        text = repr(value)
    except ValueError:  # e.g. an int subclass or a container holding a huge int
        return f"a {type(value).__name__} that cannot be printed"
    if len(text) > _SHOWN_CHARS:
        return f"{text[: _SHOWN_CHARS - 5]}...{text[-2:]} ({len(text)} characters)"
    return text


def real(x: object, where: str) -> float:
    """``x`` as a finite float: ``TypeError`` unless ``x`` is a real number (not a bool),
    ``ValueError`` for NaN, ±inf and numbers beyond the float range (``10**400``)."""
    if type(x) is not float and (isinstance(x, bool) or not isinstance(x, numbers.Real)):
        raise TypeError(f"{where} must be a real number, got {type(x).__name__}: {shown(x)}")
    return _finite(x, where)


def scalar(x: object, where: str) -> Value | float:
    """A Value as it is, a real number as a finite float (see :func:`real`); otherwise a
    ``TypeError`` naming ``where``. NaN and ±inf would poison every gradient downstream."""
    if isinstance(x, Value):
        return x
    if type(x) is not float and (isinstance(x, bool) or not isinstance(x, numbers.Real)):
        raise TypeError(f"{where} must be a number or a Value, got {type(x).__name__}")
    return _finite(x, where)


def non_negative(x: object, where: str) -> float:
    """``x`` as a finite float ≥ 0 (a penalty weight λ), else ``TypeError``/``ValueError``."""
    number = real(x, where)
    if number < 0.0:
        raise ValueError(f"{where} must be ≥ 0, got {shown(x)}")
    return number


def integer(n: object, where: str) -> int:
    """``n`` as an int if it is an integer (NumPy's included, bool excepted), else ``TypeError``."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{where}: expected an int, got {type(n).__name__}: {shown(n)}")
    return int(n)


def positive_int(n: object, where: str) -> int:
    """A size: an int in [1, sys.maxsize] (no list or array can be longer than sys.maxsize).

    ``TypeError`` for a non-integer (2.0 and True included), ``ValueError`` outside the range.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{where}: expected a positive int, got {type(n).__name__}: {shown(n)}")
    size = int(n)
    if size < 1:
        raise ValueError(f"{where}: expected a positive int, got {shown(n)}")
    if size > sys.maxsize:
        raise ValueError(f"{where}: expected a size of at most {sys.maxsize}, got {shown(n)}")
    return size


def choice(name: object, allowed: Sequence[_Name], where: str) -> _Name:
    """``name`` if it is one of ``allowed`` (compared as strings; a list is never a name)."""
    if isinstance(name, str):
        for option in allowed:
            if name == option:
                return option
    raise ValueError(f"{where}: expected one of {', '.join(allowed)}; got {shown(name)}")


def generator(seed: object, where: str) -> np.random.Generator:
    """The random generator a ``seed`` stands for: a ``numpy.random.Generator`` as it is (its
    draws continue where they were), an int ≥ 0 a fresh one seeded with it, ``None`` a fresh
    one seeded from the operating system."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{where}: expected an int, a numpy.random.Generator or None, "
            f"got {type(seed).__name__}: {shown(seed)}"
        )
    if seed < 0:
        raise ValueError(f"{where}: expected a non-negative int, got {shown(seed)}")
    return np.random.default_rng(int(seed))


def _finite(x: numbers.Real | float, where: str) -> float:
    try:
        number = float(x)
    except OverflowError:  # an int or Fraction beyond ±1.8e308
        raise ValueError(f"{where} is {shown(x)}, too large for a float") from None
    if not math.isfinite(number):
        raise ValueError(f"{where} is {number!r}, not a finite number")
    return number
