"""A watch pins glibc's mmap threshold, so big short-lived blocks (asyncio's 256 KiB read
buffers) keep being mapped and unmapped instead of leaving holes in the heap."""

from __future__ import annotations

import asyncio
import ctypes
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit import allocator
from cockpit.config import load_config
from cockpit.engine import Engine
from cockpit.store.sqlite import SqliteStore
from tests.support.launch import FakeSource, write_launch


def _libc():
    libc = ctypes.CDLL(None)
    if not sys.platform.startswith("linux") or not hasattr(libc, "mallinfo2"):
        pytest.skip("not glibc 2.33+ (no mallinfo2): nothing is pinned there")
    return libc


# In a fresh interpreter (a small heap with no big free chunk to serve from): free a 4 MiB
# block, then ask for an asyncio-sized read buffer; print whether it was mapped.
PROBE = """
import ctypes, sys
from cockpit import allocator
if sys.argv[1] == "settle":
    assert allocator.settle()
libc = ctypes.CDLL(None)
class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena ordblks smblks hblks hblkhd usmblks "
                                              "fsmblks uordblks fordblks keepcost").split()]
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.free(libc.malloc(4 << 20))
before = libc.mallinfo2().hblks
block = libc.malloc(256 << 10)
print(libc.mallinfo2().hblks - before)
"""


def _mapped_after_a_big_free(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    return int(out.stdout)


def test_a_big_block_freed_does_not_send_the_next_ones_to_the_heap() -> None:
    _libc()
    # glibc on its own: the freed 4 MiB block raised its threshold, the buffer is heap
    assert _mapped_after_a_big_free("as-is") == 0
    assert _mapped_after_a_big_free("settle") == 1  # pinned: mapped, given back whole


def test_a_watch_settles_the_allocator(tmp_path, monkeypatch) -> None:
    _libc()
    monkeypatch.setattr(allocator, "_settled", None)
    config = load_config(write_launch(tmp_path, "title: t\nsections: []\n"))
    engine = Engine(config, SqliteStore(config.store_path()), [FakeSource("f", ["x"], [[]])],
                    author="alice@bastion")

    async def watch() -> None:
        await engine.start()
        await engine.stop()

    asyncio.run(watch())
    assert allocator._settled is True  # noqa: SLF001
