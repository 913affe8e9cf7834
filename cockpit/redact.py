"""Redaction of secrets in text that reaches the screen, the log or an error message.

A secret leaks in more forms than its own: a server that echoes the request's
`Authorization: Basic dXNlcjpwYXNz` quotes it in base64, a URL quotes it
percent-encoded. So a registered secret is also blanked base64- and URL-encoded,
`register_credentials(user, password)` also blanks the Basic-auth token of the pair,
and any `Basic <token>` / `Authorization: <scheme> <token>` is blanked whatever it is.
"""

from __future__ import annotations

import base64
import re
import threading
from urllib.parse import quote

_lock = threading.Lock()
_known: set[str] = set()

# user:password@ in URLs/DSNs, bearer tokens, and key=value pairs whose key says "secret".
_PATTERNS = [
    (
        re.compile(r"(?P<pre>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@\s]+(?P<post>@)"),
        r"\g<pre>***\g<post>",
    ),
    (re.compile(r"(?i)(?P<pre>\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{6,}"), r"\g<pre>***"),
    (
        re.compile(
            r"(?i)(?P<pre>\b(?:password|passwd|pwd|token|secret|api[_-]?key|authorization)"
            r"\s*[=:]\s*)(?P<q>['\"]?)(?:(?:basic|bearer|token|digest|negotiate)\s+)?"
            r"[^\s'\"&,;]+(?P=q)"
        ),
        r"\g<pre>***",
    ),
]


def register_secret(value: str | None) -> None:
    """Remember a secret read from env or a file so it is blanked wherever it appears,
    plain, base64-encoded (with or without padding) or percent-encoded."""
    if value and len(value) >= 4:
        forms = {value, quote(value, safe=""), _b64(value), _b64(value).rstrip("=")}
        with _lock:
            _known.update(f for f in forms if len(f) >= 4)


def register_credentials(username: str | None, password: str | None) -> None:
    """A Basic-auth pair: the password, and `user:password` in every form (the token a
    server may echo from the Authorization header)."""
    register_secret(password)
    if username is not None and password:
        register_secret(f"{username}:{password}")


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def redact(text: str) -> str:
    """Text with known secrets and secret-looking fragments replaced by `***`."""
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, "***")
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text
