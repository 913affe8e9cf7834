"""The rollback key in the real app: from NO-GO to a running rollback in three keys, the
output streamed, the outcome, "rollback verified"; read-only for non-captains; a rollback
started before a restart is shown running by the new cockpit."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from cockpit.config import load_config
from cockpit.engine import Engine
from cockpit.model import EventKind
from cockpit.rollback.service import Rollbacks
from cockpit.store.sqlite import SqliteStore
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.rollback import RollbackScreen
from tests.support.helm import asr_history, history_json, make_standin, recorded
from tests.support.identity import act_as
from tests.support.ui import CHECKLIST, FakeSource, layouts, screen_text, up

SIZES = [(80, 24), (160, 50)]


def _launch(tmp: Path, captains: list[str]) -> Engine:
    (tmp / "checklist.yaml").write_text(CHECKLIST)
    (tmp / "launch.yaml").write_text(yaml.safe_dump({
        "launch": "asr v2.3 GA",
        "checklist": "checklist.yaml",
        "store": f"sqlite:///{tmp / 'events.db'}",
        "captains": captains,
        "http": {"api": {"url": "http://127.0.0.1:9/healthz", "every": "1h"}},
        "rollback": {"helm": {"release": "asr", "namespace": "asr", "kube_context": "prod-eu"},
                     "verify_within": "5m"},
    }))  # fmt: skip
    config = load_config(tmp / "launch.yaml")
    return Engine(config, SqliteStore(tmp / "events.db"), [FakeSource()])


@pytest.fixture
def standin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    gate = tmp_path / "gate"
    exe, record = make_standin(tmp_path / "bin", history_json(asr_history()), steps=2, gate=gate)
    monkeypatch.setenv("PATH", f"{exe.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("COCKPIT_HELM", raising=False)
    act_as(monkeypatch, "alice")
    return gate, record


async def _until(pilot, cond: Callable[[], bool], what: str, tries: int = 600) -> None:  # noqa: ANN001
    for _ in range(tries):
        if cond():
            return
        await pilot.pause(0.02)
    app = pilot.app
    desk = app.rollback_desk
    state = (desk.stage, desk.message, list(desk.lines)) if desk else None
    raise AssertionError(f"gave up waiting for {what}: {state}\n{screen_text(app)}")


@pytest.mark.parametrize("size", SIZES)
async def test_from_no_go_to_a_verified_rollback(tmp_path: Path, standin, size) -> None:  # noqa: ANN001
    gate, record = standin
    engine = _launch(tmp_path, ["alice"])
    source = engine.sources[0]
    source.set(up(False))
    await engine.sample_now("http.api")
    assert engine.verdict.kind.value == "NO-GO"
    app = CockpitApp(engine, layouts("compact"), start_engine=False)
    async with app.run_test(size=size) as pilot:
        app.refresh_now()
        await pilot.pause()
        assert "R:rollback" in screen_text(app)  # the key is in the footer
        await pilot.press("R")
        desk = app.rollback_desk
        desk.verify_interval = 0.05
        await _until(pilot, lambda: desk.stage == "planned", "the plan")
        text = screen_text(app)
        assert "verdict NO-GO" in text and "failing gates: api-up" in text
        assert "from revision 4 to 2" in text
        assert "kube context prod-eu, namespace asr" in text
        assert "y: arm" in text
        # A stray enter does nothing: the rollback needs y first.
        await pilot.press("enter")
        await pilot.pause()
        assert desk.stage == "planned" and desk.run is None
        await pilot.press("y")
        await pilot.pause()
        assert "ARMED: press enter to roll back now" in screen_text(app)
        await pilot.press("enter")  # keystroke 3: R, y, enter
        await _until(pilot, lambda: "Deployment is not ready" in screen_text(app), "output")
        assert "rollback RUNNING since" in screen_text(app)
        assert "rollback" in app.running_actions  # q will ask first
        gate.touch()
        await _until(pilot, lambda: desk.stage == "ended", "the end")
        await _until(pilot, lambda: "succeeded" in screen_text(app), "the outcome on screen")
        await _until(pilot, lambda: "Happy Helming!" in screen_text(app), "the last output line")
        await engine.sample_now("http.api")  # still failing after the rollback
        await _until(
            pilot, lambda: "verifying rollback: api-up still failing" in screen_text(app), "SLOs"
        )
        source.set(up(True))
        await engine.sample_now("http.api")
        await _until(pilot, lambda: "rollback verified" in screen_text(app), "verified")
        await _until(pilot, lambda: "rollback" not in app.running_actions, "the action to end")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RollbackScreen)
        app.refresh_now()
        await pilot.pause()
        assert "rollback verified (rollout" in screen_text(app)  # the incident log pane
    assert recorded(record)[-1][:4] == ["rollback", "asr", "2", "-n"]
    for kind in (EventKind.ROLLBACK_PLAN, EventKind.ROLLBACK_CONFIRM, EventKind.ROLLBACK_START,
                 EventKind.ROLLBACK_END, EventKind.ROLLBACK_VERIFY):  # fmt: skip
        assert len(engine.store.events(kinds=[kind])) == 1, kind
    verify = engine.store.events(kinds=[EventKind.ROLLBACK_VERIFY])[0]
    assert verify.data["verified"] is True


async def test_non_captain_sees_the_plan_read_only(tmp_path: Path, standin, monkeypatch) -> None:  # noqa: ANN001
    _, record = standin
    act_as(monkeypatch, "mallory")
    engine = _launch(tmp_path, ["alice"])
    app = CockpitApp(engine, layouts("compact"), start_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("R")
        desk = app.rollback_desk
        await _until(pilot, lambda: desk.stage == "planned", "the plan")
        text = screen_text(app)
        assert "READ-ONLY: mallory@" in text and "only the launch's captains" in text
        await pilot.press("y", "enter")
        await pilot.pause()
        assert "is not a captain of this launch" in screen_text(app)
        assert desk.run is None
    denied = engine.store.events(kinds=[EventKind.ROLLBACK_DENIED])
    assert len(denied) == 1 and denied[0].author.startswith("mallory@")
    assert engine.store.events(kinds=[EventKind.ROLLBACK_START]) == []
    assert all(argv[0] == "history" for argv in recorded(record))


async def test_a_restarted_cockpit_shows_the_running_rollback(tmp_path: Path, standin) -> None:  # noqa: ANN001
    gate, _ = standin
    engine = _launch(tmp_path, ["alice"])
    # The cockpit that started it is gone; its runner is not.
    before = Rollbacks(engine.config, SqliteStore(tmp_path / "events.db"))
    started = before.start(await before.plan())
    await _wait_running(started)
    app = CockpitApp(engine, layouts("compact"), start_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        desk = app.rollback_desk
        # recovered right after the first frame (CockpitApp._recover_rollback)
        await _until(pilot, lambda: desk.stage == "running" and "rollback" in app.running_actions,
                     "the running rollback recovered")
        await pilot.press("R")
        await _until(pilot, lambda: "rollback RUNNING since" in screen_text(app), "running")
        assert "from revision 4 to 2" in screen_text(app)
        gate.touch()
        await _until(pilot, lambda: "succeeded" in screen_text(app), "the outcome")
    assert len(engine.store.events(kinds=[EventKind.ROLLBACK_END])) == 1


async def _wait_running(run) -> None:  # noqa: ANN001
    import asyncio

    for _ in range(1500):
        state = run.state()
        if state is not None and state.state == "running" and state.output():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the rollback never started running")


@pytest.mark.parametrize("size", SIZES)
async def test_r_twice_is_a_second_rollback_that_says_so_and_needs_its_own_yes(
    tmp_path: Path, standin, size  # noqa: ANN001
) -> None:
    gate, record = standin
    gate.touch()
    engine = _launch(tmp_path, ["alice"])
    first = Rollbacks(engine.config, engine)
    assert (await first.start(await first.plan()).wait()).exit_code == 0
    app = CockpitApp(engine, layouts("compact"), start_engine=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("R")
        desk = app.rollback_desk
        await _until(pilot, lambda: desk.stage == "planned", "the plan")
        text = screen_text(app)
        assert "SECOND ROLLBACK" in text and desk.second is not None
        assert "alice@" in desk.second.describe()
        await pilot.press("y")
        await pilot.pause()
        assert desk.stage == "again"
        assert "press a to roll back AGAIN" in screen_text(app)
        await pilot.press("enter")  # y then enter is not enough for a second rollback
        await pilot.pause()
        assert desk.run is None
        await pilot.press("a")
        await pilot.pause()
        assert "ARMED: press enter to roll back AGAIN now" in screen_text(app)
        await pilot.press("enter")
        await _until(pilot, lambda: desk.stage == "ended", "the second rollback's end")
    assert sum(1 for argv in recorded(record) if argv[0] == "rollback") == 2
    confirms = engine.store.events(kinds=[EventKind.ROLLBACK_CONFIRM])
    assert [c.data["again"] for c in confirms] == [False, True]
    assert "SECOND rollback" in confirms[-1].message
    assert engine.store.events(kinds=[EventKind.ROLLBACK_REFUSED]) == []
