"""GPU aggregation rules: marks, grouping, summaries, signals, XID events, history."""

from __future__ import annotations

import pytest

from cockpit.model import EventKind, Severity
from cockpit.sources.gpu_model import (
    SIGNALS,
    GpuStat,
    Mark,
    Thresholds,
    UtilHistory,
    XidTracker,
    build_snapshot,
    mark_of,
    summarize,
)

GIB = 1024.0**3


def g(
    node: str, gpu: str, util: float | None, used: float = 10, total: float = 80, **kw
) -> GpuStat:
    return GpuStat(node=node, gpu=gpu, util=util, mem_used=used * GIB, mem_total=total * GIB, **kw)


@pytest.mark.parametrize(
    ("util", "used", "mark"),
    [
        (0.0, 10, Mark.IDLE),
        (0.05, 10, Mark.IDLE),  # at the bound: still idle
        (0.06, 10, Mark.OK),
        (0.94, 10, Mark.OK),
        (0.95, 10, Mark.SATURATED),
        (1.0, 10, Mark.SATURATED),
        (0.5, 78, Mark.SATURATED),  # memory at 97.5%
        (0.0, 78, Mark.SATURATED),  # full memory and still: stuck, not idle
        (None, 10, Mark.UNKNOWN),
        (None, 78, Mark.SATURATED),
    ],
)
def test_marks(util, used, mark):
    assert mark_of(g("n", "0", util, used), Thresholds()) is mark


def test_thresholds_are_configurable():
    t = Thresholds(idle_below=0.2, saturated_above=0.8, mem_saturated_above=0.99)
    assert mark_of(g("n", "0", 0.15), t) is Mark.IDLE
    assert mark_of(g("n", "0", 0.85), t) is Mark.SATURATED
    assert mark_of(g("n", "0", 0.5, used=78), t) is Mark.OK


def test_snapshot_groups_by_node_in_index_order():
    gpus = [
        g("b", "1", 0.5),
        g("a", "10", 0.5),
        g("a", "2", 0.5),
        g("b", "0", 0.5),
        g("a", "0", 0.1),
    ]
    snap = build_snapshot("dcgm", gpus)
    assert [n.node for n in snap.nodes] == ["a", "b"]
    assert [x.gpu for x in snap.nodes[0].gpus] == ["0", "2", "10"]  # numeric, not text, order
    assert [x.label for x in snap.gpus] == ["a/0", "a/2", "a/10", "b/0", "b/1"]
    assert snap.nodes[0].summary.count == 3 and snap.nodes[1].summary.count == 2
    assert snap.total.count == 5


def test_summary_and_signals():
    gpus = [
        g("a", "0", 0.0, used=8, temp=40, power=70),  # idle
        g("a", "1", 0.5, used=40, temp=60, power=400, xid=79),
        g("a", "2", 1.0, used=60, temp=80, power=700),  # saturated
        g("a", "3", None, used=20),  # no util figure
    ]
    snap = build_snapshot("dcgm", gpus)
    s = snap.total
    assert (s.count, s.idle, s.saturated, s.xid_errors) == (4, 1, 1, 1)
    assert s.util_avg == pytest.approx(0.5)  # only GPUs with a figure count
    assert s.util_max == 1.0
    assert s.mem_used_max == pytest.approx(60 / 80)
    assert s.temp_max == 80 and s.power_total == 1170
    sig = snap.signals()
    assert set(sig) == set(SIGNALS)
    assert sig == {
        "gpu.count": 4.0,
        "gpu.util_max": 1.0,
        "gpu.util_avg": pytest.approx(0.5),
        "gpu.mem_used_max": pytest.approx(0.75),
        "gpu.temp_max": 80,
        "gpu.power_total": 1170,
        "gpu.xid_errors": 1.0,
        "gpu.idle": 1.0,
        "gpu.saturated": 1.0,
    }
    line = s.line()
    assert line.split(" · ") == [
        "4 GPUs",
        "util avg 50% max 100%",
        "mem max 75%",
        "80°C max",
        "1.2 kW",
        "1 idle, 1 saturated, 1 XID",
    ]


def test_no_gpus_is_no_data_except_the_count():
    sig = build_snapshot("dcgm", []).signals()
    assert sig["gpu.count"] == 0.0
    assert all(v is None for k, v in sig.items() if k != "gpu.count")
    assert summarize([]).line() == "0 GPUs · util avg - max - · mem max -"


def test_xid_tracker_baseline_then_news():
    t = XidTracker("dcgm")
    assert t.update([g("a", "0", 0.5, xid=13), g("a", "1", 0.5)]) == []  # already there at start
    assert t.update([g("a", "0", 0.5, xid=13), g("a", "1", 0.5)]) == []  # unchanged
    events = t.update(
        [g("a", "0", 0.5, xid=13), g("a", "1", 0.5, xid=79, pod="w-1", namespace="asr")]
    )
    assert len(events) == 1
    e = events[0]
    assert e.kind == EventKind.GPU and e.severity == Severity.ERROR
    assert e.message == "XID 79 on a GPU 1 (pod asr/w-1)"
    assert e.data["xid"] == 79 and e.data["previous_xid"] == 0 and e.data["node"] == "a"
    assert t.update([g("a", "1", 0.5, xid=79)]) == []  # same code again: not news
    assert [x.data["xid"] for x in t.update([g("a", "1", 0.5, xid=48)])] == [48]  # a new code
    assert t.update([g("a", "1", 0.5, xid=0)]) == []  # cleared: nothing to say
    # A GPU first seen after the baseline, already with a code, is news.
    assert [x.data["gpu"] for x in t.update([g("b", "7", 0.5, xid=31)])] == ["7"]


def test_xid_tracker_without_baseline_reports_the_first_look():
    t = XidTracker("nvml", baseline=False)
    assert [e.data["xid"] for e in t.update([g("h", "0", 0.5, xid=43)])] == [43]


def test_util_history_bounded_and_attached():
    h = UtilHistory(points=3)
    h.seed(("a", "0"), [0.1, 0.2])
    out = h.add([g("a", "0", 0.3), g("a", "1", None)])
    assert out[0].history == (0.1, 0.2, 0.3)
    assert out[1].history == ()
    out = h.add([g("a", "0", 0.4)])
    assert out[0].history == (0.2, 0.3, 0.4)
