"""The installed distribution's metadata: the licence, the file that states it, the version.

These read what pip installed (``importlib.metadata``), so they check the built metadata and
not only pyproject.toml's text. After editing pyproject.toml, reinstall (``make test`` does).
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import autograd_lite

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


def test_the_version_is_written_once_as_autograd_lite_version() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert pyproject["project"]["dynamic"] == ["version"]
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "autograd_lite.__version__"}
    assert metadata.version(DISTRIBUTION) == autograd_lite.__version__
    # No other module of the three packages writes the version out again.
    quoted = f'"{autograd_lite.__version__}"'
    for package in ("autograd_lite", "nn", "optim"):
        for source in (ROOT / package).glob("*.py"):
            text = source.read_text(encoding="utf-8")
            written = text.count(quoted)
            expected = 1 if source == ROOT / "autograd_lite" / "__init__.py" else 0
            assert written == expected, f"{source} writes the version {written} times"
