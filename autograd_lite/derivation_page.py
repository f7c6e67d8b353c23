"""The page of an :class:`~autograd_lite.derivation.Explanation`: the derivation to click through.

One self-contained HTML file, to open in any browser with no network and no server: the
graph's SVG, drawn by :func:`~autograd_lite.draw_graph` and laid out by Graphviz's ``dot``
(:func:`autograd_lite.pictures.run_dot`), sits in the page with the steps as JSON and a little
plain JavaScript (:data:`SCRIPT`) that plays them.

Each step of the derivation is one position of the slider: the node computed (forward) or
differentiated (backward) is outlined in red, the operands it reads or the one it adds to in
orange, and the step's line is shown. Each box shows the node's value once it is computed and,
from the first backward step on, its gradient so far; the last step shows every node's final
gradient, ∂root/∂v, the numbers ``root.backward()`` gives (four significant digits, as in the
pictures). **Previous**, **Next**, **Play**, the arrow keys (←/→, Home, End) and the slider move
through the steps.

A page draws the whole graph (with ``wrt=``, the part of it the steps read: the nodes kept and
their operands), and Graphviz's layout and the page grow faster than the graph
(2,000 nodes: a 6 MB page in 3 s; 20,000: ``dot`` still busy after a minute), while nobody can
follow the boxes of thousands of nodes. So a graph of more than :data:`MAX_PAGE_NODES` Values
is refused with a ``ValueError`` before ``dot`` runs and before any file is touched, unless
``max_nodes`` is raised on purpose; the text (``print(explanation)``), which summarises a long
derivation, works at any size. In Jupyter such an Explanation displays as that text.

The boxes are found in the SVG by their Graphviz names (``v7`` is ``order[7]``), and a box's
last two texts are its ``data`` and ``grad`` fields, as :mod:`autograd_lite.render` draws them.
"""

from __future__ import annotations

import html
import itertools
import json
import os
from pathlib import Path
from typing import Any

from autograd_lite.derivation import MAX_PAGE_NODES, Explanation
from autograd_lite.files import write_atomically
from autograd_lite.pictures import DEFAULT_TIMEOUT, run_dot
from autograd_lite.render import draw_graph, number_label

__all__ = ["SCRIPT", "check_size", "fragment", "page", "write_page"]

#: Not yet known: a box's value before its forward step, its gradient before backward starts.
UNKNOWN = "·"

# Fresh ids, so that several pages in one notebook do not meet.
_IDS = itertools.count()

STYLE = """
.agl-explain { font-family: Helvetica, Arial, sans-serif; max-width: 100%; outline: none; }
.agl-explain .agl-graph svg { max-width: 100%; height: auto; }
.agl-explain .agl-controls { margin: 0.5em 0; display: flex; gap: 0.5em; align-items: center; }
.agl-explain .agl-slider { flex: 1; }
.agl-explain .agl-line { font-family: monospace; font-size: 1.1em; padding: 0.4em;
  background: #f4f4f4; border-left: 4px solid #c0392b; white-space: pre-wrap; }
.agl-explain .agl-lines { font-family: monospace; font-size: 0.85em; max-height: 16em;
  overflow-y: auto; white-space: pre; margin: 0.5em 0; padding: 0; list-style: none; }
.agl-explain .agl-lines li.agl-now { background: #fde2e0; }
.agl-explain g.agl-current > polygon, .agl-explain g.agl-current > path,
.agl-explain g.agl-current > ellipse { stroke: #c0392b; stroke-width: 4px; }
.agl-explain g.agl-operand > polygon, .agl-explain g.agl-operand > path,
.agl-explain g.agl-operand > ellipse { stroke: #e67e22; stroke-width: 4px; }
.agl-explain g.agl-edge > path { stroke: #e67e22; stroke-width: 2.5px; }
"""

#: The player. It reads the steps from the JSON beside it: each has the line ``text``, the
#: ``node`` and ``operands`` to outline, and ``set``: [place, field, text] for each box field it
#: changes. Step k shows the initial texts with the changes of steps 0 … k applied.
SCRIPT = """
(function () {
  var root = document.getElementById(ROOT_ID);
  var data = JSON.parse(root.querySelector('.agl-data').textContent);
  var boxes = {}, ops = {}, edges = {};
  root.querySelectorAll('g.node').forEach(function (g) {
    var name = g.querySelector('title').textContent;
    var texts = g.querySelectorAll('text');
    if (/^v[0-9]+$/.test(name)) {
      var n = texts.length;
      boxes[name.slice(1)] = {g: g, data: texts[n - 2], grad: texts[n - 1]};
    } else if (/_op$/.test(name)) { ops[name.slice(1, -3)] = g; }
  });
  root.querySelectorAll('g.edge').forEach(function (g) {
    edges[g.querySelector('title').textContent] = g;
  });
  var slider = root.querySelector('.agl-slider'), line = root.querySelector('.agl-line');
  var count = root.querySelector('.agl-count'), play = root.querySelector('.agl-play');
  var items = root.querySelectorAll('.agl-lines li'), list = root.querySelector('.agl-lines');
  var last = data.steps.length - 1, now = 0, timer = null;
  function write(change) {
    var box = boxes[change[0]];
    if (box) { box[change[1]].textContent = change[1] + ' ' + change[2]; }
  }
  function mark(g, name) { if (g) { g.classList.add(name); } }
  function show(k) {
    now = Math.max(0, Math.min(last, k));
    data.initial.forEach(write);
    for (var i = 0; i <= now; i++) { data.steps[i].set.forEach(write); }
    root.querySelectorAll('.agl-current, .agl-operand, .agl-edge').forEach(function (g) {
      g.classList.remove('agl-current', 'agl-operand', 'agl-edge');
    });
    var step = data.steps[now];
    if (step.node !== null) {
      mark(boxes[step.node] && boxes[step.node].g, 'agl-current');
      mark(ops[step.node], 'agl-current');
      step.operands.forEach(function (u) {
        mark(boxes[u] && boxes[u].g, 'agl-operand');
        mark(edges['v' + u + '->v' + step.node + '_op'], 'agl-edge');
      });
    }
    line.textContent = step.text;
    count.textContent = 'step ' + (now + 1) + ' of ' + (last + 1) + ' (' + step.phase + ')';
    slider.value = now;
    items.forEach(function (li, i) { li.classList.toggle('agl-now', i === now); });
    var item = items[now];
    if (item) { list.scrollTop = item.offsetTop - list.offsetTop - list.clientHeight / 2; }
    if (now === last) { stop(); }
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = 'Play';
  }
  function toggle() {
    if (timer !== null) { stop(); return; }
    if (now === last) { show(0); }
    play.textContent = 'Pause';
    timer = setInterval(function () { show(now + 1); }, 700);
  }
  function button(name, move) {
    root.querySelector(name).addEventListener('click', function () { stop(); show(now + move); });
  }
  button('.agl-previous', -1);
  button('.agl-next', 1);
  play.addEventListener('click', toggle);
  slider.addEventListener('input', function () { stop(); show(parseInt(slider.value, 10)); });
  var keys = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1};
  (WHOLE_PAGE ? document : root).addEventListener('keydown', function (event) {
    if (event.target === slider) { return; }
    if (event.key in keys) { stop(); show(now + keys[event.key]); }
    else if (event.key === 'Home') { stop(); show(0); }
    else if (event.key === 'End') { stop(); show(last); }
    else { return; }
    event.preventDefault();
  });
  show(0);
})();
"""


def steps_data(explanation: Explanation) -> dict[str, Any]:
    """The steps as the script plays them: the initial box texts and each step's changes.

    Before the first step a box shows its value only if no forward step computes it, and no
    gradient. The first backward step (∂L/∂L = 1) sets every gradient shown to 0 and the
    root's to 1; each ``+=`` sets its operand's gradient so far; a last step, "done", sets
    every box to its final gradient.
    """
    order, names, drawn = explanation.order, explanation.names, explanation.drawn
    forward = {s.node for s in explanation.steps if s.phase == "forward" and order[s.node].op}
    initial = [[i, "data", UNKNOWN if i in forward else number_label(order[i].data)] for i in drawn]
    initial += [[i, "grad", UNKNOWN] for i in drawn]
    kept = {s.node for s in explanation.steps if s.phase == "backward"}
    kept |= {u for s in explanation.steps if s.phase == "backward" for u in s.operands}
    steps: list[dict[str, Any]] = []
    for s in explanation.steps:
        if s.phase == "forward":
            changes = [[s.node, "data", number_label(s.value)]]
        elif not s.operands:  # the seed: gradients start at 0, the root's at 1
            changes = [[i, "grad", "0"] for i in sorted(kept)] + [[s.node, "grad", "1"]]
        else:
            changes = [[s.operands[0], "grad", number_label(s.value)]]
        steps.append(_step(s.phase, s.node, list(s.operands), s.text, changes))
    final = [[i, "grad", number_label(explanation.gradients[order[i]])] for i in drawn]
    top = f"∂{names[explanation.root]}/∂v"
    done = f"Done: every box shows its final gradient {top}, what backward() gives."
    steps.append(_step("done", None, [], done, final))
    return {"initial": initial, "steps": steps}


def _step(phase: str, node: int | None, operands: list[int], text: str, changes: list[Any]) -> Any:
    return {"phase": phase, "node": node, "operands": operands, "text": text, "set": changes}


def check_size(explanation: Explanation, max_nodes: int, caller: str = "to_html") -> None:
    """Refuse (``ValueError``) a graph of more than ``max_nodes`` Values, saying what to do."""
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"{caller}: max_nodes must be a positive int, got {max_nodes!r}")
    size = len(explanation.drawn)
    if size > max_nodes:
        graph = "the part of the graph wrt= keeps" if explanation.restricted else "the graph"
        raise ValueError(
            f"{caller}: {graph} has {size:,} Values, more than max_nodes={max_nodes:,}: the "
            "page draws every one (dot would take minutes, the page would be many MB and "
            "unreadable). Explain a smaller part instead (one example's loss, one neuron's "
            "output, explain(root, wrt=[x, w]) for the nodes between x, w and the root), or "
            "read the text, print(explanation), which summarises; or pass "
            f"max_nodes={size} or more to draw it anyway."
        )


def svg(
    explanation: Explanation,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    target: Path = Path("the page"),
) -> str:
    """The graph as an SVG element, each box with its name, value and final gradient;
    ``target`` is the file named in the messages when ``dot`` is missing or too slow. Call
    :func:`check_size` first: this draws any number of Values."""
    order = explanation.order
    graph = draw_graph(
        explanation.root,
        show_grad=True,
        grads=explanation.gradients,
        labels=explanation.names,
        max_nodes=max(1, len(explanation.drawn)),
        nodes=[order[i] for i in explanation.drawn] if explanation.restricted else None,
    )
    drawn = run_dot(graph.source, "svg", target, timeout=timeout, caller="to_html")
    text = drawn.decode("utf-8")
    return text[text.index("<svg") :]  # without the XML prolog and the DOCTYPE


def fragment(
    explanation: Explanation,
    *,
    whole_page: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
    target: Path = Path("the page"),
    max_nodes: int = MAX_PAGE_NODES,
) -> str:
    """The player as one ``<div>``: graph, controls, the lines and the script.

    ``whole_page``: the arrow keys work anywhere on the page; otherwise (in a notebook) only
    once the player has the focus (click it), so they still move between a notebook's cells.
    A graph of more than ``max_nodes`` Values raises ``ValueError`` (:func:`check_size`).
    """
    check_size(explanation, max_nodes)
    uid = f"agl-explain-{os.getpid()}-{next(_IDS)}"
    steps = steps_data(explanation)
    data = json.dumps(steps, ensure_ascii=False).replace("</", "<\\/")
    lines = "".join(f"<li>{html.escape(s['text'])}</li>" for s in steps["steps"])
    script = SCRIPT.replace("ROOT_ID", json.dumps(uid)).replace(
        "WHOLE_PAGE", "true" if whole_page else "false"
    )
    return f"""<div class="agl-explain" id="{uid}" tabindex="0">
<style>{STYLE}</style>
<div class="agl-graph">{svg(explanation, timeout=timeout, target=target)}</div>
<div class="agl-controls">
<button type="button" class="agl-previous">Previous</button>
<button type="button" class="agl-play">Play</button>
<button type="button" class="agl-next">Next</button>
<input type="range" class="agl-slider" min="0" max="{len(explanation.steps)}" value="0">
<span class="agl-count"></span>
</div>
<div class="agl-line"></div>
<ol class="agl-lines">{lines}</ol>
<script type="application/json" class="agl-data">{data}</script>
<script>{script}</script>
</div>"""


def page(
    explanation: Explanation,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    target: Path = Path("the page"),
    max_nodes: int = MAX_PAGE_NODES,
) -> str:
    """The whole HTML document of :func:`fragment`, arrow keys on the whole page."""
    title = html.escape(f"Backpropagation through {explanation.names[explanation.root]}")
    body = fragment(
        explanation, whole_page=True, timeout=timeout, target=target, max_nodes=max_nodes
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
<h1 style="font-family: Helvetica, Arial, sans-serif; font-size: 1.3em">{title}</h1>
<p style="font-family: Helvetica, Arial, sans-serif">Previous, Next, Play, the slider or the
arrow keys step through the derivation: forward, each node after its operands; then backward,
in reverse, each node adding its gradient times the local derivative to each operand.</p>
{body}
</body>
</html>
"""


def write_page(
    explanation: Explanation,
    path: str | os.PathLike[str],
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_nodes: int = MAX_PAGE_NODES,
) -> Path:
    """Write :func:`page` to ``path`` atomically; return the path.

    The page is made whole in memory first, so a refusal (too many nodes, ``dot`` missing or
    too slow) or an interrupt leaves ``path`` as it was; then it replaces ``path`` at once.
    """
    text = page(explanation, timeout=timeout, target=Path(path), max_nodes=max_nodes)
    return write_atomically(path, text.encode("utf-8"))
