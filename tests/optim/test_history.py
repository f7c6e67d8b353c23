"""History: how training ended, said in words, and what plot needs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import optim
from autograd_lite import Value
from tests.optim.models import Line


def squared(out: Value, y: float) -> Value:
    return (out - y) ** 2


def train(epochs: int, stop_after: int | None = None) -> optim.History:
    model = Line()

    def stop(epoch: int, history: optim.History) -> None:
        if stop_after is not None and epoch + 1 == stop_after:
            raise KeyboardInterrupt

    return optim.fit(
        model,
        [1.0, 2.0],
        [2.0, 4.0],
        loss=squared,
        optimizer=optim.SGD(model.parameters(), lr=0.05),
        epochs=epochs,
        progress=False,
        callbacks=[stop],
    )


def test_an_interrupted_history_says_after_which_epoch_of_how_many() -> None:
    history = train(10, stop_after=3)
    assert history.interrupted and history.planned_epochs == 10 and len(history) == 3
    assert history.outcome == "interrupted after epoch 3 of 10"
    assert history.to_dict()["outcome"] == "interrupted after epoch 3 of 10"
    assert history.to_dict()["planned_epochs"] == 10


def test_a_completed_history_says_so() -> None:
    history = train(4)
    assert history.outcome == "completed 4 epochs" and history.planned_epochs == 4


def test_outcome_before_any_epoch_and_without_a_plan() -> None:
    h = optim.History(stop_reason="interrupted", planned_epochs=5)
    assert h.outcome == "interrupted after epoch 0 of 5"
    assert optim.History(stop_reason="converged").outcome == "converged after epoch 0"


def test_plot_without_matplotlib_names_the_package_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import raises ImportError
    with pytest.raises(ImportError) as info:
        train(1).plot(tmp_path / "h.png")
    message = str(info.value)
    assert "pip install matplotlib" in message and "[examples]" not in message
