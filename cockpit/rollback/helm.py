"""helm: read a release's history and plan `helm rollback` (argv only, no shell)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from collections.abc import Sequence
from typing import Any

from cockpit.redact import redact
from cockpit.rollback.plan import Plan, Revision, RollbackError, helm_duration
from cockpit.rollback.validate import check, check_revision

# Statuses of a revision that was once running successfully.
GOOD = frozenset({"deployed", "superseded"})


def helm_binary() -> str:
    """The helm to run: `$COCKPIT_HELM`, else `helm` on PATH."""
    configured = os.environ.get("COCKPIT_HELM")
    if configured:
        return configured
    found = shutil.which("helm")
    if found is None:
        raise RollbackError("helm is not on PATH (set COCKPIT_HELM to its path)")
    return found


def _scope(namespace: str, context: str | None) -> list[str]:
    args = ["-n", namespace]
    if context:
        args += ["--kube-context", context]
    return args


def history_argv(helm: str, release: str, namespace: str, context: str | None) -> list[str]:
    check("release", release)
    check("namespace", namespace)
    if context is not None:
        check("context", context)
    return [helm, "history", release, *_scope(namespace, context), "-o", "json"]


def rollback_argv(
    helm: str, release: str, revision: int, namespace: str, context: str | None, timeout: float
) -> list[str]:
    """The exact command that will run: `helm rollback RELEASE REV -n NS --wait --timeout T`."""
    check("release", release)
    check("namespace", namespace)
    if context is not None:
        check("context", context)
    rev = check_revision(revision)
    return [
        helm,
        "rollback",
        release,
        str(rev),
        *_scope(namespace, context),
        "--wait",
        "--timeout",
        helm_duration(timeout),
    ]


def parse_history(text: str) -> list[Revision]:
    """`helm history -o json` output -> revisions, oldest first."""
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RollbackError(f"helm history gave output that is not JSON: {exc}") from None
    if not isinstance(rows, list):
        raise RollbackError("helm history gave JSON that is not a list")
    revisions = [_revision(row) for row in rows if isinstance(row, dict)]
    return sorted(revisions, key=lambda r: r.number)


def _revision(row: dict[str, Any]) -> Revision:
    return Revision(
        number=int(row.get("revision", 0)),
        status=str(row.get("status", "unknown")),
        chart=str(row["chart"]) if row.get("chart") else None,
        app_version=str(row["app_version"]) if row.get("app_version") else None,
        updated=str(row["updated"]) if row.get("updated") else None,
        description=str(row.get("description") or ""),
    )


def choose(
    history: Sequence[Revision], pick: int | None = None
) -> tuple[Revision, Revision, list[str]]:
    """(current, target, warnings) from a history, oldest first.

    Current is the revision helm marks `deployed` (the newest if several, which helm
    does not normally leave), else the newest one. The target is the operator's `pick`,
    or the newest revision before the current one that once ran successfully.
    """
    if not history:
        raise RollbackError("the release has no history")
    warnings: list[str] = []
    deployed = [r for r in history if r.status == "deployed"]
    current = deployed[-1] if deployed else history[-1]
    if not deployed:
        warnings.append(f"no revision is marked deployed; the newest is {current.status}")
    if pick is not None:
        pick = check_revision(pick)
        matches = [r for r in history if r.number == pick]
        if not matches:
            known = ", ".join(str(r.number) for r in history)
            raise RollbackError(f"revision {pick} is not in the history (known: {known})")
        target = matches[0]
        if target.number == current.number:
            raise RollbackError(f"revision {pick} is the one deployed now")
        if target.status not in GOOD:
            warnings.append(f"revision {pick} is {target.status}: it never ran successfully")
        return current, target, warnings
    skip = _rolled_back_from(history, current)
    earlier = [r for r in history if r.number < current.number and r.status in GOOD]
    chosen = [r for r in earlier if r.number not in skip]
    if not chosen:
        raise RollbackError(
            f"no successfully deployed revision before revision {current.number} to return to"
            + (f" (skipped {_skipped_text(skip)})" if skip else "")
        )
    passed_over = {n: why for n, why in skip.items() if n > chosen[-1].number}
    if passed_over:
        warnings.append(f"skipped {_skipped_text(passed_over)}")
    return current, chosen[-1], warnings


_ROLLBACK_TO = re.compile(r"^Rollback to (\d+)")


def _rolled_back_from(history: Sequence[Revision], current: Revision) -> dict[int, str]:
    """Revisions not to return to, with why: each one a rollback moved away from (it was
    judged bad then), and the one the current revision is a rollback copy of (returning
    to it would change nothing). Without this, a second rollback would redeploy the
    release the first one fled."""
    skip: dict[int, str] = {}
    by_number = {r.number: r for r in history}
    for rev in history:
        match = _ROLLBACK_TO.match(rev.description)
        if not match:
            continue
        before = max((n for n in by_number if n < rev.number), default=None)
        if before is not None and before != int(match.group(1)):
            skip.setdefault(before, f"it was rolled back by revision {rev.number}")
        if rev.number == current.number:
            skip.setdefault(int(match.group(1)),
                            f"revision {current.number} is already a copy of it")
    return skip


def _skipped_text(skip: dict[int, str]) -> str:
    return "; ".join(f"revision {n}: {why}" for n, why in sorted(skip.items(), reverse=True))


async def run_history(
    helm: str, release: str, namespace: str, context: str | None, timeout: float = 30.0
) -> list[Revision]:
    argv = history_argv(helm, release, namespace, context)
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        raise RollbackError(f"cannot run {helm}: {exc.strerror or exc}") from None
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise RollbackError(f"helm history did not answer within {timeout:g}s") from None
    if proc.returncode != 0:
        message = redact(err.decode(errors="replace").strip()) or f"exit code {proc.returncode}"
        raise RollbackError(
            f"helm history {release} in namespace {namespace} failed "
            f"(exit {proc.returncode}): {message}"
        )
    return parse_history(out.decode(errors="replace"))


async def plan_helm(
    release: str,
    namespace: str,
    context: str | None = None,
    timeout: float = 300.0,
    pick: int | None = None,
    helm: str | None = None,
) -> Plan:
    """Read the history and work out the rollback; nothing is changed."""
    check("release", release)
    check("namespace", namespace)
    if context is not None:
        check("context", context)
    binary = helm or helm_binary()
    history = await run_history(binary, release, namespace, context)
    current, target, warnings = choose(history, pick)
    argv = rollback_argv(binary, release, target.number, namespace, context, timeout)
    if not context:
        warnings.append("no kube context is set: helm acts in the kubeconfig's current context")
    return Plan(
        kind="helm",
        target=release,
        current=current,
        to=target,
        timeout=timeout,
        namespace=namespace,
        context=context,
        argv=tuple(argv),
        history=tuple(history),
        picked=pick is not None,
        warnings=tuple(warnings),
    )
