"""The shared store's local journal on a full disk: refused in one line, like the SQLite log
(the engine then shows the refusal), and writing again once space is back."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.model import Event, EventKind
from cockpit.store.journal import LocalJournal
from cockpit.store.sqlite import StoreError
from tests.support.fs import fill, tmpfs


def test_a_full_disk_refuses_the_journal_write_and_says_so(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", size_kib=512) as mnt:
        journal = LocalJournal(mnt / "j.db", "launch")
        assert journal.write(Event(EventKind.NOTE, "fits", author="a@h"))
        fill(mnt)
        with pytest.raises(StoreError, match="disk full: the event was NOT written"):
            for i in range(2000):
                journal.write(Event(EventKind.NOTE, "x" * 2000 + str(i), author="a@h"))
        (mnt / "ballast").unlink()
        assert journal.write(Event(EventKind.NOTE, "after space came back", author="a@h"))
        messages = [e.message for e in journal.events()]
        assert messages[0] == "fits" and messages[-1] == "after space came back"
        assert journal.pending_count() == len(messages)  # each queued exactly once
        journal.close()
