"""nn: neurons, layers and MLPs built from Values, their losses and their checkpoints.

* :mod:`nn.module` — ``Module``: parameters, their names, gradients and state.
* :mod:`nn.layers` — ``Neuron``, ``Layer``, ``MLP`` and their initialisation.
* :mod:`nn.functional` — ``softmax``, ``log_softmax``, ``logsumexp``.
* :mod:`nn.losses` — the losses of one example and the L2 penalty.
* :mod:`nn.checkpoint` — ``save`` and ``load``, atomic and bit-exact.
* :mod:`nn.draw` — ``draw_network``, the network diagram of the course notes, and
  ``render_network``, which writes it to a file.
* :mod:`nn.reference` — the notes' matrix-form backprop in NumPy, to check the graph against.
* :mod:`nn.check` — ``check_backprop``: your own matrix-form backprop against the engine's.
"""

from nn import reference
from nn.check import BackpropReport, check_backprop
from nn.checkpoint import load, save
from nn.draw import draw_network, render_network
from nn.functional import log_softmax, logsumexp, softmax
from nn.layers import MLP, Layer, Neuron, init_std
from nn.losses import (
    binary_cross_entropy,
    cross_entropy,
    hinge_loss,
    l2_penalty,
    mse_loss,
    squared_error,
)
from nn.module import Module

__all__ = [
    "MLP",
    "BackpropReport",
    "Layer",
    "Module",
    "Neuron",
    "binary_cross_entropy",
    "check_backprop",
    "cross_entropy",
    "draw_network",
    "hinge_loss",
    "init_std",
    "l2_penalty",
    "load",
    "log_softmax",
    "logsumexp",
    "mse_loss",
    "reference",
    "render_network",
    "save",
    "softmax",
    "squared_error",
]
