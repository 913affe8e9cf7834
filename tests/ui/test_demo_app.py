"""The demo's screen, built exactly as `cockpit demo` builds it (`cockpit.demo.build_app`),
over the real simulators: the verdict banner and the live panes fill in from every
source, and the palette's fault commands reach the script."""

from __future__ import annotations

import importlib.util

import pytest

from cockpit.demo import Demo, DemoOptions, build_app
from tests.support.require import missing
from tests.support.ui import pane_text, screen_text, type_text

LIVE = ("http.health.up", "pods.total", "rollout.complete", "error_rate", "p95_latency",
        "gpu.count", "asr.ok")


@pytest.fixture
def demo(tmp_path):
    if importlib.util.find_spec("pocketsphinx") is None:
        missing("pocketsphinx", "the demo's ASR simulator needs it: pip install -e '.[demo]'")
    running = Demo(DemoOptions(workdir=str(tmp_path / "demo"))).start()
    yield running
    running.stop()


async def wait_live(pilot, app, deadline: float = 45.0) -> None:
    """Until every source has a reading with data (the ASR probe takes ~3.5 s)."""
    waited = 0.0
    while waited < deadline:
        readings = app.engine.readings
        if all(n in readings and readings[n].has_data for n in LIVE):
            app.refresh_now()
            await pilot.pause(0.3)
            return
        await pilot.pause(0.2)
        waited += 0.2
    have = {n: (r.value, r.error) for n, r in app.engine.readings.items() if n in LIVE}
    raise AssertionError(f"sources not live after {deadline:g}s: {have}")


def assert_live_panes(app, minimum: int) -> list[str]:
    """Every pane bound to a source says "live" in its border; returns their sources."""
    sources = []
    for pane in app.current_panes():
        if pane.source_name is None:
            continue
        sources.append(pane.source_name)
        assert app.engine.source_status(pane.source_name).state == "live", pane.source_name
        assert "live" in str(pane.border_subtitle), (pane.source_name, pane.border_subtitle)
    assert len(sources) >= minimum, sources
    return sources


async def test_launch_layout_at_200x60_shows_verdict_and_live_panes(demo):
    app = build_app(demo, bell=False)  # as `cockpit demo` with no --layout
    try:
        async with app.run_test(size=(200, 60)) as pilot:
            await wait_live(pilot, app)
            assert app.layout_name == "launch"
            text = screen_text(app)
            assert "asr 2.4.0 rehearsal" in text
            assert "Verdict: HOLD" in text or "Verdict: NO-GO" in text
            assert "waiting on" in text
            sources = assert_live_panes(app, 4)
            assert {"prometheus", "gpu"} <= set(sources)
            # SLO pane: values with yesterday's comparison (Prometheus sim, compare: 1d)
            assert "error rate" in text and "vs yesterday" in text
            # GPU pane: the four DCGM GPUs on two nodes
            assert "2 nodes · 4 GPUs" in text
            assert "up 200" in text
            assert "rehearsal started" in text
    finally:
        await app.engine.stop()


async def test_no_layout_at_80x24_is_compact_with_every_headline_and_a_fault(demo):
    app = build_app(demo, bell=False)  # as `cockpit demo` with no --layout, on a laptop
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_live(pilot, app)
            assert app.layout_name == "compact"
            text = screen_text(app)
            assert "Verdict: HOLD" in text or "Verdict: NO-GO" in text
            strip = pane_text(app, "signals")
            for figure in ("error rate", "p95 latency", "ready", "crash-looping", "util max",
                           "first partial", "http"):
                assert figure in strip, figure
            assert "PASS" in strip or "FAIL" in strip
            lines = [line for line in strip.splitlines() if "●" in line]
            assert len(lines) >= 5 and all(line.rstrip(" │").endswith("s") for line in lines)
            await pilot.press("colon")
            await pilot.pause(0.3)
            await type_text(pilot, "Fault: errors")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await pilot.pause(0.3)
            windows = demo.scenario.windows
            assert [(w.name, w.by) for w in windows] == [("errors", "operator")]
            # What the Prometheus sim answers once the spike has risen (15 s):
            assert demo.scenario.error_rate(windows[0].start + 30) > 0.05
            notes = [e.message for e in app.engine.events(kinds=["note"])]
            assert any("fault injected by" in n and "5xx spike" in n for n in notes)
    finally:
        await app.engine.stop()


async def test_compact_layout_at_80x24(demo):
    app = build_app(demo, "compact", bell=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_live(pilot, app)
            text = screen_text(app)
            assert "HOLD" in text or "NO-GO" in text
            assert "Before the window opens" in text and "Incident log" in text
    finally:
        await app.engine.stop()


async def test_a_screen_rehearsal_ends_with_its_scorecard_and_the_palette_lists_scenarios(
        tmp_path):
    if importlib.util.find_spec("pocketsphinx") is None:
        missing("pocketsphinx", "the demo's ASR simulator needs it: pip install -e '.[demo]'")
    short = tmp_path / "short.yaml"
    short.write_text("name: short\ntitle: a fault, then the end\nduration: '0:40'\n"
                     "steps:\n  - {at: '0:10', fault: xid, lasts: 1m}\n")
    running = Demo(DemoOptions(workdir=str(tmp_path / "demo"), speed=10,
                               scenario=str(short))).start()
    app = build_app(running, bell=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            titles = [c.title for c in app.get_system_commands(app.screen)]
            for name in ("launch", "blind", "asr-regression", "gpu-saturation",
                         "stalled-rollout", "flapping"):
                assert f"Scenario: {name}" in titles
            assert "Rehearsal: scorecard" in titles
            cards = []
            for _ in range(400):  # the scenario ends 4 s (wall) after its sources are up
                cards = [e for e in app.engine.events(kinds=["note"]) if "scorecard" in e.data]
                if cards:
                    break
                await pilot.pause(0.1)
            assert len(cards) == 1, "no scorecard at the end of the rehearsal"
            m = cards[0].data["scorecard"]["milestones"]
            sc = running.scenario
            # on its own clock: the instant the fault was injected, due at 0:10
            assert m["fault"]["at"] == sc.windows[0].start
            assert sc.s(m["fault"]["at"]) == pytest.approx(10, abs=1.5)
            assert m["fault"]["what"] == "xid"
            assert cards[0].message.startswith("rehearsal scorecard (short): detected")
            await pilot.pause(0.5)  # the toast is a message, handled after the event is logged
            assert any("Rehearsal scorecard" in (n.title or "") for n in app._notifications)
    finally:
        await app.engine.stop()
        running.stop()
