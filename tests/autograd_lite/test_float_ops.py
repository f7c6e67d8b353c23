"""The ops' float formulas: their domains, NaN in gives NaN out, and no complex numbers."""

from __future__ import annotations

import math

import pytest

from autograd_lite import float_ops
from autograd_lite.float_ops import DomainError


@pytest.mark.parametrize(
    ("formula", "args", "message"),
    [
        (float_ops.div, (1.0, 0.0), "division by zero"),
        (float_ops.pow, (0.0, -1.0), "zero to a negative power"),
        (float_ops.pow, (-8.0, 1 / 3), "not a real number"),
        (float_ops.pow, (10.0, 400.0), "overflows"),
        (float_ops.exp, (710.0,), "overflows"),
        (float_ops.expm1, (710.0,), "overflows"),
        (float_ops.log, (0.0,), "x must be > 0"),
        (float_ops.log1p, (-1.0,), "x must be > -1"),
        (float_ops.sqrt, (-1e-300,), "x must be ≥ 0"),
        (float_ops.sin, (math.inf,), "undefined"),
        (float_ops.cos, (-math.inf,), "undefined"),
    ],
)
def test_outside_its_domain_a_formula_raises_naming_itself(
    formula: object, args: tuple[float, ...], message: str
) -> None:
    name = formula.__name__  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match=rf"{name}: .*{message}"):
        formula(*args)  # type: ignore[operator]


@pytest.mark.parametrize(
    "formula",
    [float_ops.exp, float_ops.log, float_ops.sqrt, float_ops.sigmoid, float_ops.sin, float_ops.cos,
     float_ops.relu, float_ops.log1p, float_ops.expm1, float_ops.softplus],
    ids=lambda f: f.__name__,
)  # fmt: skip
def test_nan_in_gives_nan_out(formula: object) -> None:
    assert math.isnan(formula(math.nan))  # type: ignore[operator]


def test_the_edges_of_the_domains() -> None:
    assert float_ops.pow(-8.0, 3.0) == -512.0 and float_ops.pow(0.0, 0.0) == 1.0
    assert float_ops.sqrt(0.0) == 0.0 and float_ops.log1p(-0.5) == math.log(0.5)
    assert float_ops.sigmoid(-1000.0) == 0.0 and float_ops.sigmoid(1000.0) == 1.0
    assert float_ops.softplus(-40.0) == pytest.approx(4.248354255291589e-18, rel=1e-15)
    assert float_ops.softplus(1000.0) == 1000.0 and float_ops.relu(-0.0) == 0.0


def test_maximum_is_nan_when_any_operand_is_and_affine_sums_left_to_right() -> None:
    assert float_ops.maximum(1.0, 3.0, 2.0) == 3.0
    assert math.isnan(float_ops.maximum(1.0, math.nan, 2.0))
    assert math.isnan(float_ops.maximum(math.nan, 5.0))
    # b + w0·x0 + w1·x1 in that order: (0.1 + 0.2) + 0.3 is not 0.1 + (0.2 + 0.3)
    assert float_ops.affine(0.1, 1.0, 1.0, 0.2, 0.3) == (0.1 + 0.2) + 0.3
