"""Real filesystems that fail: a tiny tmpfs that fills up, one remounted read-only.

A full disk and a read-only mount are faults the event log must survive with one
clear line, so tests make them for real (`mount -t tmpfs`), not by mocking sqlite.
Mounting needs root (CI runs the suite as root in its container); elsewhere the
tests skip loudly, and under CI=true that is a failure (tests/support/require.py).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.support.require import missing


@contextlib.contextmanager
def tmpfs(where: Path, size_kib: int = 256) -> Iterator[Path]:
    """A fresh tmpfs of `size_kib` mounted at `where` for the block."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        missing("tmpfs mount", "mounting a filesystem needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs",
                           str(where)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        missing("tmpfs mount", done.stderr.strip() or "mount failed")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def remount(where: Path, read_only: bool) -> None:
    """Make a mount made by `tmpfs()` read-only (or writable again)."""
    mode = "ro" if read_only else "rw"
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True,
                   capture_output=True)


def fill(where: Path) -> None:
    """Fill the filesystem at `where` to the last byte."""
    with contextlib.suppress(OSError), (where / "ballast").open("wb") as f:
        while True:
            f.write(b"\0" * 4096)
            f.flush()
