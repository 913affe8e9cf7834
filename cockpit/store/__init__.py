"""Event stores. SQLite is the default; the launch config's `store:` picks one."""

from __future__ import annotations

from cockpit.config import ConfigError, ConfigProblem, LaunchConfig
from cockpit.store.sqlite import SqliteStore


def open_store(config: LaunchConfig, override: str | None = None) -> SqliteStore:
    """The launch's event log: `--store PATH` if given, else the config's, else XDG state."""
    if override:
        return SqliteStore(override)
    if config.store and "://" in config.store and not config.store.startswith("sqlite:///"):
        scheme = config.store.split("://", 1)[0]
        raise ConfigError([ConfigProblem(
            None, "store",
            f"{scheme}:// stores are not available in this version; use sqlite:///PATH "
            "(one file per launch) or leave `store:` out for the default",
        )])
    return SqliteStore(config.store_path())
