"""The `release` source: which version is deployed, read from the rollback target.

With `rollback.helm`, `helm get metadata` and, when that shows a new revision, status
or deploy time, `helm status` (`-o json`, the same helm the rollback runs, argv only);
with `rollback.ecs`, the service's task definition through boto3 (in a thread). Signals:

- `release.revision` (helm revision / task definition revision),
- `release.chart_version`, `release.app_version`, `release.status` (text: helm's
  `deployed`, `failed`, `pending-upgrade`...; ECS's `COMPLETED`, `IN_PROGRESS`, `FAILED`),
- `release.age` (seconds since that revision was deployed),
- `release.image.WORKLOAD` (text: the image tag of each Deployment / StatefulSet /
  DaemonSet in the helm manifest; ECS: of each container).

A revision seen for the first time is one `release` event ("asr revision 5 deployed:
chart 2.4.0, app 2.4.0"), with an id made from the launch, the target and the revision,
so a restarted cockpit (or a second operator of the same launch) does not log it twice:
the deploy starts the launch's timeline.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml

from cockpit.config import EcsTarget, HelmTarget, ReleaseConfig
from cockpit.model import Event, EventKind, Reading, Severity, now
from cockpit.redact import redact

_TEXT = ("chart_version", "app_version", "status")
_WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet"})


class ReleaseError(Exception):
    """The release could not be read (one line, redacted)."""


@dataclass(frozen=True)
class ReleaseInfo:
    """What is deployed, whatever the target."""

    target: str  # "helm asr -n asr" / "ecs prod/asr"
    revision: int
    status: str
    chart: str | None
    chart_version: str | None
    app_version: str | None
    deployed_at: float | None
    description: str = ""
    images: dict[str, str] = field(default_factory=dict)  # workload -> full image


def image_tag(image: str) -> str:
    """`reg:5000/asr/gw:2.4.0` -> `2.4.0`; a digest -> `sha256:...`; no tag -> `latest`."""
    if "@" in image:
        return image.rsplit("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else "latest"


def _stamp(text: Any) -> float | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def manifest_images(manifest: str) -> dict[str, str]:
    """Workload name -> its first container's image, from a helm manifest (YAML stream)."""
    out: dict[str, str] = {}
    try:
        docs = list(yaml.safe_load_all(manifest or ""))
    except yaml.YAMLError:
        return out
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("kind") not in _WORKLOADS:
            continue
        name = str((doc.get("metadata") or {}).get("name") or "")
        spec = ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}
        containers = spec.get("containers") if isinstance(spec, dict) else None
        if name and isinstance(containers, list) and containers:
            first = containers[0]
            if isinstance(first, dict) and first.get("image"):
                out[name] = str(first["image"])
    return out


def _json(text: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReleaseError(f"{what} gave output that is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ReleaseError(f"{what} gave JSON that is not an object")
    return data


def parse_helm(metadata: str, status: str, target: str) -> ReleaseInfo:
    """`helm get metadata -o json` (chart, versions, revision) and `helm status -o json`
    (description, manifest) -> what is deployed."""
    meta = _json(metadata, "helm get metadata")
    stat = _json(status, "helm status")
    revision = meta.get("revision", stat.get("version"))
    if not isinstance(revision, int):
        raise ReleaseError("helm gave no revision number")
    info = stat.get("info") if isinstance(stat.get("info"), dict) else {}

    def text(v: Any) -> str | None:
        return str(v)[:120] if v not in (None, "") else None

    return ReleaseInfo(
        target=target,
        revision=revision,
        status=text(meta.get("status") or info.get("status")) or "unknown",
        chart=text(meta.get("chart")),
        chart_version=text(meta.get("version")),
        app_version=text(meta.get("appVersion")),
        deployed_at=_stamp(meta.get("deployedAt") or info.get("last_deployed")),
        description=str(info.get("description") or "")[:200],
        images=manifest_images(str(stat.get("manifest") or "")),
    )


class ReleaseSource:
    """Reads the deployed release every `release.every`; one event per new revision."""

    name = "release"

    def __init__(self, cfg: ReleaseConfig, helm: HelmTarget | None = None,
                 ecs: EcsTarget | None = None, launch: str = "") -> None:
        if (helm is None) == (ecs is None):
            raise ValueError("a release source needs exactly one of helm or ecs")
        self.launch = launch  # in the event id: launches sharing a store each log it
        self.cfg = cfg
        self.helm = helm
        self.ecs = ecs
        self.interval = cfg.every
        self.stale_after = cfg.stale_after or max(3 * cfg.every, cfg.every + cfg.timeout)
        self._events: list[Event] = []
        self._seen: int | None = None
        self._seen_text: str | None = None
        self._workloads: set[str] = set()
        self._status: tuple[tuple, str] | None = None  # (metadata it goes with, helm status)
        self.last: ReleaseInfo | None = None

    def signal_patterns(self) -> list[str]:
        return ["release.revision", "release.age", "release.image.*",
                *(f"release.{t}" for t in _TEXT)]

    def signal_unit(self, name: str) -> str | None:
        if name == "release.revision":
            return "count"
        if name == "release.age":
            return "seconds"
        return "text"

    @property
    def target(self) -> str:
        if self.helm is not None:
            return f"helm {self.helm.release} -n {self.helm.namespace}"
        assert self.ecs is not None
        return f"ecs {self.ecs.cluster}/{self.ecs.service}"

    async def sample(self) -> list[Reading]:
        at = now()
        try:
            info = await (self._helm() if self.helm is not None else self._ecs())
        except ReleaseError as exc:
            return self._failed(at, str(exc))
        self.last = info
        self._note(info)
        detail = {"target": info.target, "chart": info.chart, "description": info.description,
                  "images": dict(info.images)}
        out = [Reading(self.name, "release.revision", float(info.revision), at, unit="count",
                       detail=detail),
               Reading(self.name, "release.chart_version", info.chart_version, at, unit="text",
                       detail=detail),
               Reading(self.name, "release.app_version", info.app_version, at, unit="text",
                       detail=detail),
               Reading(self.name, "release.status", info.status, at, unit="text", detail=detail),
               Reading(self.name, "release.age",
                       max(0.0, at - info.deployed_at) if info.deployed_at else None, at,
                       unit="seconds")]
        gone = self._workloads - set(info.images)
        self._workloads = set(info.images)
        out += [Reading(self.name, f"release.image.{_safe(w)}", image_tag(img), at, unit="text",
                        detail={"image": img}) for w, img in sorted(info.images.items())]
        out += [Reading(self.name, f"release.image.{_safe(w)}", None, at, unit="text",
                        error="no longer in the release") for w in sorted(gone)]
        return out

    def _failed(self, at: float, error: str) -> list[Reading]:
        names = ["release.revision", "release.age", *(f"release.{t}" for t in _TEXT),
                 *(f"release.image.{_safe(w)}" for w in sorted(self._workloads))]
        return [Reading(self.name, n, None, at, error=error) for n in names]

    def _note(self, info: ReleaseInfo) -> None:
        if info.revision == self._seen:
            return
        before = self._seen_text
        self._seen = info.revision
        self._seen_text = f"revision {info.revision} ({info.app_version or '?'})"
        version = ", ".join(p for p in (
            f"chart {info.chart_version}" if info.chart_version else "",
            f"app {info.app_version}" if info.app_version else "") if p)
        msg = f"{info.target}: revision {info.revision} {info.status}"
        msg += f" ({version})" if version else ""
        if info.description:
            msg += f": {info.description}"
        if before:
            msg += f"; was {before}"
        key = f"release|{self.launch}|{info.target}|{info.revision}".encode()
        self._events.append(Event(
            EventKind.RELEASE, redact(msg), Severity.INFO,
            {"target": info.target, "revision": info.revision, "status": info.status,
             "chart_version": info.chart_version, "app_version": info.app_version,
             "images": dict(info.images), "deployed_at": info.deployed_at},
            id="release-" + hashlib.sha256(key).hexdigest()[:32],
            at=info.deployed_at or now()))

    def drain_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    async def _helm(self) -> ReleaseInfo:
        from cockpit.rollback.helm import helm_binary  # noqa: PLC0415
        from cockpit.rollback.plan import RollbackError  # noqa: PLC0415

        assert self.helm is not None
        h = self.helm
        try:
            binary = h.helm or helm_binary()
        except RollbackError as exc:
            raise ReleaseError(str(exc)) from None
        scope = ["-n", h.namespace, "-o", "json"]
        if h.kube_context:
            scope += ["--kube-context", h.kube_context]
        meta = await self._run([binary, "get", "metadata", h.release, *scope])
        data = _json(meta, "helm get metadata")
        mark = (data.get("revision"), data.get("status"), data.get("deployedAt"))
        if self._status is None or self._status[0] != mark:
            # `helm status` (the description, the manifest's images) says nothing new
            # while the metadata stands: read it again only when the release moved. Each
            # helm run costs ~50-80 ms of CPU; two every 30 s were a third of a watching
            # cockpit's CPU.
            self._status = (mark, await self._run([binary, "status", h.release, *scope]))
        return parse_helm(meta, self._status[1], self.target)

    async def _run(self, argv: list[str]) -> str:
        """One helm command's stdout (argv, no shell), bounded by `release.timeout`."""
        what = " ".join(argv[1:3])
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE)
        except OSError as exc:
            raise ReleaseError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
        try:
            out, err = await asyncio.wait_for(proc.communicate(), self.cfg.timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise ReleaseError(f"helm {what} did not answer within {self.cfg.timeout:g}s"
                               ) from None
        if proc.returncode != 0:
            lines = err.decode(errors="replace").strip().splitlines()
            why = redact(lines[-1] if lines else f"exit code {proc.returncode}")[:200]
            raise ReleaseError(f"helm {what} failed: {why}")
        return out.decode(errors="replace")

    async def _ecs(self) -> ReleaseInfo:
        return await asyncio.to_thread(self._ecs_sync)

    def _ecs_sync(self) -> ReleaseInfo:
        from cockpit.rollback.ecs import client, deployment_state, parse_arn  # noqa: PLC0415
        from cockpit.rollback.plan import RollbackError  # noqa: PLC0415

        assert self.ecs is not None
        e = self.ecs
        try:
            ecs = client(e.region, e.endpoint_url)
            out = ecs.describe_services(cluster=e.cluster, services=[e.service])
            services = out.get("services") or []
            if not services:
                raise ReleaseError(f"ECS service {e.service} not found in cluster {e.cluster}")
            svc = services[0]
            named = str(svc.get("taskDefinition") or "")  # an ARN; moto keeps "asr:2"
            td = ecs.describe_task_definition(taskDefinition=named)["taskDefinition"]
            family, revision = parse_arn(str(td.get("taskDefinitionArn") or named))
        except ReleaseError:
            raise
        except RollbackError as exc:
            raise ReleaseError(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - botocore's many errors: one line
            raise ReleaseError(redact(f"{type(exc).__name__}: {exc}")[:200]) from None
        state, _ = deployment_state(svc, named)
        primary = next((d for d in svc.get("deployments") or []
                        if d.get("status") == "PRIMARY"), {})
        created = primary.get("createdAt") or primary.get("updatedAt")
        images = {str(c.get("name") or f"container-{i}"): str(c.get("image") or "")
                  for i, c in enumerate(td.get("containerDefinitions") or [])}
        first = next(iter(images.values()), "")
        return ReleaseInfo(
            target=self.target, revision=revision, status=state, chart=family,
            chart_version=f"{family}:{revision}", app_version=image_tag(first) if first else None,
            deployed_at=created.timestamp() if isinstance(created, datetime) else None,
            images={k: v for k, v in images.items() if v})

    async def close(self) -> None:
        return None


def running_text(readings: Mapping[str, Reading], at: float, stale_after: float) -> str:
    """The banner's words for what runs: `running 2.4.0 (rev 5, deployed)`; the version
    is never shown as current when its reading failed or is stale."""
    app = readings.get("release.app_version")
    if app is None:
        return ""
    if app.error is not None:
        return "release: unknown"
    if app.age(at) > stale_after:
        return f"release: stale for {app.age(at):.0f}s"
    rev = readings.get("release.revision")
    status = readings.get("release.status")
    extra = [f"rev {int(rev.value)}" if rev is not None and isinstance(rev.value, float)
             else "", str(status.value) if status is not None and status.value else ""]
    words = ", ".join(x for x in extra if x)
    return f"running {app.value or '?'}" + (f" ({words})" if words else "")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name).lstrip("_-")[:80] or "unnamed"
