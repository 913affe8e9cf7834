"""The report as ONE self-contained HTML file: inline CSS and SVG, no script, no fonts,
no image or link to fetch, and a Content-Security-Policy that forbids any fetch, so it
opens the same on an air-gapped laptop. Every outside text is HTML-escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape as _escape

from cockpit.model import EventKind
from cockpit.report.data import ReportData
from cockpit.report.svg import BAND, line_chart, verdict_band

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;
 max-width:940px;color:#0f172a;background:#fff;padding:0 12px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid
 #e2e8f0;padding-bottom:4px}h3{font-size:14px;margin:14px 0 2px}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #e2e8f0;
 padding:3px 6px;text-align:left;vertical-align:top}th{background:#f8fafc}
.verdict-now{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:700}
svg{width:100%;height:auto;display:block}.plot{fill:#fcfcfd;stroke:#e2e8f0}
.grid{stroke:#eef2f7;stroke-width:1}.tick{font-size:10px;fill:#64748b}
.threshold{stroke-width:1.5;stroke-dasharray:6 4}.tlabel{font-size:10px}
.breach{fill:#dc2626;fill-opacity:.13}.series{fill:none;stroke-width:1.6}
.empty{font-size:12px;fill:#94a3b8}.mark{stroke:#0f172a;stroke-width:1}
.mlabel{font-size:10px;fill:#0f172a}.note{color:#64748b;font-size:12px;margin:0 0 4px}
pre{background:#0f172a;color:#e2e8f0;padding:8px;border-radius:4px;overflow-x:auto;
 font-size:12px}.sev-error,.sev-critical{color:#b91c1c}.sev-warning{color:#b45309}
.legend span{margin-right:12px;font-size:12px}.legend i{display:inline-block;width:10px;
 height:10px;margin-right:4px;vertical-align:-1px}
"""


def escape(text: str) -> str:
    """Outside text as HTML text: markup escaped, control characters shown as \\xNN."""
    shown = "".join(ch if ch.isprintable() or ch in "\n\t" else f"\\x{ord(ch):02x}"
                    for ch in str(text))
    return _escape(shown)


def _t(at: float | None) -> str:
    return "-" if at is None else datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def span(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(max(0, round(seconds)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s" if m else f"{s}s"


def render_html(data: ReportData) -> str:
    e = escape
    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>Launch report: {e(data.launch)}</title><style>{CSS}</style></head><body>",
           f"<h1>Launch report: {e(data.launch)}</h1>",
           f'<p class="note">{_t(data.start)} to {_t(data.end)} UTC ({span(data.end - data.start)})'
           f" · generated {_t(data.generated_at)} UTC</p>"]
    # ---- summary
    colour = BAND.get(data.verdict_now, "#64748b")
    times = data.time_in()
    out += ["<h2>Summary</h2><table>",
            f"<tr><th>Launch</th><td>{e(data.launch)}</td></tr>",
            f"<tr><th>Window</th><td>{_t(data.start)} to {_t(data.end)} UTC</td></tr>",
            f'<tr><th>Verdict now</th><td><span class="verdict-now" style="background:{colour}">'
            f"{e(data.verdict_now)}</span> ({e(data.verdict_source)})</td></tr>",
            "<tr><th>Time in</th><td>" + " · ".join(
                f"{k} {span(v)}" for k, v in times.items()) + "</td></tr>",
            f"<tr><th>Events</th><td>{len(data.events)}</td></tr></table>"]
    # ---- milestones
    card = data.scorecard
    scen = " (scenario time)" if card.clock else ""
    out += ["<h2>Milestones</h2><table><tr><th>Milestone</th><th>When (UTC)</th>"
            f"<th>After{scen}</th><th>What</th></tr>"]
    for m in card.milestones:
        if m.name == "fault" and m.at is None:
            continue
        after = card.after(m.name) if m.name != "fault" else None
        out.append(f"<tr><td>{e(m.name)}</td><td>{_t(m.at) if m.at else 'not reached'}</td>"
                   f"<td>{'+' + span(after) if after is not None else ''}</td>"
                   f"<td>{e(m.what)}</td></tr>")
    out.append(f"<tr><td>caught by</td><td colspan=3>{e(', '.join(card.caught_by) or '-')}"
               "</td></tr></table>")
    # ---- verdict band
    marks = [(rb.started_at, "rollback") for rb in data.rollbacks if rb.started_at]
    fault = card.get("fault")
    if fault.at is not None:
        marks.append((fault.at, f"fault: {fault.what}"))
    out += ["<h2>Verdict over time</h2>", verdict_band(data.segments, data.start, data.end, marks),
            '<p class="legend">' + "".join(f'<span><i style="background:{c}"></i>{k}</span>'
                                           for k, c in BAND.items()) + "</p>"]
    # ---- charts
    for title, charts in (("Prometheus queries", data.slo), ("GPU utilization", data.gpu),
                          ("Pods", data.pods), ("ASR probe", data.asr)):
        if not charts:
            continue
        out.append(f"<h2>{e(title)}</h2>")
        for chart in charts:
            out.append(f"<h3>{e(chart.title)}</h3>")
            if chart.note:
                out.append(f'<p class="note">{e(chart.note)}</p>')
            out.append(line_chart(chart, data.start, data.end))
            if len(chart.series) > 1:
                from cockpit.report.svg import COLOURS

                out.append('<p class="legend">' + "".join(
                    f'<span><i style="background:{COLOURS[i % len(COLOURS)]}"></i>{e(name)}'
                    "</span>" for i, (name, _) in enumerate(chart.series)) + "</p>")
    # ---- rollbacks
    if data.rollbacks:
        out.append("<h2>Rollbacks</h2>")
        for rb in data.rollbacks:
            verified = ("verified" if rb.verified else "NOT verified" if rb.verified is False
                        else "not verified yet")
            out += [f"<h3>{e(rb.id[:12])}: {e(rb.state)}, exit code "
                    f"{e(str(rb.exit_code)) if rb.exit_code is not None else '-'}, {verified}</h3>",
                    "<table>",
                    f"<tr><th>Who</th><td>{e(rb.who)}</td></tr>",
                    f"<tr><th>Started</th><td>{_t(rb.started_at)}</td></tr>",
                    f"<tr><th>Ended</th><td>{_t(rb.ended_at)}</td></tr>",
                    f"<tr><th>Command</th><td><code>{e(rb.command)}</code></td></tr>",
                    f"<tr><th>Verification</th><td>{e(rb.verify_message or '-')}</td></tr>",
                    "</table>",
                    "<pre>" + e("\n".join(rb.output_tail) or "(no output)") + "</pre>"]
    # ---- events
    out += ["<h2>Events</h2><table><tr><th>Time (UTC)</th><th>Kind</th><th>Who</th>"
            "<th>What</th></tr>"]
    for ev in data.events:
        what = e(ev.message)
        if ev.kind == EventKind.ROLLBACK_END:
            what += f"<br>exit code {e(str(ev.data.get('exit_code')))}"
        out.append(f'<tr class="sev-{e(str(ev.severity))}"><td>{_t(ev.at)}</td>'
                   f"<td>{e(str(ev.kind))}</td><td>{e(ev.author)}</td><td>{what}</td></tr>")
    out += ["</table>", "</body></html>", ""]
    return "\n".join(out)


__all__ = ["render_html"]
