"""Checking a derivation done by hand: your partial derivatives against the engine's.

:func:`check_derivation` takes a function f written with Values and, for each of its arguments,
the partial derivative you derived, and compares them at many points: random ones (the same
every run, from ``seed``) or the ones you give. At each point it computes f with the engine,
takes ∂f/∂x of every argument with :func:`~autograd_lite.grad` (the rule table, exact up to
rounding, no finite differences) and calls your partials on the same numbers. Two values agree
when \\|engine − yours\\| ≤ atol + rtol·\\|engine\\|.

f must compute with the Values' own operations (``y.sin()``, ``autograd_lite.exp(x)``):
``math.exp(x)`` reads a Value as a plain float, a constant to the engine.

A partial is a function of plain floats taking f's arguments in order, or an expression string
in the command line's language (:mod:`autograd_lite.expression`: ``"x*cos(y)"``), whose
variables are f's arguments. f itself may be such a string too; its arguments are then its
variables, in the order they first appear.

Where f is outside its domain (log of a negative number, a square root at 0 whose derivative is
infinite, an overflow) the point is skipped; a random point is replaced by another, and the
report says how many were. The report is truthy exactly when every partial agrees at every
point; printed, it is a table and a sentence naming the first disagreement.
"""

from __future__ import annotations

import ast
import inspect
import math
import numbers
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from autograd_lite.backward import grad
from autograd_lite.checks import clip, count, finite, integer, non_negative, shown
from autograd_lite.expression import Expression, parse
from autograd_lite.float_ops import DomainError
from autograd_lite.value import Value

__all__ = ["DerivationReport", "Mismatch", "Row", "check_derivation"]

#: A report prints at most this many rows; a longer one shows the rows that disagree.
MAX_ROWS = 60

#: Random points tried per point wanted before giving up on f's domain.
TRIES_PER_POINT = 50

#: A partial as given: a function of floats, or an expression string.
Partial = Callable[..., Any] | str


class Mismatch(NamedTuple):
    """A partial that disagrees: the point (f's arguments in order), the variable, the
    engine's ∂f/∂variable there and yours."""

    point: tuple[float, ...]
    variable: str
    engine: float
    yours: float


class Row(NamedTuple):
    """One comparison: the point, the variable, the engine's value, yours, and whether they
    agree."""

    point: tuple[float, ...]
    variable: str
    engine: float
    yours: float
    agrees: bool


@dataclass(frozen=True)
class _Function:
    """f as check_derivation calls it: its name in messages, its arguments, and the call."""

    name: str
    variables: tuple[str, ...]
    call: Callable[..., Any]


@dataclass(frozen=True)
class _Partial:
    variable: str
    given: Partial
    call: Callable[..., Any]


class DerivationReport:
    """What :func:`check_derivation` found: truthy when every partial agrees everywhere.

    Attributes:
        function: f's name in the text (``f`` for a lambda or an expression).
        variables: f's arguments, in order.
        rows: every comparison, point by point, variable by variable.
        mismatches: the rows that disagree, as :class:`Mismatch` (point, variable, engine,
            yours).
        skipped: how many points were outside f's domain (and skipped; a random one was
            replaced by another, so there are ``samples`` points all the same).
        where: how the points were chosen, in words.
        rtol, atol: the tolerances used.
    """

    def __init__(
        self,
        function: _Function,
        rows: list[Row],
        skipped: int,
        where: str,
        tolerances: tuple[float, float],
    ) -> None:
        self.function = function.name
        self.variables = function.variables
        self.rows = rows
        self.skipped = skipped
        self.where = where
        self.rtol, self.atol = tolerances
        self.mismatches = [Mismatch(*row[:4]) for row in rows if not row.agrees]

    def __bool__(self) -> bool:
        return not self.mismatches

    def __str__(self) -> str:
        return "\n".join([self._heading(), *self._table(), "", self.summary()])

    def __repr__(self) -> str:
        return f"<DerivationReport: {self.summary()}>"

    def summary(self) -> str:
        """One sentence: all agree, or how many disagree and the first in words."""
        total = len(self.rows)
        if not self.mismatches:
            return f"✔ all {total} partial derivatives agree with the engine's."
        first = self.mismatches[0]
        engine, yours = _pair(first.engine, first.yours)
        return (
            f"✘ {len(self.mismatches)} of {total} disagree. The first: "
            f"∂{self.function}/∂{first.variable} at {self.point(first.point)}: "
            f"the engine gives {engine}, yours {yours}."
        )

    def point(self, point: Sequence[float]) -> str:
        """A point in words: ``x = 0.5, y = −1.2``."""
        return ", ".join(f"{v} = {_number(x, 6)}" for v, x in zip(self.variables, point))

    def _heading(self) -> str:
        points = len({row.point for row in self.rows})
        partials = ", ".join(f"∂{self.function}/∂{v}" for v in self.variables)
        where = self.where.replace("points", "point", 1) if points == 1 else self.where
        text = f"{partials} at {points} {where}"
        if self.skipped:
            text += f" ({self.skipped} outside the domain of {self.function} skipped)"
        tolerance = f"{_number(self.atol, 6)} + {_number(self.rtol, 6)}·|engine|"
        return f"{text};\nthey agree where |engine − yours| ≤ {tolerance}."

    def _table(self) -> list[str]:
        rows = self.rows
        note = []
        if len(rows) > MAX_ROWS:
            shown_rows = [r for r in rows if not r.agrees][:MAX_ROWS]
            note = [f"({len(rows) - len(shown_rows):,} more rows not shown; report.rows has all)"]
            rows = shown_rows
        texts = [
            (self.point(r.point), f"∂{self.function}/∂{r.variable}", r.engine, r.yours, r.agrees)
            for r in rows
        ]
        width = max([5, *(len(t[0]) for t in texts)])
        name = max([7, *(len(t[1]) for t in texts)])
        head = f"{'point':<{width}}  {'partial':<{name}}  {'engine':>18}  {'yours':>18}"
        lines = [head]
        for where, partial, engine, yours, agrees in texts:
            mark = "✔" if agrees else "✘"
            engine_text, yours_text = _number(engine, 12), _number(yours, 12)
            lines.append(
                f"{where:<{width}}  {partial:<{name}}  {engine_text:>18}  {yours_text:>18}  {mark}"
            )
        return lines + note


def _number(x: float, digits: int) -> str:
    """A number in the report: ``digits`` significant digits, a true minus sign."""
    text = f"{x:.{digits}g}"
    return "−" + text[1:] if text.startswith("-") else text


def _pair(engine: float, yours: float) -> tuple[str, str]:
    """The two numbers of a disagreement, with as many digits as it takes to tell them apart."""
    for digits in (6, 10, 17):
        a, b = _number(engine, digits), _number(yours, digits)
        if a != b:
            return a, b
    return a, b


def check_derivation(
    fn: Callable[..., Any] | str,
    partials: Mapping[str, Partial] | Sequence[Partial],
    *,
    at: Sequence[Any] | None = None,
    samples: int = 20,
    seed: int = 0,
    low: float = -2.0,
    high: float = 2.0,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> DerivationReport:
    """Compare the partial derivatives you derived for ``fn`` with the engine's.

    Args:
        fn: f, a function of Values (``def f(x, y): return x * y.sin() + x.exp()``), its
            arguments named; or an expression string (``"x*sin(y) + exp(x)"``).
        partials: for each argument, ∂f/∂argument as you derived it: a function of the same
            arguments as plain floats, or an expression string in the arguments' names. A dict
            by argument name, or a list in argument order.
        at: the points to check at, each a sequence of numbers in argument order or a dict by
            name (a single number for a function of one argument); ``None``: ``samples``
            random points, uniform in [``low``, ``high``] in every argument, drawn from
            ``seed`` (the same points every run).
        rtol: the relative tolerance: they agree where
            \\|engine − yours\\| ≤ atol + rtol·\\|engine\\|.
        atol: the absolute tolerance.

    Returns:
        A :class:`DerivationReport`: truthy when all agree; ``print`` it for the table.

    Raises:
        TypeError, ValueError: naming what is wrong, before anything is evaluated where it can
            be seen then: a name that is not an argument, a missing partial, an expression
            outside the language, a partial taking the wrong number of arguments, a bad point
            or option; or, when evaluating, a partial that raises or returns a non-number, and
            an ``fn`` that returns neither a Value nor a number or is outside its domain at
            every point.
    """
    function = _function(fn)
    checked = _partials(function, partials)
    tolerances = (non_negative(rtol, "check_derivation(rtol)"), non_negative(atol, "atol"))
    if at is not None:
        points, skipped = _at_given(function, checked, _given_points(function, at))
        where = "given points"
    else:
        n = count(samples, "check_derivation(samples)")
        bounds = _bounds(low, high)
        draw = random.Random(integer(seed, "check_derivation(seed)"))
        points, skipped = _at_random(function, checked, n, bounds, draw)
        where = f"random points in [{_number(bounds[0], 6)}, {_number(bounds[1], 6)}]"
        where += f", seed {seed}"
    rows = [_row(point, p, engine, yours, tolerances) for point, p, engine, yours in points]
    return DerivationReport(function, rows, skipped, where, tolerances)


# --- f and the partials ------------------------------------------------------------------------

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _function(fn: object) -> _Function:
    """f's name, arguments and call, from a function of Values or an expression string."""
    if isinstance(fn, str):
        expression = parse(fn)
        variables = _in_order(expression)
        if not variables:
            raise ValueError(f"check_derivation(fn): {clip(fn)!r} has no variables")
        return _Function("f", variables, lambda *xs: expression.evaluate(dict(zip(variables, xs))))
    if not callable(fn):
        raise TypeError(
            f"check_derivation(fn): expected a function of Values or an expression string, "
            f"got {type(fn).__name__}"
        )
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except ValueError:
        parameters = []
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        raise TypeError(
            "check_derivation(fn): fn takes *args; name its arguments (def f(x, y): ...) so "
            "that each partial can be matched to one"
        )
    variables = tuple(p.name for p in parameters if p.kind in _POSITIONAL and p.default is p.empty)
    if not variables:
        raise TypeError("check_derivation(fn): fn takes no argument to differentiate by")
    name = getattr(fn, "__name__", "f")
    return _Function(name if name.isidentifier() else "f", variables, fn)


def _in_order(expression: Expression) -> tuple[str, ...]:
    """An expression's variables in the order they first appear in its source."""
    found = [
        (node.lineno, node.col_offset, node.id)
        for node in ast.walk(expression.tree)
        if isinstance(node, ast.Name) and node.id in expression.variables
    ]
    return tuple(dict.fromkeys(name for _, _, name in sorted(found)))


def _partials(function: _Function, partials: object) -> list[_Partial]:
    """One checked partial per argument of f, in argument order."""
    names = function.variables
    if isinstance(partials, Mapping):
        unknown = [k for k in partials if k not in names]
        if unknown:
            raise ValueError(
                f"check_derivation(partials): {shown(unknown[0])} is not an argument of "
                f"{function.name} (its arguments: {', '.join(names)})"
            )
        missing = [v for v in names if v not in partials]
        if missing:
            raise ValueError(
                f"check_derivation(partials): no partial for ∂{function.name}/∂{missing[0]}; "
                f"give one for each argument ({', '.join(names)})"
            )
        given = [partials[v] for v in names]
    elif isinstance(partials, Sequence) and not isinstance(partials, str):
        if len(partials) != len(names):
            raise ValueError(
                f"check_derivation(partials): {len(partials)} partials for the "
                f"{len(names)} arguments of {function.name} ({', '.join(names)})"
            )
        given = list(partials)
    else:
        raise TypeError(
            "check_derivation(partials): expected a dict by argument name or a list in "
            f"argument order, got {type(partials).__name__}"
        )
    return [_partial(function, v, p) for v, p in zip(names, given)]


def _partial(function: _Function, variable: str, given: object) -> _Partial:
    """A partial checked as far as it can be without calling it."""
    where = f"check_derivation: the partial ∂{function.name}/∂{variable}"
    names = function.variables
    if isinstance(given, str):
        expression = parse(given)
        unknown = sorted(expression.variables - set(names))
        if unknown:
            raise ValueError(
                f"{where}, {clip(given)!r}, uses {unknown[0]}, which is not an argument of "
                f"{function.name} ({', '.join(names)})"
            )
        return _Partial(variable, given, lambda *xs: expression.evaluate(dict(zip(names, xs))))
    if not callable(given):
        raise TypeError(
            f"{where}: expected a function of floats or an expression string, "
            f"got {type(given).__name__}"
        )
    try:
        inspect.signature(given).bind(*names)
    except TypeError:
        raise TypeError(
            f"{where} must take {function.name}'s {len(names)} argument"
            f"{'s' if len(names) > 1 else ''} ({', '.join(names)}) as floats"
        ) from None
    except ValueError:  # no signature to read (some built-ins): find out when calling it
        pass
    return _Partial(variable, given, given)


# --- Points ------------------------------------------------------------------------------------


def _bounds(low: object, high: object) -> tuple[float, float]:
    lo, hi = finite(low, "check_derivation(low)"), finite(high, "check_derivation(high)")
    if not lo < hi:
        raise ValueError(f"check_derivation: low must be < high, got low={lo!r}, high={hi!r}")
    return lo, hi


def _given_points(function: _Function, at: object) -> list[tuple[float, ...]]:
    """The points of ``at``, each checked: n finite numbers in argument order."""
    names = function.variables
    if isinstance(at, str) or not isinstance(at, Sequence):
        raise TypeError(f"check_derivation(at): expected a list of points, got {type(at).__name__}")
    if not at:
        raise ValueError("check_derivation(at): no points; give at least one, or at=None")
    points = []
    for i, item in enumerate(at):
        where = f"check_derivation(at[{i}])"
        if isinstance(item, Mapping):
            wrong = sorted(set(item) ^ set(names), key=str)
            if wrong:
                raise ValueError(
                    f"{where}: names {', '.join(map(str, item))}; expected "
                    f"{', '.join(names)} (not {shown(wrong[0])})"
                )
            item = [item[v] for v in names]
        elif len(names) == 1 and not isinstance(item, Sequence):
            item = [item]
        if isinstance(item, str) or not isinstance(item, Sequence) or len(item) != len(names):
            raise ValueError(
                f"{where}: expected {len(names)} numbers ({', '.join(names)}), got {shown(item)}"
            )
        points.append(
            tuple(finite(x, f"check_derivation(at[{i}][{j}])") for j, x in enumerate(item))
        )
    return points


Evaluated = tuple[tuple[float, ...], _Partial, float, float]


def _at_given(
    function: _Function, partials: list[_Partial], points: list[tuple[float, ...]]
) -> tuple[list[Evaluated], int]:
    """Every comparison at the given points; a point outside f's domain is skipped."""
    results: list[Evaluated] = []
    skipped = 0
    for point in points:
        evaluated = _evaluated(function, partials, point)
        if evaluated is None:
            skipped += 1
        else:
            results += evaluated
    if not results:
        raise ValueError(
            f"check_derivation: {function.name} is outside its domain at every point given"
        )
    return results, skipped


def _at_random(
    function: _Function,
    partials: list[_Partial],
    n: int,
    bounds: tuple[float, float],
    draw: random.Random,
) -> tuple[list[Evaluated], int]:
    """Every comparison at ``n`` random points in f's domain; how many were skipped."""
    results: list[Evaluated] = []
    found = skipped = 0
    while found < n:
        if skipped >= TRIES_PER_POINT * n:
            raise ValueError(
                f"check_derivation: {function.name} is outside its domain at {skipped:,} of "
                f"{skipped + found:,} random points in [{bounds[0]:g}, {bounds[1]:g}]; choose "
                "low and high inside it, or give the points with at="
            )
        point = tuple(draw.uniform(*bounds) for _ in function.variables)
        evaluated = _evaluated(function, partials, point)
        if evaluated is None:
            skipped += 1
        else:
            found += 1
            results += evaluated
    return results, skipped


# --- One point ---------------------------------------------------------------------------------


def _evaluated(
    function: _Function, partials: list[_Partial], point: tuple[float, ...]
) -> list[Evaluated] | None:
    """(point, partial, engine, yours) for each partial; None where f is outside its domain."""
    engine = _engine(function, point)
    if engine is None:
        return None
    return [(point, p, e, _yours(function, p, point)) for p, e in zip(partials, engine)]


def _engine(function: _Function, point: tuple[float, ...]) -> list[float] | None:
    """∂f/∂x for every argument x at ``point``, by the engine; None outside f's domain."""
    values = [Value(x, name) for x, name in zip(point, function.variables)]
    try:
        out = function.call(*values)
        if not isinstance(out, Value):
            raise TypeError(
                f"check_derivation: {function.name} returned {type(out).__name__}, not a Value: "
                "it must compute with Values (x.exp() or autograd_lite.exp(x), not math.exp(x))"
            )
        gradients = grad(out, values)
    except (DomainError, ArithmeticError):
        return None
    if not math.isfinite(out.data) or not all(math.isfinite(g) for g in gradients):
        return None
    return gradients


def _yours(function: _Function, partial: _Partial, point: tuple[float, ...]) -> float:
    """Your partial at ``point``, as a float; an error naming it if it raises or is not a
    number."""
    where = f"∂{function.name}/∂{partial.variable}"
    at = ", ".join(f"{v} = {x!r}" for v, x in zip(function.variables, point))
    try:
        result = partial.call(*point)
    except Exception as error:
        raise ValueError(
            f"check_derivation: your {where} raised {type(error).__name__} at {at}: {error}"
        ) from error
    if isinstance(result, Value):
        raise TypeError(
            f"check_derivation: your {where} returned a Value at {at}; it is called with "
            "floats and must return a float (use math.exp, not .exp())"
        )
    if not isinstance(result, numbers.Real) or isinstance(result, bool):
        raise TypeError(
            f"check_derivation: your {where} returned {type(result).__name__} at {at}: "
            f"{shown(result)}; it must return a number"
        )
    try:
        return float(result)
    except OverflowError:
        raise ValueError(
            f"check_derivation: your {where} returned {shown(result)} at {at}, beyond a float"
        ) from None


def _row(
    point: tuple[float, ...],
    partial: _Partial,
    engine: float,
    yours: float,
    tolerances: tuple[float, float],
) -> Row:
    rtol, atol = tolerances
    agrees = abs(engine - yours) <= atol + rtol * abs(engine)  # False for a NaN of yours
    return Row(point, partial.variable, engine, yours, agrees)
