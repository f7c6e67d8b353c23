"""The code a reader copies from docs/how-to/check-your-derivation.md and from the README's section
"Check your derivation" runs, and prints what the page says it prints.

Each page's python blocks run in order in one namespace (a block may use what an earlier one
defined). A comment line right after a ``print`` line states what it prints (``# ✔ all 40 ...``)
and is checked against the output; a block that imports SymPy is skipped without it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOW_TO = ROOT / "docs" / "how-to" / "check-your-derivation.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Check your derivation\n")
    return text[start : text.index("\n## ", start + 1)]


def blocks(text: str) -> list[str]:
    found = BLOCK.findall(text)
    assert found, "no python block"
    return found


def stated_outputs(block: str) -> list[str]:
    """The comment lines that follow a print line: what the block says it prints."""
    stated, after_print = [], False
    for line in block.splitlines():
        stripped = line.strip()
        if after_print and stripped.startswith("# "):
            stated.append(stripped[2:])
            continue
        after_print = stripped.startswith("print(")
    return stated


def run_page(text: str) -> list[str]:
    """Run every block; return what each printed. Checks each block's stated output."""
    namespace: dict[str, object] = {"__name__": "page"}
    outputs = []
    for block in blocks(text):
        if "needs SymPy" in block and importlib.util.find_spec("sympy") is None:
            outputs.append("")
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(block, "<page>", "exec"), namespace)
        for line in stated_outputs(block):
            assert line in printed.getvalue(), (
                f"the page says {line!r}, the code printed:\n{printed.getvalue()}"
            )
        outputs.append(printed.getvalue())
    return outputs


def test_the_how_to_pages_code_runs_and_prints_what_it_says() -> None:
    outputs = run_page(HOW_TO.read_text(encoding="utf-8"))
    assert len(outputs) == 7
    assert "✔ all 40 partial derivatives agree with the engine's." in outputs[0]
    assert "∂f/∂x at x = 0.5, y = −1.2: the engine gives 0.716682" in outputs[1]
    assert "✔ all 27 gradient entries agree" in outputs[-1]


def test_the_how_to_page_states_outputs_to_check() -> None:
    stated = [
        line
        for block in blocks(HOW_TO.read_text(encoding="utf-8"))
        for line in stated_outputs(block)
    ]
    assert len(stated) >= 2


def test_the_readme_sections_code_runs_and_prints_what_it_says() -> None:
    section = readme_section()
    outputs = run_page(section)
    assert outputs[0].splitlines() == [
        "✔ all 40 partial derivatives agree with the engine's.",
        "sin(y) + exp(x); x·cos(y)",
    ]


def test_the_readme_quotes_a_real_disagreement() -> None:
    from autograd_lite import check_derivation

    def f(x, y):  # type: ignore[no-untyped-def]
        return x * y.sin() + x.exp()

    import math

    report = check_derivation(f, [lambda x, y: math.sin(y), "x*cos(y)"], at=[(0.5, -1.2)])
    quoted = "∂f/∂x at\nx = 0.5, y = −1.2: the engine gives 0.716682, yours −0.932039"
    assert quoted.replace("\n", " ") in report.summary()
    assert quoted in readme_section()


@pytest.mark.parametrize("path", [HOW_TO])
def test_the_page_links_what_exists(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for name in re.findall(r"`(examples/[\w.]+)`", text):
        assert (ROOT / name).exists(), name
