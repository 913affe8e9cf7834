"""A signal's recent (time, value) points, kept compactly for a long watch.

The engine keeps the last `HISTORY_POINTS` points of every numeric signal (~70 with every
source configured) for sparklines with no history of their own and the drill's report. In
a deque of `(float, float)` tuples a point cost ~110 bytes (a tuple, two floats, a slot):
~2.8 MB once full, most of the first hour's RSS growth in bench_soak. Two arrays of
doubles cost 16 bytes a point (plus a quarter of slack before the oldest are dropped).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable


class PointRing:
    """The last `size` points of one signal, times strictly increasing."""

    __slots__ = ("size", "_t", "_v")

    def __init__(self, size: int, points: Iterable[tuple[float, float]] = ()) -> None:
        self.size = size
        self._t = array("d")
        self._v = array("d")
        for t, v in points:
            self._t.append(t)
            self._v.append(v)
        self._trim(size)

    def append(self, t: float, v: float) -> bool:
        """Add a point newer than the last (an older or same-time one is ignored)."""
        if self._t and t <= self._t[-1]:
            return False
        self._t.append(t)
        self._v.append(v)
        self._trim(self.size + max(16, self.size // 4))
        return True

    def _trim(self, limit: int) -> None:
        """Drop the oldest once past `limit`, in one move (amortized O(1) an append)."""
        if len(self._t) > limit:
            del self._t[: len(self._t) - self.size]
            del self._v[: len(self._v) - self.size]

    def points(self) -> list[tuple[float, float]]:
        start = max(0, len(self._t) - self.size)
        return list(zip(self._t[start:], self._v[start:], strict=True))

    def __len__(self) -> int:
        return min(len(self._t), self.size)
