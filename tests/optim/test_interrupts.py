"""Interrupt-atomicity: a KeyboardInterrupt injected at every line a step executes.

A trace function (``sys.settrace``) raises ``KeyboardInterrupt`` on the k-th line event in
``optim/``, for k = 1, 2, … until a step runs to the end without being hit. After each
injection the parameters (data, bit for bit), their gradients and the optimiser's state must
all be those before the step or all those after it; a History must have five lists of one
length.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import optim
from autograd_lite import Value

OPTIM_DIR = str(Path(optim.__file__).resolve().parent)
#: A safety bound on the injections per case (a step executes far fewer lines).
MAX_LINES = 20_000


def run_with_interrupt_at(k: int, action: Callable[[], object]) -> bool:
    """Run ``action`` raising KeyboardInterrupt at its k-th line in optim/; True if it was hit."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line" and frame.f_code.co_filename.startswith(OPTIM_DIR):
            count += 1
            if count == k:
                raise KeyboardInterrupt  # a trace function that raises is removed by Python
        return tracer

    sys.settrace(tracer)
    try:
        action()
    except KeyboardInterrupt:
        return True
    finally:
        sys.settrace(None)
    return False


CENTRE = (1.0, -2.0, 0.5)
CURVATURE = (1.0, 3.0, 10.0)

OPTIMISERS: dict[str, Callable[[list[Value]], optim.Optimizer]] = {
    "sgd": lambda w: optim.SGD(w, lr=0.05),
    "sgd-schedule": lambda w: optim.SGD(w, lr=optim.inverse_time(0.05)),
    "momentum": lambda w: optim.SGD(w, lr=0.05, momentum=0.9),
    "nesterov": lambda w: optim.SGD(w, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda w: optim.Adam(w, lr=0.1),
    "gd-fixed": lambda w: optim.GradientDescent(w, lr=0.05, line_search=None),
    "gd-exact": lambda w: optim.GradientDescent(w),
    "gd-backtracking": lambda w: optim.GradientDescent(w, line_search="backtracking"),
}


def setup(name: str) -> tuple[list[Value], optim.Optimizer, Callable[[], Value]]:
    """Parameters, optimiser and closure after two warm-up steps (buffers and counts set)."""
    w = [Value(0.3 * i - 0.7) for i in range(len(CENTRE))]

    def closure() -> Value:
        for p in w:
            p.grad = 0.0
        loss = sum((a * (p - c) ** 2 for p, a, c in zip(w, CURVATURE, CENTRE)), start=Value(0.0))
        loss.backward()
        return loss

    opt = OPTIMISERS[name](w)
    for _ in range(2):
        opt.step(closure)
    return w, opt, closure


def snapshot(w: list[Value], opt: optim.Optimizer) -> tuple[Any, ...]:
    # repr keeps -0.0 apart from 0.0: "bit for bit"
    return (
        [repr(p.data) for p in w],
        [repr(p.grad) for p in w],
        repr(opt.state),
        repr(getattr(opt, "last_loss", None)),
    )


# A line search needs a closure, so those optimisers are only stepped with one.
CASES = [
    (name, with_closure)
    for name in sorted(OPTIMISERS)
    for with_closure in (True, False)
    if with_closure or not name.startswith("gd-") or name == "gd-fixed"
]


@pytest.mark.parametrize(("name", "with_closure"), CASES)
def test_a_step_interrupted_at_any_line_is_all_or_nothing(name: str, with_closure: bool) -> None:
    w, opt, closure = setup(name)
    if not with_closure:
        closure()  # the gradient at wₖ, as a step without closure expects
    before = snapshot(w, opt)
    opt.step(closure if with_closure else None)
    after = snapshot(w, opt)
    assert after[0] != before[0]
    for k in range(1, MAX_LINES):
        w, opt, closure = setup(name)
        if not with_closure:
            closure()
        step = functools.partial(opt.step, closure if with_closure else None)
        if not run_with_interrupt_at(k, step):
            break
        state = snapshot(w, opt)
        if state[0] == after[0]:
            assert state == after, f"line {k}: parameters after the step, the rest not"
        else:
            assert state[0] == before[0], f"line {k}: parameters half-updated"
            assert state[2:] == before[2:], f"line {k}: state changed without the parameters"
            # the gradients are those before the closure ran or gₖ, the gradient at wₖ
            assert state[1] in (before[1], after[1]), f"line {k}: gradients half-written"
    else:
        pytest.fail("the step never completed")
    assert k > 10  # the step ran many lines in optim/, each one interrupted once


def test_history_append_interrupted_at_any_line_is_all_or_nothing() -> None:
    def fresh() -> optim.History:
        h = optim.History()
        for i in range(2):
            h.append(loss=1.0 / (i + 1), grad_norm=0.5, step_size=0.1, elapsed=i, steps=i + 1)
        return h

    def columns(h: optim.History) -> list[list[Any]]:
        return [h.loss, h.grad_norm, h.step_size, h.elapsed, h.steps]

    complete = fresh()
    complete.append(loss=0.25, grad_norm=0.125, step_size=0.1, elapsed=3.0, steps=3)
    for k in range(1, MAX_LINES):
        h = fresh()
        append = functools.partial(
            h.append, loss=0.25, grad_norm=0.125, step_size=0.1, elapsed=3.0, steps=3
        )
        hit = run_with_interrupt_at(k, append)
        if not hit:
            break
        assert columns(h) in (columns(fresh()), columns(complete)), f"line {k}"
        assert len({len(c) for c in columns(h)}) == 1
    else:
        pytest.fail("append never completed")
    assert k > 3


#: The member descriptor of Value's ``grad`` slot, to read and write it under a property.
GRAD_SLOT: Any = vars(Value)["grad"]


class Tripwire(Value):
    """A Value whose next ``grad`` assignment raises KeyboardInterrupt once it is armed."""

    __slots__ = ("armed",)

    def __init__(self, data: float) -> None:
        self.armed = False
        super().__init__(data)

    @property  # type: ignore[override]
    def grad(self) -> float:
        return float(GRAD_SLOT.__get__(self))

    @grad.setter
    def grad(self, g: float) -> None:
        if self.armed:
            self.armed = False
            raise KeyboardInterrupt
        GRAD_SLOT.__set__(self, g)


def test_zero_grad_interrupted_by_a_grad_setter_restores_every_gradient() -> None:
    w = [Tripwire(0.5 * i) for i in range(5)]
    for i, p in enumerate(w):
        p.grad = 1.5 + i
    opt = optim.SGD(w, lr=0.1)
    w[2].armed = True  # the third parameter's assignment raises, after two were zeroed
    with pytest.raises(KeyboardInterrupt):
        opt.zero_grad()
    assert not w[2].armed  # the wire fired inside zero_grad
    assert [p.grad for p in w] == [1.5, 2.5, 3.5, 4.5, 5.5]
    opt.zero_grad()  # uninterrupted, it zeroes them all
    assert [p.grad for p in w] == [0.0] * 5


def test_zero_grad_interrupted_at_any_line_is_all_or_nothing() -> None:
    def fresh() -> tuple[list[Value], optim.Optimizer]:
        w = [Value(0.1 * i) for i in range(4)]
        for i, p in enumerate(w):
            p.grad = 0.25 + i
        return w, optim.SGD(w, lr=0.1)

    before = [0.25, 1.25, 2.25, 3.25]
    for k in range(1, MAX_LINES):
        w, opt = fresh()
        if not run_with_interrupt_at(k, opt.zero_grad):
            break
        grads = [p.grad for p in w]
        assert grads in (before, [0.0] * 4), f"line {k}: gradients half-zeroed: {grads}"
    else:
        pytest.fail("zero_grad never completed")
    assert k > 4  # the loop's lines were each interrupted once
