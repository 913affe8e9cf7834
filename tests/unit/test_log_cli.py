"""`cockpit log add|list|export`: notes from the shell, the post-mortem timeline."""

from __future__ import annotations

import json

from cockpit.cli import main
from cockpit.model import Event, EventKind, Severity
from cockpit.store.sqlite import SqliteStore
from tests.support.identity import act_as
from tests.support.launch import write_launch

CHECKLIST = "title: t\nsections:\n  - title: s\n    items:\n      - {id: a, text: A}\n"


def test_add_list_and_export(tmp_path, capsys, monkeypatch):
    config = write_launch(tmp_path, CHECKLIST, name="asr v2.3 GA")
    act_as(monkeypatch, "carol")
    store = SqliteStore(tmp_path / "events.db")
    store.append(Event(EventKind.VERDICT, "verdict GO", data={"verdict": "GO"}, at=1000.0,
                       author="alice@b1"))
    store.append(Event(EventKind.BREACH, "error_rate above 5% for 2m", Severity.CRITICAL,
                       at=1100.0, author="alice@b1"))
    store.append(Event(EventKind.VERDICT, "verdict NO-GO; failing: errors",
                       data={"verdict": "NO-GO"}, at=1101.0, author="alice@b1"))
    store.append(Event(EventKind.SESSION, "alice started watching", Severity.DEBUG, at=999.0))

    assert main(["log", "add", "rolled back | paged db team\nsee #inc-42", "-c", str(config),
                 "--severity", "warning"]) == 0
    assert "note added by carol@" in capsys.readouterr().out

    assert main(["log", "list", "-c", str(config), "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["kind"] for x in lines] == ["verdict", "breach", "verdict", "note"]  # no debug
    assert lines[-1]["severity"] == "warning" and lines[-1]["author"].startswith("carol@")

    assert main(["log", "list", "-c", str(config), "--kind", "breach,note"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "breach" in out[0] and "note" in out[1]

    assert main(["log", "export", "-c", str(config), "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Timeline: asr v2.3 GA\n")
    assert "| 1970-01-01 00:16:40 | GO | 1m41s | verdict GO |" in md  # 1000 -> 1101
    breach = "| 1970-01-01 00:18:20 | breach | critical | alice@b1 | error_rate above 5% for 2m |"
    assert breach in md
    assert "rolled back \\| paged db team<br>see #inc-42" in md  # one table row, pipes escaped
    assert md.index("verdict GO") < md.index("error_rate above") < md.index("rolled back")

    assert main(["log", "export", "-c", str(config), "--format", "json", "--all"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["launch"] == "asr v2.3 GA" and len(exported["events"]) == 5


def test_since_filters_by_age(tmp_path, capsys):
    config = write_launch(tmp_path, CHECKLIST)
    store = SqliteStore(tmp_path / "events.db")
    store.append(Event(EventKind.NOTE, "old", at=1.0))
    store.append(Event(EventKind.NOTE, "new"))
    assert main(["log", "list", "-c", str(config), "--since", "1h"]) == 0
    out = capsys.readouterr().out
    assert "new" in out and "old" not in out


def test_no_config_is_a_clear_error(capsys, monkeypatch):
    monkeypatch.delenv("COCKPIT_CONFIG", raising=False)
    assert main(["log", "list"]) == 3
    assert "no launch config" in capsys.readouterr().err


def test_an_unknown_kind_is_an_error_listing_the_known_ones(tmp_path, capsys):
    config = write_launch(tmp_path, CHECKLIST)
    SqliteStore(tmp_path / "events.db").close()
    assert main(["log", "list", "-c", str(config), "--kind", "notes"]) == 3
    err = capsys.readouterr().err
    assert "unknown kind 'notes'; did you mean 'note'?" in err
    assert "known kinds: note, tick, untick, verdict" in err
    assert main(["log", "export", "-c", str(config), "--kind", "tick,bogus"]) == 3
    assert "unknown kind 'bogus'" in capsys.readouterr().err


def test_a_store_that_does_not_exist_is_an_error_unless_create(tmp_path, capsys):
    typo = tmp_path / "typo.db"
    assert main(["log", "list", "--store", str(typo)]) == 3
    assert "no event log here" in capsys.readouterr().err
    assert main(["log", "export", "--store", str(typo)]) == 3
    assert main(["log", "add", "a note", "--store", str(typo)]) == 3
    assert "pass --create to start a new one" in capsys.readouterr().err
    assert not typo.exists()
    config = write_launch(tmp_path, CHECKLIST)  # its store (events.db) does not exist yet
    assert main(["log", "add", "a note", "-c", str(config)]) == 3
    assert not (tmp_path / "events.db").exists()
    assert main(["log", "add", "a note", "--store", str(typo), "--create"]) == 0
    assert main(["log", "add", "second", "--store", str(typo)]) == 0  # exists now
    capsys.readouterr()
    assert main(["log", "list", "--store", str(typo)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_every_column_of_log_list_is_one_line(tmp_path, capsys):
    store = SqliteStore(tmp_path / "events.db")
    store.append(Event(EventKind.NOTE, "line one\nline two\tend", author="eve\nfake 00:00 line",
                       at=1000.0))
    store.close()
    assert main(["log", "list", "--store", str(tmp_path / "events.db")]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert "eve\\nfake 00:00 line" in line and "line one\\nline two\\tend" in line
