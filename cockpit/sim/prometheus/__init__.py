"""A loopback Prometheus HTTP API answering scripted queries, for `cockpit demo` and tests.

It serves `/api/v1/query` (with or without `time=`) and `/api/v1/query_range`, by GET
or by POST form (as the real server does, and as `PromClient` sends long queries), in
Prometheus's exact JSON shapes: `{"status": "success", "data": {"resultType":
"vector" | "matrix" | "scalar", "result": [...]}}`, sample values as strings
(`"0.012"`, `"NaN"`, `"+Inf"`), and `{"status": "error", "errorType": "bad_data",
"error": ...}` with HTTP 400 for what it cannot answer.

It is not a PromQL evaluator. A query is answered by, in order:

1. **exact expression**: `QueryTable.exprs` maps an expression (compared with the
   whitespace outside string literals removed) to a function of the evaluation time
   returning `[(labels, value), ...]`;
2. **`offset D`**: an expression whose selectors all carry the same `offset D` is
   answered as the expression without it, evaluated at `time - D` (the result keeps
   the asked time, as in Prometheus);
3. **a bare selector** `metric` or `metric{label="v", other=~"re.*"}` (matchers `=`,
   `!=`, `=~`, `!~`, regexes anchored as in Prometheus) over the series of
   `QueryTable.metrics`, each returned with its `__name__`; an unknown metric name
   gives an empty vector, as it would in Prometheus;
4. **one aggregation over a selector**: `sum|avg|min|max|count [by (l1, l2)] (selector)`
   (or `... (selector) by (...)`);
5. **a number literal**: a `scalar` result.

It also answers `/api/v1/rules` and `/api/v1/alerts` from `QueryTable.alerts`: each
`AlertRule` fires while its expression (answered as above) is above its threshold,
with Prometheus's shapes (rule groups with `health`/`state`, alerts with `labels`,
`annotations`, `state: firing` and `activeAt`).

Anything else is answered with `bad_data` naming the expression, so a typo in a demo
config shows up in its pane as Prometheus's own error would.

The package: `query` (the table of series and the expression matching), `api` (the
JSON answers), `alerts` (rules and alerts), `server` (`PromSim`, the HTTP server).
"""

from __future__ import annotations

from cockpit.sim.prometheus.alerts import alert_states, answer_alerts, answer_rules
from cockpit.sim.prometheus.api import (
    MAX_POINTS,
    answer_query,
    answer_range,
    error_body,
    format_time,
    format_value,
    parse_step,
    parse_time,
    success,
    success_data,
)
from cockpit.sim.prometheus.query import (
    AlertRule,
    Evaluator,
    Labels,
    QueryError,
    QueryTable,
    Sample,
    SeriesFn,
    matches,
    normalize,
    parse_matchers,
)
from cockpit.sim.prometheus.server import PromSim

__all__ = [
    "AlertRule",
    "Evaluator",
    "Labels",
    "MAX_POINTS",
    "PromSim",
    "QueryError",
    "QueryTable",
    "Sample",
    "SeriesFn",
    "alert_states",
    "answer_alerts",
    "answer_query",
    "answer_range",
    "answer_rules",
    "error_body",
    "format_time",
    "format_value",
    "matches",
    "normalize",
    "parse_matchers",
    "parse_step",
    "parse_time",
    "success",
    "success_data",
]
