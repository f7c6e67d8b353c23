"""Models the optim tests train: the smallest that :func:`optim.fit` accepts."""

from __future__ import annotations

from autograd_lite import Value


class Line:
    """f(x) = w·x with one parameter w, starting at 0: on Y = 2X, training drives w to 2."""

    def __init__(self) -> None:
        self.w = Value(0.0)

    def __call__(self, x: float) -> Value:
        return self.w * x

    def parameters(self) -> list[Value]:
        return [self.w]
