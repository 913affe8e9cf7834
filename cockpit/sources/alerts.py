"""The `alerts` source: what Prometheus is alerting on, and whether its rules are loaded.

From `/api/v1/alerts` and `/api/v1/rules` of the `prometheus:` section's server:

- `alerts.firing`: how many alerts fire (the list, with severity and summary, rides in
  the reading's detail for the SLO pane); `alerts.pending`: how many wait on `for:`;
- `alerts.firing.NAME`: firing alerts of one alert name, 0 for every alerting rule
  that is loaded but quiet (so `alerts.firing.HighErrorRate == 0` can pass);
- `alerts.severity.SEV`: firing alerts whose severity label is SEV (critical, warning
  and info are always there, 0 when quiet);
- `alerts.rules_loaded`: rules loaded (alerting and recording); `alerts.rules_failing`:
  rules whose last evaluation failed.

Each endpoint's failure fails only its own signals. Names are made safe for gates:
characters other than letters, digits, `_` and `-` become `-`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cockpit.config import AlertsConfig, PrometheusConfig
from cockpit.model import Reading, now
from cockpit.redact import redact
from cockpit.sources.prom_api import PromClient, PromError
from cockpit.views import View, ViewContext

SEVERITIES = ("critical", "warning", "info")
MAX_LISTED = 50  # firing alerts kept in the detail


@dataclass(frozen=True)
class FiringAlert:
    name: str
    severity: str
    summary: str
    active_at: str


@dataclass(frozen=True)
class AlertsView(View):
    """What the SLO pane lists: the firing alerts, most severe first (outside text)."""

    firing: tuple[FiringAlert, ...] = ()
    more: int = 0  # firing beyond those listed
    error: str | None = None  # why the list is unknown
    stale: bool = False


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name).lstrip("_-")[:80] or "unnamed"


class AlertsSource:
    name = "alerts"

    def __init__(self, prom: PrometheusConfig, cfg: AlertsConfig,
                 client: PromClient | None = None) -> None:
        self.prom = prom
        self.cfg = cfg
        self.interval = cfg.every
        self.stale_after = cfg.stale_after or max(3 * cfg.every, cfg.every + prom.timeout)
        self._client = client
        self._rule_names: set[str] = set()

    def signal_patterns(self) -> list[str]:
        return ["alerts.firing", "alerts.firing.*", "alerts.pending", "alerts.severity.*",
                "alerts.rules_loaded", "alerts.rules_failing"]

    def signal_unit(self, name: str) -> str | None:
        return "count"

    async def start(self) -> None:
        if self._client is None:
            from cockpit.sources.prometheus import client_from_config  # noqa: PLC0415

            self._client = client_from_config(self.prom)

    async def sample(self) -> list[Reading]:
        await self.start()
        assert self._client is not None
        out = await self._rules()
        out += await self._alerts()
        return out

    async def _rules(self) -> list[Reading]:
        at = now()
        names = ("alerts.rules_loaded", "alerts.rules_failing")
        try:
            data = await self._client.api_get("/api/v1/rules")  # type: ignore[union-attr]
        except PromError as exc:
            return [Reading(self.name, n, None, at, error=exc.message)
                    for n in names]
        rules = [r for g in _list(data.get("groups")) for r in _list(g.get("rules"))]
        self._rule_names = {safe_name(str(r.get("name", ""))) for r in rules
                            if r.get("type") == "alerting"}
        failing = [r for r in rules if r.get("health") == "err"]
        detail = {"failing": [{"name": str(r.get("name", "")),
                               "error": redact(str(r.get("lastError", "")))[:200]}
                              for r in failing[:MAX_LISTED]]}
        return [Reading(self.name, names[0], float(len(rules)), at),
                Reading(self.name, names[1], float(len(failing)), at,
                        detail=detail)]

    async def _alerts(self) -> list[Reading]:
        at = now()
        try:
            data = await self._client.api_get("/api/v1/alerts")  # type: ignore[union-attr]
        except PromError as exc:
            names = ["alerts.firing", "alerts.pending",
                     *(f"alerts.firing.{n}" for n in sorted(self._rule_names)),
                     *(f"alerts.severity.{s}" for s in SEVERITIES)]
            return [Reading(self.name, n, None, at, error=exc.message)
                    for n in names]
        alerts = [a for a in _list(data.get("alerts"))]
        firing = [a for a in alerts if a.get("state") == "firing"]
        pending = [a for a in alerts if a.get("state") == "pending"]
        per_name = dict.fromkeys(self._rule_names, 0)
        per_sev = dict.fromkeys(SEVERITIES, 0)
        listed = []
        for a in firing:
            labels = a.get("labels") if isinstance(a.get("labels"), dict) else {}
            name = safe_name(str(labels.get("alertname", "")))
            sev = safe_name(str(labels.get(self.cfg.severity_label, "none")).lower())
            per_name[name] = per_name.get(name, 0) + 1
            per_sev[sev] = per_sev.get(sev, 0) + 1
            annotations = a.get("annotations") if isinstance(a.get("annotations"), dict) else {}
            listed.append({
                "name": str(labels.get("alertname", ""))[:120],
                "severity": sev,
                "summary": str(annotations.get("summary") or annotations.get("description")
                               or "")[:200],
                "active_at": str(a.get("activeAt", ""))[:40],
                "labels": {str(k)[:60]: str(v)[:120] for k, v in labels.items()
                           if k not in ("alertname", self.cfg.severity_label)},
            })
        order = {s: i for i, s in enumerate(SEVERITIES)}
        listed.sort(key=lambda x: (order.get(x["severity"], len(order)), x["name"]))
        out = [Reading(self.name, "alerts.firing", float(len(firing)), at,
                       detail={"alerts": listed[:MAX_LISTED], "more": max(0, len(listed)
                                                                            - MAX_LISTED)}),
               Reading(self.name, "alerts.pending", float(len(pending)), at)]
        out += [Reading(self.name, f"alerts.firing.{n}", float(c), at)
                for n, c in sorted(per_name.items())]
        out += [Reading(self.name, f"alerts.severity.{s}", float(c), at)
                for s, c in sorted(per_sev.items())]
        return out

    def view(self, ctx: ViewContext) -> AlertsView:
        r = ctx.readings.get("alerts.firing")
        if r is None:
            return AlertsView(ctx.source, ctx.status, ctx.at, error="no reading yet")
        if r.error is not None:
            return AlertsView(ctx.source, ctx.status, ctx.at, error=r.error)
        detail = r.detail if isinstance(r.detail, dict) else {}
        firing = tuple(FiringAlert(str(a.get("name", "")), str(a.get("severity", "")),
                                   str(a.get("summary", "")), str(a.get("active_at", "")))
                       for a in detail.get("alerts", ()) if isinstance(a, dict))
        return AlertsView(ctx.source, ctx.status, ctx.at, firing=firing,
                          more=int(detail.get("more", 0) or 0),
                          stale=r.age(ctx.at) > self.stale_after)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


def _list(v: Any) -> list[dict[str, Any]]:
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []
