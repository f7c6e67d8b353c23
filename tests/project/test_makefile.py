"""The Makefile's set-up steps: quiet when they succeed, the whole log when they fail.

Each step runs with a stand-in for the venv's python that prints what pip prints during an
editable install (setuptools' banner on stderr), so nothing is installed and nothing is timed.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BANNER = "Please be careful with folders in your working directory with the same name"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def fake_python(folder: Path, exit_status: int) -> Path:
    """An executable that prints pip-like output on both streams and exits with exit_status."""
    script = folder / "python"
    script.write_text(
        "#!/bin/sh\n"
        'echo "Successfully installed autograd-lite-0.1.0"\n'
        f'echo "  {BANNER}" >&2\n'
        f"exit {exit_status}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def make_step(tmp_path: Path, exit_status: int) -> subprocess.CompletedProcess[str]:
    venv = tmp_path / "venv"
    venv.mkdir()
    python = fake_python(tmp_path, exit_status)
    return subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(ROOT),
            "-B",
            f"VENV={venv}",
            f"PY={python}",
            f"{venv}/.installed-dev",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_successful_set_up_step_prints_one_line(tmp_path: Path) -> None:
    result = make_step(tmp_path, 0)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        f"installing autograd-lite and its test tools into {tmp_path / 'venv'}"
        f" (log: {tmp_path / 'venv' / 'setup.log'})"
    ]
    assert BANNER in (tmp_path / "venv" / "setup.log").read_text()
    assert (tmp_path / "venv" / ".installed-dev").exists()


def test_a_failed_set_up_step_shows_its_log_and_fails(tmp_path: Path) -> None:
    result = make_step(tmp_path, 3)
    assert result.returncode != 0
    assert BANNER in result.stdout and "Successfully installed" in result.stdout
    assert "set-up failed while installing autograd-lite and its test tools" in result.stdout
    assert "exit status 3" in result.stdout
    assert not (tmp_path / "venv" / ".installed-dev").exists()  # the next run tries again


def test_make_test_installs_the_browser_and_the_notebook_kernel_first() -> None:
    rule = next(
        line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith("test:")
    )
    assert "chromium" in rule.split() and "$(VENV)/.installed-notebook" in rule.split()


def test_make_test_installs_sympy_for_the_symbolic_tests() -> None:
    lines = (ROOT / "Makefile").read_text().splitlines()
    rule = next(line for line in lines if line.startswith("test:"))
    assert "$(VENV)/.installed-symbolic" in rule.split()
    recipe = lines[lines.index("$(VENV)/.installed-symbolic: $(VENV)/.installed-dev") + 2]
    assert "symbolic]" in recipe  # pyproject's extra, which holds SymPy


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="chromium is not installed")
def test_make_chromium_does_nothing_where_chromium_is_installed() -> None:
    result = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "chromium"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
