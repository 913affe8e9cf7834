"""Redaction of secrets in text that reaches the screen, the log or an error message."""

from __future__ import annotations

import re
import threading

_lock = threading.Lock()
_known: set[str] = set()

# user:password@ in URLs/DSNs, bearer tokens, and key=value pairs whose key says "secret".
_PATTERNS = [
    (
        re.compile(r"(?P<pre>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@\s]+(?P<post>@)"),
        r"\g<pre>***\g<post>",
    ),
    (re.compile(r"(?i)(?P<pre>\bbearer\s+)[A-Za-z0-9._~+/=-]{6,}"), r"\g<pre>***"),
    (
        re.compile(
            r"(?i)(?P<pre>\b(?:password|passwd|pwd|token|secret|api[_-]?key|authorization)"
            r"\s*[=:]\s*)(?P<q>['\"]?)[^\s'\"&,;]+(?P=q)"
        ),
        r"\g<pre>***",
    ),
]


def register_secret(value: str | None) -> None:
    """Remember a secret read from env or a file so it is blanked wherever it appears."""
    if value and len(value) >= 4:
        with _lock:
            _known.add(value)


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
