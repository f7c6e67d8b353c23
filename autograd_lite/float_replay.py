"""A listing replayed on plain floats by the code the rule table wrote for it (:mod:`codegen`).

A replay fills the list ``V`` of slot values and runs the generated forward functions, and for a
gradient the list ``G`` (all 0.0 but the output's, which is the seed) and the backward
functions. Those do what the eager float pass does, operation for operation, so the numbers are
bit for bit eager's; :meth:`FloatReplay.agrees` checks it on the recorded graph itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd_lite import codegen
from autograd_lite.backward import float_pass
from autograd_lite.float_ops import DomainError
from autograd_lite.listing import Listing, same_bits
from autograd_lite.rule_code import Names
from autograd_lite.value import Value


class FloatReplay:
    """A listing compiled to straight-line Python on floats, its formulas written out
    (``inline``: every rule run on symbols as on floats) or each called as a function."""

    def __init__(self, listing: Listing, name: str, inline: bool) -> None:
        names = Names()
        forwards, backwards = codegen.functions(
            listing.instructions, listing.live, names, inline, listing.constant_slots()
        )
        namespace = dict(names.namespace)
        for text in [*forwards, *backwards]:  # one by one: a huge graph is never one code object
            exec(compile(text, f"<tape {name}>", "exec"), namespace)
        self.forwards: list[Callable[[list[Any]], None]] = [
            namespace[f"forward_{i}"] for i in range(len(forwards))
        ]
        self.backwards: list[Callable[[list[Any], list[float]], None]] = [
            namespace[f"backward_{i}"] for i in reversed(range(len(backwards)))
        ]
        self.listing, self.inline = listing, inline
        #: The generated functions' source, forward then backward.
        self.text = "\n".join([*forwards, *backwards])

    def forward(self, values: list[Any]) -> None:
        """Every node's value into ``values``, the slots' list (its leaves set, its nodes
        None)."""
        for function in self.forwards:
            function(values)

    def backward(self, values: list[Any], seed: float) -> list[float]:
        """Every slot's gradient, ∂root/∂slot · ``seed``, after :meth:`forward` of ``values``."""
        gradients = [0.0] * len(values)
        gradients[self.listing.root] = seed
        for function in self.backwards:
            function(values, gradients)
        return gradients

    def agrees(self, values: list[Any], nodes: Sequence[tuple[int, Value]], out: Value) -> bool:
        """Whether the replay computes the recorded graph bit for bit: every node's value
        (``nodes``: each Value with its slot) from the leaves in ``values``, and every input's
        and parameter's gradient, as the eager float pass leaves them.

        Written-out formulas are the rules run on symbols; a rule that computes otherwise on
        symbols than on floats would show here (and the tape then calls every formula)."""
        self.forward(values)
        if not all(same_bits(values[s], v.data) for s, v in nodes if values[s] is not None):
            return False
        try:
            float_pass(out, 1.0)
        except DomainError:
            return True  # no gradient at the example to compare with
        try:
            gradients = self.backward(values, 1.0)
        except (ZeroDivisionError, OverflowError):
            return False  # eager code computed a gradient here
        leaves = self.listing.n_inputs + self.listing.n_parameters  # what a replay hands out
        return all(same_bits(gradients[s], v.upstream) for s, v in nodes if s < leaves)
