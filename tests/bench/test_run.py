"""Smoke tests: the benchmark and its phase profile run with tiny sizes; nothing is timed."""

import subprocess
import sys
from pathlib import Path

from tests.project.test_history_wording import HISTORY

ROOT = Path(__file__).resolve().parents[2]


def test_quick_benchmark_runs_and_writes_its_table(tmp_path: Path) -> None:
    out = tmp_path / "new folder" / "RESULTS.md"  # made by the writer
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = out.read_text(encoding="utf-8")
    assert "| moons step | autograd-lite (micrograd's graph) |" in report
    assert "| moons step | NumPy, hand-written matrices |" in report
    assert "| moons step | minimal slotted tape (yardstick, bench/tape.py) |" in report
    assert "| chain N=1,000 | autograd-lite |" in report
    assert "| moons step | autograd-lite, traced (micrograd's graph) |" in report
    assert "| moons step | autograd-lite, traced (nn.MLP) |" in report
    assert "| moons: trace + code generation | autograd-lite (micrograd's graph) |" in report
    assert "| moons: trace + code generation | autograd-lite (nn.MLP) |" in report
    assert "| chain N=1,000 | autograd-lite, traced (f.grad replayed) |" in report
    for target in (
        "moons, micrograd's graph, traced: the step",
        "moons, nn.MLP, traced: the step",
        "moons, micrograd's graph: trace + code generation",
        "paid back in",
        "chain N=1,000 replayed:",
    ):
        assert target in report
    assert "≤ 1/15" not in report.split("## Targets")[1].split("## Eager")[0]  # not a target
    assert "- moons step, micrograd's graph: eager" in report  # eager against the minimal tape
    assert "bytes per link" in report
    assert "met: the chain graph is freed by reference counting" in report
    # The report speaks of the benchmark, not of how it came to be.
    assert not HISTORY.search(report), HISTORY.search(report)
    assert [p.name for p in out.parent.iterdir()] == ["RESULTS.md"]  # no temporary left


def test_quick_phase_profile_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.phases", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for phase in ("build the graph", "topological sort", "free the graph", "the collector"):
        assert phase in result.stdout
