"""The engine: a ``Value`` wraps one float and records the op and operands that produced it.

Each op below computes its result from plain floats and, right above it, registers its
derivative rule (see :mod:`autograd_lite.rules` for the rule's signature). The graph is walked
by :mod:`autograd_lite.backward`; nothing here walks it.

Two design choices keep the engine fast and its memory small:

* A node holds no closure. Its op is a name and its operands a tuple, so a graph contains no
  reference cycle and is freed by reference counting as soon as its output is dropped, without
  waiting for the cyclic garbage collector.
* A number operand (the ``2`` of ``x * 2``) is kept in ``args`` as a plain float, not wrapped in
  a Value of its own. ``parents`` lists only the Values.

Conventions (from the course notes and PyTorch's autograd notes): at a kink the derivative is
the minimum-norm subgradient, ReLU′(0) = 0 and \\|x\\|′(0) = 0. Domain errors raise
:class:`DomainError` in the forward pass; nothing returns a complex number. NaN propagates as
IEEE says (NaN in, NaN out, also through ``relu``), and ``detect_anomaly`` stops at the op that
made it.
"""

from __future__ import annotations

import math
import numbers
import operator
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, SupportsFloat, TypeAlias

from autograd_lite.checks import real
from autograd_lite.modes import SWITCHES
from autograd_lite.rules import FORWARDS, RULES, arity, defvjp_variadic, derivative


class DomainError(ValueError):
    """An op was applied outside its domain: ``log(0)``, ``sqrt(-1)``, ``1 / 0``, ``exp(1000)``."""


#: What the operators accept beside a Value: a real number (int, float, NumPy scalar).
Number: TypeAlias = int | float | SupportsFloat
Operand: TypeAlias = "Value | int | float"


def _real(x: object, where: str) -> float:
    """``x`` as a float if it is a real number (bool excepted), else a ``TypeError`` naming it."""
    if type(x) is float:  # the common case, without a call
        return x
    return real(x, where, "a real number or a Value")


# --- The forward formulas on floats, with their domain checks --------------------------------
# The Value methods and the module-level functions (which also accept plain numbers) share them.


def _div(a: float, b: float) -> float:
    if b == 0.0:
        raise DomainError(f"div: division by zero ({a!r} / {b!r})")
    return a / b


def _pow(a: float, b: float) -> float:
    if a == 0.0 and b < 0.0:
        raise DomainError(f"pow: 0 ** {b!r} (zero to a negative power) is undefined")
    if a < 0.0 and math.isfinite(b) and not b.is_integer():
        raise DomainError(
            f"pow: {a!r} ** {b!r} (negative base, non-integer exponent) is not a real number"
        )
    try:
        return float(a**b)
    except OverflowError:
        raise DomainError(f"pow: {a!r} ** {b!r} overflows a float") from None


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise DomainError(f"exp: exp({x!r}) overflows a float (x must be ≤ 709.78)") from None


def _log(x: float) -> float:
    if x <= 0.0:
        raise DomainError(f"log: log({x!r}) is undefined (x must be > 0)")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise DomainError(f"sqrt: sqrt({x!r}) is undefined (x must be ≥ 0)")
    return math.sqrt(x)


def _sigmoid(x: float) -> float:
    # Two branches so that exp never sees a large positive argument: no overflow for any x.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sin(x: float) -> float:
    if math.isinf(x):
        raise DomainError(f"sin: sin({x!r}) is undefined")
    return math.sin(x)


def _cos(x: float) -> float:
    if math.isinf(x):
        raise DomainError(f"cos: cos({x!r}) is undefined")
    return math.cos(x)


def _relu(x: float) -> float:
    # `x if x > 0 else 0.0` (or max(0.0, x)) would turn NaN into 0: NaN must propagate.
    return 0.0 if x <= 0.0 else x


def _log1p(x: float) -> float:
    if x <= -1.0:
        raise DomainError(f"log1p: log1p({x!r}) is undefined (x must be > -1)")
    return math.log1p(x)


def _expm1(x: float) -> float:
    try:
        return math.expm1(x)
    except OverflowError:
        raise DomainError(f"expm1: expm1({x!r}) overflows a float (x must be ≤ 709.78)") from None


def _softplus(x: float) -> float:
    # log1p(eˣ) for x ≤ 0, x + log1p(e⁻ˣ) for x > 0: the exponent is never positive, and the
    # tiny values of the left tail keep their digits (softplus(−40) = 4.2e-18, not 0).
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


def _pow_base_partial(g: Any, out: Any, a: Any, b: Any) -> Any:
    """g · ∂(aᵇ)/∂a = g · b · aᵇ⁻¹.

    The formula is used wherever it is defined, also at b = 0 (where it is 0 but its derivative
    with respect to b is aᵇ⁻¹: a shortcut to 0 there would lose it). Only at a = b = 0, where
    b · 0⁻¹ is undefined and a⁰ = 1 for every a, is the partial taken as 0.
    """
    if _number(b) == 0.0 and _number(a) == 0.0:
        return g * 0.0
    return g * b * a ** (b - 1.0)


def _pow_exponent_partial(g: Any, out: Any, a: Any, b: Any) -> Any:
    """g · ∂(aᵇ)/∂b = g · aᵇ · ln a.

    Where a ≤ 0 the power is not a differentiable function of a real exponent (0ᵇ is constant
    for b > 0; (−2)ᵇ is real only at integers), and we take this partial as 0, written 0 · aᵇ so
    that a NaN power (a NaN base or exponent) gives a NaN partial.
    """
    if _number(a) > 0.0:
        return g * out * log(a)
    return g * (0.0 * out)


def _number(x: Any) -> Any:
    """The number a rule branches on: a Value's data, or the number itself."""
    if isinstance(x, Value):
        if SWITCHES.tracing is not None:  # fine for a rule; not for a traced function's code
            SWITCHES.tracing.read_by(sys._getframe(2), "step(), sign() or a rule's branch")
        return x.data
    return x


def _result(data: float, op: str, args: tuple[Any, ...]) -> Value:
    """A new node computed by ``op`` from ``args``, as the switches of :mod:`modes` say."""
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node.op = op
    node.args = args
    if not SWITCHES.plain:
        _switched(node)
    return node


def _switched(node: Value) -> None:
    """What ``no_grad``, ``detect_anomaly`` and a trace under way do to a new node."""
    if SWITCHES.checking:
        _check_finite(node.data, node.op, node.args)
    if SWITCHES.tracing is not None:
        SWITCHES.tracing.made(node)  # before no_grad: a trace refuses unrecorded results
    if SWITCHES.forward is not None and SWITCHES.recording:
        SWITCHES.forward.made(node)  # the node's tangent, computed alongside its value
    if not SWITCHES.recording:
        node.op = ""
        node.args = ()


def _check_finite(data: float, op: str, args: tuple[Any, ...]) -> None:
    if not math.isfinite(data):
        inputs = ", ".join(repr(float(a)) for a in args)
        raise FloatingPointError(f"{op} produced {data!r} from inputs ({inputs})")


class Value:
    """A scalar that remembers how it was computed.

    Attributes:
        data: the value, a Python float.
        grad: the accumulated gradient ∂y/∂self of every ``y.backward()`` since it was zeroed.
        label: a name for pictures and messages (``""`` by default).
        op: the name of the op that made this Value, ``""`` for a leaf.
        args: the operands of ``op`` in argument order: Values, and plain floats for number
            operands (``(x * 2).args == (x, 2.0)``).

    One more slot, ``_upstream``, is the backward pass's scratch space: while a pass runs it
    holds the upstream gradient ∂root/∂self summed so far (see :mod:`autograd_lite.backward`).
    """

    __slots__ = ("data", "grad", "label", "op", "args", "_upstream", "__weakref__")

    data: float
    grad: float
    label: str
    op: str
    args: tuple[Any, ...]
    _upstream: float

    def __init__(self, data: Number, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError(
                "Value(data): data must be a real number, got a Value (use it directly)"
            )
        if not isinstance(label, str):
            raise TypeError(f"Value(label=...): label must be a str, got {type(label).__name__}")
        self.data = _real(data, "Value(data)")
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.args = ()
        if SWITCHES.tracing is not None:  # a leaf made while tracing is one of its constants
            SWITCHES.tracing.constant(self)

    @classmethod
    def from_op(cls, data: Number, op: str, args: tuple[Any, ...]) -> Value:
        """The result of a user-defined op; register its rule first with ``defvjp(op, ...)``.

        ``args`` are the operands in the order the rule's partials are given: Values, or
        numbers. The built-in ops create their results the same way (without the checks).
        """
        if op not in RULES:
            raise ValueError(f"Value.from_op: op {op!r} has no derivative rule; call defvjp first")
        if not isinstance(args, tuple):
            raise TypeError(f"Value.from_op: args must be a tuple, got {type(args).__name__}")
        expected = arity(op)
        if expected is not None and len(args) != expected:
            raise ValueError(
                f"Value.from_op: op {op!r} has {expected} partials but {len(args)} operands"
            )
        operands = tuple(a if isinstance(a, Value) else _real(a, f"{op} operand") for a in args)
        return _result(_real(data, f"{op} result"), op, operands)

    @classmethod
    def apply(cls, op: str, *args: Operand) -> Value:
        """``op`` applied to ``args`` by its forward formula, ``defvjp(op, ..., forward=f)``.

        The same node as ``Value.from_op(f(*numbers), op, args)``, with the numbers read by the
        engine: so a function using the op can be traced (:func:`autograd_lite.trace`).
        """
        formula = FORWARDS.get(op) if isinstance(op, str) else None
        if formula is None:
            raise ValueError(
                f"Value.apply: op {op!r} has no forward formula; register it with "
                f"defvjp({op!r}, ..., forward=...)"
            )
        data = [a.data if isinstance(a, Value) else _real(a, f"{op} operand") for a in args]
        return cls.from_op(formula(*data), op, args)

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was computed from, in argument order, repeats kept."""
        return tuple(a for a in self.args if isinstance(a, Value))

    # --- Arithmetic: each op with its derivative rule -----------------------------------------

    @derivative("add", lambda g, out, a, b: g, lambda g, out, a, b: g, forward=operator.add)
    def __add__(self, other: Operand) -> Value:
        """a + b.   ∂/∂a = 1,  ∂/∂b = 1."""
        if isinstance(other, Value):
            return _result(self.data + other.data, "add", (self, other))
        other = _real(other, "+")
        return _result(self.data + other, "add", (self, other))

    def __radd__(self, other: Operand) -> Value:
        other = _real(other, "+")
        return _result(other + self.data, "add", (other, self))

    @derivative("sub", lambda g, out, a, b: g, lambda g, out, a, b: -g, forward=operator.sub)
    def __sub__(self, other: Operand) -> Value:
        """a − b.   ∂/∂a = 1,  ∂/∂b = −1."""
        if isinstance(other, Value):
            return _result(self.data - other.data, "sub", (self, other))
        other = _real(other, "-")
        return _result(self.data - other, "sub", (self, other))

    def __rsub__(self, other: Operand) -> Value:
        other = _real(other, "-")
        return _result(other - self.data, "sub", (other, self))

    @derivative("mul", lambda g, out, a, b: g * b, lambda g, out, a, b: g * a, forward=operator.mul)
    def __mul__(self, other: Operand) -> Value:
        """a · b.   ∂/∂a = b,  ∂/∂b = a."""
        if isinstance(other, Value):
            return _result(self.data * other.data, "mul", (self, other))
        other = _real(other, "*")
        return _result(self.data * other, "mul", (self, other))

    def __rmul__(self, other: Operand) -> Value:
        other = _real(other, "*")
        return _result(other * self.data, "mul", (other, self))

    @derivative("div", lambda g, out, a, b: g / b, lambda g, out, a, b: -g * out / b, forward=_div)
    def __truediv__(self, other: Operand) -> Value:
        """a / b.   ∂/∂a = 1/b,  ∂/∂b = −a/b² = −(a/b)/b."""
        if isinstance(other, Value):
            return _result(_div(self.data, other.data), "div", (self, other))
        other = _real(other, "/")
        return _result(_div(self.data, other), "div", (self, other))

    def __rtruediv__(self, other: Operand) -> Value:
        other = _real(other, "/")
        return _result(_div(other, self.data), "div", (other, self))

    @derivative("pow", _pow_base_partial, _pow_exponent_partial, forward=_pow)
    def __pow__(self, other: Operand) -> Value:
        """aᵇ.   ∂/∂a = b·aᵇ⁻¹,  ∂/∂b = aᵇ·ln a (taken as 0 where a ≤ 0)."""
        if isinstance(other, Value):
            return _result(_pow(self.data, other.data), "pow", (self, other))
        other = _real(other, "**")
        return _result(_pow(self.data, other), "pow", (self, other))

    def __rpow__(self, other: Operand) -> Value:
        other = _real(other, "**")
        return _result(_pow(other, self.data), "pow", (other, self))

    @derivative("neg", lambda g, out, a: -g, forward=operator.neg)
    def __neg__(self) -> Value:
        """−a.   d/da = −1."""
        return _result(-self.data, "neg", (self,))

    def __pos__(self) -> Value:
        """+a is a itself: no op is recorded."""
        return self

    @derivative("abs", lambda g, out, a: g * sign(a), forward=abs)
    def __abs__(self) -> Value:
        """\\|a\\|.   d/da = sign(a), with \\|a\\|′(0) = 0."""
        return _result(abs(self.data), "abs", (self,))

    # --- Functions ------------------------------------------------------------------------

    @derivative("exp", lambda g, out, a: g * out, forward=_exp)
    def exp(self) -> Value:
        """eˣ.   d/dx eˣ = eˣ.   Raises DomainError where eˣ overflows (x > 709.78)."""
        return _result(_exp(self.data), "exp", (self,))

    @derivative("log", lambda g, out, a: g / a, forward=_log)
    def log(self) -> Value:
        """ln x for x > 0.   d/dx ln x = 1/x."""
        return _result(_log(self.data), "log", (self,))

    @derivative("sqrt", lambda g, out, a: g / (2.0 * out), forward=_sqrt)
    def sqrt(self) -> Value:
        """√x for x ≥ 0.   d/dx √x = 1/(2√x), infinite at 0 (backward then raises)."""
        return _result(_sqrt(self.data), "sqrt", (self,))

    @derivative("tanh", lambda g, out, a: g * (1.0 - out * out), forward=math.tanh)
    def tanh(self) -> Value:
        """tanh x.   d/dx tanh x = 1 − tanh²x.   tanh(±1000) = ±1 exactly, gradient 0."""
        return _result(math.tanh(self.data), "tanh", (self,))

    @derivative("sigmoid", lambda g, out, a: g * out * (1.0 - out), forward=_sigmoid)
    def sigmoid(self) -> Value:
        """σ(x) = 1/(1 + e⁻ˣ).   σ′(x) = σ(x)(1 − σ(x)).   Never overflows: σ(−1000) = 0."""
        return _result(_sigmoid(self.data), "sigmoid", (self,))

    @derivative("relu", lambda g, out, a: g * step(a), forward=_relu)
    def relu(self) -> Value:
        """max(0, x).   ReLU′(x) = 1 if x > 0 else 0 (so ReLU′(0) = 0)."""
        return _result(_relu(self.data), "relu", (self,))

    @derivative("sin", lambda g, out, a: g * cos(a), forward=_sin)
    def sin(self) -> Value:
        """sin x.   d/dx sin x = cos x."""
        return _result(_sin(self.data), "sin", (self,))

    @derivative("cos", lambda g, out, a: -g * sin(a), forward=_cos)
    def cos(self) -> Value:
        """cos x.   d/dx cos x = −sin x."""
        return _result(_cos(self.data), "cos", (self,))

    @derivative("log1p", lambda g, out, a: g / (1.0 + a), forward=_log1p)
    def log1p(self) -> Value:
        """ln(1 + x) for x > −1, exact for tiny x.   d/dx ln(1 + x) = 1/(1 + x)."""
        return _result(_log1p(self.data), "log1p", (self,))

    @derivative("expm1", lambda g, out, a: g * (out + 1.0), forward=_expm1)
    def expm1(self) -> Value:
        """eˣ − 1, exact for tiny x.   d/dx (eˣ − 1) = eˣ = (eˣ − 1) + 1."""
        return _result(_expm1(self.data), "expm1", (self,))

    @derivative("softplus", lambda g, out, a: g * sigmoid(a), forward=_softplus)
    def softplus(self) -> Value:
        """log(1 + eˣ), with no positive exponent.   d/dx log(1 + eˣ) = σ(x)."""
        return _result(_softplus(self.data), "softplus", (self,))

    # --- Gradients ------------------------------------------------------------------------

    def backward(self, grad: Number = 1.0) -> None:
        """Add ∂self/∂v · ``grad`` to ``v.grad`` for every Value v in this Value's graph.

        Gradients accumulate: two calls add twice the gradient, never more. A Value reached by
        several paths receives the sum over the paths. The walk is iterative.
        """
        from autograd_lite.backward import backward

        backward(self, grad)

    # --- Used like a number: comparisons, truth, conversions, formatting --------------------
    # These read the data and return plain Python objects: nothing they return is in the
    # graph. `==` is not among them: it stays identity, which hashing and the graph walks need
    # (compare `a.data == b.data` for the numbers).

    def __lt__(self, other: Operand) -> bool:
        """``a < b`` compares the data, so ``max(a, b)`` returns one of the Values themselves."""
        return self.data < _compared(other, "<")

    def __le__(self, other: Operand) -> bool:
        return self.data <= _compared(other, "<=")

    def __gt__(self, other: Operand) -> bool:
        return self.data > _compared(other, ">")

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _compared(other, ">=")

    def __bool__(self) -> bool:
        """Like a float's (and a PyTorch scalar's): False exactly when the data is 0."""
        return self.data != 0.0

    def __float__(self) -> float:
        """The data. ``math.exp(v)`` goes through this and returns a float: use ``v.exp()``."""
        return self.data

    def __int__(self) -> int:
        return int(self.data)

    def item(self) -> float:
        """The data as a float, PyTorch's spelling of ``float(v)``."""
        return self.data

    def __round__(self, ndigits: int | None = None) -> float | int:
        return round(self.data, ndigits)

    def __format__(self, spec: str) -> str:
        """``f"{v:.4f}"`` formats the data like a float; ``f"{v}"`` is ``repr(v)``."""
        return format(self.data, spec) if spec else repr(self)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy scalars on the left (``np.float64(2) * v``) use Value's operators; any other
        ufunc (``np.exp(v)``) is a TypeError that names the engine's function."""
        return _numpy_ufunc(ufunc, method, inputs, kwargs)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


def _compared(other: object, symbol: str) -> float:
    return other.data if isinstance(other, Value) else _real(other, symbol)


#: The NumPy ufuncs that are Python operators, and the operator each one is.
_OPERATOR_UFUNCS: dict[str, Any] = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "true_divide": operator.truediv,
    "power": operator.pow,
    "negative": operator.neg,
    "positive": operator.pos,
    "absolute": operator.abs,
    "less": operator.lt,
    "less_equal": operator.le,
    "greater": operator.gt,
    "greater_equal": operator.ge,
}


def _shape(x: object) -> object:
    return getattr(x, "shape", None)


#: The engine's functions that have a NumPy ufunc of the same name.
_ENGINE_FUNCTIONS = ("exp", "log", "log1p", "expm1", "sqrt", "tanh", "sin", "cos", "maximum")


def _numpy_ufunc(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    name = getattr(ufunc, "__name__", str(ufunc))
    # NumPy passes its scalars as they are or as 0-d arrays.
    scalars = all(isinstance(x, Value | numbers.Real) or _shape(x) == () for x in inputs)
    if method == "__call__" and not kwargs and scalars and name in _OPERATOR_UFUNCS:
        # As Python floats, NumPy scalars hand the operation to Value's reflected operators
        # (a NumPy scalar itself would call this ufunc again).
        operands = [x if isinstance(x, Value) else _real(float(x), name) for x in inputs]
        return _OPERATOR_UFUNCS[name](*operands)
    if name in _ENGINE_FUNCTIONS:
        hint = f"use v.{name}() or autograd_lite.{name}(v), which record the op"
    elif name in _OPERATOR_UFUNCS:
        hint = "a Value combines with numbers and Values; for an array, use a list of Values"
    else:
        hint = "use Value's operators and the engine's functions (autograd_lite.exp, log, ...)"
    raise TypeError(f"numpy.{name} does not work on a Value: {hint}")


_new = object.__new__


# --- A neuron's pre-activation as one node ---------------------------------------------------


def _affine_partials(wanted: Sequence[int], g: Any, out: Any, args: Sequence[Any]) -> list[Any]:
    """For a = b + Σⱼ wⱼxⱼ with operands (b, w₀, ..., wₙ₋₁, x₀, ..., xₙ₋₁):
    ∂a/∂b = 1,  ∂a/∂wⱼ = xⱼ,  ∂a/∂xⱼ = wⱼ (each operand's partner sits n places away)."""
    n = len(args) // 2
    if len(wanted) == len(args):  # every operand a Value, as in a hidden layer: no index tests
        return [g, *[g * x for x in args[n + 1 :]], *[g * w for w in args[1 : n + 1]]]
    return [g if i == 0 else g * args[i + n] if i <= n else g * args[i - n] for i in wanted]


def _affine_forward(*args: Any) -> Any:
    """b + w₀x₀ + w₁x₁ + ... on the operands (b, w₀, ..., wₙ₋₁, x₀, ..., xₙ₋₁), left to right."""
    n = len(args) // 2
    result = args[0]
    for w, x in zip(args[1 : n + 1], args[n + 1 :]):
        result += w * x
    return result


defvjp_variadic("affine", _affine_partials, forward=_affine_forward)


def affine(weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand = 0.0) -> Value:
    """b + Σᵢ wᵢ·xᵢ, a neuron's pre-activation a = wᵀz + b, recorded as a single node.

    The value and the gradients are those of the chain ``b + w₀·x₀ + w₁·x₁ + ...`` (the sum is
    accumulated in that order), but the graph holds one node instead of 2n, which makes
    networks several times faster to differentiate and their pictures smaller. Its operands
    are ``(b, w₀, ..., wₙ₋₁, x₀, ..., xₙ₋₁)``; any of them may be a number.
    """
    if len(weights) != len(inputs):
        raise ValueError(
            f"affine: {len(weights)} weights but {len(inputs)} inputs; they must pair up"
        )
    args = (bias, *weights, *inputs)
    data = [a.data if isinstance(a, Value) else _real(a, "affine operand") for a in args]
    operands = tuple(a if isinstance(a, Value) else d for a, d in zip(args, data))
    return _result(_affine_forward(*data), "affine", operands)


# --- The largest of several values, as one node ------------------------------------------


def _maximum(*args: float) -> float:
    """max(a₀, a₁, ...), NaN if any aᵢ is NaN (Python's ``max`` drops a NaN that is not first)."""
    result = args[0]
    for a in args[1:]:
        if a > result or a != a:
            result = a
        if result != result:
            break
    return result


def _first_maximum(out: Any, args: Sequence[Any]) -> list[float]:
    """Where the gradient of out = max(a₀, ..., aₙ₋₁) goes: for each aᵢ, 1.0 if it is the
    first operand equal to out, else 0.0; NaN for every one if out is NaN. Piecewise constant
    in the operands, so a number even when they are Values (its own derivative is 0); on a
    batch its array form (:mod:`autograd_lite.batched`) computes it for every sample."""
    top = _number(out)
    if top != top:
        return [math.nan] * len(args)
    first = next(i for i, a in enumerate(args) if _number(a) == top)
    return [1.0 if i == first else 0.0 for i in range(len(args))]


def _maximum_partials(wanted: Sequence[int], g: Any, out: Any, args: Sequence[Any]) -> list[Any]:
    """∂ max(a₀, ..., aₙ₋₁)/∂aᵢ = 1 for the first i where the maximum is attained, else 0
    (a subgradient at ties, as PyTorch's ``max``), NaN if an operand is NaN: g times
    :func:`_first_maximum`. Written with nothing but ``*`` and that function, it runs on a
    batch's blocks as it stands, calling the function's array form."""
    at = _first_maximum(out, args)
    return [g * at[i] for i in wanted]


defvjp_variadic("max", _maximum_partials, forward=_maximum)


def maximum(values: Iterable[Operand]) -> Value:
    """The largest of ``values``, recorded as one ``max`` node whose gradient goes to the first
    operand that attains it. Unlike Python's ``max`` it reads no value out of the graph, so a
    traced function may use it (:mod:`autograd_lite.trace`); NaN among the values gives NaN."""
    args = tuple(v if isinstance(v, Value) else _real(v, "maximum item") for v in values)
    if not args:
        raise ValueError("maximum: got no values")
    if not any(isinstance(a, Value) for a in args):
        raise TypeError("maximum: expected Values among the items, got only numbers")
    return _result(_maximum(*[_number(a) for a in args]), "max", args)


def total(values: Iterable[Operand]) -> Value:
    """v₀ + v₁ + ... + vₙ₋₁, added left to right as a chain of ``add`` nodes.

    Unlike ``sum(values)`` it starts from v₀, not from 0, so the graph has no ``0 + v₀`` node,
    and the floats are those of the loop ``t = v₀; t = t + v₁; ...``. At least one of the
    values must be a Value (the result is one); an empty iterable is a ValueError.
    """
    iterator = iter(values)
    try:
        result: Any = next(iterator)
    except StopIteration:
        raise ValueError("total: got no values to add") from None
    for v in iterator:
        result = result + v
    if not isinstance(result, Value):
        raise TypeError(f"total: expected Values among the items, got only {type(result).__name__}")
    return result


# --- The same functions for a Value or a plain number --------------------------------------
# On a Value they record an op; on a number they return a float. Derivative rules use them so
# that one rule serves the float backward pass and the Value one (create_graph=True).


def _on(x: Any, name: str, formula: Callable[[float], float]) -> Any:
    """``formula(x)`` for a number. An operand that stands for numbers still to come (a symbol
    of :mod:`autograd_lite.codegen`, writing a rule's source) says what the function's value
    is with its ``engine_function(name)``: so rules that call these functions can be written
    out too."""
    if type(x) is float:
        return formula(x)
    stands_for = getattr(x, "engine_function", None)
    if stands_for is not None:
        return stands_for(name)
    return formula(_real(x, name))


def exp(x: Operand) -> Any:
    """eˣ of a Value (recorded) or of a number (a float)."""
    return x.exp() if isinstance(x, Value) else _on(x, "exp", _exp)


def log(x: Operand) -> Any:
    """ln x of a Value (recorded) or of a number (a float)."""
    return x.log() if isinstance(x, Value) else _on(x, "log", _log)


def sqrt(x: Operand) -> Any:
    """√x of a Value (recorded) or of a number (a float)."""
    return x.sqrt() if isinstance(x, Value) else _on(x, "sqrt", _sqrt)


def tanh(x: Operand) -> Any:
    """tanh x of a Value (recorded) or of a number (a float)."""
    return x.tanh() if isinstance(x, Value) else _on(x, "tanh", math.tanh)


def sigmoid(x: Operand) -> Any:
    """σ(x) of a Value (recorded) or of a number (a float)."""
    return x.sigmoid() if isinstance(x, Value) else _on(x, "sigmoid", _sigmoid)


def relu(x: Operand) -> Any:
    """max(0, x) of a Value (recorded) or of a number (a float)."""
    return x.relu() if isinstance(x, Value) else _on(x, "relu", _relu)


def sin(x: Operand) -> Any:
    """sin x of a Value (recorded) or of a number (a float)."""
    return x.sin() if isinstance(x, Value) else _on(x, "sin", _sin)


def cos(x: Operand) -> Any:
    """cos x of a Value (recorded) or of a number (a float)."""
    return x.cos() if isinstance(x, Value) else _on(x, "cos", _cos)


def log1p(x: Operand) -> Any:
    """ln(1 + x) of a Value (recorded) or of a number (a float)."""
    return x.log1p() if isinstance(x, Value) else _on(x, "log1p", _log1p)


def expm1(x: Operand) -> Any:
    """eˣ − 1 of a Value (recorded) or of a number (a float)."""
    return x.expm1() if isinstance(x, Value) else _on(x, "expm1", _expm1)


def softplus(x: Operand) -> Any:
    """log(1 + eˣ) of a Value (recorded) or of a number (a float)."""
    return x.softplus() if isinstance(x, Value) else _on(x, "softplus", _softplus)


# --- Piecewise-constant factors of derivative rules ------------------------------------------
# Their own derivative is 0 wherever they are defined, so they return a plain float for a Value
# too: nothing flows back through them. A NaN argument gives NaN.


def step(x: Operand) -> Any:
    """H(x) = 1 if x > 0 else 0: ReLU′, with ReLU′(0) = 0."""
    x = _number(x)
    if type(x) is not float:
        return _on(x, "step", step)
    return 1.0 if x > 0.0 else 0.0 if x <= 0.0 else math.nan


def sign(x: Operand) -> Any:
    """sign(x) with sign(0) = 0: \\|x\\|′, with \\|x\\|′(0) = 0."""
    x = _number(x)
    if type(x) is not float:
        return _on(x, "sign", sign)
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else math.nan
