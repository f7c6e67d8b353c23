"""Checkpoints: a network's architecture and parameters in one JSON file, written atomically.

The file is a JSON object::

    {"format": "autograd-lite checkpoint", "version": 1,
     "architecture": {"type": "MLP", "n_in": 2, "layer_sizes": [16, 16, 1],
                      "activation": "relu", "output_activation": "linear"},
     "parameters": {"layers.0.neurons.0.w.0": 0.8316..., ...}}

Floats are written with ``repr``, the shortest decimal string that reads back as the same
double, so parameters round-trip bit for bit. ``save`` writes with
:func:`autograd_lite.files.write_atomically` (temporary file, fsync, rename): whatever happens
mid-save, the target holds the old checkpoint or the new one, never a mix.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from typing import Any

import numpy as np

from autograd_lite.files import write_atomically
from nn.layers import ACTIVATIONS, MLP, OUTPUT_ACTIVATIONS, Layer, Neuron
from nn.module import Module

FORMAT = "autograd-lite checkpoint"
VERSION = 1

_KEYS = ("format", "version", "architecture", "parameters")
_ARCHITECTURE_KEYS = {
    "MLP": ("type", "n_in", "layer_sizes", "activation", "output_activation"),
    "Layer": ("type", "n_in", "n_out", "activation"),
    "Neuron": ("type", "n_in", "activation"),
}


class _Corrupt(ValueError):
    """A problem found while parsing; ``load`` adds the path to the message."""


def save(module: Module, path: str | os.PathLike[str]) -> None:
    """Write ``module`` (an ``MLP``, ``Layer`` or ``Neuron``) to ``path``, atomically.

    Raises ``TypeError`` for another kind of module (save its ``state_dict`` instead) and
    ``ValueError`` if a parameter is NaN or infinite (JSON has no such numbers); in either
    case nothing is written.
    """
    architecture = _architecture(module)
    parameters = module.state_dict()
    not_finite = [name for name, value in parameters.items() if not math.isfinite(value)]
    if not_finite:
        raise ValueError(f"save: parameters not finite, not saved: {', '.join(not_finite)}")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": architecture,
        "parameters": parameters,
    }
    write_atomically(path, (json.dumps(document, indent=1, allow_nan=False) + "\n").encode())


def load(path: str | os.PathLike[str]) -> Module:
    """The network saved at ``path``, rebuilt from its architecture and parameters.

    A file that is empty, truncated, not JSON, not a checkpoint, of another format version, or
    whose parameters do not fit its architecture (missing, unexpected, non-numeric or
    non-finite values) raises ``ValueError`` naming the path and the problem. A missing file
    raises ``FileNotFoundError``.
    """
    where = os.fspath(path)
    with open(path, "rb") as file:
        raw = file.read()
    try:
        return _rebuild(_parse(raw))
    except ValueError as error:
        raise ValueError(f"load: {where}: {error}") from None


# --- Writing ---------------------------------------------------------------------------------


def _architecture(module: Module) -> dict[str, Any]:
    """What the constructor needs to rebuild ``module`` (its parameters aside)."""
    if type(module) is MLP:
        return {
            "type": "MLP",
            "n_in": module.n_in,
            "layer_sizes": list(module.layer_sizes),
            "activation": module.activation,
            "output_activation": module.output_activation,
        }
    if type(module) is Layer:
        return {
            "type": "Layer",
            "n_in": module.n_in,
            "n_out": module.n_out,
            "activation": module.activation,
        }
    if type(module) is Neuron:
        return {"type": "Neuron", "n_in": module.n_in, "activation": module.activation}
    raise TypeError(
        f"save: can save an nn.MLP, nn.Layer or nn.Neuron, not {type(module).__name__}; "
        "save its state_dict() instead"
    )


# --- Reading ---------------------------------------------------------------------------------


def _parse(raw: bytes) -> dict[str, Any]:
    """The checkpoint's top-level object, checked for format and version."""
    if not raw.strip():
        raise _Corrupt("empty file, not a checkpoint")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Corrupt(f"corrupt: not UTF-8 text ({error})") from None
    try:
        document = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise _Corrupt(
            f"truncated or corrupt JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise _Corrupt("corrupt JSON: nested too deeply") from None
    if not isinstance(document, dict):
        raise _Corrupt(f"not a checkpoint: expected a JSON object, got {_json_type(document)}")
    if document.get("format") != FORMAT:
        raise _Corrupt(f"not a checkpoint: format is {document.get('format')!r}, not {FORMAT!r}")
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _Corrupt(f"version must be an integer, got {version!r}")
    if version != VERSION:
        raise _Corrupt(f"unsupported checkpoint version {version} (this code reads {VERSION})")
    _exact_keys(document, _KEYS, "the checkpoint")
    return document


def _rebuild(document: dict[str, Any]) -> Module:
    """Build the module the architecture describes and load the parameters into it."""
    architecture = document["architecture"]
    parameters = document["parameters"]
    if not isinstance(architecture, dict):
        raise _Corrupt(f"architecture must be an object, got {_json_type(architecture)}")
    if not isinstance(parameters, dict):
        raise _Corrupt(f"parameters must be an object, got {_json_type(parameters)}")
    kind = architecture.get("type")
    if kind not in _ARCHITECTURE_KEYS:
        raise _Corrupt(f"unknown architecture type {kind!r} (expected MLP, Layer or Neuron)")
    _exact_keys(architecture, _ARCHITECTURE_KEYS[kind], "the architecture")
    n_in = _width(architecture["n_in"], "n_in")
    if kind == "MLP":
        sizes = architecture["layer_sizes"]
        if not isinstance(sizes, list) or not sizes:
            raise _Corrupt(f"wrong shape: layer_sizes must be a non-empty list, got {sizes!r}")
        widths = [n_in] + [_width(size, f"layer_sizes[{i}]") for i, size in enumerate(sizes)]
        _activation(architecture["activation"], ACTIVATIONS, "activation")
        _activation(architecture["output_activation"], OUTPUT_ACTIVATIONS, "output_activation")
        count = sum((widths[i] + 1) * widths[i + 1] for i in range(len(sizes)))
    elif kind == "Layer":
        n_out = _width(architecture["n_out"], "n_out")
        _activation(architecture["activation"], OUTPUT_ACTIVATIONS, "activation")
        count = (n_in + 1) * n_out
    else:
        _activation(architecture["activation"], ACTIVATIONS, "activation")
        count = n_in + 1
    # Checked before building, so a corrupt width cannot make us allocate a huge network.
    if len(parameters) != count:
        raise _Corrupt(
            f"wrong shape: the architecture has {count} parameters, the file has {len(parameters)}"
        )
    module: Module
    rng = np.random.default_rng(0)
    if kind == "MLP":
        module = MLP(
            n_in,
            widths[1:],
            architecture["activation"],
            architecture["output_activation"],
            seed=0,
        )
    elif kind == "Layer":
        module = Layer(n_in, n_out, architecture["activation"], rng=rng)
    else:
        module = Neuron(n_in, architecture["activation"], rng=rng)
    try:
        module.load_state_dict(parameters)
    except ValueError as error:
        raise _Corrupt(f"parameters do not fit the architecture: {error}") from None
    return module


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Corrupt(f"corrupt JSON: key {key!r} appears twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise _Corrupt(f"corrupt JSON: {name} is not a valid parameter value")


def _exact_keys(obj: dict[str, Any], keys: tuple[str, ...], what: str) -> None:
    missing = [key for key in keys if key not in obj]
    unexpected = [key for key in obj if key not in keys]
    if missing or unexpected:
        problems = []
        if missing:
            problems.append(f"missing {', '.join(missing)}")
        if unexpected:
            problems.append(f"unexpected {', '.join(map(repr, unexpected))}")
        raise _Corrupt(f"{what} has {'; '.join(problems)}")


def _width(n: object, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise _Corrupt(f"wrong shape: {name} must be a positive integer, got {n!r}")
    return int(n)


def _activation(name: object, allowed: tuple[str, ...], field: str) -> None:
    if name not in allowed:
        raise _Corrupt(f"{field} must be one of {', '.join(allowed)}, got {name!r}")


def _json_type(obj: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if obj is None:
        return "null"
    return names.get(type(obj), f"a number ({obj!r})")
