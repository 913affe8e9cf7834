"""One way to build a launch: its config, its event log and its engine, every problem
as one line. Every command (`run`, `check`, `tick`, ...), the demo and the tests build
their engine here, so they judge the same launch the same way.

Below the UI and the commands: it knows nothing of argparse or Textual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cockpit.checklist import ChecklistError, unit_problems, unknown_signals
from cockpit.config import ConfigError, LaunchConfig, load_config
from cockpit.engine import Engine
from cockpit.model import Source, now


class LaunchError(ValueError):
    """The launch cannot be built; `problems` are one line each (`file:line:col: ...`)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = [str(p) for p in problems]
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Launch:
    config: LaunchConfig
    engine: Engine


def load(config: str | Path | LaunchConfig) -> LaunchConfig:
    """The launch config, loaded from its file unless given loaded."""
    if isinstance(config, LaunchConfig):
        return config
    try:
        return load_config(config)
    except ConfigError as exc:
        raise LaunchError([str(p) for p in exc.problems]) from None


def build(config: str | Path | LaunchConfig, *, store: str | None = None,
          read_only: bool = False, validate_signals: bool = True,
          sources: Sequence[Source] | None = None, clock: Callable[[], float] = now,
          author: str | None = None) -> Launch:
    """Config, event log (`store` overrides the config's) and engine.

    Local files the config names (audio, token and CA files) must exist; with
    `validate_signals`, every gate must name a signal some source gives, in its unit.
    `sources` replaces the config's (tests); `clock` and `author` too.
    """
    from cockpit.local_checks import local_problems
    from cockpit.store import open_store

    loaded = load(config)
    local = local_problems(loaded)  # a missing audio or token file is the config's fault
    if local:
        raise LaunchError([str(p) for p in local])
    try:
        events = open_store(loaded, store)
        engine = Engine(loaded, events, sources, clock=clock, author=author,
                        read_only=read_only)
    except ConfigError as exc:
        raise LaunchError([str(p) for p in exc.problems]) from None
    except ChecklistError as exc:
        raise LaunchError(exc.problems) from None
    if validate_signals:
        problems = unknown_signals(engine.checklist, engine.known_signal) + unit_problems(
            engine.checklist, engine.signal_unit)
        if problems:
            raise LaunchError(problems)
    return Launch(loaded, engine)
