"""The installed distribution's metadata: the licence, the file that states it, the version.

These read what pip installed (``importlib.metadata``), so they check the built metadata and
not only pyproject.toml's text. After editing pyproject.toml, reinstall (``make test`` does).
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTION = "autograd-lite"


def test_the_licence_is_mit_as_a_pep_639_expression() -> None:
    info = metadata.metadata(DISTRIBUTION)
    assert info["License-Expression"] == "MIT"
    assert info.get_all("License-File") == ["LICENSE"]
    assert info["License"] is None  # the old free-text field would compete with the expression


def test_the_licence_file_ships_with_the_distribution() -> None:
    files = metadata.files(DISTRIBUTION) or []
    shipped = [f for f in files if f.name == "LICENSE"]
    assert len(shipped) == 1, f"no LICENSE among {[str(f) for f in files]}"
    text = shipped[0].read_text(encoding="utf-8")
    assert text == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the autograd-lite authors\n")


def test_pyproject_is_the_one_source_of_the_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project.get("dynamic", [])
    assert metadata.version(DISTRIBUTION) == project["version"]
    # No module of the three packages writes the version out again.
    for package in ("autograd_lite", "nn", "optim"):
        for source in (ROOT / package).glob("*.py"):
            text = source.read_text(encoding="utf-8")
            assert f'"{project["version"]}"' not in text, f"{source} hard-codes the version"
