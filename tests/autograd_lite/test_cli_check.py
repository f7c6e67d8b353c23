"""The command line's derivatives as formulas (``graph --symbolic``) and ``check``: the table,
the exit status (0 all agree, 1 one differs, 2 refused) and every refusal as one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite.cli import main

EXAMPLE = ["x*sin(y) + exp(x)", "--grad", "x=sin(y) + exp(x)", "--grad", "y=x*cos(y)"]


def refusal(capsys: pytest.CaptureFixture[str]) -> str:
    """The one line a refusal prints on stderr (and nothing on stdout)."""
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("autograd-lite: error: "), captured.err
    return lines[0]


# --- graph --symbolic -------------------------------------------------------------------------


def test_symbolic_prints_each_derivative_as_a_formula_beside_its_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["graph", "x*sin(y) + exp(x)", "--at", "x=2", "y=3", "--symbolic"])
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert "∂out/∂x = sin(y) + exp(x) = 7.53017610699" in lines
    assert "∂out/∂y = x·cos(y) = -1.9799849932" in lines
    assert lines[1].split() == ["variable", "value", "gradient"]  # the table is still there


def test_symbolic_adds_sympys_simplification_when_it_is_installed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("sympy")
    assert main(["graph", "x*x + x*sin(x)", "--at", "x=2", "--symbolic"]) == 0
    out = capsys.readouterr().out
    assert "∂out/∂x = x + x + sin(x) + x·cos(x) = " in out
    assert "= x*cos(x) + 2*x + sin(x)   (SymPy)" in out


def test_symbolic_without_sympy_prints_the_chain_rules_formula(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sympy", None)
    assert main(["graph", "x*x + x*sin(x)", "--at", "x=2", "--symbolic"]) == 0
    out = capsys.readouterr().out
    assert "∂out/∂x = x + x + sin(x) + x·cos(x) = " in out and "SymPy" not in out


def test_symbolic_with_explain_writes_the_formulas_in_its_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(["graph", "tanh(w*x + b)", "--at", "w=2", "x=0.5", "b=-1", "--explain", "--symbolic"])
        == 0
    )
    out = capsys.readouterr().out
    assert "= (1 − tanh(w·x + b)·tanh(w·x + b))·x" in out
    assert out.count("= 1 − tanh(w·x + b)·tanh(w·x + b)") == 1  # ∂out/∂b


def test_symbolic_refuses_a_graph_too_large_to_write(capsys: pytest.CaptureFixture[str]) -> None:
    expression = "*".join(["x"] * 600)
    assert main(["graph", expression, "--at", "x=1", "--symbolic"]) == 2
    line = refusal(capsys)
    assert "the graph differentiated has 600 Values, too many to write as formulas" in line
    assert main(["graph", expression, "--at", "x=1"]) == 0  # without --symbolic it is fine


# --- check ------------------------------------------------------------------------------------


def test_check_prints_the_table_and_exits_0_when_all_agree(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", *EXAMPLE]) == 0
    out = capsys.readouterr().out
    assert out.startswith("∂f/∂x, ∂f/∂y at 20 random points in [−2, 2], seed 0;")
    assert out.count("✔") == 41
    assert out.rstrip().endswith("✔ all 40 partial derivatives agree with the engine's.")


def test_check_exits_1_and_names_the_first_disagreement(
    capsys: pytest.CaptureFixture[str],
) -> None:
    wrong = ["x*sin(y) + exp(x)", "--grad", "x=sin(y)", "y=x*cos(y)"]
    assert main(["check", *wrong, "--at", "x=2", "y=3", "--at", "x=0.5", "y=-1.2"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("∂f/∂x, ∂f/∂y at 2 given points;")
    assert "✘ 2 of 4 disagree. The first: ∂f/∂x at x = 2, y = 3: the engine gives 7.53018, " in out


def test_check_options_reach_the_points(capsys: pytest.CaptureFixture[str]) -> None:
    options = ["--samples", "4", "--seed", "7", "--low", "0.5", "--high", "1"]
    assert main(["check", "log(x)", "--grad", "x=1/x", *options]) == 0
    out = capsys.readouterr().out
    assert "∂f/∂x at 4 random points in [0.5, 1], seed 7;" in out
    assert main(["check", "x*x", "--grad", "x=2.0000001*x", "--rtol", "1e-9", "--at", "x=1"]) == 1
    capsys.readouterr()
    assert main(["check", "x*x", "--grad", "x=2.0000001*x", "--rtol", "1e-6", "--at", "x=1"]) == 0


REFUSED = [
    (["x*y", "--grad", "x=y"], "no --grad for y: give your ∂/∂y as --grad y=EXPR"),
    (["x*y", "--grad", "x=y", "y=x", "z=1"], "--grad 'z=1': z is not a variable of the expression"),
    (["x*y", "--grad", "x=y", "x=y", "y=x"], "--grad 'x=y': this variable is given twice"),
    (["x*y", "--grad", "x", "y=x"], "--grad 'x': expected NAME=EXPR with NAME a variable"),
    (["x*y", "--grad", "x=w", "y=x"], "--grad 'x=w': w is not a variable of the expression"),
    (["x*y", "--grad", "x=y.real", "y=x"], "--grad x: not allowed: attribute access"),
    (["x*y", "--grad", "x=(", "y=x"], "--grad x: '(' is not a valid expression"),
    (["x.y", "--grad", "x=1"], "the expression: not allowed: attribute access in 'x.y'; see"),
    (["x*y", "--grad", "x=y", "y=x", "--at", "x=1"], "--at 'x=1': no value for y; each --at is"),
    (["x*y", "--grad", "x=y", "y=x", "--at", "x=1", "y=2", "z=3"], "--at z=...: z is not a var"),
    (["x*y", "--grad", "x=y", "y=x", "--at", "x=1", "y=inf"], "the value must be a finite number"),
    (["x*y", "--grad", "x=y", "y=x", "--samples", "0"], "samples): expected an integer ≥ 1"),
    (["x*y", "--grad", "x=y", "y=x", "--low", "1", "--high", "0"], "low must be < high"),
    (["log(x)", "--grad", "x=1/x", "--low", "-2", "--high", "-1"], "outside its domain at 1,000"),
    (["x*x", "--grad", "x=log(x)", "--at", "x=-1"], "your ∂f/∂x raised DomainError at x = -1.0"),
    (["x*y", "--grad", "x=y", "y=x", "--samples", "two"], "invalid int value: 'two'"),
]


@pytest.mark.parametrize(("arguments", "message"), REFUSED)
def test_check_refuses_bad_input_in_one_line_with_exit_2(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", *arguments]) == 2
    assert message in refusal(capsys)


def test_nothing_but_the_expression_language_is_evaluated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    touch = tmp_path / "pwned"
    attacks = [
        ["x", "--grad", f"x=__import__('os').system('touch {touch}')"],
        [f"__import__('os').system('touch {touch}') + x", "--grad", "x=1"],
        ["x", "--grad", "x=(lambda: 1)()"],
    ]
    for arguments in attacks:
        assert main(["check", *arguments]) == 2
        assert "not allowed" in refusal(capsys)
    assert not touch.exists()


def test_check_in_a_real_process(tmp_path: Path) -> None:
    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "autograd_lite", "check", *argv],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
            timeout=120,
            check=False,
        )

    agree, differ = run(*EXAMPLE, "--samples", "2"), run("x*x", "--grad", "x=x", "--samples", "2")
    refused = run("x*x", "--grad", "y=x")
    assert (agree.returncode, differ.returncode, refused.returncode) == (0, 1, 2)
    assert "Traceback" not in agree.stderr + differ.stderr + refused.stderr
    assert refused.stdout == "" and refused.stderr.count("\n") == 1
    help_text = run("--help").stdout
    assert "--grad NAME=EXPR" in help_text and "exit status: 0 every partial agrees" in help_text
