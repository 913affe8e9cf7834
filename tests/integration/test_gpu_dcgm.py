"""The DCGM GPU source against a real Prometheus holding backfilled dcgm-exporter series.

2 nodes x 8 GPUs (tests/support/gpu.py), evaluated at fixed instants: the figures,
the grouping by node, the idle/saturated marks, the pods, the XID event and gates
over the signals are asserted exactly.
"""

from __future__ import annotations

import pytest

from cockpit import gates
from cockpit.model import EventKind, Reading, Status
from cockpit.sources.gpu import DETAIL_SIGNAL, GpuSource
from cockpit.sources.gpu_dcgm import DcgmReader
from cockpit.sources.gpu_model import SIGNALS, GpuSnapshot, Mark, Thresholds
from cockpit.sources.prom_api import PromClient
from tests.support.gpu import END, EXPECTED, H100, H100_FB_MIB, MIB, XID_AT, dcgm_openmetrics
from tests.support.prom import free_port, prometheus_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def prom_url(tmp_path_factory):
    with prometheus_server(dcgm_openmetrics(), tmp_path_factory.mktemp("dcgm")) as server:
        yield server.url


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


async def make_source(url: str, clock: Clock, selector: str = "", **kw) -> GpuSource:
    reader = DcgmReader(PromClient(url, retries=0), selector=selector, owns_client=True)
    src = GpuSource(reader, interval=15.0, clock=clock, **kw)
    await src.start()
    return src


def by_name(readings: list[Reading]) -> dict[str, Reading]:
    return {r.name: r for r in readings}


async def test_fleet_figures_groups_and_marks_at_a_fixed_time(prom_url):
    src = await make_source(prom_url, Clock(END), history_points=20)
    try:
        readings = by_name(await src.sample())
    finally:
        await src.close()
    assert set(readings) == set(SIGNALS)
    for name, want in EXPECTED.items():
        r = readings[name]
        assert r.ok and r.at == END, name
        assert r.value == pytest.approx(want), name

    snap = readings[DETAIL_SIGNAL].detail
    assert isinstance(snap, GpuSnapshot) and snap.source == "dcgm"
    assert [n.node for n in snap.nodes] == ["gpu-node-a", "gpu-node-b"]
    assert [[g.gpu for g in n.gpus] for n in snap.nodes] == [[str(i) for i in range(8)]] * 2

    a, b = snap.nodes
    assert a.summary.line() == (
        "8 GPUs · util avg 60% max 98% · mem max 97% · 78°C max · 3.3 kW · 1 idle, 2 saturated"
    )
    assert b.summary.line() == (
        "8 GPUs · util avg 80% max 100% · mem max 86% · 83°C max · 4.5 kW"
        " · 1 idle, 2 saturated, 1 XID"
    )

    marks = {g.label: g.mark for g in snap.gpus if g.mark is not Mark.OK}
    assert marks == {
        "gpu-node-a/3": Mark.SATURATED,
        "gpu-node-a/4": Mark.IDLE,
        "gpu-node-a/6": Mark.SATURATED,  # by memory
        "gpu-node-b/2": Mark.SATURATED,
        "gpu-node-b/5": Mark.IDLE,
        "gpu-node-b/7": Mark.SATURATED,
    }

    a4 = a.gpus[4]
    assert (a4.pod, a4.namespace, a4.container) == ("asr-worker-a4", "asr", "triton")
    assert a4.util == 0.0 and a4.model == H100
    assert a4.mem_used == 38000 * MIB and a4.mem_total == H100_FB_MIB * MIB
    assert a4.temp == 34.0 and a4.power == 72.0 and a4.uuid.startswith("GPU-")
    b5 = b.gpus[5]
    assert (b5.pod, b5.xid) == ("", 79)
    a6 = a.gpus[6]
    assert a6.mem_ratio == pytest.approx(79000 / H100_FB_MIB) and a6.util == pytest.approx(0.8)

    # Sparklines start full: history backfilled from Prometheus at start, then this sample.
    b7 = b.gpus[7]
    assert len(b7.history) == 20 and set(b7.history) == {1.0}
    assert src.history("gpu.util_avg") == [(END, pytest.approx(EXPECTED["gpu.util_avg"]))]


async def test_gates_over_gpu_signals(prom_url):
    src = await make_source(prom_url, Clock(END))
    try:
        readings = by_name(await src.sample())
    finally:
        await src.close()

    def check(expr: str) -> Status:
        return gates.parse(expr).evaluate(lambda n: readings.get(n, "no reading yet")).status

    assert check("gpu.util_max <= 100%") is Status.PASS
    assert check("gpu.util_max < 95%") is Status.FAIL
    assert check("gpu.util_avg > 50% and gpu.util_avg < 80%") is Status.PASS  # 70.0625%
    assert check("gpu.mem_used_max < 90%") is Status.FAIL  # 96.9% on gpu-node-a/6
    assert check("gpu.xid_errors == 0") is Status.FAIL
    assert check("gpu.count >= 16") is Status.PASS
    assert check("gpu.idle == 0") is Status.FAIL
    assert check("gpu.temp_max < 85") is Status.PASS
    result = gates.parse("gpu.util_max < 95%").evaluate(lambda n: readings[n])
    assert "gpu.util_max" in result.detail and "100%" in result.detail


async def test_xid_appearing_writes_exactly_one_event(prom_url):
    clock = Clock(XID_AT - 15)
    src = await make_source(prom_url, clock)
    try:
        before = by_name(await src.sample())
        assert before["gpu.xid_errors"].value == 0.0
        assert src.drain_events() == []

        clock.t = XID_AT
        after = by_name(await src.sample())
        assert after["gpu.xid_errors"].value == 1.0
        events = src.drain_events()
        assert len(events) == 1
        (e,) = events
        assert e.kind == EventKind.GPU and e.severity == "error"
        assert e.message == "XID 79 on gpu-node-b GPU 5"
        assert e.data["node"] == "gpu-node-b" and e.data["gpu"] == "5" and e.data["xid"] == 79

        clock.t = END
        await src.sample()
        assert src.drain_events() == []  # the gauge still says 79: no second event
    finally:
        await src.close()


async def test_selector_and_thresholds(prom_url):
    src = await make_source(
        prom_url,
        Clock(END),
        selector='Hostname="gpu-node-b"',
        thresholds=Thresholds(idle_below=0.05, saturated_above=0.9),
    )
    try:
        readings = by_name(await src.sample())
    finally:
        await src.close()
    snap = readings[DETAIL_SIGNAL].detail
    assert [n.node for n in snap.nodes] == ["gpu-node-b"]
    assert readings["gpu.count"].value == 8.0
    # 91, 97, 93, 90 and 100% are saturated at a 90% bound.
    assert readings["gpu.saturated"].value == 5.0
    assert readings["gpu.util_avg"].value == pytest.approx(
        (88 + 91 + 97 + 93 + 85 + 0 + 90 + 100) / 800
    )


async def test_no_series_is_zero_gpus_and_no_data(prom_url):
    src = await make_source(prom_url, Clock(END), selector='Hostname="no-such-node"')
    try:
        readings = by_name(await src.sample())
    finally:
        await src.close()
    assert readings["gpu.count"].value == 0.0 and readings["gpu.count"].ok
    assert not readings["gpu.util_max"].has_data and readings["gpu.util_max"].ok
    status = gates.parse("gpu.util_max > 10%").evaluate(lambda n: readings[n]).status
    assert status is Status.UNKNOWN


async def test_prometheus_unreachable_fails_every_gpu_signal_with_the_reason():
    url = f"http://127.0.0.1:{free_port()}"
    src = await make_source(url, Clock(END))
    try:
        readings = await src.sample()
    finally:
        await src.close()
    errors = {r.error for r in readings}
    assert len(errors) == 1
    (error,) = errors
    assert error.startswith(f"DCGM metrics from Prometheus: cannot reach {url}")
    assert by_name(readings)[DETAIL_SIGNAL].detail is None
