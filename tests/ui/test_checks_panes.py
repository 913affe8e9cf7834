"""The SLO pane lists firing alerts under its queries, and the verdict banner names the
running release: drawn from hand-made views (the alerts source's own `view(ctx)`) at
80x24 and 200x60; alert text from Prometheus is shown literally."""

from __future__ import annotations

import datetime as dt

import pytest

from cockpit.config import AlertsConfig, PrometheusConfig, ReleaseConfig
from cockpit.model import ItemState, Reading, Status, Verdict, VerdictKind
from cockpit.sources.alerts import AlertsSource
from cockpit.sources.prom_view import SignalView, SloView
from cockpit.sources.release import running_text
from cockpit.ui.panes.slo import SloPane, alert_lines
from cockpit.ui.panes.verdict import VerdictPane
from cockpit.views import SourceStatus, VerdictView
from tests.support.panes import PaneApp, context
from tests.support.ui import screen_text

SIZES = [(80, 24), (200, 60)]
NOW = 1_800_000_000.0


def alerts_view(alerts: list[dict], at: float = NOW, age: float = 2.0):
    source = AlertsSource(PrometheusConfig(url="http://127.0.0.1:1"), AlertsConfig(every=15))
    firing = Reading("alerts", "alerts.firing", float(len(alerts)), at - age,
                     detail={"alerts": alerts, "more": 0})
    return source.view(context("alerts", [firing], at=at))


def slo_view(alerts) -> SloView:
    er = Reading("prometheus", "error_rate", 0.012, NOW - 1, unit="ratio", detail={"fail": 0.05})
    sig = SignalView("error_rate", er, (), {}, 15.0, NOW)
    return SloView("prometheus", SourceStatus("live", age=1.0), NOW, signals=(sig,), alerts=alerts)


FIRING = [
    {"name": "HighErrorRate", "severity": "critical", "summary": "error rate [bold]5%[/] up",
     "active_at": "2027-01-15T08:00:00Z", "labels": {}},
    {"name": "HighLatencyP95", "severity": "warning", "summary": "p95 above 1 s",
     "active_at": "2027-01-15T08:01:00Z", "labels": {}},
]


@pytest.mark.parametrize("size", SIZES)
async def test_slo_pane_lists_firing_alerts(size) -> None:
    pane = SloPane(id="slo", configured=True)
    async with PaneApp(pane, slo_view(alerts_view(FIRING))).run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(pilot.app)
    assert "error rate" in text
    assert "2 alerts firing" in text
    assert "critical HighErrorRate: error rate [bold]5%[/] up" in text  # literal, not markup
    assert "warning HighLatencyP95" in text


async def test_slo_pane_quiet_alerts_add_nothing_and_a_failed_list_says_so() -> None:
    quiet = alert_lines(alerts_view([]), 80, 5)
    assert quiet == []
    source = AlertsSource(PrometheusConfig(url="http://127.0.0.1:1"), AlertsConfig())
    failed = source.view(context("alerts", [Reading("alerts", "alerts.firing", None, NOW,
                                                    error="cannot reach")], at=NOW))
    assert [t.plain for t in alert_lines(failed, 80, 5)] == ["alerts: cannot reach"]
    stale = alert_lines(alerts_view(FIRING, age=600), 80, 5)
    assert "(stale)" in stale[0].plain
    crowded = alert_lines(alerts_view(FIRING * 3), 80, 3)
    assert [t.plain.strip() for t in crowded][-1] == "+5 more" and len(crowded) == 3


def test_running_text() -> None:
    def r(name, value, age=1.0, **kw):
        return Reading("release", name, value, NOW - age, **kw)

    readings = {"release.app_version": r("release.app_version", "2.4.0"),
                "release.revision": r("release.revision", 5.0),
                "release.status": r("release.status", "deployed")}
    assert running_text(readings, NOW, 30) == "running 2.4.0 (rev 5, deployed)"
    stale = {**readings, "release.app_version": r("release.app_version", "2.4.0", age=300)}
    assert running_text(stale, NOW, 30) == "release: stale for 300s", "never shown as current"
    failed = {"release.app_version": r("release.app_version", None, error="helm: not found")}
    assert running_text(failed, NOW, 30) == "release: unknown"
    assert running_text({}, NOW, ReleaseConfig().every) == ""


@pytest.mark.parametrize("size", [(120, 30), (200, 60)])
async def test_banner_names_the_running_version(size) -> None:
    waiting = (ItemState("deploy", Status.UNKNOWN, True, detail="not yet"),)
    view = VerdictView(Verdict(VerdictKind.HOLD, (), waiting, NOW), "asr 2.4.0 launch",
                       {"deploy": "Release 2.4.0 deployed"},
                       dt.datetime.fromtimestamp(NOW - 65, dt.UTC), None, NOW,
                       release="running 2.4.0 (rev 5, deployed)")
    async with PaneApp(VerdictPane(id="verdict", configured=True), view).run_test(
            size=size) as pilot:
        await pilot.pause()
        text = screen_text(pilot.app)
    assert "running 2.4.0 (rev 5, deployed)" in text
    assert "T+1m since window opened" in text


@pytest.mark.parametrize("size", SIZES)
async def test_the_signals_strip_counts_firing_alerts(size) -> None:
    """The compact layout's strip said `alerts -` while two alerts fired (the demo's
    fault): a captain reads that as none."""
    from cockpit.ui.panes.signals import SignalsPane, checks_line
    from cockpit.views import SignalsView

    pane = SignalsPane(id="signals", configured=True)
    view = SignalsView(views=(alerts_view(FIRING),))
    async with PaneApp(pane, view).run_test(size=size) as pilot:
        await pilot.pause()
        text = screen_text(pilot.app)
    assert "alerts 2 firing" in text
    assert checks_line([alerts_view([])])[0] == "alerts 0 firing"
    assert checks_line([alerts_view(FIRING, age=600)])[0] == "alerts 2 firing (stale)"
    source = AlertsSource(PrometheusConfig(url="http://127.0.0.1:1"), AlertsConfig())
    failed = source.view(context("alerts", [Reading("alerts", "alerts.firing", None, NOW,
                                                    error="cannot reach")], at=NOW))
    assert checks_line([failed])[0] == "alerts ?"
