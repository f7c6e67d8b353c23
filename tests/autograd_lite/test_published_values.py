"""Values published outside this project: micrograd's README and tests, and its lecture's neuron."""

import math

import pytest

from autograd_lite import Value, grad


def test_micrograd_sanity_check() -> None:
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert y.data == -20.0
    assert x.grad == 46.0


def test_micrograd_more_ops() -> None:
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert g.data == pytest.approx(24.70408163265306, rel=1e-15)
    assert a.grad == pytest.approx(138.83381924198252, rel=1e-14)
    assert b.grad == pytest.approx(645.5772594752186, rel=1e-14)


def test_lecture_neuron() -> None:
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    assert o.data == pytest.approx(0.7071068, abs=1e-7)
    assert x1.grad == pytest.approx(-1.5, abs=1e-12)
    assert w1.grad == pytest.approx(1.0, abs=1e-12)
    assert x2.grad == pytest.approx(0.5, abs=1e-12)
    assert w2.grad == 0.0


def test_tanh_first_three_derivatives_at_two() -> None:
    x = Value(2.0)
    (d1,) = grad(x.tanh(), [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x], create_graph=True)
    assert d1.data == pytest.approx(0.07065082485316443, rel=1e-14)
    assert d2.data == pytest.approx(-0.13621868742711296, rel=1e-14)
    assert d3.data == pytest.approx(0.25265406509806265, rel=1e-14)
    # and they are the closed forms 1 − t², −2t(1 − t²), −2(1 − t²)(1 − 3t²)
    t = math.tanh(2.0)
    assert d2.data == pytest.approx(-2 * t * (1 - t * t), rel=1e-14)
    assert d3.data == pytest.approx(-2 * (1 - t * t) * (1 - 3 * t * t), rel=1e-14)


def test_second_derivative_of_cube() -> None:
    x = Value(2.0)
    (d1,) = grad(x**3, [x], create_graph=True)
    (d2,) = grad(d1, [x])
    assert d1.data == 12.0
    assert d2 == 12.0
