"""The command line: the neuron example, its options, and every refusal as one line, exit 2.

The expression language itself is tested in test_expression.py."""

from __future__ import annotations

import keyword
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite.cli import main
from autograd_lite.expression import FUNCTIONS

NEURON = ["tanh(w1*x1 + w2*x2 + b)", "--at", "x1=2", "x2=0", "w1=-3", "w2=1"]
NEURON += ["b=6.8813735870195432"]
HAS_DOT = shutil.which("dot") is not None


def run(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m autograd_lite ARGV`` in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


def table(stdout: str) -> dict[str, tuple[float, float]]:
    """The variable rows of the printed table: name → (value, gradient)."""
    rows = {}
    for line in stdout.splitlines()[2:]:
        parts = line.split()
        if len(parts) == 3:
            rows[parts[0]] = (float(parts[1]), float(parts[2]))
    return rows


def test_neuron_example_prints_table_and_writes_dot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "neuron.dot"
    assert main(["graph", *NEURON, "-o", str(out)]) == 0
    stdout = capsys.readouterr().out
    first = stdout.splitlines()[0]
    assert first.startswith("tanh(w1*x1 + w2*x2 + b) = 0.7071067811")
    rows = table(stdout)
    assert list(rows) == ["x1", "x2", "w1", "w2", "b"]
    expected = {"x1": (2, -1.5), "x2": (0, 0.5), "w1": (-3, 1), "w2": (1, 0), "b": (6.88, 0.5)}
    for name, (value, gradient) in expected.items():
        assert rows[name][0] == pytest.approx(value, abs=0.01)
        assert rows[name][1] == pytest.approx(gradient, abs=1e-9)
    assert f"wrote {out}" in stdout
    source = out.read_text()
    assert source.startswith("digraph computation_graph {")
    assert "{ x1 | data 2 | grad -1.5 }" in source
    assert "{ out | data 0.7071 | grad 1 }" in source


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed (`make dot`)")
def test_neuron_example_writes_svg_from_a_real_process(tmp_path: Path) -> None:
    done = run("graph", *NEURON, "-o", "neuron.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert table(done.stdout)["x1"][1] == pytest.approx(-1.5)
    svg = (tmp_path / "neuron.svg").read_text()
    assert svg.startswith("<?xml") and "<svg" in svg and "grad &#45;1.5" in svg


def test_console_script_runs_main(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("autograd-lite")
    if not script.exists():
        pytest.skip("the project is not installed in this environment (pip install -e .)")
    done = subprocess.run(
        [str(script), "graph", "x*x", "--at", "x=3"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert table(done.stdout) == {"x": (3.0, 6.0)}


def test_options_reach_the_picture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.gv"
    argv = ["graph", "sigmoid(sigmoid(x))", "--at", "x=1", "-o", str(out)]
    assert main([*argv, "--rankdir", "TB", "--color-by-grad", "--no-grad"]) == 0
    source = out.read_text()
    assert "rankdir=TB" in source and "legend" in source and "grad 1" not in source


def test_help_summarises_the_grammar_and_points_to_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--help"]) == 0
    text = capsys.readouterr().out
    for word in (
        "+ - * / **",
        " ".join(FUNCTIONS),
        "--at",
        "python -m pydoc autograd_lite.expression",
    ):
        assert word in text


def test_constants_and_an_expression_after_dashes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--at", "x=2", "--", "-x**2 / 2**2 + abs(-1)"]) == 0
    rows = table(capsys.readouterr().out)
    assert rows["x"][0] == 2.0
    assert rows["x"][1] == pytest.approx(-1.0)  # d/dx (−x²/4 + 1) = −x/2


# One of each way the language or the engine refuses an expression, with the command line's
# pointers added (the whole list of refusals is in test_expression.py).
REFUSED = [
    (
        "open('{touch}', 'w')",
        "not allowed: calls of open",
        "; see --help for the expression grammar",
    ),
    ("x[0]", "not allowed: subscripts in 'x[0]'", "; see --help for the expression grammar"),
    ("y * x", "unknown variable 'y'", ": give its value with --at NAME=VALUE"),
    ("exp", "exp is a function: call it, as in exp(x)", ""),
    ("x; open('{touch}', 'w')", "is not a valid expression: invalid syntax", ""),
    ("(" * 300 + "x" + ")" * 300, "too many nested parentheses", ""),
    ("x + " * 3000 + "x", "characters long; the limit is 10,000", ""),
    ("x * 9**9**9", "pow: 9.0 ** 387420489.0 overflows a float", ""),
    ("log(x - 1)", "log(0.0) is undefined", ""),
]


@pytest.mark.parametrize(("expression", "message", "ending"), REFUSED)
def test_refused_expression_is_one_line_and_exit_2_without_side_effect(
    expression: str,
    message: str,
    ending: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    touch = tmp_path / "pwned"
    picture = tmp_path / "graph.dot"
    source = expression.format(touch=touch)
    status = main(["graph", source, "--at", "x=1", "-o", str(picture)])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("autograd-lite: error: ")
    assert message in lines[0] and lines[0].endswith(ending)
    assert "Traceback" not in captured.err
    assert not touch.exists() and not picture.exists()


def test_refusals_in_a_real_process_have_no_traceback(tmp_path: Path) -> None:
    touch = tmp_path / "pwned"
    for expression in (
        f"__import__('os').system('touch {touch}')",
        "9**9**9",
        "(" * 1000 + "x" + ")" * 1000,
        "-" * 5000 + "x",
    ):
        done = run("graph", "--at", "x=1", "-o", "g.svg", "--", expression, cwd=tmp_path)
        assert done.returncode == 2
        assert done.stdout == ""
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x", "--at", "x"], "--at 'x': expected NAME=VALUE"),
        (["x", "--at", "x=one"], "--at 'x=one': the value is not a number"),
        (["x", "--at", "x=nan"], "the value must be a finite number"),
        (["x", "--at", "1x=2"], "expected NAME=VALUE with NAME a variable name"),
        (["x", "--at", "x=1", "x=2"], "--at 'x=2': this variable is given twice"),
        (["x", "--at", "x=1", "y=2"], "--at 'y': this variable does not appear in the expression"),
        (["x", "--at", "exp=1"], "exp is a function"),
        (["2 + 3"], "has no variables"),
        (["x", "--at", "x=1", "-o", "g.jpeg"], "unknown output format '.jpeg'"),
        (["x*x*x", "--at", "x=1", "-o", "g.dot", "--max-nodes", "2"], "--max-nodes"),
        (["x", "--at", "x=1", "--rankdir", "up"], "invalid choice: 'up'"),
        ([], "the following arguments are required"),
    ],
)
def test_bad_arguments_name_the_culprit(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkey_cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        status = main(["graph", *argv])
    finally:
        os.chdir(monkey_cwd)
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and message in err
    assert list(tmp_path.iterdir()) == []


def test_missing_dot_is_an_environment_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    picture = tmp_path / "g.svg"
    assert main(["graph", "x*x", "--at", "x=3", "-o", str(picture)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "make dot" in err and "apt-get install graphviz" in err
    assert not picture.exists()


LONG = "9" * 100_000
LONG_NAME = "v" * 5000


@pytest.mark.parametrize(
    "argv",
    [
        ["x", "--at", f"x={LONG}"],
        ["x", "--at", f"x=1{LONG}z"],
        ["x", "--at", f"x=1 {LONG_NAME}"],
        ["x", "--at", f"{LONG_NAME}"],
        ["x", "--at", "x=1", f"{LONG_NAME}=2"],
        ["x", "--at", "x=1", "x=2" + "0" * 5000],
        [LONG_NAME, "--at", "x=1"],
        [f"log(x - 1) + {LONG_NAME[:4000]}*0", "--at", "x=1", f"{LONG_NAME[:4000]}=1"],
        ["1 + 2 " * 1500],
        ["x", "--at", "x=1", "-o", "g." + "s" * 5000],
        ["x", "--at", "x=1", "--rankdir", LONG_NAME],
        ["x", "--at", "x=1", "--max-nodes", LONG],
        ["x", "--at", "x=1", LONG_NAME],
    ],
)
def test_error_lines_clip_what_they_echo(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["graph", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("autograd-lite: error: ")
    assert len(err) < 600, err[:300]
    assert len(re.findall("v{20,}", err)) <= 1  # a long name is shown once, not twice


def test_closed_stdout_exits_quietly_with_141(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written, as with `| head -0`
    try:
        done = subprocess.run(
            [sys.executable, "-m", "autograd_lite", "graph", *NEURON],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 141


@pytest.mark.parametrize("expression", ["-x*y", "-y*x", "-(x+y)", "--x*y"])
def test_expression_starting_with_minus_before_dashes_gets_the_hint(
    expression: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["graph", "--at", "x=1", "y=2", expression]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "after '--'" in err
    assert main(["graph", "--at", "x=1", "y=2", "--", expression]) == 0


def test_other_usage_errors_get_no_dash_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--at", "x=1", "--max-nodes", "many"]) == 2
    assert main(["graph", "--at", "x=1", "--max", "many", "x"]) == 2
    assert "after '--'" not in capsys.readouterr().err


def test_unused_variable_check_is_fast_for_thousands_of_variables(tmp_path: Path) -> None:
    import itertools
    import string

    names = [
        "".join(p)
        for p in itertools.product(string.ascii_letters, repeat=2)
        if not keyword.iskeyword("".join(p))  # as, if, in, is, or
    ][:2500]
    # A safety net, not a timing assertion: the quadratic check took about 15 s.
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "graph", "+".join(names), "--at"]
        + [f"{n}=1" for n in names],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_weight_and_bias_names_are_drawn_as_parameters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The command line has only names, so it says which are parameters (as --help tells):
    # the course notes' w, b, w1, b_2, weight, bias; the engine itself guesses nothing.
    from autograd_lite.palette import INPUT, PARAMETER

    out = tmp_path / "g.dot"
    argv = ["graph", "w1*x + b_2*W + weight*bias + wx*bb"]
    argv += ["--at", "w1=1", "x=2", "b_2=3", "W=4", "weight=5", "bias=6", "wx=7", "bb=8"]
    assert main([*argv, "-o", str(out)]) == 0
    capsys.readouterr()
    fills = dict(re.findall(r'label="\{ (\w+) \|[^\]]*fillcolor="([^"]+)"', out.read_text()))
    parameters = {name for name, fill in fills.items() if fill == PARAMETER.fill}
    assert parameters == {"w1", "b_2", "W", "weight", "bias"}
    assert {name for name, fill in fills.items() if fill == INPUT.fill} == {"x", "wx", "bb"}


def test_explain_prints_the_derivation_instead_of_the_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["graph", "x*y + x", "--at", "x=2", "y=3", "--explain"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "v2 = x · y = 6" in lines and "out = v2 + x = 8" in lines
    assert "ḡ(x) += ḡ(v2) · ∂v2/∂x = ḡ(v2) · y = 1 · 3 = 3   (ḡ(x) so far: 4)" in lines
    assert lines[-2:] == ["x                  2  4", "y                  3  2"]


def test_wrt_keeps_only_the_nodes_after_the_variables_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["graph", "x*y + exp(z)", "--at", "x=2", "y=3", "z=0", "--explain", "--wrt", "z"]
    assert main(argv) == 0
    stdout = capsys.readouterr().out
    assert "ḡ(z) += ḡ(v1) · ∂v1/∂z = ḡ(v1) · exp(z) = 1 · 1 = 1" in stdout
    assert "ḡ(x) +=" not in stdout and "Gradients of the chosen nodes" in stdout


@pytest.mark.skipif(not HAS_DOT, reason="needs Graphviz's dot")
def test_an_html_output_is_the_page_to_click_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    assert main(["graph", *NEURON, "-o", str(page)]) == 0
    assert f"wrote {page}" in capsys.readouterr().out
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text and ">Next</button>" in text


def test_a_page_of_more_nodes_than_max_nodes_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    assert main(["graph", *NEURON, "-o", str(page), "--max-nodes", "3"]) == 2
    err = capsys.readouterr().err
    assert "more than max_nodes=3" in err and "--max-nodes" in err
    assert not page.exists()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--wrt", "x"], "--wrt needs --explain or an -o FILE.html"),
        (["--explain", "--wrt", "q"], "--wrt 'q': not a variable given with --at"),
    ],
)
def test_a_bad_wrt_is_refused_in_one_line(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["graph", "x*y", "--at", "x=2", "y=3", *argv]) == 2
    assert words in capsys.readouterr().err
