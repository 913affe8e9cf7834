"""The event log: append-only, idempotent by id, safe for two processes on one host."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from cockpit.model import Event, EventKind
from cockpit.store.sqlite import SqliteStore


def test_second_insert_of_the_same_event_is_a_noop(tmp_path):
    store = SqliteStore(tmp_path / "e.db")
    event = Event(EventKind.NOTE, "paged on-call", data={"who": "bob"}, author="a@h", at=5.0)
    assert store.append(event) is True
    assert store.append(event) is False
    (back,) = store.events()
    assert back == event


def test_rows_cannot_be_changed_or_deleted(tmp_path):
    store = SqliteStore(tmp_path / "e.db")
    store.append(Event(EventKind.NOTE, "x"))
    db = sqlite3.connect(tmp_path / "e.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE events SET message = 'y'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM events")


def test_filters_and_limit_keep_the_newest(tmp_path):
    store = SqliteStore(tmp_path / "e.db")
    for i in range(10):
        store.append(Event(EventKind.NOTE if i % 2 else EventKind.BREACH, f"e{i}", at=float(i)))
    assert [e.message for e in store.events(limit=3)] == ["e7", "e8", "e9"]
    assert [e.message for e in store.events(since=7.0)] == ["e7", "e8", "e9"]
    assert [e.message for e in store.events(kinds=[EventKind.BREACH], limit=2)] == ["e6", "e8"]


def _writer(path: str, who: str, n: int) -> None:
    store = SqliteStore(path)
    for i in range(n):
        store.append(Event(EventKind.NOTE, f"{who} {i}", author=who))


def test_two_processes_write_the_same_log(tmp_path):
    path = str(tmp_path / "e.db")
    SqliteStore(path)  # create the schema first, as the first cockpit does
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, who, 200)) for who in ("alice", "bob")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    events = SqliteStore(path).events()
    assert len(events) == 400
    assert len({e.id for e in events}) == 400
    journal = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert journal == "wal"
