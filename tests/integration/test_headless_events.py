"""What a headless command measures goes into the log as the screen would write it:
`cockpit check` writes the breach a watching screen would have (found in the history it
backfills, logged once however often a pipeline runs it); `cockpit probe --store` writes
the probe result."""

from __future__ import annotations

import importlib.util
import json
import time

from tests.integration.test_demo_cli import PrintConfig, cockpit
from tests.support.require import missing


def _events(config, kinds: str) -> list[dict]:
    listed = cockpit("log", "list", "-c", str(config), "--kind", kinds, "--json")
    assert listed.returncode == 0, listed.stderr
    return [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]


def test_check_logs_a_breach_once_however_often_it_runs():
    if importlib.util.find_spec("pocketsphinx") is None:
        missing("pocketsphinx", "the demo's ASR simulator needs it: pip install -e '.[demo]'")
    demo = PrintConfig("--speed", "5", "--no-scripted-fault", "--fault", "errors@5")
    try:
        config = demo.config()
        breaches: list[dict] = []
        for _ in range(30):
            assert cockpit("check", str(config)).returncode in (1, 2)
            breaches = [e for e in _events(config, "breach")
                        if e["data"]["signal"] == "error_rate"]
            if breaches:
                break
            time.sleep(1)
        assert breaches, "no breach logged by cockpit check"
        assert breaches[0]["author"] == "cockpit:prometheus"
        assert "breaches > 5%" in breaches[0]["message"]
        for _ in range(2):
            assert cockpit("check", str(config)).returncode in (1, 2)
        again = [e for e in _events(config, "breach") if e["data"]["signal"] == "error_rate"]
        assert [e["id"] for e in again] == [breaches[0]["id"]]
    finally:
        assert demo.stop() == 0
