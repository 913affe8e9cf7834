"""One watch thread: list a resource, then watch from the listed resourceVersion.

On `410 Gone` it lists again; on a dropped connection it reconnects with exponential
backoff; a `403` is kept as a refusal naming the verb and resource. Responses are read
as raw JSON (`_preload_content=False`): the client's model deserialization costs
milliseconds per pod, far too much for thousands of pods.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from cockpit.redact import redact
from cockpit.sources.kube.objects import slim
from cockpit.sources.kube.store import KubeStore
from cockpit.sources.kube.view import ScopeState


class Gone(Exception):
    """The watch's resourceVersion is too old (410): list again."""


class Refused(Exception):
    """An HTTP error status from the API server, with its Status message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# resource -> (API path, plural) of the list endpoints the watch calls
_ENDPOINTS = {"pods": ("/api/v1", "pods"), "events": ("/api/v1", "events"),
              "deployments": ("/apis/apps/v1", "deployments"),
              "replicasets": ("/apis/apps/v1", "replicasets")}
# keyword -> query parameter, in the order the generated CoreV1Api/AppsV1Api send them
_QUERY = {"allow_watch_bookmarks": "allowWatchBookmarks", "_continue": "continue",
          "field_selector": "fieldSelector", "label_selector": "labelSelector",
          "limit": "limit", "resource_version": "resourceVersion",
          "timeout_seconds": "timeoutSeconds", "watch": "watch"}


def list_call(api_client: Any, resource: str, namespace: str | None) -> Callable[..., Any]:
    """`list_namespaced_<resource>(namespace, **kw)` (or `..._for_all_namespaces` when
    `namespace` is None) as the generated API classes make it, answering the raw
    response: the same request through `ApiClient.call_api` (path, query, `Accept:
    application/json`, the bearer token), without loading those classes (~4 MB, see
    client.py)."""
    prefix, plural = _ENDPOINTS[resource]
    if namespace is None:
        path, path_params = f"{prefix}/{plural}", {}
    else:
        path, path_params = f"{prefix}/namespaces/{{namespace}}/{plural}", {"namespace": namespace}

    def call(*, _preload_content: bool = False, _request_timeout: Any = None,
             **kw: Any) -> Any:
        unknown = set(kw) - set(_QUERY)
        if unknown or _preload_content:  # raw JSON only: the watch never builds a model
            raise TypeError(f"unexpected arguments {sorted(unknown) or '_preload_content'}")
        query = [(_QUERY[k], kw[k]) for k in _QUERY if kw.get(k) is not None]
        return api_client.call_api(
            path, "GET", dict(path_params), query, {"Accept": "application/json"},
            auth_settings=["BearerToken"], _return_http_data_only=True,
            _preload_content=_preload_content, _request_timeout=_request_timeout,
            collection_formats={})

    return call


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
        from cockpit.sources.kube.client import k8s

        ApiException = k8s().ApiException  # noqa: N806 - the library's class
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

