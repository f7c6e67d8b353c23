"""GradientDescent does what its call asks for: a fixed step, or a line search, never both.

Every combination of ``lr`` with ``line_search``, and of the line search's own options with
each way of choosing the step, either takes the step it names (checked on the first step of
E(w) = ½(w₁² + 4w₂²) from (1, 1), where the three kinds of step differ) or is refused."""

from __future__ import annotations

from typing import Any

import pytest

import optim
from autograd_lite import Value

#: From w = (1, 1): g = (1, 4); the exact step is gᵀg / gᵀAg = 17/65; Armijo from α₀ = 1 halves
#: once (E(1) = 18 > E(0) = 2.5, E(½) = 2.125); from α₀ = 0.3 it keeps α₀.
EXACT = 17 / 65
UNSET = object()


def first_step(**arguments: Any) -> tuple[optim.GradientDescent, float]:
    w = [Value(1.0), Value(1.0)]

    def closure() -> Value:
        for p in w:
            p.grad = 0.0
        loss = 0.5 * (w[0] * w[0] + 4.0 * w[1] * w[1])
        loss.backward()
        return loss

    opt = optim.GradientDescent(w, **arguments)
    opt.step(closure)
    assert [p.data for p in w] == [1.0 - opt.last_step_size, 1.0 - 4.0 * opt.last_step_size]
    return opt, opt.last_step_size


FIXED = "fixed"
LR = {"no lr": UNSET, "lr=0.1": 0.1, "lr=inverse_time(0.2)": optim.inverse_time(0.2)}
SEARCH = {
    "no line_search": UNSET,
    "auto": "auto",
    "exact": "exact",
    "backtracking": "backtracking",
    "None": None,
}
#: (lr, line_search) → (what runs, the first α) or the error's text.
EXPECTED: dict[tuple[str, str], tuple[str | None, float] | str] = {
    ("no lr", "no line_search"): ("exact", EXACT),
    ("no lr", "auto"): ("exact", EXACT),
    ("no lr", "exact"): ("exact", EXACT),
    ("no lr", "backtracking"): ("backtracking", 0.5),
    ("no lr", "None"): r"GradientDescent\(lr\) is required when line_search is None",
    ("lr=0.1", "no line_search"): (None, 0.1),
    ("lr=0.1", "auto"): (None, 0.1),
    ("lr=0.1", "exact"): r"lr=0\.1 is a fixed step, but line_search='exact' chooses",
    ("lr=0.1", "backtracking"): r"lr=0\.1 is a fixed step, but line_search='backtracking'",
    ("lr=0.1", "None"): (None, 0.1),
    ("lr=inverse_time(0.2)", "no line_search"): (None, 0.2),
    ("lr=inverse_time(0.2)", "auto"): (None, 0.2),
    ("lr=inverse_time(0.2)", "exact"): r"lr=inverse_time\(gamma0=0\.2\) is a fixed step",
    ("lr=inverse_time(0.2)", "backtracking"): r"lr=inverse_time\(gamma0=0\.2\) is a fixed",
    ("lr=inverse_time(0.2)", "None"): (None, 0.2),
}


def arguments(lr: str, search: str) -> dict[str, Any]:
    given = {"lr": LR[lr], "line_search": SEARCH[search]}
    return {name: value for name, value in given.items() if value is not UNSET}


@pytest.mark.parametrize(("lr", "search"), sorted(EXPECTED))
def test_every_lr_with_every_line_search(lr: str, search: str) -> None:
    expected = EXPECTED[lr, search]
    if isinstance(expected, str):
        with pytest.raises(ValueError, match=expected):
            optim.GradientDescent([Value(1.0)], **arguments(lr, search))
        return
    kind, alpha = expected
    opt, step = first_step(**arguments(lr, search))
    assert opt.line_search == kind and opt.vectorized == (kind is None)
    assert step == pytest.approx(alpha, rel=1e-7)


#: The line search's options: what each does to the first step when a search runs.
OPTIONS = {"initial_step": 0.3, "max_step": 0.25, "c1": 0.5}
#: (option, how the step is chosen) → the first α, or the error's text.
WITH_OPTIONS: dict[tuple[str, str], float | str] = {
    ("initial_step", "exact"): EXACT,
    ("initial_step", "backtracking"): 0.3,
    ("initial_step", "lr"): r"initial_step set a line search, but lr=0\.1 asks for a fixed",
    ("initial_step", "lr, None"): r"initial_step set a line search, but lr=0\.1",
    ("max_step", "exact"): 0.25,  # α* = 17/65 ≈ 0.26 lies beyond the cap
    ("max_step", "backtracking"): 0.25,  # α₀ capped at 0.25, and it satisfies Armijo
    ("max_step", "lr"): r"max_step set a line search, but lr=0\.1",
    ("max_step", "lr, None"): r"max_step set a line search, but lr=0\.1",
    ("c1", "exact"): r"GradientDescent\(c1\) is Armijo's constant, used only by",
    ("c1", "backtracking"): 0.25,  # c₁ = ½ refuses α = ½ (2.125 > 2.5 − ½·½·17), takes ¼
    ("c1", "lr"): r"c1 set a line search, but lr=0\.1",
    ("c1", "lr, None"): r"c1 set a line search, but lr=0\.1",
}
MODES: dict[str, dict[str, Any]] = {
    "exact": {},
    "backtracking": {"line_search": "backtracking"},
    "lr": {"lr": 0.1},
    "lr, None": {"lr": 0.1, "line_search": None},
}


@pytest.mark.parametrize(("option", "mode"), sorted(WITH_OPTIONS))
def test_every_line_search_option_with_every_way_of_choosing_the_step(
    option: str, mode: str
) -> None:
    given = {**MODES[mode], option: OPTIONS[option]}
    expected = WITH_OPTIONS[option, mode]
    if isinstance(expected, str):
        with pytest.raises(ValueError, match=expected):
            optim.GradientDescent([Value(1.0)], **given)
        return
    _, step = first_step(**given)
    assert step == pytest.approx(expected, rel=1e-7)


def test_all_the_options_of_a_search_together() -> None:
    opt, step = first_step(line_search="backtracking", initial_step=0.3, max_step=2.0, c1=0.01)
    assert (opt.line_search, opt.initial_step, opt.max_step, opt.c1) == (
        "backtracking",
        0.3,
        2.0,
        0.01,
    )
    assert step == 0.3


def test_a_fixed_step_and_the_exact_line_search_take_different_paths() -> None:
    # The trap: lr=0.5 alone used to seed the exact search, and both paths were the same.
    _, fixed = first_step(lr=0.5)
    _, exact = first_step()
    assert fixed == 0.5 and exact == pytest.approx(EXACT)


@pytest.mark.parametrize(
    ("given", "error", "text"),
    [
        ({"line_search": "newton"}, ValueError, r"GradientDescent\(line_search\) must be"),
        ({"initial_step": 0.0}, ValueError, r"GradientDescent\(initial_step\)"),
        ({"initial_step": "1"}, TypeError, r"GradientDescent\(initial_step\)"),
        ({"max_step": -1.0}, ValueError, r"GradientDescent\(max_step\)"),
        ({"line_search": "backtracking", "c1": 0.0}, ValueError, r"GradientDescent\(c1\)"),
        ({"lr": 0.0}, ValueError, r"GradientDescent\(lr\)"),
    ],
)
def test_each_option_is_checked(given: dict[str, Any], error: type, text: str) -> None:
    with pytest.raises(error, match=text):
        optim.GradientDescent([Value(1.0)], **given)
