"""Another identity for a test, through identity.py's explicit seam (never the environment).

`ME` is the OS account the test process (and any cockpit subprocess it starts) runs as:
a config that must let a subprocess act as captain lists it.
"""

from __future__ import annotations

import pytest

from cockpit import identity

ME = identity.current().user


def act_as(monkeypatch: pytest.MonkeyPatch, user: str, host: str | None = None) -> None:
    """Be `user` (on `host`) in this process until the test ends."""
    base = identity.current()
    monkeypatch.setattr(identity, "_assumed",
                        identity.Identity(user, host or base.host, base.ssh_client))
