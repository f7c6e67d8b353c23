"""fit(..., compile=True): within 1e-12 of the eager fit with a fixed or scheduled step (one
sample traced, every batch replayed at once); the eager fit bit for bit with a line search."""

import gc
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import nn
import optim
from autograd_lite import TraceError, Value
from optim.compiled import BatchedObjective, CompiledObjective

FIT = sys.modules["optim.fit"]  # the module: `optim.fit` is the function

RNG = np.random.default_rng(3)
X2 = RNG.normal(size=(12, 2)).tolist()
SIGNS = [1.0 if a * b > 0 else -1.0 for a, b in X2]  # ±1 labels for the hinge loss
BITS = [1.0 if s > 0 else 0.0 for s in SIGNS]  # 0/1 labels for binary cross-entropy
CLASSES = [int(a > 0) + int(b > 0) for a, b in X2]  # class indices 0, 1, 2
ONE_HOT = [[1.0 if k == c else 0.0 for k in range(3)] for c in CLASSES]
SOFT = [[0.1, 0.2, 0.7][c:] + [0.1, 0.2, 0.7][:c] for c in CLASSES]  # weights summing to 1
REAL = [a - 2.0 * b for a, b in X2]

#: name: (outputs, activation of the output layer, loss(output, target), targets): every loss
#: nn provides, cross-entropy with each kind of target.
PROBLEMS: dict[str, tuple[int, str, Callable[[Any, Any], Value], list[Any]]] = {
    "hinge": (1, "linear", lambda out, y: nn.hinge_loss(out[0], y), SIGNS),
    "binary cross-entropy": (1, "linear", lambda out, y: nn.binary_cross_entropy(out[0], y), BITS),
    "cross-entropy, class indices": (3, "linear", nn.cross_entropy, CLASSES),
    "cross-entropy, one-hot targets": (3, "linear", nn.cross_entropy, ONE_HOT),
    "cross-entropy, soft labels": (3, "linear", nn.cross_entropy, SOFT),
    "squared error": (1, "linear", lambda out, y: nn.squared_error(out[0], y), REAL),
    "squared error, vector targets": (2, "linear", nn.squared_error, [[r, -r] for r in REAL]),
    "mse, vector targets": (2, "linear", nn.mse_loss, [[r, -r] for r in REAL]),
}

#: Fixed or scheduled steps: compile=True replays one traced sample on whole batches.
FIXED: dict[str, Callable[[list[Value]], optim.Optimizer]] = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.1),
    "SGD, momentum, linear decay": lambda ps: optim.SGD(
        ps, lr=optim.linear(0.2, 0.02, 5), momentum=0.5
    ),
    "SGD, Nesterov momentum, 1/(k+1)": lambda ps: optim.SGD(
        ps, lr=optim.inverse_time(0.2), momentum=0.9, nesterov=True
    ),
    "Adam": lambda ps: optim.Adam(ps, lr=0.01),
    "Adam, exponential decay": lambda ps: optim.Adam(ps, lr=optim.exponential(0.05, 0.8)),
    "GD, fixed step": lambda ps: optim.GradientDescent(ps, lr=0.1, line_search=None),
    "GD, 1/(k+1)": lambda ps: optim.GradientDescent(
        ps, lr=optim.inverse_time(0.3), line_search=None
    ),
}

#: Line searches: compile=True records the batch objective per batch size, bit for bit.
SEARCHING: dict[str, Callable[[list[Value]], optim.Optimizer]] = {
    "GD, exact line search": lambda ps: optim.GradientDescent(ps),
    "GD, exact line search from 0.5": lambda ps: optim.GradientDescent(ps, initial_step=0.5),
    "GD, backtracking": lambda ps: optim.GradientDescent(ps, line_search="backtracking"),
}

OPTIMIZERS = {**FIXED, **SEARCHING}

#: fit's options for the full batch and for shuffled mini-batches (gradient descent too: fit
#: runs any optimiser on mini-batches).
BATCHINGS: dict[str, dict[str, Any]] = {
    "full batch": {},
    "mini-batches of 5": {"batch_size": 5, "seed": 2},
}

Fields = tuple[list[float], list[float], list[float], list[int]]


def run(
    problem: str, optimizer: str, compiled: object, **options: Any
) -> tuple[Fields, list[float]]:
    """The History's loss, gradient norm, step size and steps; the parameters and gradients."""
    outputs, activation, loss, Y = PROBLEMS[problem]
    model = nn.MLP(2, [4, outputs], activation="tanh", output_activation=activation, seed=1)
    options = {"regularization": lambda m: nn.l2_penalty(m, 1e-3), **options}
    history = optim.fit(
        model,
        X2,
        Y,
        loss=loss,
        optimizer=OPTIMIZERS[optimizer](model.parameters()),
        epochs=options.pop("epochs", 3),
        progress=False,
        compile=compiled,  # type: ignore[arg-type]
        **options,
    )
    fields = (history.loss, history.grad_norm, history.step_size, history.steps)
    return fields, [p.data for p in model.parameters()] + [p.grad for p in model.parameters()]


def deviation(mine: Sequence[float], theirs: Sequence[float]) -> float:
    """max |a − b| / max(|a|, |b|, 1) over the pairs; the lengths must agree."""
    assert len(mine) == len(theirs)
    return max((abs(a - b) / max(abs(a), abs(b), 1.0) for a, b in zip(mine, theirs)), default=0.0)


def assert_within_1e_12(
    batched: tuple[Fields, list[float]], eager: tuple[Fields, list[float]]
) -> None:
    """The loss, gradient norm and step size of every epoch, and the final parameters and
    gradients, within 1e-12 (relative); the numbers of steps equal."""
    (fields, numbers), (eager_fields, eager_numbers) = batched, eager
    assert len(fields[0]) == len(eager_fields[0]) > 0
    for name, mine, theirs in zip(("loss", "grad_norm", "step_size"), fields, eager_fields):
        assert deviation(mine, theirs) <= 1e-12, name
    assert fields[3] == eager_fields[3]  # counts of steps
    assert deviation(numbers, eager_numbers) <= 1e-12


@pytest.mark.parametrize("batching", list(BATCHINGS))
@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("optimizer", list(FIXED))
def test_a_compiled_fit_with_a_fixed_step_is_within_1e_12_of_the_eager_fit(
    problem: str, optimizer: str, batching: str
) -> None:
    options = BATCHINGS[batching]
    eager = run(problem, optimizer, False, **options)
    assert_within_1e_12(run(problem, optimizer, True, **options), eager)


@pytest.mark.parametrize("batching", list(BATCHINGS))
@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("optimizer", list(SEARCHING))
def test_a_compiled_fit_with_a_line_search_is_the_eager_fit_bit_for_bit(
    problem: str, optimizer: str, batching: str
) -> None:
    options = BATCHINGS[batching]
    eager = run(problem, optimizer, False, **options)
    assert run(problem, optimizer, True, **options) == eager
    assert run(problem, optimizer, "batch", **options) == eager  # "batch": another name


def test_the_early_stop_and_a_line_search_replay_the_same_recording() -> None:
    eager = run("hinge", "GD, exact line search", False, tol=1e-12)
    assert run("hinge", "GD, exact line search", True, tol=1e-12) == eager


def early_stopped(
    compiled: bool, tol: float | None, **options: Any
) -> tuple[optim.History, list[float]]:
    """A fixed-step fit of the squared error for up to 6 epochs, and the full objective's
    gradient norm after each epoch (measured eagerly by a callback)."""
    outputs, activation, loss, Y = PROBLEMS["squared error"]
    model = nn.MLP(2, [4, outputs], activation="tanh", output_activation=activation, seed=1)
    norms: list[float] = []

    def measure(epoch: int, history: optim.History) -> None:
        for p in model.parameters():
            p.grad = 0.0
        (sum((loss(model(x), y) for x, y in zip(X2, Y)), Value(0.0)) / len(X2)).backward()
        norms.append(optim.grad_norm(model.parameters()))

    history = optim.fit(
        model,
        X2,
        Y,
        loss=loss,
        optimizer=optim.GradientDescent(model.parameters(), lr=0.1, line_search=None),
        epochs=6,
        tol=tol,
        progress=False,
        callbacks=[measure],
        compile=compiled,
        **options,
    )
    return history, norms


@pytest.mark.parametrize("batching", list(BATCHINGS))
def test_the_early_stop_with_a_fixed_step_stops_where_the_eager_fit_does(batching: str) -> None:
    options = BATCHINGS[batching]
    # A tolerance halfway between the gradient norms after the 2nd and 3rd epochs stops
    # before the 4th, far from any rounding.
    _, norms = early_stopped(False, None, **options)
    assert len(norms) == 6 and norms[2] < 0.99 * norms[1]
    tol = (norms[1] + norms[2]) / 2
    eager, _ = early_stopped(False, tol, **options)
    compiled, _ = early_stopped(True, tol, **options)
    assert eager.stop_reason == compiled.stop_reason == "converged"
    assert len(eager.loss) == len(compiled.loss) == 3
    assert deviation(compiled.loss, eager.loss) <= 1e-12
    assert eager.final_grad_norm is not None and compiled.final_grad_norm is not None
    assert deviation([compiled.final_grad_norm], [eager.final_grad_norm]) <= 1e-12


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_a_compiled_fit_without_a_regularizer_is_within_1e_12(optimizer: str) -> None:
    for problem in ("cross-entropy, class indices", "binary cross-entropy"):
        eager = run(problem, optimizer, False, regularization=None, batch_size=5, seed=4)
        assert_within_1e_12(
            run(problem, optimizer, True, regularization=None, batch_size=5, seed=4), eager
        )


class _Searching(optim.SGD):
    """An SGD that says it runs a line search: fit must take the bit-for-bit recording."""

    line_search = "its own"


@pytest.fixture
def objectives(monkeypatch: pytest.MonkeyPatch) -> list[type]:
    """The kinds of objective fit builds, in order (the two classes wrapped in fit's module)."""
    made: list[type] = []
    for kind in (BatchedObjective, CompiledObjective):

        def spy(*args: Any, kind: type = kind) -> Any:
            made.append(kind)
            return kind(*args)

        monkeypatch.setattr(FIT, kind.__name__, spy)
    return made


@pytest.mark.parametrize("compiled", [True, "batch"])
def test_compile_replays_batches_unless_a_line_search_needs_the_bit_for_bit_recording(
    objectives: list[type], compiled: object
) -> None:
    for optimizer in OPTIMIZERS:
        run("hinge", optimizer, compiled, epochs=1)
    expected = [BatchedObjective] * len(FIXED) + [CompiledObjective] * len(SEARCHING)
    assert objectives == expected
    model = nn.MLP(2, [1], seed=0)
    optim.fit(
        model,
        X2,
        SIGNS,
        loss=lambda out, y: nn.hinge_loss(out[0], y),
        optimizer=_Searching(model.parameters(), lr=0.1),
        epochs=1,
        progress=False,
        compile=compiled,  # type: ignore[arg-type]
    )
    assert objectives[-1] is CompiledObjective
    run("hinge", "SGD", False)
    assert len(objectives) == len(expected) + 1  # an eager fit builds neither


def test_a_line_search_never_meets_the_batched_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: Any) -> Any:
        raise AssertionError("a line search was given the batched replay")

    monkeypatch.setattr(FIT, "BatchedObjective", refused)
    for optimizer in SEARCHING:
        eager = run("cross-entropy, class indices", optimizer, False, batch_size=5, seed=2)
        assert run("cross-entropy, class indices", optimizer, True, batch_size=5, seed=2) == eager
    with pytest.raises(AssertionError, match="batched replay"):
        run("hinge", "SGD", True)


def test_a_label_the_loss_refuses_raises_as_in_an_eager_fit() -> None:
    model = nn.MLP(2, [1], seed=0)
    bad = [*SIGNS[:-1], 2.0]
    for compiled, optimizer in ((False, "SGD"), (True, "SGD"), (True, "GD, exact line search")):
        with pytest.raises(ValueError, match=r"hinge_loss\(target\): expected -1 or \+1, got 2"):
            optim.fit(
                model,
                X2,
                bad,
                loss=lambda out, y: nn.hinge_loss(out[0], y),
                optimizer=OPTIMIZERS[optimizer](model.parameters()),
                epochs=1,
                progress=False,
                compile=compiled,
            )


def test_the_targets_are_checked_without_running_the_model_on_every_sample() -> None:
    # The check before the first trace gives the loss every target with sample 0's output:
    # the model runs for it and for the trace, not once per sample.
    calls = []

    class Counted(Scaled):
        def __call__(self, x: list[Any]) -> list[Value]:
            calls.append(x)
            return super().__call__(x)

    model, checked = Counted(), []

    def loss(out: list[Value], y: Any) -> Value:
        checked.append(y)
        return nn.hinge_loss(out[0], y)

    X = [[x] for x, _ in X2]
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    options: dict[str, Any] = {"loss": loss, "optimizer": optimizer, "epochs": 1, "progress": False}
    optim.fit(model, X, SIGNS, compile=True, **options)
    assert len(calls) == 2 and len(checked) == len(SIGNS) + 1  # + the traced sample's
    with pytest.raises(ValueError, match=r"hinge_loss\(target\): expected -1 or \+1, got 0.5"):
        optim.fit(model, X, [*SIGNS[:-1], 0.5], compile=True, **options)


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


@pytest.mark.parametrize("wrong", [1, 0.0, None, "yes", "Batch", np.True_])
def test_compile_takes_false_true_or_batch(wrong: object) -> None:
    model = nn.MLP(2, [1], seed=0)
    message = r"fit\(compile\) must be False, True or 'batch' \(another name for True\), got "
    with pytest.raises(ValueError, match=message + re.escape(repr(wrong))):
        optim.fit(
            model,
            X2,
            SIGNS,
            loss=lambda out, y: nn.hinge_loss(out[0], y),
            optimizer=optim.SGD(model.parameters(), lr=0.1),
            epochs=1,
            progress=False,
            compile=wrong,  # type: ignore[arg-type]
        )


# --- The parameters held in one array (ArrayTraining) -----------------------------------------


def trained(
    compiled: bool,
    optimizer: str,
    callbacks: Sequence[Callable[[Any, Any, int], object]] = (),
    extra: bool = False,
    **options: Any,
) -> tuple[Any, Any, optim.Optimizer, list[Value]]:
    """A fit of the hinge problem, its History, the model, the optimiser and the Values it
    updates; with ``extra``, the optimiser also holds a Value the loss never reads, and the
    model's last bias is left out of it (frozen). ``callbacks`` get (model, epoch, history)."""
    model = nn.MLP(2, [4, 1], activation="tanh", output_activation="linear", seed=1)
    params = model.parameters()
    held = [*params[:-1], Value(0.25)] if extra else params
    opt = OPTIMIZERS[optimizer](held)
    try:
        history = optim.fit(
            model,
            X2,
            SIGNS,
            loss=lambda out, y: nn.hinge_loss(out[0], y),
            optimizer=opt,
            epochs=options.pop("epochs", 4),
            progress=False,
            compile=compiled,
            callbacks=[lambda e, h, c=c: c(model, e, h) for c in callbacks],
            **options,
        )
    except FloatingPointError as error:
        history = error
    return history, model, opt, held


def numbers(model: Any, opt: optim.Optimizer, held: list[Value]) -> list[float]:
    values = [*model.parameters(), *held]
    state = [float(x) for buffer in opt.state.buffers for x in buffer]
    return [*(p.data for p in values), *(p.grad for p in values), *state, opt.state.step_size]


@pytest.mark.parametrize("optimizer", list(FIXED))
@pytest.mark.parametrize("batch_size", [None, 5])
def test_the_array_training_leaves_values_gradients_and_state_as_eager_fit(
    optimizer: str, batch_size: int | None
) -> None:
    # An optimiser's Value outside the loss (SGD's momentum and Adam move it with g = 0), a
    # model parameter outside the optimiser, a callback that changes a weight after epoch 1.
    def nudge(model: Any, epoch: int, _: Any) -> None:
        if epoch == 1:
            model.parameters()[0].data += 0.5

    options = {"batch_size": batch_size, "seed": 4, "extra": True, "callbacks": [nudge]}
    h1, m1, o1, held1 = trained(True, optimizer, **options)  # type: ignore[arg-type]
    h2, m2, o2, held2 = trained(False, optimizer, **options)  # type: ignore[arg-type]
    assert type(o1.state) is type(o2.state) and o1.step_count == o2.step_count > 0
    assert deviation(numbers(m1, o1, held1), numbers(m2, o2, held2)) <= 1e-12
    assert deviation(h1.loss, h2.loss) <= 1e-12


def test_the_array_training_runs_for_steps_on_arrays_only(monkeypatch: Any) -> None:
    steps = []
    original = FIT.ArrayTraining.step
    monkeypatch.setattr(FIT.ArrayTraining, "step", lambda self: (steps.append(1), original(self)))
    trained(True, "Adam", epochs=2)
    assert len(steps) == 2
    trained(True, "GD, exact line search", epochs=2)  # a line search: the recording per batch
    assert len(steps) == 2


@pytest.mark.parametrize("optimizer", ["SGD, momentum, linear decay", "Adam"])
def test_an_interrupt_leaves_the_last_completed_step_written(optimizer: str) -> None:
    def stop(model: Any, epoch: int, _: Any) -> None:
        if epoch == 1:
            raise KeyboardInterrupt

    h1, m1, o1, held1 = trained(True, optimizer, callbacks=[stop], batch_size=5, seed=1)
    h2, m2, o2, held2 = trained(False, optimizer, callbacks=[stop], batch_size=5, seed=1)
    assert h1.stop_reason == h2.stop_reason == "interrupted" and len(h1.loss) == 2
    assert deviation(numbers(m1, o1, held1), numbers(m2, o2, held2)) <= 1e-12


def test_a_step_to_infinity_raises_with_the_last_completed_step_written(monkeypatch: Any) -> None:
    # the fourth step, γ₃ = 10³⁰⁸ along a gradient of at least 100, overflows
    monkeypatch.setitem(
        OPTIMIZERS, "huge", lambda ps: optim.SGD(ps, lr=lambda k: 1e-3 if k < 3 else 1e308)
    )
    options = {"batch_size": 6, "seed": 0, "regularization": lambda m: 100.0 * m.parameters()[0]}
    e1, m1, o1, held1 = trained(True, "huge", **options)  # type: ignore[arg-type]
    e2, m2, o2, held2 = trained(False, "huge", **options)  # type: ignore[arg-type]
    assert isinstance(e1, FloatingPointError) and isinstance(e2, FloatingPointError)
    for error in (e1, e2):
        assert re.fullmatch(
            r"SGD.step: params\[0\] would become -inf \(data \S+, grad \S+\); "
            "no parameter was changed",
            str(error),
        )
    assert o1.step_count == o2.step_count > 0
    assert deviation(numbers(m1, o1, held1), numbers(m2, o2, held2)) <= 1e-12


@pytest.mark.parametrize("optimizer", ["SGD, Nesterov momentum, 1/(k+1)", "Adam"])
def test_a_compiled_fit_resumes_an_eager_one_from_its_state(optimizer: str) -> None:
    # the state an eager fit leaves (velocity, moments, step count) is where the array
    # training starts, and the state it leaves is where an eager fit goes on
    def fitted(kinds: Sequence[bool]) -> list[float]:
        model = nn.MLP(2, [4, 1], activation="tanh", output_activation="linear", seed=1)
        opt = OPTIMIZERS[optimizer](model.parameters())
        for compiled in kinds:
            optim.fit(
                model,
                X2,
                SIGNS,
                loss=lambda out, y: nn.hinge_loss(out[0], y),
                optimizer=opt,
                epochs=2,
                batch_size=5,
                seed=len(kinds),
                progress=False,
                compile=compiled,
            )
        return numbers(model, opt, [])

    eager = fitted([False, False, False])
    assert deviation(fitted([False, True, False]), eager) <= 1e-12
    assert deviation(fitted([True, False, True]), eager) <= 1e-12
