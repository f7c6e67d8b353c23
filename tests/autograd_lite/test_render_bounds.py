"""``dot`` is bounded: Graphviz's own layout limits in every graph, and a timeout on the process."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from autograd_lite import Value
from autograd_lite.cli import main
from autograd_lite.render import LAYOUT_LIMITS, DotTimeoutError, draw_graph, render_graph

HAS_DOT = shutil.which("dot") is not None


def fan_in(n: int) -> Value:
    """``x + x + … + x`` with ``n`` terms: every op node has an edge from the one leaf."""
    x = Value(1.0, "x")
    total = x
    for _ in range(n - 1):
        total = total + x
    total.backward()
    return total


@pytest.fixture
def hanging_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``dot`` on PATH that never finishes; it writes its pid to the returned file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pid_file = tmp_path / "dot.pid"
    script = bin_dir / "dot"
    script.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 600\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return pid_file


def assert_gone(pid_file: Path) -> None:
    pid = int(pid_file.read_text())
    for _ in range(100):  # reaped by subprocess.run; allow the kernel a moment
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"dot (pid {pid}) is still running")


def test_every_graph_carries_the_layout_limits() -> None:
    source = draw_graph(fan_in(3)).source
    for name, value in LAYOUT_LIMITS.items():
        assert f"{name}={value}" in source


def test_a_dot_past_the_timeout_is_killed_with_a_clear_error(
    hanging_dot: Path, tmp_path: Path
) -> None:
    target = tmp_path / "g.svg"
    with pytest.raises(DotTimeoutError, match=r"within 0\.5 s.*timeout=SECONDS"):
        render_graph(fan_in(3), target, timeout=0.5)
    assert_gone(hanging_dot)
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "dot.pid"]


def test_cli_timeout_is_an_environment_error_naming_the_option(
    hanging_dot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "g.svg"
    assert main(["graph", "x*x", "--at", "x=2", "-o", str(target), "--timeout", "0.5"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--timeout" in err and "0.5 s" in err
    assert_gone(hanging_dot)
    assert not target.exists()


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), True, "60"])
def test_timeout_must_be_a_positive_number(timeout: object, tmp_path: Path) -> None:
    with pytest.raises((TypeError, ValueError), match=r"render_graph\(timeout\)"):
        render_graph(fan_in(2), tmp_path / "g.dot", timeout=timeout)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_a_bad_timeout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert (
        main(["graph", "x*x", "--at", "x=2", "-o", str(tmp_path / "g.dot"), "--timeout", "0"]) == 2
    )
    assert "--timeout" in capsys.readouterr().err


@pytest.mark.skipif(not HAS_DOT, reason="needs Graphviz's dot")
def test_an_80_term_fan_in_lays_out_within_the_limits(tmp_path: Path) -> None:
    # Unbounded, dot took over 100 s on this graph; the timeout is a safety net, not a measure.
    target = render_graph(fan_in(80), tmp_path / "sum.svg", timeout=90)
    svg = target.read_text()
    assert svg.count('class="node"') == 1 + 2 * 79  # x, and an op node and a Value per +
