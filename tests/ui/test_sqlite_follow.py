"""A running screen on a SQLite log sees what another process writes to that file: a
`cockpit tick`/`untick` from the shell (a runbook) and a second cockpit on this host.
Before, the screen only knew its own events: an untick from the shell left it at GO."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.model import VerdictKind
from cockpit.ui.app import CockpitApp
from tests.support.ui import layouts, make_engine, pane_text, settle, up


def shell(config: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "cockpit", *args[:1], str(config), *args[1:]],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


async def seen(pilot, engine) -> None:  # noqa: ANN001
    engine.store.poll_remote()  # the follower's round, now (it also runs every 2 s)
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_ticks_from_the_shell_reach_the_running_screen(tmp_path: Path,
                                                             size: tuple[int, int]) -> None:
    engine, source = make_engine(tmp_path)
    source.set(up(True))
    config = tmp_path / "launch.yaml"
    app = CockpitApp(engine, layouts("watch"), layout="watch")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert engine.verdict.kind is VerdictKind.HOLD  # backups, comms not ticked
        shell(config, "tick", "backups", "--comment", "from the runbook")
        shell(config, "tick", "comms")
        await seen(pilot, engine)
        assert engine.verdict.kind is VerdictKind.GO
        assert "from the runbook" in pane_text(app, "log") or "ticked backups" in pane_text(
            app, "log")
        shell(config, "untick", "comms")
        await seen(pilot, engine)
        assert engine.verdict.kind is VerdictKind.HOLD  # never a GO the log no longer says
        assert "GO" not in pane_text(app, "verdict").replace("NO-GO", "")
        ours = [e for e in engine.events() if e.kind == "tick"]
        assert len(ours) == 2 and len({e.id for e in ours}) == 2  # each once
    engine.store.close()
