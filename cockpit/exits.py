"""Every exit code of every `cockpit` command, in one table.

A CI/CD pipeline, a runbook script and a person must read the same answer from the
same code, so commands return these constants and never bare numbers; the README's
table is printed from `TABLE` (`python -m cockpit.exits`) and a test holds it to it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

OK = 0
NO_GO = 1
FAILED = 1
HOLD = 2
BAD_INPUT = 3
NO_PLAN = 4
NOT_VERIFIED = 5
REFUSED = 6
LOCKED = 75
NOT_CAPTAIN = 77
DENIED = 77  # the same answer: this operator's role may not do that
TIMEOUT = 124
HANGUP = 129
INTERRUPTED = 130


@dataclass(frozen=True)
class ExitCode:
    code: int
    name: str
    commands: str
    meaning: str


TABLE: tuple[ExitCode, ...] = (
    ExitCode(OK, "OK", "all", "done: GO (`check`), every probe passed (`probe`), the rollback "
             "succeeded and was verified (`rollback --yes`), the plan printed (`--plan`), "
             "every expectation of the scenario held (`demo --headless`)"),
    ExitCode(NO_GO, "NO_GO / FAILED", "check, probe, rollback, demo",
             "`check`: the verdict is NO-GO; `probe`: a probe failed; `rollback --yes`: the "
             "rollback command failed (an ECS deployment FAILED, a lost runner; helm's own "
             "non-zero code is passed on as it is); `demo`: the rehearsal could not start, "
             "or (`--headless`) an expectation of the scenario did not hold"),
    ExitCode(HOLD, "HOLD", "check", "the verdict is HOLD: something required is unknown, "
             "stale or unticked (the output names it)"),
    ExitCode(BAD_INPUT, "BAD_INPUT", "all", "bad input: the config, checklist or layout "
             "(one `file:line:col: field: what` line each, a refused release or namespace "
             "name among them), an unknown checklist item or event kind, a missing log "
             "store, an unusable one (corrupt, read-only, full, a directory), a bad argument"),
    ExitCode(NO_PLAN, "NO_PLAN", "rollback", "no plan: the release or service is unknown, "
             "there is nothing to return to, or `--revision N` does not exist"),
    ExitCode(NOT_VERIFIED, "NOT_VERIFIED", "rollback", "the rollback command succeeded but "
             "the rollback was not verified within `verify_within` (rollout back on the old "
             "version, failing gates passing)"),
    ExitCode(REFUSED, "REFUSED", "rollback", "refused: a rollback of a rollback, or another "
             "one while the last is unverified or younger than `quiet_time` (the last one's "
             "who, when and state are printed); `--again` overrides"),
    ExitCode(LOCKED, "LOCKED", "rollback", "another rollback of this launch holds the lock "
             "(the holder is named; the refusal is logged)"),
    ExitCode(NOT_CAPTAIN, "NOT_CAPTAIN / DENIED", "rollback, tick, untick, log add",
             "the operator's role may not do this: not one of the launch's `captains` "
             "(rollback), or read-only (`watchers:`, `read_only: true`) for a tick, untick or "
             "note (the attempt is logged)"),
    ExitCode(TIMEOUT, "TIMEOUT", "rollback", "the rollback command ran past its `timeout`"),
    ExitCode(HANGUP, "HANGUP", "run, demo", "the terminal went away (SIGHUP); nothing "
             "committed is lost"),
    ExitCode(INTERRUPTED, "INTERRUPTED", "all", "interrupted (ctrl+c)"),
)


def by_code(code: int) -> list[ExitCode]:
    return [e for e in TABLE if e.code == code]


def markdown() -> str:
    """The README's table of exit codes."""
    lines = ["| code | commands | meaning |", "| --- | --- | --- |"]
    lines += [f"| {e.code} | {e.commands} | {e.meaning} |" for e in TABLE]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
