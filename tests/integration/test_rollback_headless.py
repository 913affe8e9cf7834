"""`cockpit rollback --yes` headless: the plan with the verdict, verification after the
command (passing, and timing out with its own exit code), `--no-verify`, the second
rollback refused unless `--again`, a stale lock broken and logged."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
import yaml

from cockpit import exits
from cockpit.model import EventKind
from tests.integration.test_rollback_standin import _cli, _use
from tests.support.helm import asr_history, history_json, make_standin, recorded
from tests.support.identity import ME
from tests.support.rollback import events_of

pytestmark = pytest.mark.integration

CHECKLIST = """
title: t
sections:
  - title: s
    items:
      - {id: api-up, text: API answers, auto: "http.api.up"}
"""


class _Health:
    """A loopback HTTP server answering `status` (200: the gate passes; 500: it fails)."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        health = self
        self.status = 500

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(health.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/healthz"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def health():
    h = _Health()
    yield h
    h.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(tmp: Path, verify_within: str = "2s", url: str | None = None) -> Path:
    (tmp / "checklist.yaml").write_text(CHECKLIST)
    path = tmp / "launch.yaml"
    path.write_text(yaml.safe_dump({
        "launch": "headless rollback test",
        "checklist": "checklist.yaml",
        "store": f"sqlite:///{tmp / 'events.db'}",
        "captains": [ME],
        "http": {"api": {"url": url or f"http://127.0.0.1:{_closed_port()}/healthz",
                         "every": "1s", "timeout": "1s"}},
        "rollback": {"helm": {"release": "asr", "namespace": "asr", "kube_context": "prod-eu"},
                     "verify_within": verify_within},
    }))  # fmt: skip
    return path


def test_plan_shows_the_verdict_and_failing_gates_and_logs_them(tmp_path, monkeypatch, health):
    exe, record = make_standin(tmp_path / "bin", history_json(asr_history()))
    _use(monkeypatch, exe)
    config = _config(tmp_path, url=health.url)
    out, err = _cli(config, "--plan").communicate(timeout=60)
    assert "verdict:  NO-GO · failing gates: api-up: http.api.up" in out, out + err
    [plan] = events_of(tmp_path / "events.db", EventKind.ROLLBACK_PLAN)
    assert plan.data["verdict"] == "NO-GO" and plan.data["failing"] == ["api-up"]
    assert plan.message.endswith("(verdict NO-GO, failing: api-up)")
    assert [argv[0] for argv in recorded(record)] == ["history"]


def test_yes_verifies_and_a_gate_still_failing_is_not_verified_exit_5(tmp_path, monkeypatch,
                                                                       health):
    exe, _ = make_standin(tmp_path / "bin", history_json(asr_history()))
    _use(monkeypatch, exe)
    config = _config(tmp_path, verify_within="2s", url=health.url)
    proc = _cli(config, "--yes")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == exits.NOT_VERIFIED, out + err
    assert "rollback succeeded" in out
    assert "verifying rollback: api-up still failing" in out  # progress, as it goes
    assert out.splitlines()[-1].startswith("rollback NOT verified after"), out
    [verify] = events_of(tmp_path / "events.db", EventKind.ROLLBACK_VERIFY)
    assert verify.data["verified"] is False and "api-up still failing" in verify.message


def test_no_verify_skips_it(tmp_path, monkeypatch):
    exe, _ = make_standin(tmp_path / "bin", history_json(asr_history()))
    _use(monkeypatch, exe)
    config = _config(tmp_path)
    proc = _cli(config, "--yes", "--no-verify")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == exits.OK, out + err
    assert "not verified (--no-verify)" in out
    assert events_of(tmp_path / "events.db", EventKind.ROLLBACK_VERIFY) == []


def test_go_says_a_rollback_is_not_called_for_and_yes_verifies(tmp_path, monkeypatch, health):
    health.status = 200
    exe, _ = make_standin(tmp_path / "bin", history_json(asr_history()))
    _use(monkeypatch, exe)
    config = _config(tmp_path, verify_within="30s", url=health.url)
    out, err = _cli(config, "--plan").communicate(timeout=60)
    assert "verdict:  GO" in out and "a rollback is not called for" in out, out + err
    proc = _cli(config, "--yes")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == exits.OK, out + err
    assert out.splitlines()[-1].startswith("rollback verified"), out
    [verify] = events_of(tmp_path / "events.db", EventKind.ROLLBACK_VERIFY)
    assert verify.data["verified"] is True
    # And again at once: a second rollback, refused with who, when and state (exit 6).
    proc = _cli(config, "--yes")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == exits.REFUSED, out + err
    assert "SECOND ROLLBACK" in out
    assert f"started by {ME}@" in err and "succeeded, verified" in err and "--again" in err
    assert "younger than quiet_time" in err
    [refused] = events_of(tmp_path / "events.db", EventKind.ROLLBACK_REFUSED)
    assert refused.data["last"]["state"] == "succeeded, verified"
    proc = _cli(config, "--yes", "--again", "--no-verify")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == exits.OK, out + err
    assert len(events_of(tmp_path / "events.db", EventKind.ROLLBACK_END)) == 2


def test_a_stale_lock_is_broken_and_logged(tmp_path, monkeypatch):
    exe, _ = make_standin(tmp_path / "bin", history_json(asr_history()))
    _use(monkeypatch, exe)
    config = _config(tmp_path)
    lock = tmp_path / "events.rollback" / "rollback.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"holder": "bob@" + socket.gethostname(),
                                "host": socket.gethostname(), "pid": 2**22 + 17,
                                "started": 1.0e9, "rollback_id": "deadbeef" * 4,
                                "ttl": 1.0e12}))
    assert not os.path.exists(f"/proc/{2**22 + 17}")
    proc = _cli(config, "--yes", "--no-verify")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == exits.OK, out + err
    [broken] = events_of(tmp_path / "events.db", EventKind.ROLLBACK_LOCK_BROKEN)
    assert broken.data["holder"].startswith("bob@") and "is gone" in broken.data["why"]
    assert broken.author.startswith(f"{ME}@")
