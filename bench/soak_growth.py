"""What grows in bench_soak (BENCH_SOAK_GROWERS): at each mark, what the allocators hold
(pymalloc's arenas, glibc malloc's heaps), objects by type, the fullest caches, buffers,
the Strips each widget holds, and optionally tracemalloc diffs by traceback. For finding
what a budget miss is made of; the soak's figures are measured without it.
"""

from __future__ import annotations

import collections
import gc
import os
import sys
from pathlib import Path
from typing import Any

TOP = 12  # growers printed per mark


def heap_mb() -> dict[str, float]:
    """Where RSS lives besides the interpreter's code: pymalloc's arenas (objects up to
    512 bytes) and glibc malloc's heaps (bigger objects, C libraries), in MB."""
    import ctypes
    import tempfile as tf

    saved, out = os.dup(2), tf.TemporaryFile()
    try:  # _debugmallocstats writes to the C stderr
        sys.stderr.flush()
        os.dup2(out.fileno(), 2)
        sys._debugmallocstats()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    out.seek(0)
    stats = {}
    for line in out.read().decode(errors="replace").splitlines():
        key, _, value = line.rpartition("=")
        if key.strip().startswith("#") or " arenas * " in key:
            stats[key.strip(" #")] = value.strip().replace(",", "")
    found: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("RssAnon", "RssFile"):  # file: code and data pages of the libraries
            found[key] = int(value.split()[0]) * 1024 / 1e6
    arenas = next((k for k in stats if " arenas * " in k), None)
    if arenas:
        found["pymalloc arenas"] = int(stats[arenas]) / 1e6
    for key, name in (("bytes in allocated blocks", "pymalloc in use"),
                      ("bytes in available blocks", "pymalloc free in pools")):
        if key in stats:
            found[name] = int(stats[key]) / 1e6

    class MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in (
            "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
            .split())]

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = MallInfo2
        m = libc.mallinfo2()
    except (OSError, AttributeError):
        return found
    found |= {"malloc heap": m.arena / 1e6, "malloc in use": m.uordblks / 1e6,
              "malloc free": m.fordblks / 1e6, "malloc mmapped": m.hblkhd / 1e6}
    return found


def malloc_arenas() -> list[tuple[str, float, float]]:
    """glibc's heaps one by one (the main one, then one per thread that allocated):
    system bytes and free bytes inside each, from malloc_info's XML."""
    import ctypes
    import tempfile as tf
    import xml.etree.ElementTree as ET

    try:
        libc = ctypes.CDLL("libc.so.6")
        info = libc.malloc_info
    except (OSError, AttributeError):
        return []
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    with tf.NamedTemporaryFile(suffix=".xml") as out:
        fp = libc.fopen(out.name.encode(), b"w")
        if not fp:
            return []
        info(0, fp)
        libc.fclose(fp)
        root = ET.parse(out.name).getroot()
    found = []
    for heap in root.findall("heap"):
        system = sum(int(e.get("size", 0)) for e in heap.findall("system[@type='current']"))
        free = sum(int(e.get("size", 0)) for e in heap.findall("total"))
        found.append((heap.get("nr", "?"), system / 1e6, free / 1e6))
    return found


def _site(traceback: Any) -> str:
    """The newest frame in the cockpit's own code (else the newest frame's file)."""
    for frame in reversed(traceback):
        if "/cockpit/" in frame.filename and "/site-packages/" not in frame.filename:
            return f"{frame.filename.rpartition('/cockpit/')[2]}:{frame.lineno}"
    newest = traceback[-1] if len(traceback) else None
    return f"({Path(newest.filename).name})" if newest else "?"


def strips_held(app: Any) -> str:
    """Which widgets hold Textual's rendered lines (Strips), counting the pieces each
    line keeps of itself once the compositor cut it (`Strip.divide` caches 4 ways)."""
    from textual.cache import FIFOCache, LRUCache
    from textual.dom import DOMNode
    from textual.strip import Strip

    seen: set[int] = set()

    def count(root: Any) -> tuple[int, int]:
        lines = pieces = 0
        todo = [(v, False) for v in vars(root).values()] if hasattr(root, "__dict__") else []
        while todo:
            obj, inside = todo.pop()
            if id(obj) in seen or isinstance(obj, DOMNode | str | bytes | int | float):
                continue
            seen.add(id(obj))
            if isinstance(obj, Strip):
                pieces, lines = (pieces + 1, lines) if inside else (pieces, lines + 1)
                todo += [(getattr(obj, n), True) for n in obj.__slots__ if n.endswith("_cache")
                         and hasattr(obj, n)]
            elif isinstance(obj, LRUCache | FIFOCache):
                todo += [(v, inside) for v in obj._cache.values()]  # noqa: SLF001
            elif isinstance(obj, dict):
                todo += [(v, inside) for v in obj.values()]
            elif isinstance(obj, list | tuple | set):
                todo += [(v, inside) for v in obj]
            elif type(obj).__module__.startswith("textual._"):  # StylesCache, Compositor
                todo += [(v, inside) for v in getattr(obj, "__dict__", {}).values()]
                todo += [(getattr(obj, n), inside) for n in getattr(obj, "__slots__", ())
                         if hasattr(obj, n)]
        return lines, pieces

    held = []
    for node in [app, app.screen, *app.screen.walk_children(with_self=False)]:
        lines, pieces = count(node)
        if lines + pieces:
            held.append((lines + pieces, f"{type(node).__name__}#{node.id or ''} {lines}+{pieces}"))
    held.sort(reverse=True)
    return ", ".join(text for _, text in held[:TOP])


class Growth:
    """What grew between marks: gc object counts and sizes by type, the allocators'
    totals (cheap), and with `frames` tracemalloc snapshots diffed by traceback (slow:
    the cockpit falls behind the simulated clock, and snapshots add to RSS)."""

    def __init__(self, frames: int, trace_from: int = 0) -> None:
        self.tm: Any = None
        self.frames, self.trace_from, self.seen = frames, trace_from, 0
        if frames and not trace_from:
            self._trace()
        self.moved: collections.Counter[str] = collections.Counter()
        self.first: Any = None
        self.last: Any = None
        self.first_types: dict[str, tuple[int, int]] = {}
        self.last_types: dict[str, tuple[int, int]] = {}
        self.first_heap: dict[str, float] = {}
        self.last_heap: dict[str, float] = {}

    def _trace(self) -> None:
        import tracemalloc

        self.tm = tracemalloc
        tracemalloc.start(self.frames)

    def snapshot(self) -> Any:
        tm = self.tm
        return tm.take_snapshot().filter_traces((
            tm.Filter(False, tm.__file__), tm.Filter(False, "<frozen importlib._bootstrap*"),
            tm.Filter(False, "<unknown>"), tm.Filter(False, __file__)))

    @staticmethod
    def types() -> dict[str, tuple[int, int]]:
        """Objects the gc tracks, by type: (count, bytes of the objects themselves)."""
        found: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
        for obj in gc.get_objects():
            entry = found[type(obj).__qualname__]
            entry[0] += 1
            entry[1] += sys.getsizeof(obj, 0)
        return {k: (n, b) for k, (n, b) in found.items()}

    @staticmethod
    def _types_delta(new: dict[str, tuple[int, int]], old: dict[str, tuple[int, int]]) -> str:
        delta = {k: (n - old.get(k, (0, 0))[0], b - old.get(k, (0, 0))[1])
                 for k, (n, b) in new.items()}
        top = sorted(delta.items(), key=lambda kv: -kv[1][1])[:TOP]
        return ", ".join(f"{k} {n:+} ({b / 1e3:+.0f} KB)" for k, (n, b) in top if b > 0)

    @staticmethod
    def containers() -> str:
        """Deques and arrays (buffers of points, lines, events): how many, items held, the
        longest."""
        import array

        sizes: dict[str, list[int]] = {"deque": [], "array": []}
        for obj in gc.get_objects():
            if isinstance(obj, collections.deque):
                sizes["deque"].append(len(obj))
            elif isinstance(obj, array.array):
                sizes["array"].append(len(obj))
        return "; ".join(f"{k}s {len(v)} holding {sum(v)}, longest {sorted(v)[-3:]}"
                         for k, v in sizes.items())

    @staticmethod
    def caches() -> str:
        """The fullest caches: functools' lru_caches (Rich's, Textual's, ours) and Textual's
        LRUCache/FIFOCache, entries/bound, by what they cache."""
        import functools

        found: list[tuple[int, str]] = []
        for obj in gc.get_objects():
            if isinstance(obj, functools._lru_cache_wrapper):  # type: ignore[attr-defined]
                info = obj.cache_info()
                name = f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"
                found.append((info.currsize, f"{name} {info.currsize}/{info.maxsize}"))
            elif type(obj).__name__ in ("LRUCache", "FIFOCache") and len(obj) > 50:
                found.append((len(obj), f"{type(obj).__name__} {len(obj)}/"
                                        f"{getattr(obj, '_maxsize', '?')}"))
        found.sort(reverse=True)
        return ", ".join(text for _, text in found[:TOP])

    def report(self, label: str, app: Any = None) -> None:
        self.seen += 1
        if app is not None:
            print("    strips held (lines+pieces): " + strips_held(app))
            print("    regions changed (times, since start): " + ", ".join(
                f"{k} {v}" for k, v in self.moved.most_common(TOP)))
        if self.frames and self.tm is None and self.seen > self.trace_from:
            self._trace()  # from this mark on: the hours before ran at full speed
            self.first = self.last = self.snapshot()
        types, heap = self.types(), heap_mb()
        print("    caches: " + self.caches())
        print("    buffers: " + self.containers())
        print("    heap: " + ", ".join(f"{k} {v:.1f}" for k, v in heap.items()), flush=True)
        print("    malloc's heaps (system/free MB): " + ", ".join(
            f"{nr}: {system:.1f}/{free:.1f}" for nr, system, free in malloc_arenas()))
        snap = self.snapshot() if self.tm is not None else None
        if self.tm is not None:
            traced, peak = self.tm.get_traced_memory()
            print(f"    traced {traced / 1e6:.1f} MB (peak {peak / 1e6:.1f})")
        if not self.first_types:
            self.first_types, self.first_heap = types, heap
            self.first = self.first if self.first is not None else snap
        else:
            for what, old, old_types, old_heap in (
                    ("since start", self.first, self.first_types, self.first_heap),
                    ("since last mark", self.last, self.last_types, self.last_heap)):
                print(f"    grew {what}: " + ", ".join(
                    f"{k} {v - old_heap.get(k, 0):+.2f}" for k, v in heap.items()))
                print("      objects: " + self._types_delta(types, old_types))
                if snap is None or old is None:
                    continue
                diffs = snap.compare_to(old, "traceback")
                total = sum(d.size_diff for d in diffs)
                print(f"      traced {total / 1e6:+.2f} MB; by the cockpit's line that caused it:")
                by_site: collections.Counter[str] = collections.Counter()
                for d in diffs:
                    by_site[_site(d.traceback)] += d.size_diff
                for site, size in by_site.most_common(TOP):
                    print(f"      {size / 1e3:+9.1f} KB  {site}")
                print("      top by traceback (where allocated < callers):")
                for d in diffs[:TOP]:
                    frames = [f"{Path(f.filename).name}:{f.lineno}" for f in reversed(d.traceback)]
                    print(f"      {d.size_diff / 1e3:+9.1f} KB {d.count_diff:+7} blocks  "
                          + " < ".join(frames))
        self.last, self.last_types, self.last_heap = snap, types, heap
        print(flush=True)
