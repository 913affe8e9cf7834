"""Rehearsal scenarios as files (`rehearsals/*.yaml`): a game day's script and what the
verdict must be in each of its phases.

A scenario is data, not code, so a team writes its own drills: a timeline of steps
(the upgrade, traffic opening, each fault the simulators know and how long it lasts,
what the captain is expected to do) in scenario time, which is wall time at speed 1,
and the expectations a headless drill checks (`cockpit demo --headless NAME`).

Times are `m:ss` ("5:00"), a duration ("90s", "5m") or a number of seconds. Every
problem is one line `file:line:col: field: what` (ConfigError, as the launch config's).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from cockpit.config import ConfigError, ConfigProblem, Section, parse_duration
from cockpit.yamlpos import Located, YamlError, load_located

VERDICTS = ("GO", "HOLD", "NO-GO")
_CLOCK = re.compile(r"^(\d+):([0-5]\d)(?:\.(\d+))?$")


def parse_clock(value: Any) -> float:
    """`5:00`, `90s`, `5m` or 300 -> 300.0 scenario seconds."""
    if isinstance(value, str):
        match = _CLOCK.match(value.strip())
        if match:
            frac = float(f"0.{match.group(3) or 0}")
            return int(match.group(1)) * 60 + int(match.group(2)) + frac
    return parse_duration(value)


def clock_text(seconds: float) -> str:
    """Scenario seconds as `m:ss`."""
    seconds = max(0.0, seconds)
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


Clock = Annotated[float, BeforeValidator(parse_clock)]
VerdictName = Literal["GO", "HOLD", "NO-GO"]


def _verdicts(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Step(Section):
    """One thing that happens at `at`: exactly one of the actions below."""

    at: Clock
    upgrade: str | None = None  # helm upgrade to this app version
    traffic: Clock | None = None  # traffic opens, ramping to full over this long
    fault: str | None = None  # a fault the simulators know (cockpit demo --help lists them)
    lasts: Clock = 240.0  # the fault clears by itself this long after it began
    clear: str | None = None  # end this fault (or "all") now
    tick: list[str] = Field(default_factory=list)  # the captain ticks these manual items
    rollback: bool = False  # the captain is expected to roll back now (if NO-GO)
    note: str | None = None  # a line for the incident log

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        actions = [name for name in ("upgrade", "traffic", "fault", "clear", "note")
                   if getattr(self, name) is not None]
        actions += ["tick"] if self.tick else []
        actions += ["rollback"] if self.rollback else []
        if len(actions) != 1:
            raise ValueError("a step does exactly one of upgrade, traffic, fault, clear, tick, "
                             f"rollback, note (this one: {', '.join(actions) or 'none'})")
        if self.fault is not None:
            from cockpit.sim.scenario import FAULTS

            if self.fault not in FAULTS:
                raise ValueError(f"unknown fault {self.fault!r}; known: "
                                 + ", ".join(sorted(FAULTS)))
        if self.clear is not None and self.clear != "all":
            from cockpit.sim.scenario import FAULTS

            if self.clear not in FAULTS:
                raise ValueError(f"clear: unknown fault {self.clear!r} (or write all)")
        return self

    @property
    def action(self) -> str:
        for name in ("upgrade", "traffic", "fault", "clear", "note"):
            if getattr(self, name) is not None:
                return name
        return "tick" if self.tick else "rollback"


class Phase(Section):
    """What the verdict must be between `from` and `to` (scenario time)."""

    name: str
    start: Clock = Field(alias="from")
    end: Clock = Field(alias="to")
    verdict: Annotated[list[VerdictName], BeforeValidator(_verdicts)] = Field(
        default_factory=list)  # every verdict seen in the phase is one of these
    reach: VerdictName | None = None  # this verdict is seen at least once in the phase
    never: Annotated[list[VerdictName], BeforeValidator(_verdicts)] = Field(
        default_factory=list)  # none of these is ever seen in the phase
    rollback: Literal["any", "yes", "no"] = "any"  # only when the drill rolled back (or not)
    breaches: dict[str, int] = Field(default_factory=dict)  # signal -> breach events in phase

    @model_validator(mode="after")
    def _sane(self) -> Phase:
        if self.end <= self.start:
            raise ValueError("`to` must be after `from`")
        if not (self.verdict or self.reach or self.never or self.breaches):
            raise ValueError("a phase expects something: verdict, reach, never or breaches")
        return self


class Rehearsal(Section):
    """One scenario file."""

    name: str
    title: str
    description: str = ""
    duration: Clock  # a headless drill ends here
    steps: list[Step]
    expect: list[Phase] = Field(default_factory=list)
    path: Path | None = None

    @model_validator(mode="after")
    def _inside(self) -> Rehearsal:
        for what, at in [(f"step at {clock_text(s.at)}", s.at) for s in self.steps] + [
                (f"phase {p.name!r}", p.end) for p in self.expect]:
            if at > self.duration:
                raise ValueError(f"{what} ends after the scenario's duration "
                                 f"({clock_text(self.duration)})")
        return self

    def faults(self) -> list[tuple[str, float, float]]:
        """(fault, at, lasts) of every scripted fault, in order."""
        return [(s.fault, s.at, s.lasts) for s in self.sorted_steps() if s.fault is not None]

    def sorted_steps(self) -> list[Step]:
        return sorted(self.steps, key=lambda s: s.at)

    def first(self, action: str) -> Step | None:
        return next((s for s in self.sorted_steps() if s.action == action), None)


def rehearsal_dirs() -> list[Path]:
    """Where shipped scenarios live (the wheel's copy, else the checkout's `rehearsals/`)."""
    from cockpit.shipped import shipped_dir

    return [shipped_dir("rehearsals")]


def shipped() -> dict[str, Path]:
    """Every shipped scenario by name (file stem), first directory wins."""
    found: dict[str, Path] = {}
    for d in rehearsal_dirs():
        if d.is_dir():
            for p in sorted(d.glob("*.yaml")):
                found.setdefault(p.stem, p)
    return found


def resolve(name_or_path: str | os.PathLike[str]) -> Path:
    """A scenario name (`blind`) or a file path."""
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or os.sep in text:
        return Path(text)
    found = shipped()
    if text not in found:
        raise ConfigError([ConfigProblem(None, None, f"no scenario named {text!r}; shipped: "
                                         + (", ".join(sorted(found)) or "none"))])
    return found[text]


def load_rehearsal(name_or_path: str | os.PathLike[str] = "launch") -> Rehearsal:
    """Load and check one scenario; raises ConfigError with `file:line:col: field: what`."""
    path = resolve(name_or_path)
    try:
        located = load_located(path)
    except YamlError as exc:
        raise ConfigError([ConfigProblem(exc.position, None, exc.message)]) from None
    if not isinstance(located.data, dict):
        raise ConfigError([ConfigProblem(located.position(()), None, "expected a mapping")])
    try:
        rehearsal = Rehearsal.model_validate(located.data)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, located)) from None
    return rehearsal.model_copy(update={"path": path.resolve()})


def _problems(exc: ValidationError, located: Located) -> list[ConfigProblem]:
    out = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        dotted = ".".join(str(p) for p in loc) or "(top)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field (see rehearsals/launch.yaml for every field)"
        elif err["type"] == "missing":
            message = "required field is missing"
        out.append(ConfigProblem(located.position(loc), dotted, message))
    return sorted(out, key=lambda p: (p.position.line, p.position.column) if p.position else (0, 0))


@dataclass(frozen=True)
class Outline:
    """A scenario in one line, for the palette and `--list`."""

    name: str
    title: str
    path: Path


def outlines() -> list[Outline]:
    """Every shipped scenario that loads (a broken one is left out of the list)."""
    out = []
    for name, path in shipped().items():
        try:
            r = load_rehearsal(path)
        except ConfigError:
            continue
        out.append(Outline(name, r.title, path))
    return out


__all__ = ["Phase", "Rehearsal", "Step", "clock_text", "load_rehearsal", "outlines",
           "parse_clock", "shipped"]
