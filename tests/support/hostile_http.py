"""A real HTTP server on loopback that misbehaves on purpose (for bounded-HTTP tests).

Runs in its own thread with its own event loop, on a free port. The first path
segment picks the behaviour, so a client's own path may follow it
(`PromClient(f"{url}/series")` asks `/series/api/v1/query`):

- `/ok`            200, a short JSON body
- `/huge-declared` 200 with Content-Length: 400 MB (sends only what the client reads)
- `/endless`       200, chunked, never ends (64 KiB chunks as fast as the client reads)
- `/drip`          200, Content-Length 100, one byte every 0.2 s
- `/series[/N]`    a Prometheus vector answer with N (1,000,000) series, streamed
- `/echo-auth`     500 whose body echoes the request's Authorization header
- `/escape`        500 whose body holds terminal escapes and markup
"""

from __future__ import annotations

import asyncio
import threading
from urllib.parse import urlsplit

ESCAPES = "\x1b[2J\x1b]0;pwned\x07[red]markup[/red][@click=app.quit]x[/]"


class HostileHttp:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileHttp:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self.loop.run_forever()
        server.close()
        for task in asyncio.all_tasks(self.loop):
            task.cancel()
        self.loop.run_until_complete(asyncio.sleep(0))
        self.loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            target = lines[0].split(" ")[1]
            headers = {k.lower(): v for k, _, v in (ln.partition(": ") for ln in lines[1:] if ln)}
            if headers.get("content-length", "0").isdigit():
                await reader.readexactly(int(headers.get("content-length", "0")))
            await self._answer(urlsplit(target), headers, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _answer(self, url, headers: dict[str, str], w: asyncio.StreamWriter) -> None:
        # The first path segment picks the behaviour (a client's own path may follow it:
        # PromClient(f"{url}/series") asks /series/api/v1/query).
        path = "/" + url.path.strip("/").split("/")[0]
        if path == "/ok":
            await _send(w, 200, b'{"status":"success","data":{"resultType":"vector","result":[]}}')
        elif path == "/huge-declared":
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 400000000\r\n\r\n")
            for _ in range(6400):  # as much as a reader takes, 400 MB at most
                w.write(b"x" * 65536)
                await w.drain()
        elif path == "/endless":
            w.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"y" * 65536
            while True:
                w.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await w.drain()
        elif path == "/drip":
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            for _ in range(100):
                w.write(b"z")
                await w.drain()
                await asyncio.sleep(0.2)
        elif path == "/series":
            parts = url.path.strip("/").split("/")
            n = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 1_000_000
            w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n")
            _chunk(w, b'{"status":"success","data":{"resultType":"vector","result":[')
            batch: list[bytes] = []
            for i in range(n):
                batch.append(b'%s{"metric":{"pod":"asr-%d"},"value":[1700000000,"0.001"]}'
                             % (b"," if i else b"", i))
                if len(batch) == 2000:
                    _chunk(w, b"".join(batch))
                    batch.clear()
                    await w.drain()
            _chunk(w, b"".join(batch) + b"]}}")
            w.write(b"0\r\n\r\n")
            await w.drain()
        elif path == "/echo-auth":
            body = f"denied for Authorization: {headers.get('authorization', '')}".encode()
            await _send(w, 500, body, b"text/plain")
        elif path == "/escape":
            await _send(w, 500, ESCAPES.encode(), b"text/plain")
        else:
            await _send(w, 404, b"no such path", b"text/plain")


def _chunk(w: asyncio.StreamWriter, data: bytes) -> None:
    w.write(b"%x\r\n%s\r\n" % (len(data), data))


async def _send(w: asyncio.StreamWriter, status: int, body: bytes,
                ctype: bytes = b"application/json") -> None:
    reason = {200: b"OK", 404: b"Not Found", 500: b"Internal Server Error"}[status]
    w.write(b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n%s" % (status, reason, ctype, len(body), body))
    await w.drain()
