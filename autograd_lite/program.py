"""A block program: the source of a batched replay, written once, and the buffers it writes into.

:mod:`autograd_lite.blocks` writes each group of a recording as lines of Python on whole blocks
(B × m arrays). This module holds what those lines are written with:

* :class:`Source`, the program being written: its lines, the objects they name, and which
  gradient blocks exist at the line being written. The order of the adds is fixed, so that is
  known when the code is written: the first partial to arrive at a block becomes it, later
  ones are added, and no line tests for it when it runs.
* :func:`written_into`, which rewrites a formula's expression so that each operation making a
  block of B rows writes into a buffer of the program's own (``np.multiply(g, s, out=P[4])``
  for ``g * s``): the same ufuncs on the same operands, so the same numbers, with no new array.

The buffers are allocated once per batch size, as a hand-written NumPy step allocates its own:
a new array of 10,000 × 16 is faulted into memory page by page, and the allocator returns
freed ones to the system: made anew each replay, micrograd's graph at B = 10,000 took 918 page
faults a step and 2.3× the time of the same step with glibc told to keep its memory. A group's
values and gradient each have a buffer of their own; a partial that is only added somewhere,
and a formula's intermediate results, share scratch buffers that the next line may overwrite.
The views the lines read of them (a layer's weights in the leaves' row, a transposed output)
are made with them too (:meth:`Source.view`), not at each replay.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_lite import batched
from autograd_lite.codegen import Names

#: A block's static shape: (whether it has a row per sample, its width); None for a number.
Shape = tuple[bool, int] | None

#: The ufunc of each arithmetic operator (the same one NumPy's ``a * b`` calls).
_UFUNCS: dict[type, str] = {
    ast.Add: "np.add",
    ast.Sub: "np.subtract",
    ast.Mult: "np.multiply",
    ast.Div: "np.true_divide",
}


class Source:
    """The block program of one pass, being written.

    The lines work on lists indexed by group: ``V`` the values, ``G`` the gradients, ``R``
    what a group keeps from forward for backward (``R[0]``: [1 | the inputs], ``R[1]``: the
    leaves' magnitude, ``R[len(widths)]``: the inputs'); ``P`` is the program's buffers
    (``P[n]``, a column-major block of B rows), ``size`` is B and ``ones`` B ones."""

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
        self.objects: dict[str, Any] = {}
        self.shapes: dict[str, Shape] = {}  # the named constants' shapes
        self.chunks: list[list[str]] = []
        self.made: set[int] = set()
        #: The gradient blocks made as their own buffer (zeros, or a copy), by the buffer's name.
        self.buffered: dict[int, str] = {}
        #: Each buffer's width, and whether it is a block with a column of ones before it
        #: (``"ones"``: the block [1 | values] itself; ``"after"``: its view without the 1s;
        #: ``"unit"``: one row [1 | values]; ``"row"``: one row, a uniform group's gradient);
        #: or a view's expression (``"view"``, see :meth:`view`).
        self.buffers: list[tuple[Any, str]] = []
        #: The groups whose values are kept after a column of ones: an affine group reading
        #: them as X adds its biases in its matrix product, [b | W] · [1 | X]ᵀ.
        self.augmented: set[int] = set()
        #: The blocks known to hold no NaN nor infinity, by name (``V[i]`` of an affine group:
        #: its bound was checked before its product).
        self.finite: set[str] = set()
        #: An upper bound of some groups' magnitude ‖V[i]‖ (√Σ v²), at least 1, as an
        #: expression of numbers the program computed before (a plain layer's from its
        #: operands' magnitudes, see ``Affine``; an elementwise group's from its operands'
        #: bounds): the bound check of a layer reading the block reads it instead of a pass.
        self.bounds: dict[int, str] = {}
        #: Bounds of some groups' gradients ‖G[i]‖ known before their backward, as
        #: expressions (the root's, when the seed is its gradient).
        self.gradient_bounds: dict[int, str] = {}
        #: The slot of ``R`` after the groups' own: the inputs' magnitude, if a layer reads it.
        self.extra = len(widths)
        self._owned: dict[Any, int] = {}  # ("V" or "G", group) or ("scratch", width, k) → n

    # --- Writing lines ------------------------------------------------------------------------

    def line(self, text: str) -> None:
        self.chunks[-1].append(text)

    def name(self, obj: Any, shape: Shape = None) -> str:
        """A name for ``obj`` in the program's namespace (``shape``: a constant's)."""
        name = f"_k{len(self.objects)}"
        self.objects[name] = obj
        self.shapes[name] = shape
        return name

    def shape(self, i: int) -> Shape:
        return (not self.uniform[i], self.widths[i])

    def dims(self, i: int) -> str:
        """Group i's block shape, as the lines write it."""
        return f"(1, {self.widths[i]})" if self.uniform[i] else f"(size, {self.widths[i]})"

    def wanted(self, i: int) -> bool:
        """Whether group i's gradient is wanted (``backward`` wants no input's)."""
        return self.needed is None or self.needed[i]

    # --- Gradient blocks ----------------------------------------------------------------------

    def gradient(self, i: int) -> str:
        """``G[i]``, made zeros here if no partial has arrived yet."""
        if i not in self.made:
            self.made.add(i)
            self.buffered[i] = self.buffer("G", i)
            self.line(f"G[{i}] = {self.buffered[i]}")
            self.line(f"G[{i}].fill(0.0)")
        return f"G[{i}]"

    def gradient_part(self, i: int, index: str) -> str:
        """``G[i]`` (made zeros if it was not) indexed by ``index`` (``"[0, 3:5]"``, or with a
        reshape): a view made once where ``G[i]`` is its buffer and ``index`` slices."""
        block = self.gradient(i)
        if i in self.buffered:
            return self.view(f"{self.buffered[i]}{index}")
        return f"{block}{index}"

    def keeps(self, i: int) -> bool:
        """Whether the next block :meth:`receive` gets for group i becomes its gradient."""
        return i not in self.made

    def receive(self, i: int, part: str, owned: bool, into: str | None = None) -> None:
        """``part``, a block of group i's shape, added into ``G[i]``. The first to arrive
        becomes it if nothing else holds it (``owned``: a partial worked out into group i's
        buffer, ``into``, or a new array), else it is copied into that buffer."""
        if i in self.made:
            self.line(f"G[{i}] += {part}")
            return
        self.made.add(i)
        if owned:
            if into is not None:
                self.buffered[i] = into
            self.line(f"G[{i}] = {part}")
        elif self.uniform[i]:
            self.line(f"G[{i}] = {part}.copy()")
        else:
            self.buffered[i] = self.buffer("G", i)
            self.line(f"G[{i}] = {self.buffered[i]}")
            self.line(f"np.copyto(G[{i}], {part})")

    # --- Buffers ------------------------------------------------------------------------------

    def buffer(self, kind: str, i: int) -> str:
        """Group i's own buffer for its values (``"V"``) or its gradient (``"G"``): a block of
        B rows, or one row for a group the same in every sample."""
        if kind == "V" and i in self.augmented:
            return f"P[{self._ones(i) + 1}]"
        if self.uniform[i]:
            return self.row((kind, i), self.widths[i])
        return self._buffer((kind, i), self.widths[i])

    def with_ones(self, i: int) -> str:
        """The block [1 | V[i]] of a group in :attr:`augmented`: its values' buffer is a view
        of it (``P[n + 1]`` is ``P[n]`` without the column of ones)."""
        return f"P[{self._ones(i)}]"

    def _ones(self, i: int) -> int:
        key = ("ones", i)
        if key not in self._owned:
            self._owned[key] = len(self.buffers)
            self.buffers += [(self.widths[i], "ones"), (self.widths[i], "after")]
        return self._owned[key]

    def scratch(self, width: int, k: int) -> str:
        """The k-th scratch buffer of a width: a line's intermediate results, overwritten by
        the next line's."""
        return self._buffer(("scratch", width, k), width)

    def row(self, key: Any, width: int) -> str:
        """A row of ``width`` of the program's own, named by ``key`` (``("W", i)``)."""
        return self._buffer(("row", key), width, "row")

    def unit_row(self, i: int, width: int) -> str:
        """A row of ``width`` for group i whose first entry is 1 (``[1 | values]``, written
        after it by the lines)."""
        key = ("unit", i)
        if key not in self._owned:
            self._owned[key] = len(self.buffers)
            self.buffers.append((width, "unit"))
        return f"P[{self._owned[key]}]"

    def view(self, expression: str) -> str:
        """``P[n]``, standing for ``expression``: a view (a slice, a transpose, a reshape) of
        blocks that stay the same from one replay of a batch size to the next, the program's
        buffers and the pool's ``V[0]``, ``V[1]`` and ``R[0]`` (the inputs, the leaves' row,
        [1 | the inputs]). It is made once, with the buffers, not at each replay: a view
        made in a line costs 0.15 to 0.5 µs, the more after the cache has held blocks."""
        key = ("view", expression)
        if key not in self._owned:
            self._owned[key] = len(self.buffers)
            self.buffers.append((expression, "view"))
        return f"P[{self._owned[key]}]"

    def _buffer(self, key: Any, width: int, kind: str = "plain") -> str:
        n = self._owned.get(key)
        if n is None:
            n = self._owned[key] = len(self.buffers)
            self.buffers.append((width, kind))
        return f"P[{n}]"

    def allocate(self, size: int, pool: dict[str, list[np.ndarray]] | None = None) -> list[Any]:
        """The program's buffers for a batch of ``size``, and its views of them and of the
        ``pool``'s blocks (``{"V": [inputs, leaves], "R": [[1 | inputs]]}``)."""
        made: list[Any] = []
        for width, kind in self.buffers:
            if kind == "view":  # "width" is the view's expression, one of ours (see view)
                made.append(eval(width, {"P": made, **(pool or {})}))
            elif kind == "after":
                made.append(made[-1][:, 1:])
            elif kind == "row":
                made.append(np.empty((1, width)))
            elif kind == "unit":
                made.append(np.empty((1, width)))
                made[-1][0, 0] = 1.0
            else:
                made.append(np.empty((size, width + (kind == "ones")), order="F"))
                if kind == "ones":
                    made[-1][:, 0] = 1.0
        return made

    # --- Compiling ----------------------------------------------------------------------------

    def functions(self, kind: str, helpers: dict[str, Any]) -> list[Callable[..., None]]:
        """The program, compiled: one function per chunk of lines."""
        namespace = {**batched.namespace(self.names.namespace), **self.objects, **helpers}
        functions = []
        for k, lines in enumerate(self.chunks):
            body = "".join(f"    {line}\n" for line in lines) or "    pass\n"
            source = f"def {kind}(V, G, R, P, size, seed, ones):\n{body}"
            exec(compile(source, f"<blocks {kind} {k}>", "exec"), namespace)
            functions.append(namespace.pop(kind))
        return functions


#: Where a whole expression goes: a buffer, and the shape it has.
Target = tuple[str, Shape]


def written_into(
    text: str, shapes: dict[str, Shape], src: Source, target: Target | None = None
) -> str:
    """``text``, an expression of a formula on blocks, with each operation whose result is a
    block of B rows (its shape known from ``shapes``, the operands' names) writing into a
    buffer: the whole expression into ``target`` if given and of its shape, each other result
    into a scratch buffer. An operation whose operands' shapes are not all known is left as
    it is (it makes a new array)."""
    tree = ast.parse(text, mode="eval")
    writer = _Writer(shapes, src, tree.body, target)
    body = writer.visit(tree.body)
    return ast.unparse(body)


def writes_into(text: str, buffer: str) -> bool:
    """Whether ``text``, as :func:`written_into` gives it, writes its result into ``buffer``:
    a ufunc, or an array form that takes ``out=``, returns ``out`` itself, so the result is
    then that buffer, a block of floats of its shape (no check of it is needed)."""
    node = ast.parse(text, mode="eval").body
    return isinstance(node, ast.Call) and any(
        k.arg == "out" and ast.unparse(k.value) == buffer for k in node.keywords
    )


class _Writer(ast.NodeTransformer):
    """The rewriting of :func:`written_into`: shapes worked out bottom-up, each known block
    of B rows given ``out=``."""

    def __init__(
        self, shapes: dict[str, Shape], src: Source, root: ast.AST, target: Target | None
    ) -> None:
        self.names, self.src, self.root, self.target = shapes, src, root, target
        self.known: dict[int, Shape] = {}  # id(node) → its shape, for the nodes worked out
        self.outs: dict[int, ast.keyword] = {}  # the out= of each call written here
        self.replaced: list[ast.AST] = []  # kept alive, so that no new node takes their ids
        self.scratches = 0

    def shape_of(self, node: ast.AST) -> tuple[bool, Shape]:
        """(whether the shape is known, the shape)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return True, None
        if id(node) in self.known:
            return True, self.known[id(node)]
        text = ast.unparse(node) if isinstance(node, ast.Name | ast.Subscript) else None
        if text is not None and text in self.names:
            return True, self.names[text]
        return False, None

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        return self._write(node, _UFUNCS.get(type(node.op)), [node.left, node.right])

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        ufunc = "np.negative" if isinstance(node.op, ast.USub) else None
        return self._write(node, ufunc, [node.operand])

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        form = None
        if isinstance(node.func, ast.Name) and not node.keywords:
            function = self.src.names.namespace.get(node.func.id)
            form = batched.ARRAY_FORMS.get(function) if function is not None else None
        if form in batched.ON_FINITE and all(ast.unparse(a) in self.src.finite for a in node.args):
            form = batched.ON_FINITE[form]
        return self._write(node, form if form in batched.WRITES_OUT else None, node.args)

    def _write(self, node: ast.expr, function: Any, operands: list[ast.expr]) -> ast.AST:
        """``node`` as ``function(*operands, out=buffer)`` if its result is a block of B rows;
        ``function``: a ufunc's name, an array form that takes ``out``, or None."""
        found = [self.shape_of(x) for x in operands]
        shape = _broadcast([s for _, s in found]) if all(k for k, _ in found) else ...
        if shape is ...:
            return node  # not known: nor is any expression containing it
        self.known[id(node)] = shape
        if function is None or shape is None or not shape[0]:
            return node  # a number, or a row: small, left to NumPy
        if node is self.root and self.target is not None:  # the result is kept: never scratch
            if self.target[1] != shape:
                return node
            out = self.target[0]
        else:
            out = self.src.scratch(shape[1], self.scratches)
            self.scratches += 1
        keyword = ast.keyword(arg="out", value=ast.parse(out, mode="eval").body)
        if isinstance(function, str):  # a ufunc may write over an operand: g * s into s
            self._share(operands, shape, keyword)
        name = function if isinstance(function, str) else self.src.name(function)
        call = ast.Call(func=ast.parse(name, mode="eval").body, args=operands, keywords=[keyword])
        self.known[id(call)] = shape
        self.outs[id(call)] = keyword
        self.replaced.append(node)
        return call

    def _share(self, operands: list[ast.expr], shape: Shape, keyword: ast.keyword) -> None:
        """The first operand worked out here into a buffer of the same shape writes into this
        operation's buffer instead: a ufunc reads each element before it writes it, so
        ``np.multiply(g, s, out=s)`` is g·s, with one block fewer going through the cache."""
        for operand in operands:
            if id(operand) in self.outs and self.known[id(operand)] == shape:
                self.outs[id(operand)].value = keyword.value
                return


def _broadcast(shapes: list[Shape]) -> Any:
    """The shape NumPy broadcasts ``shapes`` to (None: all numbers; ``...``: not one block)."""
    blocks = [s for s in shapes if s is not None]
    if not blocks:
        return None
    rows = any(r for r, _ in blocks)
    widths = {w for _, w in blocks} - {1}
    if len(widths) > 1:
        return ...
    return rows, widths.pop() if widths else 1
