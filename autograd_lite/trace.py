"""Recording a function's graph once, to replay it on new numbers: :func:`trace`.

``trace(fn, *example)`` calls ``fn`` once on Values made from the example numbers and keeps the
graph it built as a :class:`~autograd_lite.tape.Tape`. Its leaves are

* the **inputs**, the Values made from ``example``: a replay sets them to new numbers;
* the **parameters**, every other leaf ``fn`` reached that existed before the call (a model's
  weights): a replay reads their current ``.data`` and ``Tape.backward`` adds to their ``.grad``;
* **constants**: number operands, and leaves ``fn`` made while tracing (``Value(x)`` of a data
  point). They replay as they were recorded.

A recording is right only if the graph ``fn`` builds does not depend on the numbers it saw.
While tracing, the Values ``fn`` computes with (the inputs, every result, every parameter once
used) refuse to give their number to code outside the engine: ``v.data``, ``float(v)``,
``bool(v)``, comparisons, ``int``, ``round``, formatting and ``math.*`` of a Value raise
:class:`TraceError`, naming the file and line and what to use instead. So do the engine's
functions that hand out numbers computed from Values (``step``, ``sign``, ``backward``, ``grad``
without ``create_graph``, ``gradcheck``), ``no_grad`` inside ``fn`` (its results would be
unrecorded numbers) and a Value computed before the call (its graph would be replayed, where
eager code would keep its old number).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from autograd_lite.checks import real
from autograd_lite.modes import SWITCHES
from autograd_lite.value import Value


class TraceError(TypeError):
    """A function cannot be recorded as it is, or a recording cannot be replayed.

    A ``TypeError``, as JAX's errors for reading a traced value are: the operation is not
    defined for a value that is not known while tracing.
    """


#: The slot that holds a Value's number, read around the checks below.
_DATA: Any = Value.__dict__["data"]

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


def _refused(what: str, why: str, frame: FrameType | None = None) -> TraceError:
    return TraceError(f"{what} of a traced Value at {where(frame or sys._getframe(2))}: {why}")


def refuse_numbers(what: str) -> None:
    """Refuse, while tracing, an engine function that hands out numbers computed from the graph
    (``backward``, ``grad`` without ``create_graph``, ``gradcheck``): a recording keeps them."""
    if SWITCHES.tracing is not None:
        raise TraceError(
            f"{what} inside a traced function, at {where()}: it gives numbers the recording "
            "would keep as they are; use grad(..., create_graph=True), whose results are Values"
        )


def _allowed(frame: FrameType) -> bool:
    """Reading a traced number is fine outside a trace, and for the engine's own code."""
    return SWITCHES.tracing is None or _in_engine(frame)


class _Tracer(Value):
    """A Value inside a trace: the same slots, with the ways out of the graph guarded."""

    __slots__ = ()

    @property
    def data(self) -> float:
        if _allowed(sys._getframe(1)):
            return _DATA.__get__(self)  # type: ignore[no-any-return]
        raise _refused("reading .data", _READ)

    @data.setter
    def data(self, value: float) -> None:
        if not _allowed(sys._getframe(1)):
            raise _refused("setting .data", "a traced function must not change its Values")
        _DATA.__set__(self, value)

    def __repr__(self) -> str:
        if SWITCHES.tracing is None:
            return super().__repr__()
        return f"Value(<traced>, op={self.op!r})"


def _guard(name: str, what: str, why: str) -> None:
    """Give :class:`_Tracer` a version of ``Value.<name>`` that refuses outside the engine."""
    method = getattr(Value, name)

    def guarded(self: Value, *args: Any) -> Any:
        if _allowed(sys._getframe(1)):
            return method(self, *args)
        raise _refused(what, why)

    guarded.__name__ = name
    setattr(_Tracer, name, guarded)


for _name, _what in [("__float__", "float()"), ("__int__", "int()"), ("item", ".item()")]:
    _guard(_name, _what, _READ)
for _name in ("__round__", "__format__"):
    _guard(_name, "formatting or rounding", "print numbers after the replay, from its results")
for _name in ("__bool__", "__lt__", "__le__", "__gt__", "__ge__"):
    _guard(_name, "a comparison or truth test", _BRANCH)


class Recording:
    """What :mod:`autograd_lite.value` tells a trace under way (``SWITCHES.tracing``)."""

    def __init__(self) -> None:
        self.constants: dict[int, Value] = {}
        self.adopted: list[Value] = []
        self.created: list[Value] = []  # every op's result, in the order the function made them

    def constant(self, leaf: Value) -> None:
        """A leaf made while tracing: a constant of the recording."""
        self.constants[id(leaf)] = leaf

    def made(self, node: Value) -> None:
        """A new result: it becomes a tracer, and so do the parameters it is the first to use."""
        if not SWITCHES.recording:
            raise TraceError(
                f"no_grad inside a traced function, at {where()}: its results would be numbers "
                "the recording keeps; compute them outside the function or as inputs"
            )
        _become(node, _Tracer)
        self.created.append(node)
        for arg in node.args:
            if type(arg) is Value and id(arg) not in self.constants:  # a parameter
                if arg.op:
                    raise TraceError(
                        f"a Value computed before trace() was called (by {arg.op!r}) is used "
                        f"at {where()}: eager code would keep its old number while a replay "
                        "recomputes it; compute it inside the function"
                    )
                _become(arg, _Tracer)
                self.adopted.append(arg)

    def read_by(self, frame: FrameType, what: str) -> None:
        """A traced number read by the engine on behalf of the code in ``frame``: refused if
        that code is outside the engine (``step(x)`` in a traced function returns a number)."""
        if not _in_engine(frame):
            raise _refused(what, _BRANCH, frame)

    def release(self) -> None:
        """Every Value back to a plain one: the adopted parameters and every result."""
        for value in self.adopted:
            _become(value, Value)
        for node in self.created:
            _become(node, Value)


def _become(value: Value, cls: type[Value]) -> None:
    """Change a Value's class in place: both classes have the same slots."""
    value.__class__ = cls


def record(
    fn: Callable[..., Any], example: tuple[Any, ...]
) -> tuple[list[Value], Value, Recording]:
    """Call ``fn`` once on tracers; return its inputs, its output and what it made."""
    if not callable(fn):
        raise TypeError(f"trace: fn must be callable, got {type(fn).__name__}")
    if SWITCHES.tracing is not None:
        raise TraceError(f"trace() inside a traced function, at {where()}")
    numbers = [real(x, f"trace: example[{i}]", "a real number") for i, x in enumerate(example)]
    inputs = [Value(x) for x in numbers]
    for x in inputs:
        _become(x, _Tracer)
    recording = Recording()
    previous = SWITCHES.set("tracing", recording)
    out: object = None
    try:
        out = fn(*inputs)
    finally:
        SWITCHES.set("tracing", previous)
        recording.release()
        for x in inputs:
            _become(x, Value)
    if not isinstance(out, Value):
        raise TraceError(f"trace: fn must return one Value, got {type(out).__name__}")
    return inputs, out, recording


def trace(fn: Callable[..., Any], *example: Any) -> Any:
    """Record ``fn``'s graph at ``example``; replay it with the returned :class:`Tape`.

    ``f = trace(fn, *example)``, then ``f(*xs)`` is the output at new inputs,
    ``f.backward(*xs, grad=1.0)`` also adds ∂out/∂p · grad to each parameter's ``.grad``
    (bit for bit what ``fn(*[Value(x) for x in xs]).backward(grad)`` adds), and
    ``f.grad(*xs)`` is the output and its derivatives with respect to the inputs.
    """
    from autograd_lite.tape import Tape

    inputs, out, recording = record(fn, example)
    return Tape.record(getattr(fn, "__name__", type(fn).__name__), inputs, out, recording)
