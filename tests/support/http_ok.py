"""A loopback HTTP handler that answers every GET with 200 "ok" and logs nothing: the
smallest live endpoint for a test or a benchmark (an HTTP check, a TLS client)."""

from __future__ import annotations

import http.server


class OkHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass
