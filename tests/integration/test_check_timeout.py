"""`cockpit check --timeout N` against a Prometheus that accepts and never answers: it ends
within about a second of N and says "timed out after N s", not "no reading yet"."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from cockpit import exits
from cockpit.cli import main
from tests.support.launch import write_launch

CHECKLIST = """
title: t
sections:
  - title: s
    items:
      - {id: fast, text: Fast, auto: "p95_latency < 500ms"}
"""


@pytest.fixture
def silent_port():
    """A TCP server that accepts every connection and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def test_the_timeout_is_honoured_and_named(tmp_path, silent_port, capsys):
    config = write_launch(tmp_path, CHECKLIST, f"""
prometheus:
  url: http://127.0.0.1:{silent_port}/
  queries:
    p95_latency: {{query: 'vector(1)', unit: seconds}}
""")
    started = time.monotonic()
    code = main(["check", str(config), "--timeout", "3"])
    took = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == exits.HOLD
    assert "p95_latency: error: timed out after 3 s" in out, out
    assert "no reading yet" not in out
    assert 2.9 <= took < 4.0, took  # one deadline for start (backfill) and the sample
