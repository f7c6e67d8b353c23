"""What the examples, the demo and the README's snippets write goes into out/, which git ignores."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def ignored(path: str) -> bool:
    """Whether git ignores ``path`` (relative to the repository's root) by .gitignore's rules."""
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "--quiet", path], cwd=ROOT, check=False
    )
    assert result.returncode in (0, 1), f"git check-ignore failed on {path!r}"
    return result.returncode == 0


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout"
)
def test_out_folder_is_ignored_and_is_the_examples_default() -> None:
    output = pytest.importorskip("examples._output")  # needs the examples extra (matplotlib)
    out = output.parser(None).parse_args([]).out
    assert out == Path("out")
    for name in ("moons_network.svg", "neuron.svg", "sub/picture.png"):
        assert ignored(f"{out}/{name}"), f"git does not ignore {out}/{name}"
    assert not ignored("docs/neuron.svg")  # the README's pictures are committed
    assert not ignored("examples/demo.py")


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout"
)
def test_the_built_site_is_ignored() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "\nsite_dir: site\n" in config
    assert ignored("site/index.html") and ignored("site/assets/javascripts/bundle.js")
    assert not ignored("docs/index.md") and not ignored("mkdocs.yml")
