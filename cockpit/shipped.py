"""Where the shipped layouts, checklists, probe clip, example configs and rehearsal
scenarios are.

In an installed wheel they are package data (`cockpit/_shipped/<kind>/`, copied there at
build time by setup.py); in a checkout (an editable install, the tests) they are the
repository's top-level folders. One lookup, so the demo and the layout loader work from
any directory either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Kind = Literal["layouts", "checklists", "probes", "examples", "rehearsals"]

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(kind: Kind) -> Path:
    """The folder of shipped files of `kind`: in the package if installed, else the checkout."""
    packaged = _PACKAGE / "_shipped" / kind
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / kind


def shipped_file(kind: Kind, name: str) -> Path:
    """One shipped file (it may not exist: callers say so with its path)."""
    return shipped_dir(kind) / name
