"""``Module``: a container of parameters (Values) and of other modules, with a name for each.

A module finds its parameters in its own attributes, in the order they were assigned: a
``Value`` attribute is a parameter, a list or tuple of Values is one parameter per item, and a
``Module`` (or a list or tuple of Modules) contributes its own parameters under its attribute's
name; attributes whose names start with ``_`` are skipped. The names are dotted paths, as in
PyTorch: ``layers.0.neurons.3.w.1``, ``layers.0.neurons.3.b``.

A subclass names in ``unregularized`` the attributes whose parameters the L2 penalty leaves
alone (the biases: the notes' gradient term is λ[w; 0]); see :meth:`Module.weights`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from autograd_lite import Value
from autograd_lite.checks import finite, shown

# How many offending names an error message lists before it says "and N more".
_SHOWN = 10


class Module:
    """The base of every network piece: parameters, their names, their gradients, their state."""

    #: Attribute names whose parameters are not regularized by :func:`nn.l2_penalty`. (Public
    #: names use the American spelling, as ``fit(regularization=)`` and ``color_by`` do; a
    #: subclass that sets the older ``unregularised`` is read the same way.)
    unregularized: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "unregularised" in cls.__dict__:
            cls.unregularized = tuple(cls.__dict__["unregularised"])

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, in attribute order, depth first.

        A Value reached twice (a shared parameter) is listed once, under its first name.
        """
        return [(name, value) for name, value, _ in self._walk()]

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of :meth:`named_parameters`."""
        return [value for _, value, _ in self._walk()]

    def weights(self) -> list[Value]:
        """The parameters the L2 penalty λ/2 Σ w² covers: all but the ``unregularized`` ones."""
        return [value for _, value, regularised in self._walk() if regularised]

    def num_parameters(self) -> int:
        """How many scalar parameters the module has."""
        return len(self._walk())

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (gradients accumulate across ``backward`` calls)."""
        for value in self.parameters():
            value.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """Parameter name → value, a plain dict of floats that :meth:`load_state_dict` accepts."""
        return {name: value.data for name, value in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from ``state`` (name → real number), all or nothing.

        ``state`` must name every parameter and nothing else, with a finite real number for each
        (bools are not numbers here; an int beyond the float range, such as ``10**400``, is not
        finite). Every problem is collected and reported in one
        ``ValueError``; the module is changed only when there is none.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict: expected a mapping of name → number, got {type(state).__name__}"
            )
        named = self.named_parameters()
        expected = {name for name, _ in named}
        missing = [name for name, _ in named if name not in state]
        unexpected = [shown(key) for key in state if key not in expected]
        not_numbers: list[str] = []
        not_finite: list[str] = []
        values: dict[str, float] = {}
        for name, _ in named:
            if name not in state:
                continue
            try:
                values[name] = finite(state[name], name)
            except TypeError:
                not_numbers.append(f"{name} ({type(state[name]).__name__})")
            except ValueError:  # NaN, ±inf or beyond the float range, e.g. 10**400
                not_finite.append(f"{name} ({shown(state[name])})")
        problems = [
            f"{what}: {_listing(names)}"
            for what, names in (
                ("missing", missing),
                ("unexpected", unexpected),
                ("not a real number", not_numbers),
                ("not finite", not_finite),
            )
            if names
        ]
        if problems:
            raise ValueError(f"load_state_dict: {'; '.join(problems)}")
        for name, value in named:
            value.data = values[name]

    def _walk(self) -> list[tuple[str, Value, bool]]:
        """(name, parameter, regularised) for every parameter; iterative, depth first."""
        found: list[tuple[str, Value, bool]] = []
        seen_values: set[Value] = set()
        seen_modules: set[int] = set()
        # Each entry: (dotted prefix, module), or a parameter found in attribute order.
        stack: list[tuple[str, Module] | tuple[str, Value, bool]] = [("", self)]
        while stack:
            entry = stack.pop()
            if len(entry) == 3:
                name, value, regularised = entry
                if value not in seen_values:
                    seen_values.add(value)
                    found.append((name, value, regularised))
                continue
            prefix, module = entry
            if id(module) in seen_modules:
                continue
            seen_modules.add(id(module))
            pending: list[tuple[str, Module] | tuple[str, Value, bool]] = []
            for attribute, item in vars(module).items():
                if attribute.startswith("_"):
                    continue
                regularised = attribute not in type(module).unregularized
                name = prefix + attribute
                if isinstance(item, Value):
                    pending.append((name, item, regularised))
                elif isinstance(item, Module):
                    pending.append((name + ".", item))
                elif isinstance(item, list | tuple):
                    for i, element in enumerate(item):
                        if isinstance(element, Value):
                            pending.append((f"{name}.{i}", element, regularised))
                        elif isinstance(element, Module):
                            pending.append((f"{name}.{i}.", element))
            stack.extend(reversed(pending))
        return found


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    more = len(names) - _SHOWN
    return f"{shown} and {more} more" if more > 0 else shown
