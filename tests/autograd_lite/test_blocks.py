"""blocks: a batched replay groups a layer into one matrix product and its other nodes into
one call per op, and agrees with eager code sample by sample."""

import ast
import itertools
import math
import re
from operator import methodcaller
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd_lite import DomainError, Value, grad, total, trace
from autograd_lite import affine as al_affine
from autograd_lite.batch import samples
from autograd_lite.batch.affine import Affine
from autograd_lite.batch.buffers import View
from autograd_lite.batch.elementwise import Elementwise
from autograd_lite.batch.replay import Pass
from autograd_lite.batch.syntax import Expr
from autograd_lite.rules import defvjp

B = 40
RNG = np.random.default_rng(7)


def close(a: float, b: float, scale: float = 1.0) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), scale)


def shape(f: Any) -> list[tuple[str, int, int]]:
    """The plan: each group's kind, its width and (affine) how many inputs it reads."""
    return [
        (type(g).__name__, g.m if isinstance(g, Affine) else g.width, getattr(g, "n", 0))
        for g in f.block_replay().plan.groups
    ]


def source(f: Any, kind: Pass) -> str:
    """The block program of a pass, as its source shows it."""
    return f.block_replay().program(kind).program.source(kind.value)


def lines(f: Any, kind: Pass) -> list[str]:
    """The statements of a pass's block program, one a line as its source shows them."""
    return [line.strip() for line in source(f, kind).splitlines()]


def evaluate(expr: Expr, scope: dict[str, Any]) -> Any:
    """An expression of a block program worked out in ``scope``."""
    tree = ast.fix_missing_locations(ast.Expression(expr.node))
    return eval(compile(tree, "<bound>", "eval"), scope)


def agrees_with_eager(
    fn: Any, params: list[Value], columns: list[np.ndarray], f: Any = None
) -> None:
    """``trace(fn)``'s batch (or ``f``'s) against eager code sample by sample, and the
    parameters' sums."""
    f = f if f is not None else trace(fn, *(float(c[0]) for c in columns))
    seeds = RNG.uniform(0.5, 1.5, len(columns[0]))
    for p in params:
        p.grad = 0.0
    one_by_one, samples.one_by_one = samples.one_by_one, fell_back  # the blocks must run: a
    try:  # fall-back would hide their errors
        outputs = f.backward(*columns, grad=seeds)
        _, input_grads = f.grad(*columns)
    finally:
        samples.one_by_one = one_by_one
    sums = [p.grad for p in params]
    expected = [0.0] * len(params)
    for b in range(len(columns[0])):
        inputs = [Value(float(c[b])) for c in columns]
        out = fn(*inputs)
        derivatives = grad(out, [*inputs, *params])
        assert close(outputs[b], out.data)
        for i in range(len(inputs)):
            assert close(input_grads[i][b], derivatives[i])
        expected = [e + seeds[b] * d for e, d in zip(expected, derivatives[len(inputs) :])]
    assert all(close(s, e) for s, e in zip(sums, expected))


def fell_back(*_: Any) -> Any:
    raise AssertionError("the batch was replayed one sample at a time")


def moons(n: int) -> list[np.ndarray]:
    X = RNG.normal(size=(n, 2))
    return [X[:, 0].copy(), X[:, 1].copy(), np.sign(X[:, 0] * X[:, 1]) + (X[:, 0] == 0)]


def test_an_mlp_is_a_matrix_product_per_layer_and_one_call_per_activation() -> None:
    model = nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=0)

    def loss(x0: Any, x1: Any, y: Any) -> Any:
        return nn.hinge_loss(model([x0, x1])[0], y)

    f = trace(loss, 0.5, -0.5, 1.0)
    layers = [g for g in shape(f) if g[0] == "Affine"]
    assert layers[:3] == [("Affine", 16, 2), ("Affine", 16, 16), ("Affine", 1, 16)]
    assert ("Elementwise", 16, 0) in shape(f)  # the 16 ReLUs of a layer: one call
    agrees_with_eager(loss, model.parameters(), moons(B))


def test_micrographs_chains_of_mul_and_add_fold_into_the_same_products() -> None:
    sizes = [2, 8, 8, 1]
    layers = [
        [([Value(RNG.normal()) for _ in range(n_in)], Value(RNG.normal())) for _ in range(n_out)]
        for n_in, n_out in itertools.pairwise(sizes)
    ]
    params = [p for layer in layers for ws, b in layer for p in [*ws, b]]

    def loss(x0: Any, x1: Any, y: Any) -> Any:
        x = [x0, x1]
        for depth, layer in enumerate(layers):
            x = [sum((w * xi for w, xi in zip(ws, x)), b) for ws, b in layer]
            x = x if depth == len(layers) - 1 else [a.relu() for a in x]
        return (1 + -y * x[0]).relu() + 1e-4 * sum(p * p for p in params)

    f = trace(loss, 0.5, -0.5, 1.0)
    assert [g for g in shape(f) if g[0] == "Affine"][:3] == [
        ("Affine", 8, 2),
        ("Affine", 8, 8),
        ("Affine", 1, 8),
    ]
    plan = f.block_replay().plan
    penalty = [g for g in plan.groups if plan.uniform[g.index]]
    assert penalty, "Σp² does not depend on the sample: computed once per batch"
    agrees_with_eager(loss, params, moons(B))


def test_softmax_cross_entropy_with_smooth_activations() -> None:
    model = nn.MLP(3, [5, 4], activation="tanh", output_activation="linear", seed=1)

    def loss(x0: Any, x1: Any, x2: Any, y0: Any, y1: Any, y2: Any, y3: Any) -> Any:
        # −Σ yₖ log softmax(p)ₖ of p = softmax(a): the graph nn.cross_entropy would build (it
        # refuses a softmax's outputs as logits; here the double softmax is the point).
        log_p = nn.log_softmax(nn.softmax(model([x0, x1, x2])))
        return -total([y * lp for y, lp in zip([y0, y1, y2, y3], log_p)])

    labels = np.eye(4)[RNG.integers(0, 4, B)]
    columns = [RNG.normal(size=B) for _ in range(3)] + [labels[:, k].copy() for k in range(4)]
    agrees_with_eager(loss, model.parameters(), columns)


def test_shared_numbers_broadcast_and_a_uniform_output_is_spread() -> None:
    w = Value(2.0)
    f = trace(lambda x, c: w * x + c * w, 1.0, 1.0)
    out, (dx, dc) = f.grad(np.array([1.0, 2.0, 3.0]), 10.0)
    assert out.tolist() == [22.0, 24.0, 26.0]
    assert dx.tolist() == [2.0, 2.0, 2.0] and dc.tolist() == [2.0, 2.0, 2.0]
    g = trace(lambda x: w * w + 1.0, 1.0)  # not a function of its input at all
    w.grad = 0.0
    assert g.backward(np.zeros(4), grad=np.array([1.0, 2.0, 3.0, 4.0])).tolist() == [5.0] * 4
    assert w.grad == 2 * 2.0 * 10.0  # Σ_b g_b ∂(w²)/∂w


def test_an_infinity_in_a_product_is_replayed_as_eager_code_makes_it() -> None:
    # The matrix product would add 10·10³⁰⁸ − 10·10³⁰⁸ as −∞ (a fused multiply-add); eager code
    # makes ∞ − ∞ = NaN, and NumPy's overflow sends the batch to the float replay.
    f = trace(lambda x: x * 1e308 * 10.0 - x * 1e308 * 10.0, 1.0)
    assert any(isinstance(g, Affine) for g in f.block_replay().plan.groups)
    out = f(np.array([1.0, 0.0]))
    assert math.isnan(out[0]) and out[1] == 0.0


def test_a_deep_chain_plans_without_recursion_and_agrees() -> None:
    def chain(x: Any) -> Any:
        y = x
        for _ in range(20_000):
            y = y * 1.0001 + 0.0001
        return y.tanh()

    f = trace(chain, 0.1)
    xs = np.array([0.1, -0.2, 0.3])
    out, (dx,) = f.grad(xs)
    for b, x in enumerate(xs):
        v = Value(float(x))
        y = chain(v)
        (d,) = grad(y, [v])
        # 20,000 roundings each way: agreement to n·ε, not to ε
        assert abs(out[b] - y.data) <= 1e-10 and abs(dx[b] - d) <= 1e-10 * abs(d)


def test_a_users_op_with_no_array_form_runs_sample_by_sample_in_its_group() -> None:
    def kink(x: float) -> float:
        return x if x > 1.0 else 1.0 / (2.0 - x) if x < 1.0 else 1.0

    def kink_partial(g: Any, out: Any, x: Any) -> Any:
        if float(x) > 1.0:
            return g
        if float(x) >= 2.0:
            raise DomainError("kink: the derivative is undefined at 2")
        return g * out * out

    defvjp("test_blocks.kink", kink_partial, forward=kink)
    w = [Value(0.5), Value(-0.25), Value(1.5)]

    def fn(x: Any) -> Any:
        return sum(Value.apply("test_blocks.kink", wi * x) for wi in w)

    f = trace(fn, 1.0)
    assert ("Elementwise", 3, 0) in shape(f)  # the three kinks of one level: one group
    agrees_with_eager(fn, w, [RNG.uniform(-1.5, 1.5, B)])


def test_a_domain_error_after_a_product_names_the_first_sample() -> None:
    w, b = Value(2.0), Value(1.0)
    f = trace(lambda x: (x * w + b).log(), 1.0)
    assert isinstance(f.block_replay().plan.groups[0], Affine)
    assert isinstance(f.block_replay().plan.groups[1], Elementwise)
    with pytest.raises(DomainError, match=r"^log: log\(-1\.0\) .* \(at sample 2\)$"):
        f(np.array([1.0, 2.0, -1.0, -3.0]))


def test_replays_in_a_row_reuse_the_previous_blocks_and_still_agree() -> None:
    # A layer writes into the previous replay's block of the same shape: every replay of a
    # run of them, of equal and of other sizes, must still be each sample's eager numbers.
    model = nn.MLP(2, [8, 1], activation="tanh", output_activation="linear", seed=3)

    def loss(x0: Any, x1: Any, y: Any) -> Any:
        return nn.hinge_loss(model([x0, x1])[0], y)

    f = trace(loss, 0.5, -0.5, 1.0)
    for size in (B, B, 7, B):
        agrees_with_eager(loss, model.parameters(), moons(size), f)


def test_the_views_a_program_makes_once_are_views_of_its_buffers_at_every_size() -> None:
    # A view (a slice, a transpose, a reshape) of the buffers is made when they are allocated,
    # not at each replay: it must be a view, never a copy (which would go stale), of one of
    # the program's buffers or of the pool's inputs and leaves, for each batch size.
    model = nn.MLP(2, [6, 5, 1], activation="relu", output_activation="linear", seed=2)

    def loss(x0: Any, x1: Any, y: Any) -> Any:
        penalty = 1e-3 * sum(p * p for p in model.parameters())
        return nn.hinge_loss(model([x0, x1])[0], y) + penalty

    f = trace(loss, 0.5, -0.5, 1.0)
    for size in (B, 7, B):
        agrees_with_eager(loss, model.parameters(), moons(size), f)
        pool = f.block_replay().pools[size]
        for kind in Pass:
            layouts = f.block_replay().program(kind).program.buffers.layouts
            P = pool.buffers[kind]
            bases = [P[n] for n, layout in enumerate(layouts) if not isinstance(layout, View)]
            bases += [pool.inputs_with_ones, pool.leaves]
            views = [P[n] for n, layout in enumerate(layouts) if isinstance(layout, View)]
            assert views and all(any(np.shares_memory(v, b) for b in bases) for v in views)


def test_a_replay_returns_arrays_of_its_own_and_a_concurrent_one_gets_buffers_of_its_own() -> None:
    # The block programs write into buffers kept from one replay to the next: what a replay
    # returns must not be one of them, and a replay while another holds them (another thread)
    # must not share them.
    model = nn.MLP(2, [8, 1], activation="relu", output_activation="linear", seed=5)

    def loss(x0: Any, x1: Any, y: Any) -> Any:
        return nn.hinge_loss(model([x0, x1])[0], y)

    f = trace(loss, 0.5, -0.5, 1.0)
    first, second = moons(B), moons(B)
    outputs, (g0, g1, g2) = f.grad(*first)
    kept = [a.copy() for a in (outputs, g0, g1, g2)]
    f.grad(*second)
    assert all(np.array_equal(a, b) for a, b in zip(kept, (outputs, g0, g1, g2)))
    replay = f.block_replay()
    assert replay.lock.acquire()
    try:
        agrees_with_eager(loss, model.parameters(), second, f)
    finally:
        replay.lock.release()
    agrees_with_eager(loss, model.parameters(), first, f)


def test_a_parameter_both_weight_and_bias_of_a_layer_gets_both_gradients() -> None:
    # A plain layer adds [Σ_b Δ | ΔᵀX] into [b | W]'s gradients by indexing: a leaf at two
    # places of it must get both (found by the hypothesis sweep).
    w = Value(0.5)
    fn = lambda x: al_affine([w], [x], w).tanh()  # noqa: E731
    agrees_with_eager(fn, [w], [RNG.normal(size=B)])


@pytest.mark.parametrize("per", [4, 2])  # 3 distinct columns, summed one by one; 5: np.add.at
def test_partials_into_repeated_columns_of_one_block_are_all_added(per: int) -> None:
    # Ten squares read five (or three) exponentials, each several times: their partials go
    # into the same columns of the exponentials' gradient block.
    scales = [Value(0.1 * (j + 1)) for j in range(10)]

    def fn(a: Any) -> Any:
        e = [(a * (k + 1.0)).exp() for k in range(-(-10 // per))]
        return sum((e[j // per] * e[j // per] * w for j, w in enumerate(scales)), Value(0.0))

    f = trace(fn, 0.3)
    assert ("Elementwise", 10, 0) in shape(f)
    agrees_with_eager(fn, scales, [RNG.uniform(-1.0, 1.0, B)], f)


def test_a_layer_reads_its_bounds_from_its_neighbours_and_measures_when_they_are_too_loose() -> (
    None
):
    # A plain layer's values are bounded by ‖u‖·√(B + ‖X‖²) without a pass over them, and the
    # gradient of a layer below a ReLU and a plain layer by ‖Δ‖·‖u‖: the checks read these
    # bounds. Here one constant of 1e60 makes ‖u‖ huge, so six layers multiply the bounds past
    # the limit: each check must then measure the block itself, and pass.
    model = nn.MLP(2, [4] * 6 + [1], activation="relu", output_activation="linear", seed=1)

    def fn(x0: Any, x1: Any) -> Any:
        return model([x0, x1])[0] * Value(1e60) * 1e-60  # a leaf: a constant of the row

    columns = moons(B)[:2]
    f = trace(fn, float(columns[0][0]), float(columns[1][0]))
    agrees_with_eager(fn, model.parameters(), columns, f)
    forward, backward = source(f, Pass.FORWARD), source(f, Pass.BACKWARD)
    # read: by the first layer (the inputs' magnitude), the five hidden layers after it, the
    # output layer, the product by 1e60
    assert forward.count("mx = K[") == 8 and forward.count(":= magnitude(X)") == 8
    # by the six hidden layers: each one's gradient is bounded by the layer above; the root's
    # gradient is the seed's
    assert backward.count("mD = K[") == 6 and "mD = seed_bound(seed, size)" in backward
    assert backward.count(":= magnitude(D)") == 7


def _bounded(fn: Any) -> dict[int, int]:
    from autograd_lite.batch.plan import gradient_bounds

    plan = trace(fn, 0.1, 0.2).block_replay().plan
    return gradient_bounds(plan.groups, plan.root.group)


def test_a_gradient_is_bounded_from_above_only_through_one_shrinking_op_and_one_layer() -> None:
    relu = nn.MLP(2, [3, 3, 1], activation="relu", output_activation="linear", seed=0)
    sigmoid = nn.MLP(2, [3, 3, 1], activation="sigmoid", output_activation="linear", seed=0)
    first, second = relu.layers[0], relu.layers[1]

    def skip(x0: Any, x1: Any) -> Any:  # the first ReLUs read twice: by the next layer, the sum
        hidden = first([x0, x1])
        return sum(second(hidden), Value(0.0)) + sum(h.relu() for h in hidden) * 0.5

    assert len(_bounded(lambda x0, x1: relu([x0, x1])[0])) == 2  # both hidden layers
    assert _bounded(lambda x0, x1: sigmoid([x0, x1])[0]) == {}  # |σ(x)| ≤ |x| fails at 0
    assert len(_bounded(skip)) == 0


def test_no_bound_is_read_through_a_column_taken_twice() -> None:
    # relu(a₀) twice: its block (and the gradient added back into a₀'s column) can be larger
    # than a's bound says, so neither the next layer's input nor a's gradient uses a bound.
    w = [[Value(0.5), Value(-1.0)], [Value(1.5), Value(0.25)]]
    b, v = [Value(0.1), Value(-0.2)], [Value(0.3), Value(-0.7), Value(1.1)]

    def fn(x0: Any, x1: Any) -> Any:
        a = [al_affine(w[k], [x0, x1], b[k]) for k in range(2)]
        return al_affine(v, [a[0].relu(), a[0].relu(), a[1].relu()], 0.0)

    assert _bounded(fn) == {}
    f = trace(fn, 0.1, 0.2)
    agrees_with_eager(fn, [*w[0], *w[1], *b, *v], moons(B)[:2], f)
    forward = source(f, Pass.FORWARD)
    assert forward.count("mx = magnitude(X)") == 1  # the layer after the ReLUs measures
    assert ".bound" not in forward.split("mx = magnitude(X)")[1]


def network(seed: int, depth: int, width: int, act: str, twice: bool, skip: bool) -> Any:
    """A random network of ``affine`` layers, ``act`` after each hidden one; with ``twice``
    each hidden layer's first activation is taken twice, with ``skip`` the first hidden layer's
    first value is added to the output. Returns the function and its parameters."""
    rng = np.random.default_rng(seed)
    sizes = [2, *[width] * depth, 1]
    layers, params = [], []
    for d, (n, m) in enumerate(itertools.pairwise(sizes)):
        n += twice and d > 0  # the doubled activation is one more input
        rows = [
            ([Value(rng.uniform(-2.0, 2.0)) for _ in range(n)], Value(rng.uniform(-1.0, 1.0)))
            for _ in range(m)
        ]
        layers.append(rows)
        params += [p for w, b in rows for p in [*w, b]]

    def fn(x0: Any, x1: Any) -> Any:
        h: list[Any] = [x0, x1]
        first: list[Any] = []
        for rows in layers[:-1]:
            a = [al_affine(w, h, b) for w, b in rows]
            f = abs if act == "abs" else methodcaller(act)
            h = [f(v) for v in a] + ([f(a[0])] if twice else [])
            first = first or h
        ((w, b),) = layers[-1]
        out = al_affine(w, h, b)
        return out + first[0] if skip else out

    return fn, params


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    depth=st.integers(1, 4),
    width=st.integers(1, 5),
    act=st.sampled_from(["relu", "abs", "tanh", "sigmoid"]),
    twice=st.booleans(),
    skip=st.booleans(),
)
def test_every_bound_a_check_reads_is_one(
    seed: int, depth: int, width: int, act: str, twice: bool, skip: bool
) -> None:
    # The bounds the checks read instead of a pass (a layer's input, a layer's gradient) are
    # at least the magnitudes they stand for, in every network of these shapes.
    from autograd_lite.batch.bounds import magnitude

    fn, params = network(seed, depth, width, act, twice, skip)
    columns = [RNG.normal(0.0, 3.0, 9), RNG.normal(0.0, 3.0, 9)]
    f = trace(fn, float(columns[0][0]), float(columns[1][0]))
    agrees_with_eager(fn, params, columns, f)
    replay, values = f.block_replay(), [p.data for p in f.parameters]
    V, _, K = replay.blocks(columns, values, 9, None)
    for group, bound in replay.program(Pass.FORWARD).program.bounds.items():
        assert magnitude(V[group]) <= evaluate(bound, {"K": K}) * (1 + 1e-12)
    _, G, K = replay.blocks(columns, values, 9, np.ones(9), inputs=True)
    for group in replay.plan.groups:
        if isinstance(group, Affine) and group.gradient_bound is not None:
            assert magnitude(G[group.index]) <= K[group.gradient_bound].below * (1 + 1e-12)


def test_a_layer_whose_weights_lie_side_by_side_reads_and_writes_views() -> None:
    # nn.MLP's later layers lie in the recording's order row by row as [b | W]: their W is a
    # view of the leaves' row and their gradient is added into a view of its gradient; the
    # first layer's (its two weights in the other order) are gathered and scattered. Both
    # agree with eager code.
    model = nn.MLP(2, [4, 3, 1], activation="relu", output_activation="linear", seed=5)

    def fn(x0: Value, x1: Value) -> Value:
        return model([x0, x1])[0] + 1e-3 * sum(p * p for p in model.parameters())

    columns = [RNG.normal(size=9), RNG.normal(size=9)]
    f = trace(fn, float(columns[0][0]), float(columns[1][0]))
    agrees_with_eager(fn, model.parameters(), columns, f)
    replay = f.block_replay()
    V, _, K = replay.blocks(columns, [p.data for p in f.parameters], 9, None)  # forward
    plain = [g for g in replay.plan.groups if isinstance(g, Affine) and g.plain is not None]
    views = [np.shares_memory(K[g.index].W, V[1]) for g in plain]
    sliced = [isinstance(g.rows(), slice) for g in plain]
    assert views == sliced and True in sliced and False in sliced
    _, G, _ = replay.blocks(columns, [p.data for p in f.parameters], 9, 1.0, inputs=False)
    backward = "\n".join(lines(f, Pass.PARAMETERS_BACKWARD))
    DT = r"(?:D\.T|P\[\d+\])"  # Δᵀ, or its view made once
    added = [int(n) for n in re.findall(rf"^P\[(\d+)\] \+= {DT} @ layer\.X1$", backward, re.M)]
    P = replay.pools[9].buffers[Pass.PARAMETERS_BACKWARD]  # each a view of the leaves' gradient
    assert len(added) == sliced.count(True) and all(np.shares_memory(P[n], G[1]) for n in added)
    scattered = rf"^np\.matmul\({DT}, layer\.X1, out=P\[\d+\]\)\nP\[\d+\]\[k\d+\] \+= P\[\d+\]$"
    assert re.search(scattered, backward, re.M)  # Δᵀ[1 | X] into a row, added by indexing


@pytest.mark.parametrize(
    ("text", "arithmetic"),
    [
        ("g * a[1]", True),
        ("-g + 2.0 * out", True),
        ("(g - a[0]) * (g + V[3])", True),
        ("g / a[0]", False),  # divides: raises at 0 on floats
        ("g ** 2", False),  # raises OverflowError on floats
        ("exp(g)", False),
        ("g * step(a[0])", False),
        ("g if g > 0 else 0.0", False),
        ("(g, a[0])", False),  # a tuple, not a number
        ("f(g)[0] * g", False),  # an item of a call
        ("V[0][:, 2:3] * g", True),  # an index is not computed on floats
    ],
)
def test_only_sums_and_products_cannot_raise(text: str, arithmetic: bool) -> None:
    from autograd_lite.batch.syntax import arithmetic_operands

    expr = Expr(ast.parse(text, mode="eval").body)
    assert (arithmetic_operands(expr) is not None) is arithmetic


@pytest.mark.parametrize(
    ("text", "sure"),
    [
        ("g * a[1]", True),
        ("g * k0", True),  # a number times a block
        ("k0 * 2.0", False),  # no block: a number
        ("g * a[0]", False),  # a block of one row: the result has one shape or the other
        ("g * x", False),  # not known
        ("g / a[1]", False),
        ("(g, a[1])", False),
    ],
)
def test_a_result_needs_no_check_only_when_sure_to_be_a_block(text: str, sure: bool) -> None:
    from autograd_lite.batch.elementwise import is_block
    from autograd_lite.batch.program import Shape
    from autograd_lite.batch.syntax import key

    def parsed(code: str) -> Expr:
        return Expr(ast.parse(code, mode="eval").body)

    block, row = Shape(True, 4), Shape(False, 4)
    named = {"g": block, "a[1]": block, "a[0]": row, "k0": None}
    shapes = {key(parsed(name)): shape for name, shape in named.items()}
    assert is_block(parsed(text), shapes, block) is sure


def test_backward_computes_no_input_partial_of_sums_and_products() -> None:
    # backward wants the parameters' gradients only: the partials of x·y and y·y toward the
    # inputs are not computed (they cannot fail), the derivative of √ toward its operand is
    # (eager code's fails at 0); f.grad, which wants the inputs', computes them all.
    w = Value(0.5)
    f = trace(lambda x, y: (x * y).tanh() * w + (y * y).sqrt(), 1.0, 2.0)
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0, 2.0])
    agrees_with_eager(lambda a, b: (a * b).tanh() * w + (b * b).sqrt(), [w], [x, y], f)

    def partials(kind: Pass) -> list[str]:
        return [line for line in lines(f, kind) if line.startswith("p = np.")]

    assert sum("a[0]" in line or "a[1]" in line for line in partials(Pass.BACKWARD)) == 2
    assert [line.split("(")[0] for line in partials(Pass.PARAMETERS_BACKWARD)] == [
        "p = np.true_divide"
    ]


@pytest.mark.parametrize(
    "weight",
    [1.0, 2.5, -1.0, "parameter"],  # 1: X·1 is X; a number: a constant W; a Value: gathered
)
def test_a_loss_beside_a_penalty_agrees_whatever_weighs_the_loss(weight: Any) -> None:
    # loss·c + α Σ p²: one affine group whose u is [1, the squares] (no leaf row), its W the
    # loss's coefficient. A constant W is named, not gathered; a unit one is no product at all,
    # forward (X + b) and backward (Δ is X's gradient); with a constant W the squares'
    # gradients are one row, not added into a row of zeros; each square x·x gathers x once
    # and computes g·x once.
    model = nn.MLP(2, [3, 1], activation="tanh", output_activation="linear", seed=2)
    c = Value(0.7) if weight == "parameter" else weight
    params = [*model.parameters(), *([c] if isinstance(c, Value) else [])]

    def fn(x0: Value, x1: Value, y: Value) -> Value:
        hinge = nn.hinge_loss(model([x0, x1])[0], y)
        return hinge * c + 1e-3 * sum(p * p for p in model.parameters())

    columns = moons(11)
    f = trace(fn, *(float(col[0]) for col in columns))
    agrees_with_eager(fn, params, columns, f)
    forward, backward = lines(f, Pass.FORWARD), lines(f, Pass.PARAMETERS_BACKWARD)
    assert not any("np.concatenate(([1.0]" in line for line in forward)
    # a weight that is a parameter has a gradient ΔᵀX too: that row is added up in zeros
    zeros = any(line.startswith("d = np.zeros(") for line in backward)
    assert zeros == (weight == "parameter")
    assert any("np.add(X, " in line for line in forward) == (weight == 1.0)
    assert any(line.startswith("W = u[") for line in forward) == (weight == "parameter")
    squares = [line for line in forward if " * " in line and line.startswith("V[")]
    assert squares and all(line.endswith("a[0] * a[0]") for line in squares)
    assert sum(line == "p = g * a[0]" for line in backward) == 1


def test_a_square_of_a_block_adds_g_x_twice_into_its_gradient() -> None:
    # h·h with h a whole group of B rows: g·h is worked out into h's gradient buffer and
    # becomes it, then added to it once more: 2g·h, as eager code's g·h + g·h.
    w = Value(0.3)

    def fn(x: Value) -> Value:
        h = (x * w).tanh()
        return (h * h).log1p() * w

    f = trace(fn, 0.5)
    agrees_with_eager(fn, [w], [RNG.normal(size=13)], f)
    backward = lines(f, Pass.PARAMETERS_BACKWARD)
    at = next(k for k, line in enumerate(backward) if line.startswith("p = np.multiply(g, V["))
    became, added = backward[at + 1 : at + 3]  # G[h] = p, then G[h] += p
    assert became.endswith(" = p") and added == became.replace(" = p", " += p")


OPS = ["add", "sub", "mul", "neg", "relu", "abs", "tanh"]


def elementwise_chain(seed: int, depth: int) -> Any:
    """A random chain of elementwise levels of three nodes each (sums, differences, products,
    negations, ReLUs, |·|, tanh of the inputs, earlier nodes, parameters and numbers), then a
    layer reading the last level and a penalty beside it. Returns the function and its
    parameters."""
    rng = np.random.default_rng(seed)
    params = [Value(rng.uniform(-1.5, 1.5)) for _ in range(4)]
    v, c = [Value(rng.uniform(-1.0, 1.0)) for _ in range(3)], Value(0.3)
    plan = [
        [
            (
                OPS[rng.integers(len(OPS))],
                int(rng.integers(3)),
                ["node", "parameter", "number"][rng.integers(3)],
                int(rng.integers(4)),
                float(rng.uniform(-2.0, 2.0)),
            )
            for _ in range(3)
        ]
        for _ in range(depth)
    ]
    binary = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}

    def fn(x0: Any, x1: Any, y: Any) -> Any:
        h: list[Any] = [x0, x1, y]
        for level in plan:
            made = []
            for op, j, kind, k, number in level:
                a = h[j]
                if op in binary:
                    other = (
                        h[k % 3] if kind == "node" else params[k] if kind == "parameter" else number
                    )
                    made.append(binary[op](a, other) if k % 2 else binary[op](other, a))
                else:
                    made.append(
                        -a if op == "neg" else abs(a) if op == "abs" else methodcaller(op)(a)
                    )
            h = made
        return al_affine(v, h, c) + 1e-2 * sum(p * p for p in [*params, *v])

    return fn, [*params, *v, c]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), depth=st.integers(1, 4))
def test_every_bound_of_an_elementwise_block_is_one(seed: int, depth: int) -> None:
    # Bounds carried through sums, products and the shrinking ops (so that a layer reading
    # such blocks, and a penalty's row of squares, need no pass over them) are at least the
    # magnitudes they stand for; the replay agrees with eager code.
    from autograd_lite.batch.bounds import magnitude

    fn, params = elementwise_chain(seed, depth)
    columns = moons(9)
    f = trace(fn, *(float(col[0]) for col in columns))
    agrees_with_eager(fn, params, columns, f)
    replay, values = f.block_replay(), [p.data for p in f.parameters]
    V, _, K = replay.blocks(columns, values, 9, None)
    scope = {"K": K, "size": 9, "hypot": math.hypot, "inf": math.inf}
    for group, bound in replay.program(Pass.FORWARD).program.bounds.items():
        assert evaluate(bound, scope) >= 1.0  # at least 1: no product of bounds is 0·∞
        assert magnitude(V[group]) <= evaluate(bound, scope) * (1 + 1e-12), bound


def test_a_bound_past_the_limit_is_measured_instead() -> None:
    # x₀·x₁ with x₀ and x₁ of 1e150 in different samples: the products are all 0, but their
    # bound (the inputs' magnitude squared) is past the limit, so the layer reading them
    # measures its input, and its check passes.
    w, b, w1, b1 = [Value(0.5)], Value(0.1), [Value(0.3), Value(-0.7)], Value(0.2)

    def fn(x0: Any, x1: Any) -> Any:
        return al_affine(w, [x0 * x1], b) * al_affine(w1, [x0, x1], b1).tanh()

    columns = [np.zeros(B), np.zeros(B)]
    columns[0][::2], columns[1][1::2] = 1e150, -1e150
    f = trace(fn, 0.1, 0.2)
    agrees_with_eager(fn, [*w, b, *w1, b1], columns, f)
    _, _, K = f.block_replay().blocks(columns, [p.data for p in f.parameters], B, None)
    bounded = [line for line in lines(f, Pass.FORWARD) if line.startswith("mx = K[0] * K[0]")]
    assert bounded and eval(bounded[0][5:], {"K": K}) > 1e300  # then measured: the check passed
