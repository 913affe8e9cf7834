"""TLS client contexts, one per distinct setting, shared by every source in the process.

An `ssl.SSLContext` with a CA bundle loaded holds every parsed certificate: ~1 MB of RSS
and ~30 ms of CPU each (measured on the demo, issue 14). httpx builds one per client, and
the cockpit has a client per HTTP check and per Prometheus source: seven identical
contexts on the demo config. Built here once per setting (and again when a CA file
changes on disk), they verify exactly as before:

- `httpx_context` is what httpx would build from `verify=` (its certifi bundle, or
  `SSL_CERT_FILE` / `SSL_CERT_DIR`), from a `ca_file`, or a non-verifying one;
- `default_context` is `ssl.create_default_context` (the system's store, or a `ca_file`),
  for the TLS source's handshakes and the ASR probe's WebSocket.

A shared context must never be changed by its users (the only setting httpcore applies
per connection, ALPN, is the same for every cockpit client: HTTP/1.1).
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Callable
from pathlib import Path

_lock = threading.Lock()
_contexts: dict[tuple, ssl.SSLContext] = {}


def _file_key(path: str | Path | None) -> tuple:
    """A CA file by its path and what it is now: a changed file makes a new context."""
    if path is None:
        return (None,)
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), None)  # not there: loading it raises below, as it did before
    return (str(path), st.st_mtime_ns, st.st_size, st.st_ino)


def _cached(key: tuple, make: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    with _lock:
        ctx = _contexts.get(key)
        if ctx is None:
            ctx = _contexts[key] = make()  # a CA file that does not load raises, as before
        return ctx


def _no_verify(ctx: ssl.SSLContext) -> ssl.SSLContext:
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def httpx_context(verify: bool = True, ca_file: str | Path | None = None) -> ssl.SSLContext:
    """The context httpx builds for `verify=` (a `ca_file` wins over `verify`)."""
    if ca_file is not None:  # as httpx's verify=<path>: a directory of certificates, or a file
        path = str(ca_file)
        if os.path.isdir(path):
            return _cached(("httpx-dir", path), lambda: ssl.create_default_context(capath=path))
        return _cached(("httpx-ca", *_file_key(path)),
                       lambda: ssl.create_default_context(cafile=path))
    if not verify:  # as httpx's verify=False
        return _cached(("httpx-none",),
                       lambda: _no_verify(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)))
    cert_file, cert_dir = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if cert_file:
        return _cached(("httpx-ca", *_file_key(cert_file)),
                       lambda: ssl.create_default_context(cafile=cert_file))
    if cert_dir:
        return _cached(("httpx-dir", cert_dir), lambda: ssl.create_default_context(capath=cert_dir))
    import certifi  # httpx's own dependency: its bundle, as httpx uses by default

    bundle = certifi.where()
    return _cached(("httpx-ca", *_file_key(bundle)),
                   lambda: ssl.create_default_context(cafile=bundle))


def default_context(ca_file: str | Path | None = None, verify: bool = True) -> ssl.SSLContext:
    """`ssl.create_default_context(cafile=ca_file)`; with `verify=False`, the same with
    neither the hostname nor the chain checked."""
    path = str(ca_file) if ca_file is not None else None

    def make() -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=path)
        return ctx if verify else _no_verify(ctx)

    return _cached(("default", verify, *_file_key(path)), make)
