"""What a watching `cockpit run` holds in memory (issue 14: RSS under 90 MB with every
source configured): on the demo's config, in a real terminal, once every source has had
its first say, none of the packages it has no use for is loaded. Each of these came in
through a library's own imports (httpx's CLI, the kubernetes client's OIDC and proxy
helpers) or would with a store or bus the demo does not use. Also: the garbage
collector, paused while the screen starts (cockpit/startup.py), is back by then; what
the first frame does not need (the sources' clients, the rollback service) was not
loaded when it was drawn (issue 14: first frame); and the rollback dialog (RichLog,
rich.pretty) waits until it is opened."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from tests.integration.test_demo_cli import PrintConfig
from tests.support.pty_app import PtyApp
from tests.support.require import missing

# package -> who brought it in, before issue 14
NOT_LOADED = {
    "click": "httpx's CLI (httpx._main), click installed for jiwer",
    "pygments": "httpx's CLI",
    "requests": "the kubernetes client's rest.py (should_bypass_proxies, for a proxy)",
    "oauthlib": "the kubernetes client's kube_config.py (OIDC token refresh)",
    "requests_oauthlib": "the kubernetes client's kube_config.py (OIDC token refresh)",
    "dateutil": "the kubernetes client's api_client.py (model deserialization)",
    "psycopg": "a shared store (postgresql://); the demo's is SQLite",
    "psycopg_pool": "a shared store",
    "redis": "a bus (redis://); the demo has none",
    "cryptography": "the tls source, only for a certificate that does not verify",
    "boto3": "an ECS rollback target; the demo's is helm",
}

# loaded once the screen is up, not before its first frame (issue 14: first frame)
LATER = ["httpx._client", "websockets.asyncio.client", "cockpit.sources.asr.probe",
         "cockpit.rollback.service"]
# not loaded by the first frame, whether or not something loads it later
NOT_BY_FIRST_FRAME = {
    "importlib.metadata": "pydantic's plugin lookup (answered in cockpit/__init__.py)",
    "email": "importlib.metadata's METADATA parsing",
}
# loaded when their dialog first opens, not by a watching cockpit (RichLog: rich.pretty...)
ON_DEMAND = ["cockpit.ui.screens.rollback", "textual.widgets._rich_log", "rich.pretty"]

# Runs `cockpit run ...` and, once every source has sampled, writes the loaded modules.
PROBE = """
import gc, json, os, sys, threading, time
import cockpit.ui.app as app_mod
from cockpit.cli import main
apps, gc_at_start = [], []
real_init = app_mod.CockpitApp.__init__
def init(self, *args, **kwargs):
    real_init(self, *args, **kwargs)
    gc_at_start.append(gc.isenabled())
    apps.append(self)
app_mod.CockpitApp.__init__ = init
real_mount = app_mod.CockpitApp.on_mount
at_first_frame = []
async def on_mount(self):
    await real_mount(self)  # what is loaded when the first frame is drawn, just after this
    at_first_frame.extend(sorted(set(sys.modules) & set(json.loads(os.environ["LATER"]))))
app_mod.CockpitApp.on_mount = on_mount
def watch():
    while not apps:
        time.sleep(0.1)
    engine = apps[0].engine
    while not all(s.name in engine._sampled for s in engine.sources):
        time.sleep(0.1)
    out = {"sources": sorted(s.name for s in engine.sources), "modules": sorted(sys.modules),
           "gc": [gc_at_start[0], gc.isenabled()], "at_first_frame": at_first_frame}
    with open(os.environ["PROBE_OUT"], "w") as f:
        json.dump(out, f)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
sys.exit(main(sys.argv[1:]))
"""


def test_a_watching_cockpit_loads_nothing_it_does_not_use(tmp_path: Path) -> None:
    if importlib.util.find_spec("pocketsphinx") is None:
        missing("pocketsphinx", "the demo's ASR simulator needs it: pip install -e '.[demo]'")
    demo = PrintConfig("--no-scripted-fault")
    try:
        config = demo.config()
        out = tmp_path / "modules.json"
        term = PtyApp([sys.executable, "-c", PROBE, "run", str(config), "--layout", "launch"],
                      120, 40, env={"PROBE_OUT": str(out),
                                "LATER": json.dumps(LATER + list(NOT_BY_FIRST_FRAME))})
        try:
            term.wait(90)
        finally:
            term.kill()
        assert out.exists(), f"the sources never all sampled; screen:\n{term.text()}"
        got = json.loads(out.read_text())
    finally:
        demo.stop()
    # every kind of source ran (else a lazy import could pass unseen)
    kinds = {name.split(".")[0].split(":")[0] for name in got["sources"]}
    assert {"kube", "prometheus", "gpu", "asr", "http", "tcp", "tls", "alerts",
            "release"} <= kinds, got["sources"]
    loaded = {m.split(".")[0] for m in got["modules"]}
    assert "httpx" in loaded and "kubernetes" in loaded and "textual" in loaded
    unwanted = {pkg: why for pkg, why in NOT_LOADED.items() if pkg in loaded}
    assert not unwanted, f"loaded by a watching cockpit: {unwanted}"
    # the garbage collector paused while the screen starts, back once it has drawn
    assert got["gc"] == [False, True]
    assert got["at_first_frame"] == [], "should load after the first frame (or never)"
    assert set(LATER) <= set(got["modules"])  # and they did load, after it
    assert not set(ON_DEMAND) & set(got["modules"])
