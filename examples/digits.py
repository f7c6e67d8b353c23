"""Handwritten digits: an MLP of scalars learns to read 8×8 images, one sample traced.

1,797 images of the digits 0 to 9 (``examples/data/digits.csv.gz``), each 64 pixel counts in
0..16, scaled to [0, 1]. A fixed stratified split holds out a fifth of each digit. The MLP
64-32-10 (ReLU) outputs the logits a; the loss is the cross-entropy −log softmax(a)_y plus
λ/2 Σ w², minimised by Adam on shuffled mini-batches.

Every weight is a Value and the loss of a sample is a graph of scalars, but training does not
build it again for every sample: ``fit(..., compile=True)`` traces one sample's loss once
and replays each mini-batch on NumPy arrays (:mod:`autograd_lite.batch`). The example also
times one epoch of eager training on the same model, for comparison. Prints the accuracies,
the confusion matrix and the costs; writes the training curves and the confusion matrix.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import nn
import optim
from nn.reference import matrices

from _data import FloatArray, IntArray, load_digits, stratified_split
from _output import confusion, confusion_figure, parser, positive_int, save, training_curves

DIGITS = [str(k) for k in range(10)]


def predict(mlp: nn.MLP, Z: FloatArray) -> IntArray:
    """argmaxₖ aₖ for each image (row of Z), read out with the MLP's weight matrices in NumPy
    (:func:`nn.reference.matrices`): measuring the accuracy after each epoch costs nothing."""
    weights, biases = matrices(mlp)
    a = Z
    for depth, (W, b) in enumerate(zip(weights, biases)):
        a = a @ W.T + b
        a = a if depth == len(weights) - 1 else np.maximum(a, 0.0)
    return np.asarray(np.argmax(a, axis=1), dtype=np.int64)


def train(
    mlp: nn.MLP,
    Z: FloatArray,
    y: IntArray,
    args: argparse.Namespace,
    compile: bool,
    **fit: object,
) -> optim.History:
    """``fit`` with the example's loss, optimiser and mini-batches."""
    return optim.fit(
        mlp,
        list(Z),
        [int(label) for label in y],
        loss=nn.cross_entropy,
        optimizer=optim.Adam(mlp.parameters(), lr=args.lr),
        batch_size=args.batch_size,
        regularization=lambda model: nn.l2_penalty(model, args.lam),
        seed=args.seed,
        compile=compile,
        **fit,  # type: ignore[arg-type]
    )


def eager_epoch(Z: FloatArray, y: IntArray, args: argparse.Namespace) -> float:
    """Seconds for one epoch of eager training (a fresh model: the result is thrown away)."""
    model = nn.MLP(64, [args.hidden, 10], "relu", "linear", seed=args.seed)
    started = time.perf_counter()
    train(model, Z, y, args, False, epochs=1, progress=False)
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> list[Path]:
    """Load, split, train, evaluate, print and draw; return the pictures' paths."""
    args = arguments(argv)
    X, y = load_digits()
    if args.limit:
        X, y = X[: args.limit], y[: args.limit]
    train_rows, test_rows = stratified_split(y, every=5)
    Z = X / 16.0
    split = f"{len(train_rows)} to train, {len(test_rows)} to test"
    print(f"digits: {len(X)} images of 8×8 pixels; {split}")
    mlp = nn.MLP(64, [args.hidden, 10], "relu", "linear", seed=args.seed)
    print(f"model: {mlp!r}; loss: cross-entropy + λ/2 Σ w², λ = {args.lam}")
    print(f"Adam, step {args.lr}, on shuffled batches of {args.batch_size} images")
    curves: dict[str, list[float]] = {"train accuracy": [], "test accuracy": []}

    def record(epoch: int, history: optim.History) -> None:
        for name, rows in (("train accuracy", train_rows), ("test accuracy", test_rows)):
            curves[name].append(float(np.mean(predict(mlp, Z[rows]) == y[rows])))

    started = time.perf_counter()
    history = train(
        mlp, Z[train_rows], y[train_rows], args, True, epochs=args.epochs, callbacks=[record]
    )
    seconds = time.perf_counter() - started
    if not history:
        print(f"training {history.outcome}: nothing to report")
        raise SystemExit(130)
    predicted = predict(mlp, Z[test_rows])
    right = int(np.sum(predicted == y[test_rows]))
    print(f"training: {history.outcome} in {seconds:.1f} s (measuring the accuracies included)")
    print(f"test accuracy: {100 * right / len(test_rows):.1f}% ({right}/{len(test_rows)})")
    eager = eager_epoch(Z[train_rows], y[train_rows], args)
    replayed = history.elapsed[0]
    print(f"one epoch: {replayed:.2f} s batched (the first one traces), {eager:.1f} s eagerly")
    matrix = confusion(y[test_rows], predicted, 10)
    print("confusion matrix on the test set (rows: true digit, columns: predicted):")
    print("     " + "".join(f"{d:>5}" for d in DIGITS))
    for digit, row in zip(DIGITS, matrix):
        print(f"{digit:>5}" + "".join(f"{n:>5}" for n in row))
    title = f"Digits: MLP 64-{args.hidden}-10 (ReLU), softmax + cross-entropy, Adam"
    return save(
        args.out,
        {
            "digits_training.png": training_curves(history.loss, curves, title),
            "digits_confusion.png": confusion_figure(
                matrix, DIGITS, f"Digits test set: {right} of {len(test_rows)} right", "digit"
            ),
        },
    )


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    cli = parser(__doc__)
    cli.add_argument("--hidden", type=positive_int, default=32, help="width of the hidden layer")
    cli.add_argument("--epochs", type=positive_int, default=20, help="passes over the data")
    cli.add_argument("--batch-size", type=positive_int, default=64, help="images per step")
    cli.add_argument("--lr", type=float, default=0.01, help="Adam's step size")
    cli.add_argument("--lam", type=float, default=1e-4, help="λ of the L2 penalty λ/2 Σ w²")
    cli.add_argument("--limit", type=positive_int, default=None, help="use the first N images only")
    cli.add_argument("--seed", type=int, default=0, help="seed of the weights and the batches")
    return cli.parse_args(argv)


if __name__ == "__main__":
    main()
