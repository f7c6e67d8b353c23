"""The benchmark's yardstick computes what autograd-lite computes, or its times mean nothing."""

from typing import Any

import pytest

from autograd_lite import Value, grad
from bench.tape import TapeValue


def program(make: Any, x0: float, w0: float) -> tuple[Any, Any, Any]:
    x, w = make(x0), make(w0)
    h = (x * w + 0.5).relu() * 2.0 + x
    return x, w, 1.0 + h * h * 0.25 + w * h


@pytest.mark.parametrize(("x0", "w0"), [(1.5, -0.25), (-2.0, 0.75), (0.0, 0.0), (3.0, -4.0)])
def test_tape_gradients_equal_the_engines(x0: float, w0: float) -> None:
    x, w, out = program(TapeValue, x0, w0)
    out.backward()
    vx, vw, vout = program(Value, x0, w0)
    assert out.data == vout.data
    assert [x.grad, w.grad] == grad(vout, [vx, vw])
