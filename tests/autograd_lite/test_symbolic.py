"""Derivatives as formulas from the rule table: every op's, the local derivatives explain shows,
the names, the refusals, and SymPy's own ``diff`` as an oracle over random expressions of every
op the command line's language has."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import Value, defvjp, explain, grad, topological_order
from autograd_lite.expression import FUNCTIONS, evaluate, parse
from autograd_lite.float_ops import DomainError
from autograd_lite.rules import RULES, Variadic
from autograd_lite.symbolic import local_derivative, names, symbolic_grad


@pytest.fixture
def sympy() -> Any:
    return pytest.importorskip("sympy")


def test_the_formulas_of_a_function_of_two_variables() -> None:
    x, y = Value(2.0, "x"), Value(3.0, "y")
    f = x * y.sin() + x.exp()
    dx, dy = symbolic_grad(f, [x, y])
    assert (str(dx), str(dy)) == ("sin(y) + exp(x)", "x·cos(y)")
    assert dx.latex == "\\sin\\left(y\\right) + e^{x}"
    assert str(symbolic_grad(f, y)) == "x·cos(y)"  # one Value: one formula


#: One graph per op the engine defines, on leaves a = 0.7 and b = 1.3, and the text of ∂/∂a
#: its rule writes (and of ∂/∂b where there is a second operand).
OPS: dict[str, tuple[Callable[[Value, Value], Value], str, str | None]] = {
    "add": (lambda a, b: a + b, "1", "1"),
    "sub": (lambda a, b: a - b, "1", "−1"),
    "mul": (lambda a, b: a * b, "b", "a"),
    "div": (lambda a, b: a / b, "1/b", "−a/b/b"),
    "pow": (lambda a, b: a**b, "b·a^(b − 1)", "a^b·log(a)"),
    "neg": (lambda a, b: -a, "−1", None),
    "abs": (lambda a, b: abs(a), "sign(a)", None),
    "exp": (lambda a, b: a.exp(), "exp(a)", None),
    "log": (lambda a, b: a.log(), "1/a", None),
    "sqrt": (lambda a, b: a.sqrt(), "1/(2·sqrt(a))", None),
    "tanh": (lambda a, b: a.tanh(), "1 − tanh(a)·tanh(a)", None),
    "sigmoid": (lambda a, b: a.sigmoid(), "sigmoid(a)·(1 − sigmoid(a))", None),
    "relu": (lambda a, b: a.relu(), "step(a)", None),
    "sin": (lambda a, b: a.sin(), "cos(a)", None),
    "cos": (lambda a, b: a.cos(), "−sin(a)", None),
    "log1p": (lambda a, b: a.log1p(), "1/(1 + a)", None),
    "expm1": (lambda a, b: a.expm1(), "expm1(a) + 1", None),
    "softplus": (lambda a, b: a.softplus(), "sigmoid(a)", None),
    "affine": (lambda a, b: al.affine([a, 2.0], [b, b], 0.5), "b", "a + 2"),
    "max": (lambda a, b: al.maximum([a, b, 1.0]), "0", "1"),  # b = 1.3 is the largest
}


def _engine_ops() -> set[str]:
    """The ops whose rules the engine itself registers (not a test's or a user's)."""
    found = set()
    for op, rule in RULES.items():
        function = rule.partials if isinstance(rule, Variadic) else rule[0]
        if getattr(function, "__module__", "") == "autograd_lite.value":
            found.add(op)
    return found


def test_every_op_of_the_engine_is_covered() -> None:
    assert _engine_ops() == set(OPS)


@pytest.mark.parametrize("op", sorted(OPS))
def test_each_ops_formula_is_its_rule_and_gives_backwards_numbers(op: str) -> None:
    build, da, db = OPS[op]
    a, b = Value(0.7, "a"), Value(1.3, "b")
    out = build(a, b)
    assert out.op == op
    formulas = symbolic_grad(out, [a, b] if db is not None else [a])
    assert [str(f) for f in formulas] == [da] + ([db] if db is not None else [])
    numbers = grad(out, [a, b] if db is not None else [a])
    for formula, number in zip(formulas, numbers):
        assert formula.evaluate({"a": 0.7, "b": 1.3}) == pytest.approx(number, rel=1e-14)


def test_a_rules_branch_is_taken_as_the_engine_takes_it_at_the_point() -> None:
    # ∂(aᵇ)/∂b = aᵇ·ln a where a > 0; where a ≤ 0 the engine takes it as 0.
    a, b = Value(-2.0, "a"), Value(3.0, "b")
    assert str(symbolic_grad(a**b, b)) == "0"
    # max: the gradient goes to the operand that is the largest at the point.
    x, y = Value(1.0, "x"), Value(2.0, "y")
    assert [str(f) for f in symbolic_grad(al.maximum([x, y]), [x, y])] == ["0", "1"]
    # relu and abs keep their derivatives as functions: step and sign.
    assert str(symbolic_grad((x * y).relu(), x)) == "step(x·y)·y"


def test_terms_come_in_the_order_the_expression_is_written() -> None:
    x = Value(0.5, "x")
    assert str(symbolic_grad(x.exp() * x.sin() + x * x, x)) == (
        "sin(x)·exp(x) + exp(x)·cos(x) + x + x"
    )


def test_a_constant_base_keeps_its_logarithm_written() -> None:
    x = Value(0.5, "x")
    assert str(symbolic_grad(2.0**x, x)) == "2^x·log(2)"


def test_leaves_not_differentiated_are_symbols_and_unlabelled_ones_get_their_place() -> None:
    x, c = Value(2.0, "x"), Value(3.0)
    f = (x * c).tanh()
    place = topological_order(f).index(c)
    assert names(f)[c] == f"v{place}"
    assert str(symbolic_grad(f, x)) == f"(1 − tanh(x·v{place})·tanh(x·v{place}))·v{place}"


def test_the_picture_drawn_with_the_names_shows_an_unlabelled_leafs_name() -> None:
    x, c = Value(2.0, "x"), Value(3.0)
    f = x * c
    name = names(f)[c]
    assert name in str(symbolic_grad(f, x))
    assert f'label="{{ {name} | data 3 |' in al.draw_graph(f, labels=names(f)).source


def test_names_are_the_ones_explain_writes() -> None:
    x1, x2 = Value(1.0, "x"), Value(2.0, "x")  # a shared label
    out = (x1 * x2 + Value(0.5)).sigmoid()
    out.label = "out"
    assert names(out) == explain(out).names
    assert sorted(names(out).values()) == ["out", "v0", "v3", "v4", "x@v1", "x@v2"]


# --- Local derivatives: the notation of explain --------------------------------------------------


def test_local_derivatives_are_written_in_the_operands_names() -> None:
    x1, w1, b = Value(2.0, "x1"), Value(-3.0, "w1"), Value(6.88, "b")
    v = w1 * x1
    out = (v + b).tanh()
    named = names(out)
    assert str(local_derivative(v, 0, named)) == "x1"  # ∂v/∂w1 = x1
    assert str(local_derivative(v, 1, named)) == "w1"
    s = out.args[0]
    assert str(local_derivative(s, 0, named)) == "1"
    assert str(local_derivative(out, 0, named)) == f"1 − tanh({named[s]})·tanh({named[s]})"
    assert str(local_derivative(x1.relu(), 0, {x1: "a"})) == "step(a)"
    assert str(local_derivative(x1.exp(), 0, {x1: "a"})) == "exp(a)"
    assert str(local_derivative(x1 * x1, 1, {x1: "a"})) == "a"


def test_local_derivative_refuses_what_has_no_derivative() -> None:
    x = Value(2.0, "x")
    y = x * 3.0
    with pytest.raises(ValueError, match="is a leaf"):
        local_derivative(x, 0, {x: "x"})
    with pytest.raises(ValueError, match=r"the number 3\.0, not a Value"):
        local_derivative(y, 1, {x: "x"})
    with pytest.raises(ValueError, match="out of range"):
        local_derivative(y, 2, {x: "x"})
    with pytest.raises(ValueError, match="no name for operand 0"):
        local_derivative(y, 0, {})
    with pytest.raises(TypeError, match="operand_index"):
        local_derivative(y, 0.0, {x: "x"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="node must be a Value"):
        local_derivative(2.0, 0, {})  # type: ignore[arg-type]


# --- User-defined ops ----------------------------------------------------------------------------

defvjp("test_symbolic.cube", lambda g, out, a: g * 3.0 * a * a, forward=lambda a: a**3)
# A rule that reads its operand's float cannot be written out: its partial becomes a symbol.
defvjp("test_symbolic.flat", lambda g, out, a: g * math.cos(float(a)), forward=math.sin)


def test_a_users_rule_is_written_out_when_it_is_arithmetic() -> None:
    x = Value(2.0, "x")
    out = Value.apply("test_symbolic.cube", x).exp()
    formula = symbolic_grad(out, x)
    assert str(formula) == "3·exp(test_symbolic.cube(x))·x·x"
    assert formula.evaluate({"x": 2.0}) == pytest.approx(grad(out, [x])[0], rel=1e-14)


def test_a_rule_that_reads_floats_gives_its_partial_as_a_symbol() -> None:
    x = Value(0.3, "x")
    out = Value.apply("test_symbolic.flat", x * x)
    assert str(symbolic_grad(out, x)) == "test_symbolic.flat′(x·x)·x + test_symbolic.flat′(x·x)·x"
    assert str(local_derivative(out, 0, {out.args[0]: "u"})) == "test_symbolic.flat′(u)"


# --- Refusals ------------------------------------------------------------------------------------


def test_bad_arguments_are_named() -> None:
    x, other = Value(1.0, "x"), Value(2.0, "other")
    y = x * x
    with pytest.raises(TypeError, match="y must be a Value"):
        symbolic_grad(1.0, [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"wrt\[1\] must be a Value"):
        symbolic_grad(y, [x, 2.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"wrt\[0\] \(label 'other', data 2\) is not in y's"):
        symbolic_grad(y, [other])
    with pytest.raises(ValueError, match="wrt is empty"):
        symbolic_grad(y, [])
    with pytest.raises(TypeError, match="names: root must be a Value"):
        names(2.0)  # type: ignore[arg-type]


def test_a_graph_too_large_is_refused_naming_its_size() -> None:
    x = Value(1.0, "x")
    total = al.total([x * float(i) for i in range(300)])
    with pytest.raises(
        ValueError, match=r"the graph differentiated has 600 Values, too many .*max_nodes=500"
    ):
        symbolic_grad(total, x)
    assert symbolic_grad(total, x, max_nodes=600).evaluate({"x": 1.0}) == sum(range(300))


def test_a_formula_too_long_is_refused_naming_its_length() -> None:
    x = Value(1.0001, "x")
    y = x
    for _ in range(20):
        y = y * y  # 20 nodes; the formula of ∂y/∂x writes x 2²⁰ times
    y.label = "y"
    with pytest.raises(ValueError, match=r"∂y/∂x has [\d,]+ symbols, too long .*explain\(\)"):
        symbolic_grad(y, x)


def test_a_graph_deeper_than_the_recursion_limit() -> None:
    x, c = Value(0.1, "x"), Value(0.5, "c")
    y = x
    depth = 2 * sys.getrecursionlimit()
    for _ in range(depth):
        y = 1.0 - y * c  # ∂y/∂x = ±c·c·…·c, a formula as deep as the graph
    formula = symbolic_grad(y, x, max_nodes=2 * depth + 2)
    assert formula.evaluate({"x": 0.1, "c": 0.5}) == grad(y, [x])[0]
    assert str(formula) == "·".join(["c"] * depth)  # an even number of minus signs
    assert formula.latex == " \\cdot ".join(["c"] * depth)


# --- SymPy's diff as an oracle -------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A random expression: its source in the command line's language, and SymPy's version."""

    source: str
    build: Callable[[dict[str, Any]], Any]  # SymPy's expression from SymPy's symbols
    smooth: bool  # no function of KINKED, whose derivatives SymPy cannot always simplify
    constant: bool  # no variable in it


def _case(
    source: str, build: Callable[[dict[str, Any]], Any], smooth: bool, parts: list[Case]
) -> Case:
    """A case made of ``parts``. Where all of them are numbers the language computes the part
    in floats (``cos(2)`` is the float −0.4161468365471424), so SymPy gets that float too."""
    if all(p.constant for p in parts):
        return Case(source, lambda s: _folded(source), smooth, True)
    return Case(source, build, smooth, False)


def _folded(source: str) -> Any:
    import sympy

    try:
        return sympy.Rational(repr(float(evaluate(source, {}))))
    except (DomainError, ArithmeticError):
        return sympy.nan  # the expression is outside its domain: the test skips it


def _sympy_functions(sp: Any) -> dict[str, tuple[int, Callable[..., Any]]]:
    """Each function of the language: how many arguments, and SymPy's own version of it."""
    return {
        "exp": (1, sp.exp),
        "log": (1, sp.log),
        "sqrt": (1, sp.sqrt),
        "tanh": (1, sp.tanh),
        "sigmoid": (1, lambda a: 1 / (1 + sp.exp(-a))),
        "relu": (1, lambda a: sp.Max(0, a)),
        "sin": (1, sp.sin),
        "cos": (1, sp.cos),
        "abs": (1, sp.Abs),
        "softplus": (1, lambda a: sp.log(1 + sp.exp(a))),
        "log1p": (1, lambda a: sp.log(1 + a)),
        "expm1": (1, lambda a: sp.exp(a) - 1),
        "max": (2, sp.Max),
        "min": (2, sp.Min),
    }


def test_the_oracle_knows_every_function_of_the_language(sympy: Any) -> None:
    assert set(FUNCTIONS) <= set(_sympy_functions(sympy))


VARIABLES = ("x", "y", "z")
#: Functions with a kink: the derivative is piecewise (sign(|x|)·sign(x) is sign(x), and SymPy
#: writes ∂max(x, y)/∂x as Heaviside(x − y), where the engine's rule picks the larger operand
#: at the point); formulas with them are compared with SymPy's at the point only.
KINKED = ("abs", "relu", "max", "min")
_BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}
_BINARY |= {"/": lambda a, b: a / b, "**": lambda a, b: a**b}


def _leaves() -> st.SearchStrategy[Case]:
    variable = st.sampled_from(VARIABLES).map(lambda v: Case(v, lambda s, v=v: s[v], True, False))
    number = st.sampled_from(["2", "3", "0.5", "1.5"]).map(
        lambda n: _case(n, lambda s: None, True, [])  # a number: built by _folded
    )
    return st.one_of(variable, variable, number)


def _expressions(sp: Any) -> st.SearchStrategy[Case]:
    functions = {name: spec for name, spec in _sympy_functions(sp).items() if name in FUNCTIONS}

    def extend(inner: st.SearchStrategy[Case]) -> st.SearchStrategy[Case]:
        binary = st.tuples(st.sampled_from(sorted(_BINARY)), inner, inner).map(
            lambda t: _case(
                f"({t[1].source}) {t[0]} ({t[2].source})",
                lambda s, t=t: _BINARY[t[0]](t[1].build(s), t[2].build(s)),
                t[1].smooth and t[2].smooth,
                [t[1], t[2]],
            )
        )
        call = st.sampled_from(sorted(functions)).flatmap(
            lambda name: st.lists(
                inner, min_size=functions[name][0], max_size=functions[name][0]
            ).map(lambda args, name=name: _call(name, functions[name][1], args))
        )
        negation = inner.map(
            lambda a: _case(f"-({a.source})", lambda s, a=a: -a.build(s), a.smooth, [a])
        )
        return st.one_of(binary, call, call, negation)

    return st.recursive(_leaves(), extend, max_leaves=8)


def _call(name: str, function: Callable[..., Any], args: list[Case]) -> Case:
    return _case(
        f"{name}({', '.join(a.source for a in args)})",
        lambda s: function(*[a.build(s) for a in args]),
        name not in KINKED and all(a.smooth for a in args),
        args,
    )


def _point() -> st.SearchStrategy[dict[str, float]]:
    """Distinct values in [−2, 2], none an integer: where a negative base has an integer power,
    the engine takes ∂(aᵇ)/∂b as 0 and SymPy's aᵇ·log(a) is complex."""
    grid = st.lists(st.integers(-74, 74), min_size=3, max_size=3, unique=True)
    return grid.map(lambda ks: {v: k / 37 + 0.0123 for v, k in zip(VARIABLES, ks)})


def _with_engine_kinks(sp: Any, expression: Any) -> Any:
    """SymPy's Heaviside(u) as Heaviside(u, 0): H(0) = 0, the engine's ReLU′(0) = 0."""
    return expression.replace(
        lambda e: isinstance(e, sp.Heaviside), lambda e: sp.Heaviside(e.args[0], 0)
    )


def _signs_at(sp: Any, point: dict[str, float]) -> dict[Any, Any]:
    """Each variable with its sign at the point: x as a positive symbol, or as −u with u
    positive. A formula holds near the point, where the signs are these; knowing them, SymPy
    simplifies log(x·x) to 2·log(x) (or 2·log(u)), which it cannot for any real x."""
    return {
        sp.Symbol(v, real=True): sp.Symbol(v, positive=True)
        if x > 0
        else -sp.Symbol(v, positive=True)
        for v, x in point.items()
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_formulas_agree_with_sympys_diff_of_random_expressions(data: st.DataObject) -> None:
    sp = pytest.importorskip("sympy")
    case = data.draw(_expressions(sp), label="expression")
    point = data.draw(_point(), label="point")
    expression = parse(case.source)
    assume(expression.variables)
    values = {v: Value(point[v], v) for v in expression.variables}
    try:
        out = expression.evaluate(values)
        numbers = grad(out, list(values.values()))  # type: ignore[arg-type]
    except (DomainError, ArithmeticError):
        assume(False)
        return
    assume(all(math.isfinite(n) and abs(n) < 1e6 for n in numbers))
    symbols = {v: sp.Symbol(v, real=True) for v in VARIABLES}
    theirs_f = case.build(symbols)
    ours = symbolic_grad(out, list(values.values()))  # type: ignore[arg-type]
    for name, formula, number in zip(values, ours, numbers):
        theirs = sp.diff(theirs_f, symbols[name])
        at = {symbols[v]: sp.Float(point[v], 30) for v in VARIABLES}
        # Numerically, at the point: SymPy's derivative, ours, and backward()'s agree.
        where = f"∂/∂{name} of {case.source} at {point}: {formula} vs {theirs}"
        assert formula.evaluate(point) == pytest.approx(number, rel=1e-9, abs=1e-12), where
        their_number = float(_with_engine_kinks(sp, theirs).evalf(30, subs=at))
        assert their_number == pytest.approx(number, rel=1e-9, abs=1e-12), where
        if case.smooth:  # symbolically, after simplification, near the point
            difference = sp.simplify((formula.sympy - theirs).subs(_signs_at(sp, point)))
            # Where simplify cannot reach 0, SymPy's equals() must not find them different
            # (it evaluates at random points, and returns False only for a sure difference).
            assert difference == 0 or difference.equals(0) is not False, where
