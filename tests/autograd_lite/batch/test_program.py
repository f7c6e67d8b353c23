"""program: a block program's gradients become, or are added into, their blocks as written."""

import ast

from autograd_lite.batch.program import Program
from autograd_lite.batch.syntax import named
from autograd_lite.codegen import Names

M = 4


def program() -> Program:
    """A program of four groups: the inputs, the leaves, a block of B rows, and a row."""
    made = Program([False, True, False, True], [1, 3, M, M], None, Names(), inline=True)
    made.begin_function()
    return made


def statements(made: Program) -> list[str]:
    return [ast.unparse(ast.fix_missing_locations(s)) for s in made.functions[-1]]


def test_the_first_partial_becomes_the_gradient_and_later_ones_are_added() -> None:
    made = program()
    made.receive(2, named("p"), owned=True)
    made.receive(2, named("q"), owned=True)
    made.receive(3, named("r"), owned=False)  # a row someone else holds: copied
    assert statements(made) == ["G[2] = p", "G[2] += q", "G[3] = r.copy()"]


def test_a_held_block_is_copied_into_the_groups_own_buffer() -> None:
    made = program()
    made.receive(2, named("g"), owned=False)
    assert statements(made) == ["G[2] = P[0]", "np.copyto(G[2], g)"]


def test_a_gradient_no_partial_reached_is_zeros_in_its_buffer() -> None:
    made = program()
    assert ast.unparse(made.gradient(2).node) == "G[2]"
    assert statements(made) == ["G[2] = P[0]", "G[2].fill(0.0)"]
    made.gradient(2)
    assert len(statements(made)) == 2  # made once


def test_the_source_shown_is_the_program_compiled() -> None:
    made = program()
    made.receive(2, named("p"), owned=True)
    made.begin_function()
    made.gradient(3)
    source = made.source("backward")
    modules = made.modules("backward")
    assert [ast.dump(m) for m in ast.parse(source).body] == [ast.dump(m.body[0]) for m in modules]
    assert source.count("def backward(V, G, K, P, size, seed, ones):") == 2
