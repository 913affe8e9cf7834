"""`cockpit check` as a CI/CD gate, run as a subprocess against a real local HTTP server:
healthy -> exit 0 (GO), answering 500 -> 1 (NO-GO), down -> 2 (HOLD), bad config -> 3."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.launch import write_launch

CHECKLIST = """
title: gate
sections:
  - title: Service
    items:
      - {id: health, text: /health answers 200, auto: "http.health.status == 200"}
      - {id: latency, text: /health under 500 ms, auto: "http.health.latency < 500ms"}
"""


class Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"ok" if type(self).status == 200 else b"boom")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    handler = type("H", (Health,), {"status": 200})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, handler
    httpd.shutdown()
    httpd.server_close()


def check(config, *extra):
    return subprocess.run([sys.executable, "-m", "cockpit", "check", str(config), *extra],
                          capture_output=True, text=True, timeout=60)


def test_check_exit_codes_follow_the_service(tmp_path, server):
    httpd, handler = server
    port = httpd.server_address[1]
    config = write_launch(tmp_path, CHECKLIST, f"""
        http:
          health: {{url: "http://127.0.0.1:{port}/health", timeout: 2s}}
        """)

    healthy = check(config, "--json")
    assert healthy.returncode == 0, healthy.stderr
    report = json.loads(healthy.stdout)
    assert report["verdict"] == "GO"
    assert [i["status"] for i in report["items"]] == ["pass", "pass"]
    assert report["items"][0]["value"] == 200

    handler.status = 500
    failing = check(config, "--json")
    assert failing.returncode == 1, failing.stderr
    report = json.loads(failing.stdout)
    assert report["verdict"] == "NO-GO" and report["failing"] == ["health"]
    assert "500" in report["items"][0]["detail"]

    httpd.shutdown()
    httpd.server_close()
    down = check(config, "--json")
    assert down.returncode == 2, down.stderr
    report = json.loads(down.stdout)
    assert report["verdict"] == "HOLD"
    assert report["unknown"] == ["health", "latency"]
    assert all("error" in i["detail"] for i in report["items"])

    table = check(config)  # the human form names the verdict and what it waits on
    assert table.returncode == 2
    assert "HOLD" in table.stdout and "waiting on: health, latency" in table.stdout


def test_config_error_is_exit_3_one_line_no_traceback(tmp_path):
    config = write_launch(tmp_path, CHECKLIST, "http:\n  health: {url: 'http://x', every: soon}\n")
    result = check(config)
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert f"{config}:5:" in result.stderr and "http.health.every" in result.stderr


def test_unknown_signal_in_checklist_is_exit_3(tmp_path):
    config = write_launch(tmp_path, CHECKLIST.replace("http.health.latency", "http.helth.latency"),
                          "http:\n  health: {url: 'http://127.0.0.1:9/'}\n")
    result = check(config)
    assert result.returncode == 3
    assert "unknown signal 'http.helth.latency'" in result.stderr
    assert "checklist.yaml:7:9: item 'latency'" in result.stderr
