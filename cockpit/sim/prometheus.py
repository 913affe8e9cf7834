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
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Labels = dict[str, str]
Sample = tuple[Labels, float]
SeriesFn = Callable[[float], list[Sample]]

MAX_POINTS = 11_000  # Prometheus refuses range queries with more points per series


class QueryError(Exception):
    """A query the sim refuses, with Prometheus's errorType and HTTP status."""

    def __init__(self, message: str, error_type: str = "bad_data", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.status = status


@dataclass
class AlertRule:
    """An alerting rule: fires while any series of `expr` is above `above`."""

    name: str
    expr: str
    above: float
    severity: str = "warning"
    summary: str = ""
    group: str = "cockpit-demo"


@dataclass
class QueryTable:
    """What the sim knows: exact expressions and raw metrics, each a function of time."""

    exprs: dict[str, SeriesFn] = field(default_factory=dict)
    metrics: dict[str, SeriesFn] = field(default_factory=dict)
    alerts: list[AlertRule] = field(default_factory=list)

    def add_expr(self, expr: str, fn: SeriesFn) -> None:
        self.exprs[normalize(expr)] = fn

    def add_scalar_expr(self, expr: str, fn: Callable[[float], float | None]) -> None:
        """An expression whose answer is one series with no labels (an aggregate)."""

        def one(t: float) -> list[Sample]:
            v = fn(t)
            return [] if v is None else [({}, v)]

        self.add_expr(expr, one)


# ---------------------------------------------------------------- expression matching

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_OFFSET = re.compile(r"\s+offset\s+(-?\d+(?:ms|s|m|h|d|w|y))\b")
_METRIC = r"[A-Za-z_:][A-Za-z0-9_:]*"
_SELECTOR = re.compile(rf"^(?P<metric>{_METRIC})?(?:\{{(?P<matchers>.*)\}})?$", re.S)
_MATCHER = re.compile(
    r"\s*(?P<label>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*(?:,|$)"
)
_AGG = re.compile(
    r"^(?P<op>sum|avg|min|max|count)\s*"
    r"(?:(?:by)\s*\((?P<by1>[^)]*)\)\s*)?"
    r"\((?P<inner>.*)\)\s*"
    r"(?:by\s*\((?P<by2>[^)]*)\))?$",
    re.S,
)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_DUR_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def normalize(expr: str) -> str:
    """The expression with whitespace outside string literals removed (for exact matching)."""
    out, pos = [], 0
    for m in _STRING.finditer(expr):
        out.append(re.sub(r"\s+", "", expr[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(re.sub(r"\s+", "", expr[pos:]))
    return "".join(out)


def _duration(text: str) -> float:
    m = re.fullmatch(r"(-?\d+)(ms|s|m|h|d|w|y)", text)
    if not m:
        raise QueryError(f'bad duration "{text}"')
    return int(m.group(1)) * _DUR_UNITS[m.group(2)]


def _unquote(raw: str) -> str:
    if raw.startswith("`"):
        return raw[1:-1]
    body = raw[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def parse_matchers(text: str) -> list[tuple[str, str, str]]:
    """`a="x", b=~"y.*"` -> [(label, op, value)]; QueryError if it is not that."""
    matchers, pos, text = [], 0, text.strip()
    while pos < len(text):
        m = _MATCHER.match(text, pos)
        if not m:
            raise QueryError(f"1:{pos + 1}: parse error: unexpected character in label matchers")
        value = _unquote(m.group("value"))
        if m.group("op") in ("=~", "!~"):
            try:
                re.compile(value)
            except re.error as exc:
                raise QueryError(f"invalid regular expression {value!r}: {exc}") from None
        matchers.append((m.group("label"), m.group("op"), value))
        pos = m.end()
    return matchers


def matches(matchers: list[tuple[str, str, str]], labels: Mapping[str, str]) -> bool:
    for label, op, value in matchers:
        have = labels.get(label, "")
        if op == "=" and have != value:
            return False
        if op == "!=" and have == value:
            return False
        if op in ("=~", "!~"):
            try:
                hit = re.fullmatch(value, have) is not None
            except re.error as exc:
                raise QueryError(f"invalid regular expression {value!r}: {exc}") from None
            if hit != (op == "=~"):
                return False
    return True


class Evaluator:
    """Answers one expression at one time from a QueryTable (see the module docstring)."""

    def __init__(self, table: QueryTable) -> None:
        self.table = table

    def instant(self, expr: str, t: float) -> tuple[str, Any]:
        """("vector", [(labels, value)]) or ("scalar", value)."""
        if not expr.strip():
            raise QueryError('invalid parameter "query": 1:1: parse error: no expression found '
                             "in input")
        if _NUMBER.match(expr.strip()):
            return "scalar", float(expr.strip())
        return "vector", self._vector(expr, t)

    def _vector(self, expr: str, t: float) -> list[Sample]:
        key = normalize(expr)
        fn = self.table.exprs.get(key)
        if fn is not None:
            return _clean(fn(t))
        offsets = set(_OFFSET.findall(_mask_strings(expr)))
        if offsets:
            if len(offsets) > 1:
                raise QueryError(
                    "the demo Prometheus simulator answers `offset` only when every selector "
                    f"has the same one (found {', '.join(sorted(offsets))})"
                )
            shift = _duration(offsets.pop())
            return self._vector(_strip_offsets(expr), t - shift)
        selector = self._selector(expr, t)
        if selector is not None:
            return selector
        agg = _AGG.match(expr.strip())
        if agg:
            inner = self._selector(agg.group("inner"), t)
            if inner is not None:
                by = agg.group("by1") or agg.group("by2") or ""
                return _aggregate(agg.group("op"), [b.strip() for b in by.split(",") if b.strip()],
                                  inner)
        raise QueryError(
            "the cockpit demo's Prometheus simulator has no scripted answer for this "
            f"expression (it knows the demo config's queries and the DCGM metrics): {expr}"
        )

    def _selector(self, expr: str, t: float) -> list[Sample] | None:
        m = _SELECTOR.match(expr.strip())
        if not m or (m.group("metric") is None and m.group("matchers") is None):
            return None
        matchers = parse_matchers(m.group("matchers") or "")
        name = m.group("metric")
        if name is None:
            name_eq = [v for lbl, op, v in matchers if lbl == "__name__" and op == "="]
            if not name_eq:
                raise QueryError("vector selector must contain at least one non-empty matcher")
            name = name_eq[0]
        fn = self.table.metrics.get(name)
        if fn is None:
            return []  # an unknown metric: Prometheus answers an empty vector
        out = []
        for labels, value in fn(t):
            full = {"__name__": name, **labels}
            if matches(matchers, full):
                out.append((full, value))
        return _clean(out)


def _mask_strings(expr: str) -> str:
    return _STRING.sub(lambda m: '"' + "x" * (len(m.group(0)) - 2) + '"', expr)


def _strip_offsets(expr: str) -> str:
    masked = _mask_strings(expr)
    out, pos = [], 0
    for m in _OFFSET.finditer(masked):
        out.append(expr[pos : m.start()])
        pos = m.end()
    out.append(expr[pos:])
    return "".join(out)


def _clean(samples: list[Sample]) -> list[Sample]:
    return [(dict(labels), float(v)) for labels, v in samples if v is not None]


def _aggregate(op: str, by: list[str], samples: list[Sample]) -> list[Sample]:
    groups: dict[tuple[tuple[str, str], ...], list[float]] = {}
    for labels, v in samples:
        key = tuple((b, labels[b]) for b in by if b in labels)
        groups.setdefault(key, []).append(v)
    out: list[Sample] = []
    for key, values in sorted(groups.items()):
        if op == "sum":
            agg = math.fsum(values)
        elif op == "avg":
            agg = math.fsum(values) / len(values)
        elif op == "min":
            agg = min(values)
        elif op == "max":
            agg = max(values)
        else:
            agg = float(len(values))
        out.append((dict(key), agg))
    return out


# ---------------------------------------------------------------- JSON shapes


def format_value(v: float) -> str:
    """A sample value as Prometheus writes it (Go's FormatFloat 'f', -1): no exponent."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    text = repr(float(v))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if text.endswith(".0"):
        text = text[:-2]
    return text


def format_time(t: float) -> float | int:
    """Evaluation timestamps: seconds with millisecond precision, integral when whole."""
    ms = round(t * 1000)
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def parse_time(raw: str, name: str) -> float:
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise QueryError(
            f'invalid parameter "{name}": cannot parse "{raw}" to a valid timestamp'
        ) from None


def parse_step(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        return float(_duration(raw))
    except QueryError:
        raise QueryError(
            f'invalid parameter "step": cannot parse "{raw}" to a valid duration'
        ) from None


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


def success_data(data: dict[str, Any]) -> dict[str, Any]:
    return {"status": "success", "data": data}


def success(result_type: str, result: Any) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": result_type, "result": result}}


def error_body(exc: QueryError) -> dict[str, Any]:
    return {"status": "error", "errorType": exc.error_type, "error": exc.message}


def answer_query(ev: Evaluator, params: Mapping[str, str], now: float) -> dict[str, Any]:
    """The JSON body of `/api/v1/query` (raises QueryError)."""
    if "query" not in params:
        raise QueryError('invalid parameter "query": 1:1: parse error: no expression found in '
                         "input")
    t = parse_time(params["time"], "time") if params.get("time") else now
    kind, result = ev.instant(params["query"], t)
    if kind == "scalar":
        return success("scalar", [format_time(t), format_value(result)])
    return success(
        "vector",
        [{"metric": labels, "value": [format_time(t), format_value(v)]} for labels, v in result],
    )


def answer_range(ev: Evaluator, params: Mapping[str, str]) -> dict[str, Any]:
    """The JSON body of `/api/v1/query_range` (raises QueryError)."""
    for name in ("start", "end", "step"):
        if not params.get(name):
            raise QueryError(f'invalid parameter "{name}": cannot parse "" to a valid '
                             + ("duration" if name == "step" else "timestamp"))
    start = parse_time(params["start"], "start")
    end = parse_time(params["end"], "end")
    step = parse_step(params["step"])
    if end < start:
        raise QueryError('invalid parameter "end": end timestamp must not be before start time')
    if step <= 0:
        raise QueryError("zero or negative query resolution step widths are not accepted. "
                         "Try a positive integer")
    if (end - start) / step > MAX_POINTS:
        raise QueryError("exceeded maximum resolution of 11,000 points per timeseries. Try "
                         "decreasing the query resolution (?step=XX)")
    query = params.get("query", "")
    series: dict[tuple[tuple[str, str], ...], list[list[Any]]] = {}
    n = int(math.floor((end - start) / step + 1e-9))
    for i in range(n + 1):
        t = start + i * step
        kind, result = ev.instant(query, t)
        if kind == "scalar":
            result = [({}, result)]
        for labels, v in result:
            key = tuple(sorted(labels.items()))
            series.setdefault(key, []).append([format_time(t), format_value(v)])
    return success("matrix", [{"metric": dict(k), "values": v} for k, v in series.items()])


# ---------------------------------------------------------------- the server


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "Prometheus-cockpit-sim/0.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, obj: dict[str, Any]) -> None:
        self._send(code, json.dumps(obj, separators=(",", ":")).encode(), "application/json")

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch({})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        self._dispatch(form)

    def _dispatch(self, form: dict[str, str]) -> None:
        sim = self.server.sim
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        params.update(form)
        sim.requests.append((url.path, dict(params)))
        if url.path in ("/-/healthy", "/-/ready"):
            word = "Healthy" if url.path == "/-/healthy" else "Ready"
            self._send(200, f"Prometheus Server is {word}.\n".encode(), "text/plain")
            return
        if sim.outage:
            self._send(503, b"Service Unavailable\n", "text/plain; charset=utf-8")
            return
        if sim.delay > 0:
            time.sleep(sim.delay)
        if url.path == "/api/v1/status/buildinfo":
            self._json(200, {"status": "success", "data": {"version": "2.53.0",
                                                           "revision": "cockpit-demo-sim"}})
            return
        if url.path in ("/api/v1/rules", "/api/v1/alerts"):
            with sim.lock:
                answer = answer_rules if url.path == "/api/v1/rules" else answer_alerts
                self._json(200, answer(sim.evaluator, sim.clock(), sim.alert_since))
            return
        if url.path not in ("/api/v1/query", "/api/v1/query_range"):
            self._send(404, b"404 page not found\n", "text/plain; charset=utf-8")
            return
        try:
            with sim.lock:
                if url.path == "/api/v1/query":
                    body = answer_query(sim.evaluator, params, sim.clock())
                else:
                    body = answer_range(sim.evaluator, params)
        except QueryError as exc:
            self._json(exc.status, error_body(exc))
            return
        self._json(200, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, sim: PromSim) -> None:
        self.sim = sim
        super().__init__((sim.host, sim.port), _Handler)


class PromSim:
    """The simulator on 127.0.0.1 on a free port: `with PromSim(table) as sim: sim.url`.

    `outage = True` answers every API call with a proxy's plain 503; `delay` makes each
    answer that many seconds late (a slow Prometheus); `requests` records (path, params).
    """

    def __init__(
        self,
        table: QueryTable,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table = table
        self.evaluator = Evaluator(table)
        self.host, self.port = host, port
        self.clock = clock
        self.outage = False
        self.delay = 0.0
        self.requests: deque[tuple[str, dict[str, str]]] = deque(maxlen=1000)
        self.alert_since: dict[str, float] = {}  # alert name -> when it began firing
        self.lock = threading.Lock()  # scenario functions need not be thread-safe
        self._server = _Server(self)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> PromSim:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="prom-sim", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> PromSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = [
    "AlertRule",
    "Evaluator",
    "PromSim",
    "QueryError",
    "QueryTable",
    "format_value",
    "normalize",
]
