"""The SLO source under the real engine: verdict GO, Prometheus stops (HOLD), comes back."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.checklist import load_checklist
from cockpit.config import LaunchConfig
from cockpit.engine import Engine
from cockpit.model import EventKind, Status, VerdictKind
from cockpit.sources.prometheus import PrometheusSource
from cockpit.store.sqlite import SqliteStore
from tests.integration import prom_data as d
from tests.support.prom import prometheus_server

pytestmark = pytest.mark.integration

CHECKLIST = """\
title: SLO gates
sections:
  - title: Service level
    items:
      - {id: errors, text: Error rate below 5%, auto: "error_rate < 5%"}
      - {id: latency, text: p95 below 500 ms, auto: "p95_latency < 500ms"}
      - {id: canary, text: Worst version below 5%, auto: "max(error_rate_by_version) < 5%"}
"""


def launch_config(tmp_path: Path, url: str) -> LaunchConfig:
    checklist = tmp_path / "checklist.yaml"
    checklist.write_text(CHECKLIST)
    return LaunchConfig.model_validate(
        {
            "launch": "asr test",
            "checklist": str(checklist),
            "prometheus": {
                "url": url,
                "every": "5s",
                "timeout": "5s",
                "retries": 0,
                "queries": {
                    "error_rate": {"query": d.ERROR_RATE, "unit": "ratio", "fail": 0.05},
                    "error_rate_by_version": {"query": d.ERROR_RATE_BY_VERSION, "unit": "ratio"},
                    "p95_latency": {"query": d.P95, "unit": "seconds", "fail": 0.5},
                },
            },
        }
    )


async def test_verdict_follows_prometheus_outage(tmp_path: Path) -> None:
    with prometheus_server(d.slo_dataset(), tmp_path / "prom") as server:
        config = launch_config(tmp_path, server.url)
        now = [float(d.T0 - 60)]
        clock = lambda: now[0]  # noqa: E731
        assert config.prometheus is not None
        source = PrometheusSource(config.prometheus, clock=clock)
        store = SqliteStore(tmp_path / "events.db")
        engine = Engine(
            config, store, sources=[source], checklist=load_checklist(config.checklist), clock=clock
        )
        try:
            await engine.sample_now("prometheus")
            states = engine.item_states()
            assert {k: s.status for k, s in states.items()} == {
                "errors": Status.PASS,
                "latency": Status.PASS,
                "canary": Status.PASS,
            }
            assert engine.verdict.kind is VerdictKind.GO

            # No new sample for longer than stale_after: stale, shown with its age.
            now[0] += source.stale_after + 7
            assert str(engine.resolve("error_rate")).startswith("stale for")
            engine._evaluate()  # what the engine's once-a-second clock task does
            assert engine.verdict.kind is VerdictKind.HOLD
            assert "stale for" in engine.item_states()["errors"].detail

            server.stop()
            now[0] = float(d.T0)
            await engine.sample_now("prometheus")
            states = engine.item_states()
            assert all(s.status is Status.UNKNOWN for s in states.values())
            assert "cannot reach" in states["errors"].detail
            assert engine.verdict.kind is VerdictKind.HOLD
            assert engine.source_status("prometheus").state == "error"

            server.start()
            await engine.sample_now("prometheus")
            assert engine.verdict.kind is VerdictKind.GO
            assert engine.source_status("prometheus").state == "live"
            kinds = [e.kind for e in store.events(kinds=[EventKind.SOURCE])]
            assert kinds == [EventKind.SOURCE, EventKind.SOURCE]  # failed, back
        finally:
            await source.close()


def test_validate_online_reports_bad_promql(tmp_path: Path) -> None:
    from cockpit.commands.validate import problems_in

    with prometheus_server(d.slo_dataset(), tmp_path / "prom") as server:
        config = launch_config(tmp_path, server.url)
        assert config.prometheus is not None
        queries = dict(config.prometheus.queries)
        queries["broken"] = "histogram_quantile(0.95, sum by (le) (rate(x[5m]))"
        config = config.model_copy(
            update={"prometheus": config.prometheus.model_copy(update={"queries": queries})}
        )
        offline, _ = problems_in(config, online=False)
        assert offline == []
        problems, checked = problems_in(config, online=True)
    assert len(problems) == 1
    assert problems[0].startswith("prometheus.queries.broken: ")
    assert "parse error" in problems[0]
    assert "online checks" in checked
