"""`cockpit tick` / `untick` from the shell, with the screen's event, author and rules;
`cockpit check` lists what is still unticked and who owns it; a healthy demo reaches GO
from a pipeline by ticking."""

from __future__ import annotations

import importlib.util
import json
import time

from cockpit import exits
from cockpit.cli import main
from cockpit.model import EventKind, whoami
from cockpit.store.sqlite import SqliteStore
from tests.integration.test_demo_cli import PrintConfig, cockpit
from tests.support.launch import write_launch
from tests.support.require import missing

CHECKLIST = """
title: t
sections:
  - title: Before
    items:
      - {id: comms-sent, text: Launch announced, owner: comms}
      - {id: backup-done, text: Backup taken, owner: dba}
      - {id: docs, text: Docs published, required: false}
      - {id: api-up, text: API answers, auto: "http.api.up"}
"""


def _events(tmp_path, kind):
    store = SqliteStore(tmp_path / "events.db")
    try:
        return store.events(kinds=[kind])
    finally:
        store.close()


def _launch(tmp_path):
    return write_launch(tmp_path, CHECKLIST, "http:\n  api: {url: 'http://127.0.0.1:9/'}\n")


def test_tick_and_untick_write_the_screens_events(tmp_path, capsys):
    config = _launch(tmp_path)
    assert main(["tick", str(config), "comms-sent", "--comment", "sent 09:00"]) == exits.OK
    out = capsys.readouterr().out
    assert "ticked comms-sent: Launch announced (owner: comms) by " + whoami() in out
    assert "1 required manual item still unticked: backup-done" in out
    [tick] = _events(tmp_path, EventKind.TICK)
    assert tick.author == whoami() and tick.data == {"item": "comms-sent", "comment": "sent 09:00"}
    assert tick.message == "ticked comms-sent: Launch announced (sent 09:00)"  # as the screen
    # Ticking it again changes nothing and says who did.
    assert main(["tick", str(config), "comms-sent"]) == exits.OK
    assert "already ticked by " + whoami() in capsys.readouterr().out
    assert len(_events(tmp_path, EventKind.TICK)) == 1
    assert main(["untick", str(config), "comms-sent", "-m", "wrong channel"]) == exits.OK
    assert "unticked comms-sent" in capsys.readouterr().out
    [untick] = _events(tmp_path, EventKind.UNTICK)
    assert untick.data["comment"] == "wrong channel"
    assert main(["untick", str(config), "comms-sent"]) == exits.OK
    assert "not ticked; nothing changed" in capsys.readouterr().out


def test_unknown_id_lists_close_matches_and_auto_items_refuse(tmp_path, capsys):
    config = _launch(tmp_path)
    assert main(["tick", str(config), "coms-sent"]) == exits.BAD_INPUT
    err = capsys.readouterr().err
    assert "no item 'coms-sent'" in err and "did you mean comms-sent?" in err
    assert main(["tick", str(config), "zzz"]) == exits.BAD_INPUT
    assert "manual items: comms-sent, backup-done, docs" in capsys.readouterr().err
    assert main(["tick", str(config), "api-up"]) == exits.BAD_INPUT
    assert "judged by its live signal (http.api.up)" in capsys.readouterr().err
    assert _events(tmp_path, EventKind.TICK) == []


def test_check_lists_the_unticked_items_and_their_owners(tmp_path, capsys):
    config = _launch(tmp_path)
    assert main(["tick", str(config), "backup-done"]) == exits.OK
    capsys.readouterr()
    assert main(["check", str(config), "--timeout", "2"]) == exits.HOLD
    out = capsys.readouterr().out
    assert "still unticked (2)" in out
    assert "comms-sent  Launch announced  [owner: comms]" in out
    assert "docs  Docs published (optional)  [no owner]" in out
    assert "backup-done  Backup" not in out
    assert main(["check", str(config), "--json", "--timeout", "2"]) == exits.HOLD
    report = json.loads(capsys.readouterr().out)
    assert [(u["id"], u["owner"]) for u in report["unticked"]] == [("comms-sent", "comms"),
                                                                  ("docs", None)]


def test_a_healthy_demo_reaches_go_from_the_shell():
    if importlib.util.find_spec("pocketsphinx") is None:
        missing("pocketsphinx", "the demo's ASR simulator needs it: pip install -e '.[demo]'")
    demo = PrintConfig("--speed", "20", "--no-scripted-fault")
    try:
        config = demo.config()
        deadline = time.monotonic() + 60
        while not any("rollout to 2.4.0 complete" in ln for ln in demo.lines):
            assert time.monotonic() < deadline, "\n".join(demo.lines)
            time.sleep(0.2)
        first = cockpit("check", str(config), "--json")
        report = json.loads(first.stdout)
        assert report["failing"] == [], report["failing"]
        # The rehearsal pre-ticks what it cannot practise: take those ticks back, as a
        # pipeline that starts from nothing would be, then tick them from the shell.
        pre = [i["id"] for i in report["items"]
               if i["auto"] is None and i["required"] and i["ticked_by"]]
        assert pre, report["items"]
        for item_id in pre:
            assert cockpit("untick", str(config), item_id).returncode == exits.OK
        held = cockpit("check", str(config), "--json")
        assert held.returncode == exits.HOLD, held.stdout + held.stderr
        unticked = json.loads(held.stdout)["unticked"]
        assert {u["id"] for u in unticked if u["required"]} == set(pre)
        assert all(u["owner"] for u in unticked if u["id"] in pre)
        for item in unticked:
            done = cockpit("tick", str(config), item["id"], "--comment", "from the pipeline")
            assert done.returncode == exits.OK, done.stderr
        for _ in range(5):  # live gates (probe latency) may wobble on a loaded machine
            final = cockpit("check", str(config))
            assert "still unticked" not in final.stdout, final.stdout
            if final.returncode == exits.OK:
                break
            time.sleep(1)
        assert final.returncode == exits.OK, final.stdout + final.stderr
        assert " GO " in final.stdout
    finally:
        assert demo.stop() == 0
