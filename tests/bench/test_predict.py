"""The predict rows time what they say: the loop and mlp.predict give the same numbers."""

import numpy as np

from bench import predict, workloads


def test_the_loop_and_predict_agree_on_the_benchmark_rows() -> None:
    problem = workloads.make_moons_problem(30)
    looped, replayed = predict.loop(problem)(), predict.replayed(problem)()
    assert looped.shape == replayed.shape == (30, 1)
    np.testing.assert_allclose(replayed, looped, rtol=0, atol=1e-12)
    assert predict.agree(problem) <= 1e-12
