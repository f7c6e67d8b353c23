"""gradcheck: agreement with central differences, and a readable table when they disagree."""

import pytest

from autograd_lite import GradcheckError, Value, defvjp, gradcheck


def test_gradcheck_accepts_a_correct_function() -> None:
    assert gradcheck(lambda v: (v[0] * v[1]).tanh() + v[1].exp() / v[0], [0.3, -1.2])


def test_gradcheck_tables_a_wrong_rule() -> None:
    defvjp("wrong_square", lambda g, out, a: g * a)  # d(x²)/dx is 2x, not x

    def wrong_square(v: list[Value]) -> Value:
        return Value.from_op(v[0].data ** 2, "wrong_square", (v[0],)) + v[1]

    with pytest.raises(GradcheckError) as caught:
        gradcheck(wrong_square, [3.0, 1.0])
    message = str(caught.value)
    assert "analytic" in message and "numeric" in message
    lines = message.splitlines()
    assert "mismatch" in lines[2] and "3" in lines[2] and "6" in lines[2]
    assert "mismatch" not in lines[3]


def test_gradcheck_validates_arguments() -> None:
    with pytest.raises(TypeError, match="callable"):
        gradcheck(3, [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"inputs\[0\]"):
        gradcheck(lambda v: v[0], ["x"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda v: v[0], [1.0], eps=0.0)
    with pytest.raises(TypeError, match="return a Value"):
        gradcheck(lambda v: 1.0, [1.0])  # type: ignore[arg-type, return-value]
