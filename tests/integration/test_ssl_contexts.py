"""TLS client contexts are built once per setting and shared by every source (issue 14:
each one with a CA bundle loaded is ~1 MB and ~30 ms; the demo had seven identical
ones), and they still verify as before: a private CA's server is trusted with its
`ca_file` and refused without it, `verify: false` trusts it, a changed CA file is read
again. Against a real HTTPS server on loopback with a certificate made here."""

from __future__ import annotations

import datetime
import http.server
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.config import HttpCheck
from cockpit.sources import ssl_contexts
from cockpit.sources.http import HttpSource
from cockpit.sources.prom_api import PromClient
from tests.support.http_ok import OkHandler
from tests.support.tls import Cert, make_cert


@pytest.fixture
def https(tmp_path: Path) -> Iterator[tuple[str, Cert]]:
    cert = make_cert(tmp_path, datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=9))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OkHandler)
    server.socket = cert.ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/health", cert
    finally:
        server.shutdown()
        server.server_close()


async def up(check: HttpCheck) -> tuple[bool, str]:
    source = HttpSource("api", check)
    try:
        reading = {r.name: r for r in await source.sample()}["http.api.up"]
        return bool(reading.value), f"{reading.error} {reading.detail}"
    finally:
        await source.close()


async def test_a_private_ca_is_trusted_with_its_ca_file_only(https: tuple[str, Cert]) -> None:
    url, cert = https
    assert (await up(HttpCheck(url=url, ca_file=cert.ca_file)))[0] is True
    trusted, error = await up(HttpCheck(url=url))  # certifi's bundle: not our CA
    assert not trusted and "CERTIFICATE_VERIFY_FAILED" in error
    assert (await up(HttpCheck(url=url, verify=False)))[0] is True


async def test_clients_of_one_setting_share_one_context(https: tuple[str, Cert],
                                                        monkeypatch) -> None:
    url, cert = https
    built: list[object] = []
    real = ssl.create_default_context

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003
        built.append(kwargs.get("cafile"))
        return real(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counting)
    monkeypatch.setattr(ssl_contexts, "_contexts", {})
    sources = [HttpSource(f"c{i}", HttpCheck(url=url, ca_file=cert.ca_file)) for i in range(3)]
    sources += [HttpSource(f"d{i}", HttpCheck(url=url)) for i in range(2)]
    proms = [PromClient("http://127.0.0.1:9"), PromClient("http://127.0.0.1:9")]
    try:
        for source in sources:
            await source.start()
        # three clients on our CA, four on httpx's default bundle: two contexts, not seven
        assert sorted(map(str, built)) == sorted([str(cert.ca_file), _bundle()])
        assert ssl_contexts.httpx_context(True, cert.ca_file) is ssl_contexts.httpx_context(
            False, cert.ca_file)  # a ca_file wins over verify, as with httpx's verify=<path>
    finally:
        for source in sources:
            await source.close()
        for prom in proms:
            await prom.close()


def test_a_changed_ca_file_is_read_again(tmp_path: Path) -> None:
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=9)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, other = make_cert(tmp_path / "a", soon), make_cert(tmp_path / "b", soon)
    one = ssl_contexts.default_context(first.ca_file)
    assert ssl_contexts.default_context(first.ca_file) is one
    first.ca_file.write_bytes(other.ca_file.read_bytes() + b"\n")  # rotated in place
    assert ssl_contexts.default_context(first.ca_file) is not one
    assert ssl_contexts.default_context(verify=False).verify_mode == ssl.CERT_NONE
    assert ssl_contexts.default_context().verify_mode == ssl.CERT_REQUIRED


def _bundle() -> str:
    """httpx's default: $SSL_CERT_FILE when set (it is on some machines), else certifi's."""
    import os

    import certifi

    return os.environ.get("SSL_CERT_FILE") or certifi.where()
