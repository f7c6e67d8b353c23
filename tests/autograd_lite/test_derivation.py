"""explain: the derivation's lines, numbers from the rule table, gradients equal to backward()."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import DomainError, Value, affine, maximum, topological_order
from autograd_lite.derivation import DEFAULT_MAX_LINES, explain, number
from autograd_lite.rules import RULES, partials
from autograd_lite.symbolic import local_derivative


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
    assert "ḡ(L) = ∂L/∂L = 1" in lines
    assert "ḡ(a) += ḡ(L) · ∂L/∂a = ḡ(L) · b = 1 · 3 = 3" in lines
    assert "ḡ(b) += ḡ(L) · ∂L/∂b = ḡ(L) · a = 1 · 2 = 2" in lines


def test_fan_out_shows_several_additions_to_one_node_with_the_sum_so_far() -> None:
    loss, a, _ = small()
    lines = [line for line in str(explain(loss)).splitlines() if line.startswith("ḡ(a) +=")]
    assert len(lines) == 4  # a is used by a·b, by the two a·b + a and by b / a
    assert "so far" not in lines[0] and "so far" in lines[1] and "so far" in lines[2]
    loss.backward()
    assert lines[-1].endswith(f"(ḡ(a) so far: {a.grad:.6g})")


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
    assert "ḡ(c) +=" in text and "ḡ(a) +=" not in text and "ḡ(b) +=" not in text
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
    assert e.gradients[x] == 1.0 and "ḡ(x) = ∂x/∂x = 1" in str(e)


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


# --- On random graphs: the numbers are the engine's, every name is defined -----------------

OPS: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "square": lambda a, b: a * a,  # one operand twice: two += lines to it
    "div": lambda a, b: a / (b * b + 0.5),
    "pow": lambda a, b: a**3,
    "neg": lambda a, b: -a,
    "abs": lambda a, b: abs(a),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "relu": lambda a, b: a.relu(),
    "exp": lambda a, b: a.tanh().exp(),
    "log": lambda a, b: (a * a + 0.5).log(),
    "sin": lambda a, b: a.sin(),
    "affine": lambda a, b: affine([a, b], [b, 1.5], a),
    "max": lambda a, b: maximum([a, b, 0.25]),
}

graphs = st.tuples(
    st.lists(st.tuples(st.floats(-2.0, 2.0), st.booleans()), min_size=1, max_size=4),
    st.lists(
        st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 50), st.integers(0, 50)),
        min_size=1,
        max_size=7,
    ),
    st.one_of(st.none(), st.lists(st.integers(0, 50), min_size=1, max_size=3)),
)
NAME = re.compile(r"(?<![\w@])(?:x|v)\d+(?![\w@])")
NUMBER = r"\(?-?[\d.]+(?:e[-+]\d+)?\)?|inf|nan"


def build(leaves: list[tuple[float, bool]], program: list[tuple[str, int, int]]) -> Any:
    """The root of a random graph, its leaves (labelled x1, x2, … or not: then named v{i})."""
    values = [Value(x, f"x{i}" if named else "") for i, (x, named) in enumerate(leaves, 1)]
    made = list(values)
    for op, i, j in program:
        made.append(OPS[op](made[i % len(made)], made[j % len(made)]))
    return made[-1], values


def _local_lines(node: Value, kept: set[Value], g: float) -> list[tuple[int, Value, float, float]]:
    """(index, operand, ∂node/∂operand, g · ∂node/∂operand) for each line node's rule gives,
    from the rule table itself (an oracle apart from explain's walk)."""
    wanted = [i for i, a in enumerate(node.args) if isinstance(a, Value)]
    data = [a.data if isinstance(a, Value) else a for a in node.args]
    ones = partials(RULES[node.op], wanted, 1.0, node.data, data)
    products = partials(RULES[node.op], wanted, g, node.data, data)
    lines = [(i, node.args[i], float(d), float(p)) for i, d, p in zip(wanted, ones, products)]
    return [line for line in lines if node in kept and line[1] in kept]


@settings(max_examples=200, deadline=None)
@given(graph=graphs)
def test_on_random_graphs_every_number_is_the_engines_and_every_name_is_defined(
    graph: tuple[list[tuple[float, bool]], list[tuple[str, int, int]], list[int] | None],
) -> None:
    leaves, program, chosen = graph
    root, values = build(leaves, program)
    wrt = None if chosen is None else [values[i % len(values)] for i in chosen]
    wrt = None if wrt is None else [v for v in wrt if v in set(topological_order(root))] or None
    e = explain(root, wrt=wrt, max_lines=None)
    root.backward()  # the oracle: the engine's own walk
    assert all(e.gradients[v] == v.grad for v in e.order)  # to the bit
    kept = set(e.order if wrt is None else wrt)  # the nodes between wrt and the root
    for v in e.order:
        if any(a in kept for a in v.args if isinstance(a, Value)):
            kept.add(v)
    forward = [s for s in e.steps if s.phase == "forward"]
    defined = {s.text.split(" = ")[0] for s in forward}
    for s in forward:
        node = e.order[s.node]
        assert s.value == node.data and s.text.split(" = ")[-1].split("   ")[0] == number(s.value)
    running: dict[Value, float] = {}
    lines = [s for s in e.steps if s.phase == "backward" and s.operands]
    expected = [line for v in reversed(e.order) if v.op for line in _local_lines(v, kept, v.grad)]
    assert len(lines) == len(expected)
    for s, (i, u, local, product) in zip(lines, expected):
        v = e.order[s.node]
        assert e.order[s.operands[0]] is u
        _check_formula(s, v, i, e.names)
        assert s.local == local and s.answer == product  # the rule's floats, bit for bit
        running[u] = running.get(u, 0.0) + product
        assert s.value == running[u]
        g, d, p = re.search(rf" = ({NUMBER}) · ({NUMBER}) = ({NUMBER})", s.text).groups()  # type: ignore[union-attr]
        assert (g, d, p) == (_operand(v.grad), _operand(local), number(product)), s.text
        if "so far" in s.text:
            assert s.text.endswith(f"so far: {number(running[u])})")
    assert all(running[u] == u.grad for u in running)  # the sums are backward()'s
    for s in e.steps:
        mentioned = set(NAME.findall(s.text))
        assert mentioned <= defined, (s.text, mentioned - defined)


def _check_formula(s: Any, v: Value, i: int, names: dict[Value, str]) -> None:
    """The line's local formula is the rule run on symbols, in v's operands' names, and it
    evaluates at the operands' values to the rule's number."""
    formula = local_derivative(v, i, names)
    assert s.formula == str(formula)
    bare, bracketed = f"= ḡ({names[v]}) · {formula} = ", f"= ḡ({names[v]}) · ({formula}) = "
    assert bare in s.text or bracketed in s.text, s.text
    operands = {names[a]: a.data for a in v.args if isinstance(a, Value)}
    assert set(formula.variables) <= set(operands)
    assert formula.evaluate(operands) == pytest.approx(s.local, rel=1e-12, abs=1e-12)


def _operand(x: float) -> str:
    text = number(x)
    return f"({text})" if text.startswith("-") else text


def test_under_wrt_a_node_read_but_not_followed_is_defined_by_its_value() -> None:
    x, w, c = Value(0.5, "x"), Value(-1.5, "w"), Value(2.0, "c")
    h = (x * 3.0).tanh()  # depends on x only: not followed with wrt=[w]
    loss = h * w + c
    loss.label = "L"
    text = str(explain(loss, wrt=[w]))
    name = f"v{topological_order(loss).index(h)}"
    assert f"{name} = {h.data:.6g}   (computed from nodes not followed)" in text
    assert f"{name} = tanh(" not in text  # its own operands are not named, so not needed
    assert "ḡ(w) += ḡ(v" in text and "ḡ(x)" not in text


def test_the_notation_keeps_the_gradient_and_the_local_derivative_apart() -> None:
    """ḡ(·) is a gathered gradient, ∂v/∂u a local derivative: never the one symbol for both."""
    loss, _, _ = small()
    e = explain(loss)
    for s in e.steps:
        if s.phase == "backward" and s.operands:
            left, right = s.text.split(" += ")
            assert left.startswith("ḡ(") and right.startswith("ḡ(")
            v, u = e.names[e.order[s.node]], e.names[e.order[s.operands[0]]]
            assert right.startswith(f"ḡ({v}) · ∂{v}/∂{u} = ḡ({v}) · ")  # then its formula
    assert "ḡ = ∂L/∂node" in str(e) and "ḡ(v) = ∂L/∂v is the gradient" in str(e)


def test_the_local_derivative_is_shown_as_its_formula_before_its_number() -> None:
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2, b = Value(-3.0, "w1"), Value(1.0, "w2"), Value(6.8813735870195432, "b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    lines = str(explain(o)).splitlines()
    assert "ḡ(w1) += ḡ(v6) · ∂v6/∂w1 = ḡ(v6) · x1 = 0.5 · 2 = 1" in lines
    assert "ḡ(x1) += ḡ(v6) · ∂v6/∂x1 = ḡ(v6) · w1 = 0.5 · (-3) = -1.5" in lines
    assert "ḡ(v8) += ḡ(o) · ∂o/∂v8 = ḡ(o) · (1 − tanh(v8)·tanh(v8)) = 1 · 0.5 = 0.5" in lines
    assert "ḡ(b) += ḡ(v8) · ∂v8/∂b = ḡ(v8) · 1 = 0.5 · 1 = 0.5" in lines


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
