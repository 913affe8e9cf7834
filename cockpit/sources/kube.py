"""Kubernetes source: pods, deployments, replica sets and warning events, listed then watched.

One watch thread per resource per namespace per cluster (a kubeconfig context) lists
the resource, then watches from the listed resourceVersion, so the cost follows the
changes, not the pod count. On `410 Gone` it lists again; on a dropped connection it
reconnects with exponential backoff (the pane shows "reconnecting"); a `403` is kept as
a refusal naming the verb and resource. The threads feed a `KubeStore`; `sample()`
only folds the store into readings, so it is cheap and never blocks on the network.

Responses are read as raw JSON (`_preload_content=False`): the client's model
deserialization costs milliseconds per pod, far too much for thousands of pods.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit.config import KubernetesConfig
from cockpit.model import Event, EventKind, Reading, Severity
from cockpit.redact import redact, register_secret
from cockpit.sources.kube_model import (
    Counts,
    KubeStore,
    KubeView,
    ScopeState,
    slim,
)

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
IN_CLUSTER = "in-cluster"
_SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
CRASHLOOP_EVENT_EVERY = 600.0  # a pod's CrashLoopBackOff is logged at most once per this


class Gone(Exception):
    """The watch's resourceVersion is too old (410): list again."""


class Refused(Exception):
    """An HTTP error status from the API server, with its Status message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Target:
    """One cluster to watch: a kubeconfig context (or the in-cluster config)."""

    name: str
    namespaces: tuple[str | None, ...]  # None: all namespaces
    api_client: Any


# ---------------------------------------------------------------- resolving the config


def kubeconfig_path(config: KubernetesConfig) -> str | None:
    """Like kubectl: the config's `kubeconfig`, else $KUBECONFIG (a list), else ~/.kube/config."""
    if config.kubeconfig:
        return str(config.kubeconfig)
    env = os.environ.get("KUBECONFIG")
    if env:
        return env
    default = Path("~/.kube/config").expanduser()
    return str(default) if default.exists() else None


def _namespaces(config: KubernetesConfig, context_ns: str | None) -> tuple[str | None, ...]:
    names = list(config.namespaces) or ([config.namespace] if config.namespace else [])
    if not names:
        names = [context_ns or "default"]
    if "*" in names:
        return (None,)
    return tuple(dict.fromkeys(names))


def _register_secrets(api_client: Any) -> Any:
    """Tokens from the kubeconfig or the service account are blanked wherever they appear."""
    for value in (getattr(api_client.configuration, "api_key", None) or {}).values():
        register_secret(str(value).split(" ", 1)[-1].strip())
    return api_client


def resolve_targets(config: KubernetesConfig) -> list[Target]:
    """The clusters to watch, each with a configured `kubernetes.client.ApiClient`."""
    from kubernetes import client as k8s
    from kubernetes import config as k8s_config

    path = kubeconfig_path(config)
    use_in_cluster = config.in_cluster or (
        path is None and bool(os.environ.get("KUBERNETES_SERVICE_HOST"))
    )
    if use_in_cluster:
        cfg = k8s.Configuration()
        k8s_config.load_incluster_config(client_configuration=cfg)
        sa_ns = _SA_NAMESPACE.read_text().strip() if _SA_NAMESPACE.exists() else None
        api = _register_secrets(k8s.ApiClient(cfg))
        return [Target(IN_CLUSTER, _namespaces(config, sa_ns), api)]
    if path is None:
        raise RuntimeError(
            "no kubeconfig: set KUBECONFIG, `kubeconfig:` in the config, or run in a pod"
        )
    contexts_all, current = k8s_config.list_kube_config_contexts(config_file=path)
    by_name = {c["name"]: c for c in contexts_all}
    wanted = list(config.contexts) or ([config.context] if config.context else [])
    if not wanted:
        if not current:
            raise RuntimeError(f"{path}: no current-context; name one with `context:`")
        wanted = [current["name"]]
    targets = []
    for name in wanted:
        if name not in by_name:
            raise RuntimeError(f"context {name!r} not found in {path}")
        ctx_ns = (by_name[name].get("context") or {}).get("namespace")
        api = k8s_config.new_client_from_config(
            config_file=path, context=name, persist_config=False
        )
        targets.append(Target(name, _namespaces(config, ctx_ns), _register_secrets(api)))
    return targets


def _list_call(api_client: Any, resource: str, namespace: str | None) -> Callable[..., Any]:
    from kubernetes import client as k8s

    core, apps = k8s.CoreV1Api(api_client), k8s.AppsV1Api(api_client)
    table = {
        "pods": (core.list_namespaced_pod, core.list_pod_for_all_namespaces),
        "events": (core.list_namespaced_event, core.list_event_for_all_namespaces),
        "deployments": (apps.list_namespaced_deployment, apps.list_deployment_for_all_namespaces),
        "replicasets": (apps.list_namespaced_replica_set, apps.list_replica_set_for_all_namespaces),
    }
    namespaced, everywhere = table[resource]
    if namespace is None:
        return everywhere
    return lambda **kw: namespaced(namespace, **kw)


def describe_scope(resource: str, namespace: str | None) -> str:
    return (
        f'{resource} in namespace "{namespace}"' if namespace else f"{resource} in all namespaces"
    )


# ---------------------------------------------------------------- one watch thread


class Reflector:
    """List, then watch from the listed resourceVersion, forever, into the store."""

    PAGE_SIZE = 500  # objects per list page, as kubectl asks

    def __init__(
        self,
        store: KubeStore,
        cluster: str,
        resource: str,
        namespace: str | None,
        call: Callable[..., Any],
        *,
        selector: str | None,
        watch_timeout: float,
        backoff: tuple[float, float],
        forbidden_retry: float,
        stop: threading.Event,
    ) -> None:
        self.store = store
        self.cluster = cluster
        self.resource = resource
        self.namespace = namespace
        self.call = call
        self.selector = selector if resource != "events" else None
        self.field_selector = "type=Warning" if resource == "events" else None
        self.watch_timeout = watch_timeout
        self.backoff_min, self.backoff_max = backoff
        self.forbidden_retry = forbidden_retry
        self.stop = stop
        self.rv: str | None = None
        self.page_size = self.PAGE_SIZE
        self.lists = 0  # how many times it listed (1 + relists after 410)
        self.reconnects = 0
        self._resp: Any = None
        self.first_attempt = threading.Event()  # set once the first list succeeded or failed
        self._synced = False
        self._good_at = time.time()
        self.thread = threading.Thread(
            target=self.run, name=f"kube-{cluster}-{resource}-{namespace or '*'}", daemon=True
        )

    # -------------------------------------------------------- state

    def _state(self, state: str, message: str = "") -> None:
        """Publish this watch's state. While it is "ok" its data is current; when it
        leaves "ok", the data was current until that moment (`good_at`)."""
        now = time.time()
        old = self.store.scope(self.cluster, self.resource, self.namespace)
        if old is not None and old.state == "ok" and state != "ok":
            self._good_at = now
        since = old.since if old and old.state == state else now
        self.store.set_scope(
            ScopeState(
                self.cluster,
                self.resource,
                self.namespace,
                state,
                redact(message),
                since,
                self._synced,
                self._good_at if state != "ok" else 0.0,
            )
        )

    # -------------------------------------------------------- loop

    def run(self) -> None:
        delay = self.backoff_min
        self._state("connecting")
        while not self.stop.is_set():
            try:
                if self.rv is None:
                    try:
                        self._list()
                    finally:
                        self.first_attempt.set()
                self._watch()
                delay = self.backoff_min
            except Gone:
                self.rv = None  # relist at once: the API server said our version is too old
            except Refused as exc:
                if exc.status == 403:
                    self._state("forbidden", self._forbidden_text(exc.message))
                    self.stop.wait(self.forbidden_retry)
                    continue
                if exc.status == 410:
                    self.rv = None
                    continue
                self._state("reconnecting", f"HTTP {exc.status}: {exc.message}")
                self._sleep(delay)
                delay = min(delay * 2, self.backoff_max)
            except Exception as exc:  # a dropped connection, a refused one, a timeout
                if self.stop.is_set():
                    break
                self.reconnects += 1
                self._state("reconnecting", _short_error(exc))
                self._sleep(delay)
                delay = min(delay * 2, self.backoff_max)

    def _sleep(self, delay: float) -> None:
        self.stop.wait(delay * random.uniform(0.8, 1.2))

    def _forbidden_text(self, message: str) -> str:
        verb = "watch" if self.rv is not None else "list"
        scope = describe_scope(self.resource, self.namespace)
        return f"403 Forbidden: cannot {verb} {scope}: {message}"

    def _request(self, **kw: Any) -> Any:
        from kubernetes.client.exceptions import ApiException

        try:
            resp = self.call(_preload_content=False, **kw)
        except ApiException as exc:
            raise Refused(exc.status or 0, _status_message(exc.body, exc.reason)) from None
        return resp

    def _list(self) -> None:
        """List in pages (like kubectl, 500 a page), slimming each page as it comes, so
        thousands of pods never sit in memory as raw JSON all at once."""
        kw: dict[str, Any] = {"_request_timeout": (10, 120), "limit": self.page_size}
        if self.selector:
            kw["label_selector"] = self.selector
        if self.field_selector:
            kw["field_selector"] = self.field_selector
        items: list[Any] = []
        rv = ""
        while True:
            resp = self._request(**kw)
            try:
                body = json.loads(resp.data)
            finally:
                resp.release_conn()
            items.extend(slim(self.resource, self.cluster, o) for o in body.get("items") or [])
            meta = body.get("metadata") or {}
            rv = str(meta.get("resourceVersion") or rv)
            token = meta.get("continue")
            del body
            if not token:
                break
            kw["_continue"] = token
        self.store.replace(self.cluster, self.resource, self.namespace, items, slimmed=True)
        self.rv = rv
        self.lists += 1
        self._synced = True
        self._state("ok")

    def _watch(self) -> None:
        timeout = int(self.watch_timeout * random.uniform(0.9, 1.1)) or 1
        kw: dict[str, Any] = {
            "watch": True,
            "resource_version": self.rv,
            "allow_watch_bookmarks": True,
            "timeout_seconds": timeout,
            "_request_timeout": (10, timeout + 30),
        }
        if self.selector:
            kw["label_selector"] = self.selector
        if self.field_selector:
            kw["field_selector"] = self.field_selector
        resp = self._request(**kw)
        self._resp = resp
        self._state("ok")
        try:
            for line in _lines(resp):
                if self.stop.is_set():
                    return
                event = json.loads(line)
                typ = event.get("type")
                obj = event.get("object") or {}
                if typ == "ERROR":
                    code = obj.get("code")
                    if code == 410:
                        raise Gone(obj.get("message", "Gone"))
                    raise Refused(int(code or 0), str(obj.get("message", "")))
                rv = (obj.get("metadata") or {}).get("resourceVersion")
                if typ in ("ADDED", "MODIFIED", "DELETED"):
                    self.store.apply(self.cluster, self.resource, self.namespace, typ, obj)
                if rv:
                    self.rv = str(rv)
        finally:
            self._resp = None
            resp.release_conn()

    def shutdown(self) -> None:
        """Unblock a thread waiting on the socket (close() from here would deadlock)."""
        resp = self._resp
        if resp is None:
            return
        try:
            conn = getattr(resp, "connection", None)
            sock = getattr(conn, "sock", None) if conn else None
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _lines(resp: Any):
    """Newline-delimited watch events from a streaming urllib3 response."""
    buf = b""
    for chunk in resp.stream(amt=None, decode_content=False):
        buf += chunk if isinstance(chunk, bytes) else chunk.encode()
        if b"\n" not in buf:
            continue
        *lines, buf = buf.split(b"\n")
        for line in lines:
            if line.strip():
                yield line
    if buf.strip():
        yield buf


def _status_message(body: Any, reason: str | None) -> str:
    try:
        data = json.loads(body) if body else {}
        if isinstance(data, dict) and data.get("message"):
            return str(data["message"])
    except (ValueError, TypeError):
        pass
    return str(reason or body or "")


def _short_error(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    text = text.replace("\n", " ")
    return f"{type(exc).__name__}: {text[:200]}"


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
        self._prev: _Memory | None = None
        self._crash_logged: dict[str, float] = {}
        self._announced: dict[tuple, int] = {}  # ((cluster, ns, deployment), state) -> revision
        self._start_error: str | None = None

    def signal_patterns(self) -> list[str]:
        return [p for s in SIGNALS for p in (s, f"{s}.*")]

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
                        _list_call(t.api_client, resource, ns),
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

    def view(self) -> KubeView:
        return self.store.view()

    async def sample(self) -> list[Reading]:
        return self.sample_now()

    def sample_now(self) -> list[Reading]:
        """Readings from the current snapshot: no network, a few ms for thousands of pods."""
        now = time.time()
        if self._start_error:
            return [Reading(self.name, s, error=self._start_error, at=now) for s in SIGNALS]
        view = self.store.view()
        readings = _readings(self.name, view, now)
        self._remember(view, now)
        return readings

    def drain_events(self) -> list[Event]:
        out, self._events = self._events, []
        return out

    def history(self, name: str) -> list[tuple[float, float]]:
        return []

    # -------------------------------------------------------- events

    def _remember(self, view: KubeView, now: float) -> None:
        mem = _Memory.of(view)
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
                names = ", ".join(f"{ro.name}{_where(k[0], view)}" for k, ro, _ in items[:5])
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
                where = _where(key[0], view)
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
                ev.append(_kube_event(msg, severity, key, ro))
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
                        message=f"pod {ns}/{name}{_where(cluster, view)} entered CrashLoopBackOff"
                        + (f" (last: {last})" if last else ""),
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


def _where(cluster: str, view: KubeView) -> str:
    return f" on {cluster}" if len(view.clusters) > 1 else ""


def _kube_event(message: str, severity: str, key: tuple, ro: Any) -> Event:
    return Event(
        kind=EventKind.KUBE,
        message=message,
        severity=severity,
        data={
            "cluster": key[0],
            "namespace": key[1],
            "deployment": key[2],
            "revision": ro.revision,
            "image": ro.image,
            "state": ro.state,
        },
    )


@dataclass(frozen=True)
class _Memory:
    """What the previous sample saw, to log transitions (not states) as events."""

    rollouts: dict[tuple[str, str, str], Any]
    crashing: dict[tuple[str, str, str, str], str]
    scopes: dict[tuple[str, str, str | None], tuple[str, str]]

    @classmethod
    def of(cls, view: KubeView) -> _Memory:
        return cls(
            rollouts={(r.cluster, r.namespace, r.name): r for r in view.rollouts},
            crashing={
                (r.pod.cluster, r.pod.namespace, r.pod.name, r.pod.uid): r.pod.last_termination
                for r in view.crashing
            },
            scopes={
                (s.cluster, s.resource, s.namespace): (s.state, s.message) for s in view.scopes
            },
        )


# ---------------------------------------------------------------- readings


def _scope_gate(view: KubeView, resources: tuple[str, ...], cluster: str | None, now: float):
    """(error, at) for readings that depend on `resources`: an error until listed, the
    moment the data was last known current while a watch is down."""
    at = now
    for s in view.scopes:
        if s.resource not in resources or (cluster is not None and s.cluster != cluster):
            continue
        if not s.synced:
            if s.state == "forbidden":
                return f"{s.cluster}: {s.message}", now
            if s.state in ("reconnecting", "error"):
                return f"{s.cluster}: cannot list {s.resource}: {s.message}", now
            return f"{s.cluster}: listing {s.resource}...", now
        if s.state != "ok":
            at = min(at, s.good_at or now)
    return None, at


def _readings(source: str, view: KubeView, now: float) -> list[Reading]:
    out: list[Reading] = []
    multi = len(view.clusters) > 1
    totals, by_dep, by_cluster = view.counts, view.by_deployment, view.by_cluster
    pod_err, pod_at = _scope_gate(view, ("pods",), None, now)
    dep_err, dep_at = _scope_gate(view, ("pods", "replicasets", "deployments"), None, now)
    ro_err, ro_at = _scope_gate(view, ("deployments", "replicasets"), None, now)

    def pod_readings(suffix: str, c: Counts, err: str | None, at: float, detail: Any) -> None:
        for name, value in (
            ("pods.total", c.total),
            ("pods.not_ready", c.not_ready),
            ("pods.crashlooping", c.crashlooping),
            ("pods.restarts_10m", c.restarts_10m),
        ):
            full = f"{name}.{suffix}" if suffix else name
            if err:
                out.append(Reading(source, full, error=err, at=at, detail=detail))
            else:
                out.append(Reading(source, full, float(value), at=at, unit="count", detail=detail))

    def rollout_readings(suffix: str, rows: list, err: str | None, at: float, detail: Any) -> None:
        complete: bool | None = all(r.complete for r in rows) if rows else None
        stalled: bool | None = any(r.stalled for r in rows) if rows else None
        for name, value in (("rollout.complete", complete), ("rollout.stalled", stalled)):
            full = f"{name}.{suffix}" if suffix else name
            if err:
                out.append(Reading(source, full, error=err, at=at, detail=detail))
            else:
                out.append(Reading(source, full, value, at=at, detail=detail))

    pod_readings("", totals, pod_err, pod_at, view)
    rollout_readings("", list(view.rollouts), ro_err, ro_at, view)
    rows_by_dep: dict[str, list] = {}
    for ro in view.rollouts:
        rows_by_dep.setdefault(ro.name, []).append(ro)
    for dep, counts in sorted(by_dep.items()):
        pod_readings(dep, counts, dep_err, dep_at, None)
        rollout_readings(dep, rows_by_dep.get(dep, []), ro_err, ro_at, None)
    if multi:
        for cluster, counts in by_cluster.items():
            err, at = _scope_gate(view, ("pods",), cluster, now)
            pod_readings(cluster, counts, err, at, None)
            rerr, rat = _scope_gate(view, ("deployments", "replicasets"), cluster, now)
            rollout_readings(
                cluster, [r for r in view.rollouts if r.cluster == cluster], rerr, rat, None
            )
    return out
