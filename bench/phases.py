"""Where the time of a moons step goes: autograd-lite on micrograd's graph, phase by phase.

    python -m bench.phases             # best of 7 samples per phase
    python -m bench.phases --quick     # tiny sizes: checks that the script still runs

Each phase is timed on its own with the cyclic garbage collector off, then the whole step is
timed with the collector on and off: the difference is what the collector costs the step.
As in ``run.py``, the objects that exist before timing starts are frozen with ``gc.freeze()``.
"""

from __future__ import annotations

import argparse
import gc
import time

from autograd_lite import Value, topological_order
from bench import workloads

PHASES = ("build the graph", "topological sort", "backward (sort included)", "free the graph")


def profile(points: int, samples: int) -> dict[str, float]:
    """The fastest of ``samples`` runs of each phase and of the whole step, in seconds."""
    problem = workloads.make_moons_problem(points)
    layers = workloads.scalar_parameters(problem, Value)
    params = workloads.flat(layers)
    step = workloads.moons_step_scalar(Value, problem)
    step()
    gc.collect()
    gc.freeze()
    times: dict[str, list[float]] = {
        name: [] for name in (*PHASES, "step, collector on", "step, collector off")
    }
    try:
        for _ in range(samples):
            gc.disable()
            start = time.perf_counter()
            loss = workloads.scalar_loss(layers, problem, Value)
            built = time.perf_counter()
            topological_order(loss)
            sorted_ = time.perf_counter()
            for p in params:
                p.grad = 0.0
            before_backward = time.perf_counter()
            loss.backward()
            after_backward = time.perf_counter()
            del loss
            freed = time.perf_counter()
            gc.enable()
            gc.collect()
            for name, seconds in zip(
                PHASES,
                (
                    built - start,
                    sorted_ - built,
                    after_backward - before_backward,
                    freed - after_backward,
                ),
            ):
                times[name].append(seconds)
            for collector_on in (True, False):
                if not collector_on:
                    gc.disable()
                start = time.perf_counter()
                step()
                gc.enable()
                gc.collect()  # as in run.py, a sample includes collecting what it made
                seconds = time.perf_counter() - start
                times[f"step, collector {'on' if collector_on else 'off'}"].append(seconds)
    finally:
        gc.enable()
        gc.unfreeze()
    return {name: min(samples_) for name, samples_ in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--samples", type=int, default=7, help="samples per phase (default 7)")
    args = parser.parse_args(argv)
    points, samples = (8, 1) if args.quick else (100, args.samples)
    best = profile(points, samples)
    collector = best["step, collector on"] - best["step, collector off"]
    print(f"moons step on micrograd's graph, {points} points, best of {samples}:")
    for name, seconds in best.items():
        print(f"  {name:<26} {seconds * 1e3:8.1f} ms")
    print(f"  {'the collector':<26} {collector * 1e3:8.1f} ms (on minus off)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
