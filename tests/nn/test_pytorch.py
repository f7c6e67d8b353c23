"""nn.to_torch, nn.from_torch: the same function both ways, outputs and every gradient to 1e-12."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

import nn
from autograd_lite import Value, total

ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"]
OUTPUTS = ["relu", "tanh", "sigmoid", "linear", "softmax"]
TOL = {"rtol": 1e-12, "atol": 1e-12}


@pytest.fixture
def torch() -> Any:
    return pytest.importorskip("torch")


def data(n_in: int, n_out: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs X (8 rows) and the coefficients C of the loss Σ C∘f + ½ Σ f²."""
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 1.5, size=(8, n_in)), rng.normal(size=(8, n_out))


def ours(mlp: nn.MLP, X: np.ndarray, C: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The outputs and, per layer, [W | b]'s gradient of the loss, from the engine."""
    mlp.zero_grad()
    outputs = [mlp(x) for x in X]
    terms = [c * f + 0.5 * f * f for row, cs in zip(outputs, C) for f, c in zip(row, cs)]
    total(terms).backward()
    grads = [
        np.array([[w.grad for w in neuron.w] + [neuron.b.grad] for neuron in layer.neurons])
        for layer in mlp.layers
    ]
    return np.array([[f.data for f in row] for row in outputs]), grads


def theirs(
    torch: Any, model: Any, X: np.ndarray, C: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The same from PyTorch's autograd."""
    model.zero_grad()
    out = model(torch.tensor(X))
    (torch.tensor(C) * out + 0.5 * out * out).sum().backward()
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    grads = [torch.cat([m.weight.grad, m.bias.grad[:, None]], dim=1).numpy() for m in linears]
    return out.detach().numpy(), grads


def assert_same_function(torch: Any, mlp: nn.MLP, model: Any, seed: int = 0) -> None:
    X, C = data(mlp.n_in, mlp.layer_sizes[-1], seed)
    (out, grads), (out_t, grads_t) = ours(mlp, X, C), theirs(torch, model, X, C)
    np.testing.assert_allclose(out, out_t, **TOL)
    assert len(grads) == len(grads_t)
    for g, g_t in zip(grads, grads_t):
        np.testing.assert_allclose(g, g_t, **TOL)


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_to_torch_computes_the_same_outputs_and_gradients(
    torch: Any, activation: str, output: str
) -> None:
    mlp = nn.MLP(3, [5, 4, 3], activation, output, seed=1)
    for neuron in mlp.layers[0].neurons:
        neuron.b.data = 0.1  # nonzero biases, so that they are checked too
    model = nn.to_torch(mlp)
    kinds = [type(m).__name__ for m in model]
    hidden = nn.pytorch.MODULES[activation]
    assert kinds == ["Linear", hidden, "Linear", hidden, "Linear", nn.pytorch.MODULES[output]]
    assert all(p.dtype == torch.float64 for p in model.parameters())
    assert_same_function(torch, mlp, model)


def random_sequential(torch: Any, activation: str, output: str, seed: int) -> Any:
    """A Sequential 3 → 5 → 4 → 3 as a PyTorch user writes it, with its own random weights."""
    torch.manual_seed(seed)
    hidden = nn.pytorch.MODULES[activation]
    last = (
        torch.nn.Softmax(dim=-1)
        if output == "softmax"
        else getattr(torch.nn, nn.pytorch.MODULES[output])()
    )
    return torch.nn.Sequential(
        torch.nn.Linear(3, 5),
        getattr(torch.nn, hidden)(),
        torch.nn.Linear(5, 4),
        getattr(torch.nn, hidden)(),
        torch.nn.Linear(4, 3),
        last,
    ).double()


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_from_torch_computes_the_same_outputs_and_gradients(
    torch: Any, activation: str, output: str
) -> None:
    model = random_sequential(torch, activation, output, seed=2)
    mlp = nn.from_torch(model)
    assert (mlp.n_in, mlp.layer_sizes) == (3, (5, 4, 3))
    assert (mlp.activation, mlp.output_activation) == (activation, output)
    assert_same_function(torch, mlp, model, seed=3)


def test_round_trips_keep_every_number_to_the_bit(torch: Any) -> None:
    mlp = nn.MLP(4, [6, 2], "tanh", "softmax", seed=5)
    assert nn.from_torch(nn.to_torch(mlp)).state_dict() == mlp.state_dict()
    model = random_sequential(torch, "sigmoid", "linear", seed=6)
    again = nn.to_torch(nn.from_torch(model))
    for a, b in zip(model.parameters(), again.parameters()):
        assert torch.equal(a, b)


def test_the_copies_share_nothing(torch: Any) -> None:
    mlp = nn.MLP(2, [3, 1], seed=0)
    before = mlp.state_dict()
    model = nn.to_torch(mlp)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    assert mlp.state_dict() == before
    back = nn.from_torch(model)
    with torch.no_grad():
        model[0].weight.zero_()
    assert back.layers[0].neurons[0].w[0].data != 0.0


def test_train_here_continue_in_torch_and_come_back(torch: Any) -> None:
    mlp = nn.MLP(2, [4, 1], "tanh", seed=0)
    model = nn.to_torch(mlp)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    X, y = torch.tensor([[0.5, -1.0], [1.0, 2.0]], dtype=torch.float64), torch.tensor([1.0, -1.0])
    for _ in range(3):
        optimizer.zero_grad()
        loss = ((model(X)[:, 0] - y.double()) ** 2).mean()
        loss.backward()
        optimizer.step()
    back = nn.from_torch(model)
    expected = model(X).detach().numpy()
    np.testing.assert_allclose(back.predict(X.numpy()), expected, **TOL)


def test_models_in_another_shape_an_mlp_can_still_hold(torch: Any) -> None:
    # One layer; a Linear with no bias (biases 0); no activation between two Linear (linear
    # hidden layers, as Identity); float32 weights (widened exactly to float64).
    torch.manual_seed(0)
    cases = [
        (torch.nn.Sequential(torch.nn.Linear(3, 2)), "linear", (2,)),
        (torch.nn.Sequential(torch.nn.Linear(3, 2, bias=False), torch.nn.ReLU()), "relu", (2,)),
        (
            torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2), torch.nn.Sigmoid()),
            "sigmoid",
            (4, 2),
        ),
    ]
    for model, output, sizes in cases:
        mlp = nn.from_torch(model)
        assert mlp.layer_sizes == sizes and mlp.output_activation == output
        X = np.random.default_rng(0).normal(size=(5, 3))
        expected = model(torch.tensor(X, dtype=torch.float32)).double()
        widened = model.double()(torch.tensor(X)).detach().numpy()
        np.testing.assert_allclose(mlp.predict(X), widened, **TOL)
        np.testing.assert_allclose(mlp.predict(X), expected.detach().numpy(), atol=1e-5)
    assert all(n.b.data == 0.0 for n in nn.from_torch(cases[1][0]).layers[0].neurons)
    assert nn.from_torch(cases[2][0]).activation == "linear"


def refused(torch: Any) -> list[tuple[Any, str]]:
    """Models from_torch refuses, and what its message says."""
    nn_ = torch.nn

    class MyReLU(nn_.ReLU):
        pass

    bad = nn_.Linear(2, 1)
    with torch.no_grad():
        bad.weight[0, 1] = float("nan")
    return [
        (nn_.Linear(2, 1), "expected a torch.nn.Sequential of Linear, .* got Linear"),
        (nn_.Sequential(), "holds no Linear layer"),
        (
            nn_.Sequential(nn_.Linear(2, 3), nn_.Dropout(0.5), nn_.Linear(3, 1)),
            r"\[1\] Dropout has no nn.MLP counterpart",
        ),
        (
            nn_.Sequential(nn_.Linear(2, 3), nn_.LeakyReLU(), nn_.Linear(3, 1)),
            r"\[1\] LeakyReLU has no",
        ),
        (nn_.Sequential(nn_.Sequential(nn_.Linear(2, 1))), r"\[0\] Sequential has no"),
        (nn_.Sequential(nn_.Linear(2, 3), MyReLU()), r"\[1\] MyReLU has no"),
        (nn_.Sequential(nn_.ReLU(), nn_.Linear(2, 1)), r"\[0\] ReLU does not follow a Linear"),
        (nn_.Sequential(nn_.Linear(2, 3), nn_.ReLU(), nn_.Tanh()), r"\[2\] Tanh does not follow"),
        (
            nn_.Sequential(nn_.Linear(2, 3), nn_.Softmax(dim=-1), nn_.Linear(3, 1)),
            "can only end the model",
        ),
        (nn_.Sequential(nn_.Linear(2, 3), nn_.Softmax(dim=0)), "over dim=0"),
        (
            nn_.Sequential(
                nn_.Linear(2, 3), nn_.ReLU(), nn_.Linear(3, 3), nn_.Tanh(), nn_.Linear(3, 1)
            ),
            "one activation for all its hidden layers; this model's hidden layers have ReLU, Tanh",
        ),
        (
            nn_.Sequential(nn_.Linear(2, 3), nn_.Linear(4, 1)),
            r"\[1\] Linear takes 4 inputs, but the Linear before it gives 3",
        ),
        (nn_.Sequential(bad), r"Linear 0's weight\[0, 1\] is nan, not finite"),
    ]


def test_from_torch_refuses_what_an_mlp_cannot_hold_naming_it(torch: Any) -> None:
    for model, message in refused(torch):
        with pytest.raises(ValueError, match=message):
            nn.from_torch(model)


def test_to_torch_takes_only_an_mlp(torch: Any) -> None:
    class Doubled(nn.MLP):
        def __call__(self, x: Any) -> list[Value]:
            return [2.0 * f for f in super().__call__(x)]

    with pytest.raises(ValueError, match="Layer has no PyTorch counterpart"):
        nn.to_torch(nn.Layer(2, 3))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Doubled has no PyTorch counterpart"):
        nn.to_torch(Doubled(2, [3, 1], seed=0))
    with pytest.raises(TypeError, match=r"expected an nn\.MLP, got str"):
        nn.to_torch("mlp")  # type: ignore[arg-type]

    class Plain(nn.MLP):  # a subclass that computes what MLP computes is one
        pass

    assert len(nn.to_torch(Plain(2, [3, 1], seed=0))) == 4


def test_without_pytorch_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(
        ModuleNotFoundError, match=r"nn.to_torch needs PyTorch.*autograd-lite\[torch\]"
    ):
        nn.to_torch(nn.MLP(2, [1], seed=0))
    with pytest.raises(ModuleNotFoundError, match=r"nn\.from_torch needs PyTorch") as error:
        nn.from_torch(object())  # type: ignore[arg-type]
    assert error.value.name == "torch"
