"""Throwaway certificates with a chosen expiry, and a loopback TLS server that records bytes.

`make_cert(tmp, not_after)` (cockpit/sim/ports.py's, the rehearsal uses it too) makes a
CA and a cert for localhost / 127.0.0.1 it signed, expiring at `not_after`;
`tls_server(ctx)` serves TLS on a free 127.0.0.1 port and keeps every byte a client sent
after the handshake, so a test can say "handshake only".
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.sim.ports import Cert
from cockpit.sim.ports import make_cert as sim_make_cert
from tests.support.require import missing

__all__ = ["Cert", "TlsServer", "make_cert", "tls_server"]


def make_cert(tmp: Path, not_after: datetime.datetime) -> Cert:
    try:
        import cryptography  # noqa: F401
    except ImportError as exc:
        missing("cryptography", f"needed to make a throwaway CA ({exc})")
    return sim_make_cert(tmp, not_after)


@dataclass
class TlsServer:
    port: int
    received: list[bytes] = field(default_factory=list)
    handshakes: int = 0


@contextlib.asynccontextmanager
async def tls_server(ctx: ssl.SSLContext) -> AsyncIterator[TlsServer]:
    state = TlsServer(0)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.handshakes += 1
        with contextlib.suppress(Exception):
            data = await asyncio.wait_for(reader.read(65536), 5)
            state.received.append(data)
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ctx)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await server.wait_closed()
