"""Remake the pictures of the README and the site: .venv/bin/python docs/make_pictures.py [NAME]

Two kinds, all written into docs/ (or ``--into DIR``):

* the drawings of graphs and networks (``neuron``, ``vanishing_gradients``, ``mlp_weights``,
  ``mlp_grads``), made here, each as SVG (for the web) and PNG (for viewers that show no SVG);
* ``explain_page.png``, the neuron's step-by-step page (the command line's ``-o neuron.html``)
  at a step of backward, and ``explain_presentation.png``, the shallow network's page in
  presentation mode on a 1920×1080 screen, as headless Chromium shows them (``make
  chromium``, Selenium);
* the examples' figures, ``example_<picture>``: each example runs as a user runs it,
  ``python examples/NAME.py --out <temporary folder>`` with its defaults, and the pictures the
  README and the site show are copied from there (:data:`EXAMPLES` says which).

With names (``neuron.svg``, ``example_newton.png``, ...) only the pictures that produce them
are remade. Needs the examples extra (matplotlib) and Graphviz's ``dot`` (``make dot``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import nn
from autograd_lite import Value, render_graph, sigmoid

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
SUFFIXES = (".svg", ".png")
# For each example, the pictures it writes that the README and the site show
# (as docs/example_<picture>).
EXAMPLES = {
    "four_points": ["four_points.png"],
    "iris": ["iris_confusion.png"],
    "moons": ["moons_boundary.png", "moons_loss.png"],
    "newton": ["newton.png"],
    "perceptron": ["perceptron_boundaries.png", "perceptron_rates.png"],
    "shallow_network": ["shallow_network_grads.png"],
    "vanishing_gradients": ["vanishing_gradients.png"],
}


def neuron(stem: Path) -> None:
    """The neuron of the course notes, drawn by the command line exactly as a user would."""
    argv = ["graph", "tanh(w1*x1 + w2*x2 + b)", "--at", "x1=2", "x2=0", "w1=-3", "w2=1"]
    argv += ["b=6.8813735870195432"]
    for suffix in SUFFIXES:
        command = [sys.executable, "-m", "autograd_lite", *argv, "-o", f"{stem}{suffix}"]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def vanishing(stem: Path) -> None:
    """A chain of four sigmoid units, h ← σ(w·h + b), coloured by log₁₀|grad|, top to bottom.

    σ′ ≤ 1/4, so each unit scales the gradient flowing back by at most w/4: the parameters of
    the first unit receive a gradient about a hundred times smaller than those of the last.
    """
    h: Value = Value(1.0, "x")
    params = []
    for k in range(1, 5):
        w, b = Value(1.0, f"w{k}"), Value(0.5, f"b{k}")
        params += [w, b]
        h = sigmoid(w * h + b)
    loss = (h - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    for suffix in SUFFIXES:
        render_graph(loss, f"{stem}{suffix}", color_by="grad", rankdir="TB", params=params)


def _screenshot(page: str, path: Path, size: tuple[int, int], keys: str = "") -> None:
    """The ``page`` address in headless Chromium on a screen of ``size`` CSS pixels, after
    ``keys``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        metrics = {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        driver.get(page)
        if keys:
            driver.find_element("tag name", "body").send_keys(keys)
        driver.save_screenshot(str(path))
    finally:
        driver.quit()


def explain_page(path: Path) -> None:
    """The neuron's page (the command line's ``-o neuron.html``) at its sixteenth step, a
    step of backward, opened by its link ``#step=16``."""
    argv = ["graph", "tanh(w1*x1 + w2*x2 + b)", "--at", "x1=2", "x2=0", "w1=-3", "w2=1"]
    argv += ["b=6.8813735870195432"]
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "neuron.html"
        command = [sys.executable, "-m", "autograd_lite", *argv, "-o", str(page)]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        _screenshot(page.as_uri() + "#step=16", path, (1200, 540))


def explain_presentation(path: Path) -> None:
    """The shallow network's page (examples/shallow_network.py) in presentation mode on a
    1920×1080 screen, at step 75 of backward: what a lecture hall sees."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, str(ROOT / "examples" / "shallow_network.py"), "--out", out]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        page = Path(out) / "shallow_network_explain.html"
        _screenshot(page.as_uri() + "#step=75", path, (1920, 1080), keys="p")


def network(show: str) -> Callable[[Path], None]:
    """A 3 → 4 → 4 → 1 tanh MLP after twenty steps of gradient descent on four examples,
    edges by ``show`` (weights or their gradients on the four examples)."""

    def draw(stem: Path) -> None:
        mlp = nn.MLP(3, [4, 4, 1], activation="tanh", seed=1)
        xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
        ys = [1.0, -1.0, -1.0, 1.0]
        for _ in range(20):
            mlp.zero_grad()
            loss: Value | float = 0.0
            for x, y in zip(xs, ys):
                loss = loss + (mlp(x)[0] - y) ** 2
            assert isinstance(loss, Value)
            loss.backward()
            for p in mlp.parameters():
                p.data -= 0.05 * p.grad
        for suffix in SUFFIXES:
            nn.render_network(mlp, f"{stem}{suffix}", show=show)

    return draw


DRAWINGS: dict[str, Callable[[Path], None]] = {
    "neuron": neuron,
    "vanishing_gradients": vanishing,
    "mlp_weights": network("weights"),
    "mlp_grads": network("grads"),
}


#: Pictures of a page in the browser, by file name.
SCREENSHOTS: dict[str, Callable[[Path], None]] = {
    "explain_page.png": explain_page,
    "explain_presentation.png": explain_presentation,
}


def outputs() -> list[str]:
    """The file names of every picture this script writes."""
    drawn = [stem + suffix for stem in DRAWINGS for suffix in SUFFIXES] + list(SCREENSHOTS)
    return drawn + [f"example_{p}" for pictures in EXAMPLES.values() for p in pictures]


def run_example(name: str, pictures: Sequence[str], into: Path) -> None:
    """Run ``examples/<name>.py`` with its defaults; copy ``pictures`` as ``example_<p>``."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, str(ROOT / "examples" / f"{name}.py"), "--out", out]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        for picture in pictures:
            shutil.copyfile(Path(out) / picture, into / f"example_{picture}")


def main(argv: Sequence[str] | None = None) -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("names", nargs="*", metavar="NAME", help="only these pictures (file names)")
    cli.add_argument("--into", type=Path, default=DOCS, help="the folder (default: docs/)")
    args = cli.parse_args(argv)
    unknown = sorted(set(args.names) - set(outputs()))
    if unknown:
        cli.error(f"no such picture: {', '.join(unknown)} (choose from {', '.join(outputs())})")
    wanted = set(args.names or outputs())
    args.into.mkdir(parents=True, exist_ok=True)
    into = args.into.resolve()  # the neuron's command line runs from the repository's root
    for stem, draw in DRAWINGS.items():
        if wanted & {stem + suffix for suffix in SUFFIXES}:
            draw(into / stem)
    for name, shoot in SCREENSHOTS.items():
        if name in wanted:
            shoot(into / name)
    for name, pictures in EXAMPLES.items():
        if wanted & {f"example_{p}" for p in pictures}:
            run_example(name, pictures, into)
    print(f"pictures in {args.into}: {', '.join(sorted(wanted))}")


if __name__ == "__main__":
    main()
