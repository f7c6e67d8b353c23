"""into_buffers: a formula on blocks rewritten to write into buffers computes the same numbers,
and writes its whole result into its target only when that is the target's shape."""

import ast
from typing import Any

import numpy as np
import pytest

from autograd_lite import value
from autograd_lite.batch import array_forms
from autograd_lite.batch.into_buffers import written_into
from autograd_lite.batch.program import Program, Shape
from autograd_lite.batch.syntax import Expr, key, named
from autograd_lite.codegen import Names

B, M = 5, 4
RNG = np.random.default_rng(3)


def program() -> Program:
    """A program of four groups: the inputs, the leaves, a block of B rows, and a row."""
    made = Program([False, True, False, True], [1, 3, M, M], None, Names(), inline=True)
    made.begin_function()
    return made


def parsed(code: str) -> Expr:
    return Expr(ast.parse(code, mode="eval").body)


SHAPES: dict[str, Shape | None] = {
    key(named(name)): shape
    for name, shape in {
        "g": Shape(True, M),
        "x": Shape(True, M),
        "w": Shape(False, M),
        "c": None,
    }.items()
}

#: (a formula as the rules write it, whether it becomes an out= call)
CASES = [
    ("g * x", True),
    ("g * step(x)", True),
    ("-g", True),
    ("g * (1.0 - x * x) + w", True),
    ("x / (w - 2.0)", True),
    ("c * 2.0", False),  # numbers only
    ("w * w", False),  # a row: small, left to NumPy
    ("g * unknown", False),  # an operand whose shape is not known
    ("exp(x) * g", True),  # the outer product yes; exp makes its own array
]


def evaluate(expr: Expr, made: Program, values: dict[str, Any]) -> Any:
    namespace = {**array_forms.namespace(made.names.namespace), **made.objects, "np": np}
    namespace.update(values, P=made.buffers.allocate(B, {}))
    namespace.update(step=array_forms.array_form(value.step))
    namespace["exp"] = array_forms.array_form(value.exp)
    tree = ast.fix_missing_locations(ast.Expression(expr.node))
    return eval(compile(tree, "<formula>", "eval"), namespace)


def text(expr: Expr) -> str:
    return ast.unparse(expr.node)


@pytest.mark.parametrize(("code", "rewritten"), CASES)
def test_a_rewritten_formula_computes_the_same_numbers(code: str, rewritten: bool) -> None:
    made = program()
    out = written_into(parsed(code), SHAPES, made).expr
    assert ("out=" in text(out)) == rewritten, text(out)
    values = {
        "g": RNG.normal(size=(B, M)),
        "x": RNG.normal(size=(B, M)),
        "w": RNG.normal(size=(1, M)),
        "c": 0.5,
        "unknown": RNG.normal(size=(B, M)),
    }
    with np.errstate(all="ignore"):
        expected, got = evaluate(parsed(code), made, values), evaluate(out, made, values)
    assert np.array_equal(np.asarray(expected), np.asarray(got), equal_nan=True)


def test_the_whole_expression_goes_into_its_target_and_an_operand_shares_it() -> None:
    out = written_into(parsed("g * step(x)"), SHAPES, program(), (named("P")[9], Shape(True, M)))
    assert text(out.expr).count("out=P[9]") == 2  # step(x) into the target, then g times it


def test_a_target_of_another_shape_leaves_the_result_a_new_array() -> None:
    out = written_into(parsed("g * x"), SHAPES, program(), (named("P")[9], Shape(True, M + 1)))
    assert text(out.expr) == "g * x" and not out.into_target


@pytest.mark.parametrize(("code", "kept"), [(t, r) for t, r in CASES if r] + [("g * x", False)])
def test_a_result_written_into_its_target_is_the_target_itself(code: str, kept: bool) -> None:
    # into_target says when a group's "is it a block of floats of its shape" check can go: the
    # result is then the target buffer itself; a root left to NumPy or written to scratch is not.
    made = program()
    target = made.buffers.values(2)  # the block group's own buffer, B × M
    out = written_into(
        parsed(code), SHAPES, made, (target, Shape(True, M) if kept else Shape(True, M + 1))
    )
    assert out.into_target == kept, text(out.expr)
    if kept:
        values = {"g": None, "x": None, "w": None}
        values = {k: RNG.normal(size=(B if k != "w" else 1, M)) for k in values}
        namespace = {**array_forms.namespace(made.names.namespace), **made.objects, "np": np}
        namespace.update(values, P=made.buffers.allocate(B, {}))
        namespace.update(step=array_forms.array_form(value.step))
        namespace["exp"] = array_forms.array_form(value.exp)
        with np.errstate(all="ignore"):
            assert eval(text(out.expr), namespace) is eval(text(target), namespace)


def test_a_block_known_finite_skips_the_look_for_nan() -> None:
    made = program()
    made.finite = {key(named("x"))}
    written_into(parsed("g * step(x)"), SHAPES, made)
    written_into(parsed("g * step(g)"), SHAPES, made)  # g is not known to be finite
    assert [f.__name__ for f in made.objects.values()] == ["finite_step", "step"]


def test_a_subexpression_used_twice_gets_a_buffer_in_each_place() -> None:
    # A rule may use one subexpression twice (t = g * x; t * t): each place gets its own
    # buffer, never a buffer an operation reads while another writes it.
    t = named("g") * named("x")
    made = program()
    out = written_into(t * t, SHAPES, made)
    assert text(out.expr).count("np.multiply(g, x, out=") == 2
    values = {"g": RNG.normal(size=(B, M)), "x": RNG.normal(size=(B, M))}
    expected = (values["g"] * values["x"]) ** 2
    assert np.array_equal(evaluate(out.expr, made, values), expected)
