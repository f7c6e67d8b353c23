"""The optimiser contract: subclasses implement _proposal only; state has named fields."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest

import optim
from autograd_lite import Value
from optim.adam import AdamState
from optim.gradient_descent import LineSearchState
from optim.sgd import SGDState

MAKERS: dict[str, Callable[[list[Value]], optim.Optimizer]] = {
    "sgd": lambda w: optim.SGD(w, lr=0.05),
    "momentum": lambda w: optim.SGD(w, lr=0.05, momentum=0.9),
    "nesterov": lambda w: optim.SGD(w, lr=0.05, momentum=0.5, nesterov=True),
    "adam": lambda w: optim.Adam(w, lr=0.1),
    "gd-fixed": lambda w: optim.GradientDescent(w, lr=0.05, line_search=None),
    "gd-exact": lambda w: optim.GradientDescent(w),
    "gd-backtracking": lambda w: optim.GradientDescent(w, line_search="backtracking"),
}


def problem() -> tuple[list[Value], Callable[[], Value]]:
    w = [Value(-1.0), Value(0.5), Value(2.0)]

    def closure() -> Value:
        for p in w:
            p.grad = 0.0
        loss = (w[0] - 1.0) ** 2 + 3.0 * (w[1] + 2.0) ** 2 + (w[2] * w[0] - 0.5) ** 2
        loss.backward()
        return loss

    return w, closure


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.GradientDescent])
def test_every_optimiser_implements_proposal_and_leaves_step_to_the_base(cls: type) -> None:
    assert "_proposal" in vars(cls)
    assert "step" not in vars(cls)


def test_state_has_named_fields() -> None:
    w, closure = problem()
    sgd = optim.SGD(w, lr=0.01, momentum=0.9)
    sgd.step(closure)
    assert isinstance(sgd.state, SGDState) and len(sgd.state.velocity) == 3
    assert sgd.state.buffers == (sgd.state.velocity,)  # the old positional reading still works
    adam = optim.Adam(w, lr=0.01)
    adam.step(closure)
    assert isinstance(adam.state, AdamState)
    assert adam.state.buffers == (adam.state.first_moment, adam.state.second_moment)
    gd = optim.GradientDescent(w)
    gd.step(closure)
    assert isinstance(gd.state, LineSearchState) and gd.state.loss == gd.last_loss
    assert optim.OptimizerState().buffers == ()


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_saved_state_resumes_training_bit_for_bit(name: str) -> None:
    w, closure = problem()
    opt = MAKERS[name](w)
    for _ in range(3):
        opt.step(closure)
    saved_data = [p.data for p in w]
    saved_state = pickle.loads(pickle.dumps(opt.state))
    assert saved_state == opt.state
    for _ in range(2):
        opt.step(closure)
    expected = [p.data for p in w]

    w2, closure2 = problem()
    resumed = MAKERS[name](w2)
    for p, x in zip(w2, saved_data):
        p.data = x
    resumed.state = saved_state
    for _ in range(2):
        resumed.step(closure2)
    assert [p.data for p in w2] == expected and resumed.state == opt.state
