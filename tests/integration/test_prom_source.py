"""The SLO source against a real Prometheus holding exactly known data."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config import PrometheusConfig
from cockpit.model import EventKind
from cockpit.sources.prom_api import PromClient
from cockpit.sources.prometheus import PrometheusSource, check_queries
from tests.integration import prom_data as d
from tests.support.prom import PromServer, prometheus_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def slo_prom(tmp_path_factory: pytest.TempPathFactory):
    with prometheus_server(d.slo_dataset(), tmp_path_factory.mktemp("prom-slo")) as server:
        yield server


@pytest.fixture(scope="module")
def spike_prom(tmp_path_factory: pytest.TempPathFactory):
    with prometheus_server(d.spike_dataset(), tmp_path_factory.mktemp("prom-spike")) as server:
        yield server


def slo_config(url: str, **extra: object) -> PrometheusConfig:
    return PrometheusConfig.model_validate(
        {
            "url": url,
            "every": "5s",
            "timeout": "5s",
            "queries": {
                "error_rate": {
                    "query": d.ERROR_RATE,
                    "unit": "ratio",
                    "warn": 0.01,
                    "fail": 0.05,
                    "for": "2m",
                    "compare": "1d",
                },
                "error_rate_by_version": {"query": d.ERROR_RATE_BY_VERSION, "unit": "ratio"},
                "p95_latency": {
                    "query": d.P95,
                    "unit": "seconds",
                    "warn": 0.3,
                    "fail": 0.5,
                    "compare": "1d",
                },
                "p99_latency": {"query": d.P99, "unit": "seconds"},
                "request_rate": {"query": d.REQUEST_RATE, "unit": "rate"},
                "active_streams": {"query": d.ACTIVE_STREAMS, "unit": "count"},
                "empty": "sum(rate(no_such_metric_total[5m]))",
                "nan": "vector(0) / vector(0)",
            },
            **extra,
        }
    )


async def sample_at(source: PrometheusSource) -> dict:
    return {r.name: r for r in await source.sample()}


async def test_client_exact_values(slo_prom: PromServer) -> None:
    async with PromClient(slo_prom.url) as client:
        [s] = await client.query(d.ERROR_RATE, time=d.T0)
        assert s.value == pytest.approx(0.02, rel=1e-9)
        [s] = await client.query(d.P95, time=d.T0)
        assert s.value == pytest.approx(0.35, rel=1e-9)
        [s] = await client.query(d.P95, time=d.T0 - d.DAY)
        assert s.value == pytest.approx(0.25, rel=1e-9)
        [s] = await client.query("scalar(sum(asr_active_streams))", time=d.T0)
        assert s.labels == {} and s.value == 42
        rs = await client.query_range(d.REQUEST_RATE, d.T0 - 600, d.T0, 60)
        assert len(rs) == 1 and len(rs[0].points) == 11
        assert all(v == pytest.approx(10.0) for _, v in rs[0].points)


async def test_readings_at_fixed_time(slo_prom: PromServer) -> None:
    source = PrometheusSource(slo_config(slo_prom.url), clock=lambda: float(d.T0))
    await source.start()
    try:
        r = await sample_at(source)
    finally:
        await source.close()

    er = r["error_rate"]
    assert er.ok and er.at == d.T0 and er.unit == "ratio"
    assert er.value == pytest.approx(0.02, rel=1e-9)
    assert er.series == ()
    assert er.detail["compare"]["offset"] == "1d"
    assert er.detail["compare"]["value"] == pytest.approx(0.02, rel=1e-9)
    assert (er.detail["warn"], er.detail["fail"]) == (0.01, 0.05)

    by_version = r["error_rate_by_version"]
    assert by_version.value is None
    assert [(dict(s.labels), round(s.value, 12)) for s in by_version.series] == [
        ({"version": "v2.2"}, 0.01),
        ({"version": "v2.3"}, 0.04),
    ]

    p95 = r["p95_latency"]
    assert p95.value == pytest.approx(0.35, rel=1e-9) and p95.unit == "seconds"
    assert p95.detail["compare"]["value"] == pytest.approx(0.25, rel=1e-9)
    assert r["p99_latency"].value == pytest.approx(0.39, rel=1e-9)
    assert r["request_rate"].value == pytest.approx(10.0, rel=1e-9)
    assert r["active_streams"].value == 42.0

    for name in ("empty", "nan"):  # no data, never 0
        assert r[name].ok and r[name].value is None and not r[name].has_data

    assert source.drain_events() == []  # nothing breached


async def test_history_backfilled_on_start(slo_prom: PromServer) -> None:
    source = PrometheusSource(slo_config(slo_prom.url), clock=lambda: float(d.T0))
    await source.start()
    try:
        history = source.history("p95_latency")
        # 30 minutes at 1800/240 = 7.5 s steps, both ends included
        assert len(history) == 241
        assert history[0][0] == d.T0 - 1800 and history[-1][0] == d.T0
        assert all(v == pytest.approx(0.35) for _, v in history)
        per_version = source.series_history("error_rate_by_version")
        assert sorted(per_version) == ["version=v2.2", "version=v2.3"]
        assert per_version["version=v2.3"][-1][1] == pytest.approx(0.04)
        # the main line of a multi-series signal is its worst series
        assert source.history("error_rate_by_version")[-1][1] == pytest.approx(0.04)
        assert source.history("empty") == []
        await source.sample()
        assert len(source.history("p95_latency")) == 241  # same time: replaced, not doubled
    finally:
        await source.close()


async def test_bad_query_shows_prometheus_error(slo_prom: PromServer) -> None:
    cfg = PrometheusConfig(
        url=slo_prom.url, queries={"broken": "sum(rate(x[5m]", "ok": "vector(1)"}
    )
    source = PrometheusSource(cfg, clock=lambda: float(d.T0))
    try:
        r = await sample_at(source)
    finally:
        await source.close()
    assert r["ok"].value == 1.0
    assert not r["broken"].ok
    assert "parse error" in r["broken"].error
    assert r["broken"].detail["error_kind"] == "bad_query"

    problems = await check_queries(cfg)
    assert len(problems) == 1
    assert problems[0].startswith("prometheus.queries.broken: ")
    assert "parse error" in problems[0]
    assert await check_queries(slo_config(slo_prom.url)) == []


async def test_spike_writes_one_breach_and_one_recover(spike_prom: PromServer) -> None:
    now = [float(d.B + 60)]
    cfg = PrometheusConfig.model_validate(
        {
            "url": spike_prom.url,
            "history": "0s",
            "queries": {
                "error_rate": {
                    "query": d.SPIKE_ERROR_RATE,
                    "unit": "ratio",
                    "fail": 0.05,
                    "for": "2m",
                }
            },
        }
    )
    source = PrometheusSource(cfg, clock=lambda: now[0])
    events = []
    above = []
    try:
        while now[0] <= d.SPIKE_END:
            [reading] = await source.sample()
            assert reading.ok, reading.error
            if reading.value > 0.05:
                above.append(now[0])
            events.extend(source.drain_events())
            now[0] += d.STEP
    finally:
        await source.close()

    # the 30 s blip is above the line for 60 s (< for: 2m): no event
    assert d.B + 600 in above and d.B + 660 in above and d.B + 675 not in above
    assert [e.kind for e in events] == [EventKind.BREACH, EventKind.RECOVER]
    breach, recover = events
    assert breach.at == d.B + 1800 + 120  # above from B+1800, held for 2m
    assert breach.data["pending_since"] == d.B + 1800
    assert recover.at == d.B + 2445  # the last spike step leaves the 1m window
    assert recover.data["value"] == pytest.approx(0.01)


async def test_prometheus_stopped_then_back(tmp_path: Path) -> None:
    with prometheus_server(d.slo_dataset(), tmp_path / "prom") as server:
        cfg = slo_config(server.url, retries=0)
        now = [float(d.T0 - 10)]
        source = PrometheusSource(cfg, clock=lambda: now[0])
        try:
            live = await sample_at(source)
            assert live["error_rate"].ok

            server.stop()
            now[0] = d.T0
            down = await sample_at(source)
            assert down["error_rate"].at == d.T0
            er = down["error_rate"]
            assert not er.ok and er.value is None
            assert "cannot reach" in er.error and er.detail["error_kind"] == "unreachable"
            # the last good value is kept with its own time, never re-stamped as new
            assert er.detail["last_good"]["value"] == pytest.approx(0.02)
            assert er.detail["last_good"]["at"] == d.T0 - 10 == live["error_rate"].at
            assert all(not r.ok for r in down.values())

            server.start()
            back = await sample_at(source)
            assert back["error_rate"].ok
            assert back["error_rate"].value == pytest.approx(0.02, rel=1e-9)
        finally:
            await source.close()
