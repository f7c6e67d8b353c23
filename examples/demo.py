"""The main job until the examples land: a neuron's graph, its backward pass and its gradients."""

from autograd_lite import Value


def main() -> None:
    # The neuron o = tanh(x1·w1 + x2·w2 + b) at the point micrograd's lecture uses.
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    print(f"o = tanh(x1·w1 + x2·w2 + b) = {o.data:.7f}")
    for v in (x1, x2, w1, w2, b):
        print(f"  ∂o/∂{v.label:<2} = {v.grad:+.7f}")


if __name__ == "__main__":
    main()
