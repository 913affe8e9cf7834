"""Event stores: the one opener everybody uses (screen, CLI, rollback runner, tests).

`open(spec)` takes a `store:` value (a URL, a mapping, the config's section) and gives
the launch's event log: SQLite (one file per launch) or PostgreSQL (shared by a team,
one table for many launches, with a local journal for when it is away).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cockpit.model import Event
from cockpit.store.spec import StoreSpec, parse

if TYPE_CHECKING:
    from cockpit.config import LaunchConfig


class Store(Protocol):
    """What the engine, the CLI and the rollback need of an event log."""

    def append(self, event: Event) -> bool: ...

    def extend(self, events: Iterable[Event]) -> int: ...

    def events(
        self,
        since: float | None = None,
        kinds: Iterable[str] | None = None,
        limit: int | None = None,
        after_seq: int | None = None,
    ) -> builtins.list[Event]: ...

    def last_seq(self) -> int: ...

    def close(self) -> None: ...


def open(  # noqa: A001 - store.open(spec) is the name the project uses
    spec: str | Mapping[str, Any] | StoreSpec | Any,
    *,
    launch: str = "launch",
    base_dir: Path | None = None,
    journal: Path | None = None,
    bus: str | None = None,
    sync_timeout: float = 3.0,
    read_only: bool = False,
) -> Any:
    """The event log named by `spec`; ValueError for a spec that names no store.

    `read_only` (for `log list`/`export`): a SQLite file is opened without writing to it
    (no WAL switch, no CREATE), so it reads on a read-only mount too. A store that
    cannot be used raises `cockpit.store.sqlite.StoreError` (one line)."""
    parsed = parse(spec, base_dir)
    if parsed.kind == "sqlite":
        from cockpit.store.sqlite import SqliteStore  # noqa: PLC0415

        assert parsed.path is not None
        return SqliteStore(parsed.path, read_only=read_only)
    from cockpit.store.shared import SharedStore  # noqa: PLC0415
    from cockpit.store.spec import default_local_path  # noqa: PLC0415

    return SharedStore(parsed, launch=launch,
                       journal=journal or parsed.journal or default_local_path(launch),
                       bus=bus, sync_timeout=sync_timeout)


def open_store(config: LaunchConfig, override: str | None = None,
               read_only: bool = False) -> Any:
    """The launch's event log: `--store SPEC` if given, else the config's, else XDG state."""
    from cockpit.config import ConfigError, ConfigProblem  # noqa: PLC0415

    spec: Any = override or config.store or f"sqlite:///{config.store_path()}"
    try:
        return open(spec, launch=config.launch, base_dir=config.base_dir,
                    journal=config.store_path() if not override else None, bus=config.bus,
                    read_only=read_only)
    except ValueError as exc:  # at the config's `store:` (file:line:col), not a bare line
        problem = (config.problem(("store",), str(exc).removeprefix("store: "))
                   if hasattr(config, "problem") and not override
                   else ConfigProblem(None, "--store" if override else "store", str(exc)))
        raise ConfigError([problem]) from None


def spec_of(config: LaunchConfig) -> StoreSpec:
    """The parsed store of a config (its default SQLite file when `store:` is left out)."""
    return parse(config.store or f"sqlite:///{config.store_path()}", config.base_dir)
