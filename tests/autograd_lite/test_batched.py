"""A recording replayed on a batch agrees with eager code sample by sample to 1e-12, relative to
the size of the numbers in the sample's graph (a layer's sums run as a matrix product, in
another order), and the parameters' gradients, summed over the batch, agree as well."""

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from autograd_lite import DomainError, TraceError, Value, detect_anomaly, grad, trace
from autograd_lite.batch import array_forms, samples
from autograd_lite.batch.array_forms import ARRAY_FORMS, CHECKED, WRITES_OUT
from autograd_lite.graph import topological_order
from tests.autograd_lite.test_properties import Step
from tests.autograd_lite.test_trace import bits, program_fn, programs

B = 5


def close(a: float, b: float, scale: float = 0.0) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), scale) + 1e-300


def outcome(compute: Any) -> Any:
    try:
        return compute()
    except (DomainError, FloatingPointError) as error:
        return (type(error), str(error))


def eager_sample(fn: Any, xs: tuple[float, ...], params: list[Value], seed: float) -> Any:
    """The output, the inputs' and parameters' gradients, and the scale of the sample's numbers
    (the largest value or gradient in its graph, squared: a product's rounding is relative to
    its factors)."""
    inputs = [Value(x) for x in xs]
    out = fn(*inputs)
    gradients = grad(out, [*inputs, *params])
    numbers = [abs(v.data) for v in topological_order(out)] + [abs(g) for g in gradients]
    finite = [x for x in numbers if math.isfinite(x)]
    return out.data, gradients, (1.0 + max(finite, default=0.0)) ** 2


@settings(max_examples=250, deadline=None)
@given(
    example=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=3),
    batch=st.lists(st.lists(st.floats(-2.0, 2.0), min_size=B, max_size=B), min_size=3, max_size=3),
    shared=st.lists(st.booleans(), min_size=3, max_size=3),
    weights=st.lists(st.floats(-2.0, 2.0), max_size=2),
    program=programs,
)
def test_a_batch_is_each_sample_replayed_by_eager_code(
    example: list[float],
    batch: list[list[float]],
    shared: list[bool],
    weights: list[float],
    program: list[Step],
) -> None:
    params = [Value(w) for w in weights]
    fn = program_fn(program, params)
    f = outcome(lambda: trace(fn, *example))
    if isinstance(f, tuple):
        return
    n = len(example)
    # Each input an array of B numbers, or one number shared by every sample (not all shared).
    columns: list[Any] = [
        column[0] if shared[i] and i else np.array(column) for i, column in enumerate(batch[:n])
    ]
    samples = [tuple(c if isinstance(c, float) else float(c[b]) for c in columns) for b in range(B)]
    seeds = np.linspace(0.5, 1.5, B)
    eager = [
        outcome(lambda s=s, g=g: eager_sample(fn, s, params, g)) for s, g in zip(samples, seeds)
    ]
    failing = next((i for i, e in enumerate(eager) if isinstance(e[0], type)), None)
    for p in params:
        p.grad = 0.0
    replayed = outcome(lambda: f.backward(*columns, grad=seeds))
    event("a sample fails" if failing is not None else "every sample computes")
    if failing is not None:  # the first sample eager code fails at, with eager's message
        kind, message = eager[failing]
        assert replayed == (kind, f"{message} (at sample {failing})")
        assert all(p.grad == 0.0 for p in params)
        return
    outputs = replayed
    assert all(close(outputs[b], e[0], e[2]) for b, e in enumerate(eager))
    for j, p in enumerate(params):
        terms = [seeds[b] * eager[b][1][n + j] for b in range(B)]
        scale = sum(abs(seeds[b]) * e[2] for b, e in enumerate(eager))
        assert close(p.grad, math.fsum(terms), scale=scale)
    values, input_grads = f.grad(*columns)
    assert all(close(values[b], e[0], e[2]) for b, e in enumerate(eager))
    for i in range(n):
        assert all(close(input_grads[i][b], e[1][i], e[2]) for b, e in enumerate(eager))


def test_numbers_and_arrays_broadcast_and_an_output_that_ignores_them_is_spread() -> None:
    w = Value(3.0)
    f = trace(lambda x, y: x * y + w, 1.0, 1.0)
    out = f(np.array([1.0, 2.0]), 10.0)
    assert out.tolist() == [13.0, 23.0]
    g = trace(lambda x: w * 2.0, 1.0)
    assert g(np.arange(3.0)).tolist() == [6.0, 6.0, 6.0]
    g.backward(np.arange(3.0))
    assert w.grad == 6.0  # Σ over the 3 samples of ∂(2w)/∂w


@pytest.mark.parametrize(
    "make",
    [
        lambda v: np.array(v, dtype=">f8"),  # float64 in the other byte order
        lambda v: np.array(v, dtype=np.float32),
        lambda v: np.array(v).astype(np.int64),  # the numbers are whole
        lambda v: np.ma.masked_array(v, mask=[False, True, False]),  # its data, as np.asarray
        lambda v: np.array([v, v])[0, ::1],  # a view
    ],
)
def test_an_input_array_of_another_kind_is_its_float64_numbers(make: Any) -> None:
    w = Value(0.5)
    f = trace(lambda x, y: (x * w + y).tanh(), 1.0, 1.0)
    numbers = [1.0, -2.0, 3.0]
    x = make(numbers)
    expected = f(np.asarray(x, dtype=float), 2.0)
    assert np.array_equal(f(x, 2.0), expected)
    out, (gx, gy) = f.grad(x, 2.0)
    out2, (gx2, gy2) = f.grad(np.asarray(x, dtype=float), 2.0)
    assert np.array_equal(out, out2) and np.array_equal(gx, gx2) and np.array_equal(gy, gy2)


def test_bad_batches_are_refused() -> None:
    f = trace(lambda x, y: x * y, 1.0, 1.0)
    with pytest.raises(ValueError, match="share one length"):
        f(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="1-D array of numbers"):
        f(np.ones((2, 2)), 1.0)
    with pytest.raises(ValueError, match="expected a number or 3 numbers"):
        f.backward(np.ones(3), 1.0, grad=np.ones(2))
    with pytest.raises(TraceError, match="takes 2 inputs"):
        f(np.ones(3))


def test_a_domain_error_names_the_op_and_the_first_sample() -> None:
    f = trace(lambda x: (x - 1.0).sqrt() * x, 2.0)
    with pytest.raises(DomainError, match=r"^sqrt: sqrt\(-1\.0\) .* \(at sample 1\)$"):
        f(np.array([3.0, 0.0, -4.0]))
    with pytest.raises(DomainError, match=r"derivative of sqrt .* \(at sample 2\)$"):
        f.grad(np.array([3.0, 2.0, 1.0]))


def test_numpy_strictness_falls_back_to_what_eager_code_gives() -> None:
    # inf − inf is NaN for eager code: NumPy's raised error must not surface.
    f = trace(lambda x: x * 1e308 * 10.0 - x * 1e308 * 10.0, 1.0)
    out = f(np.array([1.0, 0.0]))
    assert math.isnan(out[0]) and out[1] == 0.0


def test_detect_anomaly_names_the_sample() -> None:
    f = trace(lambda x: (x * 1e308 * 10.0).tanh(), 0.0)
    assert f(np.array([0.0, 1.0])).tolist() == [0.0, 1.0]
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"produced inf .*sample 1"):
        f(np.array([0.0, 1.0]))


SPECIAL = [-0.0, 0.0, math.nan, math.inf, -math.inf, 1.0, -1.0, 5e-324, -5e-324, 1e308]


@pytest.mark.parametrize(
    "name",
    [
        *["relu", "step", "sign", "sqrt", "exp", "log", "tanh", "log1p", "expm1"],
        *["sin", "cos", "sigmoid", "softplus"],
    ],
)
def test_array_forms_are_eager_formulas_to_the_bit_at_special_numbers(name: str) -> None:
    import autograd_lite.value as value

    function = getattr(value, name)
    # A batched replay runs with NumPy's errors raised and replays the batch sample by sample
    # where one is: so each number's array form is eager's to the bit, or raises.
    defined = [x for x in SPECIAL if not isinstance(outcome(lambda x=x: function(x)), tuple)]
    for x in defined:
        block = np.full((3, 2), x)  # a block, as a batched replay has
        with np.errstate(divide="raise", over="raise", invalid="raise"):  # as samples.strictly
            try:
                got = ARRAY_FORMS[function](block)
            except FloatingPointError:
                assert not -1e308 < x < 1e308, (name, x)  # only at ±∞, NaN and the largest
                continue
        assert all(bits(float(y)) == bits(function(x)) for y in np.ravel(got)), (name, x)


@pytest.mark.parametrize("order", ["F", "C"])
@pytest.mark.parametrize("name", ["relu", "step"])
def test_array_forms_into_a_buffer_are_eager_formulas_to_the_bit(name: str, order: str) -> None:
    import autograd_lite.value as value

    function = getattr(value, name)
    form = ARRAY_FORMS[function]
    assert form in WRITES_OUT
    block = np.array([SPECIAL[:5], SPECIAL[5:]], order=order).T  # 5 × 2, as a replay's
    for _ in range(2):  # the second call reuses what the first kept (ReLU's read-only zeros)
        out = np.full(block.shape, 7.0, order=order)
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            got = form(block, out=out)
        assert got is out
        expected = [[bits(function(float(x))) for x in row] for row in block]
        assert [[bits(float(y)) for y in row] for row in got] == expected, (name, order)


@pytest.mark.parametrize("formula", sorted(CHECKED, key=lambda f: f.__name__))
def test_a_checked_formula_is_its_math_function_or_both_raise(formula: Any) -> None:
    # The batch runs the math function itself (array_forms.CHECKED): where the formula gives a
    # number it must be the function's, bit for bit; where the formula raises, the function
    # must raise too, so that the batch falls back to eager code sample by sample.
    function = CHECKED[formula]
    rng = np.random.default_rng(0)
    numbers = [*SPECIAL, -1.0 - 1e-16, 709.78, 709.79, -745.2, *rng.normal(0.0, 30.0, 200)]
    for x in map(float, numbers):
        expected = outcome(lambda x=x: formula(x))
        if isinstance(expected, tuple):
            with pytest.raises((ValueError, ArithmeticError)):
                function(x)
        else:
            assert bits(function(x)) == bits(expected), (formula.__name__, x)


def rows_of_max() -> list[list[float]]:
    """Operands of max: ties (the first takes the gradient), signed zeros, NaN, infinities."""
    nan, inf = math.nan, math.inf
    return [
        [1.0, 3.0, 2.0],
        [3.0, 3.0, 1.0],
        [2.0, 1.0, 2.0],
        [-0.0, 0.0, -1.0],
        [0.0, -0.0, -1.0],
        [1.0, nan, 5.0],
        [nan, 1.0, nan],
        [-inf, -inf, -inf],
        [inf, 2.0, inf],
    ]


def test_the_gradient_of_max_runs_on_blocks_as_written_and_agrees_with_eager(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from autograd_lite import maximum

    rows = rows_of_max()
    eager = []
    for row in rows:
        xs = [Value(x) for x in row]
        out = maximum(xs)
        out.backward()
        eager.append([out.data, *[x.grad for x in xs]])

    def refused(*args: Any) -> Any:
        raise AssertionError("max went sample by sample")

    monkeypatch.setattr(array_forms, "per_sample", refused)
    monkeypatch.setattr(samples, "one_by_one", refused)  # the blocks must run
    f = trace(lambda a, b, c: maximum([a, b, c]), 0.0, 1.0, 2.0)
    columns = [np.array(column) for column in zip(*rows)]
    with np.errstate(invalid="ignore"):
        found = array_forms.first_maximum(np.array([r[0] for r in eager]), columns)
    with np.errstate(invalid="raise"):  # as a batch runs: NaN and ties raise nothing
        tops = array_forms.maximum(*columns)
    assert [bits(float(x)) for x in tops] == [bits(e[0]) for e in eager]
    for b, row in enumerate(rows):
        expected = value_first_maximum(eager[b][0], row)
        assert [bits(float(a[b])) for a in found] == [bits(x) for x in expected], row
    finite = [b for b, row in enumerate(rows) if all(math.isfinite(x) for x in row)]
    outputs, gradients = f.grad(*[c[finite] for c in columns])
    for k, b in enumerate(finite):
        assert bits(float(outputs[k])) == bits(eager[b][0])
        assert [bits(float(g[k])) for g in gradients] == [bits(x) for x in eager[b][1:]]


def value_first_maximum(out: float, row: list[float]) -> list[float]:
    from autograd_lite.value import first_maximum

    return first_maximum(out, row)


def test_detect_anomaly_raises_where_eager_backward_makes_an_infinity() -> None:
    # Eager code seeds each sample's backward pass with its own g_b: g_b·w overflows for the
    # input's gradient at sample 1 (1e300·1e300), and detect_anomaly raises there, naming mul.
    w = Value(1e300)
    f = trace(lambda x: x * w, 1.0)
    xs, seeds = np.array([1.0, 2.0]), np.array([1.0, 1e300])
    with detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"^backward through mul at .* produced inf$"):
            (Value(2.0) * w).backward(1e300)
        for replay in (
            lambda: f.backward(xs, grad=seeds),
            lambda: f.backward_at(f.parameter_vector(), xs, grad=seeds),
        ):
            with pytest.raises(
                FloatingPointError, match=r"^backward through mul .* \(at sample 1\)$"
            ):
                replay()
        # here the parameter's gradient g_b·x overflows, the input's g_b·v does not
        v = Value(1.0)
        g = trace(lambda x: x * v, 1.0)
        with pytest.raises(FloatingPointError, match=r"^backward through mul .* \(at sample 1\)$"):
            g.backward(np.array([1.0, 1e300]), grad=seeds)
        w.grad = 0.0
        assert f.backward(xs, grad=np.array([1.0, 1.0])).tolist() == [1e300, 2e300]
        assert w.grad == 3.0
