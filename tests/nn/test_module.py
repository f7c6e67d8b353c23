"""nn.Module: parameter discovery and names, gradients, state dicts loaded all or nothing."""

import math

import pytest

import nn
from autograd_lite import Value


class Affine(nn.Module):
    """A module written by hand, as a user would: attributes are found in assignment order."""

    unregularized = ("bias",)

    def __init__(self) -> None:
        self.scale = [Value(2.0), Value(3.0)]
        self.bias = Value(0.5)
        self._cache = Value(99.0)  # private: not a parameter
        self.name = "affine"


class Pair(nn.Module):
    def __init__(self) -> None:
        self.first = Affine()
        self.shared = self.first.bias  # the same Value again: listed once
        self.blocks = (Affine(),)


def test_a_hand_written_module_lists_its_parameters_by_dotted_name() -> None:
    pair = Pair()
    names = [name for name, _ in pair.named_parameters()]
    assert names == [
        "first.scale.0",
        "first.scale.1",
        "first.bias",
        "blocks.0.scale.0",
        "blocks.0.scale.1",
        "blocks.0.bias",
    ]
    assert pair.parameters() == [value for _, value in pair.named_parameters()]
    assert pair.parameters()[2] is pair.first.bias
    assert pair.num_parameters() == 6


def test_weights_leave_out_the_unregularized_attributes() -> None:
    pair = Pair()
    assert pair.weights() == [*pair.first.scale, *pair.blocks[0].scale]


def test_mlp_parameter_names_and_order() -> None:
    mlp = nn.MLP(2, [3, 1], seed=0)
    names = [name for name, _ in mlp.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(names) == len(set(names)) == mlp.num_parameters() == (2 + 1) * 3 + (3 + 1) * 1
    expected = [p for layer in mlp.layers for n in layer.neurons for p in [*n.w, n.b]]
    assert all(a is b for a, b in zip(mlp.parameters(), expected, strict=True))
    # Each parameter's label is the notes' name (nn.layers), its dotted name the state's key.
    labels = [value.label for value in mlp.parameters()]
    assert labels[:3] == ["W1[1,1]", "W1[1,2]", "b1[1]"] and labels[-1] == "b2[1]"


def test_zero_grad_clears_every_gradient() -> None:
    mlp = nn.MLP(2, [3, 1], seed=0)
    mlp([1.0, -2.0])[0].backward()
    assert any(p.grad != 0.0 for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())


def test_state_dict_round_trip() -> None:
    source, target = nn.MLP(2, [4, 2], seed=1), nn.MLP(2, [4, 2], seed=2)
    state = source.state_dict()
    assert list(state) == [name for name, _ in source.named_parameters()]
    assert all(type(v) is float for v in state.values())
    target.load_state_dict(state)
    assert target.state_dict() == state
    x = [0.3, -0.7]
    assert [v.data for v in target(x)] == [v.data for v in source(x)]


def test_load_state_dict_accepts_ints_and_numpy_numbers() -> None:
    np = pytest.importorskip("numpy")
    neuron = nn.Neuron(2, rng=np.random.default_rng(0))
    neuron.load_state_dict({"w.0": 1, "w.1": np.float32(0.5), "b": np.int64(-2)})
    assert [neuron.w[0].data, neuron.w[1].data, neuron.b.data] == [1.0, 0.5, -2.0]
    assert type(neuron.b.data) is float


def _bad_states(good: dict[str, float]) -> list[tuple[dict[str, object], str]]:
    first, second = list(good)[:2]
    missing = dict(good)
    del missing[first]
    return [
        (missing, f"missing: {first}"),
        ({**good, "extra": 1.0}, "unexpected: 'extra'"),
        ({**good, 3: 1.0}, "unexpected: 3"),
        ({**good, first: "1.0"}, f"not a real number: {first} (str)"),
        ({**good, first: None}, f"not a real number: {first} (NoneType)"),
        ({**good, first: True}, f"not a real number: {first} (bool)"),
        ({**good, first: [1.0]}, f"not a real number: {first} (list)"),
        ({**good, first: 1 + 2j}, f"not a real number: {first} (complex)"),
        ({**good, first: math.nan}, f"not finite: {first} (nan)"),
        ({**good, second: -math.inf}, f"not finite: {second} (-inf)"),
        ({}, "missing: "),
    ]


@pytest.mark.parametrize("case", range(11))
def test_load_state_dict_leaves_the_module_untouched_on_every_bad_input(case: int) -> None:
    mlp = nn.MLP(2, [3, 1], seed=0)
    before = mlp.state_dict()
    good = {name: 0.25 for name in before}
    bad, message = _bad_states(good)[case]
    with pytest.raises(ValueError, match=r"^load_state_dict: ") as info:
        mlp.load_state_dict(bad)
    assert message in str(info.value)
    assert mlp.state_dict() == before


def test_load_state_dict_reports_every_problem_at_once() -> None:
    neuron = nn.Neuron(3)
    before = neuron.state_dict()
    with pytest.raises(ValueError) as info:
        neuron.load_state_dict({"w.0": math.inf, "w.1": "x", "bogus": 1.0})
    text = str(info.value)
    assert "missing: w.2, b" in text
    assert "unexpected: 'bogus'" in text
    assert "not a real number: w.1 (str)" in text
    assert "not finite: w.0 (inf)" in text
    assert neuron.state_dict() == before


def test_load_state_dict_shortens_long_listings() -> None:
    mlp = nn.MLP(4, [8], seed=0)  # 40 parameters
    with pytest.raises(ValueError, match="and 30 more"):
        mlp.load_state_dict({})


@pytest.mark.parametrize("bad", [[("w.0", 1.0)], None, 3.0])
def test_load_state_dict_needs_a_mapping(bad: object) -> None:
    with pytest.raises(TypeError, match="mapping"):
        nn.Neuron(1).load_state_dict(bad)  # type: ignore[arg-type]


def test_the_older_british_spelling_of_unregularized_still_works() -> None:
    class Old(nn.Module):
        unregularised = ("bias",)

        def __init__(self) -> None:
            self.weight = Value(1.0)
            self.bias = Value(2.0)

    old = Old()
    assert Old.unregularized == ("bias",) and old.weights() == [old.weight]
