"""Each function a block program calls, in its array form: the same numbers as eager code's, on
a whole block at once.

A function's array form is

* for the engine functions (:data:`~autograd_lite.rule_code.ENGINE_FUNCTIONS`) and the float
  formulas rules and forward formulas use most, NumPy's operations where they are exact
  (comparisons, arithmetic, √), and the float formula itself run by NumPy's loop over the
  samples for the functions of :mod:`math`;
* for any other (a rule that branches on its operands, such as ``pow``'s; a user's op), the
  float function itself, called sample by sample in Python (:func:`per_sample`).

So the elementwise ops of a batch compute each sample's numbers as eager code does; the sums a
matrix product stands for run in another order. Comparisons, ``+ − × ÷`` and √ are exact in
IEEE arithmetic, so NumPy's own operations give eager code's numbers; the functions of
:mod:`math` (exp, log, tanh, ...) are not the same bits in NumPy, so they run as eager code's
own formulas, sample by sample (a gradient such as 1 − tanh² near saturation would magnify a
difference of one rounding a billionfold).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import FunctionType
from typing import Any

import numpy as np

from autograd_lite import float_ops, value
from autograd_lite.rule_code import ENGINE_FUNCTIONS

#: NumPy's float64 dtype: an array's ``dtype`` is this very object (tested by ``is``, cheaper).
FLOAT = np.dtype(np.float64)

#: ``np.minimum.reduce``: ``x.min()`` without the method's dispatch (a microsecond less).
_MIN = np.minimum.reduce


def relu(x: Any, out: Any = None) -> Any:
    """``0.0 if x <= 0.0 else x`` on an array, as ``np.maximum(x, zeros)``: x above 0, +0.0 at
    and below 0 (NumPy's maximum gives its second operand at a tie, so −0.0 becomes +0.0, as
    the test of special numbers checks), NaN at NaN, +0.0 at −∞. Into ``out``, the zeros are a
    read-only block kept for its shape and layout (:func:`zeros`): one pass, where filling
    ``out`` with zeros first is two (and ``np.maximum`` against the number 0.0, or a
    broadcast zero, is slower still). ``out`` may be ``x`` or overlap it: a ufunc reads each
    element before it writes it, or copies an operand first."""
    if out is None:
        return np.maximum(x, np.zeros(np.shape(x)))
    return np.maximum(x, zeros(out.shape, out.flags.f_contiguous), out=out)


#: Read-only blocks of zeros by (shape, column-major), up to 16.
_ZEROS: dict[tuple[tuple[int, ...], bool], np.ndarray] = {}


def zeros(shape: tuple[int, ...], f_order: bool) -> np.ndarray:
    """A read-only block of zeros: shared, as nothing can write into it (threads included)."""
    key = (shape, f_order)
    block = _ZEROS.get(key)
    if block is None:
        block = np.zeros(shape, order="F" if f_order else "C")
        block.flags.writeable = False
        if len(_ZEROS) >= 16:  # many shapes: start again (one call, safe between threads)
            _ZEROS.clear()
        _ZEROS[key] = block
    return block


def step(x: Any, out: Any = None) -> Any:
    """``1.0 if x > 0.0 else 0.0 if x <= 0.0 else nan`` on an array (``np.sign`` of the ReLU
    would do in two lines, but makes two passes and a block more)."""
    out = finite_step(x, out)
    if math.isnan(_MIN(x, None)):  # NaN propagates through min: one pass, no array of flags
        out[np.isnan(x)] = math.nan
    return out


def finite_step(x: Any, out: Any = None) -> Any:
    """:func:`step` of a block known to hold no NaN (an affine group's values, whose bound was
    checked): without the pass that looks for one. The comparison's flags are seen as bytes 0
    and 1 and cast to floats, which NumPy does faster than a comparison written into floats."""
    flags = np.greater(x, 0.0).view(np.uint8)
    if out is None:
        return flags.astype(float)
    np.copyto(out, flags)
    return out


def maximum(*args: Any) -> Any:
    """eager's ``maximum`` formula on arrays: a later operand replaces the result where it is
    larger or NaN, so a tie keeps the earlier one (−0.0 against 0.0) and a NaN stays. That is
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


def affine(*args: Any) -> Any:
    """b + Σ wᵢ·xᵢ on arrays, added in the order of eager's formula."""
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


def with_array_forms(rule: Callable[..., Any]) -> Callable[..., Any]:
    """``rule`` as it is written, with every engine function it calls in its array form: the
    array form of a rule written with nothing but operators and such functions (max's)."""
    scope = dict(rule.__globals__)
    for name, function in rule.__globals__.items():
        if isinstance(function, FunctionType) and function in ARRAY_FORMS:
            scope[name] = ARRAY_FORMS[function]
    return FunctionType(rule.__code__, scope, rule.__name__, rule.__defaults__, rule.__closure__)


#: The float formulas that are a function of :mod:`math` behind a check that raises only where
#: the function raises too (``float_ops.log`` refuses x ≤ 0, where ``math.log`` raises
#: ValueError): on a batch the function runs itself, with no Python frame a sample, and where
#: it raises the batch is replayed sample by sample.
CHECKED: dict[Callable[[float], float], Callable[[float], float]] = {
    float_ops.exp: math.exp,
    float_ops.log: math.log,
    float_ops.log1p: math.log1p,
    float_ops.expm1: math.expm1,
    float_ops.sin: math.sin,
    float_ops.cos: math.cos,
}

#: What each engine function computes on a float: its float formula.
FLOAT_FORMULAS: dict[str, Callable[[float], float]] = {
    "exp": float_ops.exp,
    "log": float_ops.log,
    "sqrt": float_ops.sqrt,
    "tanh": math.tanh,
    "sigmoid": float_ops.sigmoid,
    "relu": float_ops.relu,
    "sin": float_ops.sin,
    "cos": float_ops.cos,
    "log1p": float_ops.log1p,
    "expm1": float_ops.expm1,
    "softplus": float_ops.softplus,
    "step": value.step,
    "sign": value.sign,
}

#: The engine functions NumPy computes exactly, by their array form; every other one runs its
#: float formula on each sample (:func:`each`).
EXACT: dict[str, Callable[..., Any]] = {
    "relu": relu,
    "step": step,
    "sign": np.sign,
    "sqrt": np.sqrt,
}


def _engine_forms() -> dict[Callable[..., Any], Callable[..., Any]]:
    """Each engine function's array form, under the function and under its float formula (the
    forward formula generated code calls where it does not write a formula out)."""
    forms: dict[Callable[..., Any], Callable[..., Any]] = {}
    for name in ENGINE_FUNCTIONS:
        formula = FLOAT_FORMULAS[name]
        form = EXACT.get(name) or each(CHECKED.get(formula, formula))
        forms[getattr(value, name)] = forms[formula] = form
    return forms


#: The array form of each function generated code calls by name.
ARRAY_FORMS: dict[Callable[..., Any], Callable[..., Any]] = {
    **_engine_forms(),
    float_ops.div: np.true_divide,
    float_ops.affine: affine,
    float_ops.maximum: maximum,
    value.first_maximum: first_maximum,
    float_ops.pow: each(float_ops.pow, 2),
}
ARRAY_FORMS[value.maximum_partials] = with_array_forms(value.maximum_partials)

#: The array forms that take ``out=``, the array to write their result into.
WRITES_OUT: set[Callable[..., Any]] = {relu, step, finite_step, np.sign, np.sqrt, np.true_divide}

#: The array forms with a faster twin for operands known to hold no NaN.
ON_FINITE: dict[Callable[..., Any], Callable[..., Any]] = {step: finite_step}


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
    """The namespace of a block program: every function of ``scalar`` (the float replay's
    namespace) in its array form."""
    return {name: array_form(f) if callable(f) else f for name, f in scalar.items()}
