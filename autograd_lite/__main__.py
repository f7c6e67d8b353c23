"""``python -m autograd_lite`` and the ``autograd-lite`` console script: see :mod:`.cli`."""

from autograd_lite.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
