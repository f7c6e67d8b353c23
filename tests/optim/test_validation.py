"""Every public boundary rejects bad input with a TypeError or ValueError naming the culprit."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
import optim
from autograd_lite import Value


def params() -> list[Value]:
    return [Value(1.0), Value(2.0)]


class Model:
    def __init__(self) -> None:
        self.w = Value(0.5)

    def parameters(self) -> list[Value]:
        return [self.w]

    def __call__(self, x: float) -> Value:
        return self.w * x


def squared(out: Value, y: float) -> Value:
    return (out - y) * (out - y)


@pytest.mark.parametrize("make", [optim.SGD, optim.Adam, optim.GradientDescent])
@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        ([], ValueError, r"params\): the parameter list is empty"),
        ([Value(1.0), 2.0], TypeError, r"params\[1\] must be a Value, got float"),
        (Value(1.0), TypeError, r"params\): .* single Value"),
        (3.0, TypeError, r"params\): expected an iterable of Values, got float"),
        ("ab", TypeError, r"params\): expected an iterable of Values, got str"),
        (Model(), TypeError, r"pass model.parameters\(\)"),
    ],
    ids=["empty", "non-value", "single-value", "number", "string", "model"],
)
def test_bad_parameter_lists(make, bad, error, message) -> None:
    kwargs = {"lr": 0.1} if make is optim.SGD else {}
    with pytest.raises(error, match=message):
        make(bad, **kwargs)


@pytest.mark.parametrize("make", [optim.SGD, optim.Adam, optim.GradientDescent])
def test_duplicate_parameters(make) -> None:
    w = Value(1.0)
    kwargs = {"lr": 0.1} if make is optim.SGD else {}
    with pytest.raises(ValueError, match=r"params\[2\] is the same Value as params\[0\]"):
        make([w, Value(1.0), w], **kwargs)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: optim.SGD(params(), lr=0.0), ValueError, r"SGD\(lr\): expected a number > 0"),
        (lambda: optim.SGD(params(), lr=-1.0), ValueError, r"SGD\(lr\)"),
        (lambda: optim.SGD(params(), lr=math.nan), ValueError, r"SGD\(lr\)"),
        (lambda: optim.SGD(params(), lr=math.inf), ValueError, r"SGD\(lr\)"),
        (
            lambda: optim.SGD(params(), lr="0.1"),
            TypeError,
            r"SGD\(lr\): expected a number > 0 or a schedule",
        ),
        (lambda: optim.SGD(params(), lr=True), TypeError, r"SGD\(lr\)"),
        (
            lambda: optim.SGD(params(), lr=0.1, momentum=1.0),
            ValueError,
            r"SGD\(momentum\): .*\[0, 1\)",
        ),
        (lambda: optim.SGD(params(), lr=0.1, momentum=-0.1), ValueError, r"SGD\(momentum\)"),
        (lambda: optim.SGD(params(), lr=0.1, momentum="0.9"), TypeError, r"SGD\(momentum\)"),
        (
            lambda: optim.SGD(params(), lr=0.1, nesterov=True),
            ValueError,
            r"nesterov=True\) needs momentum > 0",
        ),
        (
            lambda: optim.SGD(params(), lr=0.1, momentum=0.9, nesterov=1),
            TypeError,
            r"SGD\(nesterov\)",
        ),
        (lambda: optim.Adam(params(), lr=0.0), ValueError, r"Adam\(lr\)"),
        (lambda: optim.Adam(params(), lr=-1e-3), ValueError, r"Adam\(lr\)"),
        (
            lambda: optim.Adam(params(), betas=(1.0, 0.999)),
            ValueError,
            r"Adam\(betas\[0\]\): .*\[0, 1\)",
        ),
        (lambda: optim.Adam(params(), betas=(0.9, -0.1)), ValueError, r"Adam\(betas\[1\]\)"),
        (lambda: optim.Adam(params(), betas=(0.9, 1.5)), ValueError, r"Adam\(betas\[1\]\)"),
        (lambda: optim.Adam(params(), betas=(0.9,)), ValueError, r"Adam\(betas\) must be a pair"),
        (lambda: optim.Adam(params(), betas=0.9), TypeError, r"Adam\(betas\) must be a pair"),
        (lambda: optim.Adam(params(), eps=0.0), ValueError, r"Adam\(eps\)"),
        (lambda: optim.Adam(params(), eps=-1e-8), ValueError, r"Adam\(eps\)"),
        (
            lambda: optim.GradientDescent(params(), line_search="newton"),
            ValueError,
            r"GradientDescent\(line_search\)",
        ),
        (lambda: optim.GradientDescent(params(), lr=0.0), ValueError, r"GradientDescent\(lr\)"),
        (
            lambda: optim.GradientDescent(params(), lr=-0.5, line_search=None),
            ValueError,
            r"GradientDescent\(lr\)",
        ),
        (
            lambda: optim.GradientDescent(params(), line_search=None),
            ValueError,
            r"GradientDescent\(lr\) is required",
        ),
        (
            lambda: optim.GradientDescent(params(), max_step=0.0),
            ValueError,
            r"GradientDescent\(max_step\)",
        ),
        (lambda: optim.GradientDescent(params(), c1=1.0), ValueError, r"GradientDescent\(c1\)"),
        (lambda: optim.constant(0.0), ValueError, r"constant\(gamma\)"),
        (lambda: optim.inverse_time(-1.0), ValueError, r"inverse_time\(gamma0\)"),
        (lambda: optim.inverse_time("1"), TypeError, r"inverse_time\(gamma0\)"),
        (lambda: optim.linear(0.0, 0.1, 10), ValueError, r"linear\(start\)"),
        (lambda: optim.linear(1.0, -0.1, 10), ValueError, r"linear\(end\)"),
        (
            lambda: optim.linear(1.0, 0.1, 0),
            ValueError,
            r"linear\(steps\): expected an integer ≥ 1",
        ),
        (lambda: optim.linear(1.0, 0.1, 1.5), TypeError, r"linear\(steps\): expected an integer"),
        (
            lambda: optim.exponential(1.0, 1.5),
            ValueError,
            r"exponential\(rate\) must be in \(0, 1\]",
        ),
        (lambda: optim.exponential(1.0, 0.0), ValueError, r"exponential\(rate\)"),
        (lambda: optim.exponential(0.0, 0.5), ValueError, r"exponential\(gamma0\)"),
        (lambda: optim.batches(0, 1), ValueError, r"batches\(n\): expected an integer ≥ 1"),
        (lambda: optim.batches(2.5, 1), TypeError, r"batches\(n\): expected an integer"),
        (
            lambda: optim.batches(4, 0),
            ValueError,
            r"batches\(batch_size\): expected an integer ≥ 1",
        ),
        (lambda: optim.batches(4, None), TypeError, r"batches\(batch_size\): expected an integer"),
        (lambda: optim.batches(4, 2, shuffle="yes"), TypeError, r"batches\(shuffle\)"),
        (lambda: optim.batches(4, 2, seed="x"), TypeError, r"batches\(seed\)"),
        (
            lambda: optim.grad_norm([Value(1.0), 1.0]),
            TypeError,
            r"grad_norm: params\[1\] must be a Value",
        ),
        (lambda: optim.grad_norm(1.0), TypeError, r"grad_norm: expected an iterable of Values"),
    ],
)
def test_bad_hyperparameters(make, error, message) -> None:
    with pytest.raises(error, match=message):
        make()


def test_a_bad_schedule_is_caught_at_the_step_that_uses_it() -> None:
    w = Value(1.0)
    w.grad = 1.0
    opt = optim.SGD([w], lr=lambda k: 0.1 if k < 2 else 0.0)
    opt.step()
    opt.step()
    with pytest.raises(
        ValueError, match=r"SGD\(lr\): the schedule at step 2: expected a number > 0, got 0.0"
    ):
        opt.step()
    assert w.data == pytest.approx(0.8) and opt.step_count == 2
    opt = optim.Adam([w], lr=lambda k: "fast")
    with pytest.raises(
        TypeError, match=r"Adam\(lr\): the schedule at step 0: expected a real number, got str"
    ):
        opt.step()


def test_bad_closures() -> None:
    w = Value(1.0)
    with pytest.raises(TypeError, match=r"SGD.step\(closure\): closure must be callable"):
        optim.SGD([w], lr=0.1).step(1.0)
    with pytest.raises(TypeError, match=r"closure\(\) must return the loss Value, got float"):
        optim.SGD([w], lr=0.1).step(lambda: 1.0)
    with pytest.raises(
        TypeError, match=r"GradientDescent.step: line_search='exact' needs a closure"
    ):
        optim.GradientDescent([w]).step()
    with pytest.raises(TypeError, match=r"closure\(\) must return the loss Value"):
        optim.GradientDescent([w], line_search="backtracking").step(lambda: None)


def _fit(**overrides):
    model = overrides.pop("model", Model())
    arguments = {
        "X": [1.0, 2.0],
        "Y": [2.0, 4.0],
        "loss": squared,
        "optimizer": optim.SGD(getattr(model, "parameters", Model().parameters)(), lr=0.1),
        "epochs": 2,
        "progress": False,
    }
    arguments.update(overrides)
    X, Y = arguments.pop("X"), arguments.pop("Y")
    return optim.fit(model, X, Y, **arguments)


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"X": [1.0, 2.0, 3.0]}, ValueError, r"fit\(X, Y\): X has 3 samples but Y has 2"),
        ({"X": [], "Y": []}, ValueError, r"fit\(X, Y\): no samples"),
        ({"X": 3.0}, TypeError, r"fit\(X\) must be a sequence"),
        ({"Y": "ab"}, TypeError, r"fit\(Y\) must be a sequence"),
        (
            {"model": object()},
            TypeError,
            r"fit\(model\) must be callable with a parameters\(\) method",
        ),
        ({"loss": "squared"}, TypeError, r"fit\(loss\) must be callable"),
        ({"optimizer": "sgd"}, TypeError, r"fit\(optimizer\) must be an optim.Optimizer"),
        (
            {"optimizer": optim.SGD([Value(0.0)], lr=0.1)},
            ValueError,
            r"fit\(optimizer\): none of its parameters",
        ),
        ({"epochs": 0}, ValueError, r"fit\(epochs\): expected an integer ≥ 1"),
        ({"epochs": 2.0}, TypeError, r"fit\(epochs\): expected an integer"),
        ({"batch_size": 0}, ValueError, r"fit\(batch_size\): expected an integer ≥ 1"),
        ({"batch_size": "all"}, TypeError, r"fit\(batch_size\): expected an integer"),
        ({"regularization": 1e-4}, TypeError, r"fit\(regularization\) must be callable"),
        ({"tol": 0.0}, ValueError, r"fit\(tol\): expected a number > 0"),
        ({"tol": -1e-6}, ValueError, r"fit\(tol\)"),
        ({"tol": "small"}, TypeError, r"fit\(tol\)"),
        ({"seed": 1.5}, TypeError, r"fit\(seed\): expected an integer"),
        ({"progress": "yes"}, TypeError, r"fit\(progress\): expected True or False"),
        ({"callbacks": print}, TypeError, r"fit\(callbacks\) must be an iterable of callables"),
        ({"callbacks": [print, 3]}, TypeError, r"fit\(callbacks\[1\]\) must be callable"),
        (
            {"loss": lambda out, y: 1.0},
            TypeError,
            r"fit\(loss\): loss\(model\(X\[0\]\), Y\[0\]\) returned float",
        ),
        (
            {"regularization": lambda m: "big"},
            TypeError,
            r"fit\(regularization\) returned: expected a Value, got str",
        ),
    ],
)
def test_bad_fit_arguments(overrides, error, message) -> None:
    with pytest.raises(error, match=message):
        _fit(**overrides)


def test_fit_accepts_numpy_data_and_a_float_regulariser() -> None:
    model = Model()
    history = _fit(
        model=model,
        X=np.array([1.0, 2.0]),
        Y=np.array([2.0, 4.0]),
        optimizer=optim.SGD(model.parameters(), lr=0.1),
        regularization=lambda m: 0.0,
        epochs=30,
    )
    assert history.stop_reason == "completed" and model.w.data == pytest.approx(2.0)


def test_nn_module_parameters_pass_the_checks() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    opt = optim.SGD(model.parameters(), lr=0.1)
    assert opt.params == model.parameters()
