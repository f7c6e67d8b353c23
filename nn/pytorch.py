"""An ``nn.MLP`` as a PyTorch model and back: :func:`to_torch` and :func:`from_torch`.

Both directions keep the function: the same numbers give the same outputs, and the same loss
the same gradient of every parameter (to rounding: PyTorch adds a layer's products in its own
order). An MLP's layer h, z⁽ʰ⁾ = σ(W⁽ʰ⁾ z⁽ʰ⁻¹⁾ + b⁽ʰ⁾), is a ``torch.nn.Linear`` holding
W⁽ʰ⁾ as its ``weight`` (row k: neuron k's weights ``w``) and b⁽ʰ⁾ as its ``bias``, followed by
the activation's module:

========================  =====================================
nn                        PyTorch
========================  =====================================
``"relu"``                ``torch.nn.ReLU()``  (ReLU′(0) = 0 in both)
``"tanh"``                ``torch.nn.Tanh()``
``"sigmoid"``             ``torch.nn.Sigmoid()``
``"linear"``              ``torch.nn.Identity()``
``"softmax"`` (output)    ``torch.nn.Softmax(dim=-1)``
========================  =====================================

PyTorch is optional (``pip install 'autograd-lite[torch]'``): it is imported when one of these
functions is called, and its absence is a ``ModuleNotFoundError`` that names it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from nn.layers import MLP
from nn.module import Module

if TYPE_CHECKING:
    import torch

#: The PyTorch module of each activation, by class name (``torch.nn.<name>``).
MODULES = {
    "relu": "ReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "linear": "Identity",
    "softmax": "Softmax",
}
_ACTIVATIONS = {module: activation for activation, module in MODULES.items()}
_ACCEPTED = "Linear, ReLU, Tanh, Sigmoid, Identity, and Softmax(dim=-1) after the last Linear"


def to_torch(mlp: MLP) -> torch.nn.Sequential:
    """``mlp`` as a ``torch.nn.Sequential`` of ``Linear`` layers, each followed by its
    activation's module (``Identity`` for a linear layer), in float64, with ``mlp``'s numbers.

    The new model shares nothing with ``mlp``: training it leaves ``mlp`` as it is.

    Raises:
        TypeError: ``mlp`` is not an ``nn.MLP``.
        ValueError: ``mlp`` is another ``nn.Module`` (a Layer, a Neuron, a subclass of MLP
            with its own forward pass), named.
        ModuleNotFoundError: PyTorch is not installed.
    """
    if not isinstance(mlp, Module):
        raise TypeError(f"to_torch: expected an nn.MLP, got {type(mlp).__name__}")
    if not isinstance(mlp, MLP) or type(mlp).__call__ is not MLP.__call__:
        raise ValueError(
            f"to_torch: {type(mlp).__name__} has no PyTorch counterpart here; "
            "to_torch takes an nn.MLP (an nn.MLP(n_in, [n_out]) is one layer)"
        )
    torch = _torch("to_torch")
    modules: list[Any] = []
    for layer in mlp.layers:
        linear = torch.nn.Linear(layer.n_in, layer.n_out, dtype=torch.float64)
        weights = [[w.data for w in neuron.w] for neuron in layer.neurons]
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules += [linear, _activation(torch, layer.activation)]
    return torch.nn.Sequential(*modules)


def _activation(torch: Any, activation: str) -> Any:
    if activation == "softmax":
        return torch.nn.Softmax(dim=-1)
    return getattr(torch.nn, MODULES[activation])()


def from_torch(module: torch.nn.Module) -> MLP:
    """The ``nn.MLP`` computing what ``module`` computes: ``module`` a ``torch.nn.Sequential``
    of ``Linear`` layers, each followed by at most one activation (none: linear), as
    :func:`to_torch` makes them. Its numbers are copied (in float64), not shared.

    An MLP has one activation for all hidden layers, so theirs must agree; a ``Linear``
    without a bias gets biases 0; ``Softmax`` may only end the model, over the outputs
    (``dim=-1``, or ``dim=1`` of a batch of rows).

    Raises:
        ValueError: a module other than those, named with its position (``Dropout`` at
            ``[2]``), or an arrangement an MLP cannot hold (two activations in a row,
            different hidden activations, widths that do not chain, a weight that is NaN or
            ±inf), said in one line.
        ModuleNotFoundError: PyTorch is not installed.
    """
    torch = _torch("from_torch")
    if type(module) is not torch.nn.Sequential:
        raise ValueError(
            f"from_torch: expected a torch.nn.Sequential of {_ACCEPTED}, "
            f"got {type(module).__name__}"
        )
    linears, activations = _read(torch, module)
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(
            "from_torch: an nn.MLP has one activation for all its hidden layers; this model's "
            f"hidden layers have {', '.join(MODULES[a] for a in activations[:-1])}"
        )
    sizes = [linear.out_features for linear in linears]
    mlp = MLP(
        linears[0].in_features,
        sizes,
        hidden.pop() if hidden else "relu",
        activations[-1],
        seed=0,
    )
    for h, (layer, linear) in enumerate(zip(mlp.layers, linears)):
        weights = _numbers(linear.weight, f"from_torch: Linear {h}'s weight")
        biases = _numbers(linear.bias, f"from_torch: Linear {h}'s bias")
        for k, neuron in enumerate(layer.neurons):
            for w, number in zip(neuron.w, weights[k]):
                w.data = number
            neuron.b.data = biases[k] if biases else 0.0
    return mlp


def _read(torch: Any, module: Any) -> tuple[list[Any], list[str]]:
    """The ``Linear`` layers of ``module`` and each one's activation, checked."""
    linears: list[Any] = []
    activations: list[str | None] = []
    children = list(module.named_children())
    for position, (name, child) in enumerate(children):
        where = f"from_torch: [{name}] {type(child).__name__}"
        if type(child) is torch.nn.Linear:
            if linears and child.in_features != linears[-1].out_features:
                raise ValueError(
                    f"{where} takes {child.in_features} inputs, but the Linear before it "
                    f"gives {linears[-1].out_features}"
                )
            linears.append(child)
            activations.append(None)
            continue
        kind = _kind(torch, child, where, last=position == len(children) - 1)
        if not linears or activations[-1] is not None:
            raise ValueError(f"{where} does not follow a Linear: an MLP layer has one activation")
        activations[-1] = kind
    if not linears:
        raise ValueError("from_torch: the Sequential holds no Linear layer")
    return linears, [a or "linear" for a in activations]


def _kind(torch: Any, child: Any, where: str, *, last: bool) -> str:
    """The nn activation of the module ``child``, or a ValueError naming it."""
    name = type(child).__name__
    if name not in _ACTIVATIONS or type(child) is not getattr(torch.nn, name):
        raise ValueError(f"{where} has no nn.MLP counterpart; the layers can be {_ACCEPTED}")
    if name == "Softmax":
        if not last:
            raise ValueError(f"{where}: a softmax can only end the model, over its outputs")
        if child.dim not in (-1, 1):
            raise ValueError(f"{where}: over dim={child.dim}; an MLP's softmax is over dim=-1")
    return _ACTIVATIONS[name]


def _numbers(tensor: Any, where: str) -> Any:
    """A tensor's numbers as (nested) lists of floats, every one finite (None for no tensor)."""
    if tensor is None:
        return None
    numbers = tensor.detach().cpu().double().tolist()
    flat = [x for row in numbers for x in row] if tensor.dim() == 2 else numbers
    bad = next((i for i, x in enumerate(flat) if not math.isfinite(x)), None)
    if bad is not None:
        index = divmod(bad, tensor.shape[1]) if tensor.dim() == 2 else (bad,)
        raise ValueError(f"{where}[{', '.join(map(str, index))}] is {flat[bad]}, not finite")
    return numbers


def _torch(where: str) -> Any:
    """PyTorch, or a ModuleNotFoundError that says it is needed and how to install it."""
    try:
        import torch
    except ImportError:
        raise ModuleNotFoundError(
            f"nn.{where} needs PyTorch, which is not installed: "
            "pip install 'autograd-lite[torch]' (or pip install torch)",
            name="torch",
        ) from None
    return torch
