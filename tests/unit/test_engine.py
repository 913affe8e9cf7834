"""Verdict rules, staleness, ticks folded from the log, source failures."""

from __future__ import annotations

import asyncio

import pytest

from cockpit.config import load_config
from cockpit.engine import Engine
from cockpit.model import EventKind, Reading, Status, VerdictKind
from cockpit.store.sqlite import SqliteStore
from tests.support.chaos import until
from tests.support.launch import FakeSource, write_launch

CHECKLIST = """
title: t
sections:
  - title: SLO
    items:
      - {id: errors, text: Error rate below 1%, auto: "error_rate < 1%"}
      - {id: p95, text: p95 below 500 ms, auto: "p95_latency < 500ms"}
      - {id: signoff, text: Product signs off, owner: pm}
      - {id: nice, text: Optional, required: false}
"""


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def make(tmp_path, source=None, clock=None):
    config = load_config(write_launch(tmp_path, CHECKLIST))
    clock = clock or Clock()
    store = SqliteStore(config.store_path())
    src = source or FakeSource("prom", ["error_rate", "p95_latency"], [[]], stale_after=15)
    return Engine(config, store, [src], clock=clock, author="alice@bastion"), clock, store


def readings(at, err=0.002, p95=0.3):
    return [Reading("prom", "error_rate", err, at), Reading("prom", "p95_latency", p95, at)]


def test_go_only_when_every_required_item_passes(tmp_path):
    engine, clock, _ = make(tmp_path)
    engine.apply(readings(clock.t), engine.sources[0])
    assert engine.verdict.kind == VerdictKind.HOLD  # signoff not ticked yet
    assert [s.item_id for s in engine.verdict.unknown] == ["signoff"]
    engine.tick("signoff", "looks good")
    assert engine.verdict.kind == VerdictKind.GO  # the optional item does not matter


def test_no_go_names_the_failing_item_and_value(tmp_path):
    engine, clock, _ = make(tmp_path)
    engine.tick("signoff")
    engine.apply(readings(clock.t, err=0.021), engine.sources[0])
    assert engine.verdict.kind == VerdictKind.NO_GO
    (failing,) = engine.verdict.failing
    assert failing.item_id == "errors"
    assert "2.1%" in failing.detail and "1%" in failing.detail


def test_stale_reading_is_hold_never_go(tmp_path):
    engine, clock, _ = make(tmp_path)
    engine.tick("signoff")
    engine.apply(readings(clock.t), engine.sources[0])
    assert engine.verdict.kind == VerdictKind.GO
    clock.t += 16  # past the source's 15 s staleness bound
    engine._evaluate()
    assert engine.verdict.kind == VerdictKind.HOLD
    state = engine.item_states()["errors"]
    assert state.status == Status.UNKNOWN and "stale for 16s" in state.detail
    assert engine.source_status("prom").state == "stale"


def test_a_sample_that_says_again_what_was_known_is_not_judged_again(tmp_path):
    """The checklist is re-judged when a value, an error or freshness changed, not for a
    sample that repeats the last one (most samples of a steady launch): the item states
    are the very same object, the verdict stands with a new time."""
    engine, clock, _ = make(tmp_path)
    engine.tick("signoff")
    src = engine.sources[0]
    engine.apply(readings(clock.t), src)
    states, verdict = engine.item_states(), engine.verdict
    clock.t += 5
    engine.apply(readings(clock.t), src)
    assert engine.item_states() is states, "re-judged a sample that changed nothing"
    assert engine.verdict.kind == verdict.kind and engine.verdict.at == clock.t
    clock.t += 5
    engine.apply(readings(clock.t, err=0.021), src)  # a value moved: judged
    assert engine.item_states() is not states and engine.verdict.kind == VerdictKind.NO_GO
    states = engine.item_states()
    clock.t += 5
    engine.apply([Reading("prom", "error_rate", 0.021, clock.t, error="boom"),
                  Reading("prom", "p95_latency", 0.3, clock.t)], src)  # an error: judged
    assert engine.item_states() is not states and engine.verdict.kind == VerdictKind.HOLD


def test_a_moved_reading_rejudges_only_the_items_that_read_it(tmp_path):
    """A sample that moves one signal (a latency, an error rate) re-judges the items whose
    gates read it; the others' states stand (the very same objects), and the verdict is
    drawn from all of them. An item reading a signal with no reading yet is judged again
    each time (why it has none may come with other signals)."""
    checklist = CHECKLIST.replace(
        '      - {id: signoff,',
        '      - {id: queue, text: Queue drains, auto: "queue_depth < 10"}\n'
        '      - {id: signoff,')
    config = load_config(write_launch(tmp_path, checklist))
    clock = Clock()
    src = FakeSource("prom", ["error_rate", "p95_latency", "queue_depth"], [[]], stale_after=15)
    engine = Engine(config, SqliteStore(config.store_path()), [src], clock=clock, author="a")
    engine.tick("signoff")
    engine.apply(readings(clock.t), src)
    before = engine.item_states()
    assert "no reading yet" in before["queue"].detail and engine.verdict.kind == VerdictKind.HOLD
    clock.t += 5
    engine.apply(readings(clock.t, err=0.021), src)
    after = engine.item_states()
    assert after is not before and after["errors"] is not before["errors"]
    assert after["errors"].status == Status.FAIL and engine.verdict.kind == VerdictKind.NO_GO
    assert after["p95"] is before["p95"], "p95_latency did not move: p95 stands"
    assert after["signoff"] is before["signoff"]
    assert after["queue"] is not before["queue"], "no reading: judged again"
    assert before["errors"].status == Status.PASS, "the earlier states are left as they were"
    clock.t += 5
    engine.apply(readings(clock.t) + [Reading("prom", "queue_depth", 3.0, clock.t)], src)
    assert engine.verdict.kind == VerdictKind.GO
    assert list(engine.item_states()) == list(before), "items keep the checklist's order"


def test_a_moved_reading_after_another_aged_out_judges_every_item(tmp_path):
    """Only the moved signal's items are judged, unless a reading may have aged past its
    bound since the last judgement: then all are (the clock would within a second)."""
    engine, clock, _ = make(tmp_path)
    engine.tick("signoff")
    src = engine.sources[0]
    engine.apply(readings(clock.t), src)
    clock.t += 16  # p95_latency is stale now, and the clock has not ticked
    engine.apply([Reading("prom", "error_rate", 0.003, clock.t)], src)
    state = engine.item_states()["p95"]
    assert state.status == Status.UNKNOWN and "stale for 16s" in state.detail
    assert engine.verdict.kind == VerdictKind.HOLD


def test_a_stale_reading_sampled_again_unchanged_is_judged_again(tmp_path):
    """Freshness is part of the judgement: the same value after the reading went stale
    (and before the clock re-judged) turns HOLD back to GO."""
    engine, clock, _ = make(tmp_path)
    engine.tick("signoff")
    src = engine.sources[0]
    engine.apply(readings(clock.t), src)
    clock.t += 16
    engine._evaluate()
    assert engine.verdict.kind == VerdictKind.HOLD
    engine.apply(readings(clock.t), src)
    assert engine.verdict.kind == VerdictKind.GO
    clock.t += 16  # stale again, the clock has not ticked yet: the sample sees it
    engine.apply(readings(clock.t), src)
    assert engine.verdict.kind == VerdictKind.GO and engine.item_states()["errors"].status == (
        Status.PASS)


def test_stale_failing_value_is_unknown_not_no_go(tmp_path):
    engine, clock, _ = make(tmp_path)
    engine.tick("signoff")
    engine.apply(readings(clock.t, err=0.5), engine.sources[0])
    assert engine.verdict.kind == VerdictKind.NO_GO
    clock.t += 60
    engine._evaluate()
    assert engine.verdict.kind == VerdictKind.HOLD


def test_failed_reading_is_unknown(tmp_path):
    engine, clock, _ = make(tmp_path)
    engine.tick("signoff")
    engine.apply([Reading("prom", "error_rate", None, clock.t, error="HTTP 503"),
                  Reading("prom", "p95_latency", 0.1, clock.t)], engine.sources[0])
    assert engine.verdict.kind == VerdictKind.HOLD
    assert "HTTP 503" in engine.item_states()["errors"].detail


def test_no_data_is_unknown_never_zero(tmp_path):
    engine, clock, _ = make(tmp_path)
    engine.tick("signoff")
    engine.apply([Reading("prom", "error_rate", float("nan"), clock.t),
                  Reading("prom", "p95_latency", 0.1, clock.t)], engine.sources[0])
    assert engine.item_states()["errors"].status == Status.UNKNOWN
    assert engine.verdict.kind == VerdictKind.HOLD


def test_ticks_survive_a_restart_and_untick(tmp_path):
    engine, clock, store = make(tmp_path)
    engine.tick("signoff", "ok by pm")
    store.close()
    again, _, store2 = make(tmp_path)
    state = again.item_states()["signoff"]
    assert state.status == Status.PASS
    assert state.ticked_by == "alice@bastion" and state.comment == "ok by pm"
    again.untick("signoff", "reopened")
    assert again.item_states()["signoff"].status == Status.UNTICKED
    kinds = [e.kind for e in store2.events()]
    assert kinds.count(EventKind.TICK) == 1 and kinds.count(EventKind.UNTICK) == 1


def test_auto_items_cannot_be_ticked_by_hand(tmp_path):
    engine, _, _ = make(tmp_path)
    with pytest.raises(ValueError, match="live signal"):
        engine.tick("errors")


async def test_verdict_changes_are_events_once_sources_have_spoken(tmp_path):
    src = FakeSource("prom", ["error_rate", "p95_latency"],
                     [readings(1.0), readings(1.0, err=0.3)], interval=0.01, stale_after=1e9)
    engine, clock, store = make(tmp_path, source=src)
    engine.tick("signoff")
    await engine.start()
    for _ in range(200):
        await asyncio.sleep(0.01)
        verdicts = [e.data["verdict"] for e in store.events(kinds=[EventKind.VERDICT])]
        if "NO-GO" in verdicts:
            break
    await engine.stop()
    verdicts = [e.data["verdict"] for e in store.events(kinds=[EventKind.VERDICT])]
    assert verdicts == ["GO", "NO-GO"]  # no HOLD logged while the source was starting
    nogo = store.events(kinds=[EventKind.VERDICT])[-1]
    assert nogo.data["failing"][0]["item"] == "errors"


async def test_a_failing_source_degrades_only_itself(tmp_path):
    src = FakeSource("prom", ["error_rate", "p95_latency"],
                     [readings(1.0), RuntimeError("connection reset"), readings(1.0)],
                     interval=0.01, stale_after=1e9)
    engine, clock, store = make(tmp_path, source=src)
    await engine.start()
    for _ in range(300):
        await asyncio.sleep(0.01)
        msgs = [e.message for e in store.events(kinds=[EventKind.SOURCE])]
        if any("is back" in m for m in msgs):
            break
    await engine.stop()
    msgs = [e.message for e in store.events(kinds=[EventKind.SOURCE])]
    assert msgs == ["prom failed: RuntimeError: connection reset", "prom is back"]


def test_event_ids_make_replays_idempotent(tmp_path):
    engine, _, store = make(tmp_path)
    event = engine.note("first responder paged")
    assert engine.record(event) is False
    assert [e.id for e in store.events(kinds=[EventKind.NOTE])] == [event.id]


ROLLOUT = """
title: t
sections:
  - title: Rollout
    items:
      - id: rollout
        text: Rollout complete
        auto: "rollout.complete and not rollout.stalled"
        pending_while: "not rollout.complete and not rollout.stalled"
      - {id: crash, text: No crash loops, auto: "pods.crashlooping == 0"}
"""


def kube(at, complete, stalled, crash=0):
    return [Reading("kube", "rollout.complete", complete, at),
            Reading("kube", "rollout.stalled", stalled, at),
            Reading("kube", "pods.crashlooping", float(crash), at)]


def test_a_progressing_rollout_holds_a_stalled_one_fails(tmp_path):
    config = load_config(write_launch(tmp_path, ROLLOUT))
    src = FakeSource("kube", ["rollout.*", "pods.*"], [[]])
    clock = Clock()
    engine = Engine(config, SqliteStore(config.store_path()), [src], clock=clock)
    engine.apply(kube(clock.t, complete=False, stalled=False), src)
    assert engine.verdict.kind == VerdictKind.HOLD  # rolling: "not yet", not NO-GO
    assert engine.item_states()["rollout"].detail.startswith("not yet (not rollout.complete")
    engine.apply(kube(clock.t, complete=False, stalled=True), src)
    assert engine.verdict.kind == VerdictKind.NO_GO  # ProgressDeadlineExceeded
    engine.apply(kube(clock.t, complete=False, stalled=False, crash=1), src)
    assert engine.verdict.kind == VerdictKind.NO_GO  # a crash loop is never "not yet"
    assert [s.item_id for s in engine.verdict.failing] == ["crash"]
    engine.apply(kube(clock.t, complete=True, stalled=False), src)
    assert engine.verdict.kind == VerdictKind.GO


# ------------------------------------------------------------------ never GO while blind


def test_a_checklist_with_no_required_item_is_never_go(tmp_path):
    for checklist in ("title: t\nsections: []\n",
                      "title: t\nsections:\n  - title: s\n    items:\n"
                      "      - {id: e, text: E, auto: 'error_rate < 1%', required: false}\n"):
        config = load_config(write_launch(tmp_path, checklist))
        src = FakeSource("prom", ["error_rate"], [[]], stale_after=15)
        engine = Engine(config, SqliteStore(config.store_path()), [src], clock=Clock(),
                        author="alice@bastion")
        engine._source_failed(src, "connection refused")  # its only source is down
        assert engine.verdict.kind == VerdictKind.HOLD
        (why,) = engine.verdict.unknown
        assert why.item_id == "(blind)" and "no required item" in why.detail
        engine.apply([Reading("prom", "error_rate", 0.001, engine.clock())], src)
        assert engine.verdict.kind == VerdictKind.HOLD  # still nothing to call GO on


def test_ticked_manual_items_are_not_go_while_every_source_is_down(tmp_path):
    checklist = "title: t\nsections:\n  - title: s\n    items:\n      - {id: ok, text: OK}\n"
    config = load_config(write_launch(tmp_path, checklist))
    src = FakeSource("prom", ["error_rate"], [[]], stale_after=15)
    clock = Clock()
    engine = Engine(config, SqliteStore(config.store_path()), [src], clock=clock,
                    author="alice@bastion")
    engine.tick("ok")
    assert engine.verdict.kind == VerdictKind.HOLD  # not heard from the source yet
    engine._source_failed(src, "connection refused")
    assert engine.verdict.kind == VerdictKind.HOLD
    assert "no source is live" in engine.verdict.unknown[0].detail
    engine.apply([Reading("prom", "error_rate", 0.001, clock.t)], src)
    engine._set_source_error(src, None)  # what _sample does after a good answer
    assert engine.verdict.kind == VerdictKind.GO
    clock.t += 16  # its reading goes stale: blind again
    engine._evaluate()
    assert engine.verdict.kind == VerdictKind.HOLD


async def test_the_running_clock_turns_a_blind_go_into_hold(tmp_path):
    # Only manual items (all ticked): no gate reads the source, yet when its only
    # reading goes stale the engine's own clock must make the verdict HOLD.
    import time

    checklist = "title: t\nsections:\n  - title: s\n    items:\n      - {id: ok, text: OK}\n"
    config = load_config(write_launch(tmp_path, checklist))
    frozen = [Reading("prom", "error_rate", 0.001, time.time())]  # answered once, then same
    src = FakeSource("prom", ["error_rate"], [frozen], interval=0.1, stale_after=0.5)
    engine = Engine(config, SqliteStore(config.store_path()), [src], author="alice@bastion")
    engine.tick("ok")
    await engine.start()
    try:
        await until(lambda: engine.verdict.kind == VerdictKind.GO, 10, "GO while it is fresh")
        await until(lambda: engine.verdict.kind == VerdictKind.HOLD, 10, "HOLD once stale")
        assert "no source is live" in engine.verdict.unknown[0].detail
    finally:
        await engine.stop()


def test_quiet_until_is_when_the_first_reading_goes_stale(tmp_path):
    """The screen's clock pass skips panes until then (ui/panes/base.py): it is the
    earliest a reading goes past its bound, a failed one too (its source's state turns
    stale), and now while one is past it."""
    engine, clock, _ = make(tmp_path)  # the source's bound: 15 s
    assert engine.quiet_until() == float("inf")  # nothing read: nothing can age
    src = engine.sources[0]
    engine.apply(readings(clock.t), src)
    assert engine.quiet_until() == clock.t + 15
    clock.t += 10
    engine.apply([Reading("prom", "error_rate", None, clock.t, error="timeout")], src)
    assert engine.quiet_until() == clock.t - 10 + 15, "p95_latency, read 10 s ago, goes first"
    clock.t += 6  # p95_latency is 16 s old: stale now
    assert engine.quiet_until() == clock.t
    engine.apply(readings(clock.t), src)
    assert engine.quiet_until() == clock.t + 15
