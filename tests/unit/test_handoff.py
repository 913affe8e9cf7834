"""`cockpit log handoff`: what the next shift must know, from the log (and the palette
shows the same)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from cockpit.cli import main
from cockpit.model import Event, EventKind, Severity
from cockpit.store.sqlite import SqliteStore
from tests.support.launch import write_launch

CHECKLIST = """\
sections:
  - title: Before
    items:
      - {id: backups, text: Backups restorable}
      - {id: comms, text: Users told}
      - {id: retro, text: Retro booked, required: false}
  - title: Live
    items:
      - {id: errors, text: Error rate below 1%, auto: "http.api.up == true"}
"""


def _log(tmp: Path) -> None:
    t = time.time()
    old = t - 20 * 3600  # before the shift: only its lasting effects count
    store = SqliteStore(tmp / "events.db")
    store.extend([
        Event(EventKind.TICK, "ticked backups", data={"item": "backups"}, author="ann@b0",
              at=old),
        Event(EventKind.NOTE, "old shift note", author="ann@b0", at=old),
        Event(EventKind.VERDICT, "verdict HOLD", data={"verdict": "HOLD"}, at=t - 3600),
        Event(EventKind.BREACH, "error_rate > 0.01 for 2m", Severity.CRITICAL, at=t - 3000),
        Event(EventKind.VERDICT, "verdict NO-GO; failing: errors", Severity.CRITICAL,
              data={"verdict": "NO-GO", "failing": [{"item": "errors", "detail": "0.03"}]},
              at=t - 2990),
        Event(EventKind.ROLLBACK_START, "rollback to revision 2 started",
              data={"rollback_id": "r1"}, author="alice@b1", at=t - 2900),
        Event(EventKind.ROLLBACK_END, "rollback done", data={"rollback_id": "r1",
              "exit_code": 0}, author="alice@b1", at=t - 2800),
        Event(EventKind.ROLLBACK_VERIFY, "verified", data={"rollback_id": "r1",
              "verified": True}, at=t - 2700),
        Event(EventKind.RECOVER, "error_rate recovered", at=t - 2600),
        Event(EventKind.NOTE, "all calm", author="bob@b2", at=t - 600),
        Event(EventKind.NOTE, "p95 creeping up on eu-west", Severity.WARNING, author="bob@b2",
              at=t - 500),
    ])
    store.close()


def test_handoff_markdown_says_what_the_next_shift_must_know(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = write_launch(tmp_path, CHECKLIST)
    _log(tmp_path)
    assert main(["log", "handoff", "-c", str(config), "--since", "8h"]) == 0
    md = capsys.readouterr().out
    assert "## Verdict now: NO-GO" in md
    assert md.index("HOLD: verdict HOLD") < md.index("NO-GO: verdict NO-GO")
    assert "- FAIL errors: Error rate below 1% (0.03)" in md
    # that FAIL is the last verdict event's, 50 minutes old: the handoff says so
    judged = md.split("## Items failing or not ticked")[1].split("- ")[0]
    assert "Auto items as judged at the last verdict change" in judged
    assert "`cockpit check` judges them now" in judged
    assert "- UNTICKED comms: Users told (not ticked)" in md and "backups" not in md.split(
        "## Items")[1].split("##")[0]
    assert "[optional]" in md  # retro, not required, still listed last
    assert "error_rate > 0.01 for 2m" in md and "error_rate recovered" in md
    assert "by alice@b1: rollback to revision 2 started: succeeded, verified" in md
    notes = md.split("## Notes (warnings first)")[1]
    assert notes.index("p95 creeping up") < notes.index("all calm")
    assert "old shift note" not in md
    assert "bob@b2" in md.split("## Who watched")[1]


def test_handoff_json_is_the_same_data(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = write_launch(tmp_path, CHECKLIST)
    _log(tmp_path)
    assert main(["log", "handoff", "-c", str(config), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "NO-GO"
    assert [i["id"] for i in data["items"]] == ["errors", "comms", "retro"]
    assert data["rollbacks"][0]["outcome"] == "succeeded, verified"
    assert [n["severity"] for n in data["notes"]] == ["warning", "info"]


def test_handoff_bad_since_is_one_line_exit_3(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = write_launch(tmp_path, CHECKLIST)
    assert main(["log", "handoff", "-c", str(config), "--since", "soon"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("--since:") and len(err.strip().splitlines()) == 1


def test_handoff_shows_the_verdict_band_at_a_glance(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """The hand-over in a terminal carries the report's verdict band (HOLD then NO-GO an
    hour ago), in the Markdown as a code block and first in `--format text`."""
    config = write_launch(tmp_path, CHECKLIST)
    _log(tmp_path)
    assert main(["log", "handoff", "-c", str(config), "--since", "8h"]) == 0
    md = capsys.readouterr().out
    glance = md.split("## At a glance", 1)[1]
    band = next(line for line in glance.splitlines()
                if line.startswith("verdict ") and "|" in line)
    cells = band.split("|")[1]
    assert "h" in cells and "X" in cells and cells.index("h") < cells.index("X"), band
    assert cells.startswith(" "), band  # nothing logged in the first hours of the shift
    assert main(["log", "handoff", "-c", str(config), "--since", "8h", "--format", "text"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Launch report: test launch")
    assert "# Handoff: test launch" in text
    assert "\x1b" not in text
