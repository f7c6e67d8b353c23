"""Fisher's Iris: a softmax MLP tells three species apart from four measurements.

150 flowers (``examples/data/iris.csv``), a fixed stratified split (a fifth of each species held
out for testing), features standardised with the training set's mean and standard deviation.
The MLP 4-8-3 (tanh) outputs the logits a; the class probabilities are softmax(a) and training
minimises the mean cross-entropy −log softmax(a)_y plus λ/2 Σ w², by full-batch SGD. Prints the
accuracies and the confusion matrix; writes the training curves and the confusion matrix.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import nn
import optim
from autograd_lite import no_grad

from _data import IRIS_CLASSES, IRIS_FEATURES, FloatArray, IntArray, load_iris, stratified_split
from _output import confusion, confusion_figure, parser, positive_int, save, training_curves


def predict(mlp: nn.MLP, Z: FloatArray) -> IntArray:
    """argmaxₖ softmax(a)ₖ = argmaxₖ aₖ for each row, without recording a graph."""
    with no_grad():
        return np.array([int(np.argmax([v.data for v in mlp(z)])) for z in Z], dtype=np.int64)


def main(argv: Sequence[str] | None = None) -> list[Path]:
    """Load, split, train, evaluate, print and draw; return the pictures' paths."""
    args = arguments(argv)
    X, y = load_iris()
    counts = ", ".join(f"{n} {name}" for name, n in zip(IRIS_CLASSES, np.bincount(y)))
    means = ", ".join(f"{name} {m:.3f}" for name, m in zip(IRIS_FEATURES, X.mean(axis=0)))
    print(f"Fisher's Iris: {len(X)} flowers: {counts}")
    print(f"column means (cm): {means}")
    train, test = stratified_split(y, every=args.every)
    print(f"split: {len(train)} to train, {len(test)} to test ({len(test) // 3} per species)")
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    Z = (X - mean) / std

    mlp = nn.MLP(4, [args.hidden, 3], "tanh", "linear", seed=args.seed)
    print(f"model: {mlp!r}, softmax of the outputs; loss: cross-entropy + λ/2 Σ w², λ = {args.lam}")
    curves: dict[str, list[float]] = {"train accuracy": [], "test accuracy": []}

    def record(epoch: int, history: optim.History) -> None:
        for name, rows in (("train accuracy", train), ("test accuracy", test)):
            curves[name].append(float(np.mean(predict(mlp, Z[rows]) == y[rows])))

    history = optim.fit(
        mlp,
        list(Z[train]),
        [int(label) for label in y[train]],
        loss=nn.cross_entropy,
        optimizer=optim.SGD(mlp.parameters(), lr=args.lr),
        epochs=args.epochs,
        regularization=lambda model: nn.l2_penalty(model, args.lam),
        seed=args.seed,
        callbacks=[record],
    )
    if not history:
        print(f"training {history.outcome}: nothing to report")
        raise SystemExit(130)  # the shell's code for "stopped by SIGINT"
    predicted = predict(mlp, Z[test])
    right = int(np.sum(predicted == y[test]))
    train_right = round(curves["train accuracy"][-1] * len(train))
    end = "at the end" if history.stop_reason == "completed" else history.outcome
    print(f"training objective: {history.loss[0]:.4f} at the start, {history.loss[-1]:.4f} {end}")
    print(f"train accuracy: {100 * train_right / len(train):.1f}% ({train_right}/{len(train)})")
    print(f"test accuracy: {100 * right / len(test):.1f}% ({right}/{len(test)})")
    matrix = confusion(y[test], predicted, len(IRIS_CLASSES))
    print("confusion matrix on the test set (rows: true species, columns: predicted):")
    print(" " * 12 + "".join(f"{name:>12}" for name in IRIS_CLASSES))
    for name, row in zip(IRIS_CLASSES, matrix):
        print(f"{name:>12}" + "".join(f"{n:>12}" for n in row))

    title = f"Iris: MLP 4-{args.hidden}-3 (tanh), softmax + cross-entropy"
    paths = save(
        args.out,
        {
            "iris_training.png": training_curves(history.loss, curves, title),
            "iris_confusion.png": confusion_figure(
                matrix, IRIS_CLASSES, f"Iris test set: {right} of {len(test)} right", "species"
            ),
        },
    )
    if history.interrupted:
        raise SystemExit(130)  # results and pictures are out; still say it was cut short
    return paths


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    cli = parser(__doc__)
    cli.add_argument("--hidden", type=positive_int, default=8, help="width of the hidden layer")
    cli.add_argument("--epochs", type=positive_int, default=100, help="full-batch SGD steps")
    cli.add_argument("--lr", type=float, default=0.5, help="the SGD step γ")
    cli.add_argument("--lam", type=float, default=1e-3, help="λ of the L2 penalty λ/2 Σ w²")
    cli.add_argument(
        "--every",
        type=int,
        default=5,
        help="hold out flowers 1, 1 + every, 1 + 2·every, … of each species",
    )
    cli.add_argument("--seed", type=int, default=0, help="seed of the initial weights")
    return cli.parse_args(argv)


if __name__ == "__main__":
    main()
