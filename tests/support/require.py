"""Skip loudly when a real part is absent, but fail under CI: a missing part there is a defect."""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(part: str, reason: str) -> None:
    """Call when `part` (a server, a binary) cannot be found or started."""
    message = f"{part} unavailable: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI is set: a missing part is a failure, not a skip)")
    pytest.skip(f"SKIPPED LOUDLY: {message}")


def require_binary(name: str, *extra_dirs: str) -> str:
    """Path of executable `name` on PATH or in `extra_dirs`, else skip/fail as above."""
    path = shutil.which(name, path=os.pathsep.join([*extra_dirs, os.environ.get("PATH", "")]))
    if path is None:
        missing(name, "not on PATH; `make test` installs it (tools/deps.d/)")
    return path  # type: ignore[return-value]
