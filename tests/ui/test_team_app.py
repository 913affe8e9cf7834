"""Two cockpits on one shared store (the machine's PostgreSQL and Redis): a note added
in one appears in the other's log pane, and each banner names the other."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from cockpit import store
from cockpit.config import load_config
from cockpit.engine import Engine
from cockpit.ui.app import CockpitApp
from tests.support.pg import launch_name
from tests.support.ui import FakeSource, layouts, pane_text, settle, type_text, up

pytestmark = pytest.mark.integration

CHECKLIST = """\
title: Team launch
sections:
  - title: Live
    items:
      - {id: api-up, text: API answers, auto: "http.api.up == true", owner: sre}
"""


def _engine(tmp: Path, name: str, url: str, bus: str, author: str) -> Engine:
    (tmp / "checklist.yaml").write_text(CHECKLIST)
    (tmp / f"{author}.yaml").write_text(
        f"launch: {name}\nchecklist: checklist.yaml\nstore: {url}\nbus: {bus}\n"
        "captains: [alice]\n")
    config = load_config(tmp / f"{author}.yaml")
    shared = store.open(config.store, launch=config.launch, journal=tmp / f"{author}.db",
                        bus=config.bus)
    assert shared.bus is not None  # the config's bus: fan-out, not only polling
    source = FakeSource()
    source.set(up(True))
    return Engine(config, shared, [source], author=author)


async def _until(pilots, predicate, what: str, limit: float = 15.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        for pilot in pilots:
            await settle(pilot)
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_note_in_one_cockpit_shows_in_the_other(tmp_path: Path, pg_url: str,
                                                        redis_url: str) -> None:
    name = launch_name()
    alice = _engine(tmp_path, name, pg_url, redis_url, "alice@bastion-1")
    bob = _engine(tmp_path, name, pg_url, redis_url, "bob@bastion-2")
    app_a = CockpitApp(alice, layouts("compact"))
    app_b = CockpitApp(bob, layouts("compact"))
    async with app_a.run_test(size=(120, 40)) as pa, app_b.run_test(size=(120, 40)) as pb:
        await _until([pa, pb], lambda: "bob" in pane_text(app_a, "verdict")
                     and "alice (captain)" in pane_text(app_b, "verdict"), "each names the other")
        assert "2 watching" in pane_text(app_a, "verdict")
        await pa.press("n")
        await type_text(pa, "canary at 5 percent")
        await pa.press("ctrl+s")
        await _until([pa, pb], lambda: "canary at 5 percent" in pane_text(app_b, "log"),
                     "alice's note in bob's log pane", limit=5)
        note = next(e for e in bob.events(kinds=["note"]))
        assert note.author == "alice@bastion-1"
    for engine in (alice, bob):
        engine.store.close()


async def test_the_banner_says_when_the_shared_log_is_away_and_back(tmp_path: Path,
                                                                    pg_proxy) -> None:  # noqa: ANN001
    proxy, url = pg_proxy
    (tmp_path / "checklist.yaml").write_text(CHECKLIST)
    (tmp_path / "launch.yaml").write_text(
        f"launch: {launch_name()}\nchecklist: checklist.yaml\nstore: {url}\n")
    config = load_config(tmp_path / "launch.yaml")
    source = FakeSource()
    source.set(up(True))
    engine = Engine(config, store.open(config.store, launch=config.launch,
                                       journal=tmp_path / "j.db"), [source], author="carol@b3")
    app = CockpitApp(engine, layouts("compact"))
    async with app.run_test(size=(160, 40)) as pilot:
        await _until([pilot], lambda: "1 watching: carol" in pane_text(app, "verdict"),
                     "carol present")
        proxy.cut()
        engine.note("written while the shared log is away")
        await _until([pilot], lambda: "shared log offline since" in pane_text(app, "verdict")
                     and "events waiting" in pane_text(app, "verdict"), "the offline banner")
        proxy.restore()
        await _until([pilot], lambda: "shared log back:" in pane_text(app, "verdict"),
                     "the back banner", limit=30)
        assert "written while the shared log is away" in pane_text(app, "log")
    engine.store.close()
