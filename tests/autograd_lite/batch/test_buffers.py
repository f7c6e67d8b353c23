"""buffers: each buffer a program asks for is allocated once per batch size, by what it holds."""

import numpy as np

from autograd_lite.batch.buffers import Buffers
from autograd_lite.batch.syntax import named

B, M = 5, 4


def test_a_block_kept_after_a_column_of_ones_is_a_view_of_it() -> None:
    buffers = Buffers([False, True, False, True], [1, 3, M, M])
    buffers.augmented = {2}
    view, base = buffers.values(2), buffers.with_ones(2)
    P = buffers.allocate(B, {})
    n, m = view.node.slice.value, base.node.slice.value  # type: ignore[attr-defined]
    assert n == m + 1 and P[m].shape == (B, M + 1) and P[n].shape == (B, M)
    assert np.all(P[m][:, 0] == 1.0)
    P[n][...] = 7.0
    assert np.all(P[m][:, 1:] == 7.0) and P[n].flags.f_contiguous


def test_a_buffer_is_one_for_what_it_holds_and_a_view_is_of_its_buffers() -> None:
    buffers = Buffers([False, True, False, True], [1, 3, M, M])
    assert buffers.gradient(2).node is not buffers.gradient(2).node
    first, again = buffers.gradient(2), buffers.gradient(2)
    assert first.node.slice.value == again.node.slice.value  # type: ignore[attr-defined]
    row = buffers.gradient(3)  # a group the same in every sample: one row
    transposed = buffers.view(first.attr("T"))
    assert buffers.view(first.attr("T")).node.slice.value == transposed.node.slice.value  # type: ignore[attr-defined]
    P = buffers.allocate(B, {})
    at = [x.node.slice.value for x in (first, row, transposed)]  # type: ignore[attr-defined]
    assert P[at[0]].shape == (B, M) and P[at[1]].shape == (1, M)
    assert P[at[2]].shape == (M, B) and np.shares_memory(P[at[2]], P[at[0]])
    assert len(buffers.layouts) == 3
    leaves = np.zeros((1, 4))
    taken = buffers.view(named("V")[1][0, 1:3])
    P = buffers.allocate(B, {"V": [None, leaves]})
    assert np.shares_memory(P[taken.node.slice.value], leaves)  # type: ignore[attr-defined]
