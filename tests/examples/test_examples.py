"""Smoke tests of examples/: each runs as a user runs it, on small sizes, into a temporary folder.

Each test checks the pictures exist as real PNG (or SVG) files and that the printed results say
what the example is for: the engine agrees with the formulas, the networks learn, Newton needs
few iterations, the sigmoid's gradients vanish.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = [
    "demo.py",
    "four_points.py",
    "perceptron.py",
    "shallow_network.py",
    "moons.py",
    "iris.py",
    "newton.py",
    "forward_reverse.py",
    "vanishing_gradients.py",
]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

pytest.importorskip("matplotlib")  # the examples extra


def run(script: str, out: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run ``python examples/<script> --out <out> <args>`` and return what it printed."""
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--out", str(out), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def assert_png(path: Path) -> None:
    assert path.is_file(), f"{path} was not written"
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 5_000, f"{path} is not a real picture"


def number_after(pattern: str, text: str) -> float:
    match = re.search(pattern + r"\s*(-?[\d.]+(?:e[-+]?\d+)?)", text)
    assert match, f"no {pattern!r} in:\n{text}"
    return float(match.group(1))


@pytest.mark.parametrize("script", SCRIPTS)
def test_help(script: str) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:")
    assert "--out" in result.stdout and "(default: out)" in result.stdout


def test_four_points(tmp_path: Path) -> None:
    out = run("four_points.py", tmp_path, "--steps", "5", "--exact-steps", "3", "--grid", "20")
    assert_png(tmp_path / "four_points.png")
    start = number_after(r"E\(w⁰\) =", out)
    assert start == pytest.approx(2.6808, abs=1e-4)
    for method in ("GD, fixed step", "GD, exact line search", "SGD, γₖ", "mini-batch SGD"):
        row = next(line for line in out.splitlines() if line.startswith(method))
        error = float(row.split()[-2])
        assert error < start, row  # every method has gone downhill from w⁰


def test_perceptron_is_sgd_beside_gradient_descent(tmp_path: Path) -> None:
    args = ("--epochs", "6", "--points", "12", "--show", "3", "--steps", "40")
    out = run("perceptron.py", tmp_path, *args, "--exact-steps", "8")
    for name in ("boundaries", "mistakes", "rates"):
        assert_png(tmp_path / f"perceptron_{name}.png")
    # The example exits with an error if SGD on the loss leaves the rule's iterates.
    assert out.count("gives the rule's iterates, bit for bit") == 2
    sections = out.split("\n\n")
    four = next(s for s in sections if s.startswith("the notes' four points"))
    rows = [line.split() for line in four.splitlines()[2:5]]
    # From w = 0 the first point is a tie, a mistake: w ← w + y·x = (−3, −3); the rule and SGD
    # print the same w at every step.
    assert rows[0][:5] == ["1", "1", "0", "(-3,", "-3)"]
    assert all(row[3:5] == row[5:7] for row in rows)
    assert "perceptron rule                      2 0 0 0 0 0  (none from epoch 2 on)" in four
    assert "ends its first epoch at w = (0, 0)" in out  # relu's ReLU′(0) = 0: never moves
    for method in ("GD, fixed step", "GD, exact line search", "SGD, γₖ", "mini-batch SGD"):
        row = next(line for line in out.splitlines() if line.lstrip().startswith(method))
        assert re.search(r"≈ C·k\^−\d+\.\d\d over the last decade", row), row
        assert number_after("E − E\\* =", row) < 2.6808  # below E(w⁰)


def without_dot(tmp_path: Path) -> dict[str, str]:
    """The environment with PATH an empty folder: no dot (python is run by absolute path)."""
    (tmp_path / "bin").mkdir()
    return {**os.environ, "PATH": str(tmp_path / "bin")}


def test_shallow_network_without_dot_prints_its_tables_and_a_note(tmp_path: Path) -> None:
    out = run("shallow_network.py", tmp_path / "out", env=without_dot(tmp_path))
    assert len(re.findall("largest [|]engine − formulas[|] per layer", out)) == 2
    notes = [line for line in out.splitlines() if "Graphviz" in line]
    assert len(notes) == 1 and "apt-get install graphviz, or make dot" in notes[0], out
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_shallow_network(tmp_path: Path) -> None:
    out = run("shallow_network.py", tmp_path)
    for name in ("shallow_network_graph.png", "shallow_network_grads.png"):
        assert_png(tmp_path / name)
    assert (tmp_path / "shallow_network_graph.svg").read_text().lstrip().startswith("<?xml")
    lines = [line for line in out.splitlines() if "largest |engine − formulas| per layer" in line]
    assert len(lines) == 2  # classification and regression
    for line in lines:
        differences = [float(d) for d in line.split(":")[1].split(",")]
        assert len(differences) == 2 and max(differences) <= 1e-12
    page = (tmp_path / "shallow_network_explain.html").read_text(encoding="utf-8")
    for name in ("a1[1]", "z1[3]", "a2[3]", "W2[1,3]", "b1[2]", "x[1]"):
        assert f">{name}</text>" in page, name  # each box named as in the notes
    # One convention in the printout and the picture: the class counts from 1, as f[k] does.
    y = int(re.findall(r"−log f\[(\d)\] for x = .*, class y = (\d) of 3 \(from 1\)", out)[0][0])
    assert f"class y = {y} of 3" in out and f">f[{y}]</text>" in page
    lines = re.findall(r"<li>(ḡ\([^<]*)</li>", page)
    first = {
        h: next(i for i, line in enumerate(lines) if line.startswith(f"ḡ(a{h}[")) for h in "12"
    }
    assert first["2"] < first["1"]  # δ⁽²⁾ arrives first, δ⁽¹⁾ is assembled from it
    deltas = [line for line in out.splitlines() if line.strip().startswith("δ⁽")]
    assert len(deltas) == 2
    for line in deltas:
        ours, theirs = re.findall(r"\[([^]]*)\]", line)
        assert [float(v) for v in ours.split()] == pytest.approx([float(v) for v in theirs.split()])


def test_moons_learns(tmp_path: Path) -> None:
    args = ("--samples", "40", "--epochs", "30", "--hidden", "8", "--grid", "20")
    out = run("moons.py", tmp_path, *args)
    assert_png(tmp_path / "moons_boundary.png")
    assert_png(tmp_path / "moons_loss.png")
    start = number_after("training objective:", out)
    end = number_after("at the start,", out)
    assert end < 0.5 * start
    assert number_after("training accuracy:", out) >= 85.0


DEMO_ARGS = ("--samples", "20", "--epochs", "5", "--hidden", "4")


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_demo_runs_the_moons_example_and_draws_the_network(tmp_path: Path) -> None:
    out = run("demo.py", tmp_path, *DEMO_ARGS)
    assert "two moons: 20 points" in out
    assert re.search(r"^fit\(\.\.\., compile=True\): .*: \d+\.\d\d s$", out, re.MULTILINE), out
    assert "eagerly" not in out
    pictures = ["moons_boundary.png", "moons_loss.png", "moons_network.svg", "moons_network.png"]
    assert "pictures: " + ", ".join(str(tmp_path / name) for name in pictures) in out
    assert_png(tmp_path / "moons_boundary.png")
    assert_png(tmp_path / "moons_network.png")
    svg = (tmp_path / "moons_network.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "hidden layer 1" in svg
    assert "Graphviz" not in out  # no note when dot is there


def test_demo_eager_trains_the_same_network_both_ways_and_prints_both_times(
    tmp_path: Path,
) -> None:
    out = run("demo.py", tmp_path / "out", *DEMO_ARGS, "--eager", env=without_dot(tmp_path))
    compiled = number_after(r"replayed on NumPy arrays:", out)
    eager = number_after(r"built each epoch:", out)
    assert compiled > 0 and eager > 0  # times on a shared machine: only that both are printed
    assert number_after(r"× the compiled run's", out) == pytest.approx(compiled, abs=0.01)
    assert number_after("differ by at most", out) <= 1e-10  # the same network, trained twice
    assert number_after("training accuracy:", out) > 0
    assert_png(tmp_path / "out" / "moons_boundary.png")


def test_demo_runs_without_dot_and_says_how_to_get_the_picture(tmp_path: Path) -> None:
    out = run("demo.py", tmp_path / "out", *DEMO_ARGS, env=without_dot(tmp_path))
    notes = [line for line in out.splitlines() if "Graphviz" in line]
    assert len(notes) == 1, out
    assert "moons_network.svg" in notes[0] and "apt-get install graphviz" in notes[0]
    assert "make dot" in notes[0]
    pictures = ["moons_boundary.png", "moons_loss.png"]
    assert "pictures: " + ", ".join(str(tmp_path / "out" / name) for name in pictures) + "\n" in out
    assert_png(tmp_path / "out" / "moons_boundary.png")
    assert not list((tmp_path / "out").glob("moons_network*"))


def test_iris_reaches_90_percent_on_the_test_set(tmp_path: Path) -> None:
    out = run("iris.py", tmp_path)
    assert "150 flowers: 50 setosa, 50 versicolor, 50 virginica" in out
    assert "sepal length 5.843, sepal width 3.057, petal length 3.758, petal width 1.199" in out
    assert "120 to train, 30 to test" in out
    assert number_after("test accuracy:", out) >= 90.0
    lines = out.splitlines()
    header = lines.index(
        "confusion matrix on the test set (rows: true species, columns: predicted):"
    )
    matrix = np.array(
        [[int(n) for n in line.split()[1:]] for line in lines[header + 2 : header + 5]]
    )
    assert matrix.sum(axis=1).tolist() == [10, 10, 10]
    assert_png(tmp_path / "iris_confusion.png")
    assert_png(tmp_path / "iris_training.png")


def test_newton_needs_few_iterations(tmp_path: Path) -> None:
    out = run("newton.py", tmp_path, "--max-iter", "200", "--grid", "30")
    assert number_after("largest difference:", out) == 0.0  # Hessian: engine = formula
    assert number_after("Newton", out) <= 10
    assert number_after("GD, exact line search", out) == 200  # still zigzagging
    assert_png(tmp_path / "newton.png")


def test_newton_replays_gradient_descent_on_a_traced_tape_bit_for_bit(tmp_path: Path) -> None:
    args = ("--max-iter", "300", "--grid", "20")
    plain = run("newton.py", tmp_path, *args)
    traced = run("newton.py", tmp_path, *args, "--trace")
    assert "traced tape" not in plain
    header = (
        "the same runs on a traced tape, trace(lambda: rosenbrock(w)), replayed by each closure:"
    )
    before, section = traced.split(header + "\n")
    rows, picture = section.splitlines()[:2], section.splitlines()[2:]
    assert before + "\n".join(picture) + "\n" == plain  # the rest of the output is unchanged
    for row, method in zip(rows, ("GD, exact line search", "GD, Armijo backtracking")):
        # The example compares the iterates' bytes and exits with an error when they differ.
        assert row.lstrip().startswith(method), row
        assert "300 iterations, the same iterates bit for bit: eager " in row, row
        assert re.search(r"replay \d+\.\d\d s, \d+\.\d× faster$", row), row


def test_forward_reverse_times_both_jacobians_at_every_shape(tmp_path: Path) -> None:
    # Timings on a shared machine prove nothing at this size: only the table's shape, the two
    # modes' agreement and the picture are checked.
    out = run("forward_reverse.py", tmp_path, "--total", "6", "--depth", "5", "--repeats", "1")
    lines = out.splitlines()
    assert lines[0] == "full Jacobian of f: ℝⁿ → ℝᵐ, n + m = 6, a chain 5 deep"
    rows = [line.split() for line in lines[2:5]]
    assert [(row[0], row[1]) for row in rows] == [("1", "5"), ("3", "3"), ("5", "1")]
    assert all(row[4] in ("forward", "reverse") for row in rows)
    assert lines[5].startswith("tall (n = 1, m = 5): forward ")
    assert lines[6].startswith("wide (n = 5, m = 1): forward ")
    assert lines[7].startswith("crossover: ")
    assert number_after(r"largest \|J_forward − J_reverse\|:", out) <= 1e-12
    assert_png(tmp_path / "forward_reverse.png")


def test_vanishing_gradients(tmp_path: Path) -> None:
    out = run("vanishing_gradients.py", tmp_path, "--depth", "8", "--width", "8", "--samples", "4")
    first_ratios = next(line for line in out.splitlines() if line.startswith("first layer"))
    assert number_after("sigmoid", first_ratios) < 1e-3  # vanishes towards the input
    assert 0.1 < number_after("tanh", first_ratios) < 10.0  # Glorot keeps tanh level
    assert_png(tmp_path / "vanishing_gradients.png")


# --- The shared data helpers ----------------------------------------------------------------------


@pytest.fixture
def datasets() -> ModuleType:
    return importlib.import_module("examples._data")


def test_make_moons(datasets: ModuleType) -> None:
    X, y = datasets.make_moons(101, noise=0.0, seed=3)
    assert X.shape == (101, 2) and sorted(set(y.tolist())) == [-1.0, 1.0]
    assert (y == -1.0).sum() == 51
    # Without noise the upper moon lies on the unit circle, the lower on one around (1, ½).
    upper, lower = X[y == -1.0], X[y == 1.0]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    again, _ = datasets.make_moons(101, noise=0.1, seed=3)
    np.testing.assert_array_equal(again, datasets.make_moons(101, noise=0.1, seed=3)[0])


def test_load_iris_and_the_split(datasets: ModuleType) -> None:
    X, y = datasets.load_iris()
    assert X.shape == (150, 4) and np.bincount(y).tolist() == [50, 50, 50]
    np.testing.assert_allclose(X.mean(axis=0), [5.843, 3.057, 3.758, 1.199], atol=5e-4)
    # Published per-species means (Fisher 1936): setosa and virginica.
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [5.006, 3.428, 1.462, 0.246], atol=5e-4)
    np.testing.assert_allclose(X[y == 2].mean(axis=0), [6.588, 2.974, 5.552, 2.026], atol=5e-4)
    train, test = datasets.stratified_split(y, every=5)
    assert len(train) == 120 and np.bincount(y[test]).tolist() == [10, 10, 10]
    assert not set(train.tolist()) & set(test.tolist())


def test_load_iris_rejects_a_wrong_file(datasets: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "iris.csv"
    lines = datasets.IRIS_CSV.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")  # one virginica short
    with pytest.raises(ValueError, match="50 per species"):
        datasets.load_iris(path)
    path.write_text("\n".join([*lines[:-1], lines[-1].replace("virginica", "rose")]) + "\n")
    with pytest.raises(ValueError, match="unknown species 'rose'"):
        datasets.load_iris(path)


def test_digits_trains_with_a_traced_sample(tmp_path: Path) -> None:
    # Tiny sizes: 300 images, 10 epochs. The full run (docs/tutorials/digits.md) reaches 97%.
    out = run("digits.py", tmp_path, "--limit", "300", "--epochs", "10", "--hidden", "16")
    assert "digits: 300 images of 8×8 pixels; 236 to train, 64 to test" in out
    assert number_after("test accuracy:", out) >= 60.0  # far above chance (10%)
    assert "completed 10 epochs" in out and "s eagerly" in out
    lines = out.splitlines()
    header = lines.index("confusion matrix on the test set (rows: true digit, columns: predicted):")
    matrix = [[int(n) for n in line.split()[1:]] for line in lines[header + 2 : header + 12]]
    assert sum(map(sum, matrix)) == 64
    assert all((tmp_path / f"digits_{name}.png").exists() for name in ("confusion", "training"))


def test_load_digits(datasets: ModuleType) -> None:
    X, y = datasets.load_digits()
    assert X.shape == (1797, 64) and X.min() == 0 and X.max() == 16
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
