"""The engine: a ``Value`` wraps one float and records the op and operands that produced it.

Read the class top to bottom: each op computes its result from plain floats (the formulas of
:mod:`autograd_lite.float_ops`, with their domain checks) and, right above it, registers its
derivative rule in the table of :mod:`autograd_lite.rules`, one partial per operand::

    partial_i(g, out, *args) = g · ∂out/∂args[i]

``y.backward()`` (:mod:`autograd_lite.backward`) walks the graph and applies those rules; nothing
here walks it. After the class: :func:`make_node`, the one place a result is made (where the
modes of :mod:`autograd_lite.modes` act), the ops with any number of operands (``affine``,
``maximum``), and the functions that take a Value or a number.

Two design choices keep the engine fast and its memory small:

* A node holds no closure. Its op is a name and its operands a tuple, so a graph contains no
  reference cycle and is freed by reference counting as soon as its output is dropped.
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
import operator
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, SupportsFloat, TypeAlias

from autograd_lite import float_ops
from autograd_lite.backward import backward
from autograd_lite.checks import real
from autograd_lite.modes import MODES, hands_out, leaf_made, node_made
from autograd_lite.rules import FORWARDS, RULES, arity, defvjp_variadic, derivative

#: What the operators accept beside a Value: a real number (int, float, NumPy scalar).
Number: TypeAlias = int | float | SupportsFloat
Operand: TypeAlias = "Value | int | float"


class Value:
    """A scalar that remembers how it was computed.

    Attributes:
        data: the value, a Python float.
        grad: the accumulated gradient ∂y/∂self of every ``y.backward()`` since it was zeroed.
        label: a name for pictures and messages (``""`` by default).
        op: the name of the op that made this Value, ``""`` for a leaf.
        args: the operands of ``op`` in argument order: Values, and plain floats for number
            operands (``(x * 2).args == (x, 2.0)``).

    One more slot, ``upstream``, is the backward pass's scratch space: while a pass runs it
    holds the gradient ∂root/∂self gathered so far (see :mod:`autograd_lite.backward`).
    """

    __slots__ = ("data", "grad", "label", "op", "args", "upstream", "__weakref__")

    data: float
    grad: float
    label: str
    op: str
    args: tuple[Any, ...]
    upstream: float

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
        if not MODES.plain:
            leaf_made(self)

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was computed from, in argument order, repeats kept."""
        return tuple(a for a in self.args if isinstance(a, Value))

    # --- Arithmetic: each op with its derivative rule -----------------------------------------

    @derivative("add", lambda g, out, a, b: g, lambda g, out, a, b: g, forward=operator.add)
    def __add__(self, other: Operand) -> Value:
        """a + b.   ∂/∂a = 1,  ∂/∂b = 1."""
        if isinstance(other, Value):
            return make_node(self.data + other.data, "add", (self, other))
        other = _real(other, "+")
        return make_node(self.data + other, "add", (self, other))

    def __radd__(self, other: Operand) -> Value:
        other = _real(other, "+")
        return make_node(other + self.data, "add", (other, self))

    @derivative("sub", lambda g, out, a, b: g, lambda g, out, a, b: -g, forward=operator.sub)
    def __sub__(self, other: Operand) -> Value:
        """a − b.   ∂/∂a = 1,  ∂/∂b = −1."""
        if isinstance(other, Value):
            return make_node(self.data - other.data, "sub", (self, other))
        other = _real(other, "-")
        return make_node(self.data - other, "sub", (self, other))

    def __rsub__(self, other: Operand) -> Value:
        other = _real(other, "-")
        return make_node(other - self.data, "sub", (other, self))

    @derivative("mul", lambda g, out, a, b: g * b, lambda g, out, a, b: g * a, forward=operator.mul)
    def __mul__(self, other: Operand) -> Value:
        """a · b.   ∂/∂a = b,  ∂/∂b = a."""
        if isinstance(other, Value):
            return make_node(self.data * other.data, "mul", (self, other))
        other = _real(other, "*")
        return make_node(self.data * other, "mul", (self, other))

    def __rmul__(self, other: Operand) -> Value:
        other = _real(other, "*")
        return make_node(other * self.data, "mul", (other, self))

    @derivative(
        "div", lambda g, out, a, b: g / b, lambda g, out, a, b: -g * out / b, forward=float_ops.div
    )
    def __truediv__(self, other: Operand) -> Value:
        """a / b.   ∂/∂a = 1/b,  ∂/∂b = −a/b² = −(a/b)/b."""
        if isinstance(other, Value):
            return make_node(float_ops.div(self.data, other.data), "div", (self, other))
        other = _real(other, "/")
        return make_node(float_ops.div(self.data, other), "div", (self, other))

    def __rtruediv__(self, other: Operand) -> Value:
        other = _real(other, "/")
        return make_node(float_ops.div(other, self.data), "div", (other, self))

    @derivative(
        "pow",
        lambda g, out, a, b: g * 0.0 if _number(a) == 0.0 == _number(b) else g * b * a ** (b - 1.0),
        lambda g, out, a, b: g * out * log(a) if _number(a) > 0.0 else g * (0.0 * out),
        forward=float_ops.pow,
    )
    def __pow__(self, other: Operand) -> Value:
        """aᵇ.   ∂/∂a = b·aᵇ⁻¹,  ∂/∂b = aᵇ·ln a.

        The first partial is used wherever it is defined, also at b = 0 (where it is 0 but its
        own derivative with respect to b is aᵇ⁻¹); only at a = b = 0, where b·0⁻¹ is undefined
        and a⁰ = 1 for every a, it is 0. Where a ≤ 0 the power is not a differentiable function
        of a real exponent (0ᵇ is constant for b > 0; (−2)ᵇ is real only at integers), and the
        second partial is 0, written 0·aᵇ so that a NaN power gives a NaN partial.
        """
        if isinstance(other, Value):
            return make_node(float_ops.pow(self.data, other.data), "pow", (self, other))
        other = _real(other, "**")
        return make_node(float_ops.pow(self.data, other), "pow", (self, other))

    def __rpow__(self, other: Operand) -> Value:
        other = _real(other, "**")
        return make_node(float_ops.pow(other, self.data), "pow", (other, self))

    @derivative("neg", lambda g, out, a: -g, forward=operator.neg)
    def __neg__(self) -> Value:
        """−a.   d/da = −1."""
        return make_node(-self.data, "neg", (self,))

    def __pos__(self) -> Value:
        """+a is a itself: no op is recorded."""
        return self

    @derivative("abs", lambda g, out, a: g * sign(a), forward=abs)
    def __abs__(self) -> Value:
        """\\|a\\|.   d/da = sign(a), with \\|a\\|′(0) = 0."""
        return make_node(abs(self.data), "abs", (self,))

    # --- Functions ------------------------------------------------------------------------

    @derivative("exp", lambda g, out, a: g * out, forward=float_ops.exp)
    def exp(self) -> Value:
        """eˣ.   d/dx eˣ = eˣ.   Raises DomainError where eˣ overflows (x > 709.78)."""
        return make_node(float_ops.exp(self.data), "exp", (self,))

    @derivative("log", lambda g, out, a: g / a, forward=float_ops.log)
    def log(self) -> Value:
        """ln x for x > 0.   d/dx ln x = 1/x."""
        return make_node(float_ops.log(self.data), "log", (self,))

    @derivative("sqrt", lambda g, out, a: g / (2.0 * out), forward=float_ops.sqrt)
    def sqrt(self) -> Value:
        """√x for x ≥ 0.   d/dx √x = 1/(2√x), infinite at 0 (backward then raises)."""
        return make_node(float_ops.sqrt(self.data), "sqrt", (self,))

    @derivative("tanh", lambda g, out, a: g * (1.0 - out * out), forward=math.tanh)
    def tanh(self) -> Value:
        """tanh x.   d/dx tanh x = 1 − tanh²x.   tanh(±1000) = ±1 exactly, gradient 0."""
        return make_node(math.tanh(self.data), "tanh", (self,))

    @derivative("sigmoid", lambda g, out, a: g * out * (1.0 - out), forward=float_ops.sigmoid)
    def sigmoid(self) -> Value:
        """σ(x) = 1/(1 + e⁻ˣ).   σ′(x) = σ(x)(1 − σ(x)).   Never overflows: σ(−1000) = 0."""
        return make_node(float_ops.sigmoid(self.data), "sigmoid", (self,))

    @derivative("relu", lambda g, out, a: g * step(a), forward=float_ops.relu)
    def relu(self) -> Value:
        """max(0, x).   ReLU′(x) = 1 if x > 0 else 0 (so ReLU′(0) = 0)."""
        return make_node(float_ops.relu(self.data), "relu", (self,))

    @derivative("sin", lambda g, out, a: g * cos(a), forward=float_ops.sin)
    def sin(self) -> Value:
        """sin x.   d/dx sin x = cos x."""
        return make_node(float_ops.sin(self.data), "sin", (self,))

    @derivative("cos", lambda g, out, a: -g * sin(a), forward=float_ops.cos)
    def cos(self) -> Value:
        """cos x.   d/dx cos x = −sin x."""
        return make_node(float_ops.cos(self.data), "cos", (self,))

    @derivative("log1p", lambda g, out, a: g / (1.0 + a), forward=float_ops.log1p)
    def log1p(self) -> Value:
        """ln(1 + x) for x > −1, exact for tiny x.   d/dx ln(1 + x) = 1/(1 + x)."""
        return make_node(float_ops.log1p(self.data), "log1p", (self,))

    @derivative("expm1", lambda g, out, a: g * (out + 1.0), forward=float_ops.expm1)
    def expm1(self) -> Value:
        """eˣ − 1, exact for tiny x.   d/dx (eˣ − 1) = eˣ = (eˣ − 1) + 1."""
        return make_node(float_ops.expm1(self.data), "expm1", (self,))

    @derivative("softplus", lambda g, out, a: g * sigmoid(a), forward=float_ops.softplus)
    def softplus(self) -> Value:
        """log(1 + eˣ), with no positive exponent.   d/dx log(1 + eˣ) = σ(x)."""
        return make_node(float_ops.softplus(self.data), "softplus", (self,))

    # --- Ops defined outside this class ------------------------------------------------------

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
        return make_node(_real(data, f"{op} result"), op, operands)

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

    # --- Gradients ------------------------------------------------------------------------

    def backward(self, grad: Number = 1.0) -> None:
        """Add ∂self/∂v · ``grad`` to ``v.grad`` for every Value v in this Value's graph.

        Gradients accumulate: two calls add twice the gradient, never more. A Value reached by
        several paths receives the sum over the paths. The walk is iterative.
        """
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
        """``f"{v:.4f}"`` formats the data like a float; ``f"{v}"`` is ``repr(v)``, as
        ``str(v)`` is: a Value prints as what it is, its number with a spec."""
        return format(self.data, spec) if spec else repr(self)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """A NumPy scalar on the left (``np.float64(2) / v``) is handed to Value's reflected
        operator, which accepts and refuses exactly what the operator on the right does; any
        other ufunc (``np.exp(v)``) is a TypeError that names the engine's function."""
        return _numpy_ufunc(ufunc, method, inputs, kwargs)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


# --- Making a node: the one place an op's result is created ------------------------------------


def make_node(data: float, op: str, args: tuple[Any, ...]) -> Value:
    """A new node computed by ``op`` from ``args`` (Values and floats), with the value ``data``.

    The ops above call it with operands they have checked; :meth:`Value.from_op` is the checked
    form for user-defined ops. Unless :data:`~autograd_lite.modes.MODES` is ``plain``, the modes
    and observers of :mod:`autograd_lite.modes` see the node before it is returned.
    """
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node.op = op
    node.args = args
    if not MODES.plain:
        node_made(node)
    return node


_new = object.__new__


def _real(x: object, where: str) -> float:
    """``x`` as a float if it is a real number (bool excepted), else a ``TypeError`` naming it."""
    if type(x) is float:  # the common case, without a call
        return x
    return real(x, where, "a real number or a Value")


def _number(x: Any) -> Any:
    """The number a rule branches on: a Value's data, or the number itself. The observers hear
    of it, so that a trace can refuse ``step(v)`` in a traced function's own code."""
    if isinstance(x, Value):
        if not MODES.plain:
            hands_out("step(), sign() or a rule's branch", sys._getframe(2))
        return x.data
    return x


def _compared(other: object, symbol: str) -> float:
    return other.data if isinstance(other, Value) else _real(other, symbol)


#: The NumPy ufuncs that are Python operators: the operator, and the reflected method of
#: Value that a NumPy number on the left is handed to.
_OPERATOR_UFUNCS: dict[str, tuple[Callable[..., Any], str]] = {
    "add": (operator.add, "__radd__"),
    "subtract": (operator.sub, "__rsub__"),
    "multiply": (operator.mul, "__rmul__"),
    "divide": (operator.truediv, "__rtruediv__"),
    "true_divide": (operator.truediv, "__rtruediv__"),
    "power": (operator.pow, "__rpow__"),
    "negative": (operator.neg, ""),
    "positive": (operator.pos, ""),
    "absolute": (operator.abs, ""),
    "less": (operator.lt, "__gt__"),
    "less_equal": (operator.le, "__ge__"),
    "greater": (operator.gt, "__lt__"),
    "greater_equal": (operator.ge, "__le__"),
}

_COMPARISONS = ("less", "less_equal", "greater", "greater_equal")

#: The engine's functions that have a NumPy ufunc of the same name.
_ENGINE_FUNCTIONS = ("exp", "log", "log1p", "expm1", "sqrt", "tanh", "sin", "cos", "maximum")


def _numpy_ufunc(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``np.float64(2) / v`` is ``v.__rtruediv__(np.float64(2))``: the NumPy number is handed
    as it is to the method that takes a number on the right, so both sides accept the same
    numbers and refuse the rest (a bool, a complex, a 0-d array) with the same TypeError."""
    name = getattr(ufunc, "__name__", str(ufunc))
    operator_ufunc = _OPERATOR_UFUNCS.get(name)
    arrays = any(getattr(x, "ndim", 0) for x in inputs)  # an array of any shape but 0-d
    if method == "__call__" and not kwargs and operator_ufunc is not None and not arrays:
        function, reflected = operator_ufunc
        if isinstance(inputs[0], Value) or not reflected:
            return function(*inputs)
        number = inputs[0]
        if name in _COMPARISONS:  # NumPy hands a comparison its scalar as a 0-d array
            number = number[()]
        return getattr(inputs[1], reflected)(number)
    if name in _ENGINE_FUNCTIONS:
        hint = f"use v.{name}() or autograd_lite.{name}(v), which record the op"
    elif operator_ufunc is not None:
        hint = "a Value combines with numbers and Values; for an array, use a list of Values"
    else:
        hint = "use Value's operators and the engine's functions (autograd_lite.exp, log, ...)"
    raise TypeError(f"numpy.{name} does not work on a Value: {hint}")


# --- A neuron's pre-activation as one node ---------------------------------------------------


def _affine_partials(wanted: Sequence[int], g: Any, out: Any, args: Sequence[Any]) -> list[Any]:
    """For a = b + Σⱼ wⱼxⱼ with operands (b, w₀, ..., wₙ₋₁, x₀, ..., xₙ₋₁):
    ∂a/∂b = 1,  ∂a/∂wⱼ = xⱼ,  ∂a/∂xⱼ = wⱼ (each operand's partner sits n places away)."""
    n = len(args) // 2
    if len(wanted) == len(args):  # every operand a Value, as in a hidden layer: no index tests
        return [g, *[g * x for x in args[n + 1 :]], *[g * w for w in args[1 : n + 1]]]
    return [g if i == 0 else g * args[i + n] if i <= n else g * args[i - n] for i in wanted]


defvjp_variadic("affine", _affine_partials, forward=float_ops.affine)


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
    return make_node(float_ops.affine(*data), "affine", operands)


# --- The largest of several values, as one node ------------------------------------------


def first_maximum(out: Any, args: Sequence[Any]) -> list[float]:
    """Where the gradient of out = max(a₀, ..., aₙ₋₁) goes: for each aᵢ, 1.0 if it is the
    first operand equal to out, else 0.0; NaN for every one if out is NaN. Piecewise constant
    in the operands, so a number even when they are Values (its own derivative is 0); on a
    batch its array form (:mod:`autograd_lite.batch.array_forms`) computes it for every sample."""
    top = _number(out)
    if top != top:
        return [math.nan] * len(args)
    first = next(i for i, a in enumerate(args) if _number(a) == top)
    return [1.0 if i == first else 0.0 for i in range(len(args))]


def maximum_partials(wanted: Sequence[int], g: Any, out: Any, args: Sequence[Any]) -> list[Any]:
    """∂ max(a₀, ..., aₙ₋₁)/∂aᵢ = 1 for the first i where the maximum is attained, else 0
    (a subgradient at ties, as PyTorch's ``max``), NaN if an operand is NaN: g times
    :func:`first_maximum`. Written with nothing but ``*`` and that function, it runs on a
    batch's blocks as it stands, calling the function's array form."""
    at = first_maximum(out, args)
    return [g * at[i] for i in wanted]


defvjp_variadic("max", maximum_partials, forward=float_ops.maximum)


def maximum(values: Iterable[Operand]) -> Value:
    """The largest of ``values``, recorded as one ``max`` node whose gradient goes to the first
    operand that attains it. Unlike Python's ``max`` it reads no value out of the graph, so a
    traced function may use it (:mod:`autograd_lite.trace`); NaN among the values gives NaN."""
    args = tuple(v if isinstance(v, Value) else _real(v, "maximum item") for v in values)
    if not args:
        raise ValueError("maximum: got no values")
    if not any(isinstance(a, Value) for a in args):
        raise TypeError("maximum: expected Values among the items, got only numbers")
    return make_node(float_ops.maximum(*[_number(a) for a in args]), "max", args)


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
    return x.exp() if isinstance(x, Value) else _on(x, "exp", float_ops.exp)


def log(x: Operand) -> Any:
    """ln x of a Value (recorded) or of a number (a float)."""
    return x.log() if isinstance(x, Value) else _on(x, "log", float_ops.log)


def sqrt(x: Operand) -> Any:
    """√x of a Value (recorded) or of a number (a float)."""
    return x.sqrt() if isinstance(x, Value) else _on(x, "sqrt", float_ops.sqrt)


def tanh(x: Operand) -> Any:
    """tanh x of a Value (recorded) or of a number (a float)."""
    return x.tanh() if isinstance(x, Value) else _on(x, "tanh", math.tanh)


def sigmoid(x: Operand) -> Any:
    """σ(x) of a Value (recorded) or of a number (a float)."""
    return x.sigmoid() if isinstance(x, Value) else _on(x, "sigmoid", float_ops.sigmoid)


def relu(x: Operand) -> Any:
    """max(0, x) of a Value (recorded) or of a number (a float)."""
    return x.relu() if isinstance(x, Value) else _on(x, "relu", float_ops.relu)


def sin(x: Operand) -> Any:
    """sin x of a Value (recorded) or of a number (a float)."""
    return x.sin() if isinstance(x, Value) else _on(x, "sin", float_ops.sin)


def cos(x: Operand) -> Any:
    """cos x of a Value (recorded) or of a number (a float)."""
    return x.cos() if isinstance(x, Value) else _on(x, "cos", float_ops.cos)


def log1p(x: Operand) -> Any:
    """ln(1 + x) of a Value (recorded) or of a number (a float)."""
    return x.log1p() if isinstance(x, Value) else _on(x, "log1p", float_ops.log1p)


def expm1(x: Operand) -> Any:
    """eˣ − 1 of a Value (recorded) or of a number (a float)."""
    return x.expm1() if isinstance(x, Value) else _on(x, "expm1", float_ops.expm1)


def softplus(x: Operand) -> Any:
    """log(1 + eˣ) of a Value (recorded) or of a number (a float)."""
    return x.softplus() if isinstance(x, Value) else _on(x, "softplus", float_ops.softplus)


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
