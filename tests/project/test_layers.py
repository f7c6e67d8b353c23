"""The layers written down in pyproject.toml's [tool.importlinter] hold: ``lint-imports`` finds
every contract kept (the core imports nothing above it; the replay, forward mode and the
pictures stand apart; every module of autograd_lite has its place in the layers).

The import cycles and the private names are checked by test_import_cycles.py and
test_private_names.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_linter_contracts_are_kept() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed (make test installs it)")
    result = subprocess.run(
        [lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    report = result.stdout.split("Contracts", 1)[-1]
    assert result.returncode == 0, report[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in report


def test_the_core_is_the_bottom_of_the_layers() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (inner,) = [c for c in contracts if c.get("containers") == ["autograd_lite"]]
    assert inner["exhaustive"] is True
    below_value = {m.strip() for layer in inner["layers"][inner["layers"].index("value") :]
                   for m in layer.split("|")}  # fmt: skip
    core = {"value", "backward", "graph", "modes", "rules", "float_ops", "checks"}
    assert core <= below_value
