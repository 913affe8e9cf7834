"""The machine's PostgreSQL and Redis for tests: a database of its own per test, a
launch name of its own, and a TCP proxy the test controls (cut, stall, reset)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.require import missing

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"


def _pg_admin():  # noqa: ANN202
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        missing("PostgreSQL", f"127.0.0.1:5432: {exc}".splitlines()[0])


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database on the machine's PostgreSQL, dropped after the test."""
    name = f"cockpit_t_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> str:
    """The machine's Redis (channels are named by a unique launch: nothing collides)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        missing("Redis", f"127.0.0.1:6379: {exc}")
    return REDIS_URL


def launch_name() -> str:
    return f"launch-{uuid.uuid4().hex[:10]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server of this test's own on a free port, to stop and start at will
    (the shared one is never stopped)."""

    def __init__(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            missing("redis-server", "not on PATH")
        self.exe = exe
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="cockpit-redis-"))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", self.port), 0.2):
                return
            time.sleep(0.05)
        raise RuntimeError("own redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.close()


class Proxy:
    """A TCP proxy to `target` on a free port: `cut()` drops every connection and
    refuses new ones, `reset()` drops them with RST, `stall()` stops forwarding (the
    bytes wait), `restore()` goes back to forwarding."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.mode = "up"
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database_url: str) -> str:
        return database_url.replace(f"{self.target[0]}:{self.target[1]}",
                                    f"127.0.0.1:{self.port}")

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "cut":
                _hard_close(client)
                continue
            try:
                server = socket.create_connection(self.target, 3)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while self.mode == "stall":
                    time.sleep(0.02)
                if self.mode == "cut":
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()

    def _drop(self, rst: bool) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        import struct

        for pair in pairs:
            for s in pair:
                # shutdown wakes the pump blocked in recv (a close from here would not);
                # with linger 0 set, the pump's close then sends RST instead of FIN.
                with contextlib.suppress(OSError):
                    if rst:
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        s.shutdown(socket.SHUT_RD)
                    else:
                        s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.mode = "cut"
        self._drop(rst=False)

    def reset(self) -> None:
        self._drop(rst=True)

    def stall(self) -> None:
        self.mode = "stall"

    def restore(self) -> None:
        self.mode = "up"

    def close(self) -> None:
        self._stop = True
        self.mode = "cut"
        self._drop(rst=False)
        self.listener.close()


def _hard_close(s: socket.socket) -> None:
    import struct

    with contextlib.suppress(OSError):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()


@pytest.fixture
def pg_proxy(pg_url: str) -> Iterator[tuple[Proxy, str]]:
    proxy = Proxy("127.0.0.1", 5432)
    try:
        yield proxy, proxy.url(pg_url)
    finally:
        proxy.close()
