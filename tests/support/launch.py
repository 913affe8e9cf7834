"""Building launches in tests: a config + checklist in tmp, a store, fake sources."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cockpit.model import Reading


def write_launch(tmp: Path, checklist: str, extra: str = "", name: str = "test launch") -> Path:
    """Write `launch.yaml` and `checklist.yaml` under tmp; return the config's path."""
    (tmp / "checklist.yaml").write_text(textwrap.dedent(checklist))
    config = tmp / "launch.yaml"
    config.write_text(
        f"launch: {name}\nchecklist: checklist.yaml\nstore: sqlite:///{tmp}/events.db\n"
        + textwrap.dedent(extra)
    )
    return config


class FakeSource:
    """A scripted source: each sample returns the next batch (or raises it)."""

    def __init__(self, name: str, patterns: list[str], batches: list, interval: float = 0.05,
                 stale_after: float = 10.0) -> None:
        self.name = name
        self.interval = interval
        self.stale_after = stale_after
        self._patterns = patterns
        self._batches = list(batches)
        self.closed = False

    def signal_patterns(self) -> list[str]:
        return self._patterns

    async def sample(self) -> list[Reading]:
        batch = self._batches.pop(0) if len(self._batches) > 1 else self._batches[0]
        if isinstance(batch, BaseException):
            raise batch
        return batch

    async def close(self) -> None:
        self.closed = True
