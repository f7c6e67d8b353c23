"""fit's progress bar: readable at 80 columns, the same width every epoch, a widget in Jupyter.

On a terminal the bar is one line, ``fit |████    | 37/100 00:03<00:05, loss 1.23e-01 grad
4.5e-02 step 1.0e-01``: the statistics have fixed widths (three significant digits for the
loss, two for the rest), so with 80 columns about 18 are left for the bar itself and nothing
moves from one epoch to the next. It stays quiet when stderr is not a terminal (pipes, CI).
In a Jupyter kernel, where stderr is never a terminal, it is tqdm's notebook widget when
ipywidgets is installed; without ipywidgets it falls back to the terminal bar's rule.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

from tqdm import std

#: Widths of the statistics: the loss may be negative, the gradient norm and step are not.
LOSS_WIDTH = 9
WIDTH = 7


def fixed(x: float, digits: int, width: int) -> str:
    """``x`` in e-notation with ``digits`` decimals, right-aligned in ``width`` characters;
    fewer decimals when a three-digit exponent would not fit."""
    text = f"{x:.{digits}e}"
    while len(text) > width and digits > 0:
        digits -= 1
        text = f"{x:.{digits}e}"
    return text.rjust(width)


def statistics(loss: float | None, grad_norm: float | None, step_size: float | None) -> str:
    """The bar's postfix; blanks of the same width before the first epoch."""

    def show(x: float | None, digits: int, width: int) -> str:
        return "-".rjust(width) if x is None else fixed(x, digits, width)

    return (
        f"loss {show(loss, 2, LOSS_WIDTH)} grad {show(grad_norm, 1, WIDTH)} "
        f"step {show(step_size, 1, WIDTH)}"
    )


def in_notebook() -> bool:
    """True inside a Jupyter (IPython kernel) session that can show ipywidgets."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)()
    if shell is None or "IPKernelApp" not in getattr(shell, "config", {}):
        return False  # plain python, the IPython terminal, or no IPython at all
    return importlib.util.find_spec("ipywidgets") is not None


def bar_format(total: int) -> str:
    """tqdm's ``bar_format`` for the terminal: the epoch count padded to the width of ``total``
    and no rate (its width varies), so only the bar takes up what the statistics leave."""
    digits = len(str(total))
    return f"{{desc}} |{{bar}}| {{n:{digits}d}}/{{total}} {{elapsed}}<{{remaining:>5}}{{postfix}}"


def progress_bar(total: int, enabled: bool) -> Any:
    """A tqdm bar over ``total`` epochs: the notebook widget or the terminal line (see above)."""
    if enabled and in_notebook():
        from tqdm.notebook import tqdm as notebook_bar

        blank = statistics(None, None, None)
        return notebook_bar(total=total, desc="fit", unit="epoch", postfix=blank)
    return std.tqdm(
        total=total,
        desc="fit",
        unit="epoch",
        file=sys.stderr,
        disable=None if enabled else True,  # None: tqdm turns itself off on a non-terminal
        dynamic_ncols=True,
        bar_format=bar_format(total),
        postfix=statistics(None, None, None),
    )
