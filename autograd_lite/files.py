"""Atomic file writes: the one writer behind every file the package writes (``nn.save``,
``render_graph``, ``render_network``, an explanation's page, ``History.plot``).

:func:`write_atomically` replaces a file's content all at once. Its guarantees:

* Readers see the old file or the new one, never a mix: the data goes to a temporary file in
  the target's folder, is flushed and fsynced, then renamed over the target (``os.replace``,
  atomic on one file system); the folder is fsynced after, so the rename survives a crash.
* An error or interrupt on the way (``KeyboardInterrupt`` included) removes the temporary file
  and leaves the target as it was.
* A new file gets mode ``0o666`` minus the umask, as ``open()`` would give it (the umask is
  applied by the kernel, never read with ``os.umask``, which is process-wide and racy); an
  existing file keeps its mode.
* Any legal target name works: the temporary name is ``.NAME.XXXXXXXX.tmp``, NAME the target's
  name cut to at most 200 bytes (cut at a character boundary) and XXXXXXXX eight random hex
  digits, so it stays under the usual 255-byte limit on a name.

A process killed outright (SIGKILL, power loss) cannot clean up: its temporary file stays,
and the target keeps its old content. A later write of the same target removes such leftovers:
files in the same folder named exactly ``.NAME.XXXXXXXX.tmp`` for that target, regular files
(not links) owned by the current user, untouched for :data:`STALE_AFTER` seconds (a write in
progress elsewhere is younger than that, so it is left alone). Nothing else is ever deleted.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from pathlib import Path

__all__ = ["STALE_AFTER", "temporary_prefix", "write_atomically"]

#: Seconds after its last change that a temporary file of ours counts as abandoned.
STALE_AFTER = 600.0

# The target's name in a temporary name is cut to this many bytes: 1 + 200 + 13 < 255.
_NAME_BYTES = 200


def temporary_prefix(target: Path) -> str:
    """``.NAME.``: how every temporary file of ``target`` begins (NAME cut to 200 bytes)."""
    name = target.name.encode("utf-8", "surrogateescape")[:_NAME_BYTES]
    return f".{name.decode('utf-8', 'ignore')}."


def write_atomically(path: str | os.PathLike[str], data: bytes) -> Path:
    """Replace the content of ``path`` by ``data`` with the guarantees above; return the path.

    A missing folder is made first, with its missing parents (``mkdir -p``, mode ``0o777``
    minus the umask), so ``save(model, "out/run1/model.json")`` works in a fresh checkout.
    Folders made for a write that then fails are left in place (empty, harmless, and perhaps
    shared with another writer by then).

    Raises:
        OSError: the folder cannot be made (a file stands where a folder should be) or is not
            writable, the disk is full, …; the message names the target, and the target is
            unchanged.
    """
    target = Path(path)
    folder = target.parent
    _make_folder(folder, target)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise _naming(error, target) from None
    descriptor, temporary = _create_temporary(target, 0o600 if mode is not None else 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            if mode is not None:
                os.fchmod(file.fileno(), mode)  # exactly the old mode, umask or not
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(folder)
    _remove_stale(target)
    return target


def _create_temporary(target: Path, mode: int) -> tuple[int, Path]:
    """A new file ``.NAME.XXXXXXXX.tmp`` beside ``target``, opened for writing; never reused."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temporary = target.parent / f"{temporary_prefix(target)}{secrets.token_hex(4)}.tmp"
        try:
            return os.open(temporary, flags, mode), temporary
        except FileExistsError:
            continue
        except OSError as error:
            raise _naming(error, target) from None
    raise FileExistsError(f"cannot write {str(target)!r}: no free temporary name beside it")


def _make_folder(folder: Path, target: Path) -> None:
    """``mkdir -p folder``, or an OSError naming ``target`` (and the file in the way, if any)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next(p for p in (folder, *folder.parents) if p.exists() and not p.is_dir())
        raise NotADirectoryError(
            errno.ENOTDIR, f"cannot write {str(target)!r}: {str(blocker)!r} is a file, not a folder"
        ) from None
    except OSError as error:
        raise _naming(error, target) from None


def _naming(error: OSError, target: Path) -> OSError:
    return OSError(error.errno, f"cannot write {str(target)!r}: {error.strerror}")


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable where the system allows fsync on a folder (POSIX)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):  # some file systems refuse fsync on a folder
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_stale(target: Path) -> None:
    """Delete temporary files of ``target`` left by killed writes (see the module docstring)."""
    pattern = re.compile(re.escape(temporary_prefix(target)) + r"[0-9a-f]{8}\.tmp")
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if not pattern.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                ours = not hasattr(os, "getuid") or info.st_uid == os.getuid()
                if stat.S_ISREG(info.st_mode) and ours and now - info.st_mtime > STALE_AFTER:
                    os.unlink(entry.path)
