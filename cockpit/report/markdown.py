"""The report as Markdown, for pasting into a post-mortem: the summary, the milestones,
the verdict history, each chart as figures (min, last, max, breaches), every rollback
with its exact command, exit code and output tail, and every event."""

from __future__ import annotations

from cockpit.report.data import Chart, ReportData, Rollback
from cockpit.report.html import _t, span
from cockpit.report.svg import fmt
from cockpit.scorecard import Scorecard


def md(text: object) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, newlines as <br>, control
    characters shown as \\xNN."""
    text = "".join(ch if ch.isprintable() or ch == "\n" else f"\\x{ord(ch):02x}"
                   for ch in str(text))
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "")
            .replace("\n", "<br>"))


def fence(lines: list[str]) -> list[str]:
    """A code block that no line of the output can close."""
    lines = ["".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in line)
             for line in lines]
    ticks = "```"
    while any(ticks in line for line in lines):
        ticks += "`"
    return [ticks, *lines, ticks]


def milestone_lines(card: Scorecard) -> list[str]:
    """The milestones table (detected, decided, mitigated, verified; the fault in a drill)."""
    scen = " (scenario time)" if card.clock else ""
    out = [f"| Milestone | When (UTC) | After{scen} | What |", "| --- | --- | --- | --- |"]
    for m in card.milestones:
        if m.name == "fault" and m.at is None:
            continue
        after = card.after(m.name) if m.name != "fault" else None
        out.append(f"| {m.name} | {_t(m.at) if m.at else 'not reached'} | "
                   f"{'+' + span(after) if after is not None else ''} | {md(m.what)} |")
    out.append(f"| caught by | | | {md(', '.join(card.caught_by) or '-')} |")
    return out


def rollback_lines(rollbacks: list[Rollback]) -> list[str]:
    out: list[str] = []
    for rb in rollbacks:
        verified = ("verified" if rb.verified else "NOT verified" if rb.verified is False
                    else "not verified yet")
        out += [f"### Rollback {rb.id[:12]}: {rb.state}, {verified}", "",
                f"- Who: {md(rb.who)}",
                f"- Started: {_t(rb.started_at)} UTC, ended: {_t(rb.ended_at)} UTC",
                f"- Command: `{rb.command.replace('`', '')}`",
                f"- Exit code: {rb.exit_code if rb.exit_code is not None else '-'}",
                f"- Verification: {md(rb.verify_message or '-')}", "", "Output tail:", "",
                *fence(rb.output_tail or ["(no output)"]), ""]
    return out


def _figures(chart: Chart) -> str:
    values = chart.values()
    if not values:
        return f"| {md(chart.title)} | - | - | - | - | {md(chart.note)} |"
    last = next((v for _, pts in chart.series for _, v in reversed(pts) if v is not None), None)
    lines = ", ".join(f"{k} {fmt(v, chart.unit)}" for v, k in chart.thresholds)
    return (f"| {md(chart.title)} | {fmt(min(values), chart.unit)} | "
            f"{fmt(last, chart.unit) if last is not None else '-'} | "
            f"{fmt(max(values), chart.unit)} | {len(chart.breaches)} | {md(lines)} |")


def render_markdown(data: ReportData) -> str:
    times = data.time_in()
    out = [f"# Launch report: {md(data.launch)}", "",
           f"- Window: {_t(data.start)} to {_t(data.end)} UTC ({span(data.end - data.start)})",
           f"- Verdict now: **{data.verdict_now}** ({data.verdict_source})",
           "- Time in: " + ", ".join(f"{k} {span(v)}" for k, v in times.items()),
           f"- Events: {len(data.events)}", f"- Generated: {_t(data.generated_at)} UTC", "",
           "## Milestones", "", *milestone_lines(data.scorecard), "",
           "## Verdict history", "", "| From (UTC) | To | Verdict | For |",
           "| --- | --- | --- | --- |"]
    out += [f"| {_t(a)} | {_t(b)} | {k} | {span(b - a)} |" for a, b, k in data.segments]
    out += ["", "## Signals", "", "| Signal | Min | Last | Max | Breaches | Thresholds |",
            "| --- | --- | --- | --- | --- | --- |"]
    out += [_figures(c) for c in data.charts()]
    if data.rollbacks:
        out += ["", "## Rollbacks", "", *rollback_lines(data.rollbacks)]
    out += ["", "## Events", "", "| Time (UTC) | Kind | Severity | Who | What |",
            "| --- | --- | --- | --- | --- |"]
    out += [f"| {_t(e.at)} | {e.kind} | {e.severity} | {md(e.author)} | {md(e.message)} |"
            for e in data.events]
    return "\n".join(out) + "\n"


__all__ = ["fence", "md", "milestone_lines", "render_markdown", "rollback_lines"]
