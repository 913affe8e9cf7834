"""One bounded HTTP exchange: at most `max_bytes` of body, at most `total` seconds.

httpx's `timeout` bounds each network operation, not the whole answer: a server that
drips one byte every half second keeps a 3 s timeout busy for ever, and `.get()`
reads a 400 MB body whole into memory. Every source that talks HTTP (Prometheus, the
health checks, the alerts and release sources) goes through `fetch()` so a hostile
or broken server costs bounded memory and time and ends in a clear error:

    response = await fetch(client, "GET", url, max_bytes=1 << 20, total=5.0)

`fetch` returns an `Answer`, the fully read answer (`.status_code`, `.reason_phrase`,
`.headers`, `.content`, `.json()`, `.text`, as on an `httpx.Response`), or raises
`TooLarge` / `TooSlow` (both `BoundedHttpError`, with a one-line message); network
errors are httpx's own, as before. The body limit counts decoded bytes (after gzip),
checked chunk by chunk, and a declared Content-Length over it fails before any body
is read. The answer is not rebuilt as a second `httpx.Response`: that copied and
re-validated every header and re-ran the content decoders, per request (issue 14).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from cockpit.sources import deferred

if TYPE_CHECKING:
    import httpx
else:
    httpx = deferred("httpx")  # runs on first use, after the first frame (sources/__init__)

# Defaults for the callers: a health endpoint answers a few KB; a Prometheus answer
# that a gate can use is far under 8 MiB (~100k series): more is a query to aggregate.
HEALTH_MAX_BYTES = 1 << 20
API_MAX_BYTES = 8 << 20



class Answer:
    """A fully read HTTP answer: what the callers used of the `httpx.Response`."""

    __slots__ = ("content", "headers", "reason_phrase", "status_code")

    def __init__(self, status_code: int, reason_phrase: str, headers: httpx.Headers,
                 content: bytes) -> None:
        self.status_code = status_code
        self.reason_phrase = reason_phrase
        self.headers = headers  # as received (Content-Encoding/-Length of the wire)
        self.content = content  # decoded (gunzipped), at most max_bytes

    def json(self) -> Any:
        """The body parsed as JSON (UTF-8/16/32 detected, as httpx does); ValueError if not."""
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class BoundedHttpError(Exception):
    """An answer refused for its size or its slowness; `str()` is one line."""


class TooLarge(BoundedHttpError):
    def __init__(self, url: str, limit: int) -> None:
        super().__init__(f"answer from {url} is larger than {_size(limit)}: refused")
        self.limit = limit


class TooSlow(BoundedHttpError):
    def __init__(self, url: str, total: float) -> None:
        super().__init__(f"no complete answer from {url} within {total:g}s")
        self.total = total


async def fetch(client: httpx.AsyncClient, method: str, url: str | httpx.URL, *, max_bytes: int,
                total: float, **kwargs: Any) -> Answer:
    """`client.request(method, url, **kwargs)` read in full within both bounds."""
    try:
        async with asyncio.timeout(total):
            return await _read(client, client.build_request(method, url, **kwargs), url, max_bytes)
    except TimeoutError:
        raise TooSlow(_shown(client, url), total) from None


async def _read(client: httpx.AsyncClient, request: httpx.Request, url: str | httpx.URL,
                max_bytes: int) -> Answer:
    response = await client.send(request, stream=True)
    try:
        headers = response.headers
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise TooLarge(_shown(client, url), max_bytes)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(_shown(client, url), max_bytes)
            chunks.append(chunk)
    finally:
        await response.aclose()
    content = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    return Answer(response.status_code, response.reason_phrase, headers, content)


def _shown(client: httpx.AsyncClient, url: str | httpx.URL) -> str:
    """The URL asked, as a person would recognise it (no query string: it may be long)."""
    if not isinstance(url, str):  # built beforehand (prom_api): absolute
        return str(url.copy_with(query=None))
    base = str(client.base_url).rstrip("/")
    return f"{base}/{url.lstrip('/')}" if base and "://" not in url else url


def _size(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"
