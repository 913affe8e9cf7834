"""Building a launch's sources loads no client library: httpx runs on first use (a
client made after the first frame) and the ASR probe's WebSocket client with the first
probe run (issue 14: first frame). And they work once they load. In a fresh
interpreter, so what was imported before does not count."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.launch import write_launch

ROOT = Path(__file__).resolve().parents[2]
CHECKLIST = "title: t\nsections:\n- title: s\n  items:\n  - {id: a, text: a, auto: 'http.api.up'}\n"
EXTRA = f"""\
http:
  api: {{url: 'http://127.0.0.1:9/health', every: 10s}}
prometheus:
  url: http://127.0.0.1:9
  queries:
    error_rate: {{query: 'sum(rate(x[5m]))', unit: ratio}}
gpu: {{source: dcgm}}
asr_probe:
  url: ws://127.0.0.1:9/
  audio: {ROOT}/probes/smoke-en.wav
"""

PROBE = """
import asyncio, json, sys
from cockpit.launch import build
import cockpit.ui.app
launch = build(sys.argv[1])
loaded = lambda: sorted(m for m in ("httpx._client", "websockets.asyncio.client",
                                    "cockpit.sources.asr.probe") if m in sys.modules)
out = {"sources": sorted(s.name for s in launch.engine.sources), "at_build": loaded()}
http = next(s for s in launch.engine.sources if s.name.startswith("http"))
asyncio.run(http.start())
out["client"] = type(http._client).__name__
asr = next(s for s in launch.engine.sources if s.name == "asr")
readings = asyncio.run(asr.sample())
out["asr_ok"] = [r.value for r in readings if r.name == "asr.ok"]
out["after"] = loaded()
print(json.dumps(out))
"""


def test_sources_load_their_clients_when_they_first_run(tmp_path: Path) -> None:
    config = write_launch(tmp_path, CHECKLIST, EXTRA)
    done = subprocess.run([sys.executable, "-c", PROBE, str(config)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"asr", "http.api", "prometheus"} <= set(out["sources"])
    assert out["at_build"] == []
    assert out["client"] == "AsyncClient"
    assert out["asr_ok"] == [False]  # nothing listens on port 9: a failed probe, a reading
    assert out["after"] == ["cockpit.sources.asr.probe", "httpx._client",
                            "websockets.asyncio.client"]
