"""The tls and tcp sources against real servers: a loopback TLS server with a certificate
made here (days left exact), the machine's PostgreSQL and Redis, a closed port."""

from __future__ import annotations

import datetime
import socket
from pathlib import Path

import pytest
import yaml

from cockpit.config import TcpCheck, TlsConfig
from cockpit.sources import build_sources
from cockpit.sources.tcp import TcpSource
from cockpit.sources.tls import TlsSource, TlsTarget, tls_targets
from tests.support.launch import write_launch
from tests.support.require import missing
from tests.support.tls import make_cert, tls_server

CHECKLIST = "title: t\nsections:\n- title: s\n  items:\n  - {id: a, text: a}\n"


def by_name(readings):
    return {r.name: r for r in readings}


def utc_in(days: float) -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days)


async def test_days_left_is_exact_and_the_chain_verifies_with_its_ca(tmp_path: Path) -> None:
    cert = make_cert(tmp_path, utc_in(30.25))
    async with tls_server(cert.ctx) as server:
        source = TlsSource([TlsTarget("127.0.0.1", server.port, cert.ca_file)], TlsConfig())
        got = by_name(await source.sample())
    label = f"127.0.0.1_{server.port}"
    assert set(source.signal_patterns()) == {f"tls.{label}.days_left", f"tls.{label}.valid",
                                             "tls.min_days_left", "tls.all_valid"}
    days, valid = got[f"tls.{label}.days_left"], got[f"tls.{label}.valid"]
    assert days.value == 30.0 and days.error is None
    assert valid.value is True
    assert "reason" not in valid.detail
    assert server.handshakes == 1
    assert server.received == [b""], "nothing but the handshake was sent"
    assert got["tls.min_days_left"].value == 30.0 and got["tls.all_valid"].value is True


async def test_unknown_ca_is_not_valid_and_the_expiry_still_known(tmp_path: Path) -> None:
    cert = make_cert(tmp_path, utc_in(10.5))
    async with tls_server(cert.ctx) as server:
        source = TlsSource([TlsTarget("localhost", server.port)], TlsConfig())  # system CAs
        got = by_name(await source.sample())
    label = f"localhost_{server.port}"
    assert got[f"tls.{label}.valid"].value is False
    assert "certificate" in got[f"tls.{label}.valid"].detail["reason"]
    assert got[f"tls.{label}.days_left"].value == 10.0
    assert got["tls.all_valid"].value is False
    assert got["tls.all_valid"].detail == {"not_valid": [label]}
    # the verifying handshake is refused by us (the server never sees a connection);
    # the second one completes, and no request follows it
    assert server.received == [b""], "nothing but handshakes was sent"


async def test_expired_certificate_has_negative_days_and_is_not_valid(tmp_path: Path) -> None:
    cert = make_cert(tmp_path, utc_in(-1.5))
    async with tls_server(cert.ctx) as server:
        source = TlsSource([TlsTarget("127.0.0.1", server.port, cert.ca_file)], TlsConfig())
        got = by_name(await source.sample())
    label = f"127.0.0.1_{server.port}"
    assert got[f"tls.{label}.days_left"].value == -2.0
    assert got[f"tls.{label}.valid"].value is False
    assert "expired" in got[f"tls.{label}.valid"].detail["reason"]


async def test_a_closed_port_is_a_failed_reading_not_invalid(tmp_path: Path) -> None:
    port = closed_port()
    source = TlsSource([TlsTarget("127.0.0.1", port)], TlsConfig(timeout=2))
    got = by_name(await source.sample())
    for reading in got.values():
        assert reading.value is None and reading.error == "connection refused"
    assert {"tls.min_days_left", "tls.all_valid"} <= set(got), "a blind spot is never all valid"


def test_targets_are_every_tls_endpoint_of_the_config_once(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    path = write_launch(tmp_path, CHECKLIST, yaml.safe_dump({
        "http": {"health": {"url": "https://asr.example.com/health", "ca_file": str(ca)},
                 "again": {"url": "https://asr.example.com/ready"},
                 "plain": {"url": "http://asr.example.com/health"}},
        "prometheus": {"url": "https://prom.example.com:9091"},
        "asr_probe": {"url": "wss://stream.example.com/v1", "audio": str(ca)},
        "tls": {"endpoints": ["https://www.example.com", "db.example.com:8443"]},
    }))
    from cockpit.config import load_config

    config = load_config(path)
    targets = tls_targets(config)
    assert [(t.host, t.port, t.label) for t in targets] == [
        ("asr.example.com", 443, "asr.example.com"),
        ("prom.example.com", 9091, "prom.example.com_9091"),
        ("stream.example.com", 443, "stream.example.com"),
        ("www.example.com", 443, "www.example.com"),
        ("db.example.com", 8443, "db.example.com_8443"),
    ]
    assert targets[0].ca_file == ca
    tls = [s for s in build_sources(config) if s.name == "tls"]
    assert len(tls) == 1 and "tls.asr.example.com.days_left" in tls[0].signal_patterns()
    off = load_config(write_launch(tmp_path, CHECKLIST, yaml.safe_dump({
        "http": {"h": {"url": "https://asr.example.com/"}}, "tls": {"enabled": False}})))
    assert not [s for s in build_sources(off) if s.name == "tls"]


# ------------------------------------------------------------------ tcp


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_postgres() -> None:
    try:
        import psycopg

        psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres",
                        connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001
        missing("PostgreSQL on 127.0.0.1:5432", str(exc).splitlines()[0])


def require_redis() -> None:
    try:
        import redis

        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        missing("Redis on 127.0.0.1:6379", str(exc))


@pytest.mark.parametrize(("address", "require"), [("127.0.0.1:5432", require_postgres),
                                                  ("127.0.0.1:6379", require_redis)])
async def test_a_listening_dependency_is_up_with_a_latency(address, require) -> None:
    require()
    source = TcpSource("db", TcpCheck(address=address, timeout=3))
    got = by_name(await source.sample())
    assert got["tcp.db.up"].value is True
    assert got["tcp.db.latency"].value is not None and 0 < got["tcp.db.latency"].value < 3
    assert got["tcp.db.latency"].unit == "seconds"


async def test_a_closed_port_is_down_not_unknown() -> None:
    source = TcpSource("nats", TcpCheck(address=f"127.0.0.1:{closed_port()}"))
    got = by_name(await source.sample())
    assert got["tcp.nats.up"].value is False and got["tcp.nats.up"].error is None
    assert got["tcp.nats.latency"].error == "connection refused"


async def test_an_unresolvable_host_is_a_failed_reading() -> None:
    source = TcpSource("q", TcpCheck(address="no-such-host.invalid:6333", timeout=3))
    got = by_name(await source.sample())
    assert got["tcp.q.up"].value is None
    assert "cannot resolve no-such-host.invalid" in got["tcp.q.up"].error


def test_bad_address_is_a_config_error() -> None:
    for bad in ("db.internal", "db:0", "db:99999", ":5432", "db:x"):
        with pytest.raises(ValueError, match="host:port"):
            TcpCheck(address=bad)
