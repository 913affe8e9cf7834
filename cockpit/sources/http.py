"""The built-in `http` source: is an endpoint answering as it should, and how fast.

Signals per check NAME:

- `http.NAME.up` (bool): the answer met every expectation (status in `expect_status`,
  `expect_body` found, each `expect_json` field equal); the reading's detail says which
  one did not;
- `http.NAME.status` (the status code) and `http.NAME.latency` (seconds);
- `http.NAME.header.H` (text) for each of `read_headers`: the response header's value,
  `""` when it is absent (absent is an answer, not "no data");
- `http.NAME.cors_allowed` (bool) with `cors_origin`: the answer's
  Access-Control-Allow-Origin is that origin or `*`;
- `http.NAME.done` (bool) and `http.NAME.duration` (seconds) with `job`: the request
  submits a job, the status URL is polled until the field at `done_path` says
  `done_value` (done), a `failed_values` one or the deadline passes (not done).

A request that gets no answer (refused, timed out) is a failed reading for every signal:
we cannot tell "service down" from "our network to it is down", so we never claim NO-GO
from here. Secrets (`token_*`, `headers_env`, `headers_file`) are registered with
`redact` and never shown. Every request goes through `fetch`, which uses the shared bounded
helper (`bounded_http`): 1 MiB of answer at most, `timeout` for all of it.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin

from cockpit.config import MAX_BODY_FILE, HttpCheck, read_secret
from cockpit.model import Reading, now
from cockpit.redact import redact, register_secret
from cockpit.sources import deferred
from cockpit.sources.bounded_http import HEALTH_MAX_BYTES, Answer, TooLarge, TooSlow
from cockpit.sources.bounded_http import fetch as bounded_fetch
from cockpit.sources.http_view import HttpView, http_view
from cockpit.sources.ssl_contexts import httpx_context
from cockpit.views import ViewContext

if TYPE_CHECKING:
    import httpx
else:
    httpx = deferred("httpx")  # runs on first use, after the first frame (sources/__init__)

_MISSING = object()


async def fetch(client: httpx.AsyncClient, method: str, url: str, timeout: float,
                content: bytes | None = None) -> Answer:
    """One request through the shared bounded helper: at most 1 MiB of answer, and
    `timeout` for the whole of it (a drip-fed body ends there). Raises httpx's errors,
    `TooSlow` or `TooLarge`."""
    return await bounded_fetch(client, method, url, max_bytes=HEALTH_MAX_BYTES, total=timeout,
                               content=content)


def parsed(answer: Answer) -> Any:
    """The answer's body as JSON, or `_MISSING` when it is not JSON."""
    try:
        return json.loads(answer.content.decode("utf-8", errors="replace"))
    except ValueError:
        return _MISSING


def json_at(data: Any, path: str) -> Any:
    """The value at dotted `path` (`a.b.0.c`) of parsed JSON, or `_MISSING`."""
    for part in path.split(".") if path else ():
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _MISSING
    return data


def _shown(v: Any) -> str:
    return "nothing" if v is _MISSING else redact(repr(v))[:80]


class HttpSource:
    """One kept-alive client per check; a failed request is a failed reading, not a raise."""

    def __init__(self, name: str, check: HttpCheck) -> None:
        self.name = f"http.{name}"
        self.check = check
        self.interval = check.every
        bound = max(3 * check.every, check.every + check.timeout)
        if check.job is not None:
            bound = max(bound, check.every + check.job.deadline + 2 * check.timeout)
        self.stale_after = check.stale_after or bound
        self._client: httpx.AsyncClient | None = None
        self._content: bytes | None = None

    def signal_patterns(self) -> list[str]:
        out = [f"{self.name}.up", f"{self.name}.status", f"{self.name}.latency"]
        out += [f"{self.name}.header.{h}" for h in self.check.read_headers]
        if self.check.cors_origin:
            out.append(f"{self.name}.cors_allowed")
        if self.check.job is not None:
            out += [f"{self.name}.done", f"{self.name}.duration"]
        return out

    def view(self, ctx: ViewContext) -> HttpView:
        return http_view(ctx)

    def signal_unit(self, name: str) -> str | None:
        if name.startswith(f"{self.name}.header."):
            return "text"
        return {"up": "bool", "status": "code", "latency": "seconds", "cors_allowed": "bool",
                "done": "bool", "duration": "seconds"}.get(name.rsplit(".", 1)[-1])

    async def start(self) -> None:
        c = self.check
        headers = dict(c.headers)
        token = read_secret(c.token_env, c.token_file) if (c.token_env or c.token_file) else None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        secret_values = [(h, read_secret(env=env)) for h, env in c.headers_env.items()]
        secret_values += [(h, read_secret(file=path)) for h, path in c.headers_file.items()]
        for header, value in secret_values:
            headers[header] = value or ""
            scheme, _, credential = (value or "").partition(" ")
            register_secret(credential)  # "Bearer X" / "Basic X": X alone is secret too
        if c.cors_origin:
            headers["Origin"] = c.cors_origin
            if c.method == "OPTIONS":
                headers.setdefault("Access-Control-Request-Method", "GET")
        if c.content_type:
            headers["Content-Type"] = c.content_type
        if c.body is not None:
            self._content = c.body.encode()
        elif c.body_file is not None:
            self._content = _read_upload(c.body_file)
        verify = httpx_context(c.verify, c.ca_file)  # one per setting, shared (ssl_contexts)
        self._client = httpx.AsyncClient(timeout=c.timeout, verify=verify, headers=headers,
                                         follow_redirects=False)

    async def sample(self) -> list[Reading]:
        if self._client is None:
            await self.start()
        assert self._client is not None
        c = self.check
        started = time.perf_counter()
        at = now()
        try:  # `timeout` bounds the whole answer, not each read; the body is bounded too
            answer = await fetch(self._client, c.method, c.url, c.timeout, self._content)
        except (httpx.TimeoutException, TooSlow):
            return self._failed(at, f"timed out after {c.timeout:g}s")
        except TooLarge as exc:
            return self._failed(at, redact(str(exc)))
        except httpx.HTTPError as exc:
            return self._failed(at, redact(f"{type(exc).__name__}: {exc}") or type(exc).__name__)
        latency = time.perf_counter() - started
        misses = self._misses(answer)
        detail: dict[str, Any] = {"url": redact(c.url), "reason": answer.reason_phrase}
        if misses:
            detail["failed"] = misses
        out = [
            Reading(self.name, f"{self.name}.up", not misses, at, detail=detail),
            Reading(self.name, f"{self.name}.status", float(answer.status_code), at,
                    detail=detail),
            Reading(self.name, f"{self.name}.latency", latency, at, unit="seconds", detail=detail),
        ]
        out += [Reading(self.name, f"{self.name}.header.{h}",
                        redact(answer.headers.get(h, ""))[:500], at, unit="text")
                for h in c.read_headers]
        if c.cors_origin:
            allowed = answer.headers.get("access-control-allow-origin")
            out.append(Reading(self.name, f"{self.name}.cors_allowed",
                               allowed in ("*", c.cors_origin), at,
                               detail={"origin": c.cors_origin, "allowed": allowed}))
        if c.job is not None:
            out += await self._job(answer, at, started,
                                   status_ok=answer.status_code in c.expect_status)
        return out

    def _misses(self, answer: Answer) -> list[str]:
        """What the answer did not meet, one short line each (empty: all met)."""
        c = self.check
        misses = []
        if answer.status_code not in c.expect_status:
            want = ", ".join(str(s) for s in c.expect_status)
            misses.append(f"status {answer.status_code} (needs {want})")
        if c.expect_body is not None:
            text = answer.content.decode("utf-8", errors="replace")
            if c.expect_body not in text:
                misses.append(f"body lacks {redact(repr(c.expect_body))[:80]}")
        if c.expect_json:
            data = parsed(answer)
            if data is _MISSING:
                misses.append("body is not JSON")
            else:
                for path, want in c.expect_json.items():
                    got = json_at(data, path)
                    if got is _MISSING or got != want:
                        misses.append(f"{path}: {_shown(got)} (needs {_shown(want)})")
        return misses

    async def _job(self, answer: Answer, at: float, started: float,
                   status_ok: bool) -> list[Reading]:
        """Poll the job the request submitted: (done, duration) readings."""
        job = self.check.job
        assert job is not None and self._client is not None
        done, duration = f"{self.name}.done", f"{self.name}.duration"

        def result(ok: bool, why: str) -> list[Reading]:
            took = time.perf_counter() - started
            detail = {"job": why}
            return [Reading(self.name, done, ok, at, detail=detail),
                    Reading(self.name, duration, took if ok else None, at, unit="seconds",
                            detail=detail)]

        def failed(error: str) -> list[Reading]:
            return [Reading(self.name, done, None, at, error=error),
                    Reading(self.name, duration, None, at, error=error)]

        if not status_ok:
            return result(False, f"not submitted: status {answer.status_code}")
        url = self._status_url(answer)
        if url is None:
            return result(False, "submitted, but the answer names no job to poll")
        deadline = started + job.deadline
        while True:
            try:
                polled = await fetch(self._client, "GET", url, self.check.timeout)
            except (httpx.TimeoutException, TooSlow):
                return failed(f"polling timed out after {self.check.timeout:g}s")
            except TooLarge as exc:
                return failed(redact(str(exc)))
            except httpx.HTTPError as exc:
                return failed(redact(f"{type(exc).__name__}: {exc}") or type(exc).__name__)
            data = parsed(polled)
            state = json_at(data, job.done_path) if data is not _MISSING else _MISSING
            if state == job.done_value:
                return result(True, f"{job.done_path} = {_shown(state)}")
            if state in job.failed_values:
                return result(False, f"{job.done_path} = {_shown(state)}")
            if time.perf_counter() >= deadline:
                return result(False, f"not done within {job.deadline:g}s "
                                     f"({job.done_path} = {_shown(state)})")
            await asyncio.sleep(min(job.poll, max(0.0, deadline - time.perf_counter())))

    def _status_url(self, answer: Answer) -> str | None:
        job = self.check.job
        assert job is not None
        if job.status_url:
            template = urljoin(self.check.url, job.status_url)
            if "{id}" not in template:
                return template
            ident = json_at(parsed(answer), job.id_path or "")
            if ident is _MISSING or isinstance(ident, dict | list):
                return None
            return template.replace("{id}", quote(str(ident), safe=""))
        location = answer.headers.get("location")
        return urljoin(self.check.url, location) if location else None

    def _failed(self, at: float, error: str) -> list[Reading]:
        detail = {"url": redact(self.check.url), "error": error}
        return [Reading(self.name, name, None, at, error=error, detail=detail)
                for name in self.signal_patterns()]

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _read_upload(path: Path) -> bytes:
    """The body file, refused when it is not a small upload."""
    from cockpit.config import ConfigError, ConfigProblem  # noqa: PLC0415

    try:
        size = path.stat().st_size
        if size > MAX_BODY_FILE:
            raise ConfigError([ConfigProblem(None, str(path), f"body_file is {size} bytes; "
                                             f"at most {MAX_BODY_FILE} (a small upload)")])
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError([ConfigProblem(None, str(path),
                                         f"cannot read body_file: {exc.strerror}")]) from None
