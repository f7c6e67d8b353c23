"""MLP.predict: the loop's numbers for a batch of rows, by one kept recording replayed on arrays."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np
import pytest

import nn
from autograd_lite import Value, detect_anomaly, no_grad
from nn import prediction

ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"]
OUTPUTS = ["relu", "tanh", "sigmoid", "linear", "softmax"]


def loop(mlp: nn.MLP, X: Any) -> np.ndarray:
    """What predict stands for: each row through the network, its outputs' numbers."""
    return np.array([[o.data for o in mlp(x)] for x in X], dtype=float)


def rows(n: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 2.0, size=(n, width))


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_predict_is_the_loop_to_1e_12(activation: str, output: str) -> None:
    mlp = nn.MLP(3, [5, 4, 3], activation, output, seed=1)
    X = rows(40, 3)
    predicted = mlp.predict(X)
    assert predicted.shape == (40, 3) and predicted.dtype == np.float64
    np.testing.assert_allclose(predicted, loop(mlp, X), rtol=1e-12, atol=1e-12)


def test_one_output_and_a_thousand_rows() -> None:
    mlp = nn.MLP(2, [16, 16, 1], seed=0)
    X = rows(1000, 2, seed=3)
    predicted = mlp.predict(X)
    assert predicted.shape == (1000, 1)
    np.testing.assert_allclose(predicted, loop(mlp, X), rtol=1e-12, atol=1e-12)


def test_a_1d_input_is_one_row_as_mlp_reads_it_bit_for_bit() -> None:
    mlp = nn.MLP(3, [4, 2], "tanh", "softmax", seed=2)
    x = np.array([0.3, -1.2, 2.5])
    predicted = mlp.predict(x)
    assert predicted.shape == (2,)
    assert predicted.tolist() == [o.data for o in mlp(x)]  # the float replay: eager's bits
    assert mlp.predict([0.3, -1.2, 2.5]).tolist() == predicted.tolist()
    one_input = nn.MLP(1, [3, 1], seed=0)
    with pytest.raises(ValueError, match=r"shape \(B, 1\) or one input of 1 numbers, got shape"):
        one_input.predict(np.array([1.0, 2.0, 3.0]))  # one input of 3 numbers, not 3 rows
    assert one_input.predict(np.array([[1.0], [2.0], [3.0]])).shape == (3, 1)


def test_lists_integers_and_an_empty_batch() -> None:
    mlp = nn.MLP(2, [3, 2], seed=0)
    X = [[1, 2], [3, -4], [0, 0]]
    np.testing.assert_allclose(mlp.predict(X), loop(mlp, X), rtol=1e-12, atol=1e-12)
    empty = mlp.predict(np.empty((0, 2)))
    assert empty.shape == (0, 2)


def test_fortran_and_strided_arrays_are_read_as_their_numbers() -> None:
    mlp = nn.MLP(2, [3, 1], seed=0)
    X = rows(20, 4)
    for view in (X[:, ::2], np.asfortranarray(X[:, :2]), X[::3, 1:3]):
        np.testing.assert_allclose(mlp.predict(view), loop(mlp, view), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("X", "error", "message"),
    [
        (np.zeros((4, 3)), ValueError, r"\(B, 2\) or one input of 2 numbers, got shape \(4, 3\)"),
        (np.zeros((2, 2, 2)), ValueError, r"got shape \(2, 2, 2\)"),
        (np.float64(1.0), ValueError, r"got shape \(\)"),
        ([[1.0, 2.0], [3.0]], ValueError, "the rows of X differ in length"),
        (np.array([[0.0, 1.0], [np.nan, 2.0]]), ValueError, r"X\[1, 0\] is nan, not a finite"),
        (np.array([[0.0, np.inf]]), ValueError, r"X\[0, 1\] is inf"),
        ([["a", "b"]], TypeError, "expected an array of real numbers, got dtype <U1"),
        (np.array([[True, False]]), TypeError, "got dtype bool"),
        ([[Value(1.0), Value(2.0)]], TypeError, "got Values: call the model on them"),
        (Value(1.0), TypeError, "got a Value"),
    ],
)
def test_bad_input_is_refused_naming_what_is_wrong(X: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        nn.MLP(2, [3, 1], seed=0).predict(X)


def count_traces(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = prediction.trace

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(prediction, "trace", counted)
    return calls


def test_the_recording_is_kept_and_reads_the_parameters_as_they_are_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    traces = count_traces(monkeypatch)
    mlp = nn.MLP(2, [4, 2], "tanh", seed=0)
    X = rows(10, 2)
    mlp.predict(X)
    for p in mlp.parameters():  # training changes the numbers in place: no new recording
        p.data += 0.125
    np.testing.assert_allclose(mlp.predict(X), loop(mlp, X), rtol=1e-12, atol=1e-12)
    mlp.load_state_dict({name: 0.5 for name, _ in mlp.named_parameters()})
    np.testing.assert_allclose(mlp.predict(X), loop(mlp, X), rtol=1e-12, atol=1e-12)
    assert len(traces) == 1


def test_a_replaced_parameter_is_recorded_again_never_read_stale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    traces = count_traces(monkeypatch)
    mlp = nn.MLP(2, [4, 1], "tanh", seed=0)
    X = rows(10, 2)
    before = mlp.predict(X)
    old = mlp.layers[1].neurons[0].b  # still alive: a recording holding it would read 0.0
    mlp.layers[1].neurons[0].b = Value(10.0)
    after = mlp.predict(X)
    np.testing.assert_allclose(after, before + 10.0, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(after, loop(mlp, X), rtol=1e-12, atol=1e-12)
    assert old.data == 0.0 and len(traces) == 2
    mlp.layers[0] = nn.Layer(2, 4, "tanh", seed=5)  # a new layer: new parameters
    np.testing.assert_allclose(mlp.predict(X), loop(mlp, X), rtol=1e-12, atol=1e-12)
    assert len(traces) == 3


def test_each_model_has_its_own_recording_and_keeps_nothing_alive() -> None:
    a, b = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=1)
    X = rows(5, 2)
    assert not np.allclose(a.predict(X), b.predict(X))
    np.testing.assert_allclose(a.predict(X), loop(a, X), rtol=1e-12, atol=1e-12)
    model, parameter = weakref.ref(b), weakref.ref(b.parameters()[0])
    del b
    gc.collect()
    assert model() is None and parameter() is None


def test_inside_no_grad_and_detect_anomaly() -> None:
    mlp = nn.MLP(2, [3, 2], "sigmoid", "softmax", seed=0)
    X = rows(6, 2)
    expected = loop(mlp, X)
    with no_grad():  # the first call records the network here
        np.testing.assert_allclose(mlp.predict(X), expected, rtol=1e-12, atol=1e-12)
    with detect_anomaly():
        np.testing.assert_allclose(mlp.predict(X), expected, rtol=1e-12, atol=1e-12)


def test_infinities_and_overflow_are_the_loops() -> None:
    mlp = nn.MLP(2, [4, 1], seed=0)
    X = np.array([[0.1, 0.2], [1e308, 1e308]])
    predicted = mlp.predict(X)
    assert predicted[0, 0] == pytest.approx(loop(mlp, X[:1])[0, 0], abs=1e-12)
    assert predicted[1, 0] == loop(mlp, X[1:])[0, 0]  # the same infinity
    # Inside detect_anomaly: eager code's FloatingPointError, naming the row as the sample.
    with detect_anomaly(), pytest.raises(FloatingPointError, match="at sample 1"):
        mlp.predict(X)
