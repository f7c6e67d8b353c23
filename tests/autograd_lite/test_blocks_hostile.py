"""A hostile sweep of the batched replay (:mod:`autograd_lite.batch`): network-shaped graphs,
special numbers, errors in some samples, user ops, wide and deep graphs, each batch checked
against eager code sample by sample.

The contract: every sample's output and input gradients are eager code's to 1e-12 relative to
the size of the numbers in the sample's graph (NaN equals NaN, infinities are equal), the
parameters' gradients summed over the batch likewise, and an error is eager's own with
"(at sample i)" for the first sample that fails, leaving every ``.grad`` as it was.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

import autograd_lite as al
import nn
from autograd_lite import DomainError, Value, detect_anomaly, grad, trace
from autograd_lite.graph import topological_order
from autograd_lite.rules import defvjp, defvjp_variadic

Fn = Callable[..., Any]


# --- Comparing a batch with eager code ----------------------------------------------------------


def close(a: float, b: float, scale: float = 0.0, eps: float = 1e-12) -> bool:
    """Equal to ``eps`` relative to the numbers (and to ``scale``); NaN equals NaN, and an
    infinity only itself."""
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= eps * max(1.0, abs(a), abs(b), scale)


def failure(compute: Callable[[], Any]) -> tuple[type, str] | None:
    try:
        compute()
    except (DomainError, FloatingPointError) as error:
        return (type(error), str(error))
    return None


@dataclass
class Sample:
    """One sample computed by eager code: its output, its inputs' gradients (seed 1), its
    parameters' gradients for the sample's own seed, and the scale of its numbers; or the
    error the forward pass, the seeded backward or the seed-1 gradient raises."""

    out: float = math.nan
    inputs: Sequence[float] = ()
    params: Sequence[float] = ()
    scale: float = 1.0
    forward_error: tuple[type, str] | None = None
    backward_error: tuple[type, str] | None = None
    grad_error: tuple[type, str] | None = None
    kink: bool = False  # a ReLU, |·| or max within rounding of its kink (see at_kink)


#: The ops whose derivative jumps at a point: (op, the operands' distance to it).
KINKS: dict[str, Callable[[list[float]], float]] = {
    "relu": lambda a: abs(a[0]),
    "abs": lambda a: abs(a[0]),
    "hostile.kink": lambda a: abs(a[0]),
    "max": lambda a: abs(sorted(a)[-1] - sorted(a)[-2]) if len(a) > 1 else math.inf,
}


def at_kink(out: Value, scale: float) -> bool:
    """Whether a node of ``out``'s graph is within rounding of a kink (a ReLU's 0, a tie of a
    max): a sum in another order may then land on the other side, and the derivative jumps by
    a whole weight. The contract can't hold there (a known limit, test_a_relu_at_a_rounding_
    residue below); such a sample's gradients are not compared."""
    for v in topological_order(out):
        distance = KINKS.get(v.op)
        if distance is not None:
            numbers = [float(a.data if isinstance(a, Value) else a) for a in v.args]
            if all(math.isfinite(x) for x in numbers) and distance(numbers) <= 1e-12 * scale:
                return True
    return False


def eager(fn: Fn, params: Sequence[Value], xs: Sequence[float], seed: float) -> Sample:
    s = Sample()
    inputs = [Value(x) for x in xs]
    try:
        out = fn(*inputs)
    except (ArithmeticError, ValueError) as error:  # eager's own, a user op's too
        s.forward_error = s.backward_error = s.grad_error = (type(error), str(error))
        return s
    s.out = out.data
    try:
        s.inputs = grad(out, inputs)
    except (ArithmeticError, ValueError) as error:  # eager's own, a user op's too
        s.grad_error = (type(error), str(error))
    saved = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    try:
        out.backward(seed)
        s.params = [p.grad for p in params]
    except (ArithmeticError, ValueError) as error:  # eager's own, a user op's too
        s.backward_error = (type(error), str(error))
    for p, g in zip(params, saved):
        p.grad = g
    numbers = [abs(v.data) for v in topological_order(out)]
    numbers += [abs(g) for g in [*s.inputs, *s.params]]
    finite = [x for x in numbers if math.isfinite(x)]
    largest = 1.0 + max(finite, default=0.0)
    s.scale = largest * largest  # inf past 1e154: then only infinities and NaN must agree
    s.kink = at_kink(out, s.scale)
    return s


def first_error(samples: Sequence[Sample], kind: str) -> tuple[int, tuple[type, str]] | None:
    for i, s in enumerate(samples):
        error = getattr(s, kind)
        if error is not None:
            return i, error
    return None


def samples_of(columns: Sequence[Any]) -> list[tuple[float, ...]]:
    size = next(len(c) for c in columns if isinstance(c, np.ndarray))
    return [
        tuple(float(c[b]) if isinstance(c, np.ndarray) else float(c) for c in columns)
        for b in range(size)
    ]


def agrees(
    fn: Fn,
    params: Sequence[Value],
    columns: Sequence[Any],
    seed: Any = 1.0,
    f: Any = None,
    eps: float = 1e-12,
) -> Any:
    """Replay ``fn``'s tape on the batch ``columns`` (forward, ``backward(grad=seed)`` and
    ``grad``) and check each against eager code, sample by sample; return the tape."""
    samples = samples_of(columns)
    if f is None:
        f = trace(fn, *samples[0])
    seeds = [
        float(seed[b]) if isinstance(seed, np.ndarray) else float(seed) for b in range(len(samples))
    ]
    expected = [eager(fn, params, xs, g) for xs, g in zip(samples, seeds)]
    n = len(columns)

    # Forward only.
    wrong = first_error(expected, "forward_error")
    if wrong is not None:
        i, (kind, message) = wrong
        with pytest.raises(kind) as raised:
            f(*columns)
        assert str(raised.value) == f"{message} (at sample {i})"
    else:
        outputs = f(*columns)
        assert len(outputs) == len(samples)
        for b, e in enumerate(expected):
            assert close(outputs[b], e.out, e.scale, eps), ("output", b, outputs[b], e.out)

    # backward: the parameters' sums; nothing touched if it raises.
    marks = [0.25 * (k + 1) for k in range(len(params))]
    for p, m in zip(params, marks):
        p.grad = m
    wrong = first_error(expected, "backward_error")
    if wrong is not None:
        i, (kind, message) = wrong
        with pytest.raises(kind) as raised:
            f.backward(*columns, grad=seed)
        assert str(raised.value) == f"{message} (at sample {i})"
        assert [p.grad for p in params] == marks
    else:
        outputs = f.backward(*columns, grad=seed)
        for b, e in enumerate(expected):
            assert close(outputs[b], e.out, e.scale, eps), ("backward output", b)
        for j, (p, m) in enumerate(zip(params, marks)):
            terms = [e.params[j] for e in expected]
            want = math.fsum(terms) if all(math.isfinite(t) for t in terms) else sum(terms)
            scale = sum(abs(g) * e.scale for g, e in zip(seeds, expected))
            if not any(e.kink for e in expected):
                assert close(p.grad - m, want, scale, eps), ("parameter", j, p.grad - m, want)

    # grad: the inputs' gradients at seed 1.
    wrong = first_error(expected, "grad_error")
    if wrong is not None:
        i, (kind, message) = wrong
        with pytest.raises(kind) as raised:
            f.grad(*columns)
        assert str(raised.value) == f"{message} (at sample {i})"
    else:
        outputs, gradients = f.grad(*columns)
        assert len(gradients) == n
        for b, e in enumerate(expected):
            assert close(outputs[b], e.out, e.scale, eps)
            for i in range(n if not e.kink else 0):
                got = gradients[i][b]
                assert close(got, e.inputs[i], e.scale, eps), ("input", i, b, got, e.inputs[i])
    return f


# --- Network-shaped graphs ----------------------------------------------------------------------

#: A weight or bias: ("p", k) the pool's parameter k, ("n", c) the number c, ("c", c) a constant
#: Value(c) made inside the function.
Coefficient = tuple[str, Any]

ACTIVATIONS = [
    "id",
    "relu",
    "tanh",
    "sigmoid",
    "softplus",
    "exp",
    "abs",
    "max",
    "square",
    "cube",
    "inverse",
    "neg",
]
STYLES = ["affine", "chain", "sum0", "total", "sub"]
HEADS = ["sum", "hinge", "xent", "softmax_xent", "squared", "mse", "bce", "input", "param"]


@dataclass
class Layer:
    width: int
    style: str
    activation: str
    weights: list[list[Coefficient]]  # one list per neuron, one coefficient per input (+ bias)
    duplicate: bool  # the layer's first input read a second time (first layer only)


@dataclass
class Network:
    n_inputs: int
    pool: list[float]
    layers: list[Layer]
    head: str
    label: int
    penalty: bool
    dead: str  # "", "harmless" or "raising"

    def parameters(self) -> list[Value]:
        return [Value(w, label=f"p{k}") for k, w in enumerate(self.pool)]


def _coefficient(pool: int) -> st.SearchStrategy[Coefficient]:
    return st.one_of(
        st.tuples(st.just("p"), st.integers(0, pool - 1)),
        st.tuples(st.just("n"), st.sampled_from([0.5, -1.0, 2.0, 0.0, -0.0])),
        st.tuples(st.just("c"), st.sampled_from([0.0, -0.0, 1.5, -0.25])),
    )


@st.composite
def networks(draw: st.DrawFn, merging: bool = True) -> Network:
    """A network; with ``merging`` False, none whose sums reach one sample-dependent number
    by two paths (an input read twice, layers without an activation between them), and
    weights 0 or of size 0.1 to 3, so that the specials' products never land near the float's
    largest (the known bugs of the folded sums, below)."""
    n_inputs = draw(st.integers(1, 3))
    weight = st.floats(-3.0, 3.0)
    if not merging:
        weight = weight.filter(lambda w: w == 0.0 or abs(w) >= 0.1)
    activations = ACTIVATIONS if merging else [a for a in ACTIVATIONS if a not in ("id", "neg")]
    pool = draw(
        st.lists(
            st.one_of(weight, st.sampled_from([0.0, -0.0, 1.0])),
            min_size=1,
            max_size=8,
        )
    )
    # Mostly parameters (so sharing happens within and across neurons), sometimes numbers.
    coefficient = st.one_of(
        st.tuples(st.just("p"), st.integers(0, len(pool) - 1)),
        st.tuples(st.just("p"), st.integers(0, len(pool) - 1)),
        _coefficient(len(pool)),
    )
    layers, width = [], n_inputs
    for depth in range(draw(st.integers(1, 3))):
        out = draw(st.integers(1, 6))
        duplicate = merging and depth == 0 and draw(st.booleans())
        fan_in = width + duplicate
        weights = [draw(st.lists(coefficient, min_size=fan_in + 1, max_size=fan_in + 1))]
        for _ in range(out - 1):  # a neuron may share its whole row with the previous one
            same = draw(st.integers(0, 3)) == 0
            row = (
                weights[-1]
                if same
                else draw(st.lists(coefficient, min_size=fan_in + 1, max_size=fan_in + 1))
            )
            weights.append(row)
        style = draw(st.sampled_from(STYLES))
        layers.append(Layer(out, style, draw(st.sampled_from(activations)), weights, duplicate))
        width = out
    head = draw(st.sampled_from(HEADS))
    label = draw(st.integers(0, width - 1))
    return Network(
        n_inputs,
        pool,
        layers,
        head,
        label,
        draw(st.booleans()),
        draw(st.sampled_from(["", "harmless", "raising"])),
    )


def network_fn(net: Network, params: list[Value]) -> Fn:
    def coefficient(c: Coefficient) -> Any:
        kind, x = c
        return params[x] if kind == "p" else x if kind == "n" else Value(x)

    def neuron(style: str, ws: list[Any], xs: list[Any], b: Any) -> Any:
        if style == "affine":
            return al.affine(ws, xs, b)
        products = [w * x for w, x in zip(ws, xs)]
        if style == "chain":
            return sum(products, b)
        if style == "sum0":
            return sum(products) + b
        if style == "total":
            return al.total([*products, b])
        acc = -b  # "sub": −(−b − w₀x₀ − w₁x₁ − ...)
        for p in products:
            acc = acc - p
        return -acc

    def activate(name: str, a: Any, row: list[Any], j: int) -> Any:
        if name == "relu":
            return al.relu(a)
        if name in ("tanh", "sigmoid", "softplus"):
            return getattr(a, name)()
        if name == "exp":
            return (a * 0.01).exp()
        if name == "abs":
            return abs(a)
        if name == "max":
            return al.maximum([a, row[(j + 1) % len(row)], 0.0])
        if name == "square":
            return a**2
        if name == "cube":
            return a**3
        if name == "inverse":
            return 1.0 / a
        if name == "neg":
            return -a - 0.5
        return a

    def fn(*xs: Value) -> Any:
        row: list[Any] = list(xs)
        if net.dead == "harmless":
            (xs[0] * params[0]).tanh()
        elif net.dead == "raising":
            (xs[0] - 1.0).log()  # computed by eager code, leads nowhere, raises for x ≤ 1
        for layer in net.layers:
            inputs = [*row, row[0]] if layer.duplicate else row
            pre = [
                neuron(layer.style, [coefficient(c) for c in ws[:-1]], inputs, coefficient(ws[-1]))
                for ws in layer.weights
            ]
            if not any(isinstance(a, Value) for a in pre):
                pre = [Value(a) if not isinstance(a, Value) else a for a in pre]
            row = [a if isinstance(a, Value) else Value(a) for a in pre]
            row = [activate(layer.activation, a, row, j) for j, a in enumerate(row)]
            row = [a if isinstance(a, Value) else Value(a) for a in row]
        out: Any
        if net.head == "hinge":
            out = nn.hinge_loss(row[0], 1.0 if net.label % 2 else -1.0)
        elif net.head == "xent":
            out = nn.cross_entropy(row, net.label)
        elif net.head == "softmax_xent":
            one_hot = [1.0 if k == net.label else 0.0 for k in range(len(row))]
            # The graph nn.cross_entropy would build on softmax's outputs, which it refuses.
            log_p = nn.log_softmax(nn.softmax(row))
            out = -al.total([y * lp for y, lp in zip(one_hot, log_p)])
        elif net.head == "squared":
            out = nn.squared_error(row, [0.5 * k for k in range(len(row))])
        elif net.head == "mse":
            out = nn.mse_loss(row, [-0.5] * len(row))
        elif net.head == "bce":
            # The graph nn.binary_cross_entropy builds, also on a sigmoid's output (it refuses).
            y = float(net.label % 2)
            out = y * (-row[0]).softplus() + (1.0 - y) * row[0].softplus()
        elif net.head == "input":
            out = xs[-1]
        elif net.head == "param":
            out = params[-1]
        else:
            out = al.total(row)
        if net.penalty and net.head != "param":  # (a parameters-only sum: a known bug, below)
            out = out + 1e-4 * sum(p * p for p in params)
        return out

    return fn


MODERATE = st.floats(-3.0, 3.0)
SPECIAL = st.sampled_from(
    [0.0, -0.0, math.nan, math.inf, -math.inf, 1e300, -1e300, 5e-324, -5e-324, 1.0, -1.0, 0.5]
)


@st.composite
def batches(
    draw: st.DrawFn,
    n_inputs: int,
    numbers: st.SearchStrategy[float],
    sizes: Sequence[int] = (1, 2, 7),
) -> tuple[Any, Any]:
    """The inputs (each an array of B numbers or one shared number, not all shared) and a
    seed (a number, or B numbers among them zeros and negatives)."""
    size = draw(st.sampled_from(sizes))
    shared = draw(st.lists(st.booleans(), min_size=n_inputs, max_size=n_inputs))
    shared[draw(st.integers(0, n_inputs - 1))] = False
    columns: list[Any] = []
    for s in shared:
        if s:
            columns.append(draw(numbers))
        else:
            columns.append(np.array(draw(st.lists(numbers, min_size=size, max_size=size))))
    seeds = st.one_of(st.floats(-2.0, 2.0), st.sampled_from([0.0, -1.0, 1.0, 2.5]))
    seed: Any = draw(st.one_of(seeds, st.lists(seeds, min_size=size, max_size=size).map(np.array)))
    return columns, seed


def traced(fn: Fn, n_inputs: int) -> Any:
    """``fn``'s tape, recorded at numbers where its ops are defined (else the example is
    rejected: a weight of 0 before ``1 / a``)."""
    try:
        return trace(fn, *[1.5 + 0.25 * i for i in range(n_inputs)])
    except DomainError:
        reject()


@settings(max_examples=80, deadline=None)
@given(data=st.data(), net=networks())
def test_network_shaped_graphs_agree_with_eager_code_on_ordinary_numbers(
    data: st.DataObject, net: Network
) -> None:
    params = net.parameters()
    fn = network_fn(net, params)
    columns, seed = data.draw(batches(net.n_inputs, MODERATE))
    agrees(fn, params, columns, seed, f=traced(fn, net.n_inputs))


@settings(max_examples=12, deadline=None)
@given(data=st.data(), net=networks(merging=False))
def test_network_shaped_graphs_agree_with_eager_code_at_300_samples(
    data: st.DataObject, net: Network
) -> None:
    params = net.parameters()
    fn = network_fn(net, params)
    numbers = st.one_of(MODERATE, MODERATE, SPECIAL)
    columns, seed = data.draw(batches(net.n_inputs, numbers, sizes=(300,)))
    agrees(fn, params, columns, seed, f=traced(fn, net.n_inputs))


# Sums that reach a sample's number by two paths, or products near the largest float, are known
# bugs (below): not drawn here.
@settings(max_examples=80, deadline=None)
@given(data=st.data(), net=networks(merging=False))
def test_network_shaped_graphs_agree_with_eager_code_on_special_numbers(
    data: st.DataObject, net: Network
) -> None:
    params = net.parameters()
    fn = network_fn(net, params)
    columns, seed = data.draw(batches(net.n_inputs, st.one_of(MODERATE, SPECIAL, SPECIAL)))
    agrees(fn, params, columns, seed, f=traced(fn, net.n_inputs))


# --- Batches of every size, seeds of every kind -------------------------------------------------

RNG = np.random.default_rng(20261202)


def mlp_loss(widths: list[int], activation: str, head: str) -> tuple[Fn, list[Value], int]:
    model = nn.MLP(widths[0], widths[1:], activation=activation, output_activation="linear", seed=3)
    params = model.parameters()
    n = widths[0]

    def fn(*xs: Value) -> Value:
        out = model(list(xs[:n]))
        if head == "hinge":
            loss = nn.hinge_loss(out[0], xs[n])
        elif head == "xent":
            loss = nn.cross_entropy(out, [xs[n], 1.0 - xs[n], 0.0][: len(out)])
        else:
            loss = nn.squared_error(out, [xs[n]] * len(out))
        return loss + 1e-4 * sum(p * p for p in params)

    return fn, params, n + 1


@pytest.mark.parametrize("size", [1, 2, 7, 300])
@pytest.mark.parametrize(
    ("widths", "activation", "head"),
    [([2, 6, 1], "relu", "hinge"), ([3, 5, 4, 3], "tanh", "xent"), ([1, 4, 2], "sigmoid", "sq")],
)
def test_mlps_agree_at_every_batch_size_with_every_kind_of_seed(
    size: int, widths: list[int], activation: str, head: str
) -> None:
    fn, params, n = mlp_loss(widths, activation, head)
    columns: list[Any] = [RNG.normal(size=size) for _ in range(n - 1)]
    columns.append(np.where(RNG.random(size) < 0.5, -1.0, 1.0) if head == "hinge" else 0.3)
    if head == "xent":
        columns[-1] = (RNG.random(size) < 0.5).astype(float)  # a one-hot target, traced
    f = trace(fn, *samples_of(columns)[0])
    seeds: list[Any] = [1.0, 0.0, -2.5, RNG.normal(size=size), np.zeros(size)]
    seeds.append(np.where(np.arange(size) % 3 == 0, 0.0, -np.arange(size, dtype=float)))
    for seed in seeds:
        agrees(fn, params, columns, seed, f=f)


def test_one_tape_replayed_at_different_sizes_and_after_the_parameters_changed() -> None:
    fn, params, _ = mlp_loss([2, 5, 1], "relu", "hinge")
    f = trace(fn, 0.1, 0.2, 1.0)
    for size in [300, 1, 7, 2, 7]:
        columns = [RNG.normal(size=size), RNG.normal(size=size), np.sign(RNG.normal(size=size))]
        agrees(fn, params, columns, RNG.normal(size=size), f=f)
        for p in params:  # a step of an optimiser: the next replay must read the new numbers
            p.data -= 0.1 * p.grad
            p.grad = 0.0
    params[0].data = 0.0
    params[-1].data = -0.0
    agrees(fn, params, [np.array([0.5, -0.5]), 1.0, np.array([1.0, -1.0])], 1.0, f=f)


def test_a_wide_layer_of_200_inputs() -> None:
    n = 200
    weights = [[Value(float(w)) for w in RNG.normal(size=n)] for _ in range(3)]
    biases = [Value(float(b)) for b in RNG.normal(size=3)]
    params = [*[w for row in weights for w in row], *biases]

    def fn(*xs: Value) -> Value:
        micro = [sum((w * x for w, x in zip(row, xs)), b) for row, b in zip(weights, biases)]
        wide = al.affine(weights[0], list(xs), biases[1])
        return al.total([m.tanh() for m in micro]) + wide.relu()

    columns: list[Any] = [RNG.normal(size=7) for _ in range(n)]
    columns[5] = 0.25  # some inputs shared by every sample
    columns[17] = -0.0
    f = agrees(fn, params, columns, RNG.normal(size=7))
    assert any(type(g).__name__ == "Affine" for g in f.block_replay().plan.groups)


def test_a_deep_chain_of_5000_links_plans_and_runs() -> None:
    depth = 5000
    w, c = Value(0.999), Value(0.01)

    def fn(x: Value) -> Value:
        y = x
        for _ in range(depth):
            y = y * w + c
        return y

    # Each link rounds once: the tolerance grows with the depth.
    agrees(
        fn,
        [w, c],
        [np.array([0.5, -1.0, 2.0, 0.0])],
        np.array([1.0, -1.0, 0.0, 2.0]),
        eps=depth * 2.3e-16,
    )

    def tanh_chain(x: Value) -> Value:
        y = x
        for _ in range(depth):
            y = (y * w + c).tanh()
        return y

    agrees(tanh_chain, [w, c], [np.array([0.5, -1.0, 2.0])], 1.0, eps=depth * 2.3e-16)


# --- Special numbers ----------------------------------------------------------------------------


def test_nan_infinities_huge_tiny_and_signed_zeros_through_a_layer() -> None:
    w = [Value(1.5), Value(-2.0), Value(0.5)]
    b = Value(-0.0)

    def fn(x: Value, y: Value) -> Value:
        h = [al.affine([w[0], w[1]], [x, y], b), sum((wi * v for wi, v in zip(w[1:], [x, y])), b)]
        return al.total([al.relu(h[0]), h[1].tanh(), h[0] * h[1]])

    xs = [math.nan, math.inf, -math.inf, 1e300, -1e300, 5e-324, -0.0, 0.0, 1e308, 2.0]
    ys = [1.0, math.inf, math.inf, 1e300, 1e300, -5e-324, -0.0, -0.0, 1e308, math.nan]
    agrees(fn, [*w, b], [np.array(xs), np.array(ys)], np.linspace(-1.0, 1.0, len(xs)))
    agrees(fn, [*w, b], [np.array(xs), 0.0], 0.0)


def test_inf_minus_inf_zero_times_inf_and_overflow_inside_a_layer() -> None:
    a, b, c = Value(1.0), Value(1.0), Value(1.0)

    def fn(x: Value, y: Value, z: Value) -> Value:
        return x * a + y * b + z * c  # left to right: 1e308 + 1e308 overflows before − 1e308

    big = np.array([1e308, 1e308, 1.0, math.inf, 0.0])
    agrees(fn, [a, b, c], [big, big, np.array([-1e308, -math.inf, 1.0, -math.inf, math.inf])])
    zero = Value(0.0)
    agrees(lambda x: x * zero + 1.0, [zero], [np.array([math.inf, 1.0, -math.inf, math.nan])])
    agrees(lambda x: (x * 1e308 * 10.0 - x * 1e308 * 10.0) * a, [a], [np.array([1.0, 0.0, -1.0])])


# --- Errors in some samples ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda w: lambda x, y: (x * w).log() + y,  # log of a negative
        lambda w: lambda x, y: (x * w + y).sqrt(),  # sqrt of a negative
        lambda w: lambda x, y: w / (x - y),  # division by zero
        lambda w: lambda x, y: (y - x).sqrt() * w,  # √0: the derivative divides by zero
        lambda w: lambda x, y: ((y - 2.0).log(), (x * w).tanh())[1],  # a dead node raises
        lambda w: lambda x, y: (x * w + 708.0).exp() + (x - y + 1.0).sqrt(),  # two ops fail
        lambda w: lambda x, y: (x * w) ** y,  # a negative base to a fractional power
    ],
)
def test_an_error_names_the_first_failing_sample_and_touches_no_gradient(make: Any) -> None:
    w = Value(1.0)
    fn = make(w)
    columns = [
        np.array([1.5, 2.0, -1.0, 0.0, 1.0, -4.0, 0.5]),
        np.array([2.5, 2.0, 0.5, 3.0, 4.0, 5.0, 0.5]),
    ]
    f = trace(fn, 1.5, 2.5)
    agrees(fn, [w], columns, np.array([1.0, 0.0, -1.0, 2.0, 1.0, 1.0, 1.0]), f=f)
    # and another batch
    agrees(fn, [w], [np.array([3.0, 9.0]), np.array([1.0, 0.0])], 1.0, f=f)
    expected = [eager(fn, [w], xs, 1.0) for xs in samples_of(columns)]
    assert any(e.backward_error for e in expected)  # the case does raise somewhere


def test_detect_anomaly_around_a_batch_is_eager_code_sample_by_sample() -> None:
    w = Value(0.5)
    fn = lambda x: (x * w).tanh() * x + w  # noqa: E731
    f = trace(fn, 1.0)
    xs = np.array([0.1, -2.0, 3.0])
    plain = f.grad(xs)
    w.grad = 0.0
    outputs = f.backward(xs, grad=np.array([1.0, 2.0, -1.0]))
    summed = w.grad
    with detect_anomaly():
        agrees(fn, [w], [xs], np.array([1.0, 2.0, -1.0]), f=f)
        checked = f.grad(xs)
        w.grad = 0.0
        assert np.allclose(f.backward(xs, grad=np.array([1.0, 2.0, -1.0])), outputs, rtol=1e-12)
        assert close(w.grad, summed)
        assert np.allclose(checked[0], plain[0], rtol=1e-12)
        assert np.allclose(checked[1][0], plain[1][0], rtol=1e-12)
        g = trace(lambda x: (x * w * 1e308 * 10.0).tanh(), 0.0)
        with pytest.raises(FloatingPointError, match=r"\(at sample 2\)$"):
            g(np.array([0.0, -0.0, 1.0, 1.0]))


# --- User-defined ops ---------------------------------------------------------------------------

defvjp(
    "hostile.fma",
    lambda g, out, a, b, c: g * b,
    lambda g, out, a, b, c: g * a,
    lambda g, out, a, b, c: g,
    forward=lambda a, b, c: a * b + c,
)
defvjp(
    "hostile.kink",  # a rule that branches on its operand: elementwise, sample by sample
    lambda g, out, a: g * (2.0 if a > 0.0 else -0.5),
    forward=lambda a: 2.0 * a if a > 0.0 else -0.5 * a,
)
defvjp_variadic(
    "hostile.dot3",  # a0 + a1·a2 (+ a3): variadic and secretly a polynomial
    lambda wanted, g, out, args: [
        g if i == 0 else g * args[2] if i == 1 else g * args[1] if i == 2 else g for i in wanted
    ],
    forward=lambda *args: args[0] + args[1] * args[2] + (args[3] if len(args) > 3 else 0.0),
)
defvjp(
    "hostile.sign_of",  # copysign(1, a): shows a zero's sign
    lambda g, out, a: g * 0.0,
    forward=lambda a: math.copysign(1.0, a),
)


def test_user_ops_secretly_linear_branching_and_variadic() -> None:
    w, v, b = Value(0.7), Value(-1.3), Value(0.2)

    def fn(x: Value, y: Value) -> Value:
        h1 = Value.apply("hostile.fma", x, w, b)  # x·w + b, foldable
        h2 = Value.apply("hostile.fma", v, y, h1)  # v·y + h1
        h3 = Value.apply("hostile.dot3", b, w, x, y)  # b + w·x + y
        h4 = Value.apply("hostile.dot3", h2, y, 2.0)
        return (
            Value.apply("hostile.kink", h1 - h3).tanh() + h4 * h2 + Value.apply("hostile.kink", y)
        )

    columns = [RNG.normal(size=7), RNG.normal(size=7)]
    columns[0][:3] = [0.0, -0.0, math.inf]
    agrees(fn, [w, v, b], columns, RNG.normal(size=7))
    agrees(fn, [w, v, b], [columns[0], 0.5], 2.0)


# --- The bugs the sweep found, reduced (fixed), and the two costs of reordering sums, accepted -


def sign_of(v: Any) -> Value:
    return Value.apply("hostile.sign_of", v)


@pytest.mark.parametrize(
    "make",
    [
        lambda w: lambda x: w * 3.0 + 1.0,  # the output: parameters only
        lambda w: lambda x: x * (w * 3.0 + 1.0),  # a coefficient made of parameters
        lambda w: lambda x: w + 1e-4 * sum(p * p for p in [w]),  # a parameter + the L2 penalty
    ],
)
def test_a_sum_of_parameters_alone_in_backward_at_two_samples(make: Any) -> None:
    w = Value(2.0)
    fn = make(w)
    agrees(fn, [w], [np.array([1.0, 2.0])], 1.0)


def test_a_sum_of_parameters_alone_works_at_one_sample() -> None:
    w = Value(2.0)
    agrees(lambda x: x * (w * 3.0 + 1.0), [w], [np.array([1.0])], 1.0)


def test_an_input_read_twice_at_infinity() -> None:
    w = Value(0.0)
    fn = lambda x: x * w + x * 0.5  # noqa: E731
    agrees(fn, [w], [np.array([math.inf, 1.0])], 1.0)


def test_an_input_read_twice_with_cancelling_weights_that_overflow() -> None:
    w1, w2 = Value(1e308), Value(-1e308)
    agrees(lambda x: x * w1 + x * w2, [w1, w2], [np.array([10.0, 1.0])], 1.0)


def test_an_input_read_twice_with_weights_whose_sum_overflows() -> None:
    w1, w2 = Value(1e308), Value(1e308)
    agrees(lambda x: x * w1 + x * w2, [w1, w2], [np.array([0.5, 0.25])], 1.0)


@pytest.mark.xfail(
    strict=True,
    reason="accepted (docs/explanation/trace.md, A batch at once): "
    "the matmul's sum starts from +0.0: "
    "x·w + (−0.0) is −0.0 for eager code at x·w = "
    "−0.0, +0.0 in the replay; a user op that reads the sign (copysign) then gives 1 for −1",
)
@pytest.mark.parametrize(
    "make",
    [
        lambda w, b: lambda x: sign_of(x * w + b),
        lambda w, b: lambda x: sign_of(al.affine([w], [x], b)),
        lambda w, b: lambda x, y: sign_of(x * w + y * w),
    ],
)
def test_a_negative_zero_sum_keeps_its_sign(make: Any) -> None:
    w, b = Value(-1.0), Value(-0.0)
    fn = make(w, b)
    n = fn.__code__.co_argcount
    agrees(fn, [w, b], [np.array([0.0, 1.0]), np.array([0.0, 1.0])][:n], 1.0)


def test_maximum_of_signed_zeros_keeps_the_first() -> None:
    fn = lambda x, y: sign_of(al.maximum([x, y]))  # noqa: E731
    agrees(fn, [], [np.array([-0.0, 0.0, 1.0]), np.array([0.0, -0.0, 1.0])], 1.0)


def test_a_number_factor_folded_into_the_weights_hides_an_overflow() -> None:
    w = Value(1e200)
    agrees(lambda x: (x * w) * 1e-200, [w], [np.array([1e200, 1.0])], 1.0)


def test_stacked_linear_layers_at_infinity() -> None:
    w1, w2 = Value(1.0), Value(0.0)
    h = lambda x: [al.affine([w1], [x]), al.affine([w2], [x])]  # noqa: E731
    agrees(lambda x: al.affine([0.5, 0.5], h(x)), [w1, w2], [np.array([math.inf, 1.0])], 1.0)


def test_squared_error_of_two_outputs_near_the_largest_float() -> None:
    w = Value(1.0)
    fn = lambda x: nn.squared_error([al.relu(x * w), al.relu(x * w + 0.0)], [0.0, 0.0])  # noqa: E731
    agrees(fn, [w], [np.array([1e154, 1.0])], 1.0)


defvjp("hostile.math_log", lambda g, out, a: g / a, forward=lambda a: math.log(a))
defvjp("hostile.reciprocal", lambda g, out, a: -g * out * out, forward=lambda a: 1.0 / a)


def test_a_user_ops_own_exception_in_a_later_sample_does_not_hide_the_first_failure() -> None:
    w = Value(1.0)

    def fn(x: Value, y: Value) -> Value:
        a = (y * w).log()  # made first; a deeper group than b's
        b = Value.apply("hostile.math_log", x)
        return a + b

    agrees(fn, [w], [np.array([1.0, -1.0]), np.array([-1.0, 1.0])], 1.0, f=trace(fn, 2.0, 2.0))


def test_a_user_ops_own_exception_names_its_sample() -> None:
    w = Value(1.0)
    f = trace(lambda x: Value.apply("hostile.reciprocal", x * w), 1.0)
    with pytest.raises(ZeroDivisionError, match=r"\(at sample 1\)$"):
        f(np.array([1.0, 0.0, 2.0]))


#: Eight weights and inputs, and a bias that cancels their products summed in reverse order:
#: eager code's sum (the bias, then each product in turn) is exactly 0.
KINK_W = [0.1257302210933933, -0.1321048632913019, 0.6404226504432821, 0.10490011715303971]
KINK_W += [-0.535669373161111, 0.36159505490948474, 1.3040000451301372, 0.9470809631292422]
KINK_X = [-0.7037352358069926, -1.2654214710460525, -0.6232744625373522, 0.0413259793472436]
KINK_X += [-2.3250307746388343, -0.21879166393254573, -1.2459109472530652, -0.7322673547034516]


@pytest.mark.xfail(
    strict=True,
    reason="accepted (docs/explanation/trace.md, A batch at once): "
    "a layer's sum in the matmul's order (BLAS's, with "
    "fused multiply-adds) is not eager's: here eager code's pre-activation is 0.0 and the "
    "replay's 1.1e-16, and the ReLU after it passes a gradient of 0.126 where eager code's "
    "is 0 (a kink within rounding)",
)
def test_a_relu_at_a_rounding_residue_of_zero() -> None:
    ws = [Value(w) for w in KINK_W]
    b = Value(-sum(reversed([w * x for w, x in zip(KINK_W, KINK_X)])))
    fn = lambda *x: al.relu(al.affine(ws, list(x), b))  # noqa: E731
    f = trace(fn, *KINK_X)
    _, gradients = f.grad(*[np.array([x, 1.0]) for x in KINK_X])
    xs = [Value(x) for x in KINK_X]
    assert fn(*xs).data == 0.0
    assert gradients[0][0] == grad(fn(*xs), xs)[0] == 0.0


@pytest.mark.parametrize(
    "make",
    [
        lambda w: lambda x: x,  # the output is the input
        lambda w: lambda x: al.relu(x * w),
        lambda w: lambda x: x * w + 1.0,
        lambda w: lambda x: (x * w).tanh(),
    ],
)
def test_results_are_not_views_of_the_blocks_the_next_replay_reuses(make: Any) -> None:
    w = Value(0.5)
    f = trace(make(w), 1.0)
    xs, seed = np.array([1.0, 2.0]), np.array([1.0, -1.0])
    first = [f(xs), f.backward(xs, grad=seed), *f.grad(xs)[1], f.grad(xs)[0]]
    kept = [a.copy() for a in first]
    f(np.array([5.0, 6.0]))
    f.backward(np.array([7.0, 8.0]), grad=np.array([3.0, 3.0]))
    f.grad(np.array([9.0, 10.0]))
    assert all(np.array_equal(a, b) for a, b in zip(first, kept))
    assert xs.tolist() == [1.0, 2.0] and seed.tolist() == [1.0, -1.0]  # the caller's, untouched


def test_errors_in_nodes_of_the_parameters_alone_name_sample_0() -> None:
    w = Value(2.0)
    live = lambda x: x * (w - 1.0).log()  # noqa: E731
    dead = lambda x: ((w - 3.0).sqrt(), x * w)[1]  # noqa: E731
    f = trace(live, 1.0)
    w.data = 0.5  # now log(−0.5): every sample fails, the first is sample 0
    agrees(live, [w], [np.array([1.0, 2.0, 3.0])], 1.0, f=f)
    w.data = 4.0
    g = trace(dead, 1.0)
    w.data = 2.0  # a dead node of the parameters alone raises in every sample
    agrees(dead, [w], [np.array([1.0, 2.0])], np.array([1.0, -1.0]), f=g)


def test_strided_big_endian_float32_and_integer_arrays_are_read_as_their_numbers() -> None:
    w = Value(0.5)
    fn = lambda x, y: al.relu(x * w + y) * y  # noqa: E731
    f = trace(fn, 1.0, 1.0)
    columns = [
        (np.arange(10.0)[::-2], np.arange(5.0).astype(">f8")),
        (np.arange(5, dtype=np.float32) / 3, 2.0),
        (np.arange(-2, 3), np.array([3, -1, 0, 2, 1], dtype=np.int16)),
    ]
    for x, y in columns:
        agrees(fn, [w], [x, y], np.arange(5), f=f)
