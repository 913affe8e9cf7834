"""The engine's 1 s clock re-judges only when time alone can change the judgement (a
reading aging past its stale bound), and still flips the verdict on its own then
(issue 14: re-judging the whole checklist every second when nothing changed)."""

from __future__ import annotations

from cockpit.model import Status, VerdictKind
from tests.unit.test_engine import make, readings


def counting(engine) -> list[int]:
    calls = [0]
    evaluate = engine._evaluate

    def counted(*args, **kwargs):
        calls[0] += 1
        return evaluate(*args, **kwargs)

    engine._evaluate = counted
    return calls


def test_clock_rejudges_only_when_a_reading_can_have_aged_out(tmp_path):
    engine, clock, _ = make(tmp_path)  # the source's stale bound: 15 s
    changes = []
    engine.subscribe(changes.append)
    engine.tick("signoff")
    engine.apply(readings(clock.t), engine.sources[0])
    assert engine.verdict.kind == VerdictKind.GO
    calls = counting(engine)
    for _ in range(15):  # 15 ticks of the clock, every reading still fresh
        clock.t += 1
        engine._clock_tick()
    assert calls[0] == 0
    assert engine.verdict.kind == VerdictKind.GO and engine.verdict.at == clock.t  # judged now
    changes.clear()
    clock.t += 1  # 16 s: past the bound, and nothing else happened
    engine._clock_tick()
    assert calls[0] == 1
    assert engine.verdict.kind == VerdictKind.HOLD  # the verdict changed on its own
    assert [c.kind for c in changes].count("verdict") == 1
    state = engine.item_states()["errors"]
    assert state.status == Status.UNKNOWN and "stale for 16s" in state.detail
    clock.t += 1  # while stale, every second: the age in the reasons moves
    engine._clock_tick()
    assert calls[0] == 2 and "stale for 17s" in engine.item_states()["errors"].detail
    engine.apply(readings(clock.t), engine.sources[0])  # fresh again: GO, and quiet
    assert engine.verdict.kind == VerdictKind.GO
    before = calls[0]
    clock.t += 1
    engine._clock_tick()
    assert calls[0] == before


def test_failed_readings_do_not_keep_the_clock_judging(tmp_path):
    engine, clock, _ = make(tmp_path)
    engine.tick("signoff")
    engine._source_failed(engine.sources[0], "connection refused")
    assert engine.verdict.kind == VerdictKind.HOLD
    calls = counting(engine)
    for _ in range(30):
        clock.t += 1
        engine._clock_tick()
    assert calls[0] == 0 and engine.verdict.kind == VerdictKind.HOLD
