"""The shift handoff: what the person taking over a launch must know, from the log.

One function builds it (`build`), for `cockpit log handoff` and the screen's palette
alike: the verdict now and every change in the shift, the items failing or not ticked,
breaches and recoveries, rollbacks and their outcome, notes (warnings first) and who
watched. Headless, item states come from the last verdict and the ticks in the log;
the screen passes its live states. Plain data out; Markdown and JSON renderings here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from cockpit.checklist import Checklist, fold_ticks
from cockpit.model import Event, EventKind, ItemState, Severity, Status

_RANK = {Severity.CRITICAL: 0, Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3,
         Severity.DEBUG: 4}


def _t(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def build(
    launch: str,
    events: Sequence[Event],
    since: float,
    now: float,
    checklist: Checklist | None = None,
    states: Mapping[str, ItemState] | None = None,
    watchers: Iterable[str] = (),
) -> dict[str, Any]:
    """The handoff of the shift from `since` to `now` over the launch's whole log."""
    shift = [e for e in events if e.at >= since]
    verdicts = [e for e in events if e.kind == EventKind.VERDICT]
    now_verdict = verdicts[-1] if verdicts else None
    items: list[dict[str, Any]] = []
    if checklist is not None:
        ticks = fold_ticks(e for e in events if e.kind in (EventKind.TICK, EventKind.UNTICK))
        last = now_verdict.data if now_verdict is not None else {}
        failing = {d.get("item"): d.get("detail", "") for d in last.get("failing", ())}
        unknown = {d.get("item"): d.get("detail", "") for d in last.get("unknown", ())}
        for item in checklist.items():
            state = states.get(item.id) if states is not None else None
            if state is not None:
                status, detail = state.status, state.detail
            elif item.manual:
                status = Status.PASS if item.id in ticks else Status.UNTICKED
                detail = f"ticked by {ticks[item.id].by}" if item.id in ticks else "not ticked"
            elif item.id in failing:
                status, detail = Status.FAIL, failing[item.id]
            elif item.id in unknown:
                status, detail = Status.UNKNOWN, unknown[item.id]
            else:
                continue  # passing at the last verdict
            if status != Status.PASS:
                items.append({"id": item.id, "text": item.text, "status": str(status),
                              "detail": detail, "required": item.required})
        items.sort(key=lambda i: (i["status"] != Status.FAIL, not i["required"], i["id"]))
    rollbacks = []
    for start in (e for e in shift if e.kind == EventKind.ROLLBACK_START):
        rid = start.data.get("rollback_id")
        related = [e for e in events if e.data.get("rollback_id") == rid]
        end = next((e for e in related if e.kind == EventKind.ROLLBACK_END), None)
        verify = next((e for e in related if e.kind == EventKind.ROLLBACK_VERIFY), None)
        outcome = "running"
        if end is not None:
            outcome = "succeeded" if end.data.get("exit_code") == 0 else (
                f"failed (exit {end.data.get('exit_code')})")
        if verify is not None:
            outcome += ", verified" if verify.data.get("verified") else ", NOT verified"
        rollbacks.append({"at": start.at, "by": start.author, "message": start.message,
                          "outcome": outcome})
    notes = sorted((e for e in shift if e.kind == EventKind.NOTE),
                   key=lambda e: (_RANK.get(e.severity, 5), e.at))
    who = list(dict.fromkeys(watchers))
    for e in shift:
        if e.kind == EventKind.SESSION or e.kind in (EventKind.NOTE, EventKind.TICK):
            name = e.author
            user = name.split("@")[0]
            if not any(w.split(" ")[0] in (name, user) for w in who):
                who.append(name)
    return {
        "launch": launch,
        "from": since, "to": now,
        "verdict": now_verdict.data.get("verdict") if now_verdict is not None else None,
        "verdict_since": now_verdict.at if now_verdict is not None else None,
        "verdict_changes": [{"at": e.at, "verdict": e.data.get("verdict"), "why": e.message}
                            for e in verdicts if e.at >= since],
        "items": items,
        # headless, an auto item's state is the last verdict event's (it is logged when
        # the verdict changes, not when its reasons do): say how old that judgement is
        "items_judged_at": (now_verdict.at if states is None and now_verdict is not None
                            else None),
        "breaches": [{"at": e.at, "kind": str(e.kind), "message": e.message}
                     for e in shift if e.kind in (EventKind.BREACH, EventKind.RECOVER)],
        "rollbacks": rollbacks,
        "notes": [{"at": e.at, "severity": str(e.severity), "by": e.author,
                   "message": e.message} for e in notes],
        "watched": who,
    }


def to_json(handoff: Mapping[str, Any]) -> str:
    return json.dumps(handoff, indent=2, default=str) + "\n"


def _md(text: Any) -> str:
    return str(text).replace("\r", "").replace("\n", " ⏎ ")


def to_markdown(h: Mapping[str, Any]) -> str:
    lines = [f"# Handoff: {_md(h['launch'])}", "",
             f"Shift {_t(h['from'])} to {_t(h['to'])} UTC.", ""]
    verdict = h["verdict"] or "no verdict logged yet"
    since = f" (since {_t(h['verdict_since'])} UTC)" if h["verdict_since"] else ""
    lines += [f"## Verdict now: {verdict}{since}", ""]
    for c in h["verdict_changes"]:
        lines.append(f"- {_t(c['at'])} {c['verdict']}: {_md(c['why'])}")
    if not h["verdict_changes"]:
        lines.append("- no change in this shift")
    lines += ["", "## Items failing or not ticked", ""]
    if h.get("items_judged_at"):
        lines += [f"Auto items as judged at the last verdict change, "
                  f"{_t(h['items_judged_at'])} UTC (`cockpit check` judges them now).", ""]
    lines += [f"- {i['status'].upper()} {i['id']}: {_md(i['text'])} ({_md(i['detail'])})"
              + ("" if i["required"] else " [optional]") for i in h["items"]] or ["- none"]
    lines += ["", "## Breaches and recoveries", ""]
    lines += [f"- {_t(b['at'])} {b['kind']}: {_md(b['message'])}" for b in h["breaches"]] or [
        "- none"]
    lines += ["", "## Rollbacks", ""]
    lines += [f"- {_t(r['at'])} by {_md(r['by'])}: {_md(r['message'])}: {r['outcome']}"
              for r in h["rollbacks"]] or ["- none"]
    lines += ["", "## Notes (warnings first)", ""]
    lines += [f"- {_t(n['at'])} [{n['severity']}] {_md(n['by'])}: {_md(n['message'])}"
              for n in h["notes"]] or ["- none"]
    lines += ["", "## Who watched", ""]
    lines += [f"- {_md(w)}" for w in h["watched"]] or ["- nobody logged"]
    return "\n".join(lines) + "\n"
