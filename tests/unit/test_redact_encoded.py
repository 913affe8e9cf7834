"""Secrets are blanked in the forms they leak in: base64 (Basic auth), percent-encoded."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from cockpit.redact import redact, register_credentials, register_secret
from cockpit.sources.prom_api import PromClient, PromError
from tests.support.hostile_http import HostileHttp


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def test_a_registered_secret_is_blanked_encoded_too():
    secret = "pl4nted/tok+en=zz"
    register_secret(secret)
    for form in (secret, quote(secret, safe=""), b64(secret), b64(secret).rstrip("=")):
        assert form not in redact(f"the server said: {form} (end)")


def test_basic_credentials_are_blanked_as_the_header_carries_them():
    register_credentials("alice", "hunter2-basic")
    token = b64("alice:hunter2-basic")
    for text in (f"Authorization: Basic {token}", f"denied for Authorization: Basic {token}",
                 f"basic {token}", f"echo {token}", "alice:hunter2-basic"):
        out = redact(text)
        assert token not in out and "hunter2-basic" not in out, out
    # and any Basic token, even one never registered
    assert redact("Authorization: Basic Ym9iOm90aGVyLXNlY3JldA==") == "Authorization: ***"


async def test_a_server_echoing_the_basic_header_leaks_nothing():
    with HostileHttp() as server:
        async with PromClient(f"{server.url}/echo-auth", username="carol",
                              password="pl4nted-prom-pw", retries=0, timeout=5) as client:
            with pytest.raises(PromError) as info:
                await client.query("up")
    message = info.value.message
    assert "denied for Authorization" in message
    assert b64("carol:pl4nted-prom-pw") not in message and "pl4nted-prom-pw" not in message
