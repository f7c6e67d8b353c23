"""The two argument checks of nn that the shared module :mod:`autograd_lite.checks` cannot hold.

Every other check nn makes (a real number, a size, a class index, an activation's name, a
penalty weight λ) is one of :mod:`autograd_lite.checks`, with its messages. These two stay
here because of what they accept:

* :func:`scalar` takes a :class:`~autograd_lite.Value`, and ``autograd_lite.checks`` cannot
  import ``Value``: ``autograd_lite.value`` imports the checks;
* :func:`generator` takes a ``numpy.random.Generator``, and the engine does not use NumPy.

Both follow the shared style: the message starts with ``where``, a ``TypeError`` for the wrong
kind of object, a ``ValueError`` for the right kind with a wrong value.
"""

from __future__ import annotations

import numpy as np

from autograd_lite import Value, checks


def scalar(x: object, where: str) -> Value | float:
    """A Value as it is, a real number as a finite float (NaN and ±inf would poison every
    gradient downstream); otherwise a ``TypeError`` or ``ValueError`` naming ``where``."""
    if isinstance(x, Value):
        return x
    return checks.finite(x, where, "a real number or a Value")


def generator(seed: object, where: str) -> np.random.Generator:
    """The random generator a ``seed`` stands for: a ``numpy.random.Generator`` as it is (its
    draws continue where they were), an integer ≥ 0 a fresh one seeded with it, ``None`` a
    fresh one seeded from the operating system."""
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
