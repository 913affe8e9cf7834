"""The engine's one path to the screen: `engine.view(source)` is the source's typed view
over what the engine holds, and a view moving between samples is pushed as a change."""

from __future__ import annotations

from pathlib import Path

from cockpit.engine import Change
from cockpit.sources.http_view import HttpView
from cockpit.views import ChecklistView, ReadingsView, VerdictView
from tests.support.ui import FakeSource, make_engine, up


class Plain(FakeSource):
    """A source with no view of its own."""

    view = None  # type: ignore[assignment]


class Streaming(FakeSource):
    """A source whose view moves between samples (like the ASR probe streaming)."""

    def __init__(self) -> None:
        super().__init__("asr", ("asr.ok",))
        self.listeners: list = []

    def add_progress_listener(self, callback) -> None:  # noqa: ANN001
        self.listeners.append(callback)


async def test_view_is_the_sources_typed_view_over_the_engines_readings(tmp_path: Path) -> None:
    engine, source = make_engine(tmp_path)
    assert engine.view("nope") is None
    source.set(up(True))
    await engine.sample_now("http.api")
    view = engine.view("http.api")
    assert isinstance(view, HttpView)
    assert view.up is not None and view.up.value is True and view.status.state == "live"
    assert view.at >= view.up.at
    assert isinstance(engine.checklist_view(), ChecklistView)
    verdict = engine.verdict_view()
    assert isinstance(verdict, VerdictView) and verdict.launch == "asr v2.3 GA"
    assert verdict.item_names["backups"] == "Backups restorable"


async def test_a_source_without_a_view_gets_its_readings(tmp_path: Path) -> None:
    engine, source = make_engine(tmp_path, Plain())
    source.set(up(True))
    await engine.sample_now("http.api")
    view = engine.view("http.api")
    assert type(view) is ReadingsView and set(view.readings) == {"http.api.up"}


async def test_progress_between_samples_is_a_change(tmp_path: Path) -> None:
    source = Streaming()
    engine, _ = make_engine(tmp_path, source)
    changes: list[Change] = []
    engine.subscribe(changes.append)
    await engine.sample_once(timeout=5)
    assert len(source.listeners) == 1
    source.listeners[0](object())
    assert Change("progress", "asr") in changes
