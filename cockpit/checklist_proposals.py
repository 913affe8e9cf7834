"""Proposed `auto:` gates for imported checklist items whose text names a measurable.

`cockpit checklist import` writes each proposal as a comment beside its item
(`# auto: "error_rate < 5%"`): nothing proposed is switched on; a person uncomments
what fits. A proposal names only signals the reference config's sources produce
(`examples/reference.yaml`: the `health`, `noauth`, `auth` and `job` HTTP checks, the
`postgres`, `redis`, `nats` and `qdrant` TCP checks, the TLS, alerts and release
sources, and the usual Prometheus query names); rename them to your config's.

Rules are tried in order and the first that matches wins. Each is a regular
expression over the item's lower-cased text (bounded, no nested repetition: they run
on outside text) and a gate, or a function of the match that builds one (a threshold
written in the item, "High error rate (>5%)", becomes the healthy side: `< 5%`).
Items about setting something up ("configured", "documented", "enabled") are left
alone unless a rule says otherwise: a machine can tell that the service answers, not
that a runbook exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_NUM = r"(\d{1,6}(?:\.\d{1,4})?)"
_CMP = r"(?:[<>≥≤]=?|above|below|over|under|exceeds?|more than|less than)"
Gate = str | Callable[[re.Match[str]], str | None]


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    gate: Gate
    why: str  # what the rule recognises, for the docs and tests
    unless: re.Pattern[str] | None = None  # text that makes it another kind of item


# "High error rate alerts (>5%)" asks for an alert to be set up, not for the rate.
_ALERT_ITEM = re.compile(r"\balerts?\b")


def _rule(pattern: str, gate: Gate, why: str, unless: re.Pattern[str] | None = None) -> Rule:
    return Rule(re.compile(pattern), gate, why, unless)


def _threshold(signal: str, unit_default: str) -> Callable[[re.Match[str]], str | None]:
    """`signal < N unit` from a match with groups (number, unit?)."""

    def build(m: re.Match[str]) -> str | None:
        number, unit = m.group(1), (m.group(2) or unit_default)
        unit = {"seconds": "s", "second": "s", "sec": "s", "msec": "ms"}.get(unit, unit)
        return f"{signal} < {number}{unit}"

    return build


def _accuracy(m: re.Match[str]) -> str | None:
    """"Transcription accuracy > 95%" -> the word error rate below 5%."""
    wer = round(100 - float(m.group(1)), 4)
    return f"asr.wer < {wer:g}%" if 0 < wer < 100 else None


RULES: tuple[Rule, ...] = (
    _rule(r"error[- ]rates?\b[^%\n]{0,40}?" + _CMP + r"\s*" + _NUM + r"\s*(%)",
          _threshold("error_rate", "%"), "an error rate with a threshold", _ALERT_ITEM),
    _rule(r"\bp(?:95|99)\b[^\n]{0,30}?" + _CMP + r"\s*" + _NUM + r"\s*(ms|s|seconds?)\b",
          lambda m: _threshold("p99_latency" if "p99" in m.group(0) else "p95_latency",
                               "s")(m), "a p95/p99 latency with a threshold", _ALERT_ITEM),
    _rule(r"response times?\b[^\n]{0,20}?[<≤]=?\s*" + _NUM + r"\s*(ms|s|seconds?)\b",
          _threshold("p95_latency", "s"), "response time below a bound"),
    _rule(r"transcription accuracy\s*[>≥]=?\s*" + _NUM + r"\s*%", _accuracy,
          "transcription accuracy above a bound"),
    _rule(r"\ball (?:pods|pods/containers|containers)\b[^\n]{0,20}\b(?:running|ready|healthy)",
          "pods.not_ready == 0 and pods.crashlooping == 0", "all pods running"),
    _rule(r"\b(?:all )?services? (?:verified )?(?:are )?(?:healthy|running)\b"
          r"|\bverify all services healthy\b|\bservices verified running\b",
          "pods.not_ready == 0 and http.health.up", "services healthy / running"),
    _rule(r"\bhealth[- ]?(?:checks?|endpoints?)\b[^\n]{0,40}?"
          r"\b(?:passing|responding|responsive|verified|working|ok)\b",
          "http.health.up", "health checks passing"),
    _rule(r"\b(?:ssl|tls|ssl/tls)\b[^\n]{0,20}\bcertificates?\b[^\n]{0,10}\bvalid\b",
          "tls.all_valid and tls.min_days_left > 14", "certificates valid"),
    _rule(r"\bcheck certificate expiry\b|\bcertificate expiry dates?\b",
          "tls.min_days_left > 14", "certificate expiry checked"),
    _rule(r"\bgpu detected and used\b", "gpu.count > 0 and gpu.util_avg > 5%",
          "GPU detected and used"),
    _rule(r"\bgpus? (?:detected|drivers installed and verified|available)\b",
          "gpu.count > 0", "GPU detected"),
    _rule(r"\bwebsocket (?:connections? )?(?:working|connectivity|support enabled)\b"
          r"|\breal-time transcription working\b",
          "asr.ok", "WebSocket streaming works"),
    _rule(r"\bwebsocket latency\b", "asr.connect < 1s and asr.first_partial < 1s",
          "WebSocket latency"),
    _rule(r"\bno (?:critical )?alerts? firing\b",
          "alerts.severity.critical == 0", "no (critical) alert firing"),
    _rule(r"\balert rules (?:configured|defined|loaded)\b", "alerts.rules_loaded > 0",
          "alert rules loaded"),
    _rule(r"^(?:deploy(?:ed)? to production|final deployment executed|helm chart deployed)\b",
          'release.status == "deployed" and rollout.complete', "deployed to production"),
    _rule(r"\b(?:database|postgresql|postgres)\b[^\n]{0,20}"
          r"\b(?:connectivity verified|queries working|deployed and running|reachable)\b",
          "tcp.postgres.up", "the database reachable"),
    _rule(r"\bredis\b[^\n]{0,30}\b(?:connectivity verified|healthy|reachable)\b",
          "tcp.redis.up", "Redis reachable"),
    _rule(r"\bnats cluster deployed\b", "tcp.nats.up", "NATS reachable"),
    _rule(r"\bqdrant cluster deployed\b", "tcp.qdrant.up", "Qdrant reachable"),
    _rule(r"^(?:user )?authentication working\b|\bapi endpoints protected with authentication\b",
          "http.noauth.up and http.auth.up", "401 without a token, 200 with one"),
    _rule(r"\b(?:test )?job submi(?:ssion|tted)\b[^\n]{0,30}\b(?:working|completed)\b"
          r"|\bfile upload working\b",
          "http.job.done", "a job submitted and completed"),
    _rule(r"\bhsts headers?\b", 'http.health.header.strict-transport-security != ""',
          "HSTS header set"),
    _rule(r"\bcors (?:headers|origins)\b[^\n]{0,30}\bconfigured\b", "http.health.cors_allowed",
          "a CORS origin allowed"),
)


def propose(text: str) -> str | None:
    """The proposed gate for an item's text, or None when it names no known measurable."""
    low = text.lower()[:400]
    for rule in RULES:
        m = rule.pattern.search(low)
        if m is None or (rule.unless is not None and rule.unless.search(low)):
            continue
        gate = rule.gate(m) if callable(rule.gate) else rule.gate
        if gate is not None:
            return gate
    return None
