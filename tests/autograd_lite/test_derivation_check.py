"""check_derivation: hand-derived partials against the engine's, the course notes' homework
derivations passing and planted mistakes named, points outside the domain, and bad input."""

from __future__ import annotations

import math
from typing import Any

import pytest

import autograd_lite as al
import nn
from autograd_lite import Value, check_derivation
from autograd_lite.derivation_check import MAX_ROWS, DerivationReport
from autograd_lite.expression import ExpressionError


def f(x: Value, y: Value) -> Value:
    return x * y.sin() + x.exp()


MINE = {"x": lambda x, y: math.sin(y) + math.exp(x), "y": lambda x, y: x * math.cos(y)}


def test_a_right_derivation_passes_with_a_table() -> None:
    report = check_derivation(f, MINE)
    assert report and not report.mismatches
    assert len(report.rows) == 40 and all(row.agrees for row in report.rows)
    text = str(report)
    assert text.startswith("∂f/∂x, ∂f/∂y at 20 random points in [−2, 2], seed 0;")
    assert "point" in text and "engine" in text and "yours" in text
    assert text.count("✔") == 41 and "✘" not in text
    assert text.endswith("✔ all 40 partial derivatives agree with the engine's.")


def test_a_wrong_partial_is_named_in_words() -> None:
    wrong = {**MINE, "x": lambda x, y: math.sin(y) + math.exp(x) - 1.0}
    report = check_derivation(f, wrong, at=[(0.5, -1.2), (2.0, 3.0)])
    assert not report
    assert [m.variable for m in report.mismatches] == ["x", "x"]
    first = report.mismatches[0]
    assert first.point == (0.5, -1.2)
    assert first.engine == pytest.approx(math.sin(-1.2) + math.exp(0.5), rel=1e-15)
    assert first.yours == pytest.approx(first.engine - 1.0, rel=1e-15)
    assert report.summary() == (
        "✘ 2 of 4 disagree. The first: ∂f/∂x at x = 0.5, y = −1.2: the engine gives "
        "0.716682, yours −0.283318."
    )
    assert str(report).count("✘") == 3  # two rows and the summary


def test_a_close_disagreement_shows_the_digits_that_differ() -> None:
    report = check_derivation(lambda x: x * x, [lambda x: 2 * x * (1 + 1e-8)], at=[3.0], rtol=1e-9)
    assert report.summary().endswith("the engine gives 6, yours 6.00000006.")


def test_points_the_partials_and_f_itself_may_be_given_in_several_forms() -> None:
    as_list = check_derivation(f, [MINE["x"], MINE["y"]], at=[(2.0, 3.0)])
    as_strings = check_derivation(f, {"x": "sin(y) + exp(x)", "y": "x*cos(y)"}, at=[(2.0, 3.0)])
    by_name = check_derivation(f, MINE, at=[{"y": 3.0, "x": 2.0}])
    expression = check_derivation("x*sin(y) + exp(x)", ["sin(y) + exp(x)", "x*cos(y)"], at=[(2, 3)])
    one_argument = check_derivation(lambda t: t.tanh(), ["1 - tanh(t)**2"], at=[0.5, -1.0])
    for report in (as_list, as_strings, by_name, expression, one_argument):
        assert report, str(report)
    assert [r.engine for r in as_list.rows] == [r.engine for r in expression.rows]
    assert one_argument.variables == ("t",) and len(one_argument.rows) == 2


def test_an_expressions_arguments_are_its_variables_in_the_order_written() -> None:
    report = check_derivation("y*exp(x) + y", {"y": "exp(x) + 1", "x": "y*exp(x)"}, samples=2)
    assert report.variables == ("y", "x") and report.function == "f"


def test_the_functions_name_is_used_in_the_text() -> None:
    def energy(q: Value) -> Value:
        return q * q

    report = check_derivation(energy, [lambda q: q], at=[1.0])
    assert "∂energy/∂q at q = 1: the engine gives 2, yours 1." in str(report)


def test_random_points_are_the_same_every_run_and_follow_the_options() -> None:
    a = check_derivation(f, MINE, samples=5, seed=3, low=1.0, high=1.5)
    b = check_derivation(f, MINE, samples=5, seed=3, low=1.0, high=1.5)
    assert [r.point for r in a.rows] == [r.point for r in b.rows]
    assert len({r.point for r in a.rows}) == 5
    assert all(1.0 <= x <= 1.5 for r in a.rows for x in r.point)
    assert "random points in [1, 1.5], seed 3" in str(a)


def test_points_outside_the_domain_are_skipped_and_replaced() -> None:
    report = check_derivation(lambda x: x.log(), ["1/x"], samples=10)
    assert report and report.skipped > 0
    assert len(report.rows) == 10 and all(r.point[0] > 0 for r in report.rows)
    assert f"({report.skipped} outside the domain of f skipped)" in str(report)
    given = check_derivation(lambda x: x.sqrt(), ["1/(2*sqrt(x))"], at=[4.0, -1.0, 0.0])
    assert given and given.skipped == 2 and len(given.rows) == 1  # √0 has no finite slope


def test_a_function_outside_its_domain_everywhere_is_refused() -> None:
    with pytest.raises(ValueError, match="outside its domain at 1,000 of 1,000 random points"):
        check_derivation(lambda x: x.log(), ["1/x"], samples=20, low=-2.0, high=-1.0)
    with pytest.raises(ValueError, match="outside its domain at every point given"):
        check_derivation(lambda x: x.log(), ["1/x"], at=[-1.0])


def test_a_long_report_prints_the_rows_that_disagree() -> None:
    def wrong_at_one(x: float) -> float:
        return 2 * x if x < 1.5 else 0.0

    report = check_derivation(lambda x: x * x, [wrong_at_one], samples=MAX_ROWS + 20)
    text = str(report)
    assert "✔" not in text.splitlines()[3]  # only rows that disagree are listed
    assert "more rows not shown; report.rows has all" in text
    assert len(report.rows) == MAX_ROWS + 20


# --- The course notes' derivations --------------------------------------------------------------

#: The four-point problem: D = {((−3,−3),1), ((−2,−2),1), ((4,4),0), ((2,−5),0)},
#: ŷ = σ(w₁₁x₁ + w₁₂x₂), E = Σ (y − ŷ)².
POINTS = [((-3.0, -3.0), 1.0), ((-2.0, -2.0), 1.0), ((4.0, 4.0), 0.0), ((2.0, -5.0), 0.0)]


def four_point_error(w11: Value, w12: Value) -> Value:
    return al.total([(y - (w11 * x1 + w12 * x2).sigmoid()) ** 2 for (x1, x2), y in POINTS])


def four_point_partial(j: int, sigma_prime: bool = True) -> Any:
    """∂E/∂w₁ⱼ = Σ −2(y − ŷ)·ŷ(1 − ŷ)·xⱼ, or the planted mistake without σ′."""

    def partial(w11: float, w12: float) -> float:
        total = 0.0
        for x, y in POINTS:
            y_hat = 1.0 / (1.0 + math.exp(-(w11 * x[0] + w12 * x[1])))
            factor = y_hat * (1.0 - y_hat) if sigma_prime else 1.0
            total += -2.0 * (y - y_hat) * factor * x[j]
        return total

    return partial


def test_the_four_point_problems_gradient() -> None:
    right = check_derivation(four_point_error, [four_point_partial(0), four_point_partial(1)])
    assert right, str(right)
    wrong = check_derivation(
        four_point_error, [four_point_partial(0), four_point_partial(1, sigma_prime=False)]
    )
    assert not wrong and {m.variable for m in wrong.mismatches} == {"w12"}
    assert "The first: ∂four_point_error/∂w12 at" in wrong.summary()


def softmax_cross_entropy(a1: Value, a2: Value, a3: Value) -> Value:
    """ℓ = −log softmax(a)₂ for the class y = 2 (from 1): the notes' output layer."""
    return -nn.log_softmax([a1, a2, a3])[1]


def _softmax(*a: float) -> list[float]:
    top = max(a)
    e = [math.exp(v - top) for v in a]
    return [v / sum(e) for v in e]


def test_the_output_error_is_f_minus_y_tilde() -> None:
    # δ⁽²⁾ₖ = ∂ℓ/∂a⁽²⁾ₖ = fₖ(x) − Ỹₖ, with Ỹ the one-hot class (0, 1, 0).
    y_tilde = (0.0, 1.0, 0.0)
    delta = [lambda *a, k=k: _softmax(*a)[k] - y_tilde[k] for k in range(3)]
    assert check_derivation(softmax_cross_entropy, delta)
    # The mistake of differentiating the softmax alone: fₖ(1 − fₖ), the diagonal of its Jacobian.
    wrong = [lambda *a, k=k: _softmax(*a)[k] * (1 - _softmax(*a)[k]) for k in range(3)]
    report = check_derivation(softmax_cross_entropy, wrong)
    assert not report and report.mismatches[0].variable == "a1"


#: A shallow network with two hidden sigmoid units and a softmax output of three classes,
#: its weights fixed: W⁽¹⁾ (2 × 2), W⁽²⁾ (3 × 2), the class y = 1 (from 0).
W1 = [[0.5, -1.0], [1.5, 0.25]]
W2 = [[1.0, -0.5], [0.3, 0.8], [-1.2, 0.4]]
X = [0.7, -0.2]
Y = 1


def _network(b1: list[Any], b2: list[Any], sigmoid: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """(a⁽¹⁾, z⁽¹⁾, a⁽²⁾) of the shallow network, on Values or floats alike."""
    a1 = [sum(w * x for w, x in zip(row, X)) + b for row, b in zip(W1, b1)]
    z1 = [sigmoid(a) for a in a1]
    a2 = [sum(w * z for w, z in zip(row, z1)) + b for row, b in zip(W2, b2)]
    return a1, z1, a2


def network_loss(b11: Value, b12: Value, b21: Value, b22: Value, b23: Value) -> Value:
    _, _, a2 = _network([b11, b12], [b21, b22, b23], al.sigmoid)
    return -nn.log_softmax(a2)[Y]


def _deltas(*b: float) -> tuple[list[float], list[float], list[float]]:
    """δ⁽²⁾ = f(x) − Ỹ and δ⁽¹⁾ = σ′(a⁽¹⁾) ∘ (W⁽²⁾)ᵀδ⁽²⁾, with z⁽¹⁾, by the notes' formulas."""
    _, z1, a2 = _network(list(b[:2]), list(b[2:]), lambda a: 1.0 / (1.0 + math.exp(-a)))
    delta2 = [fk - (1.0 if k == Y else 0.0) for k, fk in enumerate(_softmax(*a2))]
    back = [sum(W2[k][m] * delta2[k] for k in range(3)) for m in range(2)]
    delta1 = [z * (1.0 - z) * d for z, d in zip(z1, back)]
    return delta1, delta2, z1


def test_the_bias_gradients_are_the_deltas() -> None:
    # ∂ℓ/∂b⁽ʰ⁾ = δ⁽ʰ⁾: δ⁽¹⁾ for the first layer's biases, δ⁽²⁾ for the second's.
    right = [lambda *b, m=m: _deltas(*b)[0][m] for m in range(2)]
    right += [lambda *b, k=k: _deltas(*b)[1][k] for k in range(3)]
    report = check_derivation(network_loss, right)
    assert report, str(report)
    # The planted mistake: δ⁽¹⁾ without σ′(a⁽¹⁾), that is (W⁽²⁾)ᵀδ⁽²⁾ alone.
    no_sigma_prime = [
        lambda *b, m=m: _deltas(*b)[0][m] / (_deltas(*b)[2][m] * (1 - _deltas(*b)[2][m]))
        for m in range(2)
    ]
    wrong = check_derivation(network_loss, no_sigma_prime + right[2:])
    assert not wrong and {m.variable for m in wrong.mismatches} == {"b11", "b12"}
    # The weights' formula used for a bias: δ⁽²⁾ₖ·z⁽¹⁾ instead of δ⁽²⁾ₖ·1.
    times_z = [lambda *b, k=k: _deltas(*b)[1][k] * _deltas(*b)[2][0] for k in range(3)]
    wrong = check_derivation(network_loss, right[:2] + times_z)
    assert not wrong and wrong.mismatches[0].variable == "b21"


# --- Bad input ---------------------------------------------------------------------------------


class Recorder:
    """A function of Values that counts its calls: bad input must be refused before any."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, x: Value, y: Value) -> Value:
        self.calls += 1
        return x * y


@pytest.mark.parametrize(
    ("partials", "error", "message"),
    [
        ({"x": "y", "y": "x", "z": "1"}, ValueError, "'z' is not an argument of f \\(its"),
        ({"x": "y"}, ValueError, "no partial for ∂f/∂y; give one for each argument \\(x, y\\)"),
        (["y"], ValueError, "1 partials for the 2 arguments of f \\(x, y\\)"),
        ("y", TypeError, "expected a dict by argument name or a list"),
        ({"x": "y", "y": 2.0}, TypeError, "∂f/∂y: expected a function of floats or an expr"),
        ({"x": "w", "y": "x"}, ValueError, "'w', uses w, which is not an argument of f \\(x, y"),
        ({"x": "y.real", "y": "x"}, ExpressionError, "not allowed: attribute access"),
        ({"x": lambda x: 1.0, "y": "x"}, TypeError, "∂f/∂x must take f's 2 arguments \\(x, y\\)"),
    ],
)
def test_bad_partials_are_refused_before_anything_is_evaluated(
    partials: Any, error: type[Exception], message: str
) -> None:
    recorder = Recorder()
    with pytest.raises(error, match=message):
        check_derivation(recorder, partials)
    assert recorder.calls == 0


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"at": []}, ValueError, "no points"),
        (
            {"at": [(1.0,)]},
            ValueError,
            "at\\[0\\]\\): expected 2 numbers \\(x, y\\), got \\(1.0,\\)",
        ),
        ({"at": [(1.0, math.nan)]}, ValueError, "at\\[0\\]\\[1\\]\\): expected a finite number"),
        ({"at": [{"x": 1.0, "z": 2.0}]}, ValueError, "expected x, y"),
        ({"at": 1.0}, TypeError, "expected a list of points"),
        ({"samples": 0}, ValueError, "samples\\): expected an integer ≥ 1"),
        ({"seed": 1.5}, TypeError, "seed\\): expected an integer"),
        ({"low": 1.0, "high": 1.0}, ValueError, "low must be < high"),
        ({"rtol": -1.0}, ValueError, "rtol\\): expected a number ≥ 0"),
    ],
)
def test_bad_options_are_refused_before_anything_is_evaluated(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    recorder = Recorder()
    with pytest.raises(error, match=message):
        check_derivation(recorder, ["y", "x"], **options)
    assert recorder.calls == 0


def test_a_partial_that_raises_or_returns_no_number_is_named() -> None:
    def raises(x: float, y: float) -> float:
        return 1.0 / (x - x)

    with pytest.raises(
        ValueError, match=r"your ∂f/∂x raised ZeroDivisionError at x = 2.0, y = 3.0"
    ):
        check_derivation(f, [raises, MINE["y"]], at=[(2.0, 3.0)])
    with pytest.raises(
        TypeError,
        match=r"your ∂f/∂y returned NoneType at x = 2.0, y = 3.0: None; it must return a number",
    ):
        check_derivation(f, [MINE["x"], lambda x, y: None], at=[(2.0, 3.0)])
    with pytest.raises(TypeError, match=r"your ∂f/∂x returned a Value .*use math.exp"):
        check_derivation(lambda x: x.exp(), [lambda x: Value(x).exp()], at=[1.0])


def test_a_function_that_leaves_the_graph_is_refused() -> None:
    with pytest.raises(TypeError, match=r"f returned float, not a Value: .*not math.exp"):
        check_derivation(lambda x: math.exp(x), ["exp(x)"], at=[1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a function of Values or an expression string"):
        check_derivation(3.0, ["1"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="fn takes \\*args"):
        check_derivation(lambda *xs: xs[0], ["1"])
    with pytest.raises(TypeError, match="no argument to differentiate by"):
        check_derivation(lambda: Value(1.0), [])
    with pytest.raises(ValueError, match="has no variables"):
        check_derivation("2 + 3", [])


def test_the_report_is_exported_and_reads_as_its_summary() -> None:
    report = check_derivation(f, MINE, samples=2)
    assert isinstance(report, DerivationReport)
    assert (
        repr(report) == "<DerivationReport: ✔ all 4 partial derivatives agree with the engine's.>"
    )
