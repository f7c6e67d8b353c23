"""``autograd_lite.__version__`` and ``autograd-lite --version`` report pyproject.toml's version."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import autograd_lite
from autograd_lite.cli import main

ROOT = Path(__file__).resolve().parents[2]


def pyproject_version() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return str(project["version"])


def test_version_attribute_is_pyprojects() -> None:
    assert autograd_lite.__version__ == pyproject_version()


def test_version_option_prints_it_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"autograd-lite {pyproject_version()}\n"


def test_version_of_an_uninstalled_tree_says_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    from importlib import metadata

    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    try:
        assert importlib.reload(autograd_lite).__version__ == "0+unknown"
    finally:
        monkeypatch.undo()
        importlib.reload(autograd_lite)
    assert autograd_lite.__version__ == pyproject_version()
