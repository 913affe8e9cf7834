"""Servers for the ASR probe tests: the real sim, and small hostile/broken ones.

Hostile servers run in the test's own event loop (they do no work worth a
thread); each is an async context manager yielding its ws:// or wss:// URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

from websockets.asyncio.server import ServerConnection, serve

from cockpit.config import AsrProbeConfig
from tests.support.require import missing

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "probes" / "smoke-en.wav"
EXPECTED = (ROOT / "probes" / "smoke-en.txt").read_text().strip()

# A transcript that tries every trick on a terminal and on Rich/Textual markup.
HOSTILE_TEXT = "[red]BOOM[/red] [@click=app.quit]x[/] \x1b[2J\x1b]52;c;ZXZpbA==\x07 <b>one</b>"

Handler = Callable[[ServerConnection], Awaitable[None]]


def probe_config(url: str, **overrides: object) -> AsrProbeConfig:
    """A probe config for the shipped clip, with tight deadlines for tests."""
    base: dict[str, object] = {
        "url": url,
        "audio": CLIP,
        "expect": EXPECTED,
        "connect_timeout": 2.0,
        "final_timeout": 2.0,
        "timeout": 15.0,
    }
    base.update(overrides)
    return AsrProbeConfig.model_validate(base)


@contextlib.contextmanager
def asr_sim(**fault_fields: object) -> Iterator[tuple[str, object]]:
    """The PocketSphinx sim on a thread: yields (url, faults)."""
    try:
        from cockpit.sim.asr import RecognizerUnavailable, SimFaults, start_asr_sim
    except ImportError as exc:  # pragma: no cover
        missing("ASR sim", str(exc))
    faults = SimFaults(**fault_fields)  # type: ignore[arg-type]
    try:
        url, stop = start_asr_sim("127.0.0.1", 0, faults)
    except RecognizerUnavailable as exc:
        missing("pocketsphinx", str(exc))
    try:
        yield url, faults
    finally:
        stop()


@contextlib.asynccontextmanager
async def ws_server(handler: Handler, tls: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    """A WebSocket server on loopback running `handler` per connection."""
    async with serve(handler, "127.0.0.1", 0, ssl=tls, ping_interval=None, max_size=None) as srv:
        port = next(iter(srv.sockets)).getsockname()[1]
        yield f"{'wss' if tls else 'ws'}://127.0.0.1:{port}/"


def refused_url() -> str:
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"ws://127.0.0.1:{port}/"


@contextlib.asynccontextmanager
async def tcp_black_hole() -> AsyncIterator[str]:
    """Accepts TCP and never answers the WebSocket upgrade."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        with contextlib.suppress(Exception):
            await reader.read()  # until the client gives up

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/"
    finally:
        for w in writers:
            w.close()
        server.close()
        await server.wait_closed()


# ------------------------------------------------------------------ handlers


async def _drain(ws: ServerConnection) -> None:
    with contextlib.suppress(Exception):
        async for _ in ws:
            pass


async def never_answers(ws: ServerConnection) -> None:
    """Upgrades, reads everything, says nothing and never closes."""
    await _drain(ws)


def answers(text: str) -> Handler:
    """A vosk-protocol server that partially answers each chunk and finals `text` on eof."""

    async def handler(ws: ServerConnection) -> None:
        words = text.split(" ")
        n = 0
        async for message in ws:
            if isinstance(message, bytes):
                n += 1
                await ws.send(json.dumps({"partial": " ".join(words[: min(n, len(words))])}))
            elif json.loads(message).get("eof"):
                await ws.send(json.dumps({"text": text}))
                await ws.close(1000, "done")
                return

    return handler


def closes_mid_stream(after_chunks: int = 5) -> Handler:
    async def handler(ws: ServerConnection) -> None:
        n = 0
        async for message in ws:
            if isinstance(message, bytes):
                n += 1
                await ws.send(json.dumps({"partial": "launch"}))
                if n >= after_chunks:
                    await ws.close(1011, "worker crashed")
                    return

    return handler


async def sends_non_json(ws: ServerConnection) -> None:
    async for message in ws:
        if isinstance(message, bytes):
            await ws.send("<html><body>502 Bad Gateway</body></html>")
            await _drain(ws)
            return


async def sends_huge_frame(ws: ServerConnection) -> None:
    async for message in ws:
        if isinstance(message, bytes):
            with contextlib.suppress(Exception):
                await ws.send(b"x" * (50 * 1024 * 1024))
            await _drain(ws)
            return


def deepgram_like(transcript: str) -> Handler:
    """Deepgram-style: interim Results per chunk, finals after CloseStream, Metadata, close."""

    def results(text: str, final: bool) -> str:
        alt = {"transcript": text, "confidence": 0.9}
        message = {"type": "Results", "is_final": final, "channel": {"alternatives": [alt]}}
        return json.dumps(message)

    async def handler(ws: ServerConnection) -> None:
        words = transcript.split(" ")
        half = len(words) // 2
        n = 0
        async for message in ws:
            if isinstance(message, bytes):
                n += 1
                await ws.send(results(" ".join(words[: min(n, half)]), False))
                if n == 20:  # a final for the first half before the end
                    await ws.send(results(" ".join(words[:half]), True))
            elif json.loads(message).get("type") == "CloseStream":
                await ws.send(json.dumps({"type": "SpeechStarted"}))
                await ws.send(results(" ".join(words[half:]), True))
                await ws.send(json.dumps({"type": "Metadata", "request_id": "x"}))
                await ws.close(1000)
                return

    return handler


def generic_json(transcript: str) -> Handler:
    """A made-up service: {"op":"begin"} ... {"op":"end"}; answers {"result": {...}}."""

    async def handler(ws: ServerConnection) -> None:
        began = False
        async for message in ws:
            if isinstance(message, str):
                op = json.loads(message).get("op")
                if op == "begin":
                    began = True
                elif op == "end" and began:
                    await ws.send(json.dumps({"result": {"text": transcript, "done": True}}))
                    await ws.close(1000)
                    return
            elif began:
                await ws.send(json.dumps({"result": {"text": "launch", "done": False}}))

    return handler


# ------------------------------------------------------------------ TLS


def make_tls(tmp: Path) -> tuple[ssl.SSLContext, Path]:
    """A throwaway CA and a localhost cert it signed: (server context, CA file)."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError as exc:
        missing("cryptography", f"needed to make a throwaway CA ({exc})")
    import ipaddress

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cockpit test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = tmp / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file, key_file = tmp / "server.pem", tmp / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_file, key_file)
    return ctx, ca_file
