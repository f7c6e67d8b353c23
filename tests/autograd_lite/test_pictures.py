"""write_picture, the one writer of render_graph's and nn.render_network's pictures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograd_lite import pictures, render
from autograd_lite.pictures import (
    DEFAULT_TIMEOUT,
    FORMATS,
    LAYOUT_LIMITS,
    DotNotFoundError,
    DotTimeoutError,
    write_picture,
)

HAS_DOT = shutil.which("dot") is not None
SOURCE = "digraph { a -> b }\n"


def test_render_reexports_what_it_used_to_define() -> None:
    for name in ("DEFAULT_TIMEOUT", "FORMATS", "LAYOUT_LIMITS", "DotNotFoundError"):
        assert getattr(render, name) is getattr(pictures, name)
    assert render.DotTimeoutError is DotTimeoutError
    assert DEFAULT_TIMEOUT == 60.0 and LAYOUT_LIMITS == {"nslimit": "2", "nslimit1": "2"}


@pytest.mark.parametrize("suffix", [".dot", ".gv", ".DOT"])
def test_dot_source_is_written_as_drawn(tmp_path: Path, suffix: str) -> None:
    target = write_picture(lambda: SOURCE, tmp_path / f"g{suffix}")
    assert target == tmp_path / f"g{suffix}"
    assert target.read_text(encoding="utf-8") == SOURCE
    assert FORMATS[suffix.lower()] == "dot"


def never() -> str:
    raise AssertionError("draw was called although the call was refused")


def test_a_bad_suffix_or_timeout_is_refused_before_drawing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^render_network: cannot tell the format of .*\.jpeg"):
        write_picture(never, tmp_path / "g.jpeg", caller="render_network")
    with pytest.raises(ValueError, match=r"render_network\(timeout\)"):
        write_picture(never, tmp_path / "g.dot", timeout=0.0, caller="render_network")
    assert not list(tmp_path.iterdir())


def test_a_missing_dot_is_refused_before_drawing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(DotNotFoundError, match=r"make dot.*\.dot file instead"):
        write_picture(never, tmp_path / "g.svg")


@pytest.mark.skipif(not HAS_DOT, reason="needs Graphviz's dot")
@pytest.mark.parametrize(("caller", "hint"), [("render_graph", True), ("render_network", False)])
def test_a_timeout_names_the_caller_and_leaves_no_file(
    tmp_path: Path, caller: str, hint: bool
) -> None:
    with pytest.raises(DotTimeoutError, match=rf"^{caller}: .*timeout=SECONDS to {caller}") as e:
        write_picture(lambda: SOURCE, tmp_path / "g.svg", timeout=1e-9, caller=caller)
    assert ("--timeout on the command line" in str(e.value)) is hint  # render_graph is the CLI's
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(not HAS_DOT, reason="needs Graphviz's dot")
def test_an_image_is_what_dot_makes_of_the_source(tmp_path: Path) -> None:
    target = write_picture(lambda: SOURCE, tmp_path / "g.svg")
    assert "<svg" in target.read_text(encoding="utf-8")
