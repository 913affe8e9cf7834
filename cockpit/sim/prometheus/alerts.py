"""The sim's alerting: `AlertRule`s evaluated at a time, answered as Prometheus's
`/api/v1/rules` and `/api/v1/alerts`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from cockpit.sim.prometheus.api import format_value, success_data
from cockpit.sim.prometheus.query import AlertRule, Evaluator, Labels, QueryError, Sample


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def alert_states(ev: Evaluator, now: float, since: dict[str, float]
                 ) -> list[tuple[AlertRule, list[Sample]]]:
    """Each rule with its firing series at `now`; `since` keeps when each began firing."""
    out = []
    for rule in ev.table.alerts:
        try:
            kind, result = ev.instant(rule.expr, now)
        except QueryError:
            out.append((rule, []))
            continue
        samples = [({}, float(result))] if kind == "scalar" else result
        firing = [(labels, v) for labels, v in samples
                  if isinstance(v, float) and not math.isnan(v) and v > rule.above]
        if firing:
            since.setdefault(rule.name, now)
        else:
            since.pop(rule.name, None)
        out.append((rule, firing))
    return out


def _alert(rule: AlertRule, labels: Labels, value: float, active: float) -> dict[str, Any]:
    return {"labels": {**labels, "alertname": rule.name, "severity": rule.severity},
            "annotations": {"summary": rule.summary} if rule.summary else {},
            "state": "firing", "activeAt": _iso(active), "value": format_value(value)}


def answer_rules(ev: Evaluator, now: float, since: dict[str, float]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for rule, firing in alert_states(ev, now, since):
        groups.setdefault(rule.group, []).append({
            "type": "alerting", "name": rule.name, "query": f"{rule.expr} > {rule.above:g}",
            "duration": 0, "labels": {"severity": rule.severity},
            "annotations": {"summary": rule.summary} if rule.summary else {},
            "health": "ok", "state": "firing" if firing else "inactive",
            "alerts": [_alert(rule, lb, v, since.get(rule.name, now)) for lb, v in firing],
        })
    return success_data({"groups": [{"name": g, "file": "demo-rules.yml", "interval": 15,
                                      "rules": rules} for g, rules in groups.items()]})


def answer_alerts(ev: Evaluator, now: float, since: dict[str, float]) -> dict[str, Any]:
    alerts = [_alert(rule, lb, v, since.get(rule.name, now))
              for rule, firing in alert_states(ev, now, since) for lb, v in firing]
    return success_data({"alerts": alerts})
