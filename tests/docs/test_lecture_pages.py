"""The how-to on pictures for lectures, and the README's section on explain, run as printed.

Each page's Python blocks run in order in one namespace, in a fresh folder; a ``text`` block
right after one is what it prints, to the character (trailing spaces and blank lines aside).
The how-to's command lines run too, and every file it names under ``out/`` is written.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOW_TO = ROOT / "docs" / "how-to" / "pictures-for-lectures.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


def blocks(text: str) -> list[tuple[str, str, str | None]]:
    """(language, source, the text block right after it or None) for each fenced block."""
    found = [(m.group(1), m.group(2), m.start(), m.end()) for m in FENCE.finditer(text)]
    result = []
    for k, (language, source, _, end) in enumerate(found):
        after = found[k + 1] if k + 1 < len(found) else None
        shown = None
        if after and after[0] == "text" and not text[end : after[2]].strip():
            shown = after[1]
        result.append((language, source, shown))
    return result


def run_python(text: str, where: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run the page's Python blocks in ``where``, checking what each prints; return how many."""
    monkeypatch.chdir(where)
    namespace: dict[str, object] = {"__name__": "__page__"}
    count = 0
    for language, source, shown in blocks(text):
        if language != "python":
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(source, "block", "exec"), namespace)
        if shown is not None:
            ours = [line.rstrip() for line in printed.getvalue().rstrip().splitlines()]
            assert ours == [line.rstrip() for line in shown.rstrip().splitlines()], source
        count += 1
    return count


def test_the_how_to_runs_as_printed_and_writes_what_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = HOW_TO.read_text(encoding="utf-8")
    assert run_python(text, tmp_path, monkeypatch) == 5
    commands = [
        line.removeprefix("$ ")
        for language, source, _ in blocks(text)
        if language == "console"
        for line in source.splitlines()
        if line.startswith("$ ")
    ]
    assert len(commands) == 2
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "autograd-lite"
        done = subprocess.run(
            [sys.executable, "-m", "autograd_lite", *argv[1:]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    for name in set(re.findall(r"out/[\w.-]+\.\w+", text)):
        assert (tmp_path / name).is_file(), name


def test_the_readmes_explain_section_runs_as_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("**Step through backpropagation.**")
    section = readme[start : readme.index("**Check your derivation.**", start)]
    (tmp_path / "out").mkdir()
    assert run_python(section, tmp_path, monkeypatch) == 1
    assert (tmp_path / "out" / "step_by_step.html").is_file()
    assert "docs/how-to/pictures-for-lectures.md" in section and HOW_TO.is_file()
