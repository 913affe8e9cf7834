"""The tls source reads a verified certificate from `ssl`'s own dict, so a watch whose
endpoints verify never loads `cryptography` (issue 14: ~10 MB of a cockpit's memory);
the names and expiry it reports are the ones `cryptography` reads from the same
certificate, hostile names included."""

from __future__ import annotations

import asyncio
import datetime
import json
import ssl
import sys
from pathlib import Path

import pytest

from cockpit.sources.tls import _fields, _peer_fields
from tests.support.tls import make_cert, tls_server

PROBE = """
import asyncio, json, sys
from pathlib import Path
from cockpit.config import TlsConfig
from cockpit.sources.tls import TlsSource, TlsTarget
src = TlsSource([TlsTarget("127.0.0.1", int(sys.argv[1]), Path(sys.argv[2]))], TlsConfig())
got = {r.name.split(".")[-1]: [r.value, r.error, r.detail] for r in asyncio.run(src.sample())}
got["loaded"] = sorted(m for m in sys.modules if m.split(".")[0] == "cryptography")
print(json.dumps(got))
"""


async def test_a_verified_certificate_is_read_without_cryptography(tmp_path: Path) -> None:
    not_after = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=20.5)
    cert = make_cert(tmp_path, not_after)
    async with tls_server(cert.ctx) as server:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", PROBE, str(server.port), str(cert.ca_file),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    got = json.loads(out.decode().strip().splitlines()[-1])
    assert got["loaded"] == []
    assert got["valid"][:2] == [True, None]
    assert got["days_left"][:2] == [20.0, None]
    detail = got["days_left"][2]
    assert detail["subject"] == "CN=localhost"
    assert detail["issuer"] == "CN=cockpit rehearsal CA"
    assert detail["not_after"] == not_after.replace(microsecond=0).isoformat()
    assert got["all_valid"][0] is True


def _self_signed(tmp: Path, names: list[list[tuple[object, str]]]) -> tuple[bytes, dict]:
    """A certificate whose subject and issuer are `names` (RDNs, each a list of
    (oid, value)); its DER, and ssl's dict of it (the dict getpeercert() gives)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    name = x509.Name([x509.RelativeDistinguishedName([x509.NameAttribute(o, v) for o, v in rdn])
                      for rdn in names])
    key = ec.generate_private_key(ec.SECP256R1())
    at = datetime.datetime(2031, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(at - datetime.timedelta(days=10)).not_valid_after(at)
            .sign(key, hashes.SHA256()))
    pem = tmp / "c.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert.public_bytes(serialization.Encoding.DER), ssl._ssl._test_decode_cert(str(pem))


def test_names_and_expiry_are_the_ones_cryptography_reads(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    from cryptography.x509.oid import NameOID as N

    hostile = [[(N.COUNTRY_NAME, "DE")], [(N.STATE_OR_PROVINCE_NAME, " lead space")],
               [(N.LOCALITY_NAME, "#hash, comma+plus")], [(N.STREET_ADDRESS, 'q"<>;\\')],
               [(N.ORGANIZATION_NAME, "Ünïcødé Ltd ")], [(N.ORGANIZATIONAL_UNIT_NAME, "[red]x")],
               [(N.DOMAIN_COMPONENT, "example")], [(N.USER_ID, "u1")],
               [(N.COMMON_NAME, "x" * 60)]]
    der, peer = _self_signed(tmp_path, hostile)
    assert _peer_fields(peer) == _fields(der)
    assert _peer_fields(peer)[1].startswith("CN=xxx")


@pytest.mark.parametrize("names", [
    [[(("EMAIL_ADDRESS"), "ops@example.com")], [("COMMON_NAME", "a")]],   # no short name
    [[("ORGANIZATION_NAME", "o"), ("COMMON_NAME", "a")]],                 # multi-valued RDN
])
def test_a_name_the_dict_cannot_write_exactly_is_left_to_cryptography(
        tmp_path: Path, names: list) -> None:
    pytest.importorskip("cryptography")
    from cryptography.x509.oid import NameOID

    der, peer = _self_signed(tmp_path, [[(getattr(NameOID, o), v) for o, v in rdn]
                                        for rdn in names])
    assert _peer_fields(peer) is None
    assert _fields(der)[1]  # the source then reads it with cryptography
