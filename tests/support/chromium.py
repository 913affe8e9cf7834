"""Real headless Chromium over the DevTools protocol (the `websockets` library): open a
local file, collect console errors, exceptions and every network request, evaluate a
script in the page, take a PNG screenshot.

Chromium runs with a fresh profile and everything that could reach a network off, and
with a proxy that goes nowhere, so a page that tried to fetch anything would show it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.require import missing

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
         "--hide-scrollbars", "--remote-debugging-port=0", "--window-size=960,1200"]


def chromium_binary() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        missing("chromium", "Debian's chromium: bash tools/deps.d/chromium.sh installs it")
    return path  # type: ignore[return-value]


@dataclass
class PageResult:
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    failed: list[str] = field(default_factory=list)  # loads that failed
    value: Any = None  # what the evaluated expression returned
    screenshot: bytes = b""


class _Cdp:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0
        self.pending: dict[int, asyncio.Future] = {}
        self.events: list[dict] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            msg = json.loads(raw)
            if "id" in msg and msg["id"] in self.pending:
                self.pending.pop(msg["id"]).set_result(msg)
            else:
                self.events.append(msg)

    async def send(self, method: str, params: dict | None = None, session: str | None = None
                   ) -> dict:
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = fut
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        await self.ws.send(json.dumps(msg))
        answer = await asyncio.wait_for(fut, 30)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})


async def open_page(path: Path, expression: str, settle: float = 1.0) -> PageResult:
    """Load file `path`, wait for it, evaluate `expression` (JSON-able), screenshot the page."""
    import websockets

    binary = chromium_binary()
    profile = tempfile.mkdtemp(prefix="cockpit-chromium-")
    proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        url = await asyncio.to_thread(_devtools_url, proc)
        async with websockets.connect(url, max_size=64 << 20) as ws:
            cdp = _Cdp(ws)
            target = await cdp.send("Target.createTarget", {"url": "about:blank"})
            attached = await cdp.send("Target.attachToTarget",
                                      {"targetId": target["targetId"], "flatten": True})
            s = attached["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                await cdp.send(f"{domain}.enable", session=s)
            await cdp.send("Page.navigate", {"url": path.resolve().as_uri()}, session=s)
            for _ in range(200):
                if any(e.get("method") == "Page.loadEventFired" for e in cdp.events):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the page did not load")
            await asyncio.sleep(settle)
            value = await cdp.send("Runtime.evaluate", {"expression": expression,
                                                        "returnByValue": True}, session=s)
            metrics = await cdp.send("Page.getLayoutMetrics", session=s)
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            shot = await cdp.send("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["width"],
                         "height": min(size["height"], 2400), "scale": 1}}, session=s)
            result = PageResult(value=value.get("result", {}).get("value"),
                                screenshot=base64.b64decode(shot["data"]))
            for e in cdp.events:
                method, p = e.get("method"), e.get("params", {})
                if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                    result.console_errors.append(json.dumps(p.get("args")))
                elif method == "Runtime.exceptionThrown":
                    result.console_errors.append(json.dumps(p.get("exceptionDetails")))
                elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                    result.console_errors.append(p["entry"].get("text", ""))
                elif method == "Network.requestWillBeSent":
                    result.requests.append(p.get("request", {}).get("url", ""))
                elif method == "Network.loadingFailed":
                    result.failed.append(p.get("errorText", ""))
            cdp.reader.cancel()
            return result
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.poll() is None:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


def _devtools_url(proc: subprocess.Popen) -> str:
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        match = re.search(r"DevTools listening on (ws://\S+)", line)
        if match:
            # keep reading, so chromium never blocks on a full stderr pipe
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return match.group(1)
        if len(seen) > 400:
            break
    raise AssertionError("chromium did not start its DevTools endpoint:\n" + "".join(seen[-20:]))
