"""Losses and the L2 penalty: values, gradients (the notes' δ = f − ỹ), stability, bad targets."""

import math

import numpy as np
import pytest

import nn
import optim
from autograd_lite import Value, grad


def values(xs: list[float]) -> list[Value]:
    return [Value(x) for x in xs]


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def sigmoid_minus(z: float, y: float) -> float:
    """σ(z) − y without cancellation: σ(z) for y = 0, −σ(−z) for y = 1."""
    return sigmoid(z) if y == 0 else -sigmoid(-z)


# --- Squared error and MSE ---------------------------------------------------------------------


def test_squared_error_is_half_the_sum_of_squares_with_gradient_f_minus_y() -> None:
    f = values([1.0, -2.0, 0.5])
    y = [0.5, 1.0, 0.5]
    loss = nn.squared_error(f, y)
    assert loss.data == 0.5 * (0.25 + 9.0 + 0.0)
    assert grad(loss, f) == [0.5, -3.0, 0.0]


def test_squared_error_of_single_values() -> None:
    f = Value(3.0)
    loss = nn.squared_error(f, 1.0)
    assert loss.data == 2.0 and grad(loss, [f]) == [2.0]
    target = Value(1.0)
    assert grad(nn.squared_error(f, target), [target]) == [-2.0]
    assert nn.squared_error([f], np.array([1.0])).data == 2.0


def test_mse_is_the_mean_of_squares() -> None:
    f = values([1.0, 2.0, 4.0, 0.0])
    loss = nn.mse_loss(f, [0.0, 0.0, 0.0, 0.0])
    assert loss.data == (1 + 4 + 16) / 4
    assert grad(loss, f) == [0.5, 1.0, 2.0, 0.0]


@pytest.mark.parametrize("function", [nn.squared_error, nn.mse_loss])
@pytest.mark.parametrize(
    ("pred", "target", "error", "message"),
    [
        ([Value(1.0)], [1.0, 2.0], ValueError, "1 predictions but 2 targets"),
        ([Value(1.0), Value(2.0)], 1.0, ValueError, "2 predictions but 1 targets"),
        ([Value(1.0)], [math.nan], ValueError, "item 0: expected a finite number, got nan"),
        ([Value(1.0)], ["1"], TypeError, "item 0: expected a real number or a Value, got str"),
        ([Value(1.0)], "1", TypeError, "got str"),
        ([Value(1.0)], None, TypeError, "got NoneType"),
        ([Value(1.0)], np.zeros((1, 1)), ValueError, "1-D"),
        ([], [], ValueError, "empty"),
    ],
)
def test_squared_losses_reject_mismatched_or_bad_targets(
    function: object, pred: object, target: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        function(pred, target)  # type: ignore[operator]


# --- Cross-entropy -----------------------------------------------------------------------------


@pytest.mark.parametrize("target", [0, 1, 2])
def test_cross_entropy_gradient_is_softmax_minus_one_hot(target: int) -> None:
    logits = [0.2, -1.3, 2.1]
    a = values(logits)
    loss = nn.cross_entropy(a, target)
    p = np.exp(logits) / np.exp(logits).sum()
    assert loss.data == pytest.approx(-math.log(p[target]), abs=1e-15)
    np.testing.assert_allclose(grad(loss, a), p - np.eye(3)[target], rtol=0, atol=1e-15)


def test_cross_entropy_at_logits_of_a_thousand_is_finite_and_exact() -> None:
    a = values([1000.0, -1000.0])
    right, wrong = nn.cross_entropy(a, 0), nn.cross_entropy(a, 1)
    assert right.data == 0.0 and wrong.data == 2000.0
    assert grad(right, a) == [0.0, 0.0]
    assert grad(wrong, a) == [1.0, -1.0]
    assert nn.cross_entropy([1e4, 1e4], 1).data == math.log(2.0)
    assert nn.cross_entropy(np.array([-1000.0, 1000.0, 0.0]), np.int64(1)).data == 0.0


@pytest.mark.parametrize(
    ("target", "error", "message"),
    [
        (3, ValueError, "class index 3 out of range for 3 logits"),
        (-1, ValueError, "class index -1 out of range"),
        (1.0, TypeError, "class index"),
        (True, TypeError, "class index"),
        ("0", TypeError, "class index"),
    ],
)
def test_cross_entropy_rejects_bad_class_indices(
    target: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        nn.cross_entropy([0.0, 1.0, 2.0], target)  # type: ignore[arg-type]


# --- Binary cross-entropy ----------------------------------------------------------------------


@pytest.mark.parametrize("z", [-800.0, -40.0, -3.5, -1e-3, 0.0, 1e-3, 2.25, 40.0, 800.0, 1e300])
@pytest.mark.parametrize("y", [0, 1, 0.0, 1.0])
def test_binary_cross_entropy_is_finite_with_gradient_sigma_minus_y(z: float, y: float) -> None:
    logit = Value(z)
    loss = nn.binary_cross_entropy(logit, y)
    # −[y log σ(z) + (1 − y) log(1 − σ(z))] = softplus(±z), computed with log1p by NumPy.
    expected = float(np.logaddexp(0.0, -z if y == 1 else z))
    assert math.isfinite(loss.data)
    # Without a log1p in the engine, log(1 + eᵘ) is good to a few 1e-16 absolutely.
    assert loss.data == pytest.approx(expected, rel=1e-15, abs=4e-16)
    assert grad(loss, [logit])[0] == pytest.approx(sigmoid_minus(z, y), rel=1e-15, abs=0.0)


@pytest.mark.parametrize("z", [-40.0, -37.5, -20.0, -1e-3, 1e-3, 0.5, 20.0, 40.0, 700.0])
def test_binary_cross_entropy_is_accurate_where_the_loss_is_tiny(z: float) -> None:
    # softplus(u) = ln(1 + eᵘ) in exact arithmetic; log(1 + e⁻⁴⁰) rounds 1 + 4e-18 to 1 and
    # gives 0, log1p keeps every digit. Compared with mpmath-free math: log1p is exact here.
    for y, u in ((1, -z), (0, z)):
        loss = nn.binary_cross_entropy(z, y).data
        expected = max(u, 0.0) + math.log1p(math.exp(-abs(u)))
        assert loss == pytest.approx(expected, rel=1e-15, abs=0.0)
        assert loss > 0.0


def test_binary_cross_entropy_at_zero_has_gradient_one_half_minus_y() -> None:
    z = Value(0.0)
    assert grad(nn.binary_cross_entropy(z, 1), [z]) == [-0.5]
    assert grad(nn.binary_cross_entropy(z, 0), [z]) == [0.5]
    assert nn.binary_cross_entropy(0.0, 1).data == math.log(2.0)


@pytest.mark.parametrize(
    ("target", "error"),
    [(0.5, ValueError), (-1, ValueError), (2, ValueError), (True, TypeError), ("1", TypeError)],
)
def test_binary_cross_entropy_rejects_labels_other_than_0_and_1(
    target: object, error: type[Exception]
) -> None:
    with pytest.raises(error, match="expected 0 or 1"):
        nn.binary_cross_entropy(Value(0.0), target)  # type: ignore[arg-type]


# --- Hinge -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("s", "y", "loss", "slope"),
    [
        (0.3, 1, 0.7, -1.0),
        (0.3, -1, 1.3, 1.0),
        (2.0, 1, 0.0, 0.0),
        (-2.0, -1.0, 0.0, 0.0),
        (1.0, 1, 0.0, 0.0),  # at the margin: ReLU′(0) = 0
        (-5.0, 1.0, 6.0, -1.0),
    ],
)
def test_hinge_loss_is_relu_of_one_minus_y_s(s: float, y: float, loss: float, slope: float) -> None:
    score = Value(s)
    out = nn.hinge_loss(score, y)
    assert out.data == pytest.approx(loss, abs=1e-15)
    assert grad(out, [score]) == [slope]


@pytest.mark.parametrize(
    ("target", "error"), [(0, ValueError), (0.5, ValueError), (True, TypeError)]
)
def test_hinge_loss_rejects_labels_other_than_plus_minus_one(
    target: object, error: type[Exception]
) -> None:
    with pytest.raises(error, match=r"expected -1 or \+1"):
        nn.hinge_loss(Value(0.0), target)  # type: ignore[arg-type]


# --- L2 penalty --------------------------------------------------------------------------------


def test_l2_penalty_covers_weights_not_biases() -> None:
    mlp = nn.MLP(3, [4, 2], seed=0)
    for p in mlp.parameters():
        p.data += 0.5  # nonzero biases, to see that they are left out
    lam = 0.3
    penalty = nn.l2_penalty(mlp, lam)
    weights = [w for layer in mlp.layers for n in layer.neurons for w in n.w]
    biases = [n.b for layer in mlp.layers for n in layer.neurons]
    assert penalty.data == pytest.approx(lam / 2 * sum(w.data**2 for w in weights), rel=1e-15)
    penalty.backward()
    assert all(w.grad == pytest.approx(lam * w.data, rel=1e-15) for w in weights)
    assert all(b.grad == 0.0 for b in biases)
    assert mlp.weights() == weights


def test_l2_penalty_of_nothing_and_of_zero_lambda() -> None:
    assert nn.l2_penalty(nn.Module(), 1.0).data == 0.0
    assert nn.l2_penalty(nn.Neuron(2), 0).data == 0.0


@pytest.mark.parametrize(
    ("module", "lam", "error"),
    [
        ("mlp", -0.1, ValueError),
        ("mlp", math.nan, ValueError),
        ("mlp", math.inf, ValueError),
        ("mlp", "0.1", TypeError),
        ("mlp", True, TypeError),
        ([Value(1.0)], 0.1, TypeError),
    ],
)
def test_l2_penalty_rejects_bad_arguments(module: object, lam: object, error: type) -> None:
    target = nn.MLP(2, [1], seed=0) if module == "mlp" else module
    with pytest.raises(error, match="l2_penalty"):
        nn.l2_penalty(target, lam)  # type: ignore[arg-type]


# --- PyTorch as an independent oracle ----------------------------------------------------------


def test_losses_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional

    def check(ours: Value, inputs: list[Value], theirs: object, tensor: object) -> None:
        theirs.backward()  # type: ignore[attr-defined]
        assert ours.data == pytest.approx(theirs.item(), rel=1e-14, abs=2e-15)  # type: ignore[attr-defined]
        np.testing.assert_allclose(grad(ours, inputs), tensor.grad.numpy(), rtol=1e-13, atol=1e-15)  # type: ignore[attr-defined]

    def leaf(xs: list[float]) -> object:
        return torch.tensor(xs, dtype=torch.float64, requires_grad=True)

    logits = [0.7, -0.2, 3.3, -4.0]
    a, t = values(logits), leaf(logits)
    check(nn.cross_entropy(a, 2), a, functional.cross_entropy(t[None], torch.tensor([2])), t)

    preds = [0.5, -1.5, 2.0]
    f, t = values(preds), leaf(preds)
    target = [1.0, 0.0, -2.0]
    y = torch.tensor(target, dtype=torch.float64)
    check(nn.mse_loss(f, target), f, functional.mse_loss(t, y), t)
    f, t = values(preds), leaf(preds)
    check(nn.squared_error(f, target), f, 0.5 * functional.mse_loss(t, y, reduction="sum"), t)

    for z in [-30.0, -0.4, 0.0, 2.5, 50.0]:
        for label in [0.0, 1.0]:
            v, t = values([z]), leaf([z])
            bce = functional.binary_cross_entropy_with_logits(
                t, torch.tensor([label], dtype=torch.float64)
            )
            check(nn.binary_cross_entropy(v[0], label), v, bce, t)


# --- A softmax (or sigmoid) applied twice ---------------------------------------------------


def test_cross_entropy_refuses_the_outputs_of_a_softmax_mlp_and_says_what_to_use() -> None:
    mlp = nn.MLP(2, [4, 3], "tanh", "softmax", seed=0)
    with pytest.raises(ValueError, match=r"softmax's outputs .* not logits") as caught:
        nn.cross_entropy(mlp([0.5, -1.0]), 2)
    message = str(caught.value)
    assert 'output_activation="linear"' in message and "-p[y].log()" in message
    # With linear outputs the same network's loss is −log softmax(a)_y, and what the error
    # suggests for probabilities gives the same number.
    linear = nn.MLP(2, [4, 3], "tanh", "linear", seed=0)
    logits = linear([0.5, -1.0])
    expected = nn.cross_entropy(logits, 2).data
    assert -nn.softmax(logits)[2].log().data == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    "make",
    [nn.softmax, lambda a: nn.Layer(3, 3, "softmax", seed=1)(a)],
    ids=["nn.softmax", "softmax layer"],
)
def test_cross_entropy_refuses_every_softmax_of_nn(make: object) -> None:
    a = [Value(0.1), Value(-2.0), Value(0.7)]
    with pytest.raises(ValueError, match=r"softmax's outputs"):
        nn.cross_entropy(make(a), 0)  # type: ignore[operator]


def test_cross_entropy_of_softmax_built_with_one_exp_list_by_hand_is_refused() -> None:
    a = [Value(0.1), Value(-2.0), Value(0.7)]
    exps = [x.exp() for x in a]
    s = sum(exps)  # starts from 0: a constant among the additions
    assert isinstance(s, Value)
    with pytest.raises(ValueError, match=r"softmax's outputs"):
        nn.cross_entropy([e / s for e in exps], 1)


def test_cross_entropy_takes_logits_that_only_look_like_a_softmax() -> None:
    a = [Value(0.1), Value(-2.0), Value(0.7)]
    exps = [x.exp() for x in a]
    other = exps[0] + exps[1]  # not a sum over the numerators: a[2]'s exp is missing
    nn.cross_entropy([e / other for e in exps], 0)  # logits that are ratios, not a softmax
    nn.cross_entropy([x / 2.0 for x in a], 0)  # divided by a constant
    nn.cross_entropy([a[0] / a[1], a[1] / a[1]], 0)  # numerators are not exp nodes
    nn.cross_entropy(nn.log_softmax(a), 0)  # log_softmax(log_softmax(a)) = log_softmax(a)


def test_binary_cross_entropy_refuses_a_sigmoids_output_and_says_what_to_use() -> None:
    mlp = nn.MLP(2, [3, 1], "relu", "sigmoid", seed=0)
    with pytest.raises(ValueError, match=r"sigmoid's output σ\(z\), not the logit") as caught:
        nn.binary_cross_entropy(mlp([0.2, 0.4])[0], 1.0)
    assert 'output_activation="linear"' in str(caught.value)
    z = Value(0.3)
    p = z.sigmoid()
    y = 1.0
    suggested = -(y * p.log() + (1 - y) * (1 - p).log())
    assert suggested.data == pytest.approx(nn.binary_cross_entropy(z, y).data, rel=1e-15)


def test_the_other_losses_take_any_output() -> None:
    # Squared error on probabilities (the Brier score) and the hinge loss on a tanh are
    # losses in their own right: no activation is applied twice.
    a = [Value(0.1), Value(-2.0)]
    nn.squared_error(nn.softmax(a), [1.0, 0.0])
    nn.mse_loss(nn.softmax(a), [1.0, 0.0])
    nn.hinge_loss(a[0].tanh(), -1.0)


@pytest.mark.parametrize("compile", [False, True])
def test_fit_with_a_softmax_mlp_and_cross_entropy_is_refused_before_any_step(
    compile: bool,
) -> None:
    mlp = nn.MLP(2, [3, 3], "tanh", "softmax", seed=0)
    before = [p.data for p in mlp.parameters()]
    with pytest.raises(ValueError, match=r"softmax's outputs"):
        optim.fit(
            mlp,
            [[0.0, 1.0], [1.0, 0.0]],
            [0, 2],
            loss=nn.cross_entropy,
            optimizer=optim.SGD(mlp.parameters(), lr=0.1),
            epochs=1,
            progress=False,
            compile=compile,
        )
    assert [p.data for p in mlp.parameters()] == before
