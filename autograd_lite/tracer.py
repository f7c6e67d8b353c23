"""Recording the graph a function builds, and refusing what a recording could not replay.

:func:`record_graph` calls a function once on Values made from example numbers, with a
:class:`Tracer` observing the engine (:func:`autograd_lite.modes.observing`). The graph it
builds has three kinds of leaves:

* the **inputs**, the Values made from the example: a replay sets them to new numbers;
* the **parameters**, every other leaf the function reached that existed before the call (a
  model's weights): a replay reads their current ``.data``;
* **constants**: number operands, and leaves the function made while tracing (``Value(x)`` of a
  data point). They replay as they were recorded.

A recording is right only if the graph the function builds does not depend on the numbers it
saw. So while it runs, no code outside the engine may read a number out of *any* Value:
``v.data``, ``float(v)``, ``bool(v)``, comparisons, ``int``, ``round``, formatting and
``math.*`` of a Value raise :class:`TraceError`, naming the file and line and what to use
instead. That covers a parameter's number read before any op uses it (``x * w.data`` would
bake w's number into the recording, and a replay after ``w.data`` changed would be wrong).
The engine's own functions that hand out numbers computed from Values (``step``, ``sign``,
``backward``, ``grad`` without ``create_graph``) are refused too, and so are ``no_grad`` inside
the function (its results would be unrecorded numbers) and a Value computed before the call
(its graph would be replayed, where eager code would keep its old number).

The guard is installed on the Value class for the duration of the call and removed after it:
outside a trace, reading a number costs what reading a slot costs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

from autograd_lite.checks import real
from autograd_lite.modes import MODES, Observer, observing
from autograd_lite.value import Value


class TraceError(TypeError):
    """A function cannot be recorded as it is, or a recording cannot be replayed.

    A ``TypeError``, as JAX's errors for reading a traced value are: the operation is not
    defined for a value that is not known while tracing.
    """


_READ = (
    "the recording would keep the number it saw; compute with the Value's ops "
    "(v.exp(), autograd_lite.log(v), ...) or pass the number in as an input"
)
_BRANCH = (
    "a recording takes the branch it saw for every input; use an op instead "
    "(relu, abs, autograd_lite.maximum([a, b]), ...)"
)


def where(frame: FrameType | None = None) -> str:
    """``file:line`` of the innermost frame outside autograd_lite: the user's code."""
    frame = frame or sys._getframe(1)
    while frame is not None and _in_engine(frame):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _in_engine(frame: FrameType) -> bool:
    return str(frame.f_globals.get("__name__", "")).startswith("autograd_lite.")


def _refused(what: str, why: str, frame: FrameType) -> TraceError:
    return TraceError(f"{what} of a Value inside a traced function, at {where(frame)}: {why}")


class Tracer(Observer):
    """The observer of a function being recorded: what it made, and what it must not do."""

    def __init__(self, inputs: list[Value]) -> None:
        self.constants: dict[int, Value] = {}  # leaves made while tracing, by id
        self.created: list[Value] = []  # every op's result, in the order the function made them
        self.known = {id(x) for x in inputs}  # inputs, results, constants, parameters met

    def leaf(self, value: Value) -> None:
        self.constants[id(value)] = value
        self.known.add(id(value))

    def made(self, node: Value) -> None:
        if not MODES.recording:
            raise TraceError(
                f"no_grad inside a traced function, at {where()}: its results would be numbers "
                "the recording keeps; compute them outside the function or as inputs"
            )
        self.created.append(node)
        self.known.add(id(node))
        for arg in node.args:
            if isinstance(arg, Value) and id(arg) not in self.known:
                if arg.op:
                    raise TraceError(
                        f"a Value computed before trace() was called (by {arg.op!r}) is used "
                        f"at {where()}: eager code would keep its old number while a replay "
                        "recomputes it; compute it inside the function"
                    )
                self.known.add(id(arg))  # a parameter

    def hands_out(self, what: str, frame: FrameType | None) -> None:
        if frame is None:
            raise TraceError(
                f"{what} inside a traced function, at {where()}: it gives numbers the recording "
                "would keep as they are; use grad(..., create_graph=True), whose results are "
                "Values"
            )
        if not _in_engine(frame):
            raise _refused(what, _BRANCH, frame)


@dataclass(frozen=True)
class RecordedGraph:
    """What :func:`record_graph` returns: the inputs, the output, and the tracer's findings."""

    inputs: list[Value]
    output: Value
    tracer: Tracer


def record_graph(fn: Callable[..., Any], example: tuple[Any, ...]) -> RecordedGraph:
    """Call ``fn`` once on Values made from ``example``, recording what it builds."""
    if not callable(fn):
        raise TypeError(f"trace: fn must be callable, got {type(fn).__name__}")
    if any(isinstance(observer, Tracer) for observer in MODES.observers):
        raise TraceError(f"trace() inside a traced function, at {where()}")
    numbers = [real(x, f"trace: example[{i}]", "a real number") for i, x in enumerate(example)]
    inputs = [Value(x) for x in numbers]
    tracer = Tracer(inputs)
    with observing(tracer), _guarded():
        out = fn(*inputs)
    if not isinstance(out, Value):
        raise TraceError(f"trace: fn must return one Value, got {type(out).__name__}")
    return RecordedGraph(inputs, out, tracer)


# --- The guard: Value's ways out of the graph, refused to code outside the engine -------------

#: The slot that holds a Value's number, read around the guard.
_DATA: Any = Value.__dict__["data"]


def _data_guard() -> property:
    def get(self: Value) -> float:
        if _in_engine(sys._getframe(1)):
            return _DATA.__get__(self)  # type: ignore[no-any-return]
        raise _refused("reading .data", _READ, sys._getframe(1))

    def set(self: Value, value: float) -> None:
        if not _in_engine(sys._getframe(1)):
            raise _refused(
                "setting .data", "a traced function must not change Values", sys._getframe(1)
            )
        _DATA.__set__(self, value)

    return property(get, set)


def _method_guard(name: str, what: str, why: str) -> Callable[..., Any]:
    method = Value.__dict__[name]

    def guarded(self: Value, *args: Any) -> Any:
        if _in_engine(sys._getframe(1)):
            return method(self, *args)
        raise _refused(what, why, sys._getframe(1))

    guarded.__name__ = name
    return guarded


def _traced_repr(self: Value) -> str:
    return f"Value(<traced>, op={self.op!r})"


def _guards() -> dict[str, Any]:
    guards: dict[str, Any] = {"data": _data_guard(), "__repr__": _traced_repr}
    for name, what in [("__float__", "float()"), ("__int__", "int()"), ("item", ".item()")]:
        guards[name] = _method_guard(name, what, _READ)
    for name in ("__round__", "__format__"):
        guards[name] = _method_guard(
            name, "formatting or rounding", "print numbers after the replay"
        )
    for name in ("__bool__", "__lt__", "__le__", "__gt__", "__ge__"):
        guards[name] = _method_guard(name, "a comparison or truth test", _BRANCH)
    return guards


_GUARDS = _guards()
_UNGUARDED = {name: Value.__dict__[name] for name in _GUARDS}


@contextmanager
def _guarded() -> Iterator[None]:
    """Value's ways out of the graph refused to code outside the engine, while the block runs."""
    for name, guard in _GUARDS.items():
        setattr(Value, name, guard)
    try:
        yield
    finally:
        for name, original in _UNGUARDED.items():
            setattr(Value, name, original)
