"""MkDocs hooks: what the site shows that the package itself produces when the site is built.

* A line ``<!-- help: autograd-lite ARGS -->`` in a page becomes the text that
  ``python -m autograd_lite ARGS --help`` prints, so the command line's reference is its own
  ``--help`` and cannot drift from it.
* ``tutorials/step-by-step.html``, the step-by-step page of the tutorials' small graph, is
  written by ``explain(out).to_html(...)``, and the tutorial on backward embeds it; the
  pictures of that graph are drawn by ``render_graph`` (:data:`PAGES`).
* The docstrings cite names with Sphinx's roles (``:func:`grad```); the API reference shows
  the name as code, without the role.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

HELP = re.compile(r"^<!-- help: autograd-lite(?P<args>(?: [\w-]+)*) -->$", re.MULTILINE)
ROLE = re.compile(r":(?:mod|class|func|meth|attr|data|exc|obj):(<code>)~?")


def small_graph() -> Any:
    """out = x·y + x at x = 2, y = 3: the graph the first two tutorials build and step through."""
    from autograd_lite import Value

    x, y = Value(2.0, "x"), Value(3.0, "y")
    out = x * y + x
    out.label = "out"
    return out


def step_by_step_page(path: Path) -> None:
    """explain's page of :func:`small_graph`, embedded in the tutorial on backward."""
    from autograd_lite import explain

    explain(small_graph()).to_html(path)


def graph_before_backward(path: Path) -> None:
    """The picture of :func:`small_graph` with no gradient (none exists yet)."""
    from autograd_lite import render_graph

    render_graph(small_graph(), path, show_grad=False)


def graph_after_backward(path: Path) -> None:
    """The picture of :func:`small_graph` after ``out.backward()``: every box with its gradient."""
    from autograd_lite import render_graph

    out = small_graph()
    out.backward()
    render_graph(out, path)


#: The files made at build time: the site's path of each, and the function that writes it.
PAGES: dict[str, Callable[[Path], None]] = {
    "tutorials/step-by-step.html": step_by_step_page,
    "tutorials/graph-before-backward.svg": graph_before_backward,
    "tutorials/graph-after-backward.svg": graph_after_backward,
}


def on_files(files: Files, config: Any) -> Files:
    """Add the files of :data:`PAGES` to the site, so that links to them are checked too."""
    with tempfile.TemporaryDirectory() as folder:
        for uri, write in PAGES.items():
            path = Path(folder) / Path(uri).name
            write(path)
            files.append(File.generated(config, uri, content=path.read_bytes()))
    return files


def command_help(args: str) -> str:
    """What ``python -m autograd_lite ARGS --help`` prints, at a fixed width of 88 columns."""
    command = [sys.executable, "-m", "autograd_lite", *args.split(), "--help"]
    environment = {**os.environ, "COLUMNS": "88"}
    result = subprocess.run(
        command, capture_output=True, text=True, env=environment, timeout=60, check=True
    )
    return result.stdout.replace("usage: autograd_lite", "usage: autograd-lite")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Replace each ``<!-- help: autograd-lite ARGS -->`` line by that command's help."""
    return HELP.sub(
        lambda m: f"```text\n$ autograd-lite{m['args']} --help\n{command_help(m['args'])}```",
        markdown,
    )


def on_page_content(html: str, page: Any, config: Any, files: Files) -> str:
    """``:func:<code>grad</code>`` (a Sphinx role in a docstring) shows as ``<code>grad</code>``."""
    return ROLE.sub(r"\1", html)


def on_post_build(config: Any) -> None:
    """Leave out the theme's 404.html: a page only a web server shows, for a path that does not
    exist, and which links by absolute paths (/assets/...) that do not resolve from disk."""
    (Path(config["site_dir"]) / "404.html").unlink(missing_ok=True)
