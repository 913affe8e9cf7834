"""The engine: runs the sources, holds the latest reading per signal, judges the
checklist, decides the verdict and writes the event log.

It knows nothing of Textual. The TUI, `cockpit check` and the tests all drive the
same Engine: the screen subscribes to its changes and sends the operator's actions
(ticks, notes) back through it, so there is one path for state and one for writes.

The package's modules: `core` (`Engine`: state, the event log, subscribers), `running`
(sources on their timers, outages, the staleness clock), `judging` (signals resolved,
item states, the verdict), `views` (what panes draw), `actions` (tick, note, roles),
`team` (the shared store's events and watchers) and `change` (`Change`, `Denied`).
Import from `cockpit.engine` itself.
"""

from __future__ import annotations

from cockpit.engine.change import BLIND_ITEM, Change, Denied
from cockpit.engine.core import Engine
from cockpit.views import SourceStatus

__all__ = ["BLIND_ITEM", "Change", "Denied", "Engine", "SourceStatus"]
