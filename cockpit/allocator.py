"""The C allocator settled for a watch of hours (`Engine.start`): glibc's mmap threshold
pinned at its default, so freed heap holes stop piling up in RSS.

asyncio reads every socket into a fresh 256 KiB buffer and then shrinks it to what came
(hundreds of reads a second in bench_soak, a few in a real watch). glibc serves a block of
128 KiB or more with mmap and gives it back when it is freed, but on freeing one it raises
that threshold to the block's size (up to 32 MiB), "dynamic mmap threshold". After the
first big block freed, the 256 KiB buffers come from the heap instead, and the holes they
leave among longer-lived blocks stay resident: the heap grew by ~4.5 MB in bench_soak's
first hour with only ~0.8 MB more in use. Pinned, such blocks are mapped and unmapped
each time (two system calls a read) and the heap holds what is in use.

Not glibc (musl, macOS): nothing to do, and nothing is done.
"""

from __future__ import annotations

import sys

M_MMAP_THRESHOLD = -3  # mallopt's parameter number, <malloc.h>
MMAP_THRESHOLD = 128 * 1024  # glibc's own default, pinned: setting it ends the "dynamic" rise

_settled: bool | None = None


def settle() -> bool:
    """Pin the threshold once per process; True when glibc took it."""
    global _settled
    if _settled is None:
        _settled = _pin() if sys.platform.startswith("linux") else False
    return _settled


def _pin() -> bool:
    import ctypes  # only here: ~0.25 MB, and only for a long-running watch

    try:
        libc = ctypes.CDLL(None)
        if not hasattr(libc, "gnu_get_libc_version"):  # musl's mallopt does nothing
            return False
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):
        return False
