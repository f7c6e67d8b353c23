"""Record a function's graph once, replay it on new numbers: :func:`trace`.

The recording (:mod:`autograd_lite.tracer`) and the replays (:mod:`autograd_lite.tape`) are
layers of their own; this is the entry point that joins them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from autograd_lite.tracer import TraceError, record_graph

if TYPE_CHECKING:
    from autograd_lite.tape import Tape

__all__ = ["TraceError", "trace"]


def trace(fn: Callable[..., Any], *example: Any) -> Tape:
    """Record ``fn``'s graph at ``example``; replay it with the returned :class:`Tape`.

    ``f = trace(fn, *example)``, then ``f(*xs)`` is the output at new inputs,
    ``f.backward(*xs, grad=1.0)`` also adds ∂out/∂p · grad to each parameter's ``.grad``
    (bit for bit what ``fn(*[Value(x) for x in xs]).backward(grad)`` adds), and
    ``f.grad(*xs)`` is the output and its derivatives with respect to the inputs. What cannot
    be recorded (a branch on a Value's number, ``no_grad`` inside ``fn``, ...) raises
    :class:`TraceError`, naming the line.
    """
    # The replay and its compiler (and NumPy) are loaded on the first trace, not by
    # `import autograd_lite`.
    from autograd_lite.tape import Tape

    recorded = record_graph(fn, example)
    return Tape.from_graph(getattr(fn, "__name__", type(fn).__name__), recorded)
