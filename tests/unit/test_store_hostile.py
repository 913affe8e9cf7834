"""The event log's file is outside input: every way it can be bad is one clear line.

Read-only mount, full disk (real tmpfs), corrupt and truncated files, a directory
or a path under a file: a `StoreError`, and through the real CLI one line and exit 3
(never a traceback, never exit 1 which a CI gate reads as NO-GO).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.model import Event, EventKind
from cockpit.store.sqlite import SqliteStore, StoreError
from tests.support.fs import fill, remount, tmpfs
from tests.support.launch import write_launch

CHECKLIST = "title: t\nsections:\n  - title: s\n    items:\n      - {id: ok, text: OK}\n"


def cockpit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit.cli", *args], capture_output=True,
                          text=True, timeout=60, check=False)


def one_line(done: subprocess.CompletedProcess[str], code: int = 3) -> str:
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_synchronous_is_full_and_journal_is_wal(tmp_path: Path):
    store = SqliteStore(tmp_path / "e.db")
    assert store._db.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert store._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign"])
def test_a_corrupt_or_foreign_file_is_one_line(tmp_path: Path, damage: str):
    path = tmp_path / "e.db"
    if damage == "garbage":
        path.write_bytes(os.urandom(8192))
    elif damage == "truncated":
        store = SqliteStore(path)
        for i in range(300):
            store.append(Event(EventKind.NOTE, "n" * 200 + str(i), author="a@h"))
        store.close()
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
        for side in ("-wal", "-shm"):
            Path(f"{path}{side}").unlink(missing_ok=True)
    else:
        sqlite3.connect(path).execute("CREATE TABLE other (x)").connection.commit()
    for read_only in (False, True):
        with pytest.raises(StoreError) as info:
            SqliteStore(path, read_only=read_only).events()
        assert str(info.value).startswith(f"{path}: ") and "\n" not in str(info.value)
    line = one_line(cockpit("log", "list", "--store", str(path)))
    assert line.startswith(f"cockpit: event log: {path}: ")
    config = write_launch(tmp_path, CHECKLIST)
    line = one_line(cockpit("check", str(config), "--store", str(path)))  # 3, not NO-GO (1)
    assert str(path) in line


def test_a_directory_or_a_path_under_a_file(tmp_path: Path):
    (tmp_path / "afile").write_text("x")
    cases = {tmp_path: "is a directory", tmp_path / "afile" / "e.db": "a parent of it is a file"}
    for path, why in cases.items():
        with pytest.raises(StoreError, match=why):
            SqliteStore(path)
        line = one_line(cockpit("log", "add", "--store", str(path), "a note"))
        assert why in line


def test_a_read_only_filesystem_can_still_be_read_not_written(tmp_path: Path):
    with tmpfs(tmp_path / "mnt") as mnt:
        store = SqliteStore(mnt / "e.db")
        store.append(Event(EventKind.NOTE, "before the remount", author="a@h"))
        store.close()
        remount(mnt, read_only=True)
        done = cockpit("log", "list", "--store", str(mnt / "e.db"))
        assert done.returncode == 0, done.stderr
        assert "before the remount" in done.stdout
        done = cockpit("log", "export", "--store", str(mnt / "e.db"))
        assert done.returncode == 0 and "before the remount" in done.stdout
        line = one_line(cockpit("log", "add", "--store", str(mnt / "e.db"), "after"))
        assert "read-only" in line
        remount(mnt, read_only=False)


def test_a_full_disk_refuses_the_event_and_says_so(tmp_path: Path):
    with tmpfs(tmp_path / "mnt", size_kib=512) as mnt:
        store = SqliteStore(mnt / "e.db")
        store.append(Event(EventKind.NOTE, "fits", author="a@h"))
        fill(mnt)
        with pytest.raises(StoreError, match="disk full: the event was NOT written"):
            for i in range(2000):  # WAL pages fill the last bytes first
                store.append(Event(EventKind.NOTE, "x" * 2000 + str(i), author="a@h"))
        (mnt / "ballast").unlink()
        assert store.append(Event(EventKind.NOTE, "after space came back", author="a@h"))
        messages = [e.message for e in store.events()]
        assert messages[0] == "fits" and messages[-1] == "after space came back"
        assert len(messages) == len(set(messages))  # nothing half-written twice
        store.close()


def test_the_engine_keeps_judging_on_a_full_disk_and_refuses_ticks_visibly(tmp_path: Path):
    from cockpit.config import load_config
    from cockpit.engine import Engine
    from cockpit.model import VerdictKind
    from tests.support.launch import FakeSource

    with tmpfs(tmp_path / "mnt", size_kib=512) as mnt:
        config = load_config(write_launch(tmp_path, CHECKLIST))
        store = SqliteStore(mnt / "e.db")
        src = FakeSource("prom", ["error_rate"], [[]], stale_after=15)
        engine = Engine(config, store, [src], author="alice@bastion")
        fill(mnt)
        for i in range(300):  # the engine's own events: dropped, the failure kept
            engine._source_failed(src, f"connection refused #{i}")
            engine._set_source_error(src, None)
        assert engine.store_error is not None and "disk full" in engine.store_error
        assert engine.verdict.kind == VerdictKind.HOLD  # still judging
        with pytest.raises(StoreError, match="NOT written"):
            engine.tick("ok")  # an operator's action is refused, not lost silently
        assert engine.item_states()["ok"].status.value == "unticked"
        (mnt / "ballast").unlink()
        engine.tick("ok")
        assert engine.store_error is None
        store.close()
