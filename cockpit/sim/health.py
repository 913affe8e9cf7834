"""The rehearsal's service API on loopback: what the richer HTTP checks look at.

Beside the demo's `/health` it answers, as a real ASR service's API would:

- `GET /v1/models`: 401 without `Authorization: Bearer TOKEN`, 200 with it (JSON
  `{"status": "ok", "models": [...]}`); every answer carries
  `Strict-Transport-Security`, and an `Origin` in `allowed_origins` is echoed in
  `Access-Control-Allow-Origin` (`OPTIONS` answers the preflight);
- `POST /v1/jobs` (a small upload, at most 10 MiB): 202, `{"id": ...}` and a
  `Location: /v1/jobs/ID`; `GET /v1/jobs/ID`: `{"status": "queued" | "running" |
  "completed" | "failed"}`, completed `job_seconds` after the submission (failed when
  the upload was empty).

`ApiHandler` is a handler class to subclass (the demo's health handler does); `ApiServer`
holds the token, the origins and the jobs.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_UPLOAD = 10 << 20
HSTS = "max-age=31536000; includeSubDomains"


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, token: str, allowed_origins: tuple[str, ...] = (),
                 job_seconds: float = 2.0, handler: type[BaseHTTPRequestHandler] | None = None,
                 ) -> None:
        self.token = token
        self.allowed_origins = allowed_origins
        self.job_seconds = job_seconds
        self.jobs: dict[str, tuple[float, int]] = {}  # id -> (submitted at, bytes)
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # method, path, headers
        super().__init__(("127.0.0.1", 0), handler or ApiHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class ApiHandler(BaseHTTPRequestHandler):
    server: ApiServer  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # one write per answer, as a real server (see sim/prometheus/server)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    # ------------------------------------------------------------ plumbing

    def answer(self, code: int, body: dict[str, Any] | None = None,
               headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Strict-Transport-Security", HSTS)
        origin = self.headers.get("Origin")
        if origin and origin in self.server.allowed_origins:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _record(self) -> str:
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.requests.append((self.command, path, dict(self.headers.items())))
        return path

    def _authorized(self) -> bool:
        want = f"Bearer {self.server.token}"
        return secrets.compare_digest(self.headers.get("Authorization", ""), want)

    # ------------------------------------------------------------ routes

    def api_get(self, path: str) -> bool:
        """Answer `path` if it is an API route; False when it is not one."""
        if path == "/v1/models":
            if not self._authorized():
                self.answer(401, {"error": "missing or wrong token"},
                            {"WWW-Authenticate": 'Bearer realm="asr"'})
            else:
                self.answer(200, {"status": "ok", "models": ["asr-en-2.4"]})
            return True
        if path.startswith("/v1/jobs/"):
            ident = path.removeprefix("/v1/jobs/")
            with self.server.lock:
                job = self.server.jobs.get(ident)
            if job is None:
                self.answer(404, {"error": "no such job"})
                return True
            submitted, size = job
            age = time.monotonic() - submitted
            if size == 0:
                state = "failed"
            elif age >= self.server.job_seconds:
                state = "completed"
            else:
                state = "running" if age >= self.server.job_seconds / 2 else "queued"
            self.answer(200, {"id": ident, "status": state, "bytes": size})
            return True
        return False

    def api_post(self, path: str) -> bool:
        if path != "/v1/jobs":
            return False
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_UPLOAD:
            self.answer(413, {"error": f"upload must be 0..{MAX_UPLOAD} bytes"})
            self.close_connection = True
            return True
        self.rfile.read(length)
        if not self._authorized():
            self.answer(401, {"error": "missing or wrong token"})
            return True
        ident = secrets.token_hex(8)
        with self.server.lock:
            self.server.jobs[ident] = (time.monotonic(), length)
        self.answer(202, {"id": ident, "status": "queued"}, {"Location": f"/v1/jobs/{ident}"})
        return True

    def do_GET(self) -> None:  # noqa: N802
        if not self.api_get(self._record()):
            self.answer(404, {"error": "not found"})

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        if not self.api_post(self._record()):
            self.answer(404, {"error": "not found"})

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._record()
        self.answer(204, None, {"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                                "Access-Control-Allow-Headers": "Authorization, Content-Type"})
