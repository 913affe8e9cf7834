"""The event log's disk fills while the screen runs: the app keeps running and judging,
the log pane's border says what is wrong, a note is refused visibly ("NOT done") and
is not in the log; when space returns, notes are kept again and the border clears."""

from __future__ import annotations

from pathlib import Path

from cockpit.config import load_config
from cockpit.engine import Engine
from cockpit.model import EventKind
from cockpit.store.sqlite import SqliteStore
from cockpit.ui.app import CockpitApp
from tests.support.fs import fill, tmpfs
from tests.support.launch import FakeSource, write_launch
from tests.support.ui import layouts, pane_text, settle

CHECKLIST = "title: t\nsections:\n  - title: s\n    items:\n      - {id: ok, text: OK}\n"


async def test_a_full_disk_under_the_running_screen(tmp_path: Path):
    with tmpfs(tmp_path / "mnt", size_kib=512) as mnt:
        config = load_config(write_launch(tmp_path, CHECKLIST))
        store = SqliteStore(mnt / "e.db")
        src = FakeSource("prom", ["error_rate"], [[]], stale_after=15)
        engine = Engine(config, store, [src], author="alice@bastion")
        app = CockpitApp(engine, layouts("compact"), layout="compact", start_engine=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            fill(mnt)
            for i in range(200):  # the engine's own events until the disk refuses one
                engine._source_failed(src, f"connection refused #{i}" + "x" * 500)
                engine._set_source_error(src, None)
                if engine.store_error:
                    break
            assert engine.store_error and "disk full" in engine.store_error
            app.call_engine("note", "paged the on-call")
            await settle(pilot)
            assert "✖ event log: disk full" in pane_text(app, "log")
            said = [n.message for n in app._notifications]  # run_test hides toasts
            assert any(m.startswith("note NOT done: ") and "disk full" in m for m in said), said
            assert app.is_running
            assert all(e.message != "paged the on-call" for e in store.events(
                kinds=[EventKind.NOTE]))
            (mnt / "ballast").unlink()
            app.call_engine("note", "space is back")
            await settle(pilot)
            assert engine.store_error is None
            assert "event log:" not in pane_text(app, "log")
            assert any(e.message == "space is back" for e in store.events(kinds=[EventKind.NOTE]))
        store.close()
