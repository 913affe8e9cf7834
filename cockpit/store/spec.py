"""What a `store:` value means: the one parser of store URLs (no I/O, no drivers).

`sqlite:///PATH` or a bare path is one SQLite file per launch; `postgresql://` (or
`postgres://`) is the shared log of a team, one table for many launches. Everything
that shows a store shows `shown()`, with any password blanked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit.redact import redact

_PG = re.compile(r"^postgres(ql)?://")


@dataclass(frozen=True)
class StoreSpec:
    """A parsed store: kind `sqlite` (with `path`) or `postgresql` (with `url`)."""

    kind: str
    path: Path | None = None
    url: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    journal: Path | None = None

    def shown(self) -> str:
        """The store as it may be printed: the path, or the URL with its password blanked."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        return redact_dsn(self.url or "")

    def as_dict(self) -> dict[str, str | None]:
        """For a child process (the rollback runner): names of secrets, never secrets."""
        return {
            "url": self.url if self.kind != "sqlite" else f"sqlite:///{self.path}",
            "password_env": self.password_env,
            "password_file": str(self.password_file) if self.password_file else None,
            "journal": str(self.journal) if self.journal else None,
        }


def redact_dsn(url: str) -> str:
    """A DSN with `user:password@` and `password=` blanked (plus every registered secret)."""
    url = re.sub(r"(://[^:/@\s]*):[^@\s]*@", r"\1:***@", url)
    url = re.sub(r"(?i)(password=)[^&\s]*", r"\1***", url)
    return redact(url)


def sqlite_path(url: str | None, base_dir: Path | None = None) -> Path | None:
    """The file of a SQLite store (relative paths against `base_dir`); None otherwise."""
    if not url or _PG.match(url):
        return None
    if url == ":memory:":
        return Path(url)
    path = Path(os.path.expanduser(url.removeprefix("sqlite:///")))
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    return path


def default_local_path(launch: str) -> Path:
    """The launch's local SQLite file in the XDG state directory."""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "cockpit" / f"{slug(launch)}.db"


def slug(launch: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", launch.lower()).strip("-") or "launch"


def parse(value: str | Mapping[str, Any] | Any, base_dir: Path | None = None) -> StoreSpec:
    """A `store:` value (a URL string, a mapping or a config section) as a StoreSpec."""
    if isinstance(value, StoreSpec):
        return value
    if isinstance(value, str | os.PathLike):
        fields: dict[str, Any] = {"url": str(value)}
    elif isinstance(value, Mapping):
        fields = dict(value)
    else:  # the config's StoreConfig section
        fields = {k: getattr(value, k, None)
                  for k in ("url", "password_env", "password_file", "journal")}
    url = str(fields.get("url") or "")
    pw_file = fields.get("password_file")
    journal = fields.get("journal")
    common = {
        "password_env": fields.get("password_env") or None,
        "password_file": Path(os.path.expanduser(str(pw_file))) if pw_file else None,
        "journal": Path(os.path.expanduser(str(journal))) if journal else None,
    }
    if _PG.match(url):
        return StoreSpec("postgresql", url=url, **common)
    if "://" in url and not url.startswith("sqlite:///"):
        raise ValueError(f"{url.split('://', 1)[0]}:// is not a store: use sqlite:///PATH "
                         "or postgresql://USER@HOST/DB")
    if not url:
        raise ValueError("the store is empty: use sqlite:///PATH or postgresql://USER@HOST/DB")
    return StoreSpec("sqlite", path=sqlite_path(url, base_dir), **common)
