"""The `tcp` source: can this host open a connection to a dependency's port, and how fast.

Signals per check NAME: `tcp.NAME.up` (bool) and `tcp.NAME.latency` (connect time,
seconds). Nothing is sent: the connection is opened and closed. A refused connection
is an answer (the host said no one listens there): `up` is false. A timeout or a name
that does not resolve is not: the readings fail, so gates on them are UNKNOWN (we
cannot tell "the database is down" from "our route to it is").
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time

from cockpit.config import TcpCheck
from cockpit.model import Reading, now


class TcpSource:
    """One check: a connect per sample, closed at once."""

    def __init__(self, name: str, check: TcpCheck) -> None:
        self.name = f"tcp.{name}"
        self.check = check
        self.interval = check.every
        self.stale_after = check.stale_after or max(3 * check.every, check.every + check.timeout)

    def signal_patterns(self) -> list[str]:
        return [f"{self.name}.up", f"{self.name}.latency"]

    def signal_unit(self, name: str) -> str | None:
        return {"up": "bool", "latency": "seconds"}.get(name.rsplit(".", 1)[-1])

    async def sample(self) -> list[Reading]:
        at = now()
        started = time.perf_counter()
        detail = {"address": self.check.address}
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(self.check.host, self.check.port), self.check.timeout)
        except ConnectionRefusedError:
            detail["error"] = "connection refused"
            return [Reading(self.name, f"{self.name}.up", False, at, detail=detail),
                    Reading(self.name, f"{self.name}.latency", None, at,
                            error="connection refused", unit="seconds")]
        except TimeoutError:
            return self._failed(at, f"no connection within {self.check.timeout:g}s")
        except socket.gaierror as exc:
            return self._failed(at, f"cannot resolve {self.check.host}: {exc.strerror}")
        except OSError as exc:
            return self._failed(at, exc.strerror or type(exc).__name__)
        latency = time.perf_counter() - started
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return [Reading(self.name, f"{self.name}.up", True, at, detail=detail),
                Reading(self.name, f"{self.name}.latency", latency, at, unit="seconds",
                        detail=detail)]

    def _failed(self, at: float, error: str) -> list[Reading]:
        detail = {"address": self.check.address, "error": error}
        return [Reading(self.name, f"{self.name}.up", None, at, error=error, detail=detail),
                Reading(self.name, f"{self.name}.latency", None, at, error=error)]

    async def close(self) -> None:
        return None
