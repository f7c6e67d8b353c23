"""nn.save and nn.load: bit-exact round trips, every corrupt file refused, atomic writes."""

import json
import math
import os
import struct
from pathlib import Path

import numpy as np
import pytest

import nn
from nn import checkpoint


def bits(module: nn.Module) -> list[bytes]:
    return [struct.pack("<d", p.data) for p in module.parameters()]


def awkward(module: nn.Module) -> nn.Module:
    """Parameters whose decimal forms are long, tiny, huge or signed zeros."""
    specials = [0.1, -0.0, 5e-324, 1.7976931348623157e308, 1 / 3, -2.2250738585072014e-308]
    for i, p in enumerate(module.parameters()):
        p.data = specials[i] if i < len(specials) else math.pi * (i - 50) / 7.0
    return module


MODULES = {
    "mlp": lambda: nn.MLP(3, [5, 4, 2], "tanh", "softmax", seed=1),
    "mlp-linear": lambda: nn.MLP(2, [16, 16, 1], seed=2),
    "layer": lambda: nn.Layer(4, 3, "sigmoid", rng=np.random.default_rng(3)),
    "neuron": lambda: nn.Neuron(3, "linear", rng=np.random.default_rng(4)),
}


@pytest.mark.parametrize("kind", list(MODULES))
def test_round_trip_is_bit_exact_including_outputs(kind: str, tmp_path: Path) -> None:
    module = MODULES[kind]()
    path = tmp_path / "model.json"
    nn.save(module, path)
    loaded = nn.load(path)
    assert type(loaded) is type(module)
    assert repr(loaded) == repr(module)
    assert bits(loaded) == bits(module)
    x = np.linspace(-1.0, 1.0, module.n_in)  # type: ignore[attr-defined]
    out, loaded_out = module(x), loaded(x)  # type: ignore[operator]
    if not isinstance(out, list):
        out, loaded_out = [out], [loaded_out]
    assert [struct.pack("<d", v.data) for v in loaded_out] == [
        struct.pack("<d", v.data) for v in out
    ]


def test_awkward_floats_round_trip_bit_for_bit(tmp_path: Path) -> None:
    module = awkward(nn.MLP(2, [8, 3], seed=0))
    nn.save(module, str(tmp_path / "m.json"))
    loaded = nn.load(str(tmp_path / "m.json"))
    assert bits(loaded) == bits(module)
    assert math.copysign(1.0, loaded.parameters()[1].data) == -1.0  # −0.0 stays −0.0


def test_the_file_is_plain_json_with_version_architecture_and_parameters(tmp_path: Path) -> None:
    mlp = nn.MLP(2, [3, 1], "sigmoid", seed=0)
    path = tmp_path / "m.json"
    nn.save(mlp, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "autograd-lite checkpoint"
    assert document["version"] == 1
    assert document["architecture"] == {
        "type": "MLP",
        "n_in": 2,
        "layer_sizes": [3, 1],
        "activation": "sigmoid",
        "output_activation": "linear",
    }
    assert document["parameters"] == mlp.state_dict()
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_saving_over_a_checkpoint_replaces_it_and_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    nn.save(nn.Neuron(2), path)
    os.chmod(path, 0o640)
    second = nn.MLP(2, [2], seed=5)
    nn.save(second, path)
    assert bits(nn.load(path)) == bits(second)
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]


def test_a_new_checkpoint_is_readable_by_others(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    nn.save(nn.Neuron(2), path)
    assert path.stat().st_mode & 0o777 == 0o644


# --- Refusing to save ----------------------------------------------------------------------------


def test_saving_a_non_finite_parameter_writes_nothing(tmp_path: Path) -> None:
    mlp = nn.MLP(2, [2], seed=0)
    mlp.layers[0].neurons[1].w[0].data = math.nan
    with pytest.raises(ValueError, match=r"not finite, not saved: layers\.0\.neurons\.1\.w\.0"):
        nn.save(mlp, tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


def test_saving_another_kind_of_module_is_a_type_error(tmp_path: Path) -> None:
    class Custom(nn.Module):
        pass

    class Wider(nn.MLP):
        pass

    for module in (Custom(), Wider(2, [1], seed=0)):
        with pytest.raises(TypeError, match="state_dict"):
            nn.save(module, tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


# --- Atomicity -----------------------------------------------------------------------------------


@pytest.mark.parametrize("failing", ["replace", "fsync", "write", "dumps"])
def test_a_failure_mid_save_keeps_the_previous_checkpoint_and_leaves_no_temporary_file(
    failing: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.json"
    first = nn.MLP(2, [4, 1], seed=0)
    nn.save(first, path)
    before = path.read_bytes()

    class Crash(OSError):
        pass

    def crash(*args: object, **kwargs: object) -> None:
        raise Crash("disk on fire")

    if failing == "replace":
        monkeypatch.setattr(checkpoint.os, "replace", crash)
    elif failing == "fsync":
        monkeypatch.setattr(checkpoint.os, "fsync", crash)
    elif failing == "dumps":
        monkeypatch.setattr(checkpoint.json, "dumps", crash)
    else:
        real_fdopen = os.fdopen

        def half_writer(*args: object, **kwargs: object) -> object:
            file = real_fdopen(*args, **kwargs)  # type: ignore[call-overload]
            real_write = file.write

            def write(text: str) -> int:
                real_write(text[: len(text) // 2])  # half the bytes reach the disk, then boom
                raise Crash("disk full")

            file.write = write
            return file

        monkeypatch.setattr(checkpoint.os, "fdopen", half_writer)

    with pytest.raises(Crash):
        nn.save(nn.MLP(2, [4, 1], seed=1), path)
    assert path.read_bytes() == before
    assert bits(nn.load(path)) == bits(first)
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_an_interrupt_mid_save_also_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        nn.save(nn.Neuron(2), tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


def test_saving_into_a_missing_folder_makes_it(tmp_path: Path) -> None:
    neuron = nn.Neuron(2, seed=0)
    nn.save(neuron, tmp_path / "runs" / "1" / "m.json")
    assert nn.load(tmp_path / "runs" / "1" / "m.json").state_dict() == neuron.state_dict()


def test_saving_where_a_file_stands_in_for_the_folder_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "runs").write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        nn.save(nn.Neuron(2), tmp_path / "runs" / "m.json")
    assert [p.name for p in tmp_path.iterdir()] == ["runs"]


# --- Corrupt files ------------------------------------------------------------------------------


def good_document() -> dict[str, object]:
    mlp = nn.MLP(2, [2, 1], seed=0)
    return {
        "format": "autograd-lite checkpoint",
        "version": 1,
        "architecture": {
            "type": "MLP",
            "n_in": 2,
            "layer_sizes": [2, 1],
            "activation": "relu",
            "output_activation": "linear",
        },
        "parameters": mlp.state_dict(),
    }


def edited(**changes: object) -> str:
    document = good_document()
    for key, value in changes.items():
        if key.startswith("arch_"):
            architecture = dict(document["architecture"])  # type: ignore[call-overload]
            if value is DELETE:
                del architecture[key[5:]]
            else:
                architecture[key[5:]] = value
            document["architecture"] = architecture
        elif value is DELETE:
            del document[key]
        else:
            document[key] = value
    return json.dumps(document)


DELETE = object()
GOOD = json.dumps(good_document())
NAMES = list(good_document()["parameters"])  # type: ignore[call-overload]
PARAMS = good_document()["parameters"]

CORRUPT: dict[str, tuple[str | bytes, str]] = {
    "empty": ("", "empty file"),
    "blank": ("  \n\t", "empty file"),
    "truncated early": (GOOD[:20], "truncated or corrupt JSON"),
    "truncated midway": (GOOD[: len(GOOD) // 2], "truncated or corrupt JSON"),
    "truncated at the end": (GOOD[:-1], "truncated or corrupt JSON"),
    "not utf-8": (b"\xff\xfe{}", "not UTF-8"),
    "binary junk": (bytes(range(256)), "not UTF-8"),
    "not json": ("hello", "truncated or corrupt JSON at line 1"),
    "trailing junk": (GOOD + "}", "corrupt JSON"),
    "nested too deeply": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "an array": ("[1, 2]", "expected a JSON object, got an array"),
    "a number": ("3.5", "expected a JSON object"),
    "other format": (edited(format="pickle"), "format is 'pickle'"),
    "no format": (edited(format=DELETE), "format is None"),
    "no version": (edited(version=DELETE), "version: expected an integer, got NoneType: None"),
    "version 2": (edited(version=2), "unsupported checkpoint version 2"),
    "version 0": (edited(version=0), "unsupported checkpoint version 0"),
    "version as text": (edited(version="1"), "version: expected an integer, got str: '1'"),
    "version as float": (edited(version=1.0), "version: expected an integer, got float: 1.0"),
    "version true": (edited(version=True), "version: expected an integer, got bool: True"),
    "extra key": (edited(comment="hi"), "unexpected comment"),
    "no parameters": (edited(parameters=DELETE), "missing parameters"),
    "no architecture": (edited(architecture=DELETE), "missing architecture"),
    "architecture a list": (edited(architecture=[2, 1]), "architecture must be an object"),
    "parameters a list": (edited(parameters=[0.0] * 9), "parameters must be an object"),
    "unknown type": (edited(arch_type="CNN"), "unknown architecture type 'CNN'"),
    "missing n_in": (edited(arch_n_in=DELETE), "missing architecture.n_in"),
    "extra architecture key": (edited(arch_depth=2), "unexpected architecture.depth"),
    "zero width": (edited(arch_n_in=0), "architecture.n_in: expected an integer ≥ 1, got 0"),
    "negative width": (
        edited(arch_layer_sizes=[2, -1]),
        r"architecture.layer_sizes\[1\]: expected an integer ≥ 1, got -1",
    ),
    "float width": (
        edited(arch_layer_sizes=[2.5, 1]),
        r"architecture.layer_sizes\[0\]: expected an integer, got float: 2.5",
    ),
    "bool width": (edited(arch_n_in=True), "architecture.n_in: expected an integer, got bool"),
    "no layers": (edited(arch_layer_sizes=[]), "layer_sizes must be a non-empty list"),
    "huge width": (edited(arch_layer_sizes=[10**12, 1]), "parameters: the architecture has"),
    "bad activation": (edited(arch_activation="swish"), "architecture.activation: expected one of"),
    "softmax hidden": (edited(arch_activation="softmax"), "architecture.activation: expected one"),
    "wider than saved": (edited(arch_layer_sizes=[3, 1]), "has 13 parameters, the file has 9"),
    "too few parameters": (
        edited(parameters={k: PARAMS[k] for k in NAMES[:-1]}),  # type: ignore[index]
        "has 9 parameters, the file has 8",
    ),
    "renamed parameter": (
        edited(parameters={**{k: PARAMS[k] for k in NAMES[:-1]}, "x": 1.0}),  # type: ignore[index]
        r"missing parameters\['layers.1.neurons.0.b'\]; unexpected parameters\['x'\]",
    ),
    "text parameter": (edited(parameters={**PARAMS, NAMES[0]: "0.5"}), "w.0']: expected a real"),  # type: ignore[dict-item]
    "bool parameter": (edited(parameters={**PARAMS, NAMES[0]: True}), "w.0']: expected a real"),  # type: ignore[dict-item]
    "null parameter": (edited(parameters={**PARAMS, NAMES[0]: None}), "w.0']: expected a real"),  # type: ignore[dict-item]
    "NaN": (GOOD.replace(str(PARAMS[NAMES[0]]), "NaN", 1), "NaN is not a valid parameter"),  # type: ignore[index]
    "Infinity": (
        GOOD.replace(str(PARAMS[NAMES[0]]), "-Infinity", 1),  # type: ignore[index]
        "-Infinity is not a valid",
    ),
    "overflowing number": (
        GOOD.replace(str(PARAMS[NAMES[0]]), "1e400", 1),
        "w.0']: expected a finite number, got inf",
    ),  # type: ignore[index]
    # Each is a ValueError naming the key, not an OverflowError or TypeError from deep inside.
    "400-digit parameter": (
        GOOD.replace(str(PARAMS[NAMES[0]]), "1" * 400, 1),  # type: ignore[index]
        r"parameters\['layers.0.neurons.0.w.0'\]: expected a number within the float range "
        r"\(±1.8e308\), got an integer of about 399 digits",
    ),
    "5000-digit parameter": (
        GOOD.replace(str(PARAMS[NAMES[0]]), "9" * 5000, 1),  # type: ignore[index]
        r"w.0'\]: expected a number within the float range .*, got an integer literal of 5000",
    ),
    "5000-digit size": (
        GOOD.replace('"n_in": 2', '"n_in": ' + "9" * 5000),
        "architecture.n_in: expected a size of at most",
    ),
    "400-digit size": (edited(arch_n_in=10**400), "architecture.n_in: expected a size of at most"),
    "type a list": (
        edited(arch_type=["MLP"]),
        r"architecture.type: unknown architecture type \['MLP'\]",
    ),
    "type an object": (edited(arch_type={"a": 1}), "architecture.type: unknown"),
    "activation a list": (edited(arch_activation=["relu"]), "architecture.activation: expected"),
    "sizes an object": (
        edited(arch_layer_sizes={"0": 2}),
        "architecture.layer_sizes must be a non-empty list",
    ),
    "size a list": (
        edited(arch_layer_sizes=[[2], 1]),
        r"layer_sizes\[0\]: expected an integer, got list",
    ),
    "size null": (
        edited(arch_layer_sizes=[2, None]),
        r"layer_sizes\[1\]: expected an integer, got NoneType",
    ),
    "huge version": (
        edited(version=10**400),
        "unsupported checkpoint version an integer of about 400 digits",
    ),
    "duplicate key": (
        GOOD.replace('"version": 1', '"version": 1, "version": 1'),
        "key 'version' appears twice",
    ),
}


@pytest.mark.parametrize("case", list(CORRUPT))
def test_every_corrupt_file_is_a_value_error_saying_what_is_wrong(
    case: str, tmp_path: Path
) -> None:
    content, message = CORRUPT[case]
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        nn.load(path)
    assert str(info.value).startswith(f"load: {path}: ")


def test_the_good_document_of_the_corrupt_cases_loads(tmp_path: Path) -> None:
    path = tmp_path / "good.json"
    path.write_text(GOOD, encoding="utf-8")
    loaded = nn.load(path)
    assert loaded.state_dict() == PARAMS


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "absent.json")


def test_load_state_dict_refuses_a_huge_int_and_changes_nothing() -> None:
    mlp = nn.MLP(2, [2, 1], seed=0)
    before = mlp.state_dict()
    for bad in (10**400, -(10**400)):
        state = {**before, NAMES[3]: bad}
        with pytest.raises(ValueError, match=rf"not finite: {NAMES[3]} \(an integer of about"):
            mlp.load_state_dict(state)
        assert mlp.state_dict() == before


def test_loading_draws_no_random_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.json"
    modules = [fresh() for fresh in MODULES.values()]

    def no_draws(*args: object, **kwargs: object) -> None:
        raise AssertionError("load drew random weights it would throw away")

    for module in modules:
        nn.save(module, path)
        monkeypatch.setattr(nn.Neuron, "__init__", no_draws)  # the only place weights are drawn
        assert bits(nn.load(path)) == bits(module)
        monkeypatch.undo()
