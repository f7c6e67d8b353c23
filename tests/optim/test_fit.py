"""optim.fit: training, early stop, interruption, History, progress bar."""

from __future__ import annotations

import io
import itertools
import json
import math
import sys

import numpy as np
import pytest

import nn
import optim
from autograd_lite import Value

# Two Gaussian blobs, not linearly separable by a line through the origin (a bias is needed).
_rng = np.random.default_rng(7)
POINTS = np.vstack([_rng.normal((2.0, 1.0), 0.6, (12, 2)), _rng.normal((0.5, -1.5), 0.6, (12, 2))])
X = [tuple(float(v) for v in row) for row in POINTS]
Y = [0] * 12 + [1] * 12


def accuracy(model: nn.MLP) -> float:
    hits = 0
    for x, y in zip(X, Y):
        scores = [v.data for v in model(x)]
        hits += int(np.argmax(scores) == y)
    return hits / len(X)


def snapshot(model: nn.Module) -> list[float]:
    return [p.data for p in model.parameters()]


def test_a_small_classification_problem_trains_with_mini_batch_adam() -> None:
    model = nn.MLP(2, [6, 2], activation="tanh", seed=0)
    opt = optim.Adam(model.parameters(), lr=0.05)
    history = optim.fit(
        model, X, Y, loss=nn.cross_entropy, optimizer=opt, epochs=40, batch_size=6, seed=0,
        progress=False,
    )  # fmt: skip
    assert history.stop_reason == "completed" and len(history) == 40
    assert opt.step_count == 40 * 4 == history.steps[-1]
    assert accuracy(model) == 1.0
    assert history.loss[-1] < 0.1 < 0.5 < history.loss[0]
    assert all(a < b for a, b in itertools.pairwise(history.elapsed))
    assert history.step_size == [0.05] * 40


def test_full_batch_gradient_descent_with_l2_penalty_trains_monotonically() -> None:
    model = nn.MLP(2, [4, 2], activation="tanh", seed=1)
    opt = optim.GradientDescent(model.parameters(), line_search="exact")
    history = optim.fit(
        model, X, Y, loss=nn.cross_entropy, optimizer=opt, epochs=15,
        regularization=lambda m: nn.l2_penalty(m, 1e-3), progress=False,
    )  # fmt: skip
    assert all(b < a for a, b in itertools.pairwise(history.loss)), history.loss
    assert accuracy(model) == 1.0
    # The recorded loss is the regularised mean loss at the start of each step.
    assert history.loss[-1] > 0.0 and all(s > 0.0 for s in history.step_size)


def test_the_batch_loss_is_the_mean_plus_the_regulariser() -> None:
    model = nn.MLP(2, [3, 2], seed=2)
    w0 = snapshot(model)
    expected = math.fsum(nn.cross_entropy(model(x), y).data for x, y in zip(X, Y)) / len(X)
    expected += nn.l2_penalty(model, 0.1).data
    opt = optim.SGD(model.parameters(), lr=1e-9)
    history = optim.fit(
        model, X, Y, loss=nn.cross_entropy, optimizer=opt, epochs=1,
        regularization=lambda m: nn.l2_penalty(m, 0.1), progress=False,
    )  # fmt: skip
    assert history.loss[0] == pytest.approx(expected, rel=1e-12)
    assert snapshot(model) != w0


def test_early_stop_on_tol_with_mini_batches() -> None:
    # Least squares y = 2x − 1 with an exact fit: the full gradient vanishes at the solution.
    xs = [[x] for x in np.linspace(-1.0, 1.0, 8)]
    ys = [2.0 * x[0] - 1.0 for x in xs]
    model = nn.MLP(1, [1], seed=0)
    opt = optim.SGD(model.parameters(), lr=0.3, momentum=0.5)
    history = optim.fit(
        model, xs, ys, loss=nn.squared_error, optimizer=opt, epochs=1000, batch_size=4,
        tol=1e-6, seed=0, progress=False,
    )  # fmt: skip
    assert history.converged and 0 < len(history) < 1000
    assert history.final_grad_norm is not None and history.final_grad_norm < 1e-6
    # Independently: the full-batch gradient at the returned parameters is below tol.
    for p in model.parameters():
        p.grad = 0.0
    total = nn.squared_error(model(xs[0]), ys[0])
    for x, y in zip(xs[1:], ys[1:]):
        total = total + nn.squared_error(model(x), y)
    (total / len(xs)).backward()
    assert optim.grad_norm(model.parameters()) < 1e-6
    w, b = (p.data for p in model.parameters())
    assert w == pytest.approx(2.0, abs=1e-5) and b == pytest.approx(-1.0, abs=1e-5)
    assert opt.step_count == 2 * len(history)


def test_callbacks_receive_the_epoch_and_the_history_so_far() -> None:
    model = nn.MLP(2, [2], seed=0)
    seen: list[tuple[int, int, float]] = []

    def callback(epoch: int, history: optim.History) -> None:
        seen.append((epoch, len(history), history.loss[-1]))

    history = optim.fit(
        model, X, Y, loss=nn.cross_entropy, optimizer=optim.SGD(model.parameters(), lr=0.1),
        epochs=3, progress=False, callbacks=[callback],
    )  # fmt: skip
    assert seen == [(0, 1, history.loss[0]), (1, 2, history.loss[1]), (2, 3, history.loss[2])]


@pytest.mark.parametrize(
    "make",
    [
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
        lambda p: optim.Adam(p, lr=0.05),
        lambda p: optim.GradientDescent(p),
    ],
    ids=["sgd", "adam", "gd-exact"],
)
def test_a_callback_raising_keyboard_interrupt_stops_after_the_last_completed_step(make) -> None:
    model = nn.MLP(2, [3, 2], activation="tanh", seed=3)
    opt = make(model.parameters())
    snapshots: list[list[float]] = []

    def remember(epoch: int, history: optim.History) -> None:
        snapshots.append(snapshot(model))

    def interrupt(epoch: int, history: optim.History) -> None:
        if epoch == 2:
            raise KeyboardInterrupt

    history = optim.fit(
        model, X, Y, loss=nn.cross_entropy, optimizer=opt, epochs=10, batch_size=8, seed=0,
        progress=False, callbacks=(remember, interrupt),
    )  # fmt: skip
    assert history.interrupted and history.stop_reason == "interrupted"
    assert len(history) == 3 and len(snapshots) == 3
    assert snapshot(model) == snapshots[-1]
    assert opt.step_count == history.steps[-1] == 9  # 3 epochs of 3 batches
    json.dumps(history.to_dict())


def test_an_interruption_inside_a_line_search_in_fit_keeps_the_last_completed_step() -> None:
    model = nn.MLP(2, [3, 2], activation="tanh", seed=4)
    opt = optim.GradientDescent(model.parameters())
    snapshots: list[list[float]] = []
    armed = False
    trial_points = 0

    def loss(logits: list[Value], target: int) -> Value:
        nonlocal trial_points
        if armed and logits[0].op == "":  # computed under no_grad: a line-search trial point
            trial_points += 1
            if trial_points == 3 * len(X) + 5:  # midway through the fourth trial point
                raise KeyboardInterrupt
        return nn.cross_entropy(logits, target)

    def arm(epoch: int, history: optim.History) -> None:
        nonlocal armed
        snapshots.append(snapshot(model))
        armed = epoch == 1

    history = optim.fit(
        model, X, Y, loss=loss, optimizer=opt, epochs=10, progress=False, callbacks=[arm]
    )
    assert trial_points == 3 * len(X) + 5  # the interruption did come mid-search
    assert history.interrupted and len(history) == 2
    assert snapshot(model) == snapshots[-1]  # not a trial point: the last completed step
    assert opt.step_count == 2


def test_history_to_dict_is_json_ready() -> None:
    model = nn.MLP(2, [2], seed=0)
    history = optim.fit(
        model, X, Y, loss=nn.cross_entropy, optimizer=optim.SGD(model.parameters(), lr=0.1),
        epochs=2, progress=False,
    )  # fmt: skip
    data = json.loads(json.dumps(history.to_dict()))
    assert data["epochs"] == 2 and data["stop_reason"] == "completed"
    assert data["loss"] == history.loss and data["grad_norm"] == history.grad_norm
    assert data["step_size"] == [0.1, 0.1] and data["steps"] == [1, 2]
    assert len(data["elapsed"]) == 2 and data["final_grad_norm"] is None
    history.loss[0] = math.nan
    assert history.to_dict()["loss"][0] is None  # JSON has no NaN


def test_history_plot_writes_an_image(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    history = optim.History()
    for k in range(5):
        history.append(loss=1.0 / (k + 1), grad_norm=0.5**k, step_size=0.1, elapsed=k, steps=k)
    path = history.plot(tmp_path / "history.png", title="test")
    assert path.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="no epoch"):
        optim.History().plot(tmp_path / "empty.png")


def test_history_plot_without_matplotlib_says_what_to_install(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    history = optim.History()
    history.append(loss=1.0, grad_norm=1.0, step_size=0.1, elapsed=0.0, steps=1)
    with pytest.raises(ImportError, match="matplotlib"):
        history.plot(tmp_path / "x.png")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _train(progress: bool) -> None:
    model = nn.MLP(2, [2], seed=0)
    optim.fit(
        model, X, Y, loss=nn.cross_entropy, optimizer=optim.SGD(model.parameters(), lr=0.1),
        epochs=2, progress=progress,
    )  # fmt: skip


def test_the_progress_bar_shows_epoch_loss_and_gradient_norm_on_a_terminal(monkeypatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    _train(progress=True)
    text = terminal.getvalue()
    assert "2/2" in text and "loss " in text and "grad " in text and "step " in text


def test_the_progress_bar_is_off_with_progress_false_or_off_a_terminal(monkeypatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    _train(progress=False)
    assert terminal.getvalue() == ""
    pipe = io.StringIO()  # not a terminal
    monkeypatch.setattr(sys, "stderr", pipe)
    _train(progress=True)
    assert pipe.getvalue() == ""
