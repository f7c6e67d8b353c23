"""Formulas: small expression trees of the engine's ops, printed as text, LaTeX and SymPy.

A :class:`Formula` is a number, a variable, or an op of the engine applied to formulas: the same
op names as the rule table (``add``, ``mul``, ``pow``, ``exp``, ``sigmoid``, ``max``, ...), plus
the two piecewise-constant factors the rules use, ``step`` (H(x) = 1 if x > 0 else 0) and
``sign``. An op the engine does not know, registered by a user with ``defvjp``, is written as a
function of its operands (``mylib.f(x, y)``); a derivative of it that its rule cannot write out
is written ``mylib.f′(x)`` (one operand) or ``∂₂mylib.f(x, y)`` (the partial with respect to
the second operand, counting from 1).

Formulas are built with Python's operators and the engine's functions, which accept them as
they accept numbers (``autograd_lite.exp(f)`` is a Formula; the engine asks the formula for
``engine_function("exp")``)::

    x, y = Formula.variable("x"), Formula.variable("y")
    f = y * autograd_lite.cos(x) + autograd_lite.exp(x)
    str(f)   # 'y·cos(x) + exp(x)'
    f.latex  # 'y \\cdot \\cos\\left(x\\right) + e^{x}'

Each constructor applies the identities that need no assumption about the variables: 0 + a = a,
1·a = a, 0·a = 0, a¹ = a, −(−a) = a, −a·b = −(a·b), a·(2·b) = 2·(a·b), and ops on numbers only
are computed (by the op's own forward formula) where the result is short to write: 2·3 is 6 and
exp(0) is 1, but 1/3 and log(2) stay as they are, and so does log(−1), which has no value.
Nothing else is simplified: that is SymPy's job (:attr:`Formula.sympy`, the optional extra
``autograd-lite[symbolic]``).

A formula is a tree whose subtrees may be shared, so a formula written out can be far longer
than the objects that hold it (:attr:`Formula.size` counts the symbols written). Every walk over
a formula keeps its own stack instead of recursing; text and LaTeX longer than
:data:`MAX_WRITTEN` symbols are not written out (``str`` says how long the formula is instead).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from autograd_lite import value
from autograd_lite.checks import real
from autograd_lite.rules import forward

__all__ = ["MAX_WRITTEN", "Formula"]

#: The most symbols ``str`` and ``latex`` write out; a longer formula prints as its size.
MAX_WRITTEN = 100_000

#: Ops on numbers only are computed when the result takes at most this many characters.
SHORT = 8

#: The kinds of node that are not ops of the engine.
NUMBER, VARIABLE, PARTIAL = "number", "variable", "partial"

#: The functions of one argument that the engine's rules call (:mod:`autograd_lite.value`).
FUNCTIONS = (
    *("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "log1p", "expm1"),
    *("softplus", "step", "sign", "abs"),
)

#: The factors whose own derivative is 0 (they are piecewise constant), computed on floats.
_FACTORS: dict[str, Callable[[float], float]] = {"step": value.step, "sign": value.sign}

# Binding strength when written: a part binding less tightly than its place needs is bracketed.
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5


class Formula:
    """An expression tree: a number, a variable or an op of the engine on formulas.

    Attributes:
        op: ``"number"``, ``"variable"``, ``"partial"`` (a derivative written as a symbol),
            or the name of an op or function (``"add"``, ``"exp"``, ``"step"``, ...).
        args: the operands, formulas, in the op's argument order.
        name: the variable's name; for ``"partial"``, the op differentiated.
        number: the number's value; for ``"partial"``, the operand's place (from 0).

    Build formulas with :meth:`constant`, :meth:`variable`, :meth:`apply` and Python's
    operators; two formulas are equal only when they are the same object.
    """

    __slots__ = ("op", "args", "name", "number")

    op: str
    args: tuple[Formula, ...]
    name: str
    number: float

    def __init__(
        self, op: str, args: tuple[Formula, ...] = (), name: str = "", number: float = 0.0
    ) -> None:
        self.op = op
        self.args = args
        self.name = name
        self.number = number

    # --- Building ---------------------------------------------------------------------------

    @classmethod
    def constant(cls, x: object) -> Formula:
        """The number ``x`` (a real number) as a formula."""
        number = real(x, "Formula.constant(x)")
        return cls(NUMBER, number=0.0 if number == 0.0 else number)  # no −0 in a formula

    @classmethod
    def variable(cls, name: str) -> Formula:
        """A variable called ``name`` (any non-empty text: ``x``, ``w1``, ``W1[1,2]``)."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"Formula.variable(name): expected a non-empty str, got {name!r}")
        return cls(VARIABLE, name=name)

    @classmethod
    def partial(cls, op: str, index: int, args: Sequence[Formula]) -> Formula:
        """∂op/∂(operand ``index``) at ``args``, for an op whose rule cannot be written out."""
        return cls(PARTIAL, tuple(args), name=op, number=float(index))

    @classmethod
    def apply(cls, op: str, *args: Formula | float) -> Formula:
        """``op`` applied to ``args`` (formulas or numbers), simplified as the module says.

        ``affine`` (b + Σⱼ wⱼxⱼ on the operands b, w₀, …, wₙ₋₁, x₀, …, xₙ₋₁) is written out as
        that sum; any other op is one node.
        """
        if not isinstance(op, str) or not op:
            raise TypeError(f"Formula.apply(op): expected an op's name, got {op!r}")
        operands = tuple(_formula(a, op) for a in args)
        if op == "affine":
            return _affine(operands)
        return _simplified(op, operands)

    def engine_function(self, name: str) -> Formula:
        """The engine's function ``name`` of this formula: how ``autograd_lite.exp(f)`` and
        the rules' ``step(a)``, ``cos(a)``, ... work on formulas."""
        return Formula.apply(name, self)

    def __add__(self, other: Formula | float) -> Formula:
        return Formula.apply("add", self, other)

    def __radd__(self, other: Formula | float) -> Formula:
        return Formula.apply("add", other, self)

    def __sub__(self, other: Formula | float) -> Formula:
        return Formula.apply("sub", self, other)

    def __rsub__(self, other: Formula | float) -> Formula:
        return Formula.apply("sub", other, self)

    def __mul__(self, other: Formula | float) -> Formula:
        return Formula.apply("mul", self, other)

    def __rmul__(self, other: Formula | float) -> Formula:
        return Formula.apply("mul", other, self)

    def __truediv__(self, other: Formula | float) -> Formula:
        return Formula.apply("div", self, other)

    def __rtruediv__(self, other: Formula | float) -> Formula:
        return Formula.apply("div", other, self)

    def __pow__(self, other: Formula | float) -> Formula:
        return Formula.apply("pow", self, other)

    def __rpow__(self, other: Formula | float) -> Formula:
        return Formula.apply("pow", other, self)

    def __neg__(self) -> Formula:
        return Formula.apply("neg", self)

    def __pos__(self) -> Formula:
        return self

    def __abs__(self) -> Formula:
        return Formula.apply("abs", self)

    # --- Reading ----------------------------------------------------------------------------

    @property
    def variables(self) -> list[str]:
        """The names of the variables in the formula, each once, in the order written."""
        names = (node.name for node in nodes(self) if node.op == VARIABLE)
        return list(dict.fromkeys(names))

    @property
    def size(self) -> int:
        """How many symbols (numbers, variables and ops) the formula has written out, every
        shared part counted each time it is written."""
        sizes: dict[Formula, int] = {}
        for node in nodes(self):
            sizes[node] = 1 + sum(sizes[a] for a in node.args)
        return sizes[self]

    def evaluate(self, values: Mapping[str, float]) -> float:
        """The formula's value when each variable has the value ``values[name]``.

        Each op is computed by its own forward formula (the rule table's, with the engine's
        domain checks: ``log`` of 0 is a ``DomainError``), ``step`` and ``sign`` as the engine
        computes them. A variable without a value, or a ``partial`` (which has no formula to
        compute), is a ``ValueError`` naming it.
        """
        results: dict[Formula, float] = {}
        for node in nodes(self):
            results[node] = _computed(node, [results[a] for a in node.args], values)
        return results[self]

    def __str__(self) -> str:
        """The formula as plain text: ``y·cos(x) + exp(x)``, ``x^2``, ``−sin(x)``, ``|x|``."""
        return self._written(_text_of)

    @property
    def latex(self) -> str:
        """The formula as LaTeX (math mode, without the dollars): ``e^{x} \\cdot \\sin…``."""
        return self._written(_latex_of)

    @property
    def sympy(self) -> Any:
        """The formula as a SymPy expression, each variable a real ``Symbol`` of its name.

        Needs SymPy, the optional extra: ``pip install 'autograd-lite[symbolic]'``. Then
        ``sympy.simplify(f.sympy)`` simplifies it. ``step`` is ``Heaviside(x, 0)`` (H(0) = 0,
        the engine's ReLU′(0)); a decimal constant is the exact decimal (0.1 is 1/10).
        """
        return to_sympy(self)

    def _repr_latex_(self) -> str:
        """Jupyter displays a formula as its LaTeX."""
        return f"${self.latex}$"

    def __repr__(self) -> str:
        return f"Formula({str(self)!r})"

    def _written(self, write: Callable[[Formula, list[tuple[str, int]]], tuple[str, int]]) -> str:
        size = self.size
        if size > MAX_WRITTEN:
            return f"⟨a formula of {size:,} symbols, too long to write out⟩"
        parts: dict[Formula, tuple[str, int]] = {}
        for node in nodes(self):
            parts[node] = write(node, [parts[a] for a in node.args])
        return parts[self][0]


def nodes(root: Formula) -> list[Formula]:
    """Every distinct node of ``root`` once, each after its operands (``root`` last): the
    order every walk over a formula uses. Iterative, so a formula may be of any depth."""
    order: list[Formula] = []
    seen: set[Formula] = set()
    # As in graph.order_of: a None above a node being expanded marks where its operands end.
    stack: list[Formula | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:
            placed = stack.pop()
            assert placed is not None
            order.append(placed)
        elif node not in seen:
            seen.add(node)
            stack += [node, None]
            stack.extend(a for a in reversed(node.args) if a not in seen)
    return order


def _formula(x: object, op: str) -> Formula:
    if isinstance(x, Formula):
        return x
    return Formula.constant(real(x, f"Formula.apply({op!r}) operand", "a Formula or a number"))


def _affine(args: tuple[Formula, ...]) -> Formula:
    """b + w₀x₀ + w₁x₁ + … on the operands (b, w₀, …, wₙ₋₁, x₀, …, xₙ₋₁), as sums."""
    if len(args) % 2 != 1:
        raise ValueError(f"Formula.apply('affine'): expected 2n + 1 operands, got {len(args)}")
    n = len(args) // 2
    result = args[0]
    for w, x in zip(args[1 : n + 1], args[n + 1 :]):
        result = _simplified("add", (result, _simplified("mul", (w, x))))
    return result


# --- The identities each constructor applies ----------------------------------------------------


def _is(f: Formula, number: float) -> bool:
    return f.op == NUMBER and f.number == number


def _simplified(op: str, args: tuple[Formula, ...]) -> Formula:
    """``op(*args)`` with the identities that hold for every value of the variables."""
    if args and all(a.op == NUMBER for a in args):
        folded = _fold(op, [a.number for a in args])
        if folded is not None:
            return folded
    rewrite = _REWRITES.get(op)
    result = rewrite(*args) if rewrite is not None and len(args) == _ARITY[op] else None
    return result if result is not None else Formula(op, args)


def _fold(op: str, numbers: list[float]) -> Formula | None:
    """The op computed on numbers, when the result is short to write (2·3 = 6, 1/2 = 0.5,
    exp(0) = 1); None where it is not (1/3, log(2) stay as they are) or is undefined (1/0)."""
    formula = _FACTORS.get(op) or forward(op)
    if formula is None:
        return None
    try:
        result = float(formula(*numbers))
    except (ArithmeticError, ValueError, TypeError):
        return None
    short = math.isfinite(result) and len(repr(abs(result))) <= SHORT
    return Formula.constant(result) if short else None


def _add(a: Formula, b: Formula) -> Formula | None:
    if _is(a, 0.0):
        return b
    if _is(b, 0.0):
        return a
    if b.op == "neg":  # a + (−c) = a − c
        return _simplified("sub", (a, b.args[0]))
    if b.op == NUMBER and b.number < 0.0:
        return _simplified("sub", (a, Formula.constant(-b.number)))
    if a.op == "neg":  # −c + b = b − c
        return _simplified("sub", (b, a.args[0]))
    return None


def _sub(a: Formula, b: Formula) -> Formula | None:
    if _is(b, 0.0):
        return a
    if _is(a, 0.0):
        return _simplified("neg", (b,))
    if b.op == "neg":  # a − (−c) = a + c
        return _simplified("add", (a, b.args[0]))
    if b.op == NUMBER and b.number < 0.0:
        return _simplified("add", (a, Formula.constant(-b.number)))
    return None


def _mul(a: Formula, b: Formula) -> Formula | None:
    if _is(a, 0.0) or _is(b, 0.0):
        return Formula.constant(0.0)
    if _is(a, 1.0):
        return b
    if _is(b, 1.0):
        return a
    if _is(a, -1.0):
        return _simplified("neg", (b,))
    if _is(b, -1.0):
        return _simplified("neg", (a,))
    if b.op == NUMBER and a.op != NUMBER:  # the number first: 2·x
        return _simplified("mul", (b, a))
    if a.op == NUMBER and a.number < 0.0 and b.op != NUMBER:  # −2·x = −(2·x)
        return _simplified("neg", (_simplified("mul", (Formula.constant(-a.number), b)),))
    if a.op == "neg":  # (−c)·b = −(c·b)
        return _simplified("neg", (_simplified("mul", (a.args[0], b)),))
    if b.op == "neg":
        return _simplified("neg", (_simplified("mul", (a, b.args[0])),))
    return _gathered(a, b)


def _coefficient(f: Formula) -> tuple[float, Formula | None]:
    """f as c·rest: a number is (c, None), 2·x is (2, x), anything else (1, f)."""
    if f.op == NUMBER:
        return f.number, None
    if f.op == "mul" and f.args[0].op == NUMBER:
        return f.args[0].number, f.args[1]
    return 1.0, f


def _gathered(a: Formula, b: Formula) -> Formula | None:
    """a·b with the numbers of both in front, multiplied: 3·(2·x) = 6·x, x·(2·y) = 2·(x·y)."""
    (c, rest_a), (d, rest_b) = _coefficient(a), _coefficient(b)
    if (c == 1.0 or rest_a is None) and (d == 1.0 or rest_b is None):
        return None  # no number to move: a·b as it is
    number = _fold("mul", [c, d])
    if number is None:
        return None  # 0.1·(3·x) stays as it is rather than 0.30000000000000004·x
    rests = [r for r in (rest_a, rest_b) if r is not None]
    rest = rests[0] if len(rests) == 1 else _simplified("mul", (rests[0], rests[1]))
    return _simplified("mul", (number, rest))


def _div(a: Formula, b: Formula) -> Formula | None:
    if _is(a, 0.0) and not _is(b, 0.0):
        return Formula.constant(0.0)
    if _is(b, 1.0):
        return a
    if _is(b, -1.0):
        return _simplified("neg", (a,))
    if a.op == "neg":
        return _simplified("neg", (_simplified("div", (a.args[0], b)),))
    if a.op == NUMBER and a.number < 0.0 and b.op != NUMBER:  # −1/a = −(1/a)
        return _simplified("neg", (_simplified("div", (Formula.constant(-a.number), b)),))
    if b.op == "neg":
        return _simplified("neg", (_simplified("div", (a, b.args[0])),))
    return None


def _neg(a: Formula) -> Formula | None:
    if a.op == "neg":
        return a.args[0]
    if a.op == "sub":  # −(b − c) = c − b
        return _simplified("sub", (a.args[1], a.args[0]))
    return None


def _pow(a: Formula, b: Formula) -> Formula | None:
    if _is(b, 1.0):
        return a
    if _is(b, 0.0):
        return Formula.constant(1.0)  # a⁰ = 1 for every a, as the engine computes 0⁰
    return None


_REWRITES: dict[str, Callable[..., Formula | None]] = {
    "add": _add,
    "sub": _sub,
    "mul": _mul,
    "div": _div,
    "neg": _neg,
    "pow": _pow,
}
_ARITY = {"add": 2, "sub": 2, "mul": 2, "div": 2, "neg": 1, "pow": 2}


# --- Computing -------------------------------------------------------------------------------


def _computed(node: Formula, args: list[float], values: Mapping[str, float]) -> float:
    """One node's value from its operands' values."""
    if node.op == NUMBER:
        return node.number
    if node.op == VARIABLE:
        if node.name not in values:
            raise ValueError(f"Formula.evaluate: no value for the variable {node.name!r}")
        return real(values[node.name], f"Formula.evaluate: the value of {node.name!r}")
    if node.op == PARTIAL:
        raise ValueError(
            f"Formula.evaluate: {_text_of(node, [(_number_text(x), ATOM) for x in args])[0]} "
            "is a derivative the rule of its op cannot write out; it has no formula to compute"
        )
    formula = _FACTORS.get(node.op) or forward(node.op)
    if formula is None:
        raise ValueError(
            f"Formula.evaluate: the op {node.op!r} has no forward formula "
            f"(register it with defvjp({node.op!r}, ..., forward=...))"
        )
    return float(formula(*args))


# --- Plain text ------------------------------------------------------------------------------

_TEXT_INFIX = {"add": (" + ", SUM), "sub": (" − ", SUM), "mul": ("·", PRODUCT)}
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _wrap(part: tuple[str, int], bracket: bool) -> str:
    return f"({part[0]})" if bracket else part[0]


def _number_text(x: float, minus: str = "−") -> str:
    """A number as written in a formula: ``2``, ``0.5``, ``−3``, ``1e-07``, ``∞``."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "∞" if x > 0 else f"{minus}∞"
    text = str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
    return text.replace("-", minus, 1) if text.startswith("-") else text


def _text_of(node: Formula, parts: list[tuple[str, int]]) -> tuple[str, int]:
    """(text, binding strength) of one node, from its operands' texts."""
    op = node.op
    if op == NUMBER:
        text = _number_text(node.number)
        return text, UNARY if text.startswith("−") else ATOM
    if op == VARIABLE:
        return node.name, ATOM
    if op in _TEXT_INFIX:
        symbol, strength = _TEXT_INFIX[op]
        left, right = parts
        # a − (b + c) needs its brackets, a + (b − c) and a·(b·c) do not; a·(−b) does, and
        # (a/b)·c has them to be read at a glance.
        bracket = right[1] < strength or (op == "sub" and right[1] == SUM) or right[1] == UNARY
        left_bracket = left[1] < strength or (op == "mul" and node.args[0].op == "div")
        return f"{_wrap(left, left_bracket)}{symbol}{_wrap(right, bracket)}", strength
    if op == "div":
        left, right = parts
        return f"{_wrap(left, left[1] < PRODUCT)}/{_wrap(right, right[1] <= UNARY)}", PRODUCT
    if op == "neg":
        return f"−{_wrap(parts[0], parts[0][1] < PRODUCT)}", UNARY
    if op == "pow":
        base, exponent = parts
        return f"{_wrap(base, base[1] <= POWER)}^{_wrap(exponent, exponent[1] < ATOM)}", POWER
    if op == "abs":
        return f"|{parts[0][0]}|", ATOM
    return f"{_function_name(node)}({', '.join(p[0] for p in parts)})", ATOM


def _function_name(node: Formula) -> str:
    """``exp``, ``max``, ``mylib.f``; for a partial ``mylib.f′`` or ``∂₂mylib.f``."""
    if node.op != PARTIAL:
        return node.op
    if len(node.args) == 1:
        return f"{node.name}′"
    return f"∂{str(int(node.number) + 1).translate(_SUBSCRIPTS)}{node.name}"


# --- LaTeX -------------------------------------------------------------------------------------

#: One-argument functions as LaTeX: a template for the operand, and its binding strength.
_LATEX_FUNCTIONS = {
    "exp": ("e^{{{}}}", POWER),
    "log": ("\\log\\left({}\\right)", ATOM),
    "sqrt": ("\\sqrt{{{}}}", ATOM),
    "tanh": ("\\tanh\\left({}\\right)", ATOM),
    "sigmoid": ("\\sigma\\left({}\\right)", ATOM),
    "relu": ("\\operatorname{{relu}}\\left({}\\right)", ATOM),
    "sin": ("\\sin\\left({}\\right)", ATOM),
    "cos": ("\\cos\\left({}\\right)", ATOM),
    "log1p": ("\\log\\left(1 + {}\\right)", ATOM),
    "expm1": ("e^{{{}}} - 1", SUM),
    "softplus": ("\\log\\left(1 + e^{{{}}}\\right)", ATOM),
    "step": ("H\\left({}\\right)", ATOM),
    "sign": ("\\operatorname{{sign}}\\left({}\\right)", ATOM),
    "abs": ("\\left|{}\\right|", ATOM),
}
_LATEX_INFIX = {"add": (" + ", SUM), "sub": (" - ", SUM), "mul": (" \\cdot ", PRODUCT)}
_GREEK = frozenset(
    (
        *("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"),
        *("lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi"),
        *("omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega"),
    )
)
_INDEXED = re.compile(r"([A-Za-z]+)_?([0-9]+)")
_FRACTION = 0  # a \frac is written as a unit, but a power of it needs brackets


def _latex_of(node: Formula, parts: list[tuple[str, int]]) -> tuple[str, int]:
    """(LaTeX, binding strength) of one node, from its operands' LaTeX."""
    op = node.op
    if op == NUMBER:
        text = _latex_number(node.number)
        return text, UNARY if text.startswith("-") else ATOM
    if op == VARIABLE:
        return latex_name(node.name), ATOM
    if op in _LATEX_INFIX:
        symbol, strength = _LATEX_INFIX[op]
        left, right = parts
        left_bracket = 0 < left[1] < strength
        bracket = 0 < right[1] < strength or (op == "sub" and right[1] == SUM) or right[1] == UNARY
        return f"{_latex_wrap(left, left_bracket)}{symbol}{_latex_wrap(right, bracket)}", strength
    if op == "div":
        return f"\\frac{{{parts[0][0]}}}{{{parts[1][0]}}}", _FRACTION
    if op == "neg":
        return f"-{_latex_wrap(parts[0], 0 < parts[0][1] < PRODUCT)}", UNARY
    if op == "pow":
        base, exponent = parts
        return f"{_latex_wrap(base, base[1] <= POWER)}^{{{exponent[0]}}}", POWER
    if op in _LATEX_FUNCTIONS and len(parts) == 1:
        template, strength = _LATEX_FUNCTIONS[op]
        return template.format(parts[0][0]), strength
    arguments = ", ".join(p[0] for p in parts)
    return f"{_latex_function_name(node)}\\left({arguments}\\right)", ATOM


def _latex_wrap(part: tuple[str, int], bracket: bool) -> str:
    return f"\\left({part[0]}\\right)" if bracket else part[0]


def _latex_number(x: float) -> str:
    text = _number_text(x, "-").replace("∞", "\\infty")
    if "e" in text and not text.endswith("nan"):
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return "\\mathrm{NaN}" if text == "nan" else text


def latex_name(name: str) -> str:
    """A variable's name as LaTeX: ``x``, ``w_{1}`` for ``w1`` or ``w_1``, ``\\alpha``,
    ``\\mathrm{loss}``, and any other text as ``\\text{…}``, its special characters escaped."""
    if name in _GREEK:
        return f"\\{name}"
    if len(name) == 1 and name.isascii() and name.isalpha():
        return name
    indexed = _INDEXED.fullmatch(name)
    if indexed:
        stem, index = indexed.groups()
        return f"{latex_name(stem)}_{{{index}}}"
    if name.isascii() and name.isalpha():
        return f"\\mathrm{{{name}}}"
    return f"\\text{{{_latex_escaped(name)}}}"


def _latex_escaped(text: str) -> str:
    replaced = {"\\": "\\textbackslash{}", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}"}
    return "".join(replaced.get(c, f"\\{c}" if c in "#$%&_{}" else c) for c in text)


def _latex_function_name(node: Formula) -> str:
    if node.op == PARTIAL:
        name = f"\\operatorname{{{_latex_escaped(node.name)}}}"
        return f"\\partial_{{{int(node.number) + 1}}} {name}"
    if node.op == "max":
        return "\\max"
    return f"\\operatorname{{{_latex_escaped(node.op)}}}"


# --- SymPy ----------------------------------------------------------------------------------


def to_sympy(formula: Formula) -> Any:
    """``formula`` as a SymPy expression (:attr:`Formula.sympy`)."""
    try:
        import sympy
    except ImportError:
        raise ModuleNotFoundError(
            "Formula.sympy needs SymPy, the optional extra: pip install 'autograd-lite[symbolic]'"
        ) from None
    results: dict[Formula, Any] = {}
    for node in nodes(formula):
        results[node] = _sympy_of(sympy, node, [results[a] for a in node.args])
    return results[formula]


def _sympy_functions(sp: Any) -> dict[str, Callable[..., Any]]:
    """The engine's ops and functions as SymPy builds them."""
    return {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
        "pow": lambda a, b: a**b,
        "neg": lambda a: -a,
        "abs": sp.Abs,
        "exp": sp.exp,
        "log": sp.log,
        "sqrt": sp.sqrt,
        "tanh": sp.tanh,
        "sin": sp.sin,
        "cos": sp.cos,
        "sigmoid": lambda a: 1 / (1 + sp.exp(-a)),
        "relu": lambda a: sp.Max(0, a),
        "log1p": lambda a: sp.log(1 + a),
        "expm1": lambda a: sp.exp(a) - 1,
        "softplus": lambda a: sp.log(1 + sp.exp(a)),
        "step": lambda a: sp.Heaviside(a, 0),
        "sign": sp.sign,
        "max": sp.Max,
    }


def _sympy_of(sp: Any, node: Formula, args: list[Any]) -> Any:
    """One node as SymPy, from its operands as SymPy."""
    if node.op == NUMBER:
        x = node.number
        if math.isnan(x):
            return sp.nan
        if math.isinf(x):
            return sp.oo if x > 0 else -sp.oo
        return sp.Integer(int(x)) if x.is_integer() else sp.Rational(repr(x))
    if node.op == VARIABLE:
        return sp.Symbol(node.name, real=True)
    if node.op == PARTIAL:
        # ∂ᵢf at the operands: the derivative of f in its i-th argument, taken at them.
        slots = [sp.Dummy(f"a{i + 1}", real=True) for i in range(len(args))]
        derivative = sp.Derivative(sp.Function(node.name)(*slots), slots[int(node.number)])
        return sp.Subs(derivative, slots, args)
    function = _sympy_functions(sp).get(node.op)
    if function is None:
        return sp.Function(node.op)(*args)
    return function(*args)
