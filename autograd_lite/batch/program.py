"""A block program being written: its statements, the objects they name, and which gradient
blocks exist at the statement being written.

The groups of a plan (:mod:`autograd_lite.batch.plan`) write each pass of a batched replay as
straight-line statements on whole blocks. What does not depend on the numbers is settled while
they are written: the order of the adds is fixed, so the first partial to arrive at a gradient
block becomes it, later ones are added, and no statement tests for it when it runs. The
statements are ``ast`` nodes (:mod:`autograd_lite.batch.syntax`), compiled once into a few
functions (a deep graph's program is several, :data:`GROUPS_PER_FUNCTION` groups each) and
rendered once for a reader (:meth:`Program.source`).

A program's functions all take ``(V, G, K, P, size, seed, ones)``: ``V`` the groups' value
blocks and ``G`` their gradients, by group; ``K`` what forward keeps of each group for
backward (for the inputs and the leaves, their magnitude; for a layer its
:class:`~autograd_lite.batch.affine.Layer`; for another group its gathered operands, by
position); ``P`` the program's buffers (:mod:`autograd_lite.batch.buffers`); ``size`` the
batch size B, ``seed`` the output's gradient and ``ones`` B ones.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from autograd_lite.batch.buffers import Buffers
from autograd_lite.batch.syntax import Expr, add_to, assign, function, items, key, named, run
from autograd_lite.rule_code import Names


class Shape(NamedTuple):
    """A block's shape as a program knows it: whether it has a row per sample (else one row),
    and its width. A number has none (None)."""

    per_sample: bool
    width: int


#: How many groups one generated function holds: a deep graph's program is several functions.
GROUPS_PER_FUNCTION = 64

#: The parameters of every function of a block program.
PARAMETERS = ("V", "G", "K", "P", "size", "seed", "ones")

V, G, K = named("V"), named("G"), named("K")


class Program:
    """The block program of one pass, being written (see the module's docstring)."""

    def __init__(
        self,
        uniform: Sequence[bool],
        widths: Sequence[int],
        needed: Sequence[bool] | None,
        names: Names,
        inline: bool,
    ) -> None:
        self.uniform, self.widths, self.needed = uniform, widths, needed
        self.names, self.inline = names, inline
        self.buffers = Buffers(uniform, widths)
        #: The objects the statements name (constants, index arrays, array forms), by name.
        self.objects: dict[str, Any] = {}
        #: The shapes of blocks the statements name, by :func:`key`.
        self.shapes: dict[str, Shape | None] = {}
        self.functions: list[list[ast.stmt]] = []
        self.made: set[int] = set()
        #: The gradient blocks made as their own buffer (zeros, or a copy), by group.
        self.buffered: dict[int, Expr] = {}
        #: The blocks known to hold no NaN nor infinity, by :func:`key` (``V[i]`` of an affine
        #: group: its bound was checked before its product).
        self.finite: set[str] = set()
        #: An upper bound of some groups' magnitude ‖V[i]‖ (√Σ v²), at least 1, as an
        #: expression of numbers the program computed before (a plain layer's from its
        #: operands' magnitudes; an elementwise group's from its operands' bounds): the bound
        #: check of a layer reading the block reads it instead of a pass over the block.
        self.bounds: dict[int, Expr] = {}
        #: Bounds of some groups' gradients ‖G[i]‖ known before their backward (the root's,
        #: when the seed is its gradient).
        self.gradient_bounds: dict[int, Expr] = {}

    # --- Writing statements -------------------------------------------------------------------

    def begin_function(self) -> None:
        """The statements after this go into a function of their own."""
        self.functions.append([])

    def emit(self, statement: ast.stmt) -> None:
        self.functions[-1].append(statement)

    def constant(self, obj: Any, shape: Shape | None = None) -> Expr:
        """A name for ``obj`` in the program's namespace (``shape``: a block's)."""
        name = f"k{len(self.objects)}"
        self.objects[name] = obj
        expr = named(name)
        self.shapes[key(expr)] = shape
        return expr

    def shape(self, i: int) -> Shape:
        return Shape(not self.uniform[i], self.widths[i])

    def dims(self, i: int) -> Expr:
        """Group i's block shape, as the statements write it: ``(size, m)`` or ``(1, m)``."""
        return items(1 if self.uniform[i] else named("size"), self.widths[i])

    def wanted(self, i: int) -> bool:
        """Whether group i's gradient is wanted (a backward pass for the parameters' gradients
        alone wants no input's)."""
        return self.needed is None or self.needed[i]

    # --- Gradient blocks ----------------------------------------------------------------------

    def gradient(self, i: int) -> Expr:
        """``G[i]``, made zeros here if no partial has arrived yet."""
        if i not in self.made:
            self.made.add(i)
            self.buffered[i] = self.buffers.gradient(i)
            self.emit(assign(G[i], self.buffered[i]))
            self.emit(run(G[i].attr("fill")(0.0)))
        return G[i]

    def gradient_part(self, i: int, part: Callable[[Expr], Expr]) -> Expr:
        """``part(G[i])`` (``G[i]`` made zeros if it was not), a slice or a reshape of it: a
        view made once where ``G[i]`` is its buffer."""
        block = self.gradient(i)
        if i in self.buffered:
            return self.buffers.view(part(self.buffered[i]))
        return part(block)

    def keeps(self, i: int) -> bool:
        """Whether the next block :meth:`receive` gets for group i becomes its gradient."""
        return i not in self.made

    def receive(self, i: int, part: Expr, owned: bool, into: Expr | None = None) -> None:
        """``part``, a block of group i's shape, added into ``G[i]``. The first to arrive
        becomes it if nothing else holds it (``owned``: a partial worked out into group i's
        buffer, ``into``, or a new array), else it is copied into that buffer."""
        if i in self.made:
            self.emit(add_to(G[i], part))
            return
        self.made.add(i)
        if owned:
            if into is not None:
                self.buffered[i] = into
            self.emit(assign(G[i], part))
        elif self.uniform[i]:
            self.emit(assign(G[i], part.attr("copy")()))
        else:
            self.buffered[i] = self.buffers.gradient(i)
            self.emit(assign(G[i], self.buffered[i]))
            self.emit(run(named("np.copyto")(G[i], part)))

    # --- Compiling, and showing -----------------------------------------------------------

    def modules(self, name: str) -> list[ast.Module]:
        """The program as modules of one function each, named ``name``."""
        return [function(name, PARAMETERS, body) for body in self.functions]

    def compiled(self, name: str, namespace: Mapping[str, Any]) -> list[Callable[..., None]]:
        """The program's functions, compiled in ``namespace`` and the program's objects."""
        scope = {**namespace, **self.objects}
        functions = []
        for k, module in enumerate(self.modules(name)):
            exec(compile(module, f"<block program {name} {k}>", "exec"), scope)
            functions.append(scope.pop(name))
        return functions

    def source(self, name: str) -> str:
        """The program as Python source, one function after another."""
        return "\n\n".join(ast.unparse(module) for module in self.modules(name)) + "\n"
