"""The pods pane's lines as text: a pod row, a rollout, the summary, the watch scopes,
and a pod's detail. Pure functions of a `KubeView`; outside text through `plain()`.
"""

from __future__ import annotations

import time

from rich.text import Text

from cockpit.redact import redact
from cockpit.sources.kube.objects import (
    RANK_CRASHLOOP,
    RANK_FAILED,
    RANK_IMAGE,
    RANK_NOT_READY,
    RANK_PENDING,
    RANK_TERMINATING,
)
from cockpit.sources.kube.view import KubeView, PodRow, RolloutRow
from cockpit.ui.panes.base import (
    format_age,
    format_age_coarse,
)
from cockpit.ui.text import plain

RANK_STYLE = {
    RANK_CRASHLOOP: "bold red",
    RANK_FAILED: "bold red",
    RANK_IMAGE: "bold yellow",
    RANK_PENDING: "yellow",
    RANK_NOT_READY: "yellow",
    RANK_TERMINATING: "dim",
}
STATE_STYLE = {
    "complete": ("complete", "green"),
    "progressing": ("progressing", "bold yellow"),
    "stalled": ("STALLED", "bold white on red"),
    "paused": ("paused", "bold magenta"),
}


def age_text(created: float | None, now: float) -> str:
    """A pod's age in 10 s steps, then minutes: a list of thousands of pods whose ages
    ticked every second would repaint every second."""
    return "-" if created is None else format_age_coarse(now - created)


def fit(text: str, width: int) -> str:
    """`text` cut to `width` cells with an ellipsis, padded to exactly `width`."""
    if width <= 0:
        return ""
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.ljust(width)


def fit_middle(text: str, width: int) -> str:
    """Like `fit`, cutting in the middle: a pod name's random tail tells pods apart."""
    if len(text) <= width or width < 8:
        return fit(text, width)
    tail = (width - 1) // 3
    return text[: width - 1 - tail] + "…" + text[len(text) - tail :]


class Columns:
    """Which pod columns fit in `width`, and how wide each is (the name takes the rest)."""

    def __init__(self, width: int, multi: bool) -> None:
        self.ready, self.status, self.restarts, self.age = 5, 28, 9, 6
        self.node = 14 if width >= 100 else 0
        self.version = 10 if width >= 90 else 0
        self.cluster = 10 if multi and width >= 120 else 0
        if width < 70:
            self.status = 18
        fixed = self.ready + self.status + self.restarts + self.age
        fixed += self.node + self.version + self.cluster
        gaps = 4 + bool(self.node) + bool(self.version) + bool(self.cluster)
        self.name = max(16, width - fixed - gaps)
        self.width = width

    def header(self) -> Text:
        parts = [fit("NAME", self.name), fit("READY", self.ready), fit("STATUS", self.status)]
        parts += [fit("RESTARTS", self.restarts), fit("AGE", self.age)]
        if self.node:
            parts.append(fit("NODE", self.node))
        if self.version:
            parts.append(fit("VERSION", self.version))
        if self.cluster:
            parts.append(fit("CLUSTER", self.cluster))
        return Text(" ".join(parts)[: self.width], style="bold dim")


def pod_line(row: PodRow, cols: Columns, now: float) -> Text:
    """One pod as one line of exactly `cols.width` cells (outside text kept literal)."""
    p = row.pod
    status = p.status
    if p.last_termination and p.rank >= RANK_NOT_READY and p.last_termination not in status:
        status = f"{status} ({p.last_termination.split(' ')[0]})"
    if p.rank == RANK_PENDING and p.why:
        status = f"{status}: {p.why}"
    restarts = str(p.restarts) + (f" ({row.restarts_10m})" if row.restarts_10m else "")
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append_text(plain(fit_middle(p.name, cols.name), "bold" if p.rank else ""))
    line.append(" ")
    ready_style = "green" if p.ready == p.total and p.total else "yellow"
    line.append_text(plain(fit(f"{p.ready}/{p.total}", cols.ready), ready_style))
    line.append(" ")
    line.append_text(plain(fit(status, cols.status), RANK_STYLE.get(p.rank, "green")))
    line.append(" ")
    line.append_text(plain(fit(restarts, cols.restarts), "bold red" if row.restarts_10m else ""))
    line.append(" ")
    line.append_text(plain(fit(age_text(p.created, now), cols.age), "dim"))
    if cols.node:
        line.append(" ")
        line.append_text(plain(fit(p.node, cols.node), "dim"))
    if cols.version:
        line.append(" ")
        line.append_text(plain(fit(p.version, cols.version), "cyan"))
    if cols.cluster:
        line.append(" ")
        line.append_text(plain(fit(p.cluster, cols.cluster), "magenta"))
    return line


def rollout_line(r: RolloutRow, width: int, multi: bool) -> Text:
    """`asr-gateway progressing rev 5 2.3.0 ← 4 2.2.0 ×2 · 1/3 updated · 3 ready · ...`:
    the state first, so it survives a narrow pane."""
    word, style = STATE_STYLE.get(r.state, (r.state, ""))
    line = Text(no_wrap=True, overflow="ellipsis")
    if multi:
        line.append_text(plain(f"{r.cluster} ", "magenta"))
    line.append_text(plain(r.name, "bold"))
    line.append(" ")
    line.append_text(plain(word, style))
    line.append_text(plain(f" rev {r.revision} {r.image}", "cyan"))
    if r.old_revision is not None and (r.old_replicas or r.state != "complete"):
        line.append_text(plain(f" ← {r.old_revision} {r.old_image}", "dim"))
        if r.old_replicas:
            line.append_text(plain(f" ×{r.old_replicas}", "yellow"))
    line.append(f" · {r.updated}/{r.desired} updated · {r.ready} ready · {r.available} available")
    if r.message and r.state != "complete":
        line.append_text(plain(f" · {r.message}", "dim"))
    line.truncate(width, overflow="ellipsis")
    return line


def summary_line(view: KubeView, shown: int, filter_text: str, width: int) -> Text:
    line = Text(no_wrap=True, overflow="ellipsis")
    c = view.counts
    line.append(f"{c.total} pods")
    line.append_text(
        plain(f" · {c.not_ready} not ready", "bold yellow" if c.not_ready else "green")
    )
    line.append_text(
        plain(f" · {c.crashlooping} crash-looping", "bold red" if c.crashlooping else "green")
    )
    line.append_text(
        plain(f" · {c.restarts_10m} restarts/10m", "bold red" if c.restarts_10m else "dim")
    )
    if filter_text:
        line.append_text(plain(f" · filter “{filter_text}”: {shown}", "bold cyan"))
    line.truncate(width, overflow="ellipsis")
    return line


def scope_lines(view: KubeView, width: int) -> list[Text]:
    """One line per watch that is not healthy: reconnecting, refused (403), listing."""
    out = []
    for s in view.scope_problems():
        where = f"{s.cluster} " if len(view.clusters) > 1 else ""
        if s.state == "forbidden":
            text, style = f"✖ {where}{s.message}", "bold red"
        elif s.state == "reconnecting":
            text, style = f"⟳ {where}reconnecting ({s.resource}): {s.message}", "bold yellow"
        elif s.state == "connecting":
            text, style = f"… {where}listing {s.resource}", "dim"
        else:
            text, style = f"✖ {where}{s.resource}: {s.message}", "bold red"
        line = plain(text, style)
        line.no_wrap = True
        line.truncate(width, overflow="ellipsis")
        out.append(line)
    return out


def pod_detail(view: KubeView, row: PodRow, now: float | None = None) -> str:
    """The pod in full: containers, last termination and exit code, warning events."""
    now = time.time() if now is None else now
    p = row.pod
    lines = [
        f"pod:        {p.namespace}/{p.name}" + (f"   cluster {p.cluster}" if p.cluster else ""),
        f"status:     {p.status}" + (f" — {p.why}" if p.why else ""),
        f"phase:      {p.phase}   ready {p.ready}/{p.total}   restarts {p.restarts}"
        f" ({row.restarts_10m} in the last 10 min)",
        f"node:       {p.node or '-'}   age {age_text(p.created, now)}   version {p.version}",
        f"owner:      deployment {row.deployment or '-'}   replica set {p.replicaset or '-'}",
        "",
        "containers:",
    ]
    for c in p.containers:
        lines.append(f"  {c.name}   image {c.image}")
        state = c.state + (f": {c.reason}" if c.reason else "")
        if c.message:
            state += f" — {c.message}"
        lines.append(f"      ready {'yes' if c.ready else 'no'} · {state}")
        last = f"      restarts {c.restarts}"
        if c.last_reason:
            last += f" · last terminated: {c.last_reason}"
            if c.last_exit_code is not None:
                last += f", exit code {c.last_exit_code}"
            if c.last_finished:
                last += ", at " + time.strftime("%H:%M:%S", time.localtime(c.last_finished))
                last += f" ({format_age(now - c.last_finished)} ago)"
        lines.append(last)
    if not p.containers:
        lines.append("  (no container statuses yet)")
    events = view.events_for(p.cluster, p.namespace, "Pod", p.name)
    lines += ["", "recent warning events:" if events else "recent warning events: none"]
    for e in events[:20]:
        at = time.strftime("%H:%M:%S", time.localtime(e.last_seen)) if e.last_seen else "-"
        count = f" ×{e.count}" if e.count > 1 else ""
        lines.append(f"  {at}  {e.reason}{count}  {e.message}")
    return redact("\n".join(lines))

