"""`cockpit demo --print-config` as a subprocess, then the headless commands pointed at
the config it prints: `cockpit check` must see live values from every source."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.support.require import missing

ROOT = Path(__file__).resolve().parents[2]
# Before the script's upgrade the release is 2.3.1: the deploy item reads "not yet".
# (Auth, the upload job and the deploy are checked by gates now, not ticked.)
PENDING_BEFORE_UPGRADE = {"deploy-executed"}


def cockpit(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL)


class PrintConfig:
    """`cockpit demo --print-config` running; its printed config path and lines."""

    def __init__(self, *extra: str, command: tuple[str, ...] = (sys.executable, "-m", "cockpit"),
                 cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [*command, "demo", "--print-config", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd,
            stdin=subprocess.DEVNULL, env={**(env or os.environ), "PYTHONUNBUFFERED": "1"})
        self.lines: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("simulators running"):
                self.ready.set()
        self.ready.set()

    def config(self) -> Path:
        assert self.ready.wait(60), "demo did not start"
        first = [ln for ln in self.lines if ln.startswith("config: ")]
        assert first, "\n".join(self.lines)
        return Path(first[0].split(": ", 1)[1])

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(20)


@pytest.fixture
def demo():
    if importlib.util.find_spec("pocketsphinx") is None:
        missing("pocketsphinx", "the demo's ASR simulator needs it: pip install -e '.[demo]'")
    running = PrintConfig()
    yield running
    if running.proc.poll() is None:
        running.proc.kill()
        running.proc.wait(10)


def test_check_against_the_demo_reads_every_source(demo):
    config = demo.config()
    text = config.read_text()
    assert "kubeconfig:" in text and "asr_probe:" in text and "rollback:" in text
    assert demo.lines[demo.lines.index("---") + 1].startswith("# cockpit demo")

    result = cockpit("check", str(config), "--json")
    assert result.returncode in (1, 2), result.stderr
    report = json.loads(result.stdout)
    autos = [i for i in report["items"] if i["auto"]]
    assert len(autos) >= 10
    for item in autos:
        assert item["status"] in ("pass", "fail") or item["detail"].startswith("not yet ("), item
        assert "no reading" not in item["detail"] and "error:" not in item["detail"], item
        assert "stale" not in item["detail"], item
    # Each source's signals are live: kube, prometheus, gpu (dcgm), asr probe, http.
    details = " ".join(i["detail"] for i in autos)
    for signal_name in ("rollout.complete", "pods.not_ready", "error_rate", "p95_latency",
                        "gpu.count = 4", "asr.wer", "http.health.status = 200",
                        "http.noauth.up = true", "http.auth.up = true", "tcp.postgres.up = true",
                        "tls.min_days_left = 60", "alerts.rules_loaded = 2",
                        'release.app_version = "'):
        assert signal_name in details, signal_name
    if report["verdict"] == "HOLD":  # before the script's upgrade at 0:30
        assert set(report["unknown"]) == PENDING_BEFORE_UPGRADE
    pre = {i["id"] for i in report["items"] if i["ticked_by"]}
    assert {"window-announced", "rollback-target-known"} <= pre

    plan = cockpit("rollback", str(config), "--plan")
    from cockpit.demo import find_helm

    if find_helm() is not None:
        assert plan.returncode == 0, plan.stderr
        assert "roll back helm release asr" in plan.stdout
        assert "--kube-context demo" in plan.stdout
    else:
        assert plan.returncode == 4
        assert "cockpit demo has no helm" in plan.stderr

    assert demo.stop() == 0
    assert "simulators stopped" in demo.lines[-1]
    assert not config.exists()  # the temp dir goes with the demo


def test_demo_refuses_without_a_terminal_and_checks_its_options():
    result = cockpit("demo")
    assert result.returncode == 3
    assert "needs a terminal" in result.stderr and "--print-config" in result.stderr
    bad = cockpit("demo", "--print-config", "--fault", "meteor@10")
    assert bad.returncode == 3 and "unknown fault 'meteor'" in bad.stderr
    slow = cockpit("demo", "--print-config", "--speed", "0")
    assert slow.returncode == 3 and "--speed" in slow.stderr


def test_kept_store_outlives_the_demo(tmp_path):
    if importlib.util.find_spec("pocketsphinx") is None:
        missing("pocketsphinx", "the demo's ASR simulator needs it: pip install -e '.[demo]'")
    store = tmp_path / "rehearsal.db"
    running = PrintConfig("--store", str(store))
    try:
        config = running.config()
        assert f"sqlite:///{store}" in config.read_text()
    finally:
        assert running.stop() == 0
    listed = cockpit("log", "list", "--store", str(store), "--kind", "tick", "--json")
    assert listed.returncode == 0, listed.stderr
    ticks = [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]
    assert ticks and all(t["author"] == "cockpit-demo@rehearsal" for t in ticks)
