"""Identifier checks done before any rollback command is built.

Names from the config or the operator end up in an argument list (helm) or an API
call (ECS). No shell is ever involved, but a name such as `--set x=y` or `-n kube-system`
would still be read by helm as an option, and a newline or `;` in a name is never
legitimate: refuse them with a message that says which field and why.
"""

from __future__ import annotations

import re

# DNS-1123 label (namespaces) and subdomain (helm release names, max 53 chars in helm).
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")
# kubeconfig context names are free-form in practice (`admin@kind`, EKS ARNs `arn:...:cluster/x`).
_CONTEXT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:@/+-]*")
# ECS cluster and service names, or their ARNs.
_ECS_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_ECS_ARN = re.compile(r"arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:(cluster|service)/[A-Za-z0-9_/-]+")

_LIMITS = {"release": 53, "namespace": 63, "context": 253, "cluster": 255, "service": 255}
_PATTERNS = {
    "release": _DNS_SUBDOMAIN,
    "namespace": _DNS_LABEL,
    "context": _CONTEXT,
    "cluster": _ECS_NAME,
    "service": _ECS_NAME,
}
_HINTS = {
    "release": "lower-case letters, digits, '-' and '.'",
    "namespace": "lower-case letters, digits and '-'",
    "context": "letters, digits and _ . : @ / + -",
    "cluster": "letters, digits, '_' and '-', or an ECS ARN",
    "service": "letters, digits, '_' and '-', or an ECS ARN",
}


class InvalidIdentifier(ValueError):
    """A name that must not reach a command line or an API call."""

    def __init__(self, field: str, value: str, why: str) -> None:
        self.field = field
        self.value = value
        self.why = why
        super().__init__(f"refused {field} {value!r}: {why}")


def check(field: str, value: object) -> str:
    """Return `value` if it is a safe `field` name (release, namespace, ...); else raise."""
    if not isinstance(value, str) or not value:
        raise InvalidIdentifier(field, str(value), "it is empty")
    if any(ch in value for ch in "\r\n\t\x00") or any(
        ord(ch) < 32 or ord(ch) == 127 for ch in value
    ):
        raise InvalidIdentifier(field, value, "it contains a newline or a control character")
    if value.startswith("-"):
        raise InvalidIdentifier(field, value, "it starts with '-' and would be read as an option")
    if any(ch.isspace() for ch in value):
        raise InvalidIdentifier(field, value, "it contains whitespace")
    limit = _LIMITS.get(field, 253)
    if len(value) > limit:
        raise InvalidIdentifier(field, value, f"it is longer than {limit} characters")
    pattern = _PATTERNS.get(field, _CONTEXT)
    if field in ("cluster", "service") and _ECS_ARN.fullmatch(value):
        return value
    if not pattern.fullmatch(value):
        bad = sorted({ch for ch in value if not pattern.fullmatch(ch) and not ch.isalnum()})
        shown = " ".join(repr(ch) for ch in bad) or "its form"
        raise InvalidIdentifier(field, value, f"only {_HINTS[field]} are allowed (found {shown})")
    return value


def check_revision(value: object) -> int:
    """A helm revision or ECS task-definition revision: a positive integer, nothing else."""
    if isinstance(value, bool):
        raise InvalidIdentifier("revision", str(value), "it is not a number")
    if isinstance(value, int):
        rev = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        rev = int(value)
    else:
        raise InvalidIdentifier("revision", str(value), "it is not a positive whole number")
    if rev < 1:
        raise InvalidIdentifier("revision", str(value), "revisions start at 1")
    return rev
