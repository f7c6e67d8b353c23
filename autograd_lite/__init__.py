"""autograd-lite: a scalar reverse-mode autodiff engine you can read, check and look at."""

import importlib
from typing import TYPE_CHECKING, Any

from autograd_lite.backward import grad
from autograd_lite.derivation import Explanation, explain
from autograd_lite.derivation_check import DerivationReport, check_derivation
from autograd_lite.float_ops import DomainError
from autograd_lite.formula import Formula
from autograd_lite.forward import jvp, push_forward
from autograd_lite.gradcheck import GradcheckError, gradcheck
from autograd_lite.graph import topological_order
from autograd_lite.jacobians import hessian, hvp, jacobian
from autograd_lite.modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from autograd_lite.rules import defvjp, defvjp_variadic, derivative
from autograd_lite.symbolic import local_derivative, symbolic_grad
from autograd_lite.trace import TraceError, trace
from autograd_lite.value import (
    Value,
    affine,
    cos,
    exp,
    expm1,
    log,
    log1p,
    maximum,
    relu,
    sigmoid,
    sign,
    sin,
    softplus,
    sqrt,
    step,
    tanh,
    total,
)

#: The one place the version is written: pyproject.toml reads it from here when the package is
#: built, so an installed copy and a source tree run without installing report the same.
__version__ = "0.1.0"

if TYPE_CHECKING:
    from autograd_lite.render import draw_graph, render_graph

#: Names whose module is imported on first use: the pictures need the graphviz package, which
#: `import autograd_lite` does not load.
_LAZY = {"draw_graph": "autograd_lite.render", "render_graph": "autograd_lite.render"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")


__all__ = [
    "DerivationReport",
    "DomainError",
    "Explanation",
    "Formula",
    "GradcheckError",
    "TraceError",
    "Value",
    "affine",
    "check_derivation",
    "cos",
    "defvjp",
    "defvjp_variadic",
    "derivative",
    "detect_anomaly",
    "draw_graph",
    "enable_grad",
    "exp",
    "explain",
    "expm1",
    "grad",
    "gradcheck",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "local_derivative",
    "log",
    "log1p",
    "maximum",
    "no_grad",
    "push_forward",
    "relu",
    "render_graph",
    "sigmoid",
    "sign",
    "sin",
    "softplus",
    "sqrt",
    "step",
    "symbolic_grad",
    "tanh",
    "topological_order",
    "total",
    "trace",
]
