"""The one palette of every picture: fonts, the colour of each kind of node, the colour scales.

Both kinds of drawing take their colours from here, so a parameter, an input or an op looks
the same in :func:`autograd_lite.draw_graph` (the scalar graph) and in
:func:`nn.draw_network` (the layered diagram), and a change of colour is made once.

Colours by role
    :data:`PARAMETER` (blue), :data:`INPUT` (green), :data:`OP` (yellow), :data:`COMPUTED`
    (white) and :data:`CONSTANT` (grey) are each a fill and a pen (border) colour.
    ``draw_network`` draws hidden units in the parameter colours and output units in the op
    colours.

Two colour scales
    :class:`GradScale` maps log₁₀|grad| onto viridis (:func:`viridis`), for ``color_by="grad"``,
    rounding noise drawn as 0;
    :func:`signed_color` is a diverging blue/red scale for signed values such as weights, with
    an opacity that grows with the magnitude.

Nothing here imports graphviz: the colours are plain ``#rrggbb`` strings, and
:meth:`GradScale.legend` is the text of a Graphviz HTML-like label.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

__all__ = [
    "COMPUTED",
    "CONSTANT",
    "CONSTANT_TEXT",
    "EDGE",
    "FONT",
    "INPUT",
    "NEGATIVE",
    "NOISE",
    "NONFINITE_FILL",
    "OP",
    "PARAMETER",
    "POSITIVE",
    "VIRIDIS",
    "ZERO_EDGE",
    "ZERO_FILL",
    "Colors",
    "GradScale",
    "hex_color",
    "signed_color",
    "viridis",
]

#: The font of every label, with fallbacks for machines without Helvetica.
FONT = "Helvetica,Arial,sans-serif"


class Colors(NamedTuple):
    """A node's fill colour and its pen (border) colour."""

    fill: str
    pen: str


PARAMETER = Colors("#dbeafe", "#1d4ed8")
INPUT = Colors("#dcfce7", "#15803d")
OP = Colors("#fef9c3", "#a16207")
COMPUTED = Colors("white", "#374151")
CONSTANT = Colors("#f3f4f6", "#9ca3af")
#: The text of a constant, greyer than the rest: a constant has no gradient.
CONSTANT_TEXT = "#4b5563"
#: The colour of an edge of the computation graph.
EDGE = "#6b7280"

#: The fills of :class:`GradScale` for a zero and for a non-finite gradient.
ZERO_FILL = "white"
NONFINITE_FILL = "#ef4444"

#: :class:`GradScale` draws 0 < |g| ≤ NOISE · (the largest |g|) as 0: about a thousand
#: roundings (ε = 2⁻⁵²) of the largest gradient, 2⁻⁴² ≈ 2.3e-13, far below any gradient a
#: float64 graph can tell from 0 beside it, and far above a vanishing one worth seeing (10¹⁰
#: across 16 sigmoid layers).
NOISE = 2.0**-42

#: Eight samples of matplotlib's viridis colour map: perceptually uniform and readable in grey
#: and by colour-blind readers, so a lighter node really has a larger |grad|.
VIRIDIS = (
    (0x44, 0x01, 0x54),
    (0x46, 0x32, 0x7E),
    (0x36, 0x5C, 0x8D),
    (0x27, 0x7F, 0x8E),
    (0x1F, 0xA1, 0x87),
    (0x4A, 0xC1, 0x6D),
    (0x9F, 0xDA, 0x3A),
    (0xFD, 0xE7, 0x25),
)

#: The ends of :func:`signed_color`: ColorBrewer's RdBu, a diverging pair readable by
#: colour-blind readers.
POSITIVE = (0x21, 0x66, 0xAC)  # blue
NEGATIVE = (0xB2, 0x18, 0x2B)  # red
#: :func:`signed_color` of a zero: grey at the smallest opacity, neither sign's colour.
ZERO_EDGE = "#6b728040"


def hex_color(rgb: tuple[int, int, int]) -> str:
    """``(r, g, b)`` as ``#rrggbb``."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def viridis(t: float) -> tuple[str, str]:
    """Viridis at ``t`` ∈ [0, 1] (clamped) as ``#rrggbb``, and black or white text for it."""
    t = min(1.0, max(0.0, t)) * (len(VIRIDIS) - 1)
    k = min(int(t), len(VIRIDIS) - 2)
    f = t - k
    r, g, b = (round(a + (c - a) * f) for a, c in zip(VIRIDIS[k], VIRIDIS[k + 1]))
    # Relative luminance (ITU-R BT.709 weights on the sRGB values, close enough for a choice
    # between black and white text).
    luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
    return hex_color((r, g, b)), "black" if luminance > 0.45 else "white"


def signed_color(value: float, largest: float) -> str:
    """The sign's colour (:data:`POSITIVE`, :data:`NEGATIVE`) as ``#rrggbbaa``, with an opacity
    from 25 % to 100 % as |value| grows to ``largest``.

    A zero, which has no sign, is :data:`ZERO_EDGE` (grey, as faint as the smallest); a
    non-finite value (a diverged training run) is solid black.
    """
    if not math.isfinite(value):
        return "black"
    if value == 0.0:
        return ZERO_EDGE
    base = POSITIVE if value >= 0 else NEGATIVE
    alpha = 0.25 + 0.75 * (abs(value) / largest if largest else 0.0)
    return hex_color(base) + f"{round(255 * alpha):02x}"


class GradScale:
    """Maps log₁₀|grad| onto viridis between whole decades covering the informative gradients.

    A zero gradient is :data:`ZERO_FILL`, a non-finite one :data:`NONFINITE_FILL`; the legend
    shows these two only when they occur.

    Rounding noise does not set the scale: a gradient with 0 < |g| ≤ :data:`NOISE` · G, G the
    largest finite |g| given, is what float64 leaves of an exact 0 (softmax's max-shift node
    gets 1.4e-16 beside gradients of 10, the sum of terms that cancel), so it is drawn as a 0
    and labelled "≈ 0" (:meth:`is_zero`). Without that, one such node would stretch the colour
    bar over 17 decades and paint every meaningful gradient the same colour.
    """

    def __init__(self, grads: Iterable[float]) -> None:
        grads = list(grads)
        largest = max((abs(g) for g in grads if math.isfinite(g)), default=0.0)
        #: |g| at or below this is drawn as 0 (0 when every gradient is 0).
        self.noise = NOISE * largest
        logs = [math.log10(abs(g)) for g in grads if math.isfinite(g) and abs(g) > self.noise]
        self.has_zero = any(g == 0.0 for g in grads)
        self.has_noise = any(0.0 < abs(g) <= self.noise for g in grads)
        self.has_nonfinite = any(not math.isfinite(g) for g in grads)
        self.low = math.floor(min(logs)) if logs else 0
        self.high = math.ceil(max(logs)) if logs else 1
        if self.high == self.low:
            self.high += 1

    def is_zero(self, grad: float) -> bool:
        """Whether ``grad`` is drawn as a 0: exactly 0, or rounding noise beside the largest."""
        return abs(grad) <= self.noise

    def colors(self, grad: float) -> tuple[str, str]:
        """The fill colour for ``grad`` and a text colour that reads on it."""
        if not math.isfinite(grad):
            return NONFINITE_FILL, "black"
        if self.is_zero(grad):
            return ZERO_FILL, "black"
        t = (math.log10(abs(grad)) - self.low) / (self.high - self.low)
        return viridis(t)

    def legend(self) -> str:
        """An HTML-label table: the colour bar with its decades, and the two special fills."""
        steps = self.high - self.low
        stride = max(1, math.ceil(steps / 6))
        decades = list(range(self.low, self.high + 1, stride))
        if decades[-1] != self.high:
            decades.append(self.high)
        cells = []
        for d in decades:
            fill, text = viridis((d - self.low) / steps)
            cells.append(f'<TD BGCOLOR="{fill}"><FONT COLOR="{text}">1e{d}</FONT></TD>')
        title = "<B>fill: |grad|</B> (log scale)"
        if self.has_noise:
            cells.append(f'<TD BGCOLOR="{ZERO_FILL}">≈ 0</TD>')
            title += f"; ≈ 0: 0 or rounding noise, |grad| ≤ {self.noise:.1e}"
        elif self.has_zero:
            cells.append(f'<TD BGCOLOR="{ZERO_FILL}">0</TD>')
        if self.has_nonfinite:
            cells.append(f'<TD BGCOLOR="{NONFINITE_FILL}">nan/inf</TD>')
        return (
            '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
            f'<TR><TD COLSPAN="{len(cells)}" BORDER="0">{title}</TD></TR>'
            f"<TR>{''.join(cells)}</TR></TABLE>>"
        )
