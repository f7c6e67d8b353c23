"""softmax, log_softmax and logsumexp: values, gradients, stability at huge logits."""

import math

import numpy as np
import pytest

import nn
from autograd_lite import Value, grad


def np_softmax(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - a.max())
    return e / e.sum()


LOGITS = [[0.5, -1.25, 3.0], [2.0], [-3.0, -3.0, 7.5, 0.0]]


@pytest.mark.parametrize("logits", LOGITS)
def test_values_match_numpy(logits: list[float]) -> None:
    a = np.array(logits)
    p = np_softmax(a)
    np.testing.assert_allclose([v.data for v in nn.softmax(logits)], p, rtol=0, atol=1e-15)
    np.testing.assert_allclose([v.data for v in nn.log_softmax(logits)], np.log(p), atol=1e-14)
    lse = a.max() + np.log(np.exp(a - a.max()).sum())
    assert nn.logsumexp(logits).data == pytest.approx(lse, abs=1e-14)


@pytest.mark.parametrize("logits", LOGITS)
def test_gradients_are_the_softmax_jacobian(logits: list[float]) -> None:
    a = [Value(x) for x in logits]
    p = np_softmax(np.array(logits))
    # ∂ logsumexp/∂aⱼ = pⱼ
    np.testing.assert_allclose(grad(nn.logsumexp(a), a), p, rtol=0, atol=1e-15)
    out = nn.softmax(a)
    lout = nn.log_softmax(a)
    for k in range(len(a)):
        # ∂pₖ/∂aⱼ = pₖ(δₖⱼ − pⱼ),  ∂ log pₖ/∂aⱼ = δₖⱼ − pⱼ
        onehot = np.eye(len(a))[k]
        np.testing.assert_allclose(grad(out[k], a), p[k] * (onehot - p), rtol=0, atol=1e-15)
        np.testing.assert_allclose(grad(lout[k], a), onehot - p, rtol=0, atol=1e-15)


@pytest.mark.parametrize("big", [1000.0, 1e4])
def test_huge_logits_are_finite_and_exact(big: float) -> None:
    a = [Value(big), Value(-big)]
    assert [v.data for v in nn.softmax(a)] == [1.0, 0.0]
    assert [v.data for v in nn.log_softmax(a)] == [0.0, -2 * big]
    assert nn.logsumexp(a).data == big
    assert nn.logsumexp([big, big]).data == big + math.log(2.0)
    assert [v.data for v in nn.softmax([-big, -big])] == [0.5, 0.5]
    assert grad(nn.logsumexp(a), a) == [1.0, 0.0]
    assert grad(nn.log_softmax(a)[1], a) == [-1.0, 1.0]


def test_inputs_may_be_numbers_values_or_arrays() -> None:
    x = Value(1.0)
    mixed = nn.softmax([x, 2, np.float32(3.0)])
    array = nn.softmax(np.array([1.0, 2.0, 3.0]))
    assert [v.data for v in mixed] == [v.data for v in array]
    assert grad(mixed[0], [x])[0] != 0.0


@pytest.mark.parametrize("function", [nn.softmax, nn.log_softmax, nn.logsumexp])
@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        ([], ValueError, "empty"),
        (np.zeros((2, 2)), ValueError, "1-D"),
        ([1.0, math.inf], ValueError, "item 1: expected a finite number, got inf"),
        ([1.0, "2"], TypeError, "item 1: expected a real number or a Value, got str"),
        ([True], TypeError, "item 0"),
        (Value(1.0), TypeError, "got Value"),
        (3.0, TypeError, "got float"),
    ],
)
def test_bad_inputs_are_named(
    function: object, bad: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        function(bad)  # type: ignore[operator]


def test_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    logits = [0.3, -2.0, 1.7, 0.0]
    t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    weights = torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=torch.float64)
    (torch.softmax(t, 0) * weights).sum().backward()
    a = [Value(x) for x in logits]
    out = nn.softmax(a)
    total = out[0] * 1.0 + out[1] * -2.0 + out[2] * 0.5 + out[3] * 3.0
    assert total.data == pytest.approx((torch.softmax(t, 0) * weights).sum().item(), abs=1e-15)
    np.testing.assert_allclose(grad(total, a), t.grad.numpy(), rtol=0, atol=1e-15)
    t.grad = None
    torch.log_softmax(t, 0)[2].backward()
    np.testing.assert_allclose(grad(nn.log_softmax(a)[2], a), t.grad.numpy(), rtol=0, atol=1e-15)
    assert nn.logsumexp(a).data == pytest.approx(torch.logsumexp(t, 0).item(), abs=1e-15)


FUNCTIONS = {
    "logsumexp": nn.logsumexp,
    "log_softmax": lambda a: nn.log_softmax(a)[1],
    "softmax": lambda a: nn.softmax(a)[0],
    "cross_entropy": lambda a: nn.cross_entropy(a, 1),
    "binary_cross_entropy": lambda a: nn.binary_cross_entropy(a[0] - a[1], 1.0),
    "hinge_loss": lambda a: nn.hinge_loss(a[0], -1.0),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_traced_once_they_replay_eager_values_at_any_shift(name: str) -> None:
    # The shift by the largest logit is a node of the graph, not a number read out of it: one
    # recording serves logits whose largest is another one, and stays exact at ±10⁴.
    from autograd_lite import trace

    fn = FUNCTIONS[name]
    f = trace(lambda *a: fn(list(a)), 0.1, 0.2, 0.3)
    for logits in ([1e4, -1e4, 0.0], [-1e4, 0.0, 1e4], [0.5, -1.25, 3.0]):
        inputs = [Value(x) for x in logits]
        out = fn(inputs)
        assert f.grad(*logits) == (out.data, grad(out, inputs))
