"""The alerts source against the real Prometheus: a rules file with a firing, a pending
and a quiet alert over backfilled data, and a recording rule."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from cockpit.config import AlertsConfig, PrometheusConfig
from cockpit.gates import parse
from cockpit.sources.alerts import AlertsSource
from tests.support.prom import OpenMetrics, prometheus_server

RULES = """
groups:
- name: asr
  rules:
  - alert: HighErrorRate
    expr: asr_error_ratio > 0.05
    labels: {severity: critical}
    annotations: {summary: "error rate above 5% on {{ $labels.version }}"}
  - alert: SlowP95
    expr: asr_p95_seconds > 1
    for: 1h
    labels: {severity: warning}
  - alert: GpuHot
    expr: asr_gpu_temp > 90
    labels: {severity: critical}
  - record: asr:error_ratio:max
    expr: max(asr_error_ratio)
"""


def data(now: float) -> str:
    om = OpenMetrics()
    grid = [int(now) - 600 + 15 * i for i in range(0, 41)]  # the last 10 minutes
    om.family("asr_error_ratio", "gauge")
    om.series("asr_error_ratio", {"version": "2.4.0"}, [(t, 0.2) for t in grid])
    om.series("asr_error_ratio", {"version": "2.3.1"}, [(t, 0.01) for t in grid])
    om.family("asr_p95_seconds", "gauge").series("asr_p95_seconds", {}, [(t, 1.5) for t in grid])
    om.family("asr_gpu_temp", "gauge").series("asr_gpu_temp", {}, [(t, 70) for t in grid])
    return om.text()


def by_name(readings):
    return {r.name: r for r in readings}


async def test_firing_pending_quiet_and_rules_loaded(tmp_path: Path) -> None:
    with prometheus_server(data(time.time()), tmp_path / "prom", rules=RULES) as server:
        source = AlertsSource(PrometheusConfig(url=server.url), AlertsConfig())
        try:
            got: dict = {}
            for _ in range(100):  # the first rule evaluation is within a second or two
                got = by_name(await source.sample())
                if got["alerts.firing"].value and got["alerts.pending"].value:
                    break
                await asyncio.sleep(0.2)
        finally:
            await source.close()
    assert got["alerts.rules_loaded"].value == 4.0
    assert got["alerts.rules_failing"].value == 0.0
    assert got["alerts.firing"].value == 1.0
    assert got["alerts.pending"].value == 1.0
    assert got["alerts.firing.HighErrorRate"].value == 1.0
    assert got["alerts.firing.GpuHot"].value == 0.0  # loaded but quiet: a real 0
    assert got["alerts.firing.SlowP95"].value == 0.0  # pending is not firing
    assert got["alerts.severity.critical"].value == 1.0
    assert got["alerts.severity.warning"].value == 0.0
    [alert] = got["alerts.firing"].detail["alerts"]
    assert alert["name"] == "HighErrorRate" and alert["severity"] == "critical"
    assert alert["summary"] == "error rate above 5% on 2.4.0"
    assert alert["labels"] == {"version": "2.4.0"}

    def judge(expr: str):
        return parse(expr).evaluate(lambda n: got.get(n, "no reading yet")).status.value

    assert judge("alerts.rules_loaded > 0") == "pass"
    assert judge("alerts.severity.critical == 0") == "fail"
    assert judge("alerts.firing.GpuHot == 0") == "pass"


async def test_unreachable_prometheus_fails_every_signal(tmp_path: Path) -> None:
    from tests.support.prom import free_port

    source = AlertsSource(PrometheusConfig(url=f"http://127.0.0.1:{free_port()}", retries=0),
                          AlertsConfig())
    try:
        got = by_name(await source.sample())
    finally:
        await source.close()
    assert {"alerts.firing", "alerts.rules_loaded", "alerts.severity.critical"} <= set(got)
    assert all(r.value is None and "cannot reach" in r.error for r in got.values())
