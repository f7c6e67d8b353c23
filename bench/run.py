"""Benchmark autograd-lite against micrograd, PyTorch (scalar tensors) and NumPy, side by side.

    python -m bench.run            # the full run (a few minutes); writes bench/RESULTS.md
    python -m bench.run --quick    # tiny sizes, seconds: checks that the benchmark still runs

Engines run interleaved, round by round, in one process, so a noisy neighbour slows them all
alike. Every engine starts from the same parameters, and results must agree to 1e-9 before
anything is timed.

Garbage collection is part of the cost a training loop pays, so each sample ends with
``gc.collect()``, and the collections Python starts by itself during a sample count too. The
objects that exist before timing starts (the interpreter's, NumPy's, PyTorch's modules) are
frozen with ``gc.freeze()``, so that collecting scans what the engines made rather than the
165,000 objects importing PyTorch leaves behind, a cost that depends on what else happens to be
imported. Without the freeze every engine pays about 40 ms more per collection here.

Beside the engines runs a yardstick, ``bench/tape.py``: a minimal slotted tape, the least a
graph of one node per op can cost in pure Python.

Beside the eager rows run the traced ones: the moons graphs recorded once with
``autograd_lite.trace`` and replayed each step, and the chain replayed with ``f.grad``. Each
tape is made before timing starts, so it is frozen with the rest, as a model's long-lived
objects would be; what tracing costs is timed on its own, as rows of its own in the same
rounds ("moons: trace + code generation", wall time of the whole ``trace`` call), and the
targets say how many eager steps pay it back. The 10⁶-link chain takes a minute to trace.

Beside the batched replay runs the same step in PyTorch with tensors (``bench.batch.torch_step``:
``torch.nn.Sequential`` + ``torch.optim.SGD``, float64, one thread), reported as ratios to its time;
and ``mlp.predict(X)`` against the loop over the rows (``bench/predict.py``), at 1,000 rows.

micrograd's ``backward`` sorts the graph recursively; the recursion limit is raised for it, and
its chain is timed only up to the sizes where it still runs in reasonable time and memory.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from autograd_lite import Value, topological_order
from autograd_lite.files import write_atomically
from bench import batch, predict, workloads
from bench.tape import TapeValue

TOLERANCE = 1e-9
BATCH_NUMPY = "NumPy, tight (matrix products, one BLAS thread)"
BATCH_TRACED = "autograd-lite, one sample traced, batch replayed"
AS_VALUES = "parameters as Values"
BATCH_TORCH = "PyTorch, tensors (nn.Sequential + torch.optim.SGD, float64, one thread)"
PREDICT = "predict, B rows"
PREDICT_LOOP = "loop: [[o.data for o in mlp(x)] for x in X]"
PREDICT_REPLAY = "mlp.predict(X): recorded once, replayed on the batch"
TAPE = "minimal slotted tape (yardstick, bench/tape.py)"
EAGER = "autograd-lite (micrograd's graph)"
EAGER_NN = "autograd-lite (nn.MLP)"
TRACED = "autograd-lite, traced (micrograd's graph)"
TRACED_NN = "autograd-lite, traced (nn.MLP)"
TRACE_COST = "moons: trace + code generation"
REPLAY = "autograd-lite, traced (f.grad replayed)"

TAPE_NOTE = (
    "Eager code makes one Python object per op, and the minimal tape is the least such a graph "
    "costs in pure Python: 1/15 of micrograd's time, 1/6 of PyTorch's scalar tensors, or a "
    "chain of 10⁶ within 1.5× of 10⁴ per link, are below that floor, which the tape does not "
    "reach either. So the eager engine is reported against the tape (its time over the tape's, "
    "1.00× = as fast as the floor); tracing is the way past it (the targets above)."
)

TORCH_NOTE = (
    "The moons MLP's full-batch step (forward, max-margin loss + α Σp², backward, SGD update) "
    "as a PyTorch user writes it with tensors: torch.nn.Sequential of Linear and ReLU in float64, "
    "torch.optim.SGD, one thread. Beside it the batched replay of one traced sample (nn.MLP, "
    "θ one array) and the hand-written NumPy step, all from the same parameters and agreeing "
    "to 1e-9 before timing; a ratio below 1 is faster than PyTorch."
)


@dataclass
class Row:
    workload: str
    engine: str
    nodes: int  # nodes in the graph of one sample (links for the chain)
    seconds: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def sample(run: Callable[[], Any]) -> float:
    """One timed run, including the collection of the garbage it leaves."""
    start = time.perf_counter()
    run()
    gc.collect()
    return time.perf_counter() - start


def interleave(rows: list[tuple[Row, Callable[[], Any]]], rounds: int) -> None:
    """Each row sampled once a round, in turn. A row made by :func:`repeated` runs once
    untimed first: a batch step run right after another engine's is slower for several steps
    (12% at B = 1,000 right after PyTorch's), which would time the engine before it."""
    for _ in range(rounds):
        for row, run in rows:
            if hasattr(run, "steps"):  # made by repeated
                run()
            row.seconds.append(sample(run))


def repeated(run: Callable[[], Any], seconds: float = 0.01) -> Callable[[], Any]:
    """``run`` called k times, k making about ``seconds``; ``sample`` of it is one step's
    time × k. A step of 25 µs timed alone, right after the other engines' steps, times a
    cold start (caches, branch predictors) as much as the step: the NumPy step at B = 100
    measured 61 µs so and 36 µs in a run of steps, in one process."""
    run()  # the first call of a batched replay writes its programs
    start = time.perf_counter()
    run()
    k = max(1, round(seconds / max(time.perf_counter() - start, 1e-7)))

    def many() -> None:
        for _ in range(k):
            run()

    many.steps = k  # type: ignore[attr-defined]
    return many


def optional(name: str) -> Any:
    try:
        return __import__(name)
    except ImportError:
        return None


def check_agreement(results: dict[str, tuple[float, list[float]]]) -> None:
    """Every engine's loss and gradients equal the first one's to TOLERANCE, or exit."""
    (reference_name, (loss, grads)), *others = results.items()
    for name, (other_loss, other_grads) in others:
        worst = max([abs(loss - other_loss)] + [abs(a - b) for a, b in zip(grads, other_grads)])
        if len(grads) != len(other_grads) or worst > TOLERANCE:
            sys.exit(f"bench: {name} disagrees with {reference_name} by {worst:.3g} (> 1e-9)")


def moons(args: argparse.Namespace, micrograd: Any, torch: Any) -> list[Row]:
    problem = workloads.make_moons_problem(args.points)
    nodes = len(
        topological_order(
            workloads.scalar_loss(workloads.scalar_parameters(problem, Value), problem, Value)
        )
    )
    steps: dict[str, Callable[[], Any]] = {}
    if micrograd:
        steps["micrograd"] = workloads.moons_step_scalar(micrograd.engine.Value, problem)
    steps[EAGER] = workloads.moons_step_scalar(Value, problem)
    steps[TRACED] = workloads.traced_moons_step(problem)
    steps[TAPE] = workloads.moons_step_scalar(TapeValue, problem)
    tracers: dict[str, Callable[[], Any]] = {EAGER: lambda: workloads.traced_moons_step(problem)}
    if hasattr(optional("nn"), "MLP") and hasattr(optional("optim"), "SGD"):
        steps[EAGER_NN] = workloads.moons_step_nn(problem)
        steps[TRACED_NN] = workloads.traced_moons_step_nn(problem)
        tracers[EAGER_NN] = lambda: workloads.traced_moons_step_nn(problem)
    if torch:
        steps["PyTorch, 0-d float64 tensors"] = workloads.moons_step_torch(problem)
    steps["NumPy, hand-written matrices"] = batch.numpy_step(problem)
    # The first step from the common start must agree everywhere; later steps continue from it.
    check_agreement({name: step() for name, step in steps.items()})
    rows = [(Row("moons step", name, nodes), step) for name, step in steps.items()]
    # Tracing (the graph built once, its code written and compiled) is timed in the same rounds.
    rows += [(Row(TRACE_COST, name, nodes), run) for name, run in tracers.items()]
    gc.collect()
    gc.freeze()
    interleave(rows, args.rounds)
    gc.unfreeze()
    return [row for row, _ in rows]


def chain(args: argparse.Namespace, micrograd: Any, torch: Any) -> list[Row]:
    rows: list[Row] = []
    for n in args.chain:
        runs: dict[str, Callable[[], float]] = {
            "autograd-lite": workloads.chain_scalar(Value, n),
            TAPE: workloads.chain_scalar(TapeValue, n),
        }
        if micrograd and n <= args.micrograd_max_chain:
            runs["micrograd"] = workloads.chain_scalar(micrograd.engine.Value, n)
        if torch and n <= args.torch_max_chain:
            runs["PyTorch, 0-d float64 tensors"] = workloads.chain_torch(n)
        runs[REPLAY] = workloads.traced_chain(n)  # traced here, outside the timed samples
        expected = 1.0001**n
        for name, run in runs.items():
            if abs(run() - expected) > TOLERANCE * expected:
                sys.exit(f"bench: {name}'s chain gradient is wrong at N={n}")
        timed = [(Row(f"chain N={n:,}", name, n), run) for name, run in runs.items()]
        gc.collect()
        gc.freeze()
        interleave(timed, max(1, args.rounds if n <= 10_000 else args.rounds // 2))
        gc.unfreeze()
        rows += [row for row, _ in timed]
    return rows


def batched(args: argparse.Namespace, torch: Any) -> list[Row]:
    """The batch rows: a traced sample replayed over B points against tight NumPy, θ held as
    one array across steps (``f.backward_at``), and beside them the parameters as Values
    (``f.backward`` into their ``.grad``) and, if it is installed, the step in PyTorch with
    tensors."""
    rows: list[Row] = []
    for size in args.batch:
        problem = workloads.make_moons_problem(size)
        check_agreement(batch.agreement(problem, torch=bool(torch)))
        steps = {
            BATCH_NUMPY: batch.numpy_step(problem),
            f"{BATCH_TRACED} (nn.MLP)": batch.traced_step(problem, "nn"),
            f"{BATCH_TRACED} (micrograd's graph)": batch.traced_step(problem, "micrograd"),
            f"{BATCH_TRACED} (nn.MLP, {AS_VALUES})": batch.traced_step(problem, "nn", True),
            **({BATCH_TORCH: batch.torch_step(problem)} if torch else {}),
        }
        timed = [
            (Row(f"batch of B={size:,}", name, size), repeated(step))
            for name, step in steps.items()
        ]
        gc.collect()
        gc.freeze()
        interleave(timed, args.rounds)
        gc.unfreeze()
        for row, many in timed:  # a sample is k steps: the time of one
            row.seconds = [t / many.steps for t in row.seconds]  # type: ignore[attr-defined]
        rows += [row for row, _ in timed]
    return rows


def batch_targets(rows: list[Row], points: int) -> list[tuple[str, bool]]:
    """The batched replay's ratios to the NumPy step, against their targets (≤ 3× at B = 100
    and for micrograd's graph, ≤ 1.5× through nn.MLP beyond), and to micrograd's eager step for
    a batch of the moons workload's ``points``."""
    checks = []
    for row in rows:
        if not row.workload.startswith("batch of") or row.engine == BATCH_NUMPY:
            continue
        if AS_VALUES in row.engine or row.engine == BATCH_TORCH:  # shown beside: no target
            continue
        numpy = median(rows, row.workload, BATCH_NUMPY)
        size = row.nodes
        limit = 3.0 if size <= 100 or "micrograd" in row.engine else 1.5
        if numpy:
            ratio = row.median / numpy
            text = f"{row.workload}, {row.engine}: {ratio:.1f}× the NumPy step"
            checks.append((f"{text} (target ≤ {limit:g}×)", ratio <= limit))
        micrograd = median(rows, "moons step", "micrograd")
        if micrograd and size == points:  # the same points, the same step
            text = f"{row.workload}, {row.engine}: {micrograd / row.median:,.0f}× faster"
            checks.append((f"{text} than micrograd's eager step (expected > 1,000×)", True))
    return checks


def predictions(args: argparse.Namespace) -> list[Row]:
    """``mlp.predict(X)`` against the loop over the rows, at ``args.predict`` rows."""
    problem = workloads.make_moons_problem(args.predict)
    difference = predict.agree(problem)
    if difference > 1e-12:
        sys.exit(f"bench: mlp.predict disagrees with the loop by {difference:.3g} (> 1e-12)")
    runs = {PREDICT_LOOP: predict.loop(problem), PREDICT_REPLAY: predict.replayed(problem)}
    workload = PREDICT.replace("B", f"{args.predict:,}")
    timed = [(Row(workload, name, args.predict), repeated(run)) for name, run in runs.items()]
    gc.collect()
    gc.freeze()
    interleave(timed, args.rounds)
    gc.unfreeze()
    for row, many in timed:  # a sample is k calls, as for the batch rows: the time of one
        row.seconds = [t / many.steps for t in row.seconds]  # type: ignore[attr-defined]
    return [row for row, _ in timed]


def predict_targets(rows: list[Row]) -> list[tuple[str, bool]]:
    """mlp.predict against the loop: at least 100× faster at 1,000 rows."""
    checks = []
    for row in rows:
        if row.engine != PREDICT_REPLAY:
            continue
        loop = median(rows, row.workload, PREDICT_LOOP)
        if loop:
            ratio = loop / row.median
            text = f"{row.workload}: mlp.predict(X) {ratio:,.0f}× faster than the loop"
            checks.append((f"{text} (target ≥ 100× at 1,000 rows)", ratio >= 100))
    return checks


def against_torch(rows: list[Row]) -> str:
    """The batched replay's and the NumPy step's time over PyTorch's, at each batch size."""
    lines = []
    for row in rows:
        if row.engine != BATCH_TORCH:
            continue
        for engine in (f"{BATCH_TRACED} (nn.MLP)", BATCH_NUMPY):
            ours = median(rows, row.workload, engine)
            if ours:
                lines.append(
                    f"- {row.workload}: {engine} {fmt(ours)}, PyTorch {fmt(row.median)}: "
                    f"{ours / row.median:.2f}× PyTorch's time"
                )
    return "\n".join(lines) or "PyTorch is not installed (`make .venv/.installed-torch`): no rows."


def memory(n: int) -> tuple[float, bool]:
    """Bytes per link of autograd-lite's chain graph, and whether dropping it frees every node.

    Freed is judged by weak references, not by traced bytes: CPython keeps a few thousand
    freed tuples and floats on its free lists, which tracemalloc still counts as allocated.
    """
    gc.collect()
    gc.disable()  # freeing must come from reference counting alone
    try:
        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
        y = x = Value(0.5)
        for i in range(n):
            y = y * 1.0001 + 0.0001
            if i == n // 2:
                middle = weakref.ref(y)
        held = tracemalloc.get_traced_memory()[0] - baseline
        tracemalloc.stop()
        first, last = weakref.ref(x), weakref.ref(y)
        del x, y
        freed = first() is None and middle() is None and last() is None
    finally:
        gc.enable()
    return held / n, freed


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return (
        f"- machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}\n"
        f"- Python {platform.python_version()} ({platform.python_implementation()}); "
        f"numpy {version('numpy')}, micrograd {version('micrograd')}, torch {version('torch')}"
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| workload | engine | median | min .. max | µs per unit | vs micrograd |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        micrograd = next(
            (r for r in rows if r.workload == row.workload and r.engine == "micrograd"), None
        )
        ratio = f"{micrograd.median / row.median:.1f}× faster" if micrograd else "—"
        if micrograd is row:
            ratio = "1"
        lines.append(
            f"| {row.workload} | {row.engine} | {fmt(row.median)} | "
            f"{fmt(min(row.seconds))} .. {fmt(max(row.seconds))} | "
            f"{row.median / row.nodes * 1e6:.3f} | {ratio} |"
        )
    return "\n".join(lines)


def fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms" if seconds < 10 else f"{seconds:.1f} s"


def median(rows: list[Row], workload: str, engine: str) -> float | None:
    found = [r.median for r in rows if r.workload == workload and r.engine == engine]
    return found[0] if found else None


def per_link(rows: list[Row], n: int, engine: str) -> float | None:
    """µs per link of ``engine``'s chain of ``n`` links, if it ran."""
    seconds = median(rows, f"chain N={n:,}", engine)
    return seconds / n * 1e6 if seconds else None


def chains(rows: list[Row]) -> list[int]:
    return sorted({r.nodes for r in rows if r.workload.startswith("chain N=")})


def trace_targets(rows: list[Row]) -> list[tuple[str, bool]]:
    """The traced rows' targets: replay against eager, the replayed chain, the trace's
    pay-back."""
    checks = []
    for graph, eager, traced in [
        ("micrograd's graph", EAGER, TRACED),
        ("nn.MLP", EAGER_NN, TRACED_NN),
    ]:
        step, replay = median(rows, "moons step", eager), median(rows, "moons step", traced)
        cost = median(rows, TRACE_COST, eager)
        if not (step and replay and cost):
            continue
        checks.append(
            (
                f"moons, {graph}, traced: the step (zero grads, `f.backward()`, SGD update) "
                f"takes 1/{step / replay:.1f} of the eager step (target ≤ 1/10)",
                step / replay >= 10,
            )
        )
        saved = step - replay
        payback = cost / saved if saved > 0 else float("inf")
        checks.append(
            (
                f"moons, {graph}: trace + code generation {fmt(cost)}, paid back in "
                f"{payback:.1f} eager steps (cost / (eager − replay); target ≤ 20)",
                payback <= 20,
            )
        )
    for n in chains(rows):
        if (replayed := per_link(rows, n, REPLAY)) is not None:
            checks.append(
                (
                    f"chain N={n:,} replayed: {replayed:.3f} µs per link (target ≤ 0.6)",
                    replayed <= 0.6,
                )
            )
    small, large = per_link(rows, 10_000, REPLAY), per_link(rows, 1_000_000, REPLAY)
    if small and large:
        checks.append(
            (
                f"chain replayed at N=10⁶: {large / small:.2f}× the cost per link at 10⁴ "
                "(target ≤ 1.2)",
                large / small <= 1.2,
            )
        )
    return checks


def targets(rows: list[Row], bytes_per_link: float, freed: bool, points: int) -> str:
    """The targets of the traced, batched and predict rows, then those of eager code that pure
    Python can reach, each met or MISSED."""
    checks = trace_targets(rows) + batch_targets(rows, points) + predict_targets(rows)
    ours_nn, micrograd = (
        median(rows, "moons step", EAGER_NN),
        median(rows, "moons step", "micrograd"),
    )
    if ours_nn and micrograd:
        checks.append(
            (
                f"moons through nn.MLP, eager: 1/{micrograd / ours_nn:.1f} of micrograd "
                "(target ≤ 1/10)",
                micrograd / ours_nn >= 10,
            )
        )
    small = per_link(rows, 10_000, "autograd-lite")
    if small:
        checks.append(
            (f"chain at N=10⁴, eager: {small:.2f} µs per link (target ≤ 2.5)", small <= 2.5)
        )
    checks.append(
        (
            f"memory: {bytes_per_link:.0f} bytes per link of the chain graph (target ≤ 400)",
            bytes_per_link <= 400,
        )
    )
    checks.append(("the chain graph is freed by reference counting when dropped", freed))
    return "\n".join(f"- {'met' if ok else 'MISSED'}: {text}" for text, ok in checks)


def against_tape(rows: list[Row]) -> str:
    """The eager engine against the minimal tape: the floor of one Python object per op."""
    pairs = [("moons step, micrograd's graph", "moons step", EAGER)]
    pairs += [(f"chain N={n:,}", f"chain N={n:,}", "autograd-lite") for n in chains(rows)]
    lines = []
    for label, workload, engine in pairs:
        ours, tape = median(rows, workload, engine), median(rows, workload, TAPE)
        if ours and tape:
            lines.append(f"- {label}: eager {fmt(ours)}, the tape {fmt(tape)}: {ours / tape:.2f}×")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--rounds", type=int, default=5, help="samples per engine (default 5)")
    parser.add_argument("--points", type=int, default=100, help="moons points (default 100)")
    parser.add_argument("--chain", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--batch", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--predict", type=int, default=1_000, help="rows for mlp.predict")
    parser.add_argument("--micrograd-max-chain", type=int, default=10_000)
    parser.add_argument("--torch-max-chain", type=int, default=100_000)
    parser.add_argument("--no-micrograd", action="store_true")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.points, args.chain, args.batch = 1, 8, [100, 1_000], [20]
        args.predict = 20

    micrograd = None if args.no_micrograd else optional("micrograd.engine")
    torch = None if args.no_torch else optional("torch")
    if micrograd:  # optional("micrograd.engine") returns the package, engine loaded
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * args.micrograd_max_chain))
    if torch:
        torch.set_num_threads(1)

    rows = moons(args, micrograd, torch) + chain(args, micrograd, torch) + batched(args, torch)
    rows += predictions(args)
    bytes_per_link, freed = memory(10_000 if not args.quick else 1_000)
    report = (
        "# Benchmark results\n\n"
        f"`python -m bench.run{' --quick' if args.quick else ''}`, {args.rounds} interleaved "
        f"rounds; times include collecting each sample's garbage. A unit is a node of micrograd's "
        f"graph of the step ({rows[0].nodes:,} nodes) for the moons step, a link for the chain, "
        f"a sample (a point, a row) for the batch and predict rows. A "
        f"batch row's sample is as many steps as take about 10 ms, then one collection: the time "
        f"of one step in a run of them (a 25 µs step timed alone times a cold start too); so "
        f"is a predict row's, of one call."
        f"\n\n{machine()}\n\n"
        f"{table(rows)}\n\n## Targets\n\n{targets(rows, bytes_per_link, freed, args.points)}\n\n"
        f"## The batch step beside PyTorch\n\n{TORCH_NOTE}\n\n{against_torch(rows)}\n\n"
        f"## Eager against the minimal tape\n\n{TAPE_NOTE}\n\n{against_tape(rows)}\n"
    )
    if args.quick:
        report += "\nA --quick run: sizes too small for the targets to mean anything.\n"
    if not micrograd:
        report += "\nmicrograd is not installed (`pip install micrograd==0.1.0`): no ratios.\n"
    print(report)
    write_atomically(args.out, report.encode("utf-8"))  # the old results stay whole till then

    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
