"""The sim's loopback HTTP server (`PromSim`): routes, outage and delay faults,
the request record.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cockpit.sim.prometheus.alerts import answer_alerts, answer_rules
from cockpit.sim.prometheus.api import answer_query, answer_range, error_body
from cockpit.sim.prometheus.query import Evaluator, QueryError, QueryTable

# ---------------------------------------------------------------- the server


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "Prometheus-cockpit-sim/0.1"
    # Each answer leaves in one write (flushed after each request), as a real server's
    # does: written unbuffered, the headers and the body went in two segments and the
    # second waited for the client's delayed ACK (~40 ms on loopback), which cost the
    # client a second wake-up and read per answer (its CPU per query doubled).
    wbufsize = 1 << 16

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
