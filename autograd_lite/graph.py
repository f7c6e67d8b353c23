"""Walking a graph of Values, iteratively: graphs may be millions of nodes deep."""

from __future__ import annotations

from autograd_lite.value import Value


def topological_order(root: Value) -> list[Value]:
    """Every Value ``root`` depends on (``root`` included), each after all of its parents.

    The order is deterministic: a depth-first walk over each node's operands. The
    walk keeps its own stack instead of recursing, so depth is limited by memory alone.
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order: expected a Value, got {type(root).__name__}")
    order: list[Value] = []
    placed: set[Value] = set()
    expanded: set[Value] = set()
    stack = [root]
    while stack:
        node = stack[-1]
        if node in expanded:
            # Second time on top: everything pushed above it, its parents included, is placed.
            stack.pop()
            if node not in placed:
                placed.add(node)
                order.append(node)
            continue
        expanded.add(node)
        for arg in node.args:
            if isinstance(arg, Value) and arg not in expanded:
                stack.append(arg)
    return order
