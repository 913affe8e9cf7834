"""Redis fan-out of a launch's events: the fast path between cockpits.

Pub/sub only: a message carries the event and its sequence in the shared log, so a
receiver that sees the next sequence applies it at once, and one that sees a jump
(or has just (re)connected) catches up from the store by sequence. Redis keeps
nothing here; losing it loses speed, never events (the store is the truth, polled
while the bus is away: "live updates paused").
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import redis

from cockpit.model import Event
from cockpit.redact import redact

_ERRORS = (redis.RedisError, OSError)


def channel(launch: str) -> str:
    return f"cockpit:events:{launch}"


def encode(seq: int, event: Event) -> str:
    return json.dumps({"seq": seq, "event": {
        "id": event.id, "at": event.at, "author": event.author, "kind": str(event.kind),
        "severity": str(event.severity), "message": event.message,
        "data": dict(event.data)}}, default=str)


def decode(raw: str | bytes) -> tuple[int, Event] | None:
    """A message as (seq, event); None for anything malformed (it is ignored)."""
    try:
        msg = json.loads(raw)
        e = msg["event"]
        return int(msg["seq"]), Event(kind=str(e["kind"]), message=str(e["message"]),
                                      severity=str(e["severity"]), data=dict(e["data"]),
                                      author=str(e["author"]), at=float(e["at"]),
                                      id=str(e["id"]))
    except (ValueError, KeyError, TypeError):
        return None


class RedisBus:
    """Publishes this cockpit's events and hands the others' to `on_message`.

    `on_state(live)` is called when the subscription comes up (then the caller
    catches up from the store: there may be a gap) and when it is lost.
    """

    def __init__(
        self,
        url: str,
        launch: str,
        on_message: Callable[[int, Event], None],
        on_state: Callable[[bool], None],
        timeout: float = 2.0,
        on_presence: Callable[[], None] | None = None,
    ) -> None:
        self.url = url
        self.shown = redact(url)
        self.channel = channel(launch)
        self.on_message = on_message
        self.on_state = on_state
        self.on_presence = on_presence
        self.timeout = timeout
        self.live = False
        self.paused_since: float | None = None
        self.error: str | None = None
        self._stop = threading.Event()
        self._pub = redis.Redis.from_url(url, socket_timeout=timeout,
                                         socket_connect_timeout=timeout)
        self._thread = threading.Thread(target=self._listen, name="cockpit-bus", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def publish(self, seq: int, event: Event) -> bool:
        try:
            self._pub.publish(self.channel, encode(seq, event))
            return True
        except _ERRORS as exc:
            self._set(False, exc)
            return False

    def publish_many(self, rows: list[tuple[int, Event]]) -> bool:
        """Publish a shipped batch in one round trip (a pipeline)."""
        try:
            pipe = self._pub.pipeline(transaction=False)
            for seq, event in rows:
                pipe.publish(self.channel, encode(seq, event))
            pipe.execute()
            return True
        except _ERRORS as exc:
            self._set(False, exc)
            return False

    def announce(self) -> bool:
        """Tell the others that who watches changed (they re-read presence now)."""
        try:
            self._pub.publish(self.channel, json.dumps({"presence": 1}))
            return True
        except _ERRORS as exc:
            self._set(False, exc)
            return False

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.timeout + 2)
        try:
            self._pub.close()
        except _ERRORS:
            pass

    def _set(self, live: bool, exc: BaseException | None = None) -> None:
        if exc is not None:
            self.error = redact(f"{type(exc).__name__}: {exc}")
        if live == self.live and not (live is False and self.paused_since is None):
            return
        self.live = live
        self.paused_since = None if live else (self.paused_since or time.time())
        self.on_state(live)

    def _listen(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            client: Any = None
            try:
                client = redis.Redis.from_url(self.url, socket_timeout=self.timeout,
                                              socket_connect_timeout=self.timeout,
                                              health_check_interval=5)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                # The subscribe is confirmed by its first reply: then we are live.
                pubsub.get_message(timeout=self.timeout)
                self.error = None
                self._set(True)
                backoff = 0.2
                while not self._stop.is_set():
                    msg = pubsub.get_message(timeout=0.5)
                    if msg and msg.get("type") == "message":
                        decoded = decode(msg["data"])
                        if decoded is not None:
                            self.on_message(*decoded)
                        elif b'"presence"' in bytes(msg["data"]) and self.on_presence:
                            self.on_presence()
            except _ERRORS as exc:
                self._set(False, exc)
            finally:
                if client is not None:
                    try:
                        client.close()
                    except _ERRORS:
                        pass
            self._stop.wait(backoff)
            backoff = min(2.0, backoff * 2)
