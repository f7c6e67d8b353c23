"""optim/checks.py: every argument check of optim, written once."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import optim
from optim import checks

OPTIM = Path(optim.__file__).resolve().parent


@pytest.mark.parametrize(
    ("check", "good", "expected"),
    [
        (checks.positive_real, 2, 2.0),
        (checks.fraction, 0, 0.0),
        (checks.positive_int, 3, 3),
        (checks.boolean, False, False),
        (checks.seed, None, None),
        (checks.seed, -7, -7),
    ],
)
def test_a_good_value_comes_back_converted(check, good, expected) -> None:
    result = check(good, "f(x)")
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("check", "bad", "error", "message"),
    [
        (checks.positive_real, True, TypeError, "f(x) must be a real number, got bool"),
        (checks.positive_real, 0.0, ValueError, "f(x) must be a finite number > 0, got 0.0"),
        (checks.positive_real, math.inf, ValueError, "f(x) must be a finite number > 0"),
        (checks.fraction, "0.5", TypeError, "f(x) must be a real number, got str"),
        (checks.fraction, 1.0, ValueError, r"f(x) must be in [0, 1), got 1.0"),
        (checks.positive_int, 2.0, TypeError, "f(x) must be an int, got float"),
        (checks.positive_int, 0, ValueError, "f(x) must be ≥ 1, got 0"),
        (checks.boolean, 1, TypeError, "f(x) must be a bool, got int"),
        (checks.seed, 1.5, TypeError, "f(x) must be an int or None, got float"),
    ],
)
def test_a_bad_value_raises_naming_where(check, bad, error, message) -> None:
    with pytest.raises(error) as info:
        check(bad, "f(x)")
    assert str(info.value).startswith(message)


def test_no_module_of_optim_writes_an_int_or_bool_check_of_its_own() -> None:
    # One spelling for argument checks: the integer and bool tests live in checks.py only.
    for path in OPTIM.glob("*.py"):
        if path.name == "checks.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "numbers.Integral" not in text, path.name
        assert "must be a bool" not in text and "must be ≥ 1" not in text, path.name
