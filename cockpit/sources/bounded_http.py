"""One bounded HTTP exchange: at most `max_bytes` of body, at most `total` seconds.

httpx's `timeout` bounds each network operation, not the whole answer: a server that
drips one byte every half second keeps a 3 s timeout busy for ever, and `.get()`
reads a 400 MB body whole into memory. Every source that talks HTTP (Prometheus, the
health checks, the alerts and release sources) goes through `fetch()` so a hostile
or broken server costs bounded memory and time and ends in a clear error:

    response = await fetch(client, "GET", url, max_bytes=1 << 20, total=5.0)

`fetch` returns an ordinary, fully read `httpx.Response` (`.json()`, `.text` work),
or raises `TooLarge` / `TooSlow` (both `BoundedHttpError`, with a one-line message);
network errors are httpx's own, as before. The body limit counts decoded bytes (after
gzip), checked chunk by chunk, and a declared Content-Length over it fails before
any body is read.
"""

from __future__ import annotations

import asyncio
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

_DROP = frozenset({"content-encoding", "content-length", "transfer-encoding"})


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
                total: float, **kwargs: Any) -> httpx.Response:
    """`client.request(method, url, **kwargs)` read in full within both bounds."""
    try:
        async with asyncio.timeout(total):
            return await _read(client, method, url, max_bytes, kwargs)
    except TimeoutError:
        raise TooSlow(_shown(client, url), total) from None


async def _read(client: httpx.AsyncClient, method: str, url: str | httpx.URL, max_bytes: int,
                kwargs: dict[str, Any]) -> httpx.Response:
    async with client.stream(method, url, **kwargs) as response:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise TooLarge(_shown(client, url), max_bytes)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(_shown(client, url), max_bytes)
            chunks.append(chunk)
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DROP]
        return httpx.Response(response.status_code, headers=headers, content=b"".join(chunks),
                              request=response.request, extensions=response.extensions)


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
