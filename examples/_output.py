"""What every example shares about its output: the ``--out`` option, the folder, the figures.

Figures are drawn on matplotlib's Agg backend (no display needed) and saved as PNG. Pictures of
graphs and networks need Graphviz's ``dot``; without it an example skips them with a note that
says how to get it, and does everything else.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: the examples never open a window

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

import nn

GET_DOT = "apt-get install graphviz, or make dot"


def parser(description: str | None) -> argparse.ArgumentParser:
    """An argument parser with ``--out`` (default ``out/``) and the example's docstring as help.

    Only the first paragraph of ``description`` is used: the rest of a module docstring
    is for readers of the code.
    """
    summary = (description or "").strip().split("\n\n")[0]
    result = argparse.ArgumentParser(
        description=summary, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    result.add_argument("--out", type=Path, default=Path("out"), help="folder for the pictures")
    return result


def positive_int(text: str) -> int:
    """argparse type: an int ≥ 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an int ≥ 1, got {value}")
    return value


def figure(width: float = 6.4, height: float = 4.8, *, columns: int = 1) -> Figure:
    """A Figure of its own (no pyplot state), with a layout that keeps labels inside."""
    return Figure(figsize=(width * columns, height), layout="constrained")


def have_dot(skipped: str) -> bool:
    """Whether Graphviz's ``dot`` is on PATH; if not, say in one line what is ``skipped``."""
    if shutil.which("dot") is not None:
        return True
    print(f"no {skipped}: it needs Graphviz's dot, which is not on PATH ({GET_DOT})")
    return False


def scatter_classes(
    ax: Any, X: npt.NDArray[np.float64], y: npt.NDArray[np.float64], **style: Any
) -> None:
    """The points of the two classes y = −1 (orange circles) and y = +1 (blue squares), in the
    same colours in every picture, labelled for the legend."""
    for label, colour, marker in ((-1.0, "#c2410c", "o"), (1.0, "#1d4ed8", "s")):
        mine = y == label
        ax.scatter(
            X[mine, 0],
            X[mine, 1],
            c=colour,
            marker=marker,
            edgecolors="white",
            label=f"y = {label:+.0f}",
            **style,
        )


def network_pictures(mlp: nn.MLP, out: Path, name: str) -> list[Path]:
    """Draw ``mlp`` by weight (:func:`nn.render_network`) as ``out/name.svg`` and ``.png``.

    Returns the paths written: none, after a one-line note, when ``dot`` is missing.
    """
    if not have_dot(f"picture of the network ({out / name}.svg)"):
        return []
    out.mkdir(parents=True, exist_ok=True)
    return [nn.render_network(mlp, out / f"{name}{suffix}") for suffix in (".svg", ".png")]


def save(out: Path, figures: Mapping[str, Figure], also: Sequence[Path] = ()) -> list[Path]:
    """Write each figure to ``out/name`` (creating the folder), say where, return the paths.

    ``also`` are pictures written already (such as :func:`network_pictures`'), named after
    the figures in the same line.
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=120)
        paths.append(out / name)
    paths.extend(also)
    print(f"picture{'s' if len(paths) > 1 else ''}: " + ", ".join(str(p) for p in paths))
    return paths


def training_curves(
    loss: Sequence[float], accuracies: Mapping[str, Sequence[float]], title: str
) -> Figure:
    """Two panels: the training objective per epoch (log scale) and accuracies in percent."""
    fig = figure(6.4, 5.6)
    top, bottom = fig.subplots(2, 1, sharex=True)
    epochs = range(1, len(loss) + 1)
    top.plot(epochs, loss, color="tab:blue")
    top.set_yscale("log")
    top.set_ylabel("training objective (log scale)")
    top.grid(True, which="both", alpha=0.3)
    for (name, values), style in zip(accuracies.items(), ("-", "--", ":")):
        bottom.plot(epochs, [100.0 * a for a in values], style, label=name)
    bottom.set_ylabel("accuracy (%)")
    bottom.set_xlabel("epoch")
    bottom.set_ylim(0.0, 102.0)
    bottom.grid(True, alpha=0.3)
    bottom.legend(loc="lower right")
    fig.suptitle(title)
    return fig


def confusion(truth: npt.NDArray[np.int64], predicted: npt.NDArray[np.int64], k: int) -> Any:
    """C[i, j] = how many samples of class i were predicted as class j, for k classes."""
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def confusion_figure(
    matrix: npt.NDArray[np.int64], classes: Sequence[str], title: str, what: str = "class"
) -> Figure:
    """The confusion matrix as a grid of counts, darker for more samples."""
    k = len(classes)
    fig = figure(5.4 if k <= 4 else 6.4, 4.6 if k <= 4 else 5.6)
    ax = fig.subplots()
    ax.imshow(matrix, cmap="Blues", vmin=0)
    for i in range(k):
        for j in range(k):
            dark = matrix[i, j] > matrix.max() / 2
            color = "white" if dark else "black"
            size = 16 if k <= 4 else 9
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=size, color=color)
    ax.set_xticks(range(k), classes)
    ax.set_yticks(range(k), classes)
    ax.set_xlabel(f"predicted {what}")
    ax.set_ylabel(f"true {what}")
    ax.set_title(title)
    return fig
