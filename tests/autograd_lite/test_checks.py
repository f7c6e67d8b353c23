"""The argument checks every package uses: the right exception, the argument named, clipped."""

import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd_lite import checks


@pytest.mark.parametrize(
    ("check", "good", "expected"),
    [
        (checks.real, np.float32(0.5), 0.5),
        (checks.real, 3, 3.0),
        (checks.finite, -2, -2.0),
        (checks.positive, 1e-300, 1e-300),
        (checks.non_negative, 0, 0.0),
        (checks.fraction, 0.0, 0.0),
        (checks.integer, np.int64(-4), -4),
        (checks.count, 1, 1),
        (checks.size, np.int64(3), 3),
        (checks.seed, 0, 0),
        (checks.seed, None, None),
        (checks.flag, False, False),
    ],
)
def test_a_good_argument_comes_back_as_the_type_inside_uses(check, good, expected) -> None:  # type: ignore[no-untyped-def]
    result = check(good, "f(x)")
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("check", "bad", "error"),
    [
        (checks.real, True, TypeError),
        (checks.real, "1", TypeError),
        (checks.real, 10**400, ValueError),
        (checks.finite, math.nan, ValueError),
        (checks.finite, -math.inf, ValueError),
        (checks.positive, 0.0, ValueError),
        (checks.non_negative, -1e-300, ValueError),
        (checks.fraction, 1.0, ValueError),
        (checks.integer, 2.0, TypeError),
        (checks.integer, False, TypeError),
        (checks.count, 0, ValueError),
        (checks.size, 0, ValueError),
        (checks.size, sys.maxsize + 1, ValueError),
        (checks.size, 2.0, TypeError),
        (checks.seed, 1.5, TypeError),
        (checks.flag, 1, TypeError),
    ],
)
def test_a_bad_argument_is_named(check, bad, error) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=r"^f\(x\): expected "):
        check(bad, "f(x)")


def test_choice() -> None:
    assert checks.choice("relu", ("relu", "tanh"), "act") == "relu"
    with pytest.raises(ValueError, match="act: expected one of 'relu', 'tanh', got 'gelu'"):
        checks.choice("gelu", ("relu", "tanh"), "act")
    with pytest.raises(ValueError, match="got 3"):
        checks.choice(3, ("relu",), "act")
    with pytest.raises(ValueError, match="got \\['relu'\\]"):  # a list is never a name
        checks.choice(["relu"], ("relu",), "act")

    class Name(str):
        pass

    # The option itself comes back, a plain str (so a Literal type holds), not the argument.
    assert type(checks.choice(Name("tanh"), ("relu", "tanh"), "act")) is str


def test_messages_clip_what_they_show() -> None:
    with pytest.raises(TypeError) as caught:
        checks.real("x" * 100_000, "f(x)")
    assert len(str(caught.value)) < 200 and "100002 characters" in str(caught.value)
    with pytest.raises(ValueError) as too_large:
        checks.count(-(10**100_000), "f(n)")
    assert len(str(too_large.value)) < 200 and "100000 digits" in str(too_large.value)


def test_clip_keeps_an_echo_on_one_short_line() -> None:
    assert checks.clip("x +\n  y\t* z") == "x + y * z"
    assert checks.clip("a" * 60) == "a" * 60
    assert checks.clip("a" * 61) == "a" * 59 + "…"
    assert checks.clip("abcdef", 4) == "abc…"


def test_finite_says_what_else_it_takes() -> None:
    with pytest.raises(TypeError, match=r"^f\(x\): expected a number or a Value, got str: '1'$"):
        checks.finite("1", "f(x)", "a number or a Value")


def test_shown_survives_what_cannot_be_printed_and_lets_a_subclass_print_itself() -> None:
    class Described(int):
        def __repr__(self) -> str:
            return "an integer literal of 5000 characters"

    assert checks.shown([10**5000]) == "a list that cannot be printed"
    assert checks.shown(Described(10**400)) == "an integer literal of 5000 characters"
    assert checks.shown(10**400) == "an integer of about 400 digits"


ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("nn", "optim")


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_writes_a_number_or_bool_check_of_its_own(package: str) -> None:
    # One place for argument checks: a package calls autograd_lite.checks.
    for path in sorted((ROOT / package).glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "isinstance(x, bool)" not in text and "numbers.Integral" not in text, path
        assert not re.search(r"isinstance\(\w+, bool\) or not isinstance", text), path
