"""Local problems of a loaded config, found before anything starts: every file it
names (checklist, probe audio, token and password files, CA bundles, kubeconfig) must
be a readable regular file.

Without this, `validate` said ok and `check` then failed for a local reason reported
as something else: a missing audio file as an ASR service failure (NO-GO), an
unreadable token file as "Prometheus client not configured". Here each is a config
problem at the field's `file:line:col`, exit 3.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from cockpit.config import ConfigProblem, LaunchConfig

# Path fields that name a directory (created when needed) rather than a file to read.
_DIRECTORIES = frozenset({"state_dir"})


def local_problems(config: LaunchConfig) -> list[ConfigProblem]:
    """One problem per named file that cannot be read, at its place in the config."""
    problems = []
    for where, path in _paths(config, ()):
        why = unreadable(path)
        if why is not None:
            problems.append(config.problem(where, f"{why}: {path}"))
    return problems


def unreadable(path: Path) -> str | None:
    """Why `path` cannot be read as a file, or None when it can."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "file not found"
    except OSError as exc:
        return f"cannot read ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return "cannot read (a directory, not a file)"
    if not stat.S_ISREG(mode):
        return "cannot read (not a regular file)"
    try:
        with open(path, "rb") as f:
            f.read(1)
    except OSError as exc:
        return f"cannot read ({exc.strerror or exc})"
    return None


def _paths(model: BaseModel, where: tuple[str | int, ...]) -> Iterator[tuple[tuple, Path]]:
    for name, info in type(model).model_fields.items():
        if info.exclude or name in _DIRECTORIES:
            continue
        yield from _values(getattr(model, name), (*where, info.alias or name))


def _values(value: object, where: tuple) -> Iterator[tuple[tuple, Path]]:
    if isinstance(value, Path):
        yield where, value
    elif isinstance(value, BaseModel):
        yield from _paths(value, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _values(item, (*where, key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _values(item, (*where, i))
