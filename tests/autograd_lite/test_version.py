"""``autograd_lite.__version__``, the installed distribution's version and ``autograd-lite
--version`` are one number, written once, also in a source tree that was never installed."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import autograd_lite
from autograd_lite.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_the_installed_distribution_has_the_packages_version() -> None:
    assert metadata.version("autograd-lite") == autograd_lite.__version__
    assert autograd_lite.__version__[0].isdigit()


def test_version_option_prints_it_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"autograd-lite {autograd_lite.__version__}\n"


def test_a_source_tree_run_without_installing_reports_the_same_version(tmp_path: Path) -> None:
    # A fresh interpreter in which no distribution metadata can be found, as in a checkout run
    # with PYTHONPATH=. that was never installed.
    code = (
        "from importlib import metadata\n"
        "def missing(*args, **kwargs):\n"
        "    raise metadata.PackageNotFoundError('autograd-lite')\n"
        "metadata.version = metadata.distribution = missing\n"
        "import autograd_lite\n"
        "print(autograd_lite.__version__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == autograd_lite.__version__
