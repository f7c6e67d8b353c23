"""Process-wide switches that change how ops record: ``no_grad``, ``detect_anomaly``, tracing.

The switches are plain attributes of one small object, read by every op. ``plain`` says that
none is set, so the common case costs an op one attribute lookup. They are process-wide, not
per thread (like the rest of a scalar engine that is not meant to be shared between threads).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class _Switches:
    __slots__ = ("recording", "checking", "tracing", "forward", "plain")

    def __init__(self) -> None:
        self.recording = True  # ops record their operands (off inside no_grad)
        self.checking = False  # ops check their results are finite (on inside detect_anomaly)
        self.tracing: Any = None  # the recording of autograd_lite.trace under way, if any
        self.forward: Any = None  # the jvp under way (autograd_lite.forward), if any
        self.plain = True  # recording and nothing else: what an op does by default

    def set(self, name: str, value: Any) -> Any:
        """Set one switch, keep ``plain`` in step, and return the switch's previous value."""
        previous = getattr(self, name)
        setattr(self, name, value)
        self.plain = (
            self.recording and not self.checking and self.tracing is None and self.forward is None
        )
        return previous


SWITCHES = _Switches()


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()``: whether ops record their operands (PyTorch's name)."""
    return SWITCHES.recording


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block ops compute their values but record no operands.

    Results made here are leaves (``op == ""``, ``parents == ()``): nothing flows back through
    them. Use it for evaluation and for updating parameters in place. Nests; restores the
    previous state on exit, also when an exception leaves the block.
    """
    previous = SWITCHES.set("recording", False)
    try:
        yield
    finally:
        SWITCHES.set("recording", previous)


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside this block an op whose result is NaN or ±inf raises ``FloatingPointError``.

    The check covers the forward pass (each op's result) and the backward pass (each partial a
    derivative rule returns); the message names the op and its inputs. Outside the block the
    engine follows IEEE float arithmetic and pays nothing for the check.
    """
    previous = SWITCHES.set("checking", True)
    try:
        yield
    finally:
        SWITCHES.set("checking", previous)
