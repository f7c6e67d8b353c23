"""fit's progress bar: 80 columns, a stable width, the notebook widget, quiet in pipes."""

from __future__ import annotations

import io
import os
import re
import struct
import sys
import types
from typing import Any

import pytest
from tqdm import std

import optim
import optim.progress as progress
from tests.optim.models import Line

EPOCHS = [
    (0, None, None, None),
    (1, 0.69314, 0.5, 1.0),
    (7, -12.5, 3.25e-7, 0.1),
    (42, 1.5e-300, float("inf"), 1e150),
    (99, float("nan"), 123456.0, 2.0**-1074),
    (100, 1e-3, 0.0, 1e-3),
]


def render(n: int, loss: Any, grad: Any, step: Any, seconds_per_epoch: float = 37.25) -> str:
    total = 100
    return std.tqdm.format_meter(
        n,
        total,
        seconds_per_epoch * n,  # 37.25 s: past an hour, elapsed becomes H:MM:SS
        ncols=80,
        prefix="fit",
        bar_format=progress.bar_format(total),
        postfix=progress.statistics(loss, grad, step),
    )


def bar_of(line: str) -> str:
    return line.split("|")[1]


def test_the_bar_fits_80_columns_keeps_a_real_bar_and_its_statistics_whole() -> None:
    for n, loss, grad, step in EPOCHS:
        line = render(n, loss, grad, step)
        assert std.disp_len(line) == 80, line
        assert len(bar_of(line)) >= 10, line  # the old bar collapsed to one character
        assert line.endswith(progress.statistics(loss, grad, step)), line
        assert f"{n:3d}/100" in line


def test_the_bar_keeps_its_width_while_the_numbers_change() -> None:
    # below an hour elapsed and remaining are MM:SS; everything else has fixed widths
    widths = {len(bar_of(render(*epoch, seconds_per_epoch=3.0))) for epoch in EPOCHS}
    assert len(widths) == 1, widths
    statistics = {len(progress.statistics(*e[1:])) for e in EPOCHS}
    assert len(statistics) == 1


def test_fixed_keeps_its_width_for_three_digit_exponents() -> None:
    assert progress.fixed(-1e-300, 2, 9) == "-1.0e-300"
    assert progress.fixed(1.0, 2, 9) == " 1.00e+00"
    assert progress.fixed(-1.5e300, 1, 7) == "-2e+300"
    assert progress.fixed(float("inf"), 1, 7) == "    inf"


def run_fit(epochs: int = 5) -> optim.History:
    model = Line()
    return optim.fit(
        model,
        [1.0, 2.0],
        [2.0, 4.0],
        loss=lambda out, y: (out - y) ** 2,
        optimizer=optim.SGD(model.parameters(), lr=0.05),
        epochs=epochs,
    )


def test_fit_draws_a_readable_bar_on_an_80_column_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    pty = pytest.importorskip("pty")
    fcntl = pytest.importorskip("fcntl")
    termios = pytest.importorskip("termios")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    terminal = os.fdopen(slave, "w", encoding="utf-8", buffering=1)
    monkeypatch.setattr(sys, "stderr", terminal)
    try:
        history = run_fit(12)
        terminal.flush()
        os.set_blocking(master, False)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        terminal.close()
        os.close(master)
    assert len(history) == 12
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", b"".join(chunks).decode("utf-8"))
    lines = [line for line in re.split(r"[\r\n]+", text) if line.strip()]
    assert lines and any("12/12" in line for line in lines), text
    for line in lines:
        assert std.disp_len(line) <= 80, line
        assert len(bar_of(line)) >= 10, line
        assert re.search(r"loss +\S+ grad +\S+ step +\S+$", line), line


def test_fit_is_quiet_in_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = io.StringIO()  # not a terminal
    monkeypatch.setattr(sys, "stderr", pipe)
    run_fit()
    assert pipe.getvalue() == ""


def fake_kernel(monkeypatch: pytest.MonkeyPatch, *, widgets: bool) -> None:
    shell = types.SimpleNamespace(config={"IPKernelApp": {}})
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    real = progress.importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        if name == "ipywidgets":
            return object() if widgets else None
        return real(name, *args)

    monkeypatch.setattr(progress.importlib.util, "find_spec", find_spec)


def test_in_notebook_needs_a_kernel_and_ipywidgets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not progress.in_notebook()
    terminal_shell = types.SimpleNamespace(config={"TerminalIPythonApp": {}})
    monkeypatch.setitem(
        sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: terminal_shell)
    )
    assert not progress.in_notebook()  # the IPython terminal keeps the terminal bar
    fake_kernel(monkeypatch, widgets=False)
    assert not progress.in_notebook()  # no widgets: fall back
    fake_kernel(monkeypatch, widgets=True)
    assert progress.in_notebook()


def test_in_a_notebook_fit_uses_the_notebook_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    import tqdm.notebook

    made: list[dict[str, Any]] = []

    class Widget(std.tqdm):  # type: ignore[type-arg]
        def __init__(self, **kwargs: Any) -> None:
            made.append(kwargs)
            super().__init__(**kwargs, disable=True)

    fake_kernel(monkeypatch, widgets=True)
    monkeypatch.setattr(tqdm.notebook, "tqdm", Widget)
    run_fit(3)
    assert len(made) == 1 and made[0]["total"] == 3
    made.clear()
    model = Line()
    optim.fit(  # progress=False stays off in a notebook too
        model,
        [1.0],
        [2.0],
        loss=lambda out, y: (out - y) ** 2,
        optimizer=optim.SGD(model.parameters(), lr=0.05),
        epochs=2,
        progress=False,
    )
    assert made == []
