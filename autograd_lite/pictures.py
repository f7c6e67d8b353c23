"""Writing a picture from DOT source: the formats, Graphviz's bounds on time, atomic files.

:func:`write_picture` is what :func:`autograd_lite.render_graph` and :func:`nn.render_network`
share: the format from the file's suffix (:data:`FORMATS`), ``dot`` run with a timeout
(:data:`DEFAULT_TIMEOUT`) and stopped when it runs over, an install hint when ``dot`` is
missing, and the file written by :func:`autograd_lite.files.write_atomically`. Building the DOT
is the callers' business (:mod:`autograd_lite.render`, :mod:`nn.draw`); each puts
:data:`LAYOUT_LIMITS` into its graphs.

Nothing here imports graphviz, so ``import nn`` can name these without paying for the pictures.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from autograd_lite.checks import positive, shown
from autograd_lite.files import write_atomically

__all__ = [
    "DEFAULT_TIMEOUT",
    "FORMATS",
    "LAYOUT_LIMITS",
    "DotNotFoundError",
    "DotTimeoutError",
    "dot_missing_message",
    "run_dot",
    "write_picture",
]

#: File suffixes :func:`write_picture` writes, and the Graphviz output format of each.
FORMATS: dict[str, str] = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}

#: Graphviz's own bounds on the layout, in every graph drawn. Without them ``dot`` spends
#: minutes on a fan-in such as ``x + x + … + x`` (80 terms: over 100 s; with them about 3 s):
#: its network-simplex passes (ranking, x-coordinates) run until optimal, and nslimit and
#: nslimit1 cap them at 2 iterations per node. (Measured: mclimit or searchsize alone did not
#: bound it.) A layout stopped early is still a valid, readable drawing, only less compact.
#: Larger fan-ins (300 terms) stay slow even so: the timeout below bounds those.
LAYOUT_LIMITS: dict[str, str] = {"nslimit": "2", "nslimit1": "2"}

#: Seconds :func:`write_picture` lets ``dot`` run before it kills it (``timeout=`` changes it).
DEFAULT_TIMEOUT = 60.0


class DotNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program, which lays out and renders a picture, is not installed."""


class DotTimeoutError(RuntimeError):
    """``dot`` ran past the ``timeout`` of :func:`write_picture` (render_graph's, render_network's)
    and was killed."""


def write_picture(
    draw: Callable[[], str],
    path: str | os.PathLike[str],
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    caller: str = "render_graph",
) -> Path:
    """Write the DOT source ``draw()`` returns to ``path`` as the picture its suffix names.

    The format comes from the suffix (:data:`FORMATS`): ``.svg``, ``.png``, ``.pdf``, or
    ``.dot``/``.gv`` for the DOT source itself, which needs no Graphviz binary. ``draw`` is
    called only once the suffix and ``dot`` are known to be good, so those mistakes fail before
    a large graph is built. ``dot`` is killed after ``timeout`` seconds (``None``: no limit).
    The file is written atomically: a failed render never leaves a half-written file, and the
    old picture stays until the new one is complete. ``caller`` is the public function named
    in the error messages. Returns the path written.

    Raises:
        ValueError: the suffix is not one of :data:`FORMATS`, or ``timeout`` is not positive.
        DotNotFoundError: an image format was asked for and Graphviz's ``dot`` is not on PATH.
        DotTimeoutError: ``dot`` did not finish within ``timeout`` seconds.
    """
    if timeout is not None:
        timeout = positive(timeout, f"{caller}(timeout)")
    target = Path(path)
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"{caller}: cannot tell the format of {str(target)!r} from its suffix; "
            f"use one of {', '.join(FORMATS)}"
        )
    if fmt != "dot" and shutil.which("dot") is None:
        raise DotNotFoundError(dot_missing_message(target))
    source = draw()
    if fmt == "dot":
        data = source.encode("utf-8")
    else:
        data = _run_dot(source, fmt, target, timeout, caller)
    write_atomically(target, data)
    return target


def run_dot(
    source: str,
    fmt: str,
    target: Path,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    caller: str = "render_graph",
) -> bytes:
    """What ``dot -T<fmt>`` makes of ``source``, for a file ``target`` that embeds it (as the
    page of :meth:`autograd_lite.derivation.Explanation.to_html` embeds the SVG).

    Raises:
        ValueError: ``timeout`` is not positive.
        DotNotFoundError: Graphviz's ``dot`` is not on PATH.
        DotTimeoutError: ``dot`` did not finish within ``timeout`` seconds.
    """
    if timeout is not None:
        timeout = positive(timeout, f"{caller}(timeout)")
    if shutil.which("dot") is None:
        raise DotNotFoundError(dot_missing_message(target))
    return _run_dot(source, fmt, target, timeout, caller)


def _run_dot(source: str, fmt: str, target: Path, timeout: float | None, caller: str) -> bytes:
    """``dot -T<fmt>`` on ``source``; killed (never left running) after ``timeout`` seconds."""
    try:
        done = subprocess.run(
            ["dot", f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, timeout=timeout
        )
    except FileNotFoundError:
        raise DotNotFoundError(dot_missing_message(target)) from None
    except subprocess.TimeoutExpired:  # subprocess.run has killed and reaped dot
        # render_graph is also the command line's, where the option is --timeout.
        option = " (or --timeout on the command line)" if caller == "render_graph" else ""
        raise DotTimeoutError(
            f"{caller}: dot did not finish laying out {shown(str(target))} within "
            f"{timeout:g} s and was stopped; pass timeout=SECONDS to {caller}{option} to wait "
            "longer, or draw a smaller graph"
        ) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(
            f"{caller}: dot failed to render {shown(str(target))}: {shown(message, 300)}"
        )
    return done.stdout


def dot_missing_message(target: Path) -> str:
    """The error for a missing ``dot``: what failed, how to install it, what works without it."""
    return (
        f"writing {str(target)!r} needs Graphviz's `dot` program, which is not on PATH. "
        "Install it with `make dot` in the project (Debian/Ubuntu: `sudo apt-get install "
        "graphviz`; macOS: `brew install graphviz`; conda: `conda install graphviz`), or write a "
        ".dot file instead, which needs no binary."
    )
