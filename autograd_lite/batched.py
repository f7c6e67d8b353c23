"""What a batched replay needs besides its plan (:mod:`autograd_lite.blocks`): the inputs and
the seed checked, each function generated code calls in its array form, and the fall-back to
one sample at a time.

A function's array form is

* for the functions rules and formulas use most (:data:`ARRAY_FORMS`), NumPy's operations
  where they are exact (comparisons, arithmetic, √), and the float formula itself run by
  NumPy's loop over the samples for the functions of :mod:`math`;
* for any other (a rule that branches on its operands, such as ``pow``'s; a user's op), the
  float function itself, called sample by sample in Python.

So the elementwise ops of a batch compute each sample's numbers as eager code does; the sums a
matrix product stands for run in another order.

Errors: the batch runs with NumPy's floating-point errors raised. Where one is, the batch is
replayed one sample at a time by the float replay (:func:`run`), whose numbers are eager's to
the bit: the first sample that raises names itself, and infinities and NaN are eager's own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import FunctionType
from typing import Any

import numpy as np

from autograd_lite import formulas, value
from autograd_lite.checks import real
from autograd_lite.tracer import TraceError


def _relu(x: Any, out: Any = None) -> Any:
    """``0.0 if x <= 0.0 else x`` on an array, as ``np.maximum(x, zeros)``: x above 0, +0.0 at
    and below 0 (NumPy's maximum gives its second operand at a tie, so −0.0 becomes +0.0, as
    the test of special numbers checks), NaN at NaN, +0.0 at −∞. Into ``out``, the zeros are a
    read-only block kept for its shape and layout (:func:`_zeros`): one pass, 1.5× as fast as
    filling ``out`` with zeros first on 16 columns at B = 100 to 1,000 (``np.maximum``
    against the number 0.0, or a broadcast zero, is 3× slower). ``out`` may be ``x`` or
    overlap it: a ufunc reads each element before it writes it, or copies an operand first."""
    if out is None:
        return np.maximum(x, np.zeros(np.shape(x)))
    return np.maximum(x, _zeros(out.shape, out.flags.f_contiguous), out=out)


#: Read-only blocks of zeros by (shape, column-major), up to 16.
_ZEROS: dict[tuple[tuple[int, ...], bool], np.ndarray] = {}


def _zeros(shape: tuple[int, ...], f_order: bool) -> np.ndarray:
    """A read-only block of zeros: shared, as nothing can write into it (threads included)."""
    key = (shape, f_order)
    zeros = _ZEROS.get(key)
    if zeros is None:
        zeros = np.zeros(shape, order="F" if f_order else "C")
        zeros.flags.writeable = False
        if len(_ZEROS) >= 16:  # many shapes: start again (one call, safe between threads)
            _ZEROS.clear()
        _ZEROS[key] = zeros
    return zeros


#: NumPy's float64 dtype: an array's ``dtype`` is this very object (tested by ``is``, cheaper).
FLOAT = np.dtype(np.float64)

#: ``np.minimum.reduce``: ``x.min()`` without the method's dispatch (a microsecond less).
_MIN = np.minimum.reduce


def _step(x: Any, out: Any = None) -> Any:
    """``1.0 if x > 0.0 else 0.0 if x <= 0.0 else nan`` on an array (``np.sign`` of the ReLU
    would do in two lines, but is thirteen times slower)."""
    out = _finite_step(x, out)
    if math.isnan(_MIN(x, None)):  # NaN propagates through min: one pass, no array of flags
        out[np.isnan(x)] = math.nan
    return out


def _finite_step(x: Any, out: Any = None) -> Any:
    """``_step`` of a block known to hold no NaN (an affine group's values, whose bound was
    checked): without the pass that looks for one (16 µs of a ReLU's 130 at B = 10,000).
    The comparison's flags are seen as bytes 0 and 1 and cast to floats: NumPy does that
    1.2× to 1.3× as fast as a comparison written into floats (B = 1,000 to 10,000)."""
    flags = np.greater(x, 0.0).view(np.uint8)
    if out is None:
        return flags.astype(float)
    np.copyto(out, flags)
    return out


def _maximum(*args: Any) -> Any:
    """eager's ``_maximum`` on arrays: a later operand replaces the result where it is larger
    or NaN, so a tie keeps the earlier one (−0.0 against 0.0) and a NaN stays. That is
    ``np.maximum(later, result)``: NumPy's maximum propagates NaN and gives its second operand
    at a tie (which the special-number tests check); one pass an operand."""
    result = args[0]
    for a in args[1:]:
        result = np.maximum(a, result)
    return result


def first_maximum(out: Any, args: Sequence[Any]) -> list[Any]:
    """eager's ``first_maximum`` on arrays: each operand's 1.0 where it is the first to equal
    ``out`` in that sample, else 0.0, and NaN in every one where ``out`` is NaN."""
    unclaimed = out == out  # False where out is NaN
    nan = np.where(unclaimed, 0.0, math.nan)
    found = []
    for a in args:
        first = unclaimed & (a == out)
        unclaimed &= ~first
        found.append(first + nan)  # bool + float: 1.0 or 0.0, NaN where out is
    return found


def with_array_forms(rule: Callable[..., Any]) -> Callable[..., Any]:
    """``rule`` as it is written, with every engine function it calls in its array form: the
    array form of a rule written with nothing but operators and such functions (max's)."""
    scope = dict(rule.__globals__)
    for name, function in rule.__globals__.items():
        if isinstance(function, FunctionType) and function in ARRAY_FORMS:
            scope[name] = ARRAY_FORMS[function]
    return FunctionType(rule.__code__, scope, rule.__name__, rule.__defaults__, rule.__closure__)


def _affine(*args: Any) -> Any:
    n = len(args) // 2
    result = args[0]
    for w, x in zip(args[1 : n + 1], args[n + 1 :]):
        result = result + w * x  # not +=: the first operand may be a slot's own array
    return result


def each(function: Callable[..., float], arity: int = 1) -> Callable[..., Any]:
    """``function`` applied to every sample's numbers by NumPy's loop (``np.frompyfunc``): the
    very float formula of eager code, so the results are its own, to the bit."""
    ufunc = np.frompyfunc(function, arity, 1)

    def on_arrays(*args: Any) -> Any:
        return np.asarray(ufunc(*args), dtype=float)

    return on_arrays


#: The float formulas that are a function of :mod:`math` behind a check that raises only where
#: the function raises too (``_log`` refuses x ≤ 0, where ``math.log`` raises ValueError): on a
#: batch the function runs itself, with no Python frame a sample (``math.exp`` on 640 numbers
#: 33 µs, ``_exp`` 55), and where it raises the batch is replayed sample by sample.
CHECKED: dict[Callable[[float], float], Callable[[float], float]] = {
    formulas.exp: math.exp,
    formulas.log: math.log,
    formulas.log1p: math.log1p,
    formulas.expm1: math.expm1,
    formulas.sin: math.sin,
    formulas.cos: math.cos,
}


#: The engine's functions of one number that :mod:`math` computes, and their float formulas.
_FORMULAS: dict[str, Callable[[float], float]] = {
    "sigmoid": formulas.sigmoid,
    "softplus": formulas.softplus,
    "tanh": math.tanh,
    "exp": formulas.exp,
    "log": formulas.log,
    "sin": formulas.sin,
    "cos": formulas.cos,
    "log1p": formulas.log1p,
    "expm1": formulas.expm1,
}


#: The array form of each function generated code calls by name. Comparisons, ``+ − × ÷`` and
#: √ are exact in IEEE arithmetic, so NumPy's own operations give eager code's numbers; the
#: functions of :mod:`math` (exp, log, tanh, ...) are not the same bits in NumPy, so they run
#: as eager code's own formulas, sample by sample (a gradient such as 1 − tanh² near
#: saturation would magnify a difference of one rounding a billionfold).
ARRAY_FORMS: dict[Callable[..., Any], Callable[..., Any]] = {
    formulas.relu: _relu,
    value.relu: _relu,
    value.step: _step,
    value.sign: np.sign,  # 0 at 0, NaN at NaN
    formulas.sqrt: np.sqrt,
    value.sqrt: np.sqrt,
    formulas.div: np.true_divide,
    formulas.affine: _affine,
    formulas.maximum: _maximum,
    value.first_maximum: first_maximum,
    **{f: each(CHECKED.get(f, f)) for f in _FORMULAS.values()},
    **{getattr(value, name): each(CHECKED.get(f, f)) for name, f in _FORMULAS.items()},
    formulas.pow: each(formulas.pow, 2),
}


ARRAY_FORMS[value.maximum_partials] = with_array_forms(value.maximum_partials)

#: The array forms that take ``out=``, the array to write their result into.
WRITES_OUT: set[Callable[..., Any]] = {_relu, _step, _finite_step, np.sign, np.sqrt, np.true_divide}

#: The array forms with a faster twin for operands known to hold no NaN.
ON_FINITE: dict[Callable[..., Any], Callable[..., Any]] = {_step: _finite_step}


def array_form(function: Callable[..., Any]) -> Callable[..., Any]:
    """What ``function`` is called as in a batched replay (see the module's docstring)."""
    form = ARRAY_FORMS.get(function)

    def on_batch(*args: Any) -> Any:
        if form is not None and type(args[0]) is np.ndarray:
            return form(*args)  # the usual call: a block first
        if not _arrays(args):
            return function(*args)  # every operand a number: the float formula itself
        return form(*args) if form is not None else per_sample(function, args)

    return on_batch


def per_sample(function: Callable[..., Any], args: Sequence[Any]) -> Any:
    """``function`` on each sample's numbers (the arrays broadcast together; a block's row is
    a sample): an array of results, or arrays of a list's items."""
    shape = np.broadcast_shapes(*[a.shape for a in _arrays(args)])
    spread = [_broadcast(a, shape) for a in args]
    results = [function(*[_at(a, index) for a in spread]) for index in np.ndindex(shape)]
    if isinstance(results[0], list):
        return [np.array(items, dtype=float).reshape(shape) for items in zip(*results)]
    return np.array(results, dtype=float).reshape(shape)


def _arrays(args: Sequence[Any]) -> list[np.ndarray]:
    found: list[np.ndarray] = []
    for a in args:
        if isinstance(a, np.ndarray):
            found.append(a)
        elif isinstance(a, list):
            found += _arrays(a)
    return found


def _broadcast(a: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(a, np.ndarray):
        return np.broadcast_to(a, shape)
    if isinstance(a, list):
        return [_broadcast(x, shape) for x in a]
    return a


def _at(a: Any, index: tuple[int, ...]) -> Any:
    if isinstance(a, np.ndarray):
        return float(a[index])
    if isinstance(a, list):
        return [_at(x, index) for x in a]
    return a


def namespace(scalar: dict[str, Any]) -> dict[str, Any]:
    """The namespace of the batched code: every function of ``scalar`` in its array form."""
    return {name: array_form(f) if callable(f) else f for name, f in scalar.items()}


# --- Replaying a tape on a batch --------------------------------------------------------------


def is_batch(xs: Sequence[Any]) -> bool:
    """Whether any input is an array (then the replay is batched)."""
    return any(isinstance(x, np.ndarray) for x in xs)


def inputs(name: str, xs: Sequence[Any], expected: int) -> tuple[list[Any], int]:
    """The inputs as float arrays and floats, and the batch size B they share (the arrays
    checked first, then the numbers)."""
    if len(xs) != expected:
        raise TraceError(f"{name}: the recording takes {expected} inputs, got {len(xs)}")
    numbers, sizes = list(xs), set()
    for i, x in enumerate(xs):
        if isinstance(x, np.ndarray):
            if x.ndim != 1 or x.dtype.kind not in "fiu":
                raise ValueError(
                    f"{name}: input {i} must be a 1-D array of numbers, got {_shape(x)}"
                )
            sizes.add(len(x))
            numbers[i] = x if type(x) is np.ndarray and x.dtype is FLOAT else np.asarray(x, float)
    if len(sizes) != 1 or 0 in sizes:
        raise ValueError(
            f"{name}: the arrays among the inputs must share one length ≥ 1, got {sorted(sizes)}"
        )
    for i, x in enumerate(numbers):
        if not isinstance(x, np.ndarray):
            numbers[i] = real(x, f"{name}: input {i}")
    return numbers, sizes.pop()


def seed_of(name: str, grad: Any, size: int) -> Any:
    """The backward seed: a number, or an array of one number per sample."""
    if isinstance(grad, np.ndarray):
        if grad.shape != (size,) or grad.dtype.kind not in "fiu":
            raise ValueError(
                f"{name}.backward(grad): expected a number or {size} numbers, got {_shape(grad)}"
            )
        return grad.astype(float)
    return real(grad, f"{name}.backward(grad)")


def _shape(x: np.ndarray) -> str:
    return f"an array of shape {x.shape} and dtype {x.dtype}"


def run(passes: Callable[[], Any], one_by_one: Callable[[], Any]) -> Any:
    """``passes()`` with NumPy's floating-point errors raised. Where one is (an overflow, an
    infinity or a NaN made, a division by zero, a domain error), the batch is replayed one
    sample at a time instead, by the float replay: the first sample eager code fails at then
    raises its error, naming the sample, and otherwise every number is eager's (an infinity's
    sums in another order could give another infinity, or NaN). So does an error a user's op
    raises itself (``math.log``'s ValueError): the one eager code meets first is raised."""
    try:
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            return passes()
    except (ArithmeticError, ValueError):  # NumPy's errors, DomainError, a user op's own
        return one_by_one()


def at_sample(error: Exception, i: int) -> Exception:
    """``error`` saying it happened at sample ``i``: the same type with the message extended,
    or, for a type that takes other arguments, the error itself with a note."""
    try:
        named = type(error)(f"{error} (at sample {i})")
    except Exception:
        error.add_note(f"(at sample {i})")
        return error
    return named


def each_sample(numbers: Sequence[Any], size: int) -> list[tuple[float, ...]]:
    """The inputs of each sample: an array's item, a number as it is."""
    return [
        tuple(float(x[i]) if isinstance(x, np.ndarray) else x for x in numbers) for i in range(size)
    ]


def total(x: Any, size: int) -> float:
    """Σ_b of a gradient over the batch (a number that does not depend on the sample counts
    once per sample)."""
    if not isinstance(x, np.ndarray):
        return float(x) * size  # the same for every sample
    return float(np.sum(np.broadcast_to(x, (size,))))
