"""How ops make their nodes: the modes ``no_grad`` and ``detect_anomaly``, and one hook for the
rest.

Every op makes its result through :func:`autograd_lite.value.make_node`. By default that is all
it does: record the op and its operands. Two modes change that, and one hook lets code outside
the core watch it at work:

* ``no_grad()``: results record no operands, so nothing flows back through them;
* ``detect_anomaly()``: a result or a backward partial that is NaN or ±inf raises;
* :func:`observing`: an :class:`Observer` is told of every node made, every leaf made and every
  number the engine hands out of the graph, until the block ends. Recording a function
  (:mod:`autograd_lite.tracer`) and computing tangents alongside the values (forward mode,
  :mod:`autograd_lite.forward`) are observers; the core knows neither by name.

Observers nest. A node is shown to the innermost observer first, then to the next one out, and
so on; while an observer handles a node, only the observers outside it are active, so the
nodes it makes (a tangent's arithmetic) are seen by the enclosing ones and not by itself: a jvp
inside a jvp, or inside a trace, works as a composition of the two.

The modes are process-wide, not per thread, like the rest of a scalar engine that is not meant
to be shared between threads. ``MODES.plain`` says that no mode and no observer is on, so the
common case costs an op one attribute read.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar


class Observer:
    """Watches the engine while :func:`observing` it. Override the methods you need."""

    def made(self, node: Any) -> None:
        """An op has made ``node`` (its ``data``, ``op`` and ``args`` are set)."""

    def leaf(self, value: Any) -> None:
        """``Value(x)`` has made the leaf ``value``."""

    def hands_out(self, what: str, frame: FrameType | None) -> None:
        """The engine is about to hand a number computed from the graph to the code running in
        ``frame`` (``step(v)`` and ``sign(v)`` read one; ``backward()`` and ``grad()`` write
        them into ``.grad`` or return them). An observer for which numbers must stay inside the
        graph raises here."""


AnyObserver = TypeVar("AnyObserver", bound=Observer)


class _Modes:
    __slots__ = ("recording", "checking", "observers", "plain")

    def __init__(self) -> None:
        self.recording = True  # ops record their operands (off inside no_grad)
        self.checking = False  # results and partials must be finite (inside detect_anomaly)
        self.observers: tuple[Observer, ...] = ()  # outermost first
        self.plain = True  # recording, and nothing else: what an op does by default

    def update(self) -> None:
        self.plain = self.recording and not self.checking and not self.observers


#: The engine's modes, read by every op.
MODES = _Modes()


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()``: whether ops record their operands (PyTorch's name)."""
    return MODES.recording


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block ops compute their values but record no operands.

    Results made here are leaves (``op == ""``, ``parents == ()``): nothing flows back through
    them. Use it for evaluation and for updating parameters in place. Nests; restores the
    previous state on exit, also when an exception leaves the block.
    """
    with _mode("recording", False):
        yield


@contextmanager
def enable_grad() -> Iterator[None]:
    """Inside this block ops record their operands, also inside an enclosing ``no_grad()``
    (PyTorch's name). Nests; restores the previous state on exit."""
    with _mode("recording", True):
        yield


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside this block an op whose result is NaN or ±inf raises ``FloatingPointError``.

    The check covers the forward pass (each op's result) and the backward pass (each partial a
    derivative rule returns); the message names the op and its inputs. Outside the block the
    engine follows IEEE float arithmetic and pays nothing for the check.
    """
    with _mode("checking", True):
        yield


@contextmanager
def _mode(name: str, value: Any) -> Iterator[None]:
    """``MODES.<name>`` set to ``value`` while the block runs, and back after it."""
    previous = getattr(MODES, name)
    setattr(MODES, name, value)
    MODES.update()
    try:
        yield
    finally:
        setattr(MODES, name, previous)
        MODES.update()


@contextmanager
def observing(observer: AnyObserver) -> Iterator[AnyObserver]:
    """Show ``observer`` every node, leaf and number out of the graph until the block ends."""
    with _mode("observers", (*MODES.observers, observer)):
        yield observer


def node_made(node: Any) -> None:
    """What the modes and observers do to a new node: called for each one unless ``plain``.

    Inside ``detect_anomaly`` a result that is not finite raises; each observer sees the node,
    innermost first, with only the observers outside it active; inside ``no_grad`` the node
    then forgets its operands.
    """
    if MODES.checking and not math.isfinite(node.data):
        inputs = ", ".join(repr(float(a)) for a in node.args)
        raise FloatingPointError(f"{node.op} produced {node.data!r} from inputs ({inputs})")
    if MODES.observers:
        _show_observers(node, MODES.observers)
    if not MODES.recording:
        node.op = ""
        node.args = ()


def _show_observers(node: Any, observers: tuple[Observer, ...]) -> None:
    """Each observer's ``made(node)``, innermost first, with only the ones outside it active."""
    try:
        for depth in range(len(observers) - 1, -1, -1):
            MODES.observers = observers[:depth]
            MODES.update()
            observers[depth].made(node)
    finally:
        MODES.observers = observers
        MODES.update()


def leaf_made(value: Any) -> None:
    """Tell the observers of a new leaf."""
    for observer in MODES.observers:
        observer.leaf(value)


def hands_out(what: str, frame: FrameType | None) -> None:
    """Tell the observers that the engine hands a number out of the graph to ``frame``'s code."""
    for observer in MODES.observers:
        observer.hands_out(what, frame)
