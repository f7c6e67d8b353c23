"""The page of a derivation (:func:`~autograd_lite.explain`): backpropagation to click through.

One self-contained HTML file, to open in any browser with no network and no server: the
graph's SVG, drawn by :func:`~autograd_lite.draw_graph` and laid out by Graphviz's ``dot``
(:func:`autograd_lite.pictures.run_dot`), sits in the page with the steps as JSON, a style
sheet (``derivation_page.css``) and a plain script (``derivation_page.js``) that plays them;
both ship beside this module and are copied into every page.

Stepping
    Each step of the derivation is one position of the slider: the node computed (forward) or
    differentiated (backward) is outlined in red, the operands it reads or the one it adds to
    in orange, and the step's line is shown above the graph and highlighted in the list of
    lines beside it (scrolled to it; a click on a line goes to its step). Each box shows the
    node's value once it is computed and, from the first backward step on, its gradient so
    far; the last step shows every node's final gradient, the numbers ``root.backward()``
    gives (four significant digits, as in the pictures). **Previous**, **Next**, **Play**, the
    arrow keys (←/→, Home, End) and the slider move through the steps.

Zoom and pan
    **−**, **+** and **Fit** (keys ``-``, ``+``, ``0``), the mouse wheel (about the pointer)
    and dragging move the view of the graph. The page opens with the whole graph when its
    boxes can be read so (text of at least :data:`READABLE_PX` pixels), and otherwise at that
    size around the first step; as the steps move, the view follows the current node (with the
    boxes it reads or adds to, when they fit) whenever it would leave the view.

Presentation
    **Presentation** (key ``P``; ``Esc`` leaves it) fills the browser's window with the player:
    the current line at least :data:`PRESENTATION_LINE_PX` pixels high and the boxes' text at
    least :data:`PRESENTATION_BOX_PX`, readable on a 1920×1080 projector from the back of a
    room (the browser's full screen, F11, hides its bars too).

Deep links
    A page opened as ``page.html#step=61`` starts at step 61 (counting from 1, as the page
    does), and stepping keeps the address at the current step, so a link to a step can go on
    a slide; ``#step=61&quiz`` opens the quiz there. Only a whole page does this: a page inside
    a notebook leaves the notebook's address alone.

Quiz
    **Quiz** (key ``Q``) asks, before each step from the current one on is revealed, for the
    number it works out: a node's value going forward, the gradient added, ḡ(v) · ∂v/∂u, going
    back. An answer within :data:`QUIZ_RTOL` of the value, or
    :data:`QUIZ_ATOL` of it for values near 0, is right (fractions such as ``1/3`` are read
    too); the page says right or wrong, shows the line, and keeps the score. **Show the line**
    reveals a step without scoring it. The lines of steps not yet revealed are hidden.

A page draws the whole graph (with ``wrt=``, the part of it the steps read: the nodes kept and
their operands), and Graphviz's layout and the page grow faster than the graph
(2,000 nodes: a 6 MB page in 3 s; 20,000: ``dot`` still busy after a minute), while nobody can
follow the boxes of thousands of nodes. So a graph of more than :data:`MAX_PAGE_NODES` Values
is refused with a ``ValueError`` before ``dot`` runs and before any file is touched, unless
``max_nodes`` is raised on purpose; the text (``print(explanation)``), which summarises a long
derivation, works at any size.

The boxes are found in the SVG by their Graphviz names (``v7`` is ``order[7]``), and a box's
last two texts are its ``data`` and ``grad`` fields, as :mod:`autograd_lite.render` draws them.

This module reads a derivation through the small :class:`Derivation` protocol, which
:class:`~autograd_lite.derivation.Explanation` satisfies, and imports nothing of
:mod:`autograd_lite.derivation`; graphviz is imported only when a page is drawn.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import os
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from autograd_lite.files import write_atomically
from autograd_lite.pictures import DEFAULT_TIMEOUT, run_dot
from autograd_lite.value import Value

__all__ = [
    "MAX_PAGE_NODES",
    "PRESENTATION_BOX_PX",
    "PRESENTATION_LINE_PX",
    "QUIZ_ATOL",
    "QUIZ_RTOL",
    "READABLE_PX",
    "SCRIPT",
    "STYLE",
    "Derivation",
    "PageStep",
    "check_size",
    "fragment",
    "page",
    "steps_data",
    "write_page",
]

#: The most Values a page draws (:meth:`~autograd_lite.Explanation.to_html`) unless asked for
#: more.
MAX_PAGE_NODES = 1000

#: Not yet known: a box's value before its forward step, its gradient before backward starts.
UNKNOWN = "·"

#: The height in CSS pixels of a box's text in the view the page opens with (and the least
#: the view follows the steps at, when the whole graph is smaller).
READABLE_PX = 14
#: In presentation mode: the least height of a box's text, and the current line's font size.
PRESENTATION_BOX_PX = 24
PRESENTATION_LINE_PX = 44

#: The quiz takes an answer a for a value x when |a − x| ≤ QUIZ_ATOL + QUIZ_RTOL · |x|:
#: within 1 %, or 0.001 near 0 (a hand calculation keeps two or three digits).
QUIZ_RTOL = 0.01
QUIZ_ATOL = 0.001

# Fresh ids, so that several pages in one notebook do not meet.
_IDS = itertools.count()


def _asset(name: str) -> str:
    """A file shipped beside this module (package data), as text."""
    return resources.files("autograd_lite").joinpath(name).read_text(encoding="utf-8")


#: The page's style sheet; every rule is scoped to the player's ``.agl-explain`` element.
STYLE = _asset("derivation_page.css")

#: The player. It reads the steps from the JSON beside it (:func:`steps_data`) and the sizes
#: above (``SETTINGS``). Step k shows the initial texts with the changes of steps 0 … k applied.
SCRIPT = _asset("derivation_page.js")


class PageStep(Protocol):
    """What the page reads of one step (:class:`~autograd_lite.derivation.Step` has it)."""

    @property
    def phase(self) -> str: ...
    @property
    def node(self) -> int: ...
    @property
    def operands(self) -> tuple[int, ...]: ...
    @property
    def text(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def question(self) -> str: ...
    @property
    def answer(self) -> float | None: ...


class Derivation(Protocol):
    """What the page reads of a derivation (:class:`~autograd_lite.Explanation` has it)."""

    @property
    def root(self) -> Value: ...
    @property
    def order(self) -> list[Value]: ...
    @property
    def names(self) -> Mapping[Value, str]: ...
    @property
    def steps(self) -> Sequence[PageStep]: ...
    @property
    def gradients(self) -> Mapping[Value, float]: ...
    @property
    def drawn(self) -> list[int]: ...
    @property
    def restricted(self) -> bool: ...


def steps_data(derivation: Derivation) -> dict[str, Any]:
    """The steps as the script plays them: the initial box texts and each step's changes.

    Before the first step a box shows its value only if no forward step computes it, and no
    gradient. The first backward step (the root's gradient, 1) sets every gradient shown to 0 and
    the root's to 1; each ``+=`` sets its operand's gradient so far; a last step, "done", sets
    every box to its final gradient. Each step also carries what the quiz asks: its line with
    the number it works out as ``?`` (``question``), that number (``answer``, ``None`` where
    nothing is worked out: a leaf, the seed, a number that is not finite) and its text.
    """
    from autograd_lite.render import number_label  # the boxes' format; graphviz only on use

    order, drawn = derivation.order, derivation.drawn
    steps_ = derivation.steps
    forward = {s.node for s in steps_ if s.phase == "forward" and order[s.node].op}
    initial = [[i, "data", UNKNOWN if i in forward else number_label(order[i].data)] for i in drawn]
    initial += [[i, "grad", UNKNOWN] for i in drawn]
    kept = {s.node for s in steps_ if s.phase == "backward"}
    kept |= {u for s in steps_ if s.phase == "backward" for u in s.operands}
    steps: list[dict[str, Any]] = []
    for s in steps_:
        if s.phase == "forward":
            changes = [[s.node, "data", number_label(s.value)]]
        elif not s.operands:  # the seed: gradients start at 0, the root's at 1
            changes = [[i, "grad", "0"] for i in sorted(kept)] + [[s.node, "grad", "1"]]
        else:
            changes = [[s.operands[0], "grad", number_label(s.value)]]
        step = _step(s.phase, s.node, list(s.operands), s.text, changes)
        if s.answer is not None and math.isfinite(s.answer):
            step.update(question=s.question, answer=s.answer, shown=_shown(s.answer))
        steps.append(step)
    final = [[i, "grad", number_label(derivation.gradients[order[i]])] for i in drawn]
    root = derivation.names[derivation.root]
    done = f"Done: every box shows its final gradient ḡ(v) = ∂{root}/∂v, what backward() gives."
    steps.append(_step("done", None, [], done, final))
    return {"initial": initial, "steps": steps}


def _step(phase: str, node: int | None, operands: list[int], text: str, changes: list[Any]) -> Any:
    return {
        "phase": phase,
        "node": node,
        "operands": operands,
        "text": text,
        "set": changes,
        "question": None,
        "answer": None,
        "shown": None,
    }


def _shown(x: float) -> str:
    """A number as the lines write it: six significant digits."""
    return "0" if x == 0.0 else f"{x:.6g}"


def check_size(derivation: Derivation, max_nodes: int, caller: str = "to_html") -> None:
    """Refuse (``ValueError``) a graph of more than ``max_nodes`` Values, saying what to do."""
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"{caller}: max_nodes must be a positive int, got {max_nodes!r}")
    size = len(derivation.drawn)
    if size > max_nodes:
        graph = "the part of the graph wrt= keeps" if derivation.restricted else "the graph"
        raise ValueError(
            f"{caller}: {graph} has {size:,} Values, more than max_nodes={max_nodes:,}: the "
            "page draws every one (dot would take minutes, the page would be many MB and "
            "unreadable). Explain a smaller part instead (one example's loss, one neuron's "
            "output, explain(root, wrt=[x, w]) for the nodes between x, w and the root), or "
            "read the text, print(explanation), which summarises; or pass "
            f"max_nodes={size} or more to draw it anyway."
        )


def svg(
    derivation: Derivation,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    target: Path = Path("the page"),
) -> str:
    """The graph as an SVG element, each box with its name, value and final gradient;
    ``target`` is the file named in the messages when ``dot`` is missing or too slow. Call
    :func:`check_size` first: this draws any number of Values."""
    from autograd_lite.render import draw_graph

    order = derivation.order
    graph = draw_graph(
        derivation.root,
        show_grad=True,
        grads=derivation.gradients,
        labels=derivation.names,
        max_nodes=max(1, len(derivation.drawn)),
        nodes=[order[i] for i in derivation.drawn] if derivation.restricted else None,
    )
    drawn = run_dot(graph.source, "svg", target, timeout=timeout, caller="to_html")
    text = drawn.decode("utf-8")
    return text[text.index("<svg") :]  # without the XML prolog and the DOCTYPE


_CONTROLS = """<div class="agl-controls">
<button type="button" class="agl-previous" title="the step before (←)">Previous</button>
<button type="button" class="agl-play" title="one step after another">Play</button>
<button type="button" class="agl-next" title="the step after (→)">Next</button>
<input type="range" class="agl-slider" min="0" max="LAST" value="0" aria-label="step">
<span class="agl-count"></span>
</div>
<div class="agl-tools">
<span class="agl-zoom-tools">zoom
<button type="button" class="agl-zoom-out" title="zoom out (−)" aria-label="zoom out">−</button>
<span class="agl-zoom">100%</span>
<button type="button" class="agl-zoom-in" title="zoom in (+)" aria-label="zoom in">+</button>
<button type="button" class="agl-fit" title="the whole graph (0)">Fit</button></span>
<button type="button" class="agl-quiz" aria-pressed="false"
 title="asks each step's number before showing it (Q)">Quiz</button>
<button type="button" class="agl-present" aria-pressed="false"
 title="the player fills the window, large type (P; Esc leaves)">Presentation</button>
<span class="agl-keys">keys: ← → Home End · + − 0 · P presentation · Q quiz ·
wheel: zoom · drag: pan</span>
</div>
<div class="agl-line" aria-live="polite"></div>
<div class="agl-quizbox" hidden>
<label>your answer <input type="text" class="agl-answer" inputmode="decimal"
 autocomplete="off" spellcheck="false" size="14"></label>
<button type="button" class="agl-check">Check</button>
<button type="button" class="agl-reveal">Show the line</button>
<span class="agl-verdict" aria-live="polite"></span>
<span class="agl-score"></span>
</div>"""


def _settings(whole_page: bool) -> str:
    """The script's settings, as a JavaScript object literal."""
    settings = {
        "wholePage": whole_page,
        "readable": READABLE_PX,
        "presentationBox": PRESENTATION_BOX_PX,
        "rtol": QUIZ_RTOL,
        "atol": QUIZ_ATOL,
    }
    return json.dumps(settings)


def fragment(
    derivation: Derivation,
    *,
    whole_page: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
    target: Path = Path("the page"),
    max_nodes: int = MAX_PAGE_NODES,
) -> str:
    """The player as one ``<div>``: controls, the current line, the graph, the lines, the script.

    ``whole_page``: the keys and the mouse wheel work anywhere on the page and the address
    follows the step (``#step=N``); otherwise (in a notebook) the keys and the wheel work once
    the player has the focus (click it), so they still scroll and move between a notebook's
    cells, and the notebook's address is left alone. A graph of more than ``max_nodes`` Values
    raises ``ValueError`` (:func:`check_size`).
    """
    check_size(derivation, max_nodes)
    uid = f"agl-explain-{os.getpid()}-{next(_IDS)}"
    steps = steps_data(derivation)
    data = json.dumps(steps, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")
    lines = "".join(f"<li>{html.escape(s['text'])}</li>" for s in steps["steps"])
    script = SCRIPT.replace("ROOT_ID", json.dumps(uid)).replace("SETTINGS", _settings(whole_page))
    controls = _CONTROLS.replace("LAST", str(len(steps["steps"]) - 1))
    graph = svg(derivation, timeout=timeout, target=target)
    return f"""<div class="agl-explain" id="{uid}" tabindex="0">
<style>{STYLE}</style>
{controls}
<div class="agl-main">
<div class="agl-view">{graph}</div>
<ol class="agl-lines">{lines}</ol>
</div>
<script type="application/json" class="agl-data">{data}</script>
<script>{script}</script>
</div>"""


def page(
    derivation: Derivation,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    target: Path = Path("the page"),
    max_nodes: int = MAX_PAGE_NODES,
) -> str:
    """The whole HTML document of :func:`fragment`: keys on the whole page, ``#step=N`` links."""
    root = derivation.names[derivation.root]
    title = html.escape(f"Backpropagation through {root}")
    body = fragment(
        derivation, whole_page=True, timeout=timeout, target=target, max_nodes=max_nodes
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title></head>
<body style="margin: 0.6em 1em; font-family: Helvetica, Arial, sans-serif">
<h1 style="font-size: 1.3em; margin: 0.2em 0">{title}</h1>
<p style="margin: 0.2em 0">Forward, each node after
its operands; then backward, in reverse, each node v adding ḡ(v) · ∂v/∂u to each operand u:
ḡ(v) = ∂{html.escape(root)}/∂v is the gradient v has gathered (its .grad, a box's grad), ∂v/∂u
the local derivative of v's op with respect to u, written in the operands' names, then as a
number. A link to this page ending in
<code>#step=N</code> opens step N.</p>
{body}
</body>
</html>
"""


def write_page(
    derivation: Derivation,
    path: str | os.PathLike[str],
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_nodes: int = MAX_PAGE_NODES,
) -> Path:
    """Write :func:`page` to ``path`` atomically; return the path.

    The page is made whole in memory first, so a refusal (too many nodes, ``dot`` missing or
    too slow) or an interrupt leaves ``path`` as it was; then it replaces ``path`` at once.
    """
    text = page(derivation, timeout=timeout, target=Path(path), max_nodes=max_nodes)
    return write_atomically(path, text.encode("utf-8"))
