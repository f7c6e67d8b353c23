"""The command line: the neuron example, and hostile expressions refused without running them."""

from __future__ import annotations

import keyword
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograd_lite.cli import main, parse_expression

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


def test_help_documents_the_grammar(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--help"]) == 0
    text = capsys.readouterr().out
    for word in ("expr :=", "+  -  *  /  **", "exp log sqrt tanh sigmoid relu sin cos", "--at"):
        assert word in text


def test_constants_fold_and_unary_minus_works(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--at", "x=2", "--", "-x**2 / 2**2 + abs(-1)"]) == 0
    rows = table(capsys.readouterr().out)
    assert rows["x"][0] == 2.0
    assert rows["x"][1] == pytest.approx(-1.0)  # d/dx (−x²/4 + 1) = −x/2


# Each would do something if it were evaluated. `touch` names the file that appears if it runs.
HOSTILE = [
    ("__import__('os').system('touch {touch}')", "calls of anything but a function name"),
    ("open('{touch}', 'w')", "calls of open"),
    ("exec(\"open('{touch}','w')\")", "calls of exec"),
    ("eval('1')", "calls of eval"),
    ("__import__", "unknown variable '__import__'"),
    ("x.__class__", "attribute access"),
    ("x.__class__.__mro__[-1].__subclasses__()", "calls of anything but a function name"),
    ("exp.__globals__", "attribute access"),
    ("x[0]", "subscripts"),
    ("lambda: open('{touch}', 'w')", "lambda"),
    ("[open('{touch}', 'w') for _ in [1]]", "comprehensions"),
    ("{{k: 1 for k in x}}", "comprehensions"),
    ("(open('{touch}', 'w') for _ in x)", "generator expressions"),
    ("'{touch}'", "strings"),
    ("b'abc'", "strings"),
    ("f'{{x}}'", "f-strings"),
    ("(y := x)", "assignment expressions"),
    ("exp(x=1)", "keyword arguments"),
    ("exp(*[x])", "starred arguments"),
    ("print(x)", "calls of print"),
    ("getattr(x, 'data')", "calls of getattr"),
    ("(exp)(x)(x)", "calls of anything but a function name"),
    ("x if x else x", "conditional expressions"),
    ("x < 1", "comparisons"),
    ("x and x", "and/or"),
    ("not x", "the operator not"),
    ("~x", "the operator ~"),
    ("x // 2", "the operator //"),
    ("x % 2", "the operator %"),
    ("x ^ 2", "write powers as **"),
    ("(x, x)", "tuples"),
    ("[x]", "lists"),
    ("True + x", "bool"),
    ("None", "NoneType"),
    ("1j * x", "complex"),
    ("...", "ellipsis"),
    ("9**9**9", "overflows a float"),
    ("x * 9**9**9", "overflows a float"),
    ("2.0**10000 * x", "overflows a float"),
    ("1e999 * x", "numbers too large for a float"),
    ("1" + "0" * 400 + " * x", "numbers too large for a float"),
    ("1" * 5000 + " * x", "Exceeds the limit (4300 digits)"),
    ("(" * 300 + "x" + ")" * 300, "too many nested parentheses"),
    ("x +", "not a valid expression"),
    ("x; open('{touch}', 'w')", "not a valid expression"),
    ("x\nopen('{touch}', 'w')", "not a valid expression"),
    ("x + " * 3000 + "x", "the limit is 10,000"),
    ("exp", "exp is a function"),
    ("exp(x, x)", "exp with 2 arguments"),
    ("y * x", "unknown variable 'y'"),
    ("log(x - 1)", "log(0.0) is undefined"),
]


@pytest.mark.parametrize(("expression", "message"), HOSTILE)
def test_hostile_expression_is_refused_without_side_effect(
    expression: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
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
    assert message in lines[0]
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


def test_expressions_are_parsed_to_a_tree_and_never_compiled_or_evaluated(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ast
    import builtins

    calls: list[str] = []
    real_compile = builtins.compile

    def forbidden(*args: object, **kwargs: object) -> None:
        calls.append("eval/exec")
        raise AssertionError("eval/exec was called")

    def only_ast(source: str, filename: str, mode: str, flags: int = 0, **options: Any) -> Any:
        # ast.parse compiles with PyCF_ONLY_AST, which builds a tree and runs nothing.
        calls.append("ast" if flags & ast.PyCF_ONLY_AST else "code")
        return real_compile(source, filename, mode, flags, **options)

    with monkeypatch.context() as patch:
        patch.setattr(builtins, "eval", forbidden)
        patch.setattr(builtins, "exec", forbidden)
        patch.setattr(builtins, "compile", only_ast)
        tree = parse_expression("tanh(w*x + b) ** 2 / -3")
        status = main(["graph", "tanh(w*x + b)", "--at", "w=1", "x=2", "b=-2"])
    assert isinstance(tree.body, ast.BinOp)
    assert status == 0, capsys.readouterr().err
    assert calls == ["ast", "ast"]


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


def test_deep_left_nested_sum_is_evaluated_iteratively(capsys: pytest.CaptureFixture[str]) -> None:
    n = 2400  # "x + x + … + x" parses to a left-leaning tree 2,400 levels deep
    status = main(["graph", " + ".join(["x"] * n), "--at", "x=0.5"])
    assert status == 0, capsys.readouterr().err
    rows = table(capsys.readouterr().out)
    assert rows["x"] == (0.5, float(n))
    assert math.isfinite(rows["x"][1])


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


@pytest.mark.parametrize(
    "expression",
    ["**".join(["x"] * 3333), "+".join(["x"] * 4999), "x" + "[0]" * 3000, "-" * 9000 + "x"],
)
def test_unparsable_expression_always_says_why(
    expression: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["graph", "--at", "x=1", "--", expression]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    reason = err.partition("cannot be parsed:")[2].strip()
    assert "cannot be parsed:" not in err or reason, err
    assert "nested too deeply" in err


def test_unused_variable_check_walks_the_tree_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ast
    import itertools
    import string

    names = [
        "".join(p)
        for p in itertools.product(string.ascii_letters, repeat=2)
        if not keyword.iskeyword("".join(p))  # as, if, in, is, or
    ][:300]
    expression = "+".join(names)
    visits = 0
    real = ast.iter_child_nodes

    def counting(node: ast.AST) -> Any:
        nonlocal visits
        visits += 1
        return real(node)

    monkeypatch.setattr(ast, "iter_child_nodes", counting)
    assert main(["graph", expression, "--at", *(f"{n}=1" for n in names)]) == 0
    capsys.readouterr()
    nodes = sum(1 for _ in ast.walk(ast.parse(expression, mode="eval")))
    visits_per_node = visits / nodes
    # Checking, evaluating and the unused-variable check each visit a node a few times; one
    # walk per variable would make this about 300.
    assert visits_per_node < 10


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
