"""fit(..., compile=True): the History and the parameters of the eager fit, bit for bit."""

import gc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nn
import optim
from autograd_lite import TraceError, Value

RNG = np.random.default_rng(3)
X2 = RNG.normal(size=(12, 2)).tolist()
SIGNS = [1.0 if a * b > 0 else -1.0 for a, b in X2]  # ±1 labels for the hinge loss
BITS = [1.0 if s > 0 else 0.0 for s in SIGNS]  # 0/1 labels for binary cross-entropy
CLASSES = [int(a > 0) + int(b > 0) for a, b in X2]  # class indices 0, 1, 2
REAL = [a - 2.0 * b for a, b in X2]

#: name: (outputs, activation of the output layer, loss(output, target), targets)
PROBLEMS: dict[str, tuple[int, str, Callable[[Any, Any], Value], list[Any]]] = {
    "hinge": (1, "linear", lambda out, y: nn.hinge_loss(out[0], y), SIGNS),
    "binary cross-entropy": (1, "linear", lambda out, y: nn.binary_cross_entropy(out[0], y), BITS),
    "cross-entropy, class indices": (3, "linear", nn.cross_entropy, CLASSES),
    "squared error": (1, "linear", lambda out, y: nn.squared_error(out[0], y), REAL),
    "mse, vector targets": (2, "linear", nn.mse_loss, [[r, -r] for r in REAL]),
}

OPTIMIZERS: dict[str, Callable[[list[Value]], optim.Optimizer]] = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.1),
    "SGD, Nesterov momentum, 1/(k+1)": lambda ps: optim.SGD(
        ps, lr=optim.inverse_time(0.2), momentum=0.9, nesterov=True
    ),
    "Adam": lambda ps: optim.Adam(ps, lr=0.01),
    "GD, fixed step": lambda ps: optim.GradientDescent(ps, lr=0.1, line_search=None),
    "GD, exact line search": lambda ps: optim.GradientDescent(ps),
    "GD, backtracking": lambda ps: optim.GradientDescent(ps, line_search="backtracking"),
}


def run(problem: str, optimizer: str, compiled: bool, **options: Any) -> tuple[Any, list[float]]:
    outputs, activation, loss, Y = PROBLEMS[problem]
    model = nn.MLP(2, [4, outputs], activation="tanh", output_activation=activation, seed=1)
    history = optim.fit(
        model,
        X2,
        Y,
        loss=loss,
        optimizer=OPTIMIZERS[optimizer](model.parameters()),
        epochs=3,
        regularization=lambda m: nn.l2_penalty(m, 1e-3),
        progress=False,
        compile=compiled,
        **options,
    )
    fields = (history.loss, history.grad_norm, history.step_size, history.steps)
    return fields, [p.data for p in model.parameters()] + [p.grad for p in model.parameters()]


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_a_compiled_fit_is_the_eager_fit_bit_for_bit(problem: str, optimizer: str) -> None:
    for options in ({}, {"batch_size": 5, "seed": 2}):
        if optimizer.startswith("GD") and options:
            continue  # gradient descent is full-batch
        assert run(problem, optimizer, True, **options) == run(problem, optimizer, False, **options)


def test_the_early_stop_and_a_line_search_replay_the_same_recording() -> None:
    eager = run("hinge", "GD, exact line search", False, tol=1e-12)
    assert run("hinge", "GD, exact line search", True, tol=1e-12) == eager


def test_a_label_the_loss_refuses_raises_as_in_an_eager_fit() -> None:
    model = nn.MLP(2, [1], seed=0)
    bad = [*SIGNS[:-1], 2.0]
    for compiled in (False, True):
        with pytest.raises(ValueError, match=r"hinge_loss\(target\): expected -1 or \+1, got 2"):
            optim.fit(
                model,
                X2,
                bad,
                loss=lambda out, y: nn.hinge_loss(out[0], y),
                optimizer=optim.SGD(model.parameters(), lr=0.1),
                epochs=1,
                progress=False,
                compile=compiled,
            )


def test_a_model_that_reads_its_values_gets_the_trace_error() -> None:
    model = nn.MLP(2, [1], seed=0)

    def sloppy(out: list[Value], y: float) -> Value:
        return out[0] * y if out[0].data > 0 else -out[0] * y

    with pytest.raises(TraceError, match=r"comparison|reading \.data"):
        optim.fit(
            model,
            X2,
            SIGNS,
            loss=sloppy,
            optimizer=optim.SGD(model.parameters(), lr=0.1),
            epochs=1,
            progress=False,
            compile=True,
        )


class Scaled:
    """w · Σ x over an input of any length: a model that takes samples of any shape."""

    def __init__(self) -> None:
        self.w = Value(0.5)

    def __call__(self, x: list[Any]) -> list[Value]:
        return [self.w * sum(x)]

    def parameters(self) -> list[Value]:
        return [self.w]


def test_samples_of_different_shapes_are_refused() -> None:
    model = Scaled()
    X = [[0.0, 1.0], [0.0, 1.0, 2.0]]
    fit = {"loss": lambda out, y: nn.squared_error(out[0], y), "epochs": 1, "progress": False}
    optim.fit(model, X, [1.0, 1.0], optimizer=optim.SGD(model.parameters(), lr=0.1), **fit)
    with pytest.raises(ValueError, match=r"sample 1 is shaped \(3, None\) but sample 0 \(2"):
        optim.fit(model, X, [1.0, 1.0], optimizer=optim.SGD([model.w], lr=0.1), compile=True, **fit)


def test_the_collector_is_back_on_after_each_step_and_stays_off_if_it_was() -> None:
    seen: list[bool] = []
    model = nn.MLP(2, [1], seed=0)
    options: dict[str, Any] = {
        "loss": lambda out, y: nn.hinge_loss(out[0], y),
        "epochs": 2,
        "progress": False,
        "callbacks": [lambda epoch, history: seen.append(gc.isenabled())],
    }
    optim.fit(model, X2, SIGNS, optimizer=optim.SGD(model.parameters(), lr=0.1), **options)
    assert seen == [True, True] and gc.isenabled()
    gc.disable()
    try:
        optim.fit(model, X2, SIGNS, optimizer=optim.SGD(model.parameters(), lr=0.1), **options)
        assert not gc.isenabled() and seen[2:] == [False, False]
    finally:
        gc.enable()


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


BATCHED = ["SGD", "SGD, Nesterov momentum, 1/(k+1)", "Adam", "GD, fixed step"]


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("optimizer", BATCHED)
def test_a_batched_fit_agrees_with_the_eager_fit_to_1e_12(problem: str, optimizer: str) -> None:
    for options in ({}, {"batch_size": 5, "seed": 2}):
        if optimizer.startswith("GD") and options:
            continue
        (fields, numbers) = run(problem, optimizer, "batch", **options)
        (eager_fields, eager_numbers) = run(problem, optimizer, False, **options)
        for mine, theirs in zip(fields[:3], eager_fields[:3]):  # loss, gradient norm, step size
            assert all(close(a, b) for a, b in zip(mine, theirs))
        assert fields[3] == eager_fields[3]
        assert all(close(a, b) for a, b in zip(numbers, eager_numbers))


def test_a_batched_fit_with_a_line_search_replays_bit_for_bit() -> None:
    # A line search ends on comparisons of values that differ by rounding: it keeps the
    # per-batch replay, so compiling never changes its path.
    eager = run("hinge", "GD, exact line search", False)
    assert run("hinge", "GD, exact line search", "batch") == eager


def test_compile_takes_false_true_or_batch() -> None:
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="fit\\(compile\\) must be False, True or 'batch', got 1"):
        optim.fit(
            model,
            X2,
            SIGNS,
            loss=lambda out, y: nn.hinge_loss(out[0], y),
            optimizer=optim.SGD(model.parameters(), lr=0.1),
            epochs=1,
            progress=False,
            compile=1,  # type: ignore[arg-type]
        )
