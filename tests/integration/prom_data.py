"""Known datasets for the SLO tests, as OpenMetrics text for `promtool` backfill.

Everything is on a 15 s grid and evaluated at grid times, so `rate()` needs no
extrapolation and every answer is exact (up to float rounding).

SLO dataset, window ending at T0 (and the same window one day earlier):
  - 150 requests per 15 s = 10 req/s; v2.2 (stable) 100 with 1 x 500, v2.3 (canary)
    50 with 2 x 503: error rate 3/150 = 2% overall, 1% stable, 4% canary;
  - latency histogram, per 15 s: le 0.1:40, 0.2:70, 0.3:90, 0.4:100 -> p95 = 0.35 s,
    p99 = 0.39 s; one day earlier 0.1:40, 0.2:90, 0.3:100 -> p95 = 0.25 s (so +40%);
  - asr_active_streams 30 + 12 = 42.

Spike dataset, 60 minutes from B: 100 requests per 15 s with 1 error, except a 30 s
blip (2 steps) and a 10 minute spike (40 steps) of 20 errors per step.
"""

from __future__ import annotations

from tests.support.prom import OpenMetrics

STEP = 15
T0 = 1_768_435_200  # 2026-01-15 00:00:00 UTC, a grid time
DAY = 86_400
WINDOW = 40 * 60

TODAY_BUCKETS = {"0.1": 40, "0.2": 70, "0.3": 90, "0.4": 100, "+Inf": 100}
YESTERDAY_BUCKETS = {"0.1": 40, "0.2": 90, "0.3": 100, "0.4": 100, "+Inf": 100}
REQUESTS = {  # (version, code) -> per step
    ("v2.2", "200"): 99,
    ("v2.2", "500"): 1,
    ("v2.3", "200"): 48,
    ("v2.3", "503"): 2,
}


def _grid(end: int) -> list[int]:
    return list(range(end - WINDOW, end + 1, STEP))


def slo_dataset() -> str:
    om = OpenMetrics()
    windows = [(_grid(T0 - DAY), YESTERDAY_BUCKETS), (_grid(T0), TODAY_BUCKETS)]

    om.family("http_requests", "counter", "Requests by version and code.")
    for (version, code), per_step in REQUESTS.items():
        labels = {"job": "asr", "version": version, "code": code}
        total, points = 0, []
        for grid, _ in windows:
            for t in grid:
                points.append((t, total))
                total += per_step
        om.series("http_requests_total", labels, points)

    om.family("http_request_duration_seconds", "histogram", "Request latency.")
    for le in TODAY_BUCKETS:
        total, points = 0, []
        for grid, buckets in windows:
            for t in grid:
                points.append((t, total))
                total += buckets[le]
        om.series("http_request_duration_seconds_bucket", {"job": "asr", "le": le}, points)
    for suffix, per_step in (("_count", 100), ("_sum", 25)):
        total, points = 0, []
        for grid, _ in windows:
            for t in grid:
                points.append((t, total))
                total += per_step
        om.series(f"http_request_duration_seconds{suffix}", {"job": "asr"}, points)

    om.family("asr_active_streams", "gauge", "Open WebSocket streams.")
    for pod, streams in (("asr-0", 30), ("asr-1", 12)):
        points = [(t, streams) for grid, _ in windows for t in grid]
        om.series("asr_active_streams", {"job": "asr", "pod": pod}, points)
    return om.text()


B = T0 + 2 * DAY  # start of the spike dataset
BLIP_STEPS = range(40, 42)  # increments landing at B+600 and B+615
SPIKE_STEPS = range(120, 160)  # increments landing at B+1800 .. B+2385
SPIKE_END = B + 60 * 60


def spike_dataset() -> str:
    om = OpenMetrics()
    om.family("http_requests", "counter", "Requests by code.")
    ok, err = [], []
    ok_total = err_total = 0
    for i, t in enumerate(range(B, SPIKE_END + 1, STEP)):
        if i:
            errors = 20 if i in BLIP_STEPS or i in SPIKE_STEPS else 1
            err_total += errors
            ok_total += 100 - errors
        ok.append((t, ok_total))
        err.append((t, err_total))
    om.series("http_requests_total", {"job": "asr", "code": "200"}, ok)
    om.series("http_requests_total", {"job": "asr", "code": "500"}, err)
    return om.text()


ERROR_RATE = (
    'sum(rate(http_requests_total{job="asr",code=~"5.."}[5m]))'
    ' / sum(rate(http_requests_total{job="asr"}[5m]))'
)
ERROR_RATE_BY_VERSION = (
    'sum by (version) (rate(http_requests_total{job="asr",code=~"5.."}[5m]))'
    ' / sum by (version) (rate(http_requests_total{job="asr"}[5m]))'
)
P95 = (
    "histogram_quantile(0.95, sum by (le) "
    '(rate(http_request_duration_seconds_bucket{job="asr"}[5m])))'
)
P99 = P95.replace("0.95", "0.99", 1)
REQUEST_RATE = 'sum(rate(http_requests_total{job="asr"}[5m]))'
ACTIVE_STREAMS = 'sum(asr_active_streams{job="asr"})'
SPIKE_ERROR_RATE = (
    'sum(rate(http_requests_total{job="asr",code=~"5.."}[1m]))'
    ' / sum(rate(http_requests_total{job="asr"}[1m]))'
)
