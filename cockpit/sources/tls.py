"""The `tls` source: days until each endpoint's certificate expires, and whether it verifies.

Every `https://` and `wss://` endpoint of the config (HTTP checks, Prometheus, the ASR
probe, and `tls.endpoints`) is checked with a TLS handshake and nothing more: no
request is sent. Signals per endpoint HOST (`HOST_PORT` when the port is not 443):
`tls.HOST.days_left` (whole days until notAfter, negative once expired) and
`tls.HOST.valid` (the chain verifies against the endpoint's CA, or the system's, and
names the host); over all of them, `tls.min_days_left` and `tls.all_valid` (failed when
any endpoint could not be checked).

A chain that does not verify is an answer (valid is false, with the reason); the
certificate is then read from a second handshake that does not verify, so its expiry
is still known. A connection that fails is not an answer: the readings fail.
A verified certificate is read from `ssl`'s own `getpeercert()` dict, so a watch whose
endpoints verify never loads `cryptography` (~10 MB of a cockpit's memory, issue 14).
Only a certificate that did not verify is parsed with `cryptography`, because the
standard library gives no fields of a certificate it did not verify; the dict is also
left to `cryptography` whenever it holds a name that the dict cannot render exactly as
`cryptography` would (an attribute with no RFC 4514 short name, a multi-valued RDN).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from cockpit.config import LaunchConfig, TlsConfig
from cockpit.model import Reading, now
from cockpit.sources.ssl_contexts import default_context

_DEFAULT_PORTS = {"https": 443, "wss": 443}
# ssl's attribute names (OpenSSL long names) -> RFC 4514 short names, as cryptography has
_SHORT_NAMES = {"commonName": "CN", "localityName": "L", "stateOrProvinceName": "ST",
                "organizationName": "O", "organizationalUnitName": "OU", "countryName": "C",
                "streetAddress": "STREET", "domainComponent": "DC", "userId": "UID"}


@dataclass(frozen=True)
class TlsTarget:
    host: str
    port: int
    ca_file: Path | None = None

    @property
    def label(self) -> str:
        """The signal name's HOST part: the host, `_PORT` when not 443, only name characters."""
        base = re.sub(r"[^A-Za-z0-9.-]", "-", self.host).strip(".-") or "host"
        return base if self.port == 443 else f"{base}_{self.port}"


def _target(url: str, ca_file: Path | None) -> TlsTarget | None:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return None
    return TlsTarget(parts.hostname, port, ca_file)


def tls_targets(config: LaunchConfig) -> list[TlsTarget]:
    """Each TLS endpoint once, in config order; the first mention naming a CA file gives it."""
    tls = config.tls or TlsConfig()
    found: list[TlsTarget | None] = [_target(c.url, c.ca_file) for c in config.http.values()]
    if config.prometheus is not None:
        found.append(_target(config.prometheus.url, config.prometheus.ca_file))
    if config.asr_probe is not None:
        found.append(_target(config.asr_probe.url, config.asr_probe.ca_file))
    found.extend(_target(e, tls.ca_file) for e in tls.endpoints)
    seen: dict[tuple[str, int], TlsTarget] = {}
    for t in found:
        if t is None:
            continue
        known = seen.get((t.host, t.port))
        if known is None or (known.ca_file is None and t.ca_file is not None):
            seen[(t.host, t.port)] = t
    return list(seen.values())


class TlsSource:
    """All endpoints' handshakes, concurrently, every `tls.every` (default 5 min)."""

    name = "tls"

    def __init__(self, targets: list[TlsTarget], tls: TlsConfig) -> None:
        self.targets = targets
        self.tls = tls
        self.interval = tls.every
        self.stale_after = tls.stale_after or 2 * tls.every + tls.timeout * 2

    def signal_patterns(self) -> list[str]:
        per = [f"tls.{t.label}.{s}" for t in self.targets for s in ("days_left", "valid")]
        return [*per, "tls.min_days_left", "tls.all_valid"]

    def signal_unit(self, name: str) -> str | None:
        return {"valid": "bool", "days_left": "days", "all_valid": "bool",
                "min_days_left": "days"}.get(name.rsplit(".", 1)[-1])

    async def sample(self) -> list[Reading]:
        results = await asyncio.gather(*(self._one(t) for t in self.targets))
        out = [r for rs in results for r in rs]
        return [*out, *_summary(out)]

    async def _one(self, target: TlsTarget) -> list[Reading]:
        at = now()
        days, valid = f"tls.{target.label}.days_left", f"tls.{target.label}.valid"
        detail: dict[str, object] = {"host": target.host, "port": target.port}
        try:
            der, peer, why = await self._certificate(target)
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            error = _reason(exc, self.tls.timeout)
            detail["error"] = error
            return [Reading(self.name, days, None, at, error=error, unit="days", detail=detail),
                    Reading(self.name, valid, None, at, error=error, detail=detail)]
        not_after, subject, issuer = _peer_fields(peer) or _fields(der)
        left = math.floor((not_after.timestamp() - at) / 86400)
        detail.update(not_after=not_after.isoformat(), subject=subject, issuer=issuer)
        if why:
            detail["reason"] = why
        return [Reading(self.name, days, float(left), at, unit="days", detail=detail),
                Reading(self.name, valid, why is None, at, detail=detail)]

    async def _certificate(self, target: TlsTarget) -> tuple[bytes, dict, str | None]:
        """(the certificate in DER, ssl's dict of it (empty when it did not verify), why it
        does not verify or None)."""
        ctx = default_context(target.ca_file or None)  # one per CA file, shared (ssl_contexts)
        try:
            return *await self._handshake(target, ctx), None
        except ssl.SSLCertVerificationError as exc:
            why = exc.verify_message or str(exc)
        loose = default_context(verify=False)
        return *await self._handshake(target, loose), why

    async def _handshake(self, target: TlsTarget, ctx: ssl.SSLContext) -> tuple[bytes, dict]:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(target.host, target.port, ssl=ctx,
                                    server_hostname=target.host,
                                    ssl_handshake_timeout=self.tls.timeout),
            self.tls.timeout)
        try:
            sslobj = writer.get_extra_info("ssl_object")
            der = sslobj.getpeercert(binary_form=True) if sslobj is not None else None
            peer = (sslobj.getpeercert() or {}) if sslobj is not None else {}
        finally:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.wait_closed()
        if not der:
            raise ssl.SSLError("the server sent no certificate")
        return der, peer

    async def close(self) -> None:
        return None


def _summary(readings: list[Reading]) -> list[Reading]:
    """`tls.min_days_left` and `tls.all_valid` over every endpoint: failed (UNKNOWN) when
    any endpoint could not be checked, so a blind spot never reads as all valid."""
    at = max((r.at for r in readings), default=now())
    errors = sorted({r.error for r in readings if r.error})
    if errors or not readings:
        error = "; ".join(errors)[:200] or "no endpoint checked"
        return [Reading("tls", "tls.min_days_left", None, at, error=error, unit="days"),
                Reading("tls", "tls.all_valid", None, at, error=error)]
    days = [r for r in readings if r.name.endswith(".days_left")]
    valid = [r for r in readings if r.name.endswith(".valid")]
    worst = min(days, key=lambda r: float(r.value))  # type: ignore[arg-type]
    bad = [r.name.removeprefix("tls.").removesuffix(".valid") for r in valid if not r.value]
    return [Reading("tls", "tls.min_days_left", worst.value, at, unit="days",
                    detail={"endpoint": worst.name.removeprefix("tls.")
                            .removesuffix(".days_left")}),
            Reading("tls", "tls.all_valid", not bad, at, detail={"not_valid": bad})]


def _peer_fields(peer: dict) -> tuple[datetime, str, str] | None:
    """(notAfter, subject, issuer) from ssl's dict of a verified certificate, the names
    as `cryptography`'s `rfc4514_string()` writes them; None when the dict cannot say it
    exactly like that (no dict, or a name `_rfc4514` declines)."""
    try:
        not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(peer["notAfter"]), UTC)
    except (KeyError, TypeError, ValueError):
        return None
    subject, issuer = _rfc4514(peer.get("subject")), _rfc4514(peer.get("issuer"))
    if subject is None or issuer is None:
        return None
    return not_after, subject[:200], issuer[:200]


def _rfc4514(name: object) -> str | None:
    """ssl's name (RDNs in certificate order, each a tuple of (attribute, value)) as
    RFC 4514 (last RDN first), or None for a multi-valued RDN or an attribute that has
    no short name (cryptography writes those as a dotted OID, which ssl does not give)."""
    if not isinstance(name, tuple):
        return None
    parts = []
    for rdn in reversed(name):
        if not isinstance(rdn, tuple) or len(rdn) != 1:
            return None
        key, value = rdn[0]
        short = _SHORT_NAMES.get(key)
        if short is None or not isinstance(value, str):
            return None
        parts.append(f"{short}={_escape(value)}")
    return ",".join(parts)


def _escape(value: str) -> str:
    """An attribute value escaped as RFC 4514 section 2.4 says (cryptography's rules)."""
    if not value:
        return ""
    for char, escaped in (("\\", "\\\\"), ('"', '\\"'), ("+", "\\+"), (",", "\\,"),
                          (";", "\\;"), ("<", "\\<"), (">", "\\>"), ("\0", "\\00")):
        value = value.replace(char, escaped)
    if value[0] == "#" or (value[0] == " " and len(value) > 1):
        value = "\\" + value
    if value[-1] == " ":
        value = value[:-1] + "\\ "
    return value


def _fields(der: bytes) -> tuple[datetime, str, str]:
    """(notAfter, subject, issuer) of any certificate, verified or not."""
    from cryptography import x509  # noqa: PLC0415 - only for a certificate that did not verify

    cert = x509.load_der_x509_certificate(der)
    return (cert.not_valid_after_utc.astimezone(UTC), cert.subject.rfc4514_string()[:200],
            cert.issuer.rfc4514_string()[:200])


def _reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no handshake within {timeout:g}s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return str(getattr(exc, "strerror", None) or exc or type(exc).__name__)[:200]
