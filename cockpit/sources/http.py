"""The built-in `http` source: is the service's health endpoint up, and how fast.

Signals per check NAME: `http.NAME.up` (bool: answered with an expected status),
`http.NAME.status` (the status code) and `http.NAME.latency` (seconds).
"""

from __future__ import annotations

import time

import httpx

from cockpit.config import HttpCheck, read_secret
from cockpit.model import Reading, now
from cockpit.redact import redact
from cockpit.sources.bounded_http import HEALTH_MAX_BYTES, TooLarge, TooSlow, fetch


class HttpSource:
    """One kept-alive client per check; a failed request is a failed reading, not a raise."""

    def __init__(self, name: str, check: HttpCheck) -> None:
        self.name = f"http.{name}"
        self.check = check
        self.interval = check.every
        self.stale_after = check.stale_after or max(3 * check.every, check.every + check.timeout)
        self._client: httpx.AsyncClient | None = None

    def signal_patterns(self) -> list[str]:
        return [f"{self.name}.up", f"{self.name}.status", f"{self.name}.latency"]

    def signal_unit(self, name: str) -> str | None:
        return {"up": "bool", "status": "code", "latency": "seconds"}.get(name.rsplit(".", 1)[-1])

    async def start(self) -> None:
        headers = {}
        token = read_secret(self.check.token_env, self.check.token_file) if (
            self.check.token_env or self.check.token_file) else None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        verify: bool | str = str(self.check.ca_file) if self.check.ca_file else self.check.verify
        self._client = httpx.AsyncClient(timeout=self.check.timeout, verify=verify,
                                         headers=headers, follow_redirects=False)

    async def sample(self) -> list[Reading]:
        if self._client is None:
            await self.start()
        assert self._client is not None
        started = time.perf_counter()
        at = now()
        try:  # `timeout` bounds the whole answer, not each read; the body is bounded too
            response = await fetch(self._client, "GET", self.check.url,
                                   max_bytes=HEALTH_MAX_BYTES, total=self.check.timeout)
        except (httpx.TimeoutException, TooSlow):
            return self._failed(at, f"timed out after {self.check.timeout:g}s")
        except TooLarge as exc:
            return self._failed(at, redact(str(exc)))
        except httpx.HTTPError as exc:
            return self._failed(at, redact(f"{type(exc).__name__}: {exc}") or type(exc).__name__)
        latency = time.perf_counter() - started
        up = response.status_code in self.check.expect_status
        detail = {"url": redact(self.check.url), "reason": response.reason_phrase}
        return [
            Reading(self.name, f"{self.name}.up", up, at, detail=detail),
            Reading(self.name, f"{self.name}.status", float(response.status_code), at,
                    detail=detail),
            Reading(self.name, f"{self.name}.latency", latency, at, unit="seconds", detail=detail),
        ]

    def _failed(self, at: float, error: str) -> list[Reading]:
        # A failed check is a failed reading for every signal (invariant 1): gates on it
        # are UNKNOWN and the verdict HOLDs; we cannot tell "service down" from "our
        # network to it is down", so we never claim NO-GO from here.
        detail = {"url": redact(self.check.url), "error": error}
        return [
            Reading(self.name, f"{self.name}.up", None, at, error=error, detail=detail),
            Reading(self.name, f"{self.name}.status", None, at, error=error),
            Reading(self.name, f"{self.name}.latency", None, at, error=error),
        ]

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
