"""The sim's JSON answers to `/api/v1/query` and `/api/v1/query_range`, in Prometheus's
shapes: sample values as strings, timestamps in seconds, `bad_data` errors.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from cockpit.sim.prometheus.query import Evaluator, QueryError, _duration

MAX_POINTS = 11_000  # Prometheus refuses range queries with more points per series


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
