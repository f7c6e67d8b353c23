"""The examples' data: the notes' four points, two moons, Fisher's Iris, a stratified split.

Everything is made with NumPy or read from ``examples/data/``; nothing is downloaded.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The course notes' four-point problem D = {((−3,−3),1), ((−2,−2),1), ((4,4),0), ((2,−5),0)}.
FOUR_POINTS_X: FloatArray = np.array([[-3.0, -3.0], [-2.0, -2.0], [4.0, 4.0], [2.0, -5.0]])
FOUR_POINTS_Y: FloatArray = np.array([1.0, 1.0, 0.0, 0.0])

IRIS_CSV = Path(__file__).resolve().parent / "data" / "iris.csv"
DIGITS_CSV = Path(__file__).resolve().parent / "data" / "digits.csv.gz"
IRIS_FEATURES = ("sepal length", "sepal width", "petal length", "petal width")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


def make_moons(n: int = 100, *, noise: float = 0.1, seed: int = 0) -> tuple[FloatArray, FloatArray]:
    """Two interleaving half circles in the plane, with labels −1 and +1 (for the hinge loss).

    The upper moon is (cos t, sin t) and the lower one (1 − cos t, ½ − sin t) for t in [0, π],
    each point shifted by Gaussian noise of standard deviation ``noise``; ⌈n/2⌉ points on the
    first, ⌊n/2⌋ on the second. The same ``seed`` gives the same points.
    """
    if n < 2:
        raise ValueError(f"make_moons: need n ≥ 2 points, got {n}")
    rng = np.random.default_rng(seed)
    n_upper = (n + 1) // 2
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n - n_upper)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + rng.normal(0.0, noise, (n, 2))
    y = np.concatenate([-np.ones(n_upper), np.ones(n - n_upper)])
    order = rng.permutation(n)
    return X[order], y[order]


def load_iris(path: Path = IRIS_CSV) -> tuple[FloatArray, IntArray]:
    """Fisher's Iris: 150 flowers × 4 measurements in cm, and the species index 0, 1 or 2.

    The columns are :data:`IRIS_FEATURES`; species k is ``IRIS_CLASSES[k]``. See
    ``examples/data/README.md`` for the source. Raises ``ValueError`` if the file is not the
    150 rows, 50 of each species, that it should be.
    """
    rows: list[list[float]] = []
    labels: list[int] = []
    with path.open(newline="") as handle:
        for line, record in enumerate(csv.DictReader(handle), start=2):
            species = record["species"]
            if species not in IRIS_CLASSES:
                raise ValueError(f"{path}:{line}: unknown species {species!r}")
            rows.append([float(record[name.replace(" ", "_")]) for name in IRIS_FEATURES])
            labels.append(IRIS_CLASSES.index(species))
    X, y = np.array(rows), np.array(labels, dtype=np.int64)
    counts = np.bincount(y, minlength=len(IRIS_CLASSES))
    if X.shape != (150, 4) or counts.tolist() != [50, 50, 50]:
        raise ValueError(f"{path}: expected 150 rows, 50 per species; got counts {counts}")
    return X, y


def load_digits(path: Path = DIGITS_CSV) -> tuple[FloatArray, IntArray]:
    """The 8×8 handwritten digits: 1,797 images × 64 pixel counts in 0..16, and the digit 0..9.

    See ``examples/data/README.md`` for the source. Raises ``ValueError`` if the file is not
    the 1,797 rows of 65 numbers (64 pixels, then the label) that it should be.
    """
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",")
    if table.shape != (1797, 65) or not np.all((table >= 0) & (table <= 16)):
        raise ValueError(f"{path}: expected 1,797 rows of 65 numbers in 0..16, got {table.shape}")
    labels = table[:, -1].astype(np.int64)
    if np.bincount(labels, minlength=10).min() < 170:
        raise ValueError(f"{path}: expected about 180 images of every digit")
    return table[:, :-1], labels


def stratified_split(y: IntArray, *, every: int = 5) -> tuple[IntArray, IntArray]:
    """Indices (train, test): of each class's members, in file order, the 1st, (1+every)-th,
    (1+2·every)-th, … go to test and the rest to train.

    A fixed split that keeps the class proportions (with ``every = 5``, a fifth of each class is
    held out); no random draw, so anyone gets the same split.
    """
    test = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        test[np.flatnonzero(y == label)[::every]] = True
    return np.flatnonzero(~test), np.flatnonzero(test)
