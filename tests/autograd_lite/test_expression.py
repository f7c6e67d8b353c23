"""The expression language: what it computes, and hostile expressions refused without running."""

from __future__ import annotations

import ast
import builtins
import itertools
import keyword
import string
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import DomainError, Value, expression
from autograd_lite.expression import FUNCTIONS, ExpressionError, evaluate, parse

ROOT = Path(__file__).resolve().parents[2]


def test_an_expression_is_a_graph_of_values() -> None:
    x, y = Value(2.0, "x"), Value(3.0, "y")
    out = evaluate("x*y + exp(x)", {"x": x, "y": y})
    assert isinstance(out, Value)
    out.backward()
    assert out.data == pytest.approx(6 + 7.38905609893065)
    assert (x.grad, y.grad) == (pytest.approx(3 + 7.38905609893065), 2.0)


def test_a_parsed_expression_names_its_variables_and_evaluates_again() -> None:
    parsed = parse("tanh(w*x + b) + exp(w)")
    assert parsed.variables == {"w", "x", "b"}  # tanh and exp are functions, not variables
    first = parsed.evaluate({"w": Value(0.0), "x": Value(1.0), "b": Value(0.0)})
    second = parsed.evaluate({"w": Value(1.0), "x": Value(1.0), "b": Value(-1.0)})
    assert (float(first), float(second)) == (1.0, pytest.approx(2.718281828459045))


def test_constants_fold_and_unary_minus_works() -> None:
    x = Value(2.0, "x")
    out = evaluate("-x**2 / 2**2 + abs(-1)", {"x": x})
    assert isinstance(out, Value)
    out.backward()
    assert out.data == 0.0 and x.grad == pytest.approx(-1.0)  # d/dx (−x²/4 + 1) = −x/2
    half = evaluate("x * (1/2)", {"x": x})
    assert isinstance(half, Value) and half.args == (x, 0.5)  # 1/2 enters as the constant 0.5
    assert evaluate("-2 ** 2 + 1", {}) == -3.0  # numbers only: a float, no graph


# Each would do something if it were evaluated. `touch` names the file that appears if it runs.
# The message is the language's; the command line adds where the grammar and values are given.
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


@pytest.mark.parametrize(("source", "message"), HOSTILE)
def test_hostile_expression_is_refused_without_side_effect(
    source: str, message: str, tmp_path: Path
) -> None:
    touch = tmp_path / "pwned"
    # The language's refusals and the engine's domain errors (float overflow too), nothing else.
    with pytest.raises((ExpressionError, DomainError)) as caught:
        evaluate(source.format(touch=touch), {"x": Value(1.0, "x")})
    text = str(caught.value)
    assert message in text
    assert "\n" not in text and len(text) < 400  # Python's digit-limit message is long
    assert not touch.exists()


@pytest.mark.parametrize(
    ("source", "refused", "unknown"),
    [("x[0]", True, None), ("y * x", False, "y"), ("x +", False, None), ("exp", False, None)],
)
def test_the_error_says_what_kind_of_refusal_it_is(
    source: str, refused: bool, unknown: str | None
) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, {"x": Value(1.0, "x")})
    assert (caught.value.refused, caught.value.unknown) == (refused, unknown)
    assert isinstance(caught.value, ValueError)


def test_expressions_are_parsed_to_a_tree_and_never_compiled_or_evaluated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
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
        parsed = parse("tanh(w*x + b) ** 2 / -3")
        out = evaluate("tanh(w*x + b)", {"w": Value(1.0), "x": Value(2.0), "b": Value(-2.0)})
    assert isinstance(parsed.tree.body, ast.BinOp)
    assert float(out) == 0.0
    assert calls == ["ast", "ast"]


def test_deep_left_nested_sum_is_evaluated_iteratively() -> None:
    n = 2400  # "x + x + … + x" parses to a left-leaning tree 2,400 levels deep
    x = Value(0.5, "x")
    out = evaluate(" + ".join(["x"] * n), {"x": x})
    assert isinstance(out, Value)
    out.backward()
    assert (out.data, x.grad) == (0.5 * n, float(n))


@pytest.mark.parametrize(
    "source",
    ["**".join(["x"] * 3333), "+".join(["x"] * 4999), "x" + "[0]" * 3000, "-" * 9000 + "x"],
)
def test_unparsable_expression_always_says_why(source: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    text = str(caught.value)
    reason = text.partition("cannot be parsed:")[2].strip()
    assert "cannot be parsed:" not in text or reason, text
    assert "nested too deeply" in text


def test_messages_clip_what_they_echo() -> None:
    name = "v" * 5000
    for source in (name, f"{name}[0]", f"({name} +", f"{name}({name})"):
        with pytest.raises(ExpressionError) as caught:
            evaluate(source, {})
        assert len(str(caught.value)) < 300, str(caught.value)[:300]


def test_variables_are_found_in_one_walk_of_the_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    names = [
        "".join(p)
        for p in itertools.product(string.ascii_letters, repeat=2)
        if not keyword.iskeyword("".join(p))  # as, if, in, is, or
    ][:300]
    source = "+".join(names)
    visits = 0
    real = ast.iter_child_nodes

    def counting(node: ast.AST) -> Any:
        nonlocal visits
        visits += 1
        return real(node)

    monkeypatch.setattr(ast, "iter_child_nodes", counting)
    parsed = parse(source)
    parsed.evaluate({n: Value(1.0, n) for n in names})
    assert parsed.variables == set(names)
    nodes = sum(1 for _ in ast.walk(ast.parse(source, mode="eval")))
    # Checking and evaluating visit a node a few times; one walk per variable would make
    # this about 300.
    assert visits / nodes < 10


def test_the_grammar_is_written_once_and_names_every_function() -> None:
    doc = expression.__doc__ or ""
    (func,) = [line for line in doc.splitlines() if line.strip().startswith("FUNC :=")]
    assert func.split(":=")[1].split("(")[0].split() == list(FUNCTIONS)
    for path in ("README.md", "autograd_lite/cli.py"):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert "expr :=" not in text, f"{path} repeats the grammar"
        assert "autograd_lite" in text and "expression" in text
