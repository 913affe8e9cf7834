"""State survives: quit and restart on the same store, and a SIGHUP (a dropped SSH
session) to `cockpit run` in a real pseudo-terminal while it writes events."""

from __future__ import annotations

import http.server
import os
import sys
import threading
import time
from pathlib import Path

from cockpit.model import EventKind, Status
from cockpit.store.sqlite import SqliteStore
from cockpit.ui.app import CockpitApp
from tests.support.identity import ME
from tests.support.pty_app import PtyApp
from tests.support.ui import (
    cursor_to,
    focus_pane,
    layouts,
    make_engine,
    pane_text,
    settle,
    type_text,
    up,
)

COCKPIT = str(Path(sys.executable).with_name("cockpit"))


async def test_quit_and_restart_keeps_ticks_and_notes(tmp_path: Path) -> None:
    engine, source = make_engine(tmp_path)
    source.set(up(True))
    app = CockpitApp(engine, layouts("compact"), layout="compact")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = await focus_pane(pilot, "checklist")
        await cursor_to(pilot, pane, "item:backups")
        await pilot.press("space")
        await type_text(pilot, "ok")
        await pilot.press("enter")
        await pilot.press("n")
        await type_text(pilot, "kept")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("q")
    await engine.stop()
    engine.store.close()

    engine2, source2 = make_engine(tmp_path)
    source2.set(up(True))
    app2 = CockpitApp(engine2, layouts("compact"), layout="compact")
    async with app2.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        state = engine2.item_states()["backups"]
        assert state.status == Status.PASS and state.comment == "ok"
        row = next(line for line in pane_text(app2, "checklist").split("\n") if "Backups" in line)
        assert "✔" in row and "ticked — ok" in row
        assert "kept" in pane_text(app2, "log")
    await engine2.stop()


class _Flapping(http.server.BaseHTTPRequestHandler):
    """200, 500, 200, ...: the verdict flips GO/NO-GO and the engine writes events."""

    count = 0

    def do_GET(self) -> None:  # noqa: N802
        type(self).count += 1
        self.send_response(200 if self.count % 2 else 500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _launch(tmp: Path, port: int) -> Path:
    (tmp / "checklist.yaml").write_text(
        "title: t\nsections:\n  - title: Live\n    items:\n"
        "      - {id: api-up, text: API answers, auto: \"http.api.up == true\"}\n")
    config = tmp / "launch.yaml"
    config.write_text(f"launch: hangup test\nchecklist: checklist.yaml\nstore: {tmp}/events.db\n"
                      f"http:\n  api: {{url: \"http://127.0.0.1:{port}/\", every: 100ms}}\n")
    return config


def test_sighup_exits_promptly_and_loses_no_committed_event(tmp_path: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Flapping)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = _launch(tmp_path, server.server_address[1])
    term = PtyApp([COCKPIT, "run", str(config), "--layout", "compact"], 100, 30,
                  env={}, cwd=str(tmp_path))
    try:
        term.wait_for(lambda s: "Checklist" in s and "hangup test" in s, 30)
        term.write("n")
        term.wait_for(lambda s: "Note for the incident log" in s, 10)
        term.write("before the hangup")
        term.write("\x13")  # ctrl+s
        reader = SqliteStore(tmp_path / "events.db")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            kinds = [e.kind for e in reader.events()]
            if "note" in kinds and kinds.count("verdict") >= 4:
                break
            time.sleep(0.05)
        committed = {e.id for e in reader.events()}  # what another reader sees as committed
        assert len(committed) >= 5
        hung_up = time.monotonic()
        term.hangup()
        code = term.wait(10)
        took = time.monotonic() - hung_up
    finally:
        term.kill()
        server.shutdown()
    assert code == 129, term.text()
    assert took < 5.0, f"took {took:.1f}s to exit after SIGHUP"

    after = SqliteStore(tmp_path / "events.db")
    events = after.events()
    assert committed <= {e.id for e in events}
    notes = [e for e in events if e.kind == EventKind.NOTE]
    assert [n.message for n in notes] == ["before the hangup"]
    assert notes[0].author.startswith(f"{ME}@")
    # A clean exit: the engine stopped and said so.
    assert events[-1].kind == EventKind.SESSION and "stopped" in events[-1].message
    assert os.path.getsize(tmp_path / "events.db") > 0


def test_under_tmux_in_256_colours_no_truecolor_is_sent(tmp_path: Path) -> None:
    (tmp_path / "checklist.yaml").write_text(
        "title: t\nsections:\n  - title: S\n    items:\n      - {id: a, text: Item A}\n")
    config = tmp_path / "launch.yaml"
    config.write_text(f"launch: tmux test\nchecklist: checklist.yaml\nstore: {tmp_path}/e.db\n")
    env = {"TERM": "screen-256color", "TMUX": "/tmp/tmux-0/default,1,0", "COLORTERM": ""}
    raw: list[bytes] = []
    term = PtyApp([COCKPIT, "run", str(config), "--layout", "compact"], 80, 24, env=env)
    feed = term.stream.feed
    term.stream.feed = lambda data: (raw.append(data), feed(data))[1]
    try:
        term.wait_for(lambda s: "tmux test" in s and "Item A" in s and "HOLD" in s, 30)
        term.write("q")
        assert term.wait(10) == 0
    finally:
        term.kill()
    out = b"".join(raw)
    assert b"38;5;" in out  # 256-colour escapes
    assert b"38;2;" not in out and b"48;2;" not in out  # never truecolor


def test_terminal_gone_without_sighup_still_exits(tmp_path: Path) -> None:
    """SIGHUP blocked (so it never arrives): the tty watchdog sees the hang-up and exits,
    instead of spinning on end-of-input as an orphan."""
    (tmp_path / "checklist.yaml").write_text(
        "title: t\nsections:\n  - title: S\n    items:\n      - {id: a, text: Item A}\n")
    config = tmp_path / "launch.yaml"
    config.write_text(f"launch: no hup\nchecklist: checklist.yaml\nstore: {tmp_path}/e.db\n")
    block = ("import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP});"
             " os.execv(sys.argv[1], sys.argv[1:])")
    term = PtyApp([sys.executable, "-c", block, COCKPIT, "run", str(config)], 80, 24)
    try:
        term.wait_for(lambda s: "no hup" in s and "Item A" in s, 30)
        gone = time.monotonic()
        term.close_master()
        code = term.wait(15)
        took = time.monotonic() - gone
    finally:
        term.kill()
    assert code == 129
    assert took < 8.0
    events = SqliteStore(tmp_path / "e.db").events()
    assert events[-1].kind == EventKind.SESSION and "stopped" in events[-1].message
