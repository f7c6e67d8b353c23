"""order_of: the topological order of several roots, each node once, parents first."""

from autograd_lite import Value, topological_order
from autograd_lite.graph import order_of


def test_order_of_several_roots_places_each_node_once_after_its_parents() -> None:
    x, y = Value(1.0), Value(2.0)
    shared = x * y
    first, second = shared + x, shared.exp()
    order = order_of([first, second, shared])
    assert len(order) == len(set(order)) == 5
    position = {node: k for k, node in enumerate(order)}
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)
    assert order[: len(topological_order(first))] == topological_order(first)
    assert order_of([first]) == topological_order(first)
