"""Names that reach helm's argv or an ECS call are checked before anything runs."""

from __future__ import annotations

import pytest

from cockpit.rollback.helm import rollback_argv
from cockpit.rollback.validate import InvalidIdentifier, check, check_revision

BAD = [
    ("release", "asr; rm -rf /", "whitespace"),
    ("release", "asr;rm", "found ';'"),
    ("release", "--set x=y", "starts with '-'"),
    ("release", "--set=x", "starts with '-'"),
    ("namespace", "asr\nkube-system", "newline"),
    ("namespace", "asr\r", "newline"),
    ("namespace", "Asr", "only lower-case"),
    ("namespace", "a" * 64, "longer than 63"),
    ("release", "", "empty"),
    ("context", "prod`id`", "found '`'"),
    ("context", "-prod", "starts with '-'"),
    ("context", "prod\x00", "control character"),
    ("cluster", "prod|x", "found '|'"),
    ("service", "asr$(id)", "found '$' '(' ')'"),
]


@pytest.mark.parametrize(("field", "value", "why"), BAD)
def test_refused_with_a_clear_message(field: str, value: str, why: str) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        check(field, value)
    message = str(refused.value)
    assert message.startswith(f"refused {field} ")
    assert why in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("release", "asr"),
        ("release", "asr-gateway.v2"),
        ("namespace", "asr-prod"),
        ("context", "prod-eu"),
        ("context", "arn:aws:eks:eu-west-1:123456789012:cluster/prod"),
        ("context", "admin@kind-kind"),
        ("cluster", "prod_eu-1"),
        ("cluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/prod"),
        ("service", "asr"),
    ],
)
def test_plain_names_pass(field: str, value: str) -> None:
    assert check(field, value) == value


@pytest.mark.parametrize("value", ["0", "-1", "2 --set x", "two", "1.5", True, "", "٣"])
def test_revisions_are_positive_integers(value: object) -> None:
    with pytest.raises(InvalidIdentifier):
        check_revision(value)


def test_argv_is_refused_before_it_is_built() -> None:
    with pytest.raises(InvalidIdentifier, match="refused release"):
        rollback_argv("helm", "x; reboot", 2, "asr", None, 300)
    argv = rollback_argv("helm", "asr", 2, "asr", "prod", 300)
    assert argv == ["helm", "rollback", "asr", "2", "-n", "asr", "--kube-context", "prod",
                    "--wait", "--timeout", "5m0s"]  # fmt: skip
