"""What a rollback will do, worked out before anything is done.

A `Plan` is plain data: the screen shows it, the headless CLI prints it, the runner
process executes it from its JSON form, and the incident log records it.
"""

from __future__ import annotations

import os
import shlex
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from cockpit.model import new_id, now, whoami

Kind = Literal["helm", "ecs"]

_EVENT_NS = uuid.UUID("6f1c8f5e-3f6e-4b0a-9a57-2b8d6c1e7a10")


class RollbackError(Exception):
    """A plan or a rollback that cannot go ahead, with a message meant for the operator."""


def event_id(rollback_id: str, step: str) -> str:
    """The id of the `step` event of one rollback: the same wherever and however often made.

    The store ignores a second insert of an id, so the runner, the cockpit that started
    it and a restarted cockpit may all record the outcome and it is logged once.
    """
    return uuid.uuid5(_EVENT_NS, f"{rollback_id}:{step}").hex


@dataclass(frozen=True)
class Revision:
    """One revision of a helm release or of an ECS task-definition family."""

    number: int
    status: str
    chart: str | None = None  # helm: "asr-2.3.0"; ECS: "family:3"
    app_version: str | None = None
    images: tuple[str, ...] = ()
    updated: str | None = None
    description: str = ""
    ref: str | None = None  # ECS: the task definition ARN

    def label(self) -> str:
        parts = [f"revision {self.number}"]
        if self.chart:
            parts.append(self.chart)
        if self.app_version:
            parts.append(f"app {self.app_version}")
        if self.images:
            parts.append("images " + ", ".join(image_tag(i) for i in self.images))
        parts.append(f"({self.status})")
        return " ".join(parts)


def image_tag(image: str) -> str:
    """`repo/asr:2.3` -> `asr:2.3`; digests are kept short (`asr@sha256:abcdef123456`)."""
    name = image.rsplit("/", 1)[-1]
    if "@" in name:
        base, digest = name.split("@", 1)
        return f"{base}@{digest[:19]}"
    return name


@dataclass(frozen=True)
class Plan:
    """Exactly what will happen, where, from which revision to which."""

    kind: Kind
    target: str  # helm release or ECS service
    current: Revision
    to: Revision
    timeout: float
    namespace: str | None = None
    context: str | None = None
    cluster: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    argv: tuple[str, ...] = ()
    call: Mapping[str, Any] = field(default_factory=dict)
    history: tuple[Revision, ...] = ()
    picked: bool = False  # the operator chose the revision
    warnings: tuple[str, ...] = ()
    id: str = field(default_factory=new_id)
    made_at: float = field(default_factory=now)
    made_by: str = field(default_factory=whoami)

    @property
    def where(self) -> str:
        if self.kind == "helm":
            ctx = self.context or "(current kubeconfig context)"
            return f"kube context {ctx}, namespace {self.namespace}"
        region = f", region {self.region}" if self.region else ""
        return f"ECS cluster {self.cluster}{region}"

    def command_text(self) -> str:
        if self.kind == "helm":
            return shlex.join(self.argv)
        args = ", ".join(f"{k}={v!r}" for k, v in self.call.items())
        return f"ecs.update_service({args})"

    def summary(self) -> str:
        what = "helm release" if self.kind == "helm" else "ECS service"
        return (
            f"roll back {what} {self.target} from revision {self.current.number} "
            f"to {self.to.number} ({self.where})"
        )

    def brief(self) -> str:
        """`helm release asr 4 -> 2 (kube context prod-eu, namespace asr)`."""
        what = "helm release" if self.kind == "helm" else "ECS service"
        return f"{what} {self.target} {self.current.number} -> {self.to.number} ({self.where})"

    def lines(self) -> list[str]:
        """The plan as plain lines, for the CLI and the modal (outside text: render plainly)."""
        what = "helm release" if self.kind == "helm" else "ECS service"
        command = self.command_text()
        if self.kind == "helm" and self.argv:
            # What the operator would type; the binary's full path is in the log's argv.
            command = shlex.join([os.path.basename(self.argv[0]), *self.argv[1:]])
        out = [
            f"roll back {what} {self.target} from revision {self.current.number} "
            f"to {self.to.number}",
            f"  where:    {self.where}",
            f"  current:  {self.current.label()}",
            f"  to:       {self.to.label()}" + ("  [picked by operator]" if self.picked else ""),
            f"  command:  {command}",
            f"  timeout:  {_duration(self.timeout)}",
        ]
        out.extend(f"  warning:  {w}" for w in self.warnings)
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["argv"] = list(self.argv)
        data["call"] = dict(self.call)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        def rev(d: Mapping[str, Any]) -> Revision:
            return Revision(**{**d, "images": tuple(d.get("images") or ())})

        values = dict(data)
        values["current"] = rev(values["current"])
        values["to"] = rev(values["to"])
        values["history"] = tuple(rev(h) for h in values.get("history") or ())
        values["argv"] = tuple(values.get("argv") or ())
        values["warnings"] = tuple(values.get("warnings") or ())
        return cls(**values)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    if h:
        return f"{h}h{m}m{s}s"
    return f"{m}m{s}s"


def helm_duration(seconds: float) -> str:
    """A Go duration as helm's `--timeout` takes it (`5m0s`)."""
    return _duration(seconds)
