"""What every example shares about its output: the ``--out`` option, the folder, the figures.

Figures are drawn on matplotlib's Agg backend (no display needed) and saved as PNG.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: the examples never open a window

from matplotlib.figure import Figure


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


def save(out: Path, figures: Mapping[str, Figure]) -> list[Path]:
    """Write each figure to ``out/name`` (creating the folder), say where, return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=120)
        paths.append(out / name)
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
