"""A minimal slotted tape: the benchmark's yardstick, the least a graph of one node per op costs.

Only what the workloads use, no checks, no features: each node has ``__slots__``, its operands
in a tuple (a number operand stays a float, as in autograd-lite) and its derivative inline in
``backward``, which sorts the graph with the same marker stack as autograd-lite and adds into
``.grad`` as micrograd does. It is not part of the library. It shows how fast a graph with one
node per op can be in pure Python, so the table can say how far autograd-lite is from that.
"""

from __future__ import annotations

from typing import Any


class TapeValue:
    __slots__ = ("data", "grad", "op", "args")

    def __init__(self, data: float, op: str = "", args: tuple[Any, ...] = ()) -> None:
        self.data, self.grad, self.op, self.args = data, 0.0, op, args

    def __add__(self, other: Any) -> TapeValue:
        if isinstance(other, TapeValue):
            return TapeValue(self.data + other.data, "+", (self, other))
        return TapeValue(self.data + other, "+c", (self,))

    def __mul__(self, other: Any) -> TapeValue:
        if isinstance(other, TapeValue):
            return TapeValue(self.data * other.data, "*", (self, other))
        return TapeValue(self.data * other, "*c", (self, other))

    __radd__, __rmul__ = __add__, __mul__

    def relu(self) -> TapeValue:
        return TapeValue(self.data if self.data > 0.0 else 0.0, "relu", (self,))

    def backward(self) -> None:
        order, visited, stack = [], set(), [self]
        while stack:
            node = stack.pop()
            if node is None:
                order.append(stack.pop())
            elif node not in visited:
                visited.add(node)
                stack += (node, None)
                stack += [p for p in node.args if type(p) is TapeValue and p not in visited]
        self.grad = 1.0
        for node in reversed(order):
            op, g, args = node.op, node.grad, node.args
            if op == "+":
                args[0].grad += g
                args[1].grad += g
            elif op == "*":
                args[0].grad += g * args[1].data
                args[1].grad += g * args[0].data
            elif op == "+c":
                args[0].grad += g
            elif op == "*c":
                args[0].grad += g * args[1]
            elif op == "relu":
                args[0].grad += g if node.data > 0.0 else 0.0
