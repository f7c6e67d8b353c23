"""linear: an op's formula and rule run on unknowns say whether it is a sum of products, and
which; chains of them fold into one form by the chain rule."""

import math

import pytest

from autograd_lite.batch import linear
from autograd_lite.batch.linear import GRAD, Form, NotPolynomial, Poly, fold, form, probe


def test_mul_add_and_affine_are_polynomials_with_their_rules_partials() -> None:
    mul = probe("mul", (True, True))
    assert mul is not None
    assert mul.value == {(0, 1): 1.0}
    assert mul.partials == ((0, {(1,): 1.0}), (1, {(0,): 1.0}))  # ∂(ab)/∂a = b, ∂/∂b = a
    sub = probe("sub", (True, True))
    assert sub is not None and sub.value == {(0,): 1.0, (1,): -1.0}
    assert sub.partials == ((0, {(): 1.0}), (1, {(): -1.0}))
    affine = probe("affine", (True,) * 5)  # b + w₀x₀ + w₁x₁: operands (b, w₀, w₁, x₀, x₁)
    assert affine is not None
    assert affine.value == {(0,): 1.0, (1, 3): 1.0, (2, 4): 1.0}
    assert dict(affine.partials) == {
        0: {(): 1.0},
        1: {(3,): 1.0},
        2: {(4,): 1.0},
        3: {(1,): 1.0},
        4: {(2,): 1.0},
    }


@pytest.mark.parametrize("op", ["relu", "exp", "tanh", "div", "pow", "abs", "max", "sqrt"])
def test_ops_that_ask_for_numbers_or_divide_are_not(op: str) -> None:
    arity = 2 if op in ("div", "pow", "max") else 1
    assert probe(op, (True,) * arity) is None


def test_a_poly_refuses_what_is_not_a_polynomial_of_degree_two() -> None:
    x, y, z = (Poly.unknown(k) for k in range(3))
    for attempt in (lambda: x < y, lambda: float(x), lambda: bool(x), lambda: x / 2.0):
        with pytest.raises(NotPolynomial):
            attempt()
    with pytest.raises(NotPolynomial):
        _ = x * y * z
    with pytest.raises(NotPolynomial):
        _ = x + math.inf  # an infinite coefficient would make 0·∞ where eager code has none
    assert (3.0 - 2.0 * x * y + x).terms == {(): 3.0, (0, 1): -2.0, (0,): 1.0}
    assert (x - x).terms == {(0,): 0.0}  # kept: 0·x is NaN where x is infinite


def test_constants_are_multiplied_in_and_repeated_slots_add_up() -> None:
    f = form("mul", (7, 2.5))  # 2.5·v₇
    assert f == Form({(7,): 2.5}, {7: {(): 2.5}}, 1, 2.5)
    square = form("mul", (7, 7))  # v₇², ∂/∂v₇ = 2v₇ from the two partials
    assert square == Form({(7, 7): 1.0}, {7: {(7,): 2.0}}, 1, 2.0)
    assert form("mul", (7, math.inf)) is None


def test_a_chain_of_adds_folds_into_one_form_by_the_chain_rule() -> None:
    # t = b + w·x, built as add(b, mul(w, x)); slots: x 0, w 1, b 2, mul 3
    product = form("mul", (1, 0))
    total = form("add", (2, 3))
    assert product is not None and total is not None
    folded = fold(total, product, 3)
    assert folded == Form(
        {(2,): 1.0, (0, 1): 1.0}, {2: {(): 1.0}, 1: {(0,): 1.0}, 0: {(1,): 1.0}}, 2, 1.0
    )
    negated = fold(Form({(4,): -1.0}, {4: {(): -1.0}}), folded, 4)  # −t
    assert negated is not None and negated.value == {(2,): -1.0, (0, 1): -1.0}
    assert negated.partials[0] == {(1,): -1.0}


def test_the_peak_remembers_coefficients_that_folds_scaled_away() -> None:
    # ((x·1e100)·1e100)·1e-200: coefficient 1 at the end, 1e200 on the way (eager's x·1e200)
    f = form("mul", (0, 1e100))
    for i, c in enumerate((1e100, 1e-200), start=1):
        step = form("mul", (i, c))
        assert f is not None and step is not None
        f = fold(step, f, i)
    assert f is not None and f.value == {(0,): pytest.approx(1.0)} and f.peak == 1e200


def test_a_node_that_multiplies_the_slot_does_not_fold_it() -> None:
    inner = form("add", (0, 1))
    outer = form("mul", (2, 1))  # v₂·v₁: ∂/∂v₂ = v₁, not a constant
    assert inner is not None and outer is not None
    assert fold(outer, inner, 2) is None
    assert (
        fold(Form({(2,): 1e300}, {2: {(): 1e300}}), Form({(0,): 1e10}, {0: {(): 1e10}}), 2) is None
    )


def test_a_long_chain_folds_without_copying_its_form() -> None:
    # 10⁵ links of t ← t + xᵢ: each fold takes the inner form over (linear time overall)
    f = form("add", (0, 1))
    assert f is not None
    for i in range(2, 100_000):
        step = form("add", (100_000 + i - 1, i))
        assert step is not None
        folded = fold(step, f, 100_000 + i - 1)
        assert folded is not None
        f = folded
    assert len(f.value) == 100_000 and f.size == 99_999
    assert all(c == 1.0 for c in f.value.values())


def test_grad_marks_the_incoming_gradient() -> None:
    assert GRAD == -1 and linear.probe("neg", (True,)) == linear.Probe(
        {(0,): -1.0}, ((0, {(): -1.0}),)
    )
