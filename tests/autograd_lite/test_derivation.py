"""explain: the derivation's lines, numbers from the rule table, gradients equal to backward()."""

from __future__ import annotations

import math
import random

import pytest

from autograd_lite import DomainError, Value, affine, maximum, topological_order
from autograd_lite.derivation import DEFAULT_MAX_LINES, explain
from autograd_lite.rules import RULES


def small() -> tuple[Value, Value, Value]:
    """L = (a·b + a)² … with a used three times (fan-out) and a constant operand."""
    a, b = Value(2.0, "a"), Value(3.0, "b")
    c = a * b
    loss = (c + a) * (c + a) * 0.5 - b / a
    loss.label = "L"
    return loss, a, b


def test_the_forward_lines_name_each_op_and_its_operands_and_give_the_value() -> None:
    a, b = Value(2.0, "a"), Value(3.0, "b")
    v = a * b
    text = str(explain(v))
    assert "a = 2   (a leaf)" in text
    assert "v2 = a · b = 6" in text


def test_the_backward_lines_show_the_local_derivative_and_the_product() -> None:
    a, b = Value(2.0, "a"), Value(3.0, "b")
    v = a * b
    v.label = "L"
    lines = str(explain(v)).splitlines()
    assert "∂L/∂L = 1" in lines
    assert "∂L/∂a += ∂L/∂L · ∂L/∂a = 1 · 3 = 3" in lines
    assert "∂L/∂b += ∂L/∂L · ∂L/∂b = 1 · 2 = 2" in lines


def test_fan_out_shows_several_additions_to_one_node_with_the_sum_so_far() -> None:
    loss, a, _ = small()
    lines = [line for line in str(explain(loss)).splitlines() if line.startswith("∂L/∂a +=")]
    assert len(lines) == 4  # a is used by a·b, by the two a·b + a and by b / a
    assert "so far" not in lines[0] and "so far" in lines[1] and "so far" in lines[2]
    loss.backward()
    assert lines[-1].endswith(f"(∂L/∂a so far: {a.grad:.6g})")


def test_the_lines_come_in_topological_order_and_backward_in_reverse() -> None:
    loss, _, _ = small()
    e = explain(loss)
    forward = [s.node for s in e.steps if s.phase == "forward"]
    backward = [s.node for s in e.steps if s.phase == "backward"]
    assert forward == list(range(len(e.order)))
    assert backward == sorted(backward, reverse=True)
    assert e.order == topological_order(loss)


def test_the_gradients_equal_backward_to_the_bit_and_no_grad_is_touched() -> None:
    rng = random.Random(3)
    xs = [Value(rng.uniform(-1, 1), f"x{i}") for i in range(4)]
    ws = [Value(rng.uniform(-1, 1), f"w{i}") for i in range(4)]
    h = [affine(ws, xs, 0.1).tanh(), (xs[0] / ws[1]).sigmoid(), maximum(xs) ** 2]
    loss = (h[0] * h[1] - h[2]).exp().log() + abs(xs[2]) ** ws[3].relu()
    e = explain(loss)
    assert all(v.grad == 0.0 for v in e.order)
    loss.backward()
    assert all(e.gradients[v] == v.grad for v in e.order)
    table = str(e).split("Gradients of the leaves (what backward() gives):")[1]
    for v in [*xs, *ws]:
        assert f"{v.label}  " in table and f"{v.grad:.12g}" in table


def test_each_local_derivative_is_the_rules_partial_at_gradient_one() -> None:
    x = Value(0.3, "x")
    y = x.sin() / x.cos()
    e = explain(y)
    place = next(i for i, v in enumerate(e.order) if v.op == "sin")
    expected = RULES["sin"][0](1.0, e.order[place].data, 0.3)  # type: ignore[index]
    line = next(s.text for s in e.steps if s.phase == "backward" and s.node == place)
    assert f"· {expected:.6g} =" in line and expected == math.cos(0.3)


def test_a_label_shared_by_several_nodes_gets_its_place() -> None:
    x1, x2 = Value(1.0, "x"), Value(2.0, "x")
    text = str(explain(x1 * x2))
    assert "x@v0 = 2" in text and "x@v1 = 1" in text and "v2 = x@v1 · x@v0 = 2" in text


def test_wrt_keeps_the_nodes_between_the_given_leaves_and_the_root() -> None:
    a, b, c = Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "c")
    loss = a * b + c.exp()
    loss.label = "L"
    e = explain(loss, wrt=[c])
    text = str(e)
    assert "∂L/∂c +=" in text and "∂L/∂a +=" not in text and "∂L/∂b +=" not in text
    assert "Gradients of the chosen nodes" in text
    assert e.rows == [c] and math.isclose(e.gradients[c], math.exp(3.0))


def test_a_large_graph_is_summarised_and_says_how_to_restrict() -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(300):
        y = (y * 0.9).tanh()
    text = str(explain(y))
    assert len(text.splitlines()) < DEFAULT_MAX_LINES
    assert "more than max_lines=200" in text and "wrt=" in text and "lines left out" in text
    assert len(str(explain(y, max_lines=None)).splitlines()) > 900


def test_a_leaf_root_has_gradient_one() -> None:
    x = Value(4.0, "x")
    e = explain(x)
    assert e.gradients[x] == 1.0 and "∂x/∂x = 1" in str(e)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: explain(3.0), TypeError, "root must be a Value"),  # type: ignore[arg-type]
        (lambda: explain(Value(1.0), wrt=[2.0]), TypeError, "wrt[0] must be a Value"),  # type: ignore[list-item]
        (lambda: explain(Value(1.0), wrt=[Value(2.0, "z")]), ValueError, "'z'"),
        (lambda: explain(Value(1.0), wrt=[]), ValueError, "wrt is empty"),
        (lambda: explain(Value(1.0), max_lines=0), ValueError, "max_lines must be ≥ 1"),
        (lambda: explain(Value(1.0), max_lines=2.5), TypeError, "max_lines"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(
    call: object, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        call()  # type: ignore[operator]


def test_a_derivative_that_is_not_finite_is_a_domain_error() -> None:
    x = Value(0.0, "x")
    y = x.sqrt()
    with pytest.raises(DomainError, match="explain: the derivative of sqrt"):
        explain(y)


# --- explain(symbolic=True) ---------------------------------------------------------------------


def test_symbolic_writes_each_leafs_gradient_as_a_formula_beside_its_number() -> None:
    loss, a, b = small()
    explanation = explain(loss, symbolic=True)
    assert set(explanation.formulas) == {a, b}
    for leaf in (a, b):
        formula = explanation.formulas[leaf]
        assert formula.evaluate({"a": 2.0, "b": 3.0}) == pytest.approx(
            explanation.gradients[leaf], rel=1e-14
        )
    table = str(explanation).splitlines()[-2:]
    assert table[0].startswith("a ") and table[0].endswith(f"= {explanation.formulas[a]}")
    assert str(explanation.formulas[b]) == "(0.5·(a·b + a) + 0.5·(a·b + a))·a − 1/a"
    assert explanation.formulas[a]._repr_latex_().startswith("$")  # Jupyter shows LaTeX
    assert explain(loss).formulas == {} and "= " not in str(explain(loss)).splitlines()[-1]


def test_symbolic_with_wrt_writes_the_chosen_values_formulas() -> None:
    loss, _, b = small()
    explanation = explain(loss, wrt=[b], symbolic=True)
    assert list(explanation.formulas) == [b]
    with pytest.raises(TypeError, match="explain\\(symbolic\\): expected True or False"):
        explain(loss, symbolic=1)  # type: ignore[arg-type]
