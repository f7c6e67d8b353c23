"""autograd-lite: a scalar reverse-mode autodiff engine you can read, check and look at."""

from importlib import metadata
from typing import TYPE_CHECKING, Any

from autograd_lite.backward import grad
from autograd_lite.derivation import Explanation, explain
from autograd_lite.derivation_check import DerivationReport, check_derivation
from autograd_lite.formula import Formula
from autograd_lite.forward import jvp, push_forward
from autograd_lite.gradcheck import GradcheckError, gradcheck
from autograd_lite.graph import topological_order
from autograd_lite.jacobians import hessian, hvp, jacobian
from autograd_lite.modes import detect_anomaly, is_grad_enabled, no_grad
from autograd_lite.rules import defvjp, defvjp_variadic, derivative
from autograd_lite.symbolic import local_derivative, symbolic_grad
from autograd_lite.trace import TraceError, trace
from autograd_lite.value import (
    DomainError,
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

try:
    #: The installed distribution's version; pyproject.toml is the one place it is written.
    __version__: str = metadata.version("autograd-lite")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

if TYPE_CHECKING:
    from autograd_lite.render import draw_graph, render_graph


def __getattr__(name: str) -> Any:
    # The pictures need the graphviz package: it is imported on first use of draw_graph or
    # render_graph, so `import autograd_lite` stays as light as the engine.
    if name in ("draw_graph", "render_graph"):
        from autograd_lite import render

        return getattr(render, name)
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
