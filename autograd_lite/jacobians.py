"""Whole matrices of derivatives, built from the two passes: Jacobians, Hessians, and
Hessian-vector products.

For outputs y₁, ..., yₘ of inputs x₁, ..., xₙ the Jacobian is J[i][j] = ∂yᵢ/∂xⱼ. Reverse mode
(:func:`~autograd_lite.backward.grad`) gives one row per backward pass, so m passes; forward mode
(:func:`~autograd_lite.forward.push_forward`) gives one column per forward pass, with the tangent
eⱼ, so n passes. Each pass costs about one evaluation of the function: reverse mode wins for a
wide function (n > m, a loss of many parameters), forward mode for a tall one (m > n).

The Hessian of a scalar y is the Jacobian of its gradient, H[i][j] = ∂²y/∂xᵢ∂xⱼ: the gradient
as Values (``grad(..., create_graph=True)``), then one backward pass per component. It is
symmetric where y is twice continuously differentiable. A Hessian-vector product H·v needs no
Hessian: the tangent of the gradient along v, one forward pass over the gradient's graph
(forward over reverse), whatever n.

Inputs must be leaf Values, so that a tangent or a gradient "with respect to xⱼ" means one
thing. With ``create_graph=True`` every entry is a Value that can be differentiated again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from autograd_lite.backward import grad
from autograd_lite.forward import leaf, outputs_of, push_forward
from autograd_lite.value import Value


def jacobian(
    outputs: Value | Sequence[Value],
    inputs: Sequence[Value],
    *,
    create_graph: bool = False,
    mode: Literal["reverse", "forward"] = "reverse",
) -> list[list[Any]]:
    """``J[i][j] = ∂outputs[i]/∂inputs[j]``, a list of rows (one Value as outputs: one row).

    ``mode="reverse"`` takes one backward pass per output, ``"forward"`` one forward pass per
    input; the numbers agree to rounding. Entries are floats, or Values with ``create_graph``.
    """
    ys = outputs_of("jacobian: outputs", outputs)
    xs = _leaves("jacobian", inputs)
    if mode == "reverse":
        return [grad(y, xs, create_graph=create_graph) for y in ys]
    if mode != "forward":
        raise ValueError(f"jacobian: mode must be 'reverse' or 'forward', got {mode!r}")
    columns = [
        push_forward(
            ys, xs, [1.0 if k == j else 0.0 for k in range(len(xs))], create_graph=create_graph
        )
        for j in range(len(xs))
    ]
    return [[column[i] for column in columns] for i in range(len(ys))]


def hessian(
    output: Value, inputs: Sequence[Value], *, create_graph: bool = False
) -> list[list[Any]]:
    """``H[i][j] = ∂²output/∂inputs[i]∂inputs[j]``: the Jacobian of the gradient, by rows.

    Floats, or Values with ``create_graph=True`` (third derivatives and beyond).
    """
    y = _scalar("hessian", output)
    xs = _leaves("hessian", inputs)
    gradient = grad(y, xs, create_graph=True)
    return [grad(g, xs, create_graph=create_graph) for g in gradient]


def hvp(
    output: Value, inputs: Sequence[Value], v: Sequence[Any], *, create_graph: bool = False
) -> list[Any]:
    """H·v = Σⱼ ∂²output/∂xᵢ∂xⱼ · vⱼ for each i, without forming H: the directional derivative
    of the gradient along v (one backward pass building the gradient, one forward pass over it).
    """
    y = _scalar("hvp", output)
    xs = _leaves("hvp", inputs)
    if isinstance(v, Value) or not hasattr(v, "__len__") or len(v) != len(xs):
        raise ValueError(f"hvp: v must be a list of {len(xs)} numbers, one per input, got {v!r}")
    gradient = grad(y, xs, create_graph=True)
    return push_forward(gradient, xs, v, create_graph=create_graph)


def _scalar(where: str, output: object) -> Value:
    if not isinstance(output, Value):
        shape = "a list" if isinstance(output, list | tuple) else type(output).__name__
        raise TypeError(
            f"{where}: output must be one Value (a scalar function), got {shape}; "
            "for several outputs use jacobian"
        )
    return output


def _leaves(where: str, inputs: Sequence[Value]) -> list[Value]:
    if isinstance(inputs, Value):
        inputs = [inputs]
    return [leaf(x, f"{where}: inputs[{i}]") for i, x in enumerate(inputs)]
