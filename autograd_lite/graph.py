"""Walking a graph of Values, iteratively: graphs may be millions of nodes deep.

The walk reads nothing of a node but ``args``, its operands in argument order: nodes, and plain
floats for number operands (which it skips). So it serves any graph of that shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def topological_order(root: Any) -> list[Any]:
    """Every Value ``root`` depends on (``root`` included), each after all of its parents.

    The order is deterministic: a depth-first walk over each node's operands. The
    walk keeps its own stack instead of recursing, so depth is limited by memory alone.
    """
    if not hasattr(root, "args") or isinstance(root, float):
        raise TypeError(f"topological_order: expected a Value, got {type(root).__name__}")
    return order_of([root])


def order_of(roots: Sequence[Any]) -> list[Any]:
    """Every Value the ``roots`` depend on, each once and after all of its parents: the walk of
    :func:`topological_order` from each root in turn, skipping what an earlier root placed."""
    order: list[Any] = []
    visited: set[Any] = set()
    # The stack holds Values to visit and, right above each Value being expanded, a None.
    # Popping that None means everything pushed after it (the Value's parents and their own
    # parents, recursively) has been placed, so the Value just below it can be placed too.
    # Markers instead of (node, flag) pairs: deep graphs then allocate nothing per node here.
    stack: list[Any] = list(reversed(roots))
    while stack:
        node = stack.pop()
        if node is None:
            order.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            stack.append(node)
            stack.append(None)
            for arg in node.args:
                if not isinstance(arg, float) and arg not in visited:
                    stack.append(arg)
    return order
