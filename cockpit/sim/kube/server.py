"""The HTTP side of the simulator: discovery, list (paged), watch streams, 403 and 410.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cockpit.sim.kube.cluster import Cluster
from cockpit.sim.kube.objects import RESOURCES, Obj, status_body
from cockpit.sim.kube.selectors import (
    fields_match,
    parse_field_selector,
    parse_selector,
    selector_matches,
)

_GROUP = {"pods": "", "events": "", "deployments": "apps", "replicasets": "apps"}

_PATH = re.compile(
    r"^(?P<prefix>/api/v1|/apis/apps/v1)(?:/namespaces/(?P<ns>[^/]+))?/(?P<res>[a-z]+)(?:/(?P<name>[^/]+))?$"
)

# ---------------------------------------------------------------- HTTP


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: the tests and the bench own stdout

    # -------------------------------------------------------- plumbing

    def _send_json(self, code: int, body: Obj) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.wfile.write(data)

    def _abort(self) -> None:
        """Close the connection with no (further) response: a dropped connection."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self) -> None:  # noqa: N802
        cluster = self.server.cluster
        cluster.requests.append(("GET", self.path))
        if cluster.down:
            self._abort()
            return
        if cluster.fail_status is not None:
            code = cluster.fail_status
            self._send_json(code, status_body(code, "InternalError", "simulated server error"))
            return
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        path = url.path.rstrip("/") or "/"
        if path in _DISCOVERY:
            self._send_json(200, _DISCOVERY[path])
            return
        m = _PATH.match(path)
        if (
            not m
            or m.group("res") not in RESOURCES
            or RESOURCES[m.group("res")][0] != m.group("prefix")
        ):
            self._send_json(
                404,
                status_body(404, "NotFound", "the server could not find the requested resource"),
            )
            return
        resource, ns, name = m.group("res"), m.group("ns"), m.group("name")
        watching = q.get("watch", "").lower() in ("1", "true")
        verb = "get" if name else ("watch" if watching else "list")
        user = cluster.forbidden_user(verb, resource)
        if user is not None:
            self._send_json(403, _forbidden(user, verb, resource, ns))
            return
        try:
            selector = parse_selector(q.get("labelSelector"))
            fields = parse_field_selector(q.get("fieldSelector"))
        except ValueError as exc:
            self._send_json(400, status_body(400, "BadRequest", str(exc)))
            return
        if name:
            obj = cluster.get(resource, ns or "", name)
            if obj is None:
                self._send_json(
                    404,
                    status_body(
                        404,
                        "NotFound",
                        f'{resource} "{name}" not found',
                        {"name": name, "group": _GROUP[resource], "kind": resource},
                    ),
                )
                return
            self._send_json(200, obj)
        elif watching:
            self._watch(resource, ns, selector, fields, q)
        else:
            self._list(resource, ns, selector, fields, q)

    def _list(
        self, resource: str, ns: str | None, selector: list, fields: list, q: dict[str, str]
    ) -> None:
        """A list, whole or in pages (`limit` + `continue`), every page from one snapshot
        at one resourceVersion, as the API server serves them from etcd."""
        cluster = self.server.cluster
        _, kind, api_version = RESOURCES[resource]
        token = q.get("continue") or ""
        limit = int(q.get("limit") or 0)
        if token:
            snap = cluster.pages.get(token)
            if snap is None:
                self._send_json(
                    410,
                    status_body(
                        410,
                        "Expired",
                        "The provided continue parameter is too old to display a consistent "
                        "list result. You can start a new list without the continue parameter.",
                    ),
                )
                return
            rv, items = snap
        else:
            with cluster._lock:
                rv = cluster._rv
                items = [
                    o
                    for (ons, _), o in cluster._objects[resource].items()
                    if (ns is None or ons == ns)
                    and selector_matches(selector, o["metadata"].get("labels") or {})
                    and fields_match(fields, o)
                ]
        meta: Obj = {"resourceVersion": str(rv)}
        if limit and len(items) > limit:
            rest = items[limit:]
            items = items[:limit]
            nxt = uuid.uuid4().hex
            cluster.pages.put(nxt, (rv, rest))
            meta["continue"] = nxt
            meta["remainingItemCount"] = len(rest)
        # Stored objects are replaced on change, never mutated, so this needs no lock.
        body = {"kind": f"{kind}List", "apiVersion": api_version, "metadata": meta, "items": items}
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _watch(
        self, resource: str, ns: str | None, selector: list, fields: list, q: dict[str, str]
    ) -> None:
        cluster = self.server.cluster
        _, kind, api_version = RESOURCES[resource]
        timeout = float(q.get("timeoutSeconds") or 1800)
        bookmarks = q.get("allowWatchBookmarks", "").lower() in ("1", "true")
        deadline = time.monotonic() + timeout
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True

        def matches(labels: dict | None, obj: Obj | None = None) -> bool:
            if labels is None or not selector_matches(selector, labels):
                return False
            return obj is None or fields_match(fields, obj)

        with cluster._cond:
            drop_gen, expire_gen = cluster._drop_gen, cluster._expire_gen
            cluster.watch_count += 1
            start = q.get("resourceVersion") or ""
            pending: list[bytes] = []
            if start in ("", "0"):
                rv = cluster._rv
                for (ons, _), o in cluster._objects[resource].items():
                    if (ns is None or ons == ns) and matches(o["metadata"].get("labels") or {}, o):
                        pending.append(_event_line("ADDED", o, kind, api_version))
            else:
                try:
                    rv = int(start)
                except ValueError:
                    rv = -1
                if rv < cluster._oldest_rv - 1 or rv < 0:
                    pending.append(_gone_line(rv, cluster._oldest_rv))
                    rv = -1
        try:
            if pending:
                self._chunk(b"".join(pending))
            if rv < 0:
                self._end_chunks()
                return
            last_sent = time.monotonic()
            while True:
                with cluster._cond:
                    changes = cluster.changes_since(rv)
                    if not changes:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            break
                        cluster._cond.wait(timeout=min(left, 0.5))
                        changes = cluster.changes_since(rv)
                    dropped = cluster._drop_gen != drop_gen or cluster.down
                    expired = cluster._expire_gen != expire_gen
                    oldest = cluster._oldest_rv
                if dropped:
                    self._abort()
                    return
                if expired or rv < oldest - 1:
                    self._chunk(_gone_line(rv, oldest))
                    self._end_chunks()
                    return
                out = []
                for ch in changes:
                    rv = ch.rv
                    if ch.resource != resource or (ns is not None and ch.namespace != ns):
                        continue
                    now_m = matches(ch.obj["metadata"].get("labels") or {}, ch.obj)
                    was_m = matches(ch.old_labels, ch.obj)
                    if ch.type == "DELETED":
                        typ = "DELETED" if was_m else None
                    elif now_m and was_m:
                        typ = ch.type
                    elif now_m:
                        typ = "ADDED"
                    elif was_m:
                        typ = "DELETED"
                    else:
                        typ = None
                    if typ is None:
                        continue
                    if typ == ch.type and ch.line is not None:
                        out.append(ch.line)
                    else:
                        line = _event_line(typ, ch.obj, kind, api_version)
                        if typ == ch.type:
                            ch.line = line
                        out.append(line)
                if out:
                    self._chunk(b"".join(out))
                    last_sent = time.monotonic()
                elif bookmarks and time.monotonic() - last_sent > self.server.bookmark_every:
                    mark = {
                        "type": "BOOKMARK",
                        "object": {
                            "kind": kind,
                            "apiVersion": api_version,
                            "metadata": {"resourceVersion": str(rv)},
                        },
                    }
                    self._chunk(json.dumps(mark, separators=(",", ":")).encode() + b"\n")
                    last_sent = time.monotonic()
                if time.monotonic() >= deadline:
                    break
            self._end_chunks()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True
        finally:
            with cluster._cond:
                cluster.watch_count -= 1

    def _end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def _event_line(type_: str, obj: Obj, kind: str, api_version: str) -> bytes:
    body = obj if "kind" in obj else {"kind": kind, "apiVersion": api_version, **obj}
    return json.dumps({"type": type_, "object": body}, separators=(",", ":")).encode() + b"\n"


def _gone_line(rv: int, oldest: int) -> bytes:
    status = status_body(410, "Expired", f"too old resource version: {rv} ({max(oldest - 1, 0)})")
    return json.dumps({"type": "ERROR", "object": status}, separators=(",", ":")).encode() + b"\n"


def _forbidden(user: str, verb: str, resource: str, ns: str | None) -> Obj:
    group = _GROUP[resource]
    where = f'in the namespace "{ns}"' if ns else "at the cluster scope"
    return status_body(
        403,
        "Forbidden",
        f'{resource} is forbidden: User "{user}" cannot {verb} resource "{resource}" '
        f'in API group "{group}" {where}',
        {"kind": resource, **({"group": group} if group else {})},
    )


def _resource_list(group_version: str, names: list[tuple[str, str, list[str]]]) -> Obj:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {
                "name": name,
                "singularName": kind.lower(),
                "namespaced": True,
                "kind": kind,
                "verbs": ["get", "list", "watch"],
                "shortNames": short,
            }
            for name, kind, short in names
        ],
    }


_DISCOVERY: dict[str, Obj] = {
    "/api": {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
    },
    "/apis": {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            {
                "name": "apps",
                "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
            }
        ],
    },
    "/api/v1": _resource_list("v1", [("pods", "Pod", ["po"]), ("events", "Event", ["ev"])]),
    "/apis/apps/v1": _resource_list(
        "apps/v1",
        [("deployments", "Deployment", ["deploy"]), ("replicasets", "ReplicaSet", ["rs"])],
    ),
    "/version": {
        "major": "1",
        "minor": "32",
        "gitVersion": "v1.32.0-cockpit-sim",
        "platform": "linux/amd64",
    },
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, cluster: Cluster, bookmark_every: float) -> None:
        self.cluster = cluster
        self.bookmark_every = bookmark_every
        super().__init__(("127.0.0.1", 0), _Handler)


class KubeSim:
    """One simulated cluster served on 127.0.0.1 on a free port (`with KubeSim() as sim`)."""

    def __init__(
        self, name: str = "sim", *, cluster: Cluster | None = None, bookmark_every: float = 5.0
    ) -> None:
        self.cluster = cluster or Cluster(name)
        self.name = name
        self._server = _Server(self.cluster, bookmark_every)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> KubeSim:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"kube-sim-{self.name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.cluster.drop_watches()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> KubeSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def write_kubeconfig(
    path: str | Path,
    clusters: dict[str, str],
    *,
    current: str | None = None,
    namespace: str | None = None,
    token: str = "sim-token-not-a-secret",  # noqa: S107 (a loopback simulator's token)
) -> Path:
    """A kubeconfig with one context per simulated cluster (context name -> server URL)."""
    path = Path(path)
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "current-context": current or next(iter(clusters)),
        "clusters": [{"name": n, "cluster": {"server": url}} for n, url in clusters.items()],
        "users": [{"name": f"{n}-user", "user": {"token": token}} for n in clusters],
        "contexts": [
            {
                "name": n,
                "context": {
                    "cluster": n,
                    "user": f"{n}-user",
                    **({"namespace": namespace} if namespace else {}),
                },
            }
            for n in clusters
        ],
    }
    path.write_text(json.dumps(doc, indent=2))  # JSON is YAML: kubectl and the client read it
    path.chmod(0o600)
    return path


