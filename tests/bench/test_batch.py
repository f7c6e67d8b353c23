"""The batch benchmark's NumPy step computes micrograd's step, or its times mean nothing."""

from typing import Any

import numpy as np
import pytest

from autograd_lite import Value
from bench import batch, run, workloads


@pytest.mark.parametrize("points", [2, 7, 100])
def test_numpy_step_is_micrograds_step(points: int) -> None:
    problem = workloads.make_moons_problem(points)
    numpy_step = batch.numpy_step(problem)
    scalar_step = workloads.moons_step_scalar(Value, problem)
    for _ in range(3):  # the updates agree too: each step starts from the one before
        (loss, grads), (expected_loss, expected_grads) = numpy_step(), scalar_step()
        assert loss == pytest.approx(expected_loss, rel=0, abs=1e-12)
        assert len(grads) == len(expected_grads)
        np.testing.assert_allclose(grads, expected_grads, rtol=0, atol=1e-12)


def test_the_gradient_returned_is_read_only() -> None:
    _, grads = batch.numpy_step(workloads.make_moons_problem(5))()
    with pytest.raises(ValueError, match="read-only"):
        grads[0] = 0.0


def test_the_benchmarks_agreement_check_passes() -> None:
    run.check_agreement(batch.agreement(workloads.make_moons_problem(20)))  # exits on failure


def test_the_side_by_side_timing_prints_each_size(capsys: Any) -> None:
    assert batch.main(["--sizes", "20", "--rounds", "1"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("B = 20: NumPy") and "nn.MLP" in line and "micrograd's graph" in line
    assert batch.main(["--sizes", "20", "--rounds", "1", "--pieces"]) == 0
    assert "block program" in capsys.readouterr().out


@pytest.mark.parametrize("points", [3, 50])
def test_the_pytorch_step_is_the_numpy_step(points: int) -> None:
    pytest.importorskip("torch")
    problem = workloads.make_moons_problem(points)
    torch_step, numpy_step = batch.torch_step(problem), batch.numpy_step(problem)
    for _ in range(3):  # torch.optim.SGD's updates agree too
        (loss, grads), (expected_loss, expected_grads) = torch_step(), numpy_step()
        assert loss == pytest.approx(expected_loss, rel=0, abs=1e-12)
        np.testing.assert_allclose(grads, expected_grads, rtol=0, atol=1e-12)
