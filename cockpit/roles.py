"""Who may do what in a launch: captains roll back; everybody else watches, ticks and
notes; a read-only cockpit (`--read-only`, `read_only: true`, or a name in
`watchers:`) does nothing at all. The name is the OS account (identity.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

CAPTAIN, OPERATOR, READ_ONLY = "captain", "operator", "read-only"

# What each role may do; anything not listed is refused (and the refusal logged).
ALLOWED: dict[str, frozenset[str]] = {
    CAPTAIN: frozenset({"tick", "untick", "note", "sample", "rollback"}),
    OPERATOR: frozenset({"tick", "untick", "note", "sample"}),
    READ_ONLY: frozenset(),
}


def matches(user: str, names: Iterable[str]) -> bool:
    """`user` is `name@host`; an entry `name` matches any host, `name@host` only that."""
    name = user.split("@", 1)[0]
    for entry in names:
        entry = str(entry).strip()
        if entry and (entry == user or ("@" not in entry and entry == name)):
            return True
    return False


def role_of(user: str, config: Any, read_only: bool = False) -> str:
    """The role of operator `user` (`name@host`) in the launch of `config`."""
    if read_only or getattr(config, "read_only", False) or matches(
            user, getattr(config, "watchers", None) or ()):
        return READ_ONLY
    if matches(user, getattr(config, "captains", None) or ()):
        return CAPTAIN
    return OPERATOR


def may(role: str, action: str) -> bool:
    return action in ALLOWED.get(role, frozenset())
