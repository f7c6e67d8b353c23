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
import os
from typing import Any

from autograd_lite.checks import choice, finite, integer, shown, size
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


_SHOWN = 10  # how many offending keys an error lists before it says "and N more"


class _Corrupt(ValueError):
    """A problem found while parsing; ``load`` adds the path to the message."""


def save(module: Module, path: str | os.PathLike[str]) -> None:
    """Write ``module`` (an ``MLP``, ``Layer`` or ``Neuron``) to ``path``, atomically; a
    missing folder is made.

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

    Every malformed content raises ``ValueError``, whose message names the path, the key at
    fault by its place in the JSON (``version``, ``architecture.type``,
    ``architecture.layer_sizes[1]``, ``parameters["layers.0.neurons.0.b"]``) and the problem:
    an empty, truncated, non-UTF-8 or non-JSON file, another format or version, missing or
    unexpected keys, a value of the wrong type (bools are not numbers, 2.0 is not a size), a
    size below 1 or beyond ``sys.maxsize``, an unknown activation, parameters that do not fit
    the architecture or are not finite (NaN, ±Infinity, 1e400, 10**400). The whole file is
    checked before the network is built, and building draws no random numbers.

    A path that cannot be read raises the ``OSError`` that says why, unchanged:
    ``FileNotFoundError`` for a missing file, ``IsADirectoryError`` for a folder (on Windows,
    ``PermissionError``), ``PermissionError`` for a file you may not read. A ``path`` that is
    not a path (an int file descriptor, say) raises ``TypeError``.
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
# Every check names the offending key by its path in the JSON document: ``version``,
# ``architecture.type``, ``architecture.layer_sizes[1]``, ``parameters["layers.0.neurons.0.b"]``.

#: Python refuses int() of a longer decimal literal (sys.get_int_max_str_digits); JSON allows it.
_INT_DIGITS = 4300


class _LongInteger(int):
    """A JSON integer literal too long for ``int()``, stood for by ±10**4300: larger than any
    size and beyond the float range, so every check refuses it; shown by its length."""

    length: int

    def __new__(cls, literal: str) -> _LongInteger:
        number = super().__new__(cls, -(10**_INT_DIGITS) if literal[0] == "-" else 10**_INT_DIGITS)
        number.length = len(literal)
        return number

    def __repr__(self) -> str:
        return f"an integer literal of {self.length} characters"


def _parse(raw: bytes) -> dict[str, Any]:
    """The checkpoint's top-level object, checked for format, version and keys."""
    if not raw.strip():
        raise _Corrupt("empty file, not a checkpoint")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Corrupt(f"corrupt: not UTF-8 text ({error})") from None
    try:
        document = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constant,
            parse_int=_integer_literal,
        )
    except json.JSONDecodeError as error:
        raise _Corrupt(
            f"truncated or corrupt JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise _Corrupt("corrupt JSON: nested too deeply") from None
    if not isinstance(document, dict):
        raise _Corrupt(f"not a checkpoint: expected a JSON object, got {_json_type(document)}")
    if document.get("format") != FORMAT:
        raise _Corrupt(
            f"not a checkpoint: format is {shown(document.get('format'))}, not {FORMAT!r}"
        )
    version = document.get("version")
    try:
        integer(version, "version")
    except TypeError as error:
        raise _Corrupt(str(error)) from None
    if version != VERSION:
        raise _Corrupt(
            f"unsupported checkpoint version {shown(version)} (this code reads {VERSION})"
        )
    _exact_keys(document, _KEYS, "")
    return document


def _rebuild(document: dict[str, Any]) -> Module:
    """The module the architecture describes, holding the file's parameters.

    Everything is checked before anything is built; the module is built with zero parameters
    (nothing random is drawn) and then filled.
    """
    kind, shape = _shape(document["architecture"])
    parameters = document["parameters"]
    if not isinstance(parameters, dict):
        raise _Corrupt(f"parameters must be an object, got {_json_type(parameters)}")
    # Checked before building, so a corrupt size cannot make us allocate a huge network.
    count = _parameter_count(kind, shape)
    if len(parameters) != count:
        raise _Corrupt(
            f"parameters: the architecture has {shown(count)} parameters, "
            f"the file has {len(parameters)}"
        )
    values = {name: _real_value(name, number) for name, number in parameters.items()}
    module = _zeros(kind, shape)
    names = [name for name, _ in module.named_parameters()]
    missing = [f"parameters[{shown(name)}]" for name in names if name not in values]
    unexpected = [f"parameters[{shown(name)}]" for name in values if name not in set(names)]
    if missing or unexpected:
        problems = [
            f"{what} {_listing(keys)}"
            for what, keys in (("missing", missing), ("unexpected", unexpected))
            if keys
        ]
        raise _Corrupt(f"parameters do not fit the architecture: {'; '.join(problems)}")
    module.load_state_dict(values)
    return module


def _real_value(name: str, number: object) -> float:
    """A parameter's value, or an error naming ``parameters["name"]``."""
    try:
        return finite(number, f"parameters[{shown(name)}]")
    except TypeError as error:
        raise _Corrupt(str(error)) from None


def _shape(architecture: object) -> tuple[str, dict[str, Any]]:
    """The architecture's type and its checked fields (sizes as ints, activations as names)."""
    if not isinstance(architecture, dict):
        raise _Corrupt(f"architecture must be an object, got {_json_type(architecture)}")
    kind = architecture.get("type")
    if not isinstance(kind, str) or kind not in _ARCHITECTURE_KEYS:
        raise _Corrupt(
            f"architecture.type: unknown architecture type {shown(kind)} "
            "(expected MLP, Layer or Neuron)"
        )
    _exact_keys(architecture, _ARCHITECTURE_KEYS[kind], "architecture.")
    shape: dict[str, Any] = {"n_in": _layer_size(architecture["n_in"], "architecture.n_in")}
    if kind == "MLP":
        sizes = architecture["layer_sizes"]
        if not isinstance(sizes, list) or not sizes:
            raise _Corrupt(f"architecture.layer_sizes must be a non-empty list, got {shown(sizes)}")
        shape["layer_sizes"] = [
            _layer_size(size, f"architecture.layer_sizes[{i}]") for i, size in enumerate(sizes)
        ]
    if kind == "Layer":
        shape["n_out"] = _layer_size(architecture["n_out"], "architecture.n_out")
    hidden = OUTPUT_ACTIVATIONS if kind == "Layer" else ACTIVATIONS
    shape["activation"] = _activation(architecture["activation"], hidden, "activation")
    if kind == "MLP":
        shape["output_activation"] = _activation(
            architecture["output_activation"], OUTPUT_ACTIVATIONS, "output_activation"
        )
    return kind, shape


def _parameter_count(kind: str, shape: dict[str, Any]) -> int:
    """How many parameters the architecture has: (inputs + 1) × outputs per layer."""
    if kind == "Neuron":
        return int(shape["n_in"]) + 1
    if kind == "Layer":
        return (int(shape["n_in"]) + 1) * int(shape["n_out"])
    fan_ins = [shape["n_in"], *shape["layer_sizes"][:-1]]
    return sum((fan_in + 1) * size for fan_in, size in zip(fan_ins, shape["layer_sizes"]))


def _zeros(kind: str, shape: dict[str, Any]) -> Module:
    """The module of the checked ``shape``, all parameters 0, built without drawing weights."""
    if kind == "MLP":
        return MLP.zeros(
            shape["n_in"], shape["layer_sizes"], shape["activation"], shape["output_activation"]
        )
    if kind == "Layer":
        return Layer.zeros(shape["n_in"], shape["n_out"], shape["activation"])
    return Neuron.zeros(shape["n_in"], shape["activation"])


def _integer_literal(literal: str) -> int:
    return int(literal) if len(literal) <= _INT_DIGITS else _LongInteger(literal)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Corrupt(f"corrupt JSON: key {shown(key)} appears twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise _Corrupt(f"corrupt JSON: {name} is not a valid parameter value")


def _exact_keys(obj: dict[str, Any], keys: tuple[str, ...], prefix: str) -> None:
    """``obj`` has exactly ``keys``; an error names the missing and unexpected ones by path."""
    missing = [_key(prefix, key) for key in keys if key not in obj]
    unexpected = [_key(prefix, key) for key in obj if key not in keys]
    problems = [
        f"{what} {_listing(paths)}"
        for what, paths in (("missing", missing), ("unexpected", unexpected))
        if paths
    ]
    if problems:
        raise _Corrupt("; ".join(problems))


def _key(prefix: str, key: str) -> str:
    """The path of ``key`` in an object at ``prefix``: ``architecture.n_in``, ``["a b"]``."""
    if key.isidentifier():
        return prefix + key
    return f"{prefix.rstrip('.')}[{shown(key)}]"


def _layer_size(n: object, key: str) -> int:
    """A layer size from the file; a wrong type is a corrupt file too, so a ValueError."""
    try:
        return size(n, key)
    except TypeError as error:
        raise _Corrupt(str(error)) from None


def _activation(name: object, allowed: tuple[str, ...], field: str) -> str:
    return choice(name, allowed, f"architecture.{field}")


def _listing(keys: list[str]) -> str:
    shown_keys = ", ".join(keys[:_SHOWN])
    more = len(keys) - _SHOWN
    return f"{shown_keys} and {more} more" if more > 0 else shown_keys


def _json_type(obj: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if obj is None:
        return "null"
    return names.get(type(obj), f"a number ({shown(obj)})")
