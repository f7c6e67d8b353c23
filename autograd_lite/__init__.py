"""autograd-lite: a scalar reverse-mode autodiff engine you can read, check and look at."""

from autograd_lite.backward import grad
from autograd_lite.gradcheck import GradcheckError, gradcheck
from autograd_lite.graph import topological_order
from autograd_lite.modes import detect_anomaly, no_grad
from autograd_lite.rules import defvjp, derivative
from autograd_lite.value import (
    DomainError,
    Value,
    cos,
    exp,
    log,
    relu,
    sigmoid,
    sin,
    sqrt,
    tanh,
)

__all__ = [
    "DomainError",
    "GradcheckError",
    "Value",
    "cos",
    "defvjp",
    "derivative",
    "detect_anomaly",
    "exp",
    "grad",
    "gradcheck",
    "log",
    "no_grad",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "topological_order",
]
