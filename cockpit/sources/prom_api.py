"""A small client for the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`).

Used by the SLO source and by the GPU source (DCGM metrics). One `httpx.AsyncClient`
is kept alive for the whole session. Every failure becomes a `PromError` whose `kind`
says what went wrong and whose message is fit for a pane: Prometheus's own error text
for a bad query, "401 Unauthorized" for a rejected token, and so on. Secrets never
reach a message (they are registered with `cockpit.redact`).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.model import Series
from cockpit.redact import redact, register_credentials, register_secret
from cockpit.sources import deferred
from cockpit.sources.bounded_http import API_MAX_BYTES, Answer, TooLarge, TooSlow, fetch
from cockpit.sources.ssl_contexts import httpx_context

if TYPE_CHECKING:
    import httpx
else:
    httpx = deferred("httpx")  # runs on first use, after the first frame (sources/__init__)

# More series than this in one answer is a query to aggregate, not one to gate on.
MAX_SERIES = 20_000

# PromError kinds. Only the transient ones are retried inside one call.
BAD_QUERY = "bad_query"  # Prometheus rejected the expression (its own text follows)
EXECUTION = "execution"  # the query ran and failed (e.g. too many samples)
AUTH = "auth"  # 401 / 403
TIMEOUT = "timeout"  # no answer within the timeout (ours or Prometheus's)
UNREACHABLE = "unreachable"  # connection refused, DNS, TLS handshake
NOT_JSON = "not_json"  # an answer that is not the API's JSON (a proxy's HTML page...)
HTTP = "http"  # another HTTP status (404: wrong URL, 5xx: server trouble)
TOO_LARGE = "too_large"  # an answer over max_bytes, or with more than max_series series

KEEPALIVE_S = 300.0  # idle connections are kept this long (sources sample every 5-60 s)
_LONG_QUERY = 1500  # above this many characters, POST the form instead of GET
_URLS_KEPT = 256  # request URLs built once (live queries repeat the same few)


class PromError(Exception):
    """A failed Prometheus API call: `kind` (one of the constants above) and a message."""

    def __init__(self, kind: str, message: str, status: int | None = None) -> None:
        self.kind = kind
        self.message = redact(message)
        self.status = status
        super().__init__(self.message)

    @property
    def transient(self) -> bool:
        """Worth one more try: the network, our own timeout, a proxy's 5xx.

        Not a bad query, a 401, or Prometheus's own query timeout (a retry would only
        double its load).
        """
        if self.kind == UNREACHABLE:
            return True
        if self.kind == TIMEOUT:
            return self.status is None
        return self.kind == HTTP and self.status is not None and self.status >= 500


@dataclass(frozen=True)
class RangeSeries:
    """One series of a range query: its labels and its (t, value) points."""

    labels: Mapping[str, str]
    points: tuple[tuple[float, float | None], ...]


def to_float(raw: Any) -> float | None:
    """A Prometheus sample value ("0.02", "NaN", "+Inf") as a float; NaN -> None (no data)."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


class PromClient:
    """Talks to one Prometheus. Create once, `await close()` at the end.

    Auth: `token` (bearer) or `username`/`password` (basic). TLS: `ca_file` for a
    private CA, or `verify=False` (then `insecure` is True and the UI shows a warning).
    `retries` transient failures are retried with exponential backoff starting at
    `backoff` seconds; the caller's readings still carry the time of the real answer.
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        ca_file: str | Path | None = None,
        verify: bool = True,
        timeout: float = 10.0,
        retries: int = 1,
        backoff: float = 0.25,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_bytes: int = API_MAX_BYTES,
        max_series: int = MAX_SERIES,
        max_connections: int = 6,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.max_bytes = max_bytes  # per answer; `timeout` also bounds the whole answer
        self.max_series = max_series
        self.retries = max(0, retries)
        self.backoff = backoff
        self.insecure = not verify
        self._urls: dict[tuple, httpx.URL] = {}
        register_secret(token)
        register_credentials(username, password)  # also the base64 of user:password
        all_headers = {"Accept": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        auth = httpx.BasicAuth(username, password or "") if username else None
        # one context per setting, shared by every client (ssl_contexts: ~1 MB each)
        tls = httpx_context(verify, (ca_file or None) if verify else None)  # verify=False wins
        self._client = httpx.AsyncClient(
            base_url=self.url,
            headers=all_headers,
            auth=auth,
            verify=tls,
            # Waiting for a free pooled connection is not Prometheus being slow: no limit
            # there (the engine bounds the whole cycle), `timeout` for connect/read/write.
            timeout=httpx.Timeout(timeout, pool=None),
            transport=transport,
            follow_redirects=False,
            # Kept open between samples: httpx drops an idle connection after 5 s, the
            # sources' usual interval, so every query paid a new TCP (and TLS) handshake.
            limits=httpx.Limits(max_connections=max_connections,
                                max_keepalive_connections=max_connections,
                                keepalive_expiry=KEEPALIVE_S),
        )

    async def __aenter__(self) -> PromClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._client.aclose()

    # ------------------------------------------------------------ API calls

    async def query(self, expr: str, time: float | None = None) -> list[Series]:
        """Instant query. A scalar answer is one series with no labels; NaN -> value None."""
        params: dict[str, str] = {"query": expr}
        if time is not None:
            params["time"] = _ts(time)
        data = await self._call("/api/v1/query", params)
        kind = data.get("resultType")
        result = data.get("result")
        if isinstance(result, list) and len(result) > self.max_series:
            raise PromError(TOO_LARGE, f"{len(result)} series in one answer (at most "
                            f"{self.max_series}): aggregate in the query, e.g. max by (pod)")
        if kind == "vector" and isinstance(result, list):
            return [
                Series(labels=dict(item.get("metric") or {}), value=to_float(item["value"][1]))
                for item in result
            ]
        if kind == "scalar" and isinstance(result, list):
            return [Series(labels={}, value=to_float(result[1]))]
        if kind == "matrix":
            raise PromError(BAD_QUERY, "a range vector is not a value: wrap it, e.g. in rate()")
        raise PromError(BAD_QUERY, f"unexpected result type {kind!r} (want a number or a vector)")

    async def query_range(
        self, expr: str, start: float, end: float, step: float
    ) -> list[RangeSeries]:
        """Range query from `start` to `end` (epoch seconds) every `step` seconds."""
        params = {"query": expr, "start": _ts(start), "end": _ts(end), "step": _ts(step)}
        data = await self._call("/api/v1/query_range", params)
        if data.get("resultType") != "matrix" or not isinstance(data.get("result"), list):
            raise PromError(BAD_QUERY, f"unexpected result type {data.get('resultType')!r}")
        if len(data["result"]) > self.max_series:
            raise PromError(TOO_LARGE, f"{len(data['result'])} series in one answer (at most "
                            f"{self.max_series}): aggregate in the query")
        return [
            RangeSeries(
                labels=dict(item.get("metric") or {}),
                points=tuple((float(t), to_float(v)) for t, v in item.get("values") or ()),
            )
            for item in data["result"]
        ]

    async def api_get(self, path: str) -> dict[str, Any]:
        """The `data` of a parameterless API endpoint (`/api/v1/alerts`, `/api/v1/rules`)."""
        return await self._call(path, {})

    # ------------------------------------------------------------ plumbing

    async def _call(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                return await self._once(path, params)
            except PromError as exc:
                if not exc.transient or attempt == self.retries:
                    raise
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        bounds = {"max_bytes": self.max_bytes, "total": self.timeout}
        try:
            if len(params.get("query", "")) > _LONG_QUERY:
                response = await fetch(self._client, "POST", path, data=params, **bounds)
            else:
                response = await fetch(self._client, "GET", self._get_url(path, params),
                                       **bounds)
        except TooLarge as exc:
            raise PromError(TOO_LARGE, f"{exc}: aggregate in the query") from None
        except (httpx.TimeoutException, TooSlow):
            raise PromError(
                TIMEOUT, f"no answer from {self.url} within {self.timeout:g}s"
            ) from None
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise PromError(UNREACHABLE, f"cannot reach {self.url}: {reason}") from None
        return _decode(response, self.url)

    def _get_url(self, path: str, params: dict[str, str]) -> httpx.URL:
        """The GET URL of `path` with `params`, built once: httpx parses and percent-encodes
        a URL for every request, character by character (a PromQL query is ~100), a quarter
        of a query's CPU (0.8 -> 0.6 ms on loopback). A live query carries no time, so the
        demo's eight every 5 s are eight URLs. The same URL the client would build: the
        base URL's path (a prefix, /prometheus) and `path`, the params encoded after it."""
        key = (path, *params.items())
        url = self._urls.get(key)
        if url is None:
            if len(self._urls) >= _URLS_KEPT:  # an injected clock: a new time each query
                self._urls.clear()
            url = self._urls[key] = httpx.URL(self.url + "/" + path.lstrip("/"),
                                              params=params)
        return url


def _decode(response: Answer, url: str) -> dict[str, Any]:
    """The `data` of an API answer, or the PromError that the answer amounts to."""
    status = response.status_code
    if status in (401, 403):
        hint = "check the token or the username/password" if status == 401 else "not allowed"
        raise PromError(AUTH, f"{status} {response.reason_phrase} from {url}: {hint}", status)
    try:
        body = response.json()
    except ValueError:
        ctype = response.headers.get("content-type", "no content-type")
        snippet = " ".join(response.text[:80].split())
        if status >= 300:
            raise PromError(
                HTTP, f"HTTP {status} {response.reason_phrase} from {url}: {snippet}", status
            ) from None
        raise PromError(
            NOT_JSON, f"answer from {url} is not JSON (HTTP {status}, {ctype}): {snippet!r}", status
        ) from None
    if not isinstance(body, dict):
        raise PromError(NOT_JSON, f"answer from {url} is JSON but not an API answer", status)
    if body.get("status") == "success" and isinstance(body.get("data"), dict):
        return body["data"]
    error_type = str(body.get("errorType") or "")
    error = str(body.get("error") or f"HTTP {status} {response.reason_phrase}")
    if error_type == "bad_data":
        raise PromError(BAD_QUERY, error, status)
    if error_type == "timeout":
        raise PromError(TIMEOUT, f"Prometheus gave up: {error}", status)
    if error_type == "execution":
        raise PromError(EXECUTION, error, status)
    if status >= 300 or body.get("status") == "error":
        raise PromError(HTTP, f"HTTP {status} from {url}: {error_type or 'error'}: {error}", status)
    raise PromError(NOT_JSON, f"answer from {url} has no data", status)


def _ts(value: float) -> str:
    """Seconds as Prometheus wants them: plain decimal, no exponent."""
    return f"{value:.3f}".rstrip("0").rstrip(".")
