"""codegen: the text a symbolic run writes evaluates to the very floats the run stands for."""

import math
import operator
import struct
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import codegen
from autograd_lite.codegen import Symbol, literal
from autograd_lite.rule_code import written


def bits(x: Any) -> bytes:
    """The float's bits (NaN as one); other results (a complex power) by their repr."""
    if not isinstance(x, float):
        return repr(x).encode()
    return struct.pack("<d", x) if x == x else b"nan"


def evaluate(text: str, **names: float) -> Any:
    return eval(text, {"_nan": math.nan, "_inf": math.inf, "abs": abs}, names)


@pytest.mark.parametrize(
    "x", [0.0, -0.0, 1.5, -2.0, 5e-324, -1.7976931348623157e308, math.inf, -math.inf, math.nan]
)
def test_a_literal_reads_back_as_the_same_float(x: float) -> None:
    assert bits(evaluate(literal(x).text)) == bits(x)
    # and keeps its value as an operand on either side of every operator, ** included
    a = Symbol("a")
    for op in (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow):
        for left, right in ((a, x), (x, a)):
            text = op(left, right).text
            try:
                expected = bits(op(0.75 if left is a else x, 0.75 if right is a else x))
            except (ZeroDivisionError, OverflowError):
                continue
            assert bits(evaluate(text, a=0.75)) == expected, text


OPERATORS: list[Callable[[Any, Any], Any]] = [
    operator.add,
    operator.sub,
    operator.mul,
    operator.truediv,
    operator.pow,
    lambda a, b: -a,
    lambda a, b: abs(a),
]
NAMES = {"a": 0.7, "b": -1.3, "c": 2.0}


@st.composite
def expressions(draw: Any) -> list[tuple[int, int, int]]:
    return draw(
        st.lists(
            st.tuples(st.integers(0, len(OPERATORS) - 1), st.integers(0, 20), st.integers(0, 20)),
            min_size=1,
            max_size=12,
        )
    )


@settings(max_examples=400, deadline=None)
@given(program=expressions(), constant=st.floats(-3.0, 3.0))
def test_written_text_is_the_same_tree_of_operations(
    program: list[tuple[int, int, int]], constant: float
) -> None:
    # Build one expression on floats and on symbols, step by step: the text, evaluated, must
    # give the float to the bit (its parentheses put back exactly Python's grouping).
    floats: list[Any] = [*NAMES.values(), constant]
    symbols: list[Any] = [Symbol(name) for name in NAMES] + [constant]
    for op, i, j in program:
        a, b = i % len(floats), j % len(floats)
        try:
            value = OPERATORS[op](floats[a], floats[b])
        except (ZeroDivisionError, OverflowError):
            return
        if isinstance(value, complex) or (isinstance(value, float) and abs(value) > 1e100):
            return
        try:
            symbol = OPERATORS[op](symbols[a], symbols[b])
        except codegen.Opaque:  # too deep to write out: what `written` would then call
            return
        floats.append(value)
        symbols.append(symbol)
    last = symbols[-1]
    text = last.text if isinstance(last, Symbol) else literal(last).text
    assert bits(evaluate(text, **NAMES)) == bits(floats[-1]), text


def test_a_run_that_asks_for_a_value_is_called_instead() -> None:
    def branchy(a: Any) -> Any:
        return a if a > 0 else -a

    assert written(branchy, Symbol("v1")) is None
    assert written(math.exp, Symbol("v1")) is None  # asks for float(v1)
    assert written(lambda a: a * 2.0 + 1.0, Symbol("v1")).text == "v1 * 2.0 + 1.0"  # type: ignore[union-attr]


def test_engine_functions_called_on_a_symbol_are_written_as_calls() -> None:
    from autograd_lite import cos, sign, step

    assert step(Symbol("v3")).text == "step(v3)"
    assert (Symbol("g") * cos(Symbol("v3"))).text == "g * cos(v3)"
    assert sign(Symbol("v3")).text == "sign(v3)"
