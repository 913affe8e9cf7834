"""The ASR pane under Textual's Pilot, at 80x24 and 200x60.

Readings come from the real AsrProbeSource (`readings()` of a ProbeResult, the
same path `sample()` takes); the pane draws the source's view of them, built by hand
(no engine). The text asserted is what the widget rendered.
"""

from __future__ import annotations

import pytest
from textual.app import App
from textual.geometry import Region
from textual.widgets import Static

from cockpit.config import AsrProbeConfig
from cockpit.model import Reading
from cockpit.sources.asr.result import ProbeProgress, ProbeResult
from cockpit.sources.asr.source import AsrProbeSource
from cockpit.sources.asr.view import AsrView
from cockpit.ui.panes import pane_class
from cockpit.ui.panes.asr import AsrPane, render
from cockpit.ui.spark import sparkline
from tests.support.asr import CLIP, EXPECTED, HOSTILE_TEXT
from tests.support.panes import PaneApp as _PaneApp
from tests.support.panes import context

NOW = 1_800_000_000.0


def make_source() -> AsrProbeSource:
    return AsrProbeSource(AsrProbeConfig(url="wss://asr.internal/v1/stream", audio=CLIP))


def result(**kw: object) -> ProbeResult:
    base: dict[str, object] = dict(
        url="wss://asr.internal/v1/stream", protocol="vosk", expected=EXPECTED, ok=True,
        transcript=EXPECTED, wer=0.0, connect=0.021, first_partial=0.61, final_latency=0.35,
        total=3.7, close_code=1000, close_reason="eof", audio_seconds=3.35, at=NOW - 12,
    )
    base.update(kw)
    return ProbeResult(**base)  # type: ignore[arg-type]


def failing(**kw: object) -> ProbeResult:
    base: dict[str, object] = dict(
        ok=False, transcript="launch smoke best one three", wer=2 / 6,
        reason="WER 0.33 over the limit of 0.20", reasons=["WER 0.33 over the limit of 0.20"],
        final_latency=2.8,
    )
    base.update(kw)
    return result(**base)


def readings_of(source: AsrProbeSource, *results: ProbeResult) -> list[Reading]:
    out: list[Reading] = []
    for r in results:
        source._note(r)
        out = source.readings(r)
    return out


def view_of(source: AsrProbeSource, readings: list[Reading], state: str = "live") -> AsrView:
    """The source's own view over readings it produced, built by hand (no engine)."""
    return source.view(context("asr", readings, at=NOW, state=state, age=12.0))


def PaneApp(view: AsrView, panes: int = 1) -> _PaneApp:  # noqa: N802 - reads as the app
    return _PaneApp(AsrPane(id="asr", configured=True), view, panes)


def screen_lines(app: App) -> list[str]:
    body = app.query_one("#asr-body", Static)
    w, h = body.size
    return [strip.text.rstrip() for strip in body.render_lines(Region(0, 0, w, h))]


def test_registered_as_asr() -> None:
    assert pane_class("asr") is AsrPane


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_pass_with_measurements_transcript_and_history(size) -> None:
    source = make_source()
    readings = readings_of(source, result(final_latency=0.2), result(final_latency=0.9),
                           result())
    app = PaneApp(view_of(source, readings))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
        text = "\n".join(lines)
        assert lines[0].startswith("✔ PASS  10s ago · vosk · wss://asr.internal/v1/stream")
        assert "connect           21 ms  ≤ 2.00 s   ✔" in text
        assert "first partial    610 ms  ≤ 2.00 s   ✔" in text
        assert "final latency    350 ms  ≤ 2.00 s   ✔" in text
        assert "WER                0.00  ≤ 0.20     ✔" in text
        assert f"expected {EXPECTED}" in text and f"heard    {EXPECTED}" in text
        assert "missed or misheard" not in text
        spark = next(line for line in lines if line.startswith("final latency ▁"))
        assert spark.endswith("last 350 ms, max 900 ms")
        assert "why:" not in text
        assert str(app.query_one(AsrPane).border_title) == "ASR probe"


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_fail_shows_why_and_marks_differing_words(size) -> None:
    source = make_source()
    readings = readings_of(source, result(), failing())
    app = PaneApp(view_of(source, readings))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
        text = "\n".join(lines)
        assert lines[0].startswith("✖ FAIL")
        assert "why: WER 0.33 over the limit of 0.20" in text
        assert "WER                0.33  ≤ 0.20     ✖" in text
        assert "final latency    2.80 s  ≤ 2.00 s   ✖" in text
        assert "heard    launch smoke best one three" in text
        assert "2 of 6 expected words missed or misheard, 1 heard words wrong" in text
        drawn = app.query_one(AsrPane).lines  # the Text lines the body shows

        def marks(prefix: str, style: str) -> set[str]:
            line = next(t for t in drawn if t.plain.startswith(prefix))
            return {line.plain[s.start:s.end] for s in line.spans if str(s.style) == style}

        assert marks("heard", "bold red reverse") == {"best"}  # the misheard word
        marked_expected = marks("expected", "bold yellow underline")
        assert marked_expected == {"test", "two"}


async def test_progress_bar_while_streaming() -> None:
    source = make_source()
    readings = readings_of(source, result())
    source.progress = ProbeProgress("streaming", 1.7, 3.4, "launch smoke")
    app = PaneApp(view_of(source, readings))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "streaming ████" in text and "1.7/3.4 s" in text
        assert "… launch smoke" in text
        source.progress = ProbeProgress("done", 3.4, 3.4, "")
        app.pane.show(view_of(source, readings))  # the engine's "progress" change did this
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "streaming" not in text and "1.7/3.4" not in text


async def test_waiting_stale_and_warning() -> None:
    source = make_source()
    app = PaneApp(view_of(source, []))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert screen_lines(app)[0] == "… waiting for the first probe (r probes now)"
    warned = result(warnings=["TLS verification is OFF (asr_probe.verify: false)"])
    app = PaneApp(view_of(source, readings_of(make_source(), warned), state="stale"))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
        assert lines[0] == "◌ STALE: result from 10s ago"
        assert "⚠ TLS verification is OFF (asr_probe.verify: false)" in lines


async def test_hostile_transcript_shown_literally() -> None:
    source = make_source()
    readings = readings_of(source, failing(transcript=HOSTILE_TEXT, reason="WER 1.00 ...",
                                           reasons=["WER 1.00 ..."]))
    app = PaneApp(view_of(source, readings))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        literal = "[red]BOOM[/red] [@click=app.quit]x[/] \\x1b[2J\\x1b]52;c;ZXZpbA==\\x07"
        assert literal + " <b>one</b>" in text
        assert app.is_running  # no MarkupError, no action ran


async def test_crowded_80x24_keeps_verdict_and_why() -> None:
    source = make_source()
    readings = readings_of(source, result(), result(), failing())
    source.progress = ProbeProgress("streaming", 0.5, 3.4, "launch")
    app = PaneApp(view_of(source, readings), panes=4)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pane = app.query_one(AsrPane)
        lines = screen_lines(app)
        assert pane.content_size.height <= 10 and pane.content_size.width <= 40
        assert lines[0].startswith("✖ FAIL")
        assert lines[1].startswith("why: WER 0.33")
        assert any(line.startswith("streaming") for line in lines)
        assert len([line for line in lines if line]) <= pane.content_size.height
        assert all(len(line) <= pane.content_size.width for line in lines)


def test_render_shapes_without_a_screen() -> None:
    source = make_source()
    [ok, *_] = readings_of(source, result(), failing())
    detail = ok.detail
    full = render(detail, None, 100, 30)
    assert any(line.plain.startswith("connect ") for line in full)
    tight = render(detail, None, 60, 6)
    assert len(tight) <= 6
    assert tight[0].plain.startswith("✖ FAIL") and tight[1].plain.startswith("why:")
    assert any(line.plain.startswith("conn ") for line in tight)  # measures on one line
    assert len(render(detail, None, 60, 1)) == 1
    assert sparkline([0.0, 1.0, 2.0], 10, 2.0) == "▁▅█"
