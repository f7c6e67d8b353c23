"""write_atomically, the one writer behind every file the package writes: its guarantees, tested,
and every writer shown to use it (each makes the folder it writes into)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import nn
import optim
from autograd_lite import Value, explain
from autograd_lite.cli import main as cli_main
from autograd_lite.files import STALE_AFTER, write_atomically
from autograd_lite.render import render_graph

ROOT = Path(__file__).resolve().parents[2]
LONG = "a" * 246  # + ".svg" or ".json": a legal 250-byte name


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def neuron_graph() -> Value:
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    out = (x * w).tanh()
    out.backward()
    return out


def test_long_legal_names_can_be_written(tmp_path: Path) -> None:
    write_atomically(tmp_path / f"{LONG}.bin", b"data")
    render_graph(neuron_graph(), tmp_path / f"{LONG}.dot")
    nn.save(nn.MLP(2, [2, 1], seed=0), tmp_path / f"{LONG}.json")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"{LONG}.bin", f"{LONG}.dot", f"{LONG}.json"]
    assert (tmp_path / f"{LONG}.bin").read_bytes() == b"data"


def test_a_new_file_honours_the_umask_without_reading_it(
    tmp_path: Path, umask_027: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_umask(mask: int) -> int:
        raise AssertionError("os.umask changes process-wide state; it must not be called")

    monkeypatch.setattr(os, "umask", no_umask)
    write_atomically(tmp_path / "a.bin", b"1")
    render_graph(neuron_graph(), tmp_path / "g.dot")
    nn.save(nn.MLP(2, [1], seed=0), tmp_path / "m.json")
    for name in ("a.bin", "g.dot", "m.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o640, name


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755, 0o444])
def test_an_existing_files_mode_is_kept(tmp_path: Path, umask_027: None, mode: int) -> None:
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    target.chmod(mode)
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_file_and_folder_are_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real = os.fsync

    def recording(fd: int) -> None:
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    monkeypatch.setattr(os, "fsync", recording)
    write_atomically(tmp_path / "a.bin", b"x")
    assert synced == ["file", "folder"]


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_an_interrupted_write_leaves_the_target_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")

    def fail(fd: int) -> None:
        raise error

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(type(error)):
        write_atomically(target, b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]
    assert target.read_bytes() == b"old"


def test_a_missing_folder_is_made_with_its_parents(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "deeper" / "a.bin"
    assert write_atomically(target, b"x") == target and target.read_bytes() == b"x"
    assert [p.name for p in target.parent.iterdir()] == ["a.bin"]  # no temporary left


@pytest.mark.parametrize("where", ["f/a.bin", "f/deeper/a.bin"])
def test_a_file_where_the_folder_should_be_is_an_oserror_naming_both(
    tmp_path: Path, where: str
) -> None:
    (tmp_path / "f").write_bytes(b"keep")
    target = tmp_path / where
    message = f"cannot write {str(target)!r}: {str(tmp_path / 'f')!r} is a file, not a folder"
    with pytest.raises(NotADirectoryError, match=re.escape(message)):
        write_atomically(target, b"x")
    assert (tmp_path / "f").read_bytes() == b"keep"


def every_writer() -> dict[str, Callable[[Path], object]]:
    """Each way the package writes a file, as a function of the path to write."""
    mlp = nn.MLP(2, [3, 1], seed=0)
    explanation = explain(neuron_graph())
    history = optim.fit(
        mlp, [[0.0, 1.0]], [1.0], loss=nn.squared_error,
        optimizer=optim.SGD(mlp.parameters(), lr=0.1), epochs=2, progress=False,
    )  # fmt: skip
    return {
        "render_graph.dot": lambda p: render_graph(neuron_graph(), p.with_suffix(".dot")),
        "render_graph.svg": lambda p: render_graph(neuron_graph(), p.with_suffix(".svg")),
        "render_network.dot": lambda p: nn.render_network(mlp, p.with_suffix(".dot")),
        "nn.save": lambda p: nn.save(mlp, p.with_suffix(".json")),
        "Explanation.to_html": lambda p: explanation.to_html(p.with_suffix(".html")),
        "History.plot": lambda p: history.plot(p.with_suffix(".png")),
        "the command line": lambda p: cli_main(["graph", "x * 2", "--at", "x=1", "-o", f"{p}.dot"]),
    }


NEEDS_DOT = {"render_graph.svg", "Explanation.to_html"}


@pytest.mark.parametrize("name", sorted(every_writer()))
def test_every_writer_makes_the_folder_it_writes_into(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if name in NEEDS_DOT and shutil.which("dot") is None:
        pytest.skip("needs Graphviz's dot (make dot)")
    if name == "History.plot":
        pytest.importorskip("matplotlib")
    folder = tmp_path / "out" / "run 1"
    every_writer()[name](folder / "result")
    written = list(folder.iterdir())
    assert len(written) == 1 and written[0].stem == "result" and written[0].stat().st_size > 0


# The child saves a checkpoint over an existing one and is killed while its data is written.
CHILD = """
import os, sys, time
import nn
def stall(fd):
    print("writing", flush=True)
    time.sleep(600)
os.fsync = stall
nn.save(nn.MLP(2, [3, 1], seed=1), sys.argv[1])
"""


def test_a_killed_save_leaves_the_target_intact_and_a_named_temporary(tmp_path: Path) -> None:
    target = tmp_path / "model.json"
    nn.save(nn.MLP(2, [3, 1], seed=0), target)
    before = target.read_bytes()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "writing\n"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        child.kill()
        child.wait()
    assert target.read_bytes() == before
    left = [p.name for p in tmp_path.iterdir() if p != target]
    assert len(left) == 1 and re.fullmatch(r"\.model\.json\.[0-9a-f]{8}\.tmp", left[0]), left
    assert nn.load(target).state_dict() == nn.MLP(2, [3, 1], seed=0).state_dict()


def test_a_later_save_removes_only_its_own_stale_temporaries(tmp_path: Path) -> None:
    target = tmp_path / "model.json"
    old = time.time() - STALE_AFTER - 60
    stale = tmp_path / ".model.json.0123abcd.tmp"
    fresh = tmp_path / ".model.json.89abcdef.tmp"  # a save in progress elsewhere
    others = [
        tmp_path / ".other.json.0123abcd.tmp",  # another target's
        tmp_path / ".model.json.notmine1.tmp",  # not our name pattern
        tmp_path / ".model.json.0123abcd.tmp.bak",
        tmp_path / "model.json.0123abcd.tmp",
    ]
    for path in [stale, fresh, *others]:
        path.write_text("partial")
    linked = tmp_path / ".model.json.fedcba98.tmp"  # a link is never ours
    linked.symlink_to(others[0])
    folder = tmp_path / ".model.json.00000000.tmp"
    folder.mkdir()
    for path in [stale, *others, linked, folder]:
        os.utime(path, (old, old), follow_symlinks=False)

    nn.save(nn.MLP(2, [1], seed=0), target)
    assert not stale.exists()
    for path in [fresh, *others, linked, folder]:
        assert os.path.lexists(path), path
    assert others[0].read_text() == "partial"
