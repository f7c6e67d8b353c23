"""detect_anomaly: NaN or inf from an op, forward or backward, raises naming the op."""

import math

import pytest

from autograd_lite import Value, detect_anomaly, grad


def test_forward_inf_is_silent_outside_and_raises_inside() -> None:
    big = Value(1e200)
    assert math.isinf((big * big).data)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"mul produced inf"):
        big * big
    assert math.isinf((big * big).data)  # switched off again


def test_forward_nan_names_op_and_inputs() -> None:
    inf = Value(math.inf)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"sub produced nan.*inf, inf"):
        inf - inf


def test_backward_non_finite_partial_raises() -> None:
    x = Value(1e-200)
    y = 1.0 / x  # 1e200, finite; its derivative −1/x² = −1e400 is not
    assert y.data == pytest.approx(1e200)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"backward through div"):
        y.backward()
    # With create_graph the partial is computed by recorded ops: the forward check names the op.
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"div produced -inf"):
        grad(y, [x], create_graph=True)
    y.backward()  # outside, IEEE arithmetic: −inf
    assert x.grad == -math.inf
