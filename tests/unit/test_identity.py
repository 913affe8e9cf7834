"""The operator is the OS account: environment variables name nobody."""

from __future__ import annotations

import os
import pwd

from cockpit import identity
from cockpit.model import Event, whoami
from cockpit.rollback.service import is_captain

REAL = pwd.getpwuid(os.getuid()).pw_name


def test_env_vars_do_not_change_the_author_nor_make_a_captain(monkeypatch) -> None:
    for name in ("COCKPIT_USER", "LOGNAME", "USER", "USERNAME"):
        monkeypatch.setenv(name, "alice-the-captain")
    assert identity.current().user == REAL
    assert whoami().split("@", 1)[0] == REAL
    assert Event("note", "hi").author.startswith(f"{REAL}@")
    assert not is_captain(whoami(), ["alice-the-captain"]) or REAL == "alice-the-captain"


def test_sudo_names_the_person_who_ran_it_only_when_really_root(monkeypatch) -> None:
    other = next(p for p in pwd.getpwall() if p.pw_uid not in (0, os.getuid()))
    monkeypatch.setenv("SUDO_UID", str(other.pw_uid))
    monkeypatch.setattr(os, "getuid", lambda: 0)
    assert identity.current().user == other.pw_name
    monkeypatch.delenv("SUDO_UID")
    monkeypatch.setenv("SUDO_USER", other.pw_name)
    assert identity.current().user == other.pw_name
    monkeypatch.setenv("SUDO_USER", "no-such-account-here")
    assert identity.current().user == pwd.getpwuid(0).pw_name  # really root, nobody else
    monkeypatch.setattr(os, "getuid", lambda: other.pw_uid + 1000 if other.pw_uid else 4242)
    monkeypatch.setenv("SUDO_UID", "0")
    assert identity.current().user != pwd.getpwuid(0).pw_name  # not root by env


def test_the_ssh_client_address_is_where_from_not_who(monkeypatch) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "10.1.2.3 51234 10.0.0.1 22")
    me = identity.current()
    assert me.ssh_client == "10.1.2.3" and me.user == REAL


def test_assume_is_the_only_seam_and_it_ends_with_its_block() -> None:
    with identity.assume("mallory", "bastion-9") as who:
        assert whoami() == "mallory@bastion-9" == who.operator
    assert identity.current().user == REAL
