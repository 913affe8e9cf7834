"""Kubernetes source: pods, deployments, replica sets and warning events, listed then watched.

One watch thread per resource per namespace per cluster (a kubeconfig context) lists
the resource, then watches from the listed resourceVersion, so the cost follows the
changes, not the pod count. The threads feed a `KubeStore`; `sample()` only folds the
store into readings, so it is cheap and never blocks on the network.
"""

from __future__ import annotations

import logging
import threading
import time

from cockpit.config import KubernetesConfig
from cockpit.model import Event, EventKind, Reading, Severity
from cockpit.redact import redact
from cockpit.sources.kube.happenings import KubeMemory, kube_event, on_cluster
from cockpit.sources.kube.signals import kube_readings
from cockpit.sources.kube.store import KubeStore
from cockpit.sources.kube.targets import Target, resolve_targets
from cockpit.sources.kube.view import KubeView, PodsView, pods_view
from cockpit.sources.kube.watch import Reflector, describe_scope, list_call
from cockpit.views import ViewContext

log = logging.getLogger(__name__)

RESOURCES = ("deployments", "replicasets", "pods", "events")
SIGNALS = (
    "pods.total",
    "pods.not_ready",
    "pods.crashlooping",
    "pods.restarts_10m",
    "rollout.complete",
    "rollout.stalled",
)
CRASHLOOP_EVENT_EVERY = 600.0  # a pod's CrashLoopBackOff is logged at most once per this

# ---------------------------------------------------------------- the source


class KubeSource:
    """The `kube` source: see the module docstring."""

    name = "kube"

    def __init__(
        self,
        config: KubernetesConfig,
        *,
        targets: list[Target] | None = None,
        forbidden_retry: float = 30.0,
    ) -> None:
        self.config = config
        self.interval = float(config.every)
        self.stale_after = float(config.stale_after)
        self.store = KubeStore()
        self._targets = targets
        self._forbidden_retry = forbidden_retry
        self._stop = threading.Event()
        self.reflectors: list[Reflector] = []
        self._events: list[Event] = []
        self._prev: KubeMemory | None = None
        self._crash_logged: dict[str, float] = {}
        self._announced: dict[tuple, int] = {}  # ((cluster, ns, deployment), state) -> revision
        self._start_error: str | None = None

    def view(self, ctx: ViewContext) -> PodsView:
        return pods_view(ctx)

    def signal_patterns(self) -> list[str]:
        return [p for s in SIGNALS for p in (s, f"{s}.*")]

    def signal_unit(self, name: str) -> str | None:
        """pods.* count pods; rollout.* are true/false (also per deployment or cluster)."""
        kind = name.split(".", 1)[0]
        return {"pods": "count", "rollout": "bool"}.get(kind)

    def why_missing(self, name: str) -> str | None:
        """Why a per-deployment signal (`pods.crashlooping.asr-wrker`) has no reading: the
        deployment (or cluster) does not exist, once the deployments have been listed."""
        head, _, suffix = name.rpartition(".")
        if head not in SIGNALS or not suffix:
            return None
        view = self.store.view()
        listed = [s for s in view.scopes if s.resource == "deployments"]
        if not listed or not all(s.synced for s in listed):
            return None
        known = sorted({r.name for r in view.rollouts} | set(view.by_deployment)
                       | (set(view.clusters) if len(view.clusters) > 1 else set()))
        if suffix in known:
            return None
        import difflib

        close = difflib.get_close_matches(suffix, known, n=1, cutoff=0.6)
        hint = (f"did you mean {close[0]!r}?" if close
                else f"deployments: {', '.join(known) or 'none'}")
        return f"no such deployment {suffix!r} ({hint})"

    async def start(self) -> None:
        """Start the watch threads and wait (boundedly) for their first list, so the
        first sample (e.g. of `cockpit check`) has data rather than "listing..."."""
        import asyncio

        await asyncio.to_thread(self._start_blocking)
        await asyncio.to_thread(self.wait_listed, min(self.stale_after, 15.0))

    def wait_listed(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        for r in self.reflectors:
            if not r.first_attempt.wait(max(0.0, deadline - time.monotonic())):
                return False
        return True

    def _start_blocking(self) -> None:
        try:
            targets = self._targets if self._targets is not None else resolve_targets(self.config)
        except Exception as exc:
            self._start_error = redact(f"kubernetes config: {exc}")
            return
        cfg = self.config
        for t in targets:
            self.store.add_cluster(t.name)
            for ns in t.namespaces:
                for resource in RESOURCES:
                    if resource == "events" and not cfg.warning_events:
                        continue
                    r = Reflector(
                        self.store,
                        t.name,
                        resource,
                        ns,
                        list_call(t.api_client, resource, ns),
                        selector=cfg.selector,
                        watch_timeout=cfg.watch_timeout,
                        backoff=(cfg.reconnect_min, cfg.reconnect_max),
                        forbidden_retry=self._forbidden_retry,
                        stop=self._stop,
                    )
                    self.reflectors.append(r)
        for r in self.reflectors:
            r.thread.start()

    async def close(self) -> None:
        self._stop.set()
        for r in self.reflectors:
            r.shutdown()

    # -------------------------------------------------------- sampling

    def cluster_view(self) -> KubeView:
        """The store folded into a view now (tests, the bench)."""
        return self.store.view()

    async def sample(self) -> list[Reading]:
        return self.sample_now()

    def sample_now(self) -> list[Reading]:
        """Readings from the current snapshot: no network, a few ms for thousands of pods."""
        now = time.time()
        if self._start_error:
            return [Reading(self.name, s, error=self._start_error, at=now) for s in SIGNALS]
        view = self.store.view()
        readings = kube_readings(self.name, view, now)
        self._remember(view, now)
        return readings

    def drain_events(self) -> list[Event]:
        out, self._events = self._events, []
        return out

    def history(self, name: str) -> list[tuple[float, float]]:
        return []

    # -------------------------------------------------------- events

    def _remember(self, view: KubeView, now: float) -> None:
        mem = KubeMemory.of(view)
        prev, self._prev = self._prev, mem
        if prev is None:
            # The baseline: what is already complete or stalled is not news.
            for key, ro in mem.rollouts.items():
                if ro.state in ("complete", "stalled"):
                    self._announced[(key, ro.state)] = ro.revision
            return
        ev = self._events
        started, done, stalled = [], [], []
        for key, ro in mem.rollouts.items():
            old = prev.rollouts.get(key)
            if old is None:
                continue
            if ro.revision != old.revision:
                started.append((key, ro, old))
            # Once per revision: a pod that crashes and recovers does not "complete" again.
            if ro.state in ("complete", "stalled") and ro.state != old.state:
                if self._announced.get((key, ro.state)) != ro.revision:
                    self._announced[(key, ro.state)] = ro.revision
                    (done if ro.state == "complete" else stalled).append((key, ro, old))
        for items, what, severity in (
            (started, "started", Severity.INFO),
            (done, "complete", Severity.INFO),
            (stalled, "stalled", Severity.WARNING),
        ):
            if len(items) > 3:  # many at once (a fleet-wide rollout): one line, not a storm
                names = ", ".join(f"{ro.name}{on_cluster(k[0], view)}" for k, ro, _ in items[:5])
                ev.append(
                    Event(
                        kind=EventKind.KUBE,
                        message=f"{len(items)} rollouts {what}: {names}"
                        + (", ..." if len(items) > 5 else ""),
                        severity=severity,
                        data={"rollouts": ["/".join(k) for k, _, _ in items], "state": what},
                    )
                )
                continue
            for key, ro, old in items:
                where = on_cluster(key[0], view)
                if what == "started":
                    msg = (
                        f"rollout of {ro.name}{where} started: revision {old.revision} -> "
                        f"{ro.revision} ({old.image} -> {ro.image})"
                    )
                elif what == "complete":
                    msg = (
                        f"rollout of {ro.name}{where} complete: revision {ro.revision} "
                        f"({ro.image}), {ro.available}/{ro.desired} available"
                    )
                else:
                    msg = f"rollout of {ro.name}{where} stalled: {ro.message or 'no progress'}"
                ev.append(kube_event(msg, severity, key, ro))
        entered = [
            k
            for k in mem.crashing
            if k not in prev.crashing
            and now - self._crash_logged.get(k[3], -1e9) > CRASHLOOP_EVENT_EVERY
        ]
        for k in entered:
            self._crash_logged[k[3]] = now
        if 0 < len(entered) <= 3:
            for cluster, ns, name, _uid in entered:
                last = mem.crashing[(cluster, ns, name, _uid)]
                ev.append(
                    Event(
                        kind=EventKind.KUBE,
                        message=f"pod {ns}/{name}{on_cluster(cluster, view)} "
                        "entered CrashLoopBackOff" + (f" (last: {last})" if last else ""),
                        severity=Severity.WARNING,
                        data={"cluster": cluster, "namespace": ns, "pod": name, "last": last},
                    )
                )
        elif entered:
            names = ", ".join(f"{n}" for _, _, n, _ in entered[:5])
            ev.append(
                Event(
                    kind=EventKind.KUBE,
                    message=f"{len(entered)} pods entered CrashLoopBackOff: {names}"
                    + (", ..." if len(entered) > 5 else ""),
                    severity=Severity.WARNING,
                    data={"pods": [f"{c}/{ns}/{n}" for c, ns, n, _ in entered]},
                )
            )
        for key, state in mem.scopes.items():
            old_state = prev.scopes.get(key)
            if old_state is None or old_state[0] == state[0]:
                continue
            cluster, resource, ns = key
            scope = describe_scope(resource, ns)
            if state[0] in ("forbidden", "reconnecting", "error"):
                ev.append(
                    Event(
                        kind=EventKind.SOURCE,
                        message=f"kube {cluster}: {state[0]} watching {scope}: {state[1]}",
                        severity=Severity.WARNING,
                        data={"cluster": cluster, "resource": resource, "state": state[0]},
                    )
                )
            elif state[0] == "ok" and old_state[0] in ("forbidden", "reconnecting", "error"):
                ev.append(
                    Event(
                        kind=EventKind.SOURCE,
                        message=f"kube {cluster}: watching {scope} again",
                        severity=Severity.INFO,
                        data={"cluster": cluster, "resource": resource, "state": "ok"},
                    )
                )
        # Forget crash-loop memory of pods long gone.
        if len(self._crash_logged) > 10_000:
            self._crash_logged = {
                k: t for k, t in self._crash_logged.items() if now - t < CRASHLOOP_EVENT_EVERY
            }

