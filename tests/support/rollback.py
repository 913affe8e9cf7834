"""Launch configs and store look-ups for the rollback tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cockpit.config import LaunchConfig, load_config
from cockpit.model import Event
from cockpit.store.sqlite import SqliteStore
from tests.support.identity import ME

ROOT = Path(__file__).resolve().parents[2]


def write_config(
    tmp: Path,
    rollback: dict[str, Any],
    captains: list[str] | None = None,
    name: str = "launch.yaml",
) -> Path:
    """A launch config in `tmp` whose event log and rollback state live in `tmp` too."""
    data = {
        "launch": "asr v2.3 GA (test)",
        "checklist": str(ROOT / "checklists" / "launch-day.yaml"),
        "store": f"sqlite:///{tmp / 'events.db'}",
        "captains": ["alice", ME] if captains is None else captains,
        "rollback": rollback,
    }
    path = tmp / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def load(tmp: Path, rollback: dict[str, Any], captains: list[str] | None = None) -> LaunchConfig:
    return load_config(write_config(tmp, rollback, captains))


def events_of(store_path: Path, kind: str) -> list[Event]:
    store = SqliteStore(store_path)
    try:
        return store.events(kinds=[kind])
    finally:
        store.close()
