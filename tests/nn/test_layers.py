"""nn.Neuron, nn.Layer, nn.MLP: what they compute, what they accept, how they start."""

import math
from collections.abc import Callable

import numpy as np
import pytest

import nn
from autograd_lite import Value, draw_graph, explain, grad, topological_order

SIGMA = {
    "relu": lambda a: max(a, 0.0),
    "tanh": math.tanh,
    "sigmoid": lambda a: 1.0 / (1.0 + math.exp(-a)),
    "linear": lambda a: a,
}


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.mark.parametrize("activation", list(SIGMA))
def test_neuron_computes_sigma_of_b_plus_w_dot_x(activation: str) -> None:
    neuron = nn.Neuron(3, activation, rng=rng())
    neuron.b.data = 0.3
    x = [0.5, -1.5, 2.0]
    a = 0.3 + sum(w.data * xi for w, xi in zip(neuron.w, x))
    out = neuron(x)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(SIGMA[activation](a), abs=1e-15)


def test_linear_neuron_returns_its_pre_activation_and_floats_stay_constants() -> None:
    neuron = nn.Neuron(2, "linear", rng=rng())
    out = neuron([2.0, 3.0])
    # b + w₀x₀ + w₁x₁ as one affine node, no identity node on top
    assert out.op == "affine"
    assert out.args == (neuron.b, neuron.w[0], neuron.w[1], 2.0, 3.0)
    # The only leaves are the parameters: no Value was made for an input.
    leaves = {id(v) for v in _leaves(out)}
    assert leaves == {id(p) for p in neuron.parameters()}


def _leaves(root: Value) -> list[Value]:
    from autograd_lite import topological_order

    return [v for v in topological_order(root) if not v.op]


def test_layer_and_mlp_return_lists_even_one_wide() -> None:
    layer = nn.Layer(2, 1, rng=rng())
    assert isinstance(layer([1.0, 2.0]), list) and len(layer([1.0, 2.0])) == 1
    mlp = nn.MLP(2, [1], seed=0)
    out = mlp([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_a_one_wide_hidden_layer_works_and_passes_gradients(activation: str) -> None:
    mlp = nn.MLP(2, [1, 3], activation, seed=3)
    mlp.layers[0].neurons[0].b.data = 0.5  # keep a ReLU unit alive
    out = mlp([0.2, -0.1])
    assert len(out) == 3
    total = out[0] + out[1] * 2.0 + out[2] * 3.0
    total.backward()
    hidden = mlp.layers[0].neurons[0]
    z = mlp.layers[0]([0.2, -0.1])[0].data
    # ∂total/∂b⁽²⁾ₖ = its coefficient; ∂total/∂W⁽²⁾ₖ₁ = coefficient · z⁽¹⁾.
    for k, neuron in enumerate(mlp.layers[1].neurons):
        assert neuron.b.grad == k + 1.0
        assert neuron.w[0].grad == pytest.approx((k + 1.0) * z, abs=1e-15)
    assert hidden.b.grad != 0.0


def test_layer_matches_the_matrix_form() -> None:
    layer = nn.Layer(3, 4, "tanh", rng=rng(5))
    for i, neuron in enumerate(layer.neurons):
        neuron.b.data = 0.1 * i
    W = np.array([[w.data for w in n.w] for n in layer.neurons])
    b = np.array([n.b.data for n in layer.neurons])
    x = np.array([0.3, -0.2, 0.9])
    np.testing.assert_allclose([v.data for v in layer(x)], np.tanh(W @ x + b), rtol=0, atol=1e-15)


def test_softmax_output_is_the_softmax_of_the_pre_activations() -> None:
    mlp = nn.MLP(2, [4, 3], "tanh", "softmax", seed=2)
    linear = nn.MLP(2, [4, 3], "tanh", "linear", seed=2)
    x = [0.4, -1.1]
    logits = np.array([v.data for v in linear(x)])
    expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    probabilities = [v.data for v in mlp(x)]
    np.testing.assert_allclose(probabilities, expected, rtol=0, atol=1e-15)
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-15)
    assert all(n.activation == "linear" for n in mlp.layers[-1].neurons)


@pytest.mark.parametrize(
    "x",
    [
        [1.5, -2],
        (1.5, -2.0),
        [Value(1.5), -2.0],
        np.array([1.5, -2.0]),
        np.array([3, -4]) / np.array([2, 2]),
        np.array([Value(1.5), Value(-2.0)], dtype=object),
        [np.float32(1.5), np.int64(-2)],
    ],
)
def test_inputs_may_be_floats_values_or_a_1d_array(x: object) -> None:
    mlp = nn.MLP(2, [3, 2], seed=0)
    expected = [v.data for v in mlp([1.5, -2.0])]
    assert [v.data for v in mlp(x)] == expected  # type: ignore[arg-type]


def test_input_values_receive_gradients() -> None:
    mlp = nn.MLP(2, [3, 1], "tanh", seed=0)
    x = [Value(0.5), Value(-0.5)]
    (dx0,) = grad(mlp(x)[0], [x[0]])
    h = 1e-6
    plus = mlp([0.5 + h, -0.5])[0].data
    minus = mlp([0.5 - h, -0.5])[0].data
    assert dx0 == pytest.approx((plus - minus) / (2 * h), rel=1e-6)


@pytest.mark.parametrize(
    ("piece", "n_in"),
    [
        (nn.Neuron(3, rng=rng()), 3),
        (nn.Layer(3, 2, rng=rng()), 3),
        (nn.MLP(3, [2, 1], seed=0), 3),
    ],
)
@pytest.mark.parametrize("length", [0, 2, 4])
def test_wrong_input_length_names_expected_and_received(
    piece: nn.Module, n_in: int, length: int
) -> None:
    name = type(piece).__name__
    with pytest.raises(ValueError, match=f"^{name}: expected {n_in} inputs, received {length}$"):
        piece([0.5] * length)  # type: ignore[operator]
    with pytest.raises(ValueError, match=f"expected {n_in} inputs, received {length}"):
        piece(np.full(length, 0.5))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (np.zeros((1, 2)), ValueError, r"1-D input of size 2, got shape \(1, 2\)"),
        (np.array(["a", "b"]), TypeError, "dtype <U1"),
        ([1.0, "2"], TypeError, "input 1: expected a real number or a Value, got str"),
        ([True, 1.0], TypeError, "input 0: expected a real number or a Value, got bool"),
        ([1.0, math.nan], ValueError, "input 1: expected a finite number, got nan"),
        ([np.float64(math.inf), 1.0], ValueError, "input 0: expected a finite number, got inf"),
        (Value(1.0), TypeError, "got Value"),
        ("ab", TypeError, "got str"),
        (None, TypeError, "got NoneType"),
    ],
)
def test_bad_inputs_are_named(x: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        nn.MLP(2, [1], seed=0)(x)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: nn.Neuron(0), ValueError, r"Neuron\(n_in\): expected an integer ≥ 1, got 0"),
        (lambda: nn.Neuron(True), TypeError, r"Neuron\(n_in\)"),
        (lambda: nn.Neuron(2.0), TypeError, r"Neuron\(n_in\)"),
        (lambda: nn.Neuron(2, "softmax"), ValueError, "'sigmoid', 'linear', got 'softmax'"),
        (lambda: nn.Neuron(2, rng=0), TypeError, "numpy.random.Generator"),
        (lambda: nn.Layer(2, 0), ValueError, r"Layer\(n_out\)"),
        (lambda: nn.Layer(2, 2, "gelu"), ValueError, r"Layer\(activation\)"),
        (lambda: nn.MLP(2, []), ValueError, "at least one layer"),
        (lambda: nn.MLP(2, 3), TypeError, "sequence of layer widths"),
        (lambda: nn.MLP(2, "3"), TypeError, "sequence of layer widths"),
        (lambda: nn.MLP(2, [3, -1]), ValueError, r"MLP\(layer_sizes\[1\]\)"),
        (lambda: nn.MLP(2, [3], "softmax"), ValueError, r"MLP\(activation\)"),
        (lambda: nn.MLP(2, [3], output_activation="Relu"), ValueError, "output_activation"),
        (lambda: nn.MLP(2, [3], seed=1.5), TypeError, r"MLP\(seed\)"),
        (lambda: nn.MLP(2, [3], seed=-1), ValueError, r"MLP\(seed\)"),
    ],
)
def test_bad_constructor_arguments_are_named(
    build: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        build()  # type: ignore[operator]


def test_the_same_seed_gives_the_same_network() -> None:
    a, b, c = (
        nn.MLP(2, [8, 8, 1], seed=7),
        nn.MLP(2, [8, 8, 1], seed=7),
        nn.MLP(2, [8, 8, 1], seed=8),
    )
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != c.state_dict()
    x = [0.1, 0.2]
    assert [v.data for v in a(x)] == [v.data for v in b(x)]
    first = nn.Layer(3, 4, rng=rng(11)).state_dict()
    assert nn.Layer(3, 4, rng=rng(11)).state_dict() == first
    assert nn.Neuron(3, rng=rng(11)).state_dict() == nn.Neuron(3, rng=rng(11)).state_dict()


def test_no_seed_draws_fresh_parameters() -> None:
    assert nn.MLP(2, [8], seed=None).state_dict() != nn.MLP(2, [8], seed=None).state_dict()


@pytest.mark.parametrize(
    ("activation", "n_in", "n_out", "std"),
    [
        ("relu", 300, 200, math.sqrt(2 / 300)),  # He
        ("tanh", 300, 200, math.sqrt(2 / 500)),  # Glorot
        ("sigmoid", 100, 300, math.sqrt(2 / 400)),
        ("linear", 200, 200, math.sqrt(2 / 400)),
        ("softmax", 200, 200, math.sqrt(2 / 400)),
    ],
)
def test_initial_weights_are_scaled_for_the_activation(
    activation: str, n_in: int, n_out: int, std: float
) -> None:
    assert nn.init_std(n_in, n_out, activation) == std
    layer = nn.Layer(n_in, n_out, activation, rng=rng(0))
    weights = np.array([w.data for n in layer.neurons for w in n.w])
    # 60 000 draws: the sample deviation is within 2 % of σ with overwhelming probability.
    assert abs(weights.std() / std - 1.0) < 0.02
    assert abs(weights.mean()) < 0.02 * std
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_mlp_uses_each_layers_own_widths_for_its_scale() -> None:
    mlp = nn.MLP(400, [100, 300], "tanh", seed=0)
    hidden = np.array([w.data for n in mlp.layers[0].neurons for w in n.w])
    output = np.array([w.data for n in mlp.layers[1].neurons for w in n.w])
    assert abs(hidden.std() / math.sqrt(2 / 500) - 1.0) < 0.02
    assert abs(output.std() / math.sqrt(2 / 400) - 1.0) < 0.02
    assert [layer.activation for layer in mlp.layers] == ["tanh", "linear"]


def test_reprs_are_compact() -> None:
    assert repr(nn.MLP(2, [16, 16, 1], seed=0)) == (
        "MLP(2 → 16 relu → 16 relu → 1 linear; 337 parameters)"
    )
    assert repr(nn.MLP(4, [3], "tanh", "softmax", seed=0)) == "MLP(4 → 3 softmax; 15 parameters)"
    assert repr(nn.Layer(3, 2, "tanh")) == "Layer(3 → 2, tanh)"
    assert repr(nn.Neuron(3, "sigmoid")) == "Neuron(3, sigmoid)"


def test_one_seed_spelling_for_neuron_layer_and_mlp_with_rng_still_accepted() -> None:
    assert nn.Neuron(3, seed=5).state_dict() == nn.Neuron(3, rng=rng(5)).state_dict()
    assert nn.Layer(3, 4, seed=5).state_dict() == nn.Layer(3, 4, rng=rng(5)).state_dict()
    assert nn.Layer(3, 4, seed=rng(5)).state_dict() == nn.Layer(3, 4, seed=5).state_dict()
    assert nn.MLP(3, [4, 2], seed=rng(5)).state_dict() == nn.MLP(3, [4, 2], seed=5).state_dict()
    with pytest.raises(TypeError, match="not both"):
        nn.Neuron(2, seed=1, rng=rng(1))
    with pytest.raises(TypeError, match=r"Layer\(seed\)"):
        nn.Layer(2, 2, seed=1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: nn.Neuron(10**400), ValueError, r"Neuron\(n_in\): expected a size of at most"),
        (lambda: nn.Layer(2, 10**30), ValueError, r"Layer\(n_out\): expected a size of at most"),
        (lambda: nn.MLP(2, [10**400]), ValueError, r"MLP\(layer_sizes\[0\]\): expected a size"),
        (lambda: nn.MLP(2, [2], ["relu"]), ValueError, r"MLP\(activation\)"),
        (lambda: nn.MLP(2, [2], seed=True), TypeError, r"MLP\(seed\)"),
        (lambda: nn.MLP(2, [2])([10**400, 1.0]), ValueError, "input 0: expected a number within"),
        (
            lambda: nn.l2_penalty(nn.Neuron(2), 10**400),
            ValueError,
            r"l2_penalty\(lam\): expected a number within",
        ),
        (
            lambda: nn.l2_penalty(nn.Neuron(2), math.inf),
            ValueError,
            r"l2_penalty\(lam\): expected a finite",
        ),
        (lambda: nn.hinge_loss(Value(1.0), 10**400), ValueError, r"hinge_loss\(target\)"),
        (lambda: nn.cross_entropy([1.0, 2.0], 10**400), ValueError, "class index an integer of"),
        (lambda: nn.softmax([1.0, -(10**400)]), ValueError, "item 1: expected a number within"),
        (
            lambda: nn.squared_error(Value(1.0), 10**400),
            ValueError,
            r"target\): item 0: expected a number within",
        ),
        (
            lambda: nn.reference.backprop(nn.MLP(1, [2]), [10**400], 0),
            ValueError,
            r"backprop\(x\)\[0\]: expected a number within",
        ),
        (
            lambda: nn.reference.backprop(nn.MLP(1, [2]), [1.0], 0, lam=10**400),
            ValueError,
            r"backprop\(lam\): expected a number within",
        ),
    ],
)
def test_huge_ints_and_odd_types_are_named_errors_everywhere(
    build: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        build()  # type: ignore[operator]


# --- Names, as in the notes ------------------------------------------------------------------


def test_parameters_are_labelled_as_the_notes_do_counting_from_1() -> None:
    mlp = nn.MLP(2, [3, 2], seed=0)
    first, second = mlp.layers
    assert [w.label for w in first.neurons[2].w] == ["W1[3,1]", "W1[3,2]"]
    assert first.neurons[2].b.label == "b1[3]"
    assert [w.label for w in second.neurons[1].w] == ["W2[2,1]", "W2[2,2]", "W2[2,3]"]
    assert second.neurons[1].b.label == "b2[2]"
    labels = [p.label for p in mlp.parameters()]
    assert len(set(labels)) == len(labels)  # one name each
    layer = nn.Layer(2, 2, seed=0)
    assert [p.label for p in layer.parameters()] == [
        "W[1,1]",
        "W[1,2]",
        "b[1]",
        "W[2,1]",
        "W[2,2]",
        "b[2]",
    ]
    neuron = nn.Neuron(2, seed=0)
    assert [p.label for p in neuron.parameters()] == ["w[1]", "w[2]", "b"]
    blank = nn.MLP.zeros(2, [3, 2], "relu", "linear")  # as load() builds it
    assert [p.label for p in blank.parameters()] == labels


@pytest.mark.parametrize(
    ("hidden", "output"), [("tanh", "softmax"), ("sigmoid", "sigmoid"), ("relu", "linear")]
)
def test_names_label_each_node_of_the_call_as_the_notes_do(hidden: str, output: str) -> None:
    mlp = nn.MLP(2, [3, 4, 2], hidden, output, seed=1)
    x = [Value(0.5), Value(-1.0, "mine")]
    named = mlp(x, names=True)
    plain = mlp([0.5, -1.0])
    assert [v.data for v in named] == [v.data for v in plain]  # the same numbers, to the bit
    assert [v.label for v in named] == ["f[1]", "f[2]"]
    assert [v.label for v in x] == ["x[1]", "mine"]  # a label given is kept
    nodes = {v.label: v for f in named for v in topological_order(f) if v.label}
    for h, width in ((1, 3), (2, 4)):
        for k in range(1, width + 1):
            a, z = nodes[f"a{h}[{k}]"], nodes[f"z{h}[{k}]"]
            assert a.op == "affine" and a.args[1] is mlp.layers[h - 1].neurons[k - 1].w[0]
            assert z.args == (a,) and z.op == hidden
    if output == "linear":  # f = a⁽³⁾: one node, named by what it outputs
        assert all(v.op == "affine" for v in named) and "a3[1]" not in nodes
    else:
        assert all(nodes[f"a3[{k}]"].op == "affine" for k in (1, 2))
    assert not [v.label for v in topological_order(plain[0]) if v.op and v.label]


def test_names_reach_explain_and_the_graph_picture() -> None:
    mlp = nn.MLP(2, [2, 1], "tanh", seed=0)
    out = mlp([Value(1.0), Value(2.0)], names=True)[0]
    text = str(explain(out))
    assert "a1[2] = b1[2] + W1[2,1]·x[1] + W1[2,2]·x[2] =" in text
    assert "z1[2] = tanh(a1[2]) =" in text
    assert "f[1] = b2[1] + W2[1,1]·z1[1] + W2[1,2]·z1[2] =" in text
    source = draw_graph(out, params=mlp.parameters()).source
    assert "W1[2,1]" in source and "a1[2]" in source and "f[1]" in source


def test_names_is_keyword_only() -> None:
    mlp = nn.MLP(1, [1], seed=0)
    with pytest.raises(TypeError):
        mlp([1.0], True)  # type: ignore[misc]


def test_zeros_builds_the_shape_with_every_parameter_zero_and_draws_nothing() -> None:
    state = np.random.get_state()
    mlp = nn.MLP.zeros(3, [4, 2], "tanh", "softmax")
    assert repr(mlp) == repr(nn.MLP(3, [4, 2], "tanh", "softmax", seed=0))
    assert [p.data for p in mlp.parameters()] == [0.0] * mlp.num_parameters()
    assert [p.label for p in mlp.parameters()][:3] == ["W1[1,1]", "W1[1,2]", "W1[1,3]"]
    layer = nn.Layer.zeros(2, 3, "softmax")
    assert repr(layer) == "Layer(2 → 3, softmax)" and not any(p.data for p in layer.parameters())
    neuron = nn.Neuron.zeros(2, "sigmoid")
    assert neuron.activation == "sigmoid" and [p.data for p in neuron.parameters()] == [0.0] * 3
    assert np.all(np.random.get_state()[1] == state[1])


@pytest.mark.parametrize(
    ("make", "error", "text"),
    [
        (lambda: nn.Neuron.zeros(0), ValueError, r"Neuron\.zeros\(n_in\)"),
        (lambda: nn.Neuron.zeros(2, "softmax"), ValueError, r"Neuron\.zeros\(activation\)"),
        (lambda: nn.Layer.zeros(2, 0), ValueError, r"Layer\.zeros\(n_out\)"),
        (lambda: nn.MLP.zeros(2, []), ValueError, r"MLP\.zeros\(layer_sizes\): .* at least one"),
        (lambda: nn.MLP.zeros(2, [3, "1"]), TypeError, r"MLP\.zeros\(layer_sizes\[1\]\)"),
        (lambda: nn.MLP.zeros(2, [3], "x"), ValueError, r"MLP\.zeros\(activation\)"),
    ],
)
def test_zeros_checks_its_arguments_as_the_constructors_do(
    make: Callable[[], object], error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text):
        make()
