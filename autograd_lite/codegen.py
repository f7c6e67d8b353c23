"""Python source for replaying a recorded graph, written by the rule table itself.

The rules write it (:mod:`autograd_lite.rule_code`), run on :class:`Symbol` operands, which
stand for the replay's slots and record each operation as text: ``G[7] * V[4]`` for the
partial of ``mul``; where a formula cannot be written out, the source calls it on the floats,
``_relu_3(V[3])``. Constants are written as literals that read back exactly (``repr`` of a
float round-trips; NaN and the infinities by name).

The replay works on two lists: ``V``, every slot's value (inputs, then parameters, then constant
leaves, then the nodes in topological order), and ``G``, every slot's gradient, starting at 0.0
as the eager pass's sums do. The code is cut into functions of :data:`NODES_PER_FUNCTION` nodes
each, so that a graph of a million nodes compiles piece by piece; inside one, its own nodes are
local variables (``v7``, ``g7``), which Python reads about twice as fast as list items.

Three things keep the code short without changing a float: a node whose value only its one
consumer reads is written into the consumer's line (``v9 = V[0] * V[3] + V[2]``); each kind of
node (an op and which operands are slots) is run on symbols once and its text reused; and the
partial of a constant leaf, whose gradient nobody reads, is left out where it cannot raise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from autograd_lite.listing import Instruction
from autograd_lite.rule_code import (
    ENGINE_FUNCTIONS,
    MAX_DEPTH,
    PARTIALS,
    Names,
    Opaque,
    partial_expressions,
    value_expression,
)

#: How many nodes one generated function replays: a graph of a million nodes compiles piece by
#: piece, and inside a function its own nodes are locals.
NODES_PER_FUNCTION = 120

#: Deepest expression a node is folded into its consumer with; a deeper one gets its own line.
FUSED_DEPTH = 24

#: A call in generated code, and a slot's value: a local ``v7`` or an item ``V[7]``.
_CALL = re.compile(r"\b([A-Za-z_]\w*)\(")
_VALUE_READ = re.compile(r"\bv(\d+)\b|\bV\[(\d+)\]")

_ATOM, _POWER, _UNARY, _PRODUCT, _SUM = 10, 8, 7, 6, 5


class Symbol:
    """An operand of a symbolic run: the text of an expression, its precedence and depth."""

    __slots__ = ("text", "precedence", "depth")

    def __init__(self, text: str, precedence: int = _ATOM, depth: int = 0) -> None:
        self.text = text
        self.precedence = precedence
        self.depth = depth

    def _binary(self, other: object, symbol: str, precedence: int, reflected: bool) -> Symbol:
        left, right = (_symbol(other), self) if reflected else (self, _symbol(other))
        # Parentheses exactly where Python's grammar needs them: + - * / group to the left,
        # ** to the right. The text parses back to the same tree of operations.
        if precedence == _POWER:
            left_text = _wrapped(left, left.precedence <= _POWER)
            right_text = _wrapped(right, right.precedence < _ATOM)
        else:
            left_text = _wrapped(left, left.precedence < precedence)
            right_text = _wrapped(right, right.precedence <= precedence)
        depth = max(left.depth, right.depth) + 1
        if depth > MAX_DEPTH:
            raise Opaque("expression too deep to write inline")
        return Symbol(f"{left_text} {symbol} {right_text}", precedence, depth)

    def __add__(self, other: object) -> Symbol:
        return self._binary(other, "+", _SUM, False)

    def __radd__(self, other: object) -> Symbol:
        return self._binary(other, "+", _SUM, True)

    def __sub__(self, other: object) -> Symbol:
        return self._binary(other, "-", _SUM, False)

    def __rsub__(self, other: object) -> Symbol:
        return self._binary(other, "-", _SUM, True)

    def __mul__(self, other: object) -> Symbol:
        return self._binary(other, "*", _PRODUCT, False)

    def __rmul__(self, other: object) -> Symbol:
        return self._binary(other, "*", _PRODUCT, True)

    def __truediv__(self, other: object) -> Symbol:
        return self._binary(other, "/", _PRODUCT, False)

    def __rtruediv__(self, other: object) -> Symbol:
        return self._binary(other, "/", _PRODUCT, True)

    def __pow__(self, other: object) -> Symbol:
        return self._binary(other, "**", _POWER, False)

    def __rpow__(self, other: object) -> Symbol:
        return self._binary(other, "**", _POWER, True)

    def __neg__(self) -> Symbol:
        return Symbol("-" + _wrapped(self, self.precedence <= _UNARY), _UNARY, self.depth + 1)

    def __pos__(self) -> Symbol:
        return self  # +x is x for every float, -0.0 and NaN included

    def __abs__(self) -> Symbol:
        return Symbol(f"abs({self.text})", _ATOM, self.depth + 1)

    def engine_function(self, name: str) -> Symbol:
        """``step(x)``, ``cos(x)``, ...: an engine function a rule calls, called by the code."""
        if name not in ENGINE_FUNCTIONS:
            raise Opaque(f"no engine function {name!r}")
        return Symbol(f"{name}({self.text})", _ATOM, self.depth + 1)

    # The syntax a rule's expression is written in (:func:`value_expression`), text here; the
    # batched replay's syntax trees offer the same four.

    @classmethod
    def literal(cls, x: object) -> Symbol:
        return literal(x)  # type: ignore[arg-type]

    @classmethod
    def named(cls, name: str) -> Symbol:
        return cls(name)

    @classmethod
    def call(cls, function: str, *args: Symbol | list[Any]) -> Symbol:
        """``function(*args)``; an argument that is a list is written as one: ``[1, 2]``."""
        texts = [
            "[" + ", ".join(x.text if isinstance(x, Symbol) else repr(x) for x in a) + "]"
            if isinstance(a, list)
            else a.text
            for a in args
        ]
        depth = max((a.depth for a in args if isinstance(a, Symbol)), default=0) + 1
        return cls(f"{function}({', '.join(texts)})", _ATOM, depth)

    def item(self, index: int) -> Symbol:
        return Symbol(f"{self.text}[{index}]")

    def _value(self, *_: object) -> Any:
        raise Opaque(f"the value of {self.text} was asked for")

    __bool__ = __float__ = __int__ = __index__ = _value
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _value
    __hash__ = object.__hash__


def literal(x: float | int) -> Symbol:
    """A number as source that evaluates to exactly that number."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise Opaque(f"not a number: {x!r}")
    if isinstance(x, float) and not math.isfinite(x):
        text = "_nan" if math.isnan(x) else "_inf" if x > 0 else "-_inf"
    else:
        text = repr(x)
    return Symbol(text, _UNARY if text.startswith("-") else _ATOM)


def _symbol(x: object) -> Symbol:
    return x if isinstance(x, Symbol) else literal(x)  # type: ignore[arg-type]


def _wrapped(s: Symbol, parenthesize: bool) -> str:
    return f"({s.text})" if parenthesize else s.text


class Scope:
    """How one generated function names slots: its own nodes as locals (``v7``, ``g7``), every
    other slot through the lists (``V[3]``, ``G[3]``). Its nodes are the slots ``lo`` to ``hi``."""

    def __init__(
        self,
        lo: int,
        hi: int,
        discarded: frozenset[int] = frozenset(),
        once: frozenset[int] = frozenset(),
        root: int = -1,
    ) -> None:
        self.lo, self.hi = lo, hi
        self.discarded = discarded  # slots whose gradient no one reads (constant leaves)
        self.once = once  # nodes that are the operand of exactly one op, once
        self.root = root
        self.aliases: dict[int, str] = {}  # node → the name of a gradient equal to its own

    def value(self, x: int | float) -> Symbol:
        if type(x) is not int:
            return literal(x)
        return Symbol(f"v{x}" if self.lo <= x < self.hi else f"V[{x}]")

    def grad(self, slot: int) -> str:
        if slot in self.aliases:
            return self.aliases[slot]
        return f"g{slot}" if self.lo <= slot < self.hi else f"G[{slot}]"

    def passes_on(self, node: int, operand: int) -> bool:
        """Whether ``operand``, whose gradient is ``node``'s passed on unchanged (the partial
        ``g`` of ``+``), may use ``node``'s gradient as its own instead of a line
        ``g_operand += g_node``: when that is its one contribution and both are locals here.
        The line would compute 0.0 + g_node, which is g_node to the bit, since a node's
        gradient, a sum that starts at 0.0, is never −0.0 (the root's, the seed, may be)."""
        local = self.lo <= operand < self.hi and self.lo <= node < self.hi
        return local and operand in self.once and node != self.root

    def locals(self, prefix: str) -> str:
        return ", ".join(f"{prefix}{i}" for i in range(self.lo, self.hi)) + ","


def forward_expression(
    instruction: Instruction, operands: Sequence[Symbol], names: Names, inline: bool
) -> Symbol:
    """The node's value from its operands' (written out, or a call of the op's formula).

    Where every operand is a name or a number, the expression is a template worked out once
    per op and operand mask, as the partials are (:func:`partial_templates`)."""
    if any(s.depth for s in operands):  # an operand is a folded expression: write it out
        return value_expression(instruction.op, operands, names, inline)
    mask = tuple(type(x) is int for x in instruction.operands)
    key = ("forward", instruction.op, mask, inline)
    template = names.templates.get(key)
    if template is None:
        placeholders = [Symbol(f"{{a{k}}}") for k in range(len(operands))]
        template = names.templates[key] = value_expression(
            instruction.op, placeholders, names, inline
        )
    fills = {
        f"a{k}": f"({s.text})" if s.precedence < _ATOM else s.text for k, s in enumerate(operands)
    }
    return Symbol(template.text.format_map(fills), template.precedence, template.depth)


def backward_lines(instruction: Instruction, names: Names, scope: Scope, inline: bool) -> list[str]:
    """``g3 += partial`` for each slot operand, in the order the float pass adds them."""
    s = instruction.slot
    fills = {"g": scope.grad(s), "out": scope.value(s).text}
    for k, x in enumerate(instruction.operands):
        text = scope.value(x).text
        fills[f"a{k}"] = f"({text})" if text.startswith("-") else text
    lines = []
    for i, template in partial_templates(instruction, names, inline):
        slot: int = instruction.operands[i] if i >= 0 else -1  # type: ignore[assignment]
        text = template.format_map(fills)
        if slot in scope.discarded and _cannot_raise(text):
            continue  # eager code computes it and drops it: nothing to see
        if template == "{g}" and i >= 0 and scope.passes_on(s, slot):
            scope.aliases[slot] = fills["g"]
            continue
        target = f"{PARTIALS} =" if i < 0 else f"{scope.grad(slot)} +="
        lines.append(f"{target} {text}")  # `+=` adds the whole partial, as eager does
    return lines


def partial_templates(
    instruction: Instruction, names: Names, inline: bool
) -> list[tuple[int, str]]:
    """(operand index, the partial's text) for each slot operand, with ``{g}``, ``{out}``,
    ``{a0}``, ``{a1}``, ... standing for the gradient, the result and the operands (``str.format``
    fields: generated code has no braces of its own). The same for every node of one op with
    the same operands as slots, so it is worked out once per kind of node.
    """
    mask = tuple(type(x) is int for x in instruction.operands)
    key = (instruction.op, mask, inline)
    cached = names.templates.get(key)
    if cached is None:
        cached = names.templates[key] = _partial_templates(instruction.op, mask, names, inline)
    return cached


def _partial_templates(
    op: str, mask: tuple[bool, ...], names: Names, inline: bool
) -> list[tuple[int, str]]:
    g, out = Symbol("{g}"), Symbol("{out}")
    operands = [Symbol(f"{{a{k}}}") for k in range(len(mask))]
    wanted = [i for i, is_slot in enumerate(mask) if is_slot]
    found = partial_expressions(op, wanted, g, out, operands, names, inline)
    return [(i, p.text) for i, p in found]


def _cannot_raise(text: str) -> bool:
    """Whether a written-out partial can raise: floats' ``+ - *`` never do (they overflow to
    ±inf), nor do ``abs``, ``step`` and ``sign``; a division or a power can."""
    calls = set(_CALL.findall(text))
    return "/" not in text and "**" not in text and calls <= {"abs", "step", "sign"}


def functions(
    instructions: Sequence[Instruction],
    live: int,
    names: Names,
    inline: bool = True,
    discarded: frozenset[int] = frozenset(),
) -> tuple[list[str], list[str]]:
    """The source of the forward functions and of the backward functions, in calling order.

    ``instructions[:live]`` are the output's graph in topological order; the rest were made by
    the function but do not lead to its output (they run forward only: eager code runs them,
    and they may raise). Each function covers :data:`NODES_PER_FUNCTION` consecutive nodes,
    consecutive slots ``lo`` to ``hi``. ``forward_k(V)`` computes them into locals and stores
    them with one slice assignment; ``backward_k(V, G)`` loads the values its partials read
    and the nodes' gradients so far, and adds each node's partials in reverse order: into a
    local for a node of the chunk, into ``G`` for the others (the leaves among them). The
    partials of the ``discarded`` slots (constant leaves: no one reads their gradient) are left
    out where they cannot raise; where they can, they stay, since eager code would raise there
    too.
    """
    chunks = [
        instructions[i : min(i + NODES_PER_FUNCTION, live)]
        for i in range(0, live, NODES_PER_FUNCTION)
    ]
    dead = [
        instructions[i : i + NODES_PER_FUNCTION]
        for i in range(live, len(instructions), NODES_PER_FUNCTION)
    ]
    backwards, read = [], set()
    once = _used_once(instructions[:live])
    root = instructions[live - 1].slot if live else -1
    for k, chunk in enumerate(chunks):
        scope = Scope(chunk[0].slot, chunk[-1].slot + 1, discarded, once, root)
        text, reads = _backward_function(k, chunk, scope, names, inline)
        backwards.append(text)
        read |= reads
    fusible = _fusible(instructions, live, read)
    forwards = [
        _forward_function(k, chunk, _scope(chunk), names, inline, fusible)
        for k, chunk in enumerate([*chunks, *dead])
    ]
    return forwards, backwards[::-1]


def _scope(chunk: Sequence[Instruction]) -> Scope:
    return Scope(chunk[0].slot, chunk[-1].slot + 1)


def _forward_function(
    k: int,
    chunk: Sequence[Instruction],
    scope: Scope,
    names: Names,
    inline: bool,
    fusible: set[int],
) -> str:
    """Lines ``v7 = ...``; a node in ``fusible`` is written into its one consumer instead."""
    pending: dict[int, Symbol] = {}
    folded = set()
    body = []
    for ins in chunk:
        operands = [
            pending.pop(x) if type(x) is int and x in pending else scope.value(x)
            for x in ins.operands
        ]
        expression = forward_expression(ins, operands, names, inline)
        if ins.slot in fusible and expression.depth <= FUSED_DEPTH:
            pending[ins.slot] = expression
            folded.add(ins.slot)
        else:
            body.append(f"v{ins.slot} = {expression.text}")
    stored = [f"v{i}" if i not in folded else "None" for i in range(scope.lo, scope.hi)]
    body.append(f"V[{scope.lo}:{scope.hi}] = [{', '.join(stored)}]")
    return _function(f"forward_{k}", "V", body)


def _backward_function(
    k: int, chunk: Sequence[Instruction], scope: Scope, names: Names, inline: bool
) -> tuple[str, set[int]]:
    """The backward function of a chunk, and the slots whose values its partials read."""
    partials = [
        line for ins in reversed(chunk) for line in backward_lines(ins, names, scope, inline)
    ]
    reads = {int(a or b) for line in partials for a, b in _VALUE_READ.findall(line)}
    own = sorted(i for i in reads if scope.lo <= i < scope.hi)
    body = [f"{scope.locals('g')} = G[{scope.lo}:{scope.hi}]", *partials]
    if own:  # the values its partials read, `_` for the others in between
        names_ = ", ".join(f"v{i}" if i in reads else "_" for i in range(own[0], own[-1] + 1))
        body.insert(0, f"{names_}, = V[{own[0]}:{own[-1] + 1}]")
    return _function(f"backward_{k}", "V, G", body), reads


def _used_once(instructions: Sequence[Instruction]) -> frozenset[int]:
    """The slots that are an operand exactly once among ``instructions``."""
    uses: dict[int, int] = {}
    for ins in instructions:
        for x in ins.operands:
            if type(x) is int:
                uses[x] = uses.get(x, 0) + 1
    return frozenset(slot for slot, n in uses.items() if n == 1)


def _fusible(instructions: Sequence[Instruction], live: int, read: set[int]) -> set[int]:
    """The nodes of the output's graph whose value is used once, by a node of the same chunk,
    and never by backward: their expression can go into the consumer's line."""
    uses: dict[int, int] = {}
    consumer: dict[int, int] = {}
    for ins in instructions:
        for x in ins.operands:
            if type(x) is int:
                uses[x] = uses.get(x, 0) + 1
                consumer[x] = ins.slot
    first = instructions[0].slot if instructions else 0
    return {
        ins.slot
        for ins in instructions[: live - 1]
        if uses.get(ins.slot) == 1
        and ins.slot not in read
        and (consumer[ins.slot] - first) // NODES_PER_FUNCTION
        == (ins.slot - first) // NODES_PER_FUNCTION
        and consumer[ins.slot] < instructions[live - 1].slot + 1
    }


def _function(name: str, signature: str, body: Sequence[str]) -> str:
    return f"def {name}({signature}):\n    " + "\n    ".join(body) + "\n"
