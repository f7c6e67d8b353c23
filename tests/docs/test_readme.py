"""What the README says the code does, checked against the code: formatting a Value, the
notebook's set-up, the explain example run where no ``out/`` folder exists, and what
``make demo`` prints."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from autograd_lite import Value

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_block(containing: str, language: str) -> str:
    """The README's ``language`` code block that contains ``containing``."""
    blocks = re.findall(rf"^```{language}\n(.*?)^```$", README, re.MULTILINE | re.DOTALL)
    found = [block for block in blocks if containing in block]
    assert len(found) == 1, f"{len(found)} {language} blocks of the README contain {containing!r}"
    return str(found[0])


def test_what_the_readme_says_of_formatting_a_value_is_what_it_does() -> None:
    v = Value(2.0)
    sentence = re.search(
        r"Without a spec, `f\"\{v\}\"` and `str\(v\)` are `repr\(v\)`,\s+`(.*?)`", README
    )
    assert sentence is not None, "the README says what f'{v}' gives"
    assert f"{v}" == str(v) == repr(v) == sentence.group(1)
    assert f"{v:.3f}" == "2.000"  # a format spec formats the number
    # Nowhere does the README say that f"{v}" is a plain number.
    assert not re.search(r"`f\"\{v\}\"`,?\s+comparisons\) return plain numbers", README)


def test_the_notebook_the_readme_opens_is_set_up_by_make_notebook() -> None:
    assert "make notebook" in README and "jupyter lab examples/tutorial.ipynb" in README
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(r.startswith("jupyterlab") for r in extras["optional-dependencies"]["jupyter"])
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^notebook: \$\(VENV\)/\.installed-jupyter", makefile, re.MULTILINE)
    assert re.search(r"pip install -e '\.\[.*jupyter\]'", makefile)
    if shutil.which("make"):
        dry = subprocess.run(
            ["make", "-n", "-C", str(ROOT), "notebook"], capture_output=True, text=True, check=True
        )
        assert "jupyter lab examples/tutorial.ipynb" in dry.stdout


@pytest.mark.skipif(shutil.which("dot") is None, reason="the page needs Graphviz's dot")
def test_the_explain_example_runs_where_there_is_no_out_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    example = code_block('e.to_html("out/step_by_step.html")', "python")
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {})
    assert (
        (tmp_path / "out" / "step_by_step.html")
        .read_text(encoding="utf-8")
        .startswith("<!DOCTYPE html>")
    )
    printed = capsys.readouterr().out
    assert printed.strip() == code_block("Forward, each node after its operands:", "text").strip()


def masked(line: str) -> str:
    """A printed line with its numbers replaced by N, so that a small run reads as the full one."""
    return re.sub(r"\d+(?:[.,]\d+)*", "N", line)


@pytest.mark.skipif(shutil.which("dot") is None, reason="the demo's network picture needs dot")
def test_the_readme_shows_every_line_make_demo_prints(tmp_path: Path) -> None:
    shown = code_block("training accuracy:", "text").splitlines()
    demo = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), "--samples", "20", "--epochs", "3"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    printed = demo.stdout.splitlines()
    assert [masked(line) for line in printed] == [masked(line) for line in shown]
