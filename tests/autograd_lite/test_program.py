"""program: a formula on blocks rewritten to write into buffers computes the same numbers,
and a block program's gradients become, or are added into, their blocks as written."""

from typing import Any

import numpy as np
import pytest

from autograd_lite import batched
from autograd_lite.codegen import Names
from autograd_lite.program import Shape, Source, writes_into, written_into

B, M = 5, 4
RNG = np.random.default_rng(3)


def source() -> Source:
    """A program of four groups: the inputs, the leaves, a block of B rows, and a row."""
    src = Source([False, True, False, True], [1, 3, M, M], None, Names(), inline=True)
    src.chunks.append([])
    return src


SHAPES: dict[str, Shape] = {"g": (True, M), "x": (True, M), "w": (False, M), "c": None}

#: (an expression as the tape's templates write them, whether it becomes an out= call)
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


def evaluate(text: str, src: Source, values: dict[str, Any]) -> Any:
    namespace = {**batched.namespace(src.names.namespace), **src.objects, "np": np}
    namespace.update(values, P=src.allocate(B), step=batched.array_form(batched.value.step))
    namespace["exp"] = batched.array_form(batched.value.exp)
    return eval(text, namespace)


@pytest.mark.parametrize(("text", "rewritten"), CASES)
def test_a_rewritten_formula_computes_the_same_numbers(text: str, rewritten: bool) -> None:
    src = source()
    out = written_into(text, SHAPES, src)
    assert ("out=" in out) == rewritten, out
    values = {
        "g": RNG.normal(size=(B, M)),
        "x": RNG.normal(size=(B, M)),
        "w": RNG.normal(size=(1, M)),
        "c": 0.5,
        "unknown": RNG.normal(size=(B, M)),
    }
    with np.errstate(all="ignore"):
        expected, got = evaluate(text, src, values), evaluate(out, src, values)
    assert np.array_equal(np.asarray(expected), np.asarray(got), equal_nan=True)


def test_the_whole_expression_goes_into_its_target_and_an_operand_shares_it() -> None:
    src = source()
    out = written_into("g * step(x)", SHAPES, src, ("P[9]", (True, M)))
    assert out.count("out=P[9]") == 2  # step(x) into the target, then g times it in place


def test_a_target_of_another_shape_leaves_the_result_a_new_array() -> None:
    src = source()
    assert written_into("g * x", SHAPES, src, ("P[9]", (True, M + 1))) == "g * x"


@pytest.mark.parametrize(("text", "kept"), [(t, r) for t, r in CASES if r] + [("g * x", False)])
def test_a_result_written_into_its_target_is_the_target_itself(text: str, kept: bool) -> None:
    # writes_into says when a group's "is it a block of floats of its shape" check can go: the
    # result is then the target buffer itself; a root left to NumPy or written to scratch is not.
    src = source()
    target = src.buffer("V", 2)  # the block group's own buffer, B × M
    out = written_into(text, SHAPES, src, (target, (True, M) if kept else (True, M + 1)))
    assert writes_into(out, target) == kept, out
    if kept:
        values = {k: RNG.normal(size=(B if s and s[0] else 1, M)) for k, s in SHAPES.items() if s}
        P = src.allocate(B)
        namespace = {**batched.namespace(src.names.namespace), **src.objects, "np": np, "P": P}
        namespace.update(values, step=batched.array_form(batched.value.step))
        namespace["exp"] = batched.array_form(batched.value.exp)
        with np.errstate(all="ignore"):
            assert eval(out, namespace) is eval(target, namespace)


def test_the_first_partial_becomes_the_gradient_and_later_ones_are_added() -> None:
    src = source()
    src.receive(2, "p", owned=True)
    src.receive(2, "q", owned=True)
    src.receive(3, "r", owned=False)  # a row someone else holds: copied
    assert src.chunks[-1] == ["G[2] = p", "G[2] += q", "G[3] = r.copy()"]


def test_a_held_block_is_copied_into_the_groups_own_buffer() -> None:
    src = source()
    src.receive(2, "g", owned=False)
    assert src.chunks[-1] == ["G[2] = P[0]", "np.copyto(G[2], g)"]


def test_a_gradient_no_partial_reached_is_zeros_in_its_buffer() -> None:
    src = source()
    assert src.gradient(2) == "G[2]"
    assert src.chunks[-1] == ["G[2] = P[0]", "G[2].fill(0.0)"]
    src.gradient(2)
    assert len(src.chunks[-1]) == 2  # made once


def test_a_block_kept_after_a_column_of_ones_is_a_view_of_it() -> None:
    src = source()
    src.augmented = {2}
    view = src.buffer("V", 2)
    base = src.with_ones(2)
    P = src.allocate(B)
    n, m = int(view[2:-1]), int(base[2:-1])
    assert n == m + 1 and P[m].shape == (B, M + 1) and P[n].shape == (B, M)
    assert np.all(P[m][:, 0] == 1.0)
    P[n][...] = 7.0
    assert np.all(P[m][:, 1:] == 7.0) and P[n].flags.f_contiguous


def test_a_block_known_finite_skips_the_look_for_nan() -> None:
    src = source()
    src.finite = {"x"}
    written_into("g * step(x)", SHAPES, src)
    written_into("g * step(g)", SHAPES, src)  # g is not known to be finite
    names = [f.__name__ for f in src.objects.values()]
    assert names == ["_finite_step", "_step"]
