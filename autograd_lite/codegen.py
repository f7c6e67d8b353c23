"""Python source for replaying a recorded graph, written by the rule table itself.

A rule is ordinary arithmetic. Run on :class:`Symbol` operands, which stand for the replay's
slots and record each operation as text, a rule *writes its own source*: the partial
``lambda g, out, a, b: g * b`` of ``mul``, run on ``G[7]``, ``V[7]``, ``V[3]`` and ``V[4]``,
returns the text ``G[7] * V[4]``. The forward formulas are run the same way (``operator.mul``
gives ``V[3] * V[4]``). So the generated code holds no second copy of any derivative, and its
floats are the ones the eager float pass computes: the same operations in the same order.

A formula that looks at its operands' values (a branch such as ``_relu``'s ``x <= 0.0``,
``float(a)``, a call into :mod:`math`) cannot be written out like this: the symbolic run raises
and the source calls the formula itself on the floats instead, ``_relu(V[3])``. Constants are
written as literals that read back exactly (``repr`` of a float round-trips; NaN and the
infinities by name).

The replay works on two lists: ``V``, every slot's value (inputs, then parameters, then constant
leaves, then the nodes in topological order), and ``G``, every slot's gradient, starting at 0.0
as the eager pass's sums do. The code is cut into functions of :data:`NODES_PER_FUNCTION` nodes
each, so that
a graph of a million nodes compiles piece by piece; inside one, its own nodes are local
variables (``v7``, ``g7``), which Python reads about twice as fast as list items.

Three things keep the code short without changing a float: a node whose value only its one
consumer reads is written into the consumer's line (``v9 = V[0] * V[3] + V[2]``); each kind of
node (an op and which operands are slots) is run on symbols once and its text reused; and the
partial of a constant leaf, whose gradient nobody reads, is left out where it cannot raise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from autograd_lite import value
from autograd_lite.rules import RULES, Variadic, forward

#: How many nodes one generated function replays: a graph of a million nodes compiles piece by
#: piece, and inside a function its own nodes are locals.
NODES_PER_FUNCTION = 120

#: Deepest expression written inline; a deeper one (a wide ``affine``) becomes a call.
MAX_DEPTH = 40

#: Deepest expression a node is folded into its consumer with; a deeper one gets its own line.
FUSED_DEPTH = 24

#: A call in generated code, and a slot's value: a local ``v7`` or an item ``V[7]``.
_CALL = re.compile(r"\b([A-Za-z_]\w*)\(")
_VALUE_READ = re.compile(r"\bv(\d+)\b|\bV\[(\d+)\]")

_ATOM, _POWER, _UNARY, _PRODUCT, _SUM = 10, 8, 7, 6, 5


class Opaque(Exception):
    """A symbolic run asked for a value: the formula must be called, not written out."""


@dataclass(frozen=True)
class Instruction:
    """One node of a recording: ``V[slot] = op(*operands)``.

    An operand is a slot index (an ``int``) or a constant operand (a ``float``), in the op's
    argument order.
    """

    slot: int
    op: str
    operands: tuple[int | float, ...]


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


#: The symbols of a syntax: :class:`Symbol` (text), or the batched replay's syntax trees.
S = TypeVar("S", bound=Any)


def written(function: Callable[..., Any], *args: S) -> S | None:
    """``function`` run on symbols, as one expression; None if it must be called instead."""
    kind = type(args[0])
    try:
        result = function(*args)
        return result if isinstance(result, kind) else kind.literal(result)  # type: ignore[no-any-return]
    except Exception:  # any failure of a symbolic run just means: call the function
        return None


#: The name of the list a variadic rule's one call returns, whose items are the partials.
PARTIALS = "_t"

#: The functions of :mod:`autograd_lite.value` that rules call and generated code may call.
ENGINE_FUNCTIONS = (
    *("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "log1p", "expm1"),
    *("softplus", "step", "sign"),
)


class Names:
    """The functions generated code calls, each under one name in its namespace."""

    def __init__(self) -> None:
        engine = {name: getattr(value, name) for name in ENGINE_FUNCTIONS}
        self.namespace: dict[str, Any] = {"_nan": math.nan, "_inf": math.inf, **engine}
        self.templates: dict[Any, Any] = {}  # see `partial_templates` and `forward_expression`
        self._names: dict[int, str] = {}

    def of(self, function: Callable[..., Any], hint: str) -> str:
        name = self._names.get(id(function))
        if name is None:
            stem = "".join(c if c.isalnum() else "_" for c in hint)
            name = f"_{stem}_{len(self._names)}"
            self._names[id(function)] = name
            self.namespace[name] = function
        return name


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


def value_expression(op: str, operands: Sequence[S], names: Names, inline: bool) -> S:
    """A node's value from its operands, in their syntax: the op's forward formula written out
    (run on the symbols, if ``inline``), or, where it cannot be, a call of the formula."""
    formula = forward(op)
    if formula is None:
        raise ValueError(f"op {op!r} has no forward formula")
    expression = written(formula, *operands) if inline else None
    if expression is None:
        expression = type(operands[0]).call(names.of(formula, op), *operands)
    return expression  # type: ignore[no-any-return]


def partial_expressions(
    op: str, wanted: Sequence[int], g: S, out: S, operands: Sequence[S], names: Names, inline: bool
) -> list[tuple[int, S]]:
    """(operand index, g · ∂out/∂operand) for each index in ``wanted``, in the symbols' syntax:
    each partial of the op's rule written out (run on the symbols, if ``inline``), or a call of
    it. A variadic rule that cannot be written out is one call for all its partials, index
    −1, whose result :data:`PARTIALS` holds, then that result's items."""
    kind, rule = type(g), RULES[op]
    if isinstance(rule, Variadic):
        partials = _variadic(rule, wanted, g, out, operands) if inline else None
        if partials is not None:
            return list(zip(wanted, partials))
        arguments = [list(wanted), g, out, list(operands)]
        shared = kind.call(names.of(rule.partials, op), *arguments)
        return [(-1, shared), *[(i, kind.named(PARTIALS).item(j)) for j, i in enumerate(wanted)]]
    found = []
    for i in wanted:
        partial = written(rule[i], g, out, *operands) if inline else None
        if partial is None:
            partial = kind.call(names.of(rule[i], f"{op}_{i}"), g, out, *operands)
        found.append((i, partial))
    return found


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


def _variadic(
    rule: Variadic, wanted: Sequence[int], g: S, out: S, args: Sequence[S]
) -> list[S] | None:
    kind = type(g)
    try:
        partials = list(rule.partials(list(wanted), g, out, list(args)))
        if len(partials) != len(wanted):
            return None
        return [p if isinstance(p, kind) else kind.literal(p) for p in partials]
    except Exception:  # as in `written`: call the rule instead
        return None


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
