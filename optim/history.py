"""What :func:`optim.fit` records: one entry per completed epoch, and why training stopped."""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from autograd_lite.files import write_atomically

StopReason = Literal["running", "completed", "converged", "interrupted"]


@dataclass
class History:
    """Per-epoch training records, oldest first; all lists have one entry per completed epoch.

    Attributes:
        loss: the mean over the epoch's samples of the batch loss each step started from
            (for full-batch training, E(wₖ) before step k).
        grad_norm: the same mean of ‖∇‖₂ of the gradient each step was given (for full-batch
            training, ‖∇E(wₖ)‖₂).
        step_size: the optimiser's ``last_step_size`` after the epoch's last step (γₖ, or the
            line search's αₖ).
        elapsed: seconds since ``fit`` started, at the end of the epoch.
        steps: optimiser steps completed since ``fit`` started, at the end of the epoch.
        stop_reason: ``"completed"`` (all epochs ran), ``"converged"`` (‖∇E‖₂ < tol),
            ``"interrupted"`` (KeyboardInterrupt), or ``"running"`` while ``fit`` runs.
        final_grad_norm: ‖∇E‖₂ at the returned parameters when fit measured it there (when it
            stopped on ``tol``), else None.
        planned_epochs: the ``epochs`` that ``fit`` was asked for (None if unknown), so that
            an interrupted run can say how far it got: see :attr:`outcome`.
    """

    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    step_size: list[float] = field(default_factory=list)
    elapsed: list[float] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    stop_reason: StopReason = "running"
    final_grad_norm: float | None = None
    planned_epochs: int | None = None

    def __len__(self) -> int:
        return len(self.loss)

    @property
    def interrupted(self) -> bool:
        """True when a KeyboardInterrupt stopped training."""
        return self.stop_reason == "interrupted"

    @property
    def converged(self) -> bool:
        """True when training stopped because ‖∇E‖₂ fell below ``tol``."""
        return self.stop_reason == "converged"

    @property
    def outcome(self) -> str:
        """How training ended, for reports: "completed 100 epochs", "converged after epoch 12
        of 100", "interrupted after epoch 3 of 100" (epoch 0: before the first one ended)."""
        n = len(self)
        of = f" of {self.planned_epochs}" if self.planned_epochs is not None else ""
        if self.stop_reason == "completed":
            return f"completed {n} epoch{'s' if n != 1 else ''}"
        if self.stop_reason == "running":
            return f"running, after epoch {n}{of}"
        return f"{self.stop_reason} after epoch {n}{of}"

    def append(
        self, *, loss: float, grad_norm: float, step_size: float, elapsed: float, steps: int
    ) -> None:
        """Record one epoch: all five lists grow by one, or (if interrupted) none does.

        The values are converted first, so bad input changes nothing; an exception raised
        between two of the appends (a KeyboardInterrupt can arrive between any two bytecodes)
        truncates every list back to its old length before it propagates.
        """
        record = (float(loss), float(grad_norm), float(step_size), float(elapsed), int(steps))
        columns: tuple[list[Any], ...] = (
            self.loss,
            self.grad_norm,
            self.step_size,
            self.elapsed,
            self.steps,
        )
        n = len(self.loss)
        try:
            for column, x in zip(columns, record):
                column.append(x)
        except BaseException:
            for column in columns:
                del column[n:]
            raise

    def to_dict(self) -> dict[str, Any]:
        """A dict of plain lists, floats and strings, ready for ``json.dump``.

        Non-finite floats (a diverged loss) become None, since JSON has no NaN or Infinity.
        """

        def clean(xs: list[float]) -> list[float | None]:
            return [x if math.isfinite(x) else None for x in xs]

        return {
            "epochs": len(self),
            "loss": clean(self.loss),
            "grad_norm": clean(self.grad_norm),
            "step_size": clean(self.step_size),
            "elapsed": list(self.elapsed),
            "steps": list(self.steps),
            "stop_reason": self.stop_reason,
            "final_grad_norm": self.final_grad_norm,
            "planned_epochs": self.planned_epochs,
            "outcome": self.outcome,
        }

    def plot(self, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
        """Save loss, gradient norm and step size against the epoch to ``path`` (PNG, SVG, …).

        Needs matplotlib (the ``examples`` extra); draws on a ``Figure`` of its own, without
        pyplot, so it changes no global state. Positive series are drawn on a log scale. The
        format is the suffix's (PNG without one); the file is written as every file of the
        package is (:func:`autograd_lite.files.write_atomically`: its folder made if missing,
        the old file kept until the new one is complete). Returns the path written.
        """
        try:
            from matplotlib.figure import Figure
        except ImportError:
            raise ImportError(
                "History.plot needs the matplotlib package (pip install matplotlib)"
            ) from None
        if not len(self):
            raise ValueError("History.plot: no epoch was recorded, nothing to plot")
        epochs = list(range(1, len(self) + 1))
        figure = Figure(figsize=(6.0, 7.0), layout="constrained")
        axes = figure.subplots(3, 1, sharex=True)
        series = (
            ("loss", self.loss),
            ("‖∇‖₂", self.grad_norm),
            ("step size", self.step_size),
        )
        for ax, (name, ys) in zip(axes, series):
            ax.plot(epochs, ys, marker="." if len(ys) < 50 else None)
            ax.set_ylabel(name)
            if all(math.isfinite(y) and y > 0.0 for y in ys):
                ax.set_yscale("log")
            ax.grid(True, alpha=0.3)
        axes[-1].set_xlabel("epoch")
        figure.suptitle(title or f"training history ({self.stop_reason})")
        target = Path(path)
        image = io.BytesIO()
        figure.savefig(image, format=target.suffix.removeprefix(".").lower() or "png")
        return write_atomically(target, image.getvalue())
