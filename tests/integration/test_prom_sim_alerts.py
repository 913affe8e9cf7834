"""The demo's Prometheus simulator answers /api/v1/rules and /api/v1/alerts in Prometheus's
shapes, read through the real alerts source: an alert fires while its expression is above
its threshold, and stops."""

from __future__ import annotations

from cockpit.config import AlertsConfig, PrometheusConfig
from cockpit.sim.prometheus import AlertRule, PromSim, QueryTable
from cockpit.sources.alerts import AlertsSource


async def test_sim_alerts_follow_their_expression() -> None:
    value = {"err": 0.01}
    table = QueryTable()
    table.add_scalar_expr("error_ratio", lambda t: value["err"])
    table.alerts.append(AlertRule("HighErrorRate", "error_ratio", 0.05, "critical", "too many"))
    table.alerts.append(AlertRule("Broken", "no_such_metric_expression(x)", 1, "warning"))
    with PromSim(table) as sim:
        source = AlertsSource(PrometheusConfig(url=sim.url), AlertsConfig())
        try:
            quiet = {r.name: r for r in await source.sample()}
            value["err"] = 0.2
            loud = {r.name: r for r in await source.sample()}
            value["err"] = 0.0
            again = {r.name: r for r in await source.sample()}
        finally:
            await source.close()
    assert quiet["alerts.rules_loaded"].value == 2.0
    assert quiet["alerts.firing"].value == 0.0 and quiet["alerts.firing.HighErrorRate"].value == 0
    assert loud["alerts.firing"].value == 1.0
    assert loud["alerts.severity.critical"].value == 1.0
    [alert] = loud["alerts.firing"].detail["alerts"]
    assert alert["name"] == "HighErrorRate" and alert["summary"] == "too many"
    assert alert["active_at"].endswith("Z")
    assert again["alerts.firing"].value == 0.0
