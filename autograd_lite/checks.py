"""Argument checks at the public boundary, written once for the three packages.

Each check takes the argument and ``where`` (what to call it in a message, such as
``"SGD(lr)"``), and returns the argument as the type the code inside uses, or raises a
``TypeError`` (wrong kind of object) or a ``ValueError`` (right kind, wrong value) that names
``where`` and shows the culprit, clipped. A bool is never accepted as a number: ``True`` as a
learning rate is a mistake, not 1.0.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Iterable
from typing import TypeVar

#: How much of an argument a message shows: a 100,000-digit number stays readable.
SHOWN = 80

_Name = TypeVar("_Name", bound=str)


def shown(x: object, limit: int = SHOWN) -> str:
    """``repr(x)``, clipped to about ``limit`` characters with the length said."""
    if type(x) is int and x.bit_length() > 3 * limit:  # a subclass may print itself
        # repr of a huge int is slow, and refused past 4,300 digits.
        return f"an integer of about {int(x.bit_length() * math.log10(2))} digits"
    try:
        text = repr(x)
    except ValueError:  # an int subclass, or a list, holding an int of over 4,300 digits
        return f"a {type(x).__name__} that cannot be printed"
    if len(text) <= limit:
        return text
    return f"{text[: limit - 20]}... ({len(text)} characters)"


def clip(text: str, width: int = 60) -> str:
    """``text`` on one line (each run of whitespace one space), cut to at most ``width``
    characters with an ellipsis: what a message echoes of the user's input, kept short."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def real(x: object, where: str, what: str = "a real number") -> float:
    """``x`` as a float if it is a real number (int, float, NumPy scalar; not bool)."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        try:
            return float(x)
        except OverflowError:
            raise ValueError(
                f"{where}: expected a number within the float range (±1.8e308), got {shown(x)}"
            ) from None
    raise TypeError(f"{where}: expected {what}, got {type(x).__name__}: {shown(x)}")


def finite(x: object, where: str, what: str = "a real number") -> float:
    """A real number that is neither NaN nor ±inf."""
    number = real(x, where, what)
    if not math.isfinite(number):
        raise ValueError(f"{where}: expected a finite number, got {number!r}")
    return number


def positive(x: object, where: str) -> float:
    """A finite real number > 0."""
    number = finite(x, where)
    if not number > 0.0:
        raise ValueError(f"{where}: expected a number > 0, got {number!r}")
    return number


def non_negative(x: object, where: str) -> float:
    """A finite real number ≥ 0."""
    number = finite(x, where)
    if not number >= 0.0:
        raise ValueError(f"{where}: expected a number ≥ 0, got {number!r}")
    return number


def fraction(x: object, where: str) -> float:
    """A real number in [0, 1)."""
    number = finite(x, where)
    if not 0.0 <= number < 1.0:
        raise ValueError(f"{where}: expected a number in [0, 1), got {number!r}")
    return number


def integer(x: object, where: str) -> int:
    """``x`` as an int if it is an integer (int, NumPy integer; not bool)."""
    if isinstance(x, numbers.Integral) and not isinstance(x, bool):
        return int(x)
    raise TypeError(f"{where}: expected an integer, got {type(x).__name__}: {shown(x)}")


def count(x: object, where: str, *, least: int = 1) -> int:
    """An integer ≥ ``least`` (1 unless said)."""
    number = integer(x, where)
    if number < least:
        raise ValueError(f"{where}: expected an integer ≥ {least}, got {shown(number)}")
    return number


def size(x: object, where: str) -> int:
    """A length or a width: an integer in [1, ``sys.maxsize``] (no list can be longer)."""
    number = count(x, where)
    if number > sys.maxsize:
        raise ValueError(f"{where}: expected a size of at most {sys.maxsize}, got {shown(number)}")
    return number


def seed(x: object, where: str) -> int | None:
    """A seed for ``random.Random``: None, or any integer."""
    return None if x is None else integer(x, where)


def flag(x: object, where: str) -> bool:
    """True or False, nothing that merely has a truth value."""
    if not isinstance(x, bool):
        raise TypeError(f"{where}: expected True or False, got {type(x).__name__}: {shown(x)}")
    return x


def choice(x: object, options: Iterable[_Name], where: str) -> _Name:
    """The one of the strings ``options`` that ``x`` equals (a list is never a name)."""
    allowed = list(options)
    if isinstance(x, str):
        for option in allowed:
            if x == option:
                return option
    listed = ", ".join(repr(option) for option in allowed)
    raise ValueError(f"{where}: expected one of {listed}, got {shown(x)}")
