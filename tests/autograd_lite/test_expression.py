"""The expression language: what it computes, and hostile expressions refused without running."""

from __future__ import annotations

import ast
import builtins
import itertools
import keyword
import math
import re
import string
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import DomainError, Value, expression, maximum
from autograd_lite.expression import (
    CONSTANTS,
    FUNCTIONS,
    MANY,
    RESERVED,
    ExpressionError,
    evaluate,
    parse,
)

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
    ("x & 2", "the operator &"),
    ("x ^= 2", "not a valid expression"),
    ("x ^ '{touch}'", "strings in \"'"),
    ("e.__class__", "attribute access in 'e.__class__'"),
    ("pi(x)", "calls of pi"),
    ("max(x)", "max with 1 argument (it takes 2 or more)"),
    ("min()", "min with 0 arguments"),
    ("max(*[x, x])", "starred arguments"),
    ("min(x, key=x)", "keyword arguments"),
    ("max", "max is a function: call it, as in max(x, y)"),
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
    for rule, names in (("FUNC", FUNCTIONS), ("MANY", MANY), ("CONST", CONSTANTS)):
        (line,) = [line for line in doc.splitlines() if line.strip().startswith(f"{rule} ")]
        assert line.split(":=")[1].split("(")[0].split() == list(names)
    for path in ("docs/reference/cli.md", "autograd_lite/cli.py"):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert "expr :=" not in text, f"{path} repeats the grammar"
        assert "autograd_lite" in text and "expression" in text


# --- The engine's names: pi, e, softplus, log1p, expm1, max, min, and ^ ---------------------


def gradient(source: str, **values: float) -> tuple[float, dict[str, float]]:
    """The expression's value and each variable's gradient, through the language."""
    leaves = {name: Value(x, name) for name, x in values.items()}
    out = evaluate(source, leaves)
    assert isinstance(out, Value)
    out.backward()
    return out.data, {name: v.grad for name, v in leaves.items()}


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("x", [-2.5, -0.3, 0.7, 3.0])
def test_each_function_is_the_engines_op_bit_for_bit(name: str, x: float) -> None:
    v = Value(x, "x")
    try:
        expected = getattr(v, name)() if name != "abs" else abs(v)
    except DomainError as error:  # outside the domain: the same error through the language
        with pytest.raises(DomainError, match=re.escape(str(error))):
            evaluate(f"{name}(x)", {"x": Value(x, "x")})
        return
    expected.backward()
    value, grads = gradient(f"{name}(x)", x=x)
    assert (value, grads["x"]) == (expected.data, v.grad)


def test_the_new_functions_draw_their_own_node() -> None:
    for name in ("softplus", "log1p", "expm1"):
        out = evaluate(f"{name}(x)", {"x": Value(0.5, "x")})
        assert isinstance(out, Value) and out.op == name


def test_pi_and_e_are_the_constants_not_variables() -> None:
    assert evaluate("pi", {}) == math.pi and evaluate("e", {}) == math.e
    parsed = parse("e**x * pi")
    assert parsed.variables == {"x"}
    value, grads = gradient("e^x", x=1.5)
    assert value == pytest.approx(math.exp(1.5), rel=1e-15)
    assert grads["x"] == pytest.approx(math.exp(1.5), rel=1e-15)  # d/dx eˣ = eˣ · ln e
    assert {"pi", "e", "max", "min", "exp"} <= RESERVED


def test_caret_is_the_power_as_the_pictures_draw_it() -> None:
    for caret, stars in [
        ("x^2", "x**2"),
        ("x ^ y", "x ** y"),
        ("-x^2 + 1", "-x**2 + 1"),  # −(x²) + 1, as in mathematics
        ("2^x^y", "2**x**y"),  # right to left
        ("x*y^2/3", "x*y**2/3"),
        ("(x + y)^-1", "(x + y)**-1"),
        ("x^2**y", "x**2**y"),
    ]:
        assert gradient(caret, x=1.5, y=2.0) == gradient(stars, x=1.5, y=2.0), caret
    out = evaluate("x^y", {"x": Value(2.0, "x"), "y": Value(3.0, "y")})
    assert isinstance(out, Value) and out.op == "pow"
    from autograd_lite.derivation import explain
    from autograd_lite.render import draw_graph

    assert "a ^ b" in draw_graph(out).source  # what the picture shows ...
    assert "x ^ y" in str(explain(out))  # ... and explain writes, the language reads back
    assert float(evaluate("2 ^ 3", {})) == 8.0


def test_max_is_one_max_node_and_min_is_built_from_max_and_negation() -> None:
    value, grads = gradient("max(x, y, z)", x=1.0, y=3.0, z=2.0)
    assert (value, grads) == (3.0, {"x": 0.0, "y": 1.0, "z": 0.0})
    value, grads = gradient("min(x, y, z)", x=1.0, y=3.0, z=-2.0)
    assert (value, grads) == (-2.0, {"x": 0.0, "y": 0.0, "z": 1.0})
    # At a tie the gradient goes to the first operand that attains it, as maximum's does.
    assert gradient("max(x, y)", x=2.0, y=2.0)[1] == {"x": 1.0, "y": 0.0}
    assert gradient("min(x, y)", x=2.0, y=2.0)[1] == {"x": 1.0, "y": 0.0}
    out = evaluate("min(x, 0.5)", {"x": Value(1.0, "x")})
    assert isinstance(out, Value)
    from autograd_lite import topological_order

    ops = {v.op for v in topological_order(out) if v.op}
    assert ops == {"neg", "max"}  # no rule of its own
    x = Value(2.0, "x")
    mine = maximum([x * 2.0, x + 1.0, 3.5])
    theirs = evaluate("max(x*2, x + 1, 3.5)", {"x": Value(2.0, "x")})
    assert isinstance(theirs, Value) and theirs.op == "max" and theirs.data == mine.data
    assert evaluate("max(1, 2^3, -4)", {}) == 8.0 and evaluate("min(1, 2, -4)", {}) == -4.0


def test_refusals_quote_the_expression_as_typed() -> None:
    for source, quoted in [
        ("foo(x^2)", "'foo(x^2)'"),
        ("x^2 + y^2 + z[0]", "'z[0]'"),
        ("x^2 + (é^3)[0]", "'(é^3)[0]'"),
        ("(x^2 +\n y^2).real", "'(x^2 + y^2).real'"),
        ("x^2 + 'a^b'", "\"'a^b'\""),
    ]:
        with pytest.raises(ExpressionError, match="not allowed") as caught:
            parse(source)
        assert str(caught.value).endswith(f" in {quoted}"), str(caught.value)
