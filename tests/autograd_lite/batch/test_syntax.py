"""syntax: a block program's expressions are built as syntax trees, numbers written exactly, and a
rule run on them writes its formula, or asks to be called."""

import ast
import math
import struct
from typing import Any

import pytest

from autograd_lite.batch.syntax import (
    LOC,
    Expr,
    add_to,
    arithmetic_operands,
    assign,
    compare,
    function,
    is_held,
    items,
    named,
    number,
    unless,
)
from autograd_lite.rule_code import Names, Opaque, partial_expressions, value_expression


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def evaluate(expr: Expr, **names: Any) -> Any:
    tree = ast.fix_missing_locations(ast.Expression(expr.node))
    return eval(compile(tree, "<expr>", "eval"), {"inf": math.inf, "nan": math.nan, **names})


@pytest.mark.parametrize(
    "x", [0.0, -0.0, 1.5, -2.25, 5e-324, -5e-324, 1e308, 0.1, math.inf, -math.inf, 3, -7]
)
def test_a_number_is_written_as_exactly_that_number(x: float) -> None:
    got = evaluate(number(x))
    assert type(got) is type(x) and bits(float(got)) == bits(float(x))
    assert ast.dump(ast.parse(ast.unparse(number(x).node), mode="eval").body) == ast.dump(
        number(x).node
    )  # its source reads back as the same tree
    assert math.isnan(evaluate(number(math.nan)))


def test_an_expression_refuses_to_give_a_value() -> None:
    x = named("x")
    for ask in (bool, float, int, lambda e: e > 0.0, lambda e: e == 1.0, lambda e: e <= x):
        with pytest.raises(Opaque):
            ask(x)


def test_operators_build_the_tree_python_would_parse() -> None:
    g, a, V = named("g"), named("a"), named("V")
    built = -(g * (1.0 - a[0] * a[0])) / (V[3][:, 1:4] + 2.0) ** -1.5 @ named("W").attr("T")
    text = ast.unparse(built.node)
    assert ast.dump(ast.parse(text, mode="eval").body) == ast.dump(built.node)
    assert text == "-(g * (1.0 - a[0] * a[0])) / (V[3][:, 1:4] + 2.0) ** (-1.5) @ W.T"


def test_a_rule_run_on_expressions_writes_its_formula_or_a_call() -> None:
    names = Names()
    a, b = named("a"), named("b")
    assert ast.unparse(value_expression("mul", [a, b], names, True).node) == "a * b"
    assert ast.unparse(value_expression("relu", [a], names, True).node).startswith("_relu")
    assert ast.unparse(value_expression("mul", [a, b], names, False).node).startswith("_mul")
    found = partial_expressions("tanh", [0], named("g"), named("out"), [a], names, True)
    assert [(k, ast.unparse(p.node)) for k, p in found] == [(0, "g * (1.0 - out * out)")]
    deep = a
    with pytest.raises(Opaque):
        for _ in range(100):
            deep = deep * b  # deeper than a formula is written out


def test_items_and_arithmetic_operands_are_read_from_the_tree() -> None:
    assert is_held(named("g")) and is_held(named("V")[3]) and is_held(named("a")[0][1])
    assert not is_held(named("V")[0][:, 1:2]) and not is_held(named("g") * 2.0)
    expr = named("g") * named("a")[1] - 2.0 * named("V")[0][:, 1:2]
    assert arithmetic_operands(expr) is not None
    assert sorted(ast.unparse(e.node) for e in arithmetic_operands(expr) or []) == [
        "V[0][:, 1:2]",
        "a[1]",
        "g",
    ]
    assert arithmetic_operands(named("g") / named("a")) is None
    assert arithmetic_operands(named("exp")(named("g"))) is None


def test_statements_compile_into_a_function_that_runs_them() -> None:
    x, y, out = named("x"), named("y"), named("out")
    body = [
        assign(items(out, y), items(x * 2.0, x)),
        add_to(out, y),
        unless(compare(out, "<=", 10.0), named("ValueError")("big")),
    ]
    scope: dict[str, Any] = {}
    exec(compile(function("f", ["x"], [*body, ast.Return(out.node, **LOC)]), "<f>", "exec"), scope)
    assert scope["f"](3.0) == 9.0
    with pytest.raises(ValueError, match="big"):
        scope["f"](4.0)
