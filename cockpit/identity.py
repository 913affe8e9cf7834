"""Who is running this cockpit: the OS account, never an environment variable.

Roles hang on this name (captains may roll back), and it is the author written into
every event, so it must not be something a user can set: `COCKPIT_USER`, `LOGNAME`
and `USER` are ignored. The account is the real uid's `pwd` entry; under `sudo`
(real uid 0 with `SUDO_UID`, else `SUDO_USER`, naming an existing account) it is the
person who ran sudo, since root could be anyone there. Where the session comes from
(the SSH client's address) is shown in presence but decides nothing.

Tests and rehearsals that need another identity use `assume()`, an explicit seam in
this process only.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace

_lock = threading.Lock()
_assumed: Identity | None = None


@dataclass(frozen=True)
class Identity:
    """One operator: OS account `user` on `host`, from `ssh_client` when over SSH."""

    user: str
    host: str
    ssh_client: str | None = None

    @property
    def operator(self) -> str:
        """`user@host`, as written into events and shown in the lock's holder."""
        return f"{self.user}@{self.host}"


def _account_name() -> str:
    uid = os.getuid()
    if uid == 0:
        sudo_uid = os.environ.get("SUDO_UID", "")
        if sudo_uid.isdigit() and int(sudo_uid) != 0:
            with contextlib.suppress(KeyError):
                return pwd.getpwuid(int(sudo_uid)).pw_name
        sudo_user = os.environ.get("SUDO_USER", "")
        if sudo_user and sudo_user != "root":
            with contextlib.suppress(KeyError):
                return pwd.getpwnam(sudo_user).pw_name  # an existing account only
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid with no passwd entry (some containers): the number itself
        return f"uid{uid}"


def _ssh_client() -> str | None:
    """The SSH client's address of this session (display only: who is watching from where)."""
    for name in ("SSH_CONNECTION", "SSH_CLIENT"):
        value = os.environ.get(name, "").split()
        if value:
            return value[0]
    return None


def current() -> Identity:
    """This process's operator (the assumed one inside `assume()`)."""
    with _lock:
        if _assumed is not None:
            return _assumed
    return Identity(_account_name(), socket.gethostname(), _ssh_client())


@contextlib.contextmanager
def assume(user: str, host: str | None = None) -> Iterator[Identity]:
    """Test seam: act as `user` (on `host`) inside the block, in this process only."""
    global _assumed
    base = current()
    who = replace(base, user=user, host=host or base.host)
    with _lock:
        before, _assumed = _assumed, who
    try:
        yield who
    finally:
        with _lock:
            _assumed = before
