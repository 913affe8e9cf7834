"""The engine's per-signal history: bounded by count, newest kept, compact (a long watch
must cost what its first half hour does)."""

from __future__ import annotations

import gc
import tracemalloc

from cockpit.config import load_config
from cockpit.engine import Engine
from cockpit.engine.change import HISTORY_POINTS
from cockpit.engine.history import PointRing
from cockpit.model import Reading
from cockpit.store.sqlite import SqliteStore
from tests.support.launch import FakeSource, write_launch

CHECKLIST = """
title: t
sections:
  - title: S
    items:
      - {id: s0, text: signal 0 low, auto: "s0 < 5"}
"""


def test_ring_keeps_the_newest_points_in_order_and_no_more() -> None:
    ring = PointRing(10)
    for i in range(1000):
        assert ring.append(float(i), i * 0.5)
        assert len(ring) == min(i + 1, 10)
        assert len(ring._t) <= 10 + 16  # noqa: SLF001 - the slack before a trim is bounded
    assert ring.points() == [(float(i), i * 0.5) for i in range(990, 1000)]


def test_ring_ignores_a_point_not_newer_than_the_last() -> None:
    ring = PointRing(5, [(1.0, 1.0), (2.0, 2.0)])
    assert not ring.append(2.0, 9.0)
    assert not ring.append(1.5, 9.0)
    assert ring.append(3.0, 3.0)
    assert ring.points() == [(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]


def test_ring_backfill_longer_than_its_size_keeps_the_end() -> None:
    ring = PointRing(3, [(float(i), float(i)) for i in range(10)])
    assert ring.points() == [(7.0, 7.0), (8.0, 8.0), (9.0, 9.0)]


def _engine(tmp_path, signals: list[str]) -> tuple[Engine, FakeSource]:
    config = load_config(write_launch(tmp_path, CHECKLIST))
    source = FakeSource("fake", signals, [[]])
    return Engine(config, SqliteStore(config.store_path()), [source], clock=lambda: 1e9,
                  author="alice@bastion"), source


def test_engine_history_is_the_last_points_of_each_numeric_signal(tmp_path) -> None:
    engine, source = _engine(tmp_path, ["s0", "up", "text"])
    for i in range(3 * HISTORY_POINTS):
        engine.apply([Reading("fake", "s0", float(i % 7), 1e9 + i),
                      Reading("fake", "up", i % 2 == 0, 1e9 + i),
                      Reading("fake", "text", "v1", 1e9 + i)], source)
    first = 2 * HISTORY_POINTS
    assert engine.history("s0") == [(1e9 + i, float(i % 7)) for i in range(first, 3 * first // 2)]
    assert engine.history("up")[-1] == (1e9 + 3 * HISTORY_POINTS - 1, 0.0)
    assert engine.history("text") == [] and engine.history("nothing") == []


def test_engine_history_costs_a_few_bytes_a_point(tmp_path) -> None:
    """Filling every signal's history: what stays allocated, per point. A deque of
    (float, float) tuples held ~110 bytes a point (~2.8 MB for the ~70 numeric signals of
    a fully configured launch); two arrays of doubles hold 16, plus their slack."""
    names = [f"s{i}" for i in range(20)]
    engine, source = _engine(tmp_path, names)
    rounds = [[Reading("fake", n, i * 0.25 + k, 1e9 + i) for k, n in enumerate(names)]
              for i in range(HISTORY_POINTS + 1)]
    engine.apply(rounds[0], source)  # every signal's first point, the dicts made
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for batch in rounds[1:]:
            engine.apply(batch, source)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert all(len(engine.history(n)) == HISTORY_POINTS for n in names)
    per_point = kept / (len(names) * HISTORY_POINTS)
    assert per_point < 40, f"{per_point:.0f} bytes a point"
