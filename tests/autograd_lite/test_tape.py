"""``Tape.backward_at`` and ``Tape.value_at``: the replay at a parameter vector θ, the Values
neither read nor written.

Each case is checked against :meth:`Tape.backward` with the Values set to θ: on one sample bit
for bit (both are the float replay), on a batch to the last bit too (both are the same block
program, fed the same numbers), inside ``detect_anomaly`` (eager code on fresh Values), and
where a batch falls back to one sample at a time.
"""

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nn
from autograd_lite import DomainError, TraceError, Value, detect_anomaly, trace

RNG = np.random.default_rng(7)


def mlp_loss() -> tuple[list[Value], Callable[..., Value]]:
    """A small ReLU network's hinge loss with an L2 term: a plain layer, a penalty, a kink."""
    model = nn.MLP(2, [4, 1], activation="relu", output_activation="linear", seed=3)
    params = model.parameters()

    def loss(x0: Value, x1: Value, y: Value) -> Value:
        return nn.hinge_loss(model([x0, x1])[0], y) + 1e-3 * sum(p * p for p in params)

    return params, loss


def columns(size: int) -> list[np.ndarray]:
    x = RNG.normal(size=(2, size))
    return [x[0], x[1], np.where(RNG.random(size) < 0.5, -1.0, 1.0)]


def with_values_at(params: list[Value], theta: np.ndarray, run: Callable[[], Any]) -> Any:
    """``run()`` with the Values set to θ and their gradients zero: what backward_at stands for.
    The Values' own numbers are put back after."""
    saved = [(p.data, p.grad) for p in params]
    try:
        for p, x in zip(params, theta.tolist()):
            p.data, p.grad = x, 0.0
        out = run()
        return out, [p.grad for p in params]
    finally:
        for p, (data, grad) in zip(params, saved):
            p.data, p.grad = data, grad


@pytest.mark.parametrize("size", [1, 7, 64])
@pytest.mark.parametrize("anomaly", [False, True])
def test_backward_at_is_backward_with_the_values_at_theta(size: int, anomaly: bool) -> None:
    params, loss = mlp_loss()
    f = trace(loss, 0.5, -0.5, 1.0)
    order = f.parameters
    before = [(p.data, p.grad) for p in params]
    theta = f.parameter_vector() + RNG.normal(scale=0.1, size=len(order))
    xs = columns(size)
    seeds = RNG.uniform(0.5, 1.5, size)
    with detect_anomaly() if anomaly else _nothing():
        out, gradient = f.backward_at(theta, *xs, grad=seeds)
        expected_out, expected = with_values_at(order, theta, lambda: f.backward(*xs, grad=seeds))
    assert [(p.data, p.grad) for p in params] == before  # neither read nor written
    assert isinstance(gradient, np.ndarray) and gradient.shape == (len(order),)
    # the same program (or inside detect_anomaly the same eager code) on the same numbers
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_array_equal(gradient, expected)


@pytest.mark.parametrize("size", [None, 1, 7, 64])  # None: one sample, numbers
@pytest.mark.parametrize("anomaly", [False, True])
def test_value_at_is_the_call_with_the_values_at_theta(size: int | None, anomaly: bool) -> None:
    params, loss = mlp_loss()
    f = trace(loss, 0.5, -0.5, 1.0)
    before = [(p.data, p.grad) for p in params]
    theta = f.parameter_vector() + RNG.normal(scale=0.1, size=len(params))
    xs: list[Any] = [0.3, 0.9, -1.0] if size is None else columns(size)
    with detect_anomaly() if anomaly else _nothing():
        out = f.value_at(theta, *xs)
        expected, _ = with_values_at(f.parameters, theta, lambda: f(*xs))
    assert [(p.data, p.grad) for p in params] == before  # neither read nor written
    np.testing.assert_array_equal(out, expected)
    assert isinstance(out, float) if size is None else out.shape == (size,)


def test_value_at_refuses_a_bad_theta_and_names_a_failing_sample() -> None:
    w = Value(1.0, label="w")
    f = trace(lambda x: (x - w).log(), 3.0)
    with pytest.raises(ValueError, match=r"value_at\(parameters\).*shape \(1,\)"):
        f.value_at([1.0, 2.0], 3.0)
    with pytest.raises(TypeError, match="value_at"):
        f.value_at("θ", 3.0)
    with pytest.raises(DomainError, match=r"log.* \(at sample 1\)$"):
        f.value_at(np.array([2.0]), np.array([3.0, 2.0, 1.0]))
    with pytest.raises(DomainError, match=r"log"):
        f.value_at(np.array([3.0]), 3.0)
    assert w.data == 1.0 and w.grad == 0.0
    assert f.value_at([0.0], np.array([math.e, 1.0])).tolist() == [1.0, 0.0]


@pytest.mark.parametrize("anomaly", [False, True])
def test_one_sample_is_eager_to_the_bit(anomaly: bool) -> None:
    _, loss = mlp_loss()
    f = trace(loss, 0.5, -0.5, 1.0)
    theta = f.parameter_vector() * 1.5
    with detect_anomaly() if anomaly else _nothing():
        out, gradient = f.backward_at(theta, 0.3, 0.9, -1.0, grad=2.0)

    def eager() -> float:
        root = loss(Value(0.3), Value(0.9), Value(-1.0))
        root.backward(2.0)
        return root.data

    expected_out, expected = with_values_at(f.parameters, theta, eager)
    assert out == expected_out and gradient.tolist() == expected


def test_a_domain_error_names_the_first_sample_at_theta() -> None:
    w = Value(1.0, label="w")
    f = trace(lambda x: (x - w).log(), 3.0)
    # with the Value w = 1 every sample is fine; at θ = (2,) sample 1 has log(0)
    with pytest.raises(DomainError, match=r"log.* \(at sample 1\)$"):
        f.backward_at(np.array([2.0]), np.array([3.0, 2.0, 1.0]))
    assert w.data == 1.0 and w.grad == 0.0
    out, gradient = f.backward_at([0.0], np.array([math.e, 1.0]))
    assert out.tolist() == [1.0, 0.0]
    assert gradient.tolist() == pytest.approx([-(1 / math.e) - 1.0], rel=1e-12)


def test_a_fall_back_runs_at_theta() -> None:
    # inf − inf is NaN for eager code: NumPy raises, the batch goes sample by sample, at θ
    w = Value(1.0)
    f = trace(lambda x: x * w * 1e308 * 10.0 - x * w * 1e308 * 10.0 + w * x, 1.0)
    theta = np.array([2.0])
    for x in (np.array([1.0, 0.0]), np.array([0.0, -1e-300])):
        out, gradient = f.backward_at(theta, x)
        expected_out, expected = with_values_at([w], theta, lambda: f.backward(x))  # noqa: B023
        np.testing.assert_array_equal(out, expected_out)  # NaN where eager's is NaN
        np.testing.assert_array_equal(gradient, expected)
    assert not math.isnan(out[0]) and math.isnan(gradient[0])  # ∞·0 in ∂/∂w


def test_training_on_theta_matches_training_the_values() -> None:
    params, loss = mlp_loss()
    f = trace(loss, 0.5, -0.5, 1.0)
    xs = columns(32)
    theta = f.parameter_vector()
    for _ in range(5):
        _, gradient = f.backward_at(theta, *xs, grad=1 / 32)
        theta -= 0.1 * gradient
    for _ in range(5):
        for p in f.parameters:
            p.grad = 0.0
        f.backward(*xs, grad=1 / 32)
        for p in f.parameters:
            p.data -= 0.1 * p.grad
    np.testing.assert_array_equal(theta, f.parameter_vector())
    f.set_parameters(np.zeros(len(theta)))
    assert all(p.data == 0.0 for p in params)


@pytest.mark.parametrize(
    ("theta", "error", "match"),
    [
        ("abc", TypeError, "must be an array of numbers, got str"),
        (3.0, TypeError, "must be an array of numbers, got float"),
        ([1.0, "x"], TypeError, "must be an array of real numbers"),
        ([1j, 2.0], TypeError, "must be an array of real numbers"),
        ([1.0], ValueError, r"has 2 parameters, so θ must have shape \(2,\), got \(1,\)"),
        (np.ones((2, 1)), ValueError, r"got \(2, 1\)"),
    ],
)
def test_a_bad_theta_is_refused_and_nothing_is_written(
    theta: Any, error: type[Exception], match: str
) -> None:
    a, b = Value(1.0), Value(2.0)
    f = trace(lambda x: a * x + b, 1.0)
    with pytest.raises(error, match=match):
        f.backward_at(theta, np.ones(3))
    with pytest.raises(error, match=match):
        f.set_parameters(theta)
    assert (a.data, b.data, a.grad, b.grad) == (1.0, 2.0, 0.0, 0.0)


def test_a_replaced_parameter_is_refused_by_the_vector_and_the_write() -> None:
    model = nn.MLP(1, [1], seed=0)
    f = trace(lambda x: model([x])[0], 1.0)
    theta = f.parameter_vector()
    model.layers[0].neurons[0].w[0] = Value(5.0)  # the weight replaced is gone
    with pytest.raises(TraceError, match="no longer exists"):
        f.parameter_vector()
    with pytest.raises(TraceError, match="no longer exists"):
        f.set_parameters(theta)
    # backward_at reads no Value: it still runs at θ
    out, gradient = f.backward_at(theta, np.array([1.0, 2.0]))
    assert out.shape == (2,) and gradient.shape == theta.shape


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None
