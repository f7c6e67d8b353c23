"""Formulas: the identities their constructors apply, how they print (text, LaTeX, SymPy), their
values, and walks over formulas deeper than Python's recursion limit."""

from __future__ import annotations

import math
import sys
from typing import Any

import pytest

import autograd_lite as al
from autograd_lite.float_ops import DomainError
from autograd_lite.formula import MAX_WRITTEN, Formula, latex_name

x, y, z = Formula.variable("x"), Formula.variable("y"), Formula.variable("z")


@pytest.fixture
def sympy() -> Any:
    return pytest.importorskip("sympy")


@pytest.mark.parametrize(
    ("formula", "text"),
    [
        (y * al.cos(x) + al.exp(x), "y·cos(x) + exp(x)"),
        (0 + x, "x"),
        (x * 1 + 0 * y, "x"),
        (x * 2, "2·x"),
        (-1 * x, "−x"),
        (-(x.__neg__()), "x"),
        (-(x - y), "y − x"),
        (x - (y + z), "x − (y + z)"),
        (x + (y - z), "x + y − z"),
        (x + -y, "x − y"),
        (x - -y, "x + y"),
        (x + (-2), "x − 2"),
        (3 * (2 * x), "6·x"),
        (x * (2 * y), "2·x·y"),
        ((2 * x) * (3 * y), "6·x·y"),
        (0.1 * (3 * x), "0.1·3·x"),  # not 0.30000000000000004·x
        (-2 * x, "−2·x"),
        (x + -2 * y, "x − 2·y"),
        (y - (-1) / x, "y + 1/x"),
        (-x * y, "−x·y"),
        (x * (y + z), "x·(y + z)"),
        ((x / y) * z, "(x/y)·z"),
        (x / (y * z), "x/(y·z)"),
        (x / y**2, "x/y^2"),
        (x ** (y - 1), "x^(y − 1)"),
        ((x * y) ** 2, "(x·y)^2"),
        ((-2) ** x, "(−2)^x"),
        (x**-1, "x^(−1)"),
        (x**1, "x"),
        (x**0, "1"),
        (abs(x - y), "|x − y|"),
        (al.step(x) * al.sign(y), "step(x)·sign(y)"),
        (al.sigmoid(x) * (1 - al.sigmoid(x)), "sigmoid(x)·(1 − sigmoid(x))"),
        (Formula.apply("affine", y, Formula.constant(3), x, z, 2), "y + 3·z + 2·x"),
        (Formula.apply("max", x, y, 0.5), "max(x, y, 0.5)"),
        (Formula.apply("mylib.f", x, y), "mylib.f(x, y)"),
        (Formula.partial("mylib.g", 0, [x]), "mylib.g′(x)"),
        (Formula.partial("mylib.f", 1, [x, y]), "∂₂mylib.f(x, y)"),
    ],
)
def test_text(formula: Formula, text: str) -> None:
    assert str(formula) == text


@pytest.mark.parametrize(
    ("formula", "text"),
    [
        (Formula.constant(2) * 3, "6"),
        (Formula.constant(1) / 2, "0.5"),
        (Formula.constant(1) / 3, "1/3"),  # not 0.3333333333333333
        (al.exp(Formula.constant(0)), "1"),
        (al.log(Formula.constant(2)), "log(2)"),
        (al.log(Formula.constant(-1)), "log(−1)"),  # no value: left as it is
        (Formula.constant(1) / 0, "1/0"),
        (Formula.constant(-0.0), "0"),
        (Formula.constant(1e-7) * x, "1e-07·x"),
    ],
)
def test_numbers_are_computed_only_when_the_result_is_short(formula: Formula, text: str) -> None:
    assert str(formula) == text


def test_the_engines_functions_take_formulas() -> None:
    for name in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "softplus"):
        formula = getattr(al, name)(x)
        assert isinstance(formula, Formula) and str(formula) == f"{name}(x)"
    assert str(al.log1p(x) + al.expm1(y)) == "log1p(x) + expm1(y)"


@pytest.mark.parametrize(
    ("formula", "latex"),
    [
        (y * al.cos(x) + al.exp(x), "y \\cdot \\cos\\left(x\\right) + e^{x}"),
        (x / (y + 1), "\\frac{x}{y + 1}"),
        ((x / y) ** 2, "\\left(\\frac{x}{y}\\right)^{2}"),
        (x ** (y - 1), "x^{y - 1}"),
        (-(x + y) * z, "-\\left(x + y\\right) \\cdot z"),
        (al.sqrt(x) - abs(y), "\\sqrt{x} - \\left|y\\right|"),
        (al.sigmoid(x) * al.step(x), "\\sigma\\left(x\\right) \\cdot H\\left(x\\right)"),
        (al.expm1(x) * 2, "2 \\cdot \\left(e^{x} - 1\\right)"),
        (Formula.constant(1.5e-7) * x, "1.5 \\times 10^{-7} \\cdot x"),
        (Formula.partial("f", 1, [x, y]), "\\partial_{2} \\operatorname{f}\\left(x, y\\right)"),
    ],
)
def test_latex(formula: Formula, latex: str) -> None:
    assert formula.latex == latex
    assert formula._repr_latex_() == f"${latex}$"  # what Jupyter shows


@pytest.mark.parametrize(
    ("name", "latex"),
    [
        ("x", "x"),
        ("w1", "w_{1}"),
        ("b_2", "b_{2}"),
        ("alpha", "\\alpha"),
        ("lambda3", "\\lambda_{3}"),
        ("loss", "\\mathrm{loss}"),
        ("W1[1,2]", "\\text{W1[1,2]}"),
        ("x@v2", "\\text{x@v2}"),
        ("a_b#$", "\\text{a\\_b\\#\\$}"),
    ],
)
def test_latex_names(name: str, latex: str) -> None:
    assert latex_name(name) == latex


def test_evaluate_computes_each_op_by_the_engines_forward_formula() -> None:
    f = y * al.cos(x) + al.exp(x) + al.relu(x - y) + al.step(x) + al.sign(-y)
    at = {"x": 0.5, "y": -1.25}
    expected = -1.25 * math.cos(0.5) + math.exp(0.5) + 1.75 + 1.0 + 1.0
    assert f.evaluate(at) == pytest.approx(expected, rel=1e-15)
    assert f.variables == ["y", "x"]  # each once, in the order written
    with pytest.raises(DomainError):
        al.log(x).evaluate({"x": -1.0})
    with pytest.raises(ValueError, match="no value for the variable 'y'"):
        f.evaluate({"x": 1.0})
    with pytest.raises(ValueError, match=r"mylib\.g′"):
        Formula.partial("mylib.g", 0, [x]).evaluate({"x": 1.0})
    with pytest.raises(ValueError, match=r"'mylib\.nothing' has no forward formula"):
        Formula.apply("mylib.nothing", x).evaluate({"x": 1.0})


def test_size_counts_shared_parts_each_time_they_are_written() -> None:
    f = x + y  # 3 symbols
    g = f * f  # written (x + y)·(x + y): 7 symbols
    assert f.size == 3 and g.size == 7


def test_a_formula_deeper_than_the_recursion_limit_is_walked_without_recursing() -> None:
    depth = 3 * sys.getrecursionlimit()
    f = x
    for _ in range(depth):
        f = al.sin(f) + 1
    assert f.size == 3 * depth + 1
    text = str(f)
    assert text.startswith("sin(" * 10) and text.count("sin(") == depth
    expected = 0.0
    for _ in range(depth):
        expected = math.sin(expected) + 1.0
    assert f.evaluate({"x": 0.0}) == expected  # the same operations in the same order
    assert f.latex.count("\\sin") == depth


def test_a_formula_too_long_to_write_says_its_size_instead() -> None:
    f = x
    for _ in range(60):
        f = f * f  # 2⁶⁰ x's written out, 60 objects held
    assert f.size > MAX_WRITTEN
    assert str(f) == f"⟨a formula of {f.size:,} symbols, too long to write out⟩"
    assert f.latex == str(f)


def test_bad_input_is_named() -> None:
    with pytest.raises(TypeError, match="non-empty str"):
        Formula.variable("")
    with pytest.raises(TypeError, match=r"Formula\.constant"):
        Formula.constant(True)
    with pytest.raises(TypeError, match="a Formula or a number"):
        Formula.apply("add", x, "y")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2n \\+ 1 operands"):
        Formula.apply("affine", x, y)


# --- SymPy ------------------------------------------------------------------------------------


def test_sympy_has_every_function_of_the_engine(sympy: Any) -> None:
    s = {name: sympy.Symbol(name, real=True) for name in "xyz"}
    cases = {
        al.exp(x): sympy.exp(s["x"]),
        al.log1p(x): sympy.log(1 + s["x"]),
        al.expm1(x): sympy.exp(s["x"]) - 1,
        al.softplus(x): sympy.log(1 + sympy.exp(s["x"])),
        al.sigmoid(x): 1 / (1 + sympy.exp(-s["x"])),
        al.relu(x): sympy.Max(0, s["x"]),
        al.step(x): sympy.Heaviside(s["x"], 0),  # H(0) = 0: the engine's ReLU′(0)
        al.sign(x): sympy.sign(s["x"]),
        abs(x): sympy.Abs(s["x"]),
        Formula.apply("max", x, y): sympy.Max(s["x"], s["y"]),
        x ** (y - 1) / z: s["x"] ** (s["y"] - 1) / s["z"],
        Formula.constant(0.1) * x: s["x"] / 10,  # the exact decimal
        Formula.apply("mylib.f", x): sympy.Function("mylib.f")(s["x"]),
    }
    for formula, expected in cases.items():
        assert sympy.simplify(formula.sympy - expected) == 0, str(formula)


def test_a_partial_is_sympys_derivative_at_the_operands(sympy: Any) -> None:
    s = sympy.Symbol("s", real=True)
    partial = Formula.partial("g", 0, [x * x]).sympy
    g = sympy.Function("g")
    expected = sympy.diff(g(s), s).subs(s, sympy.Symbol("x", real=True) ** 2)
    assert sympy.simplify(partial.doit() - expected.doit()) == 0


def test_without_sympy_the_message_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sympy", None)  # import sympy now raises ImportError
    with pytest.raises(ModuleNotFoundError, match=r"autograd-lite\[symbolic\]"):
        _ = (x + y).sympy
    assert str(x + y) == "x + y"  # the rest works without it
