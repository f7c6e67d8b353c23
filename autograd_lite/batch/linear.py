"""Which nodes are sums of products, found by running their formulas on unknowns.

A batched replay (:mod:`autograd_lite.batch`) writes a layer of neurons as one matrix product.
For that it must know which nodes are *affine in the samples' numbers*: a pre-activation
b + Σⱼ wⱼxⱼ, built as one ``affine`` node or as micrograd's chain of ``*`` and ``+``. It finds
out as JAX traces, with abstract values: each op's forward formula is run on :class:`Poly`
unknowns, and so is each partial of its rule. ``operator.mul`` on unknowns a₀, a₁ returns the
polynomial a₀a₁; the partials of ``mul`` return g·a₁ and g·a₀. A formula that asks for a
number (a branch, a call into :mod:`math`) is not a polynomial, and its op stays elementwise.

So a node's matrix form comes from its formula and its rule, the same table every other pass
reads: the forward from the forward formula, the backward from the partials. No derivative is
written here.

A node's :class:`Form` is its value and partials over slots: its value c + Σ cₛ·s + Σ cₛₜ·s·t,
and for each slot operand s, ∂node/∂s = c'ₛ + Σ c'ₛₜ·t (the partials are g·(...) with the g
taken out). A monomial is a sorted tuple of slots: () the constant, (s,), or (s, t).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autograd_lite.rules import RULES, forward, partials

#: The unknown that stands for the gradient g arriving at a node, in a probe of its partials.
GRAD = -1

Monomial = tuple[int, ...]
Terms = dict[Monomial, float]


class NotPolynomial(Exception):
    """A formula asked for a number, or its result is not a polynomial of degree ≤ 2."""


class Poly:
    """An abstract value: a polynomial of degree ≤ 2 in unknowns, with float coefficients.

    Arithmetic (+ − × and negation, with numbers and other polynomials) gives polynomials; any
    other use (a comparison, ``float()``, a division) raises :class:`NotPolynomial`. A
    coefficient that is 0 is kept: 0·x is NaN where x is infinite, as in eager code.
    """

    __slots__ = ("terms",)

    def __init__(self, terms: Terms) -> None:
        self.terms = terms

    @classmethod
    def unknown(cls, name: int) -> Poly:
        return cls({(name,): 1.0})

    def __add__(self, other: object) -> Poly:
        terms = dict(self.terms)
        for monomial, c in _poly(other).terms.items():
            terms[monomial] = terms.get(monomial, 0.0) + c
        return Poly(terms)

    __radd__ = __add__

    def __neg__(self) -> Poly:
        return Poly({m: -c for m, c in self.terms.items()})

    def __pos__(self) -> Poly:
        return self

    def __sub__(self, other: object) -> Poly:
        return self + -_poly(other)

    def __rsub__(self, other: object) -> Poly:
        return _poly(other) + -self

    def __mul__(self, other: object) -> Poly:
        terms: Terms = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in _poly(other).terms.items():
                monomial = tuple(sorted(m1 + m2))
                if len(monomial) > 2:
                    raise NotPolynomial("degree above 2")
                terms[monomial] = terms.get(monomial, 0.0) + c1 * c2
        return Poly(terms)

    __rmul__ = __mul__

    def _number(self, *_: object) -> Any:
        raise NotPolynomial("the formula asked for a number")

    __bool__ = __float__ = __int__ = __index__ = _number
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _number
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __abs__ = _number
    __hash__ = object.__hash__


def _poly(x: object) -> Poly:
    if isinstance(x, Poly):
        return x
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        raise NotPolynomial(f"not a finite number: {x!r}")
    return Poly({(): float(x)})


@dataclass(frozen=True)
class Probe:
    """An op's formula and rule run on unknowns 0, 1, ... for its operands (constants too):
    its value's terms, and for each slot operand k the terms of ∂/∂aₖ."""

    value: Terms
    partials: tuple[tuple[int, Terms], ...]


@functools.lru_cache(maxsize=1024)
def probe(op: str, mask: tuple[bool, ...]) -> Probe | None:
    """The polynomial an op is (``mask``: which operands are slots), or None if it is not one:
    worked out once per kind of node, as the float replay's templates are."""
    formula, rule = forward(op), RULES.get(op)
    if formula is None or rule is None:
        return None
    unknowns = [Poly.unknown(k) for k in range(len(mask))]
    wanted = [k for k, is_slot in enumerate(mask) if is_slot]
    try:
        value = _poly(formula(*unknowns)).terms
        found = partials(rule, wanted, Poly.unknown(GRAD), None, unknowns)
        gradients = tuple((k, _without_grad(_poly(p))) for k, p in zip(wanted, found, strict=True))
    except Exception:  # any failure on unknowns means: not a polynomial
        return None
    return Probe(value, gradients)


def _without_grad(p: Poly) -> Terms:
    """g·(c + Σ cₜ·t) → c + Σ cₜ·t; anything else (a term without g) is not a partial of the
    chain rule's form."""
    terms: Terms = {}
    for monomial, c in p.terms.items():
        if monomial.count(GRAD) != 1:
            raise NotPolynomial("a partial is not g times a polynomial")
        terms[tuple(x for x in monomial if x != GRAD)] = c
    return terms


@dataclass
class Form:
    """A node (or a tree of nodes folded into one) over its leaf slots.

    ``value``: its value's terms; ``partials``: for each leaf slot s, the terms of ∂/∂s;
    ``size``: how many nodes it holds; ``peak``: the largest magnitude of any coefficient it
    has had, folds included. Eager code computes the nodes one by one, and each of its intermediate
    numbers is a sum of terms with coefficients the form had at some fold: so no intermediate
    exceeds (number of terms)·peak·(the largest leaf's magnitude)² (how
    :mod:`autograd_lite.batch.bounds` knows when the order of a sum cannot matter beyond
    rounding)."""

    value: Terms
    partials: dict[int, Terms]
    size: int = 1
    peak: float = 0.0

    def leaves(self) -> set[int]:
        """The slots the form reads: its value's and partials' unknowns, and the leaves it has
        a partial for."""
        found = set(self.partials)
        for terms in (self.value, *self.partials.values()):
            for monomial in terms:
                found.update(monomial)
        return found


def form(op: str, operands: Sequence[int | float]) -> Form | None:
    """The form of one node, its operands slots (``int``) or constants, or None."""
    mask = tuple(type(x) is int for x in operands)
    found = probe(op, mask)
    if found is None or not all(type(x) is int or math.isfinite(x) for x in operands):
        return None
    value = _substitute(found.value, operands)
    gradients: dict[int, Terms] = {}
    for k, terms in found.partials:
        slot: int = operands[k]  # type: ignore[assignment]
        _accumulate(gradients.setdefault(slot, {}), _substitute(terms, operands))
    if not _finite(value) or not all(_finite(t) for t in gradients.values()):
        return None
    return Form(value, gradients, 1, max(_largest(value), *map(_largest, gradients.values())))


def _substitute(terms: Terms, operands: Sequence[int | float]) -> Terms:
    """Terms over operand positions as terms over slots, the constants multiplied in."""
    out: Terms = {}
    for monomial, c in terms.items():
        slots: list[int] = []
        for k in monomial:
            x = operands[k]
            if type(x) is int:
                slots.append(x)
            else:
                c *= x
        key = tuple(sorted(slots))
        out[key] = out.get(key, 0.0) + c
    return out


def _accumulate(into: Terms, terms: Terms, scale: float = 1.0) -> None:
    for monomial, c in terms.items():
        into[monomial] = into.get(monomial, 0.0) + scale * c


def fold(consumer: Form, inner: Form, slot: int) -> Form | None:
    """``consumer`` with ``inner``, the form of the node at ``slot``, folded in, or None.

    It folds when the consumer is c·slot + (terms without the slot) and ∂/∂slot is a constant
    c': the value becomes c·inner + ..., and each leaf s of ``inner`` gets c'·∂inner/∂s (the
    chain rule). The node at ``slot`` must be read by the consumer alone: its form's dicts
    are taken over where c = c' = 1 (a chain of ``+`` folds in time proportional to its length).
    """
    scale, partial = consumer.value.get((slot,)), consumer.partials.get(slot)
    if scale is None or partial is None or set(partial) != {()}:
        return None
    mentioned = [m for m in consumer.value if slot in m] + [
        m for terms in consumer.partials.values() for m in terms if slot in m
    ]
    if mentioned != [(slot,)]:
        return None  # the slot also appears in a product or in another partial
    if scale == 1.0 and partial[()] == 1.0:
        value, gradients = inner.value, inner.partials
    else:
        value = {m: scale * c for m, c in inner.value.items()}
        gradients = {
            s: {m: partial[()] * c for m, c in t.items()} for s, t in inner.partials.items()
        }
        if not _finite(value) or not all(_finite(t) for t in gradients.values()):
            return None  # a coefficient overflowed: keep the nodes apart
    rest = [(None, m, c) for m, c in consumer.value.items() if m != (slot,)] + [
        (leaf, m, c) for leaf, t in consumer.partials.items() if leaf != slot for m, c in t.items()
    ]
    sums = [
        (value if leaf is None else gradients.get(leaf, {})).get(m, 0.0) + c for leaf, m, c in rest
    ]
    if not all(math.isfinite(c) for c in sums):
        return None
    for (leaf, m, _), c in zip(rest, sums):
        (value if leaf is None else gradients.setdefault(leaf, {}))[m] = c
    peak = max(consumer.peak, inner.peak, *map(abs, sums))
    if value is not inner.value:  # scaled: every coefficient is new
        peak = max(peak, _largest(value), *map(_largest, gradients.values()))
    return Form(value, gradients, consumer.size + inner.size, peak)


def _largest(terms: Terms) -> float:
    return max(map(abs, terms.values()), default=0.0)


def _finite(terms: Terms) -> bool:
    return all(math.isfinite(c) for c in terms.values())
