"""autograd_lite.palette: the one palette of both drawings, and its two colour scales."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

import nn
from autograd_lite import Value, draw_graph
from autograd_lite.palette import (
    FONT,
    INPUT,
    NEGATIVE,
    NOISE,
    NONFINITE_FILL,
    OP,
    PARAMETER,
    POSITIVE,
    VIRIDIS,
    ZERO_EDGE,
    ZERO_FILL,
    GradScale,
    hex_color,
    signed_color,
    viridis,
)

ROOT = Path(__file__).resolve().parents[2]
#: The modules that draw: they take every colour and font from the palette.
DRAWING = ("autograd_lite/render.py", "nn/draw.py")


@pytest.mark.parametrize("module", DRAWING)
def test_no_drawing_module_defines_a_colour_or_a_font(module: str) -> None:
    text = (ROOT / module).read_text(encoding="utf-8")
    assert not re.findall(r"#[0-9a-fA-F]{6}\b|0x[0-9a-fA-F]{2}\b", text)
    assert "Helvetica" not in text


def test_both_drawings_use_the_same_font_and_colours() -> None:
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    y = x * w
    y.backward()
    graph = draw_graph(y, params=[w]).source
    network = nn.draw_network(nn.MLP(2, [2, 1], seed=0)).source
    for source in (graph, network):
        assert f'fontname="{FONT}"' in source
        for colors in (PARAMETER, INPUT, OP):
            assert f'fillcolor="{colors.fill}"' in source
            assert f'color="{colors.pen}"' in source


def test_viridis_runs_from_purple_to_yellow_and_clamps() -> None:
    assert viridis(0.0) == (hex_color(VIRIDIS[0]), "white")
    assert viridis(1.0) == (hex_color(VIRIDIS[-1]), "black")
    assert viridis(-5.0) == viridis(0.0) and viridis(5.0) == viridis(1.0)
    assert viridis(1 / 7) == (hex_color(VIRIDIS[1]), "white")  # the samples are exact
    assert viridis(0.5 / 7)[0] == "#451a69"  # halfway between the first two samples


def test_grad_scale_spans_whole_decades() -> None:
    scale = GradScale([0.03, 2.0, -50.0])
    assert (scale.low, scale.high) == (-2, 2)
    assert scale.colors(0.01) == viridis(0.0)
    assert scale.colors(-100.0) == viridis(1.0)
    assert scale.colors(1.0) == viridis(0.5)
    assert not scale.has_zero and not scale.has_nonfinite
    legend = scale.legend()
    assert [f"1e{d}" in legend for d in range(-2, 3)] == [True] * 5
    assert f'BGCOLOR="{ZERO_FILL}"' not in legend and "nan/inf" not in legend


def test_grad_scale_special_fills_and_a_single_decade() -> None:
    scale = GradScale([0.0, math.nan, 5.0, 5.0])
    assert (scale.low, scale.high) == (0, 1)  # one value still gets a decade of its own
    assert scale.colors(0.0) == (ZERO_FILL, "black")
    assert scale.colors(math.inf) == (NONFINITE_FILL, "black")
    legend = scale.legend()
    assert f'BGCOLOR="{ZERO_FILL}">0<' in legend and "nan/inf" in legend
    assert GradScale([]).low == 0  # no gradient at all: the decade [1e0, 1e1]


def test_a_wide_grad_scale_labels_at_most_about_six_decades() -> None:
    legend = GradScale([1e-9, 1e3]).legend()
    labels = re.findall(r">1e(-?\d+)<", legend)
    assert labels[0] == "-9" and labels[-1] == "3" and len(labels) <= 8


def test_rounding_noise_is_drawn_as_zero_and_does_not_set_the_scale() -> None:
    # softmax's max-shift node beside gradients of order 10 (examples/shallow_network.py).
    scale = GradScale([1.4e-16, -0.004, 0.3, 10.0])
    assert (scale.low, scale.high) == (-3, 1)  # 1e-3 … 1e1, not 1e-16 … 1e1
    assert scale.noise == NOISE * 10.0 and NOISE == 2.0**-42
    assert scale.is_zero(1.4e-16) and scale.is_zero(-1.4e-16) and scale.is_zero(0.0)
    assert not scale.is_zero(0.004) and not scale.is_zero(1e-11)
    assert scale.colors(1.4e-16) == scale.colors(0.0) == (ZERO_FILL, "black")
    assert scale.has_noise and not scale.has_zero
    legend = scale.legend()
    assert f'BGCOLOR="{ZERO_FILL}">≈ 0<' in legend and "rounding noise" in legend
    assert re.findall(r">1e(-?\d+)<", legend) == ["-3", "-2", "-1", "0", "1"]


def test_only_noise_relative_to_the_largest_counts_as_noise() -> None:
    tiny = GradScale([1e-16, 1e-17])  # every gradient small: none is noise beside the others
    assert (tiny.low, tiny.high) == (-17, -16) and not tiny.has_noise
    zeros = GradScale([0.0, 0.0])  # all exactly zero: the legend says 0, not ≈ 0
    assert zeros.has_zero and not zeros.has_noise and ">0<" in zeros.legend()
    with_nan = GradScale([math.nan, 1e-20, 1.0])  # a NaN does not make the largest NaN
    assert with_nan.has_noise and with_nan.noise == NOISE


def test_signed_color_is_the_sign_with_an_opacity_by_magnitude() -> None:
    assert signed_color(2.0, 2.0) == hex_color(POSITIVE) + "ff"
    assert signed_color(-1.0, 2.0) == hex_color(NEGATIVE) + f"{round(255 * 0.625):02x}"
    # A zero has no sign: grey, as faint as the smallest magnitude, whatever the largest.
    assert signed_color(0.0, 0.0) == signed_color(-0.0, 2.0) == ZERO_EDGE == "#6b728040"
    assert signed_color(math.nan, 1.0) == signed_color(-math.inf, 1.0) == "black"
