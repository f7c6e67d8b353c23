"""trace(): a recorded graph replays bit for bit what eager code computes, or refuses loudly."""

import gc
import math
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import (
    DomainError,
    TraceError,
    Value,
    codegen,
    detect_anomaly,
    grad,
    no_grad,
    trace,
)
from autograd_lite.rules import defvjp
from tests.autograd_lite.test_properties import OPS, Step


def bits(x: float) -> bytes:
    return struct.pack("<d", x) if x == x else b"nan"


def outcome(compute: Any) -> Any:
    """What ``compute()`` gives, or the type and message of what it raises."""
    try:
        return compute()
    except (DomainError, FloatingPointError) as error:
        return (type(error), str(error))


def program_fn(program: list[Step], params: list[Value]) -> Any:
    """The program of test_properties, over the inputs and then the parameters."""

    def fn(*xs: Value) -> Value:
        values: list[Any] = [*xs, *params]
        for op, i, j in program:
            values.append(OPS[op](values[i % len(values)], values[j % len(values)]))
        last = values[-1]
        return last if isinstance(last, Value) else Value(last)

    return fn


def eager_backward(fn: Any, xs: list[float], params: list[Value], seed: float) -> Any:
    for p in params:
        p.grad = 0.0
    out = fn(*[Value(x) for x in xs])
    out.backward(seed)
    return bits(out.data), [bits(p.grad) for p in params]


def replay_backward(f: Any, xs: list[float], params: list[Value], seed: float) -> Any:
    for p in params:
        p.grad = 0.0
    value = f.backward(*xs, grad=seed)
    return bits(value), [bits(p.grad) for p in params]


numbers = st.floats(-2.0, 2.0)
programs = st.lists(
    st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 100), st.integers(0, 100)),
    min_size=1,
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(
    example=st.lists(numbers, min_size=1, max_size=3),
    at=st.lists(numbers, min_size=3, max_size=3),
    weights=st.lists(numbers, min_size=0, max_size=2),
    program=programs,
    seed=st.sampled_from([1.0, -0.5, 3.0]),
)
def test_a_replay_is_eager_code_bit_for_bit_on_random_graphs_of_every_op(
    example: list[float], at: list[float], weights: list[float], program: list[Step], seed: float
) -> None:
    params = [Value(w) for w in weights]
    fn = program_fn(program, params)
    f = outcome(lambda: trace(fn, *example))
    if isinstance(f, tuple):  # the example itself is outside a domain: eager raises the same
        assert f == outcome(lambda: fn(*[Value(x) for x in example]))
        return
    assert f.written_out  # the built-in rules all run on symbols as they do on floats
    xs = at[: len(example)]
    assert outcome(lambda: bits(f(*xs))) == outcome(lambda: bits(fn(*map(Value, xs)).data))
    assert outcome(lambda: replay_backward(f, xs, params, seed)) == outcome(
        lambda: eager_backward(fn, xs, params, seed)
    )

    def eager_grad() -> Any:
        inputs = [Value(x) for x in xs]
        out = fn(*inputs)
        return bits(out.data), [bits(g) for g in grad(out, inputs)]

    def replay_grad() -> Any:
        value, grads = f.grad(*xs)
        return bits(value), [bits(g) for g in grads]

    assert outcome(replay_grad) == outcome(eager_grad)


def test_parameters_are_read_live_and_constants_replay_as_recorded() -> None:
    w = Value(2.0)
    f = trace(lambda x: x * w + Value(10.0), 1.0)
    assert f(3.0) == 16.0
    w.data = -1.0
    assert f(3.0) == 7.0
    assert f.parameters == [w]
    assert f.backward(3.0) == 7.0 and w.grad == 3.0


def test_grad_touches_no_grad_and_an_unused_input_gets_zero() -> None:
    w = Value(2.0)
    f = trace(lambda x, unused: (x * w).tanh(), 0.5, 9.0)
    value, grads = f.grad(0.5, 9.0)
    assert value == math.tanh(1.0)
    assert grads == [2.0 * (1.0 - math.tanh(1.0) ** 2), 0.0]
    assert w.grad == 0.0


def test_an_output_that_is_an_input_or_a_parameter() -> None:
    w = Value(4.0)
    assert trace(lambda x: x, 1.0).grad(5.0) == (5.0, [1.0])
    f = trace(lambda x: w, 1.0)
    assert f.backward(0.0, grad=2.0) == 4.0 and w.grad == 2.0


def test_no_grad_does_not_apply_to_a_replay() -> None:
    w = Value(3.0)
    f = trace(lambda x: x * w, 2.0)
    with no_grad():
        assert f.backward(2.0) == 6.0
    assert w.grad == 2.0


def test_a_domain_error_at_replay_is_eager_s_naming_the_op() -> None:
    f = trace(lambda x: x.log(), 1.0)
    with pytest.raises(DomainError) as replayed:
        f(-1.0)
    with pytest.raises(DomainError) as eager:
        Value(-1.0).log()
    assert str(replayed.value) == str(eager.value)


def test_a_backward_domain_error_is_eager_s_and_changes_no_grad() -> None:
    w = Value(1.0)
    fn = lambda x: (x * w).sqrt()  # noqa: E731 - √ of 0 has an infinite derivative
    f = trace(fn, 4.0)
    with pytest.raises(DomainError) as replayed:
        f.backward(0.0)
    assert w.grad == 0.0
    with pytest.raises(DomainError) as eager:
        fn(Value(0.0)).backward()
    assert str(replayed.value) == str(eager.value) and "sqrt" in str(eager.value)


def test_detect_anomaly_is_honoured() -> None:
    f = trace(lambda x: x * 1e308 * 10.0, 1.0)
    assert f(1.0) == math.inf
    with detect_anomaly(), pytest.raises(FloatingPointError, match="mul produced inf"):
        f(1.0)
    w = Value(2.0)
    g = trace(lambda x: (x * w).exp(), 1.0)
    with detect_anomaly():
        assert g.backward(0.5) == math.e and w.grad == 0.5 * math.e


# --- What cannot be traced ------------------------------------------------------------------

REFUSED = {
    ".data": lambda x: Value(x.data),
    "float": lambda x: Value(float(x)),
    "int": lambda x: Value(int(x)),
    "item": lambda x: Value(x.item()),
    "round": lambda x: Value(round(x, 2)),
    "format": lambda x: Value(len(f"{x:.3f}")),
    "math": lambda x: Value(math.exp(x)),
    "bool": lambda x: x if x else -x,
    "<": lambda x: x if x < 0.5 else -x,
    "<=": lambda x: x if x <= 0.5 else -x,
    ">": lambda x: x if x > 0.5 else -x,
    ">=": lambda x: x if x >= 0.5 else -x,
    "max": lambda x: max(x, x * 2.0),
    "an intermediate's data": lambda x: (x * 2.0) * (x * 3.0).data,
    "setting data": lambda x: setattr(x, "data", 1.0) or x,
    "step": lambda x: x * al.step(x),
    "sign": lambda x: x * al.sign(x),
    "backward": lambda x: x.backward() or x,
    "grad": lambda x: x * grad(x * x, [x])[0],
    "gradcheck": lambda x: x * al.gradcheck(lambda v: v[0] * x, [1.0]),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_reading_a_traced_value_raises_naming_the_line(name: str) -> None:
    with pytest.raises(TraceError) as error:
        trace(REFUSED[name], 1.0)
    assert f"{__file__}:" in str(error.value)


def test_a_parameter_read_after_its_first_use_raises_and_is_restored_after() -> None:
    w = Value(2.0)

    def fn(x: Value) -> Value:
        y = x * w
        return y if w.data > 0 else -y

    with pytest.raises(TraceError, match=r"reading \.data .* use the Value's ops|reading \.data"):
        trace(fn, 1.0)
    assert type(w) is Value and w.data == 2.0 and w > 1.0


def test_a_recorded_graph_is_plain_values_afterwards() -> None:
    kept: list[Value] = []

    def fn(x: Value) -> Value:
        y = x * 2.0
        kept.append(y)
        return y + 1.0

    trace(fn, 1.0)
    assert type(kept[0]) is Value and kept[0].data == 2.0 and f"{kept[0]:.1f}" == "2.0"


def test_no_grad_inside_a_traced_function_is_refused() -> None:
    def fn(x: Value) -> Value:
        with no_grad():
            return x * 2.0

    with pytest.raises(TraceError, match="no_grad inside a traced function"):
        trace(fn, 1.0)


def test_a_value_computed_before_the_trace_is_refused() -> None:
    w = Value(2.0)
    old = w * 3.0
    with pytest.raises(TraceError, match="computed before trace"):
        trace(lambda x: x * old, 1.0)


def test_bad_calls_are_refused() -> None:
    with pytest.raises(TraceError, match="must return one Value"):
        trace(lambda x: 3.0, 1.0)
    with pytest.raises(TypeError, match="callable"):
        trace(3.0, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"example\[0\]"):
        trace(lambda x: x, "1")
    with pytest.raises(TraceError, match="inside a traced function"):
        trace(lambda x: trace(lambda y: y, 1.0) and x, 1.0)
    f = trace(lambda x, y: x * y, 1.0, 2.0)
    with pytest.raises(TraceError, match="takes 2 inputs, got 1"):
        f(1.0)
    with pytest.raises(TypeError, match="input 1"):
        f(1.0, "2")


def test_a_replaced_parameter_is_refused_not_replayed_stale() -> None:
    class Model:
        def __init__(self) -> None:
            self.w = Value(2.0, label="w")

    model = Model()
    f = trace(lambda x: x * model.w, 1.0)
    model.w = Value(5.0)  # the old w is held by nothing now
    gc.collect()
    with pytest.raises(TraceError, match=r"parameter 0 \('w'\) .* no longer exists"):
        f(1.0)


# --- User-defined ops and the code the rules write -----------------------------------------


def test_a_user_op_is_traced_through_its_forward_formula() -> None:
    defvjp("test.trace_cube", lambda g, out, a: g * 3.0 * a * a, forward=lambda a: a * a * a)
    f = trace(lambda x: Value.apply("test.trace_cube", x) * x, 2.0)
    assert f.grad(3.0) == (81.0, [4 * 27.0])
    # Computing the op's number by hand reads it out of the graph; without a forward formula
    # there is nothing to replay the op with.
    defvjp("test.cube_no_forward", lambda g, out, a: g * 3.0 * a * a)
    with pytest.raises(TraceError, match=r"reading \.data"):
        trace(lambda x: Value.from_op(x.data**3, "test.cube_no_forward", (x,)), 1.0)
    with pytest.raises(TraceError, match=r"'test\.cube_no_forward' has no forward formula"):
        trace(lambda x: Value.from_op(1.0, "test.cube_no_forward", (x,)), 1.0)
    with pytest.raises(ValueError, match="no forward formula"):
        Value.apply("test.cube_no_forward", Value(1.0))


def test_a_rule_that_computes_otherwise_on_symbols_is_called_instead() -> None:
    # A rule that looks at the type of its operands writes out different code than it runs:
    # the check at trace time catches it and the tape calls every formula instead.
    defvjp(
        "test.sly",
        lambda g, out, a: g * (2.0 if isinstance(a, float) else 5.0),
        forward=lambda a: a * 2.0,
    )
    f = trace(lambda x: Value.apply("test.sly", x), 2.0)
    assert f.grad(1.0) == (2.0, [2.0])
    assert "_test_sly" in f.source and not f.written_out


def test_the_source_is_readable_python_written_by_the_rules() -> None:
    w = Value(0.5)
    f = trace(lambda x: (x * w + 1.0).tanh(), 0.1)
    assert "def forward_0(V):" in f.source and "def backward_0(V, G):" in f.source
    assert "1.0 - v" in f.source  # tanh's rule, 1 − out², written out from the rule itself
    assert repr(f) == "Tape(<lambda>: 1 inputs, 1 parameters, 3 nodes)" and len(f) == 3


def test_a_deep_chain_replays_across_many_generated_functions() -> None:
    def chain(x: Value) -> Value:
        y = x
        for _ in range(5000):
            y = y * 1.0001 + 0.0001
        return y

    f = trace(chain, 0.5)
    assert f.source.count("def forward_") == -(-10_000 // codegen.NODES_PER_FUNCTION) > 1
    inputs = [Value(0.25)]
    out = chain(inputs[0])
    assert f.grad(0.25) == (out.data, grad(out, inputs))


def test_a_constant_s_partial_is_dropped_only_where_it_cannot_raise() -> None:
    # Eager code computes the partial of a constant leaf made inside the function too, and it
    # raises where it is not finite: √c at c = 0. The replay raises there as well; a partial
    # that cannot raise (the c of c · x) is left out of the generated code.
    def fn(x: Value) -> Value:
        return Value(0.0).sqrt() * x + Value(3.0) * x

    with pytest.raises(DomainError) as eager:
        fn(Value(1.0)).backward()
    f = trace(fn, 1.0)
    assert f(2.0) == 6.0
    with pytest.raises(DomainError) as replayed:
        f.grad(2.0)
    assert str(replayed.value) == str(eager.value)
    # Slots: the input x is 0, the constants 3.0 and 0.0 are 1 and 2.
    assert "G[1] +=" not in f.source and "G[2] += g4 / (2.0 * v4)" in f.source


def test_a_replay_raises_the_error_eager_code_meets_first() -> None:
    # Two ops out of their domains at x = −1: eager code raises at the one the function made
    # first (log), although the output's graph reaches the other (sqrt) first.
    def fn(x: Value) -> Value:
        a = x.log()
        b = (x - 5.0).sqrt()
        return b + a

    f = trace(fn, 10.0)
    with pytest.raises(DomainError, match=r"^log: log\(-1\.0\)"):
        fn(Value(-1.0))
    with pytest.raises(DomainError, match=r"^log: log\(-1\.0\)"):
        f(-1.0)


def test_an_op_that_leads_nowhere_still_runs_as_in_eager_code() -> None:
    def fn(x: Value) -> Value:
        x.log()  # computed and dropped: eager code still raises for x ≤ 0
        return x * 2.0

    f = trace(fn, 1.0)
    assert f(3.0) == 6.0
    with pytest.raises(DomainError, match=r"^log: log\(-1\.0\)"):
        f(-1.0)
    with detect_anomaly(), pytest.raises(DomainError, match=r"^log: log\(-1\.0\)"):
        f.backward(-1.0)


def test_a_gradient_with_create_graph_is_traced_like_any_op() -> None:
    # grad(..., create_graph=True) inside the function builds Values: they are recorded, and the
    # replay of the gradient's graph is eager's, also for a second derivative.
    w = Value(0.5)

    def fn(x: Value) -> Value:
        (dy,) = grad((x * w).tanh() * x, [x], create_graph=True)
        return dy * dy

    f = trace(fn, 0.3)
    inputs = [Value(-1.2)]
    out = fn(inputs[0])
    assert f.grad(-1.2) == (out.data, grad(out, inputs))


def test_an_interrupted_trace_leaves_every_value_as_it_was() -> None:
    w = Value(2.0)

    def fn(x: Value) -> Value:
        x * w
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        trace(fn, 1.0)
    assert type(w) is Value and w > 1.0 and bool(w)
    assert trace(lambda x: x * w, 1.0).grad(3.0) == (6.0, [2.0])


@pytest.mark.parametrize("seed", [1.0, -0.0, 0.0, math.nan])
def test_a_gradient_passed_on_by_additions_keeps_its_sign_of_zero(seed: float) -> None:
    # Through a chain of + the replay reuses one gradient for the whole chain instead of adding
    # 0.0 at each link: the same bits, −0.0 (a seed of −0.0, a partial of −0.0) included.
    w = Value(-0.0)

    def fn(x: Value) -> Value:
        chain = ((x + 1.0) + w) + 2.0
        return chain * w + (x + 3.0) + 4.0

    f = trace(fn, 1.0)
    inputs = [Value(0.5)]
    out = fn(inputs[0])
    w.grad = 0.0
    out.backward(seed)
    eager = (bits(inputs[0].grad), bits(w.grad))
    w.grad = 0.0
    f.backward(0.5, grad=seed)
    value, (dx,) = f.grad(0.5)
    assert bits(value) == bits(out.data)
    assert bits(w.grad) == eager[1]
    if seed == 1.0:
        assert bits(dx) == eager[0]


PARAMETER_READS = {
    "data": lambda x, w: x * w.data,
    "float": lambda x, w: x * float(w),
    "item": lambda x, w: x * w.item(),
    "comparison": lambda x, w: x if w > 0 else -x,
    "truth": lambda x, w: x if w else -x,
    "format": lambda x, w: x * float(f"{w:.3f}"),
    "math": lambda x, w: x * math.exp(w),
}


@pytest.mark.parametrize("name", list(PARAMETER_READS))
def test_a_parameter_read_before_any_op_uses_it_is_refused_naming_the_line(name: str) -> None:
    # x * w.data would bake w's number into the recording: after w.data changes, a replay
    # would silently compute something other than eager code.
    w = Value(2.0)
    with pytest.raises(TraceError) as error:
        trace(lambda x: PARAMETER_READS[name](x, w), 1.0)
    assert f"{__file__}:" in str(error.value)
    assert w.data == 2.0 and float(w) == 2.0 and w > 1.0 and f"{w:.1f}" == "2.0"


def test_a_value_outside_the_function_s_graph_is_guarded_too_and_released_after() -> None:
    unrelated = Value(5.0)

    def fn(x: Value) -> Value:
        print(unrelated.data)
        return x

    with pytest.raises(TraceError, match=r"reading \.data"):
        trace(fn, 1.0)
    # The guard lives on the class only while a function is traced: reading a number is a
    # plain slot read again.
    assert type(Value.__dict__["data"]).__name__ == "member_descriptor"
    assert unrelated.data == 5.0 and repr(unrelated) == "Value(data=5.0, grad=0.0)"


def test_the_engine_reads_numbers_freely_while_tracing() -> None:
    w = Value(0.5)
    f = trace(lambda x: al.maximum([x * w, x.relu()]) + (x * x).tanh(), 2.0)
    w.data = 3.0
    x = Value(-1.5)
    eager = al.maximum([x * w, x.relu()]) + (x * x).tanh()
    assert f(-1.5) == eager.data
