"""The report's renderers over hand-made data: the verdict band from verdict events, SVG
threshold lines and breach spans, escaping of outside text in every format, and a
Markdown fence no output line can close."""

from __future__ import annotations

from cockpit.model import Event, EventKind, Severity
from cockpit.report.data import Chart, ReportData, breach_spans, rollbacks_of, verdict_segments
from cockpit.report.html import render_html
from cockpit.report.markdown import render_markdown
from cockpit.report.svg import line_chart
from cockpit.report.text import band_text, render_text
from cockpit.scorecard import score

T = 1_800_000_000.0
HOSTILE = "<script>alert(1)</script> | a\x1b[31mred"


def ev(kind, at, message="m", **data):
    return Event(kind, message, Severity.INFO, data, author="alice@bastion", at=T + at)


def sample() -> ReportData:
    events = [
        ev(EventKind.VERDICT, -50, verdict="HOLD"),
        ev(EventKind.VERDICT, 20, verdict="GO"),
        ev(EventKind.NOTE, 30, HOSTILE),
        ev(EventKind.BREACH, 45, signal="error_rate", pending_since=T + 40),
        ev(EventKind.VERDICT, 45, verdict="NO-GO", failing=[{"item": "error-rate"}]),
        ev(EventKind.ROLLBACK_START, 50, rollback_id="rb1", command="helm rollback asr 4"),
        ev(EventKind.ROLLBACK_END, 55, rollback_id="rb1", command="helm rollback asr 4",
           exit_code=0, state="succeeded", ended_at=T + 55,
           output_tail=["```", HOSTILE, "Rollback was a success!"]),
        ev(EventKind.RECOVER, 70, signal="error_rate"),
        ev(EventKind.ROLLBACK_VERIFY, 80, "rollback verified", rollback_id="rb1", verified=True),
        ev(EventKind.VERDICT, 80, verdict="GO"),
    ]
    chart = Chart("error_rate", "error_rate", "ratio",
                  series=[(HOSTILE, [(T + i * 10, 0.002 if i < 4 else 0.08) for i in range(10)])],
                  thresholds=[(0.01, "warn"), (0.05, "fail")],
                  breaches=breach_spans(events, "error_rate", T + 100))
    return ReportData(launch=HOSTILE, start=T, end=T + 100, generated_at=T + 100,
                      verdict_now="GO", verdict_source="last logged",
                      segments=verdict_segments(events, T, T + 100), events=events,
                      scorecard=score(events), slo=[chart], rollbacks=rollbacks_of(events))


def test_verdict_band_starts_with_the_verdict_in_force():
    data = sample()
    assert [(a - T, b - T, k) for a, b, k in data.segments] == [
        (0, 20, "HOLD"), (20, 45, "GO"), (45, 80, "NO-GO"), (80, 100, "GO")]
    assert data.time_in() == {"GO": 45, "HOLD": 20, "NO-GO": 35}
    # one cell per 10 s, the worst verdict in it: 40-50 s holds GO and NO-GO -> X
    assert band_text(data, 10) == "hhGGXXXXGG"


def test_svg_draws_thresholds_and_the_breach():
    data = sample()
    svg = line_chart(data.slo[0], data.start, data.end)
    assert svg.count('class="threshold warn"') == 1 and svg.count('class="threshold fail"') == 1
    assert 'data-value="0.05"' in svg and svg.count('class="breach"') == 1
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_html_is_self_contained_and_escapes_outside_text():
    page = render_html(sample())
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "default-src 'none'" in page
    assert "\x1b" not in page and "\\x1b[31m" in page  # control characters shown, not sent
    assert "helm rollback asr 4" in page and "exit code 0" in page
    assert "Rollback was a success!" in page


def test_markdown_fences_the_output_tail_and_escapes_pipes():
    text = render_markdown(sample())
    assert "````\n```\n" in text  # the tail contains ``` so the fence is longer
    assert "\\| a" in text  # a pipe in outside text does not split a table cell
    assert "- Exit code: 0" in text and "| decided |" in text and "| caught by |" in text


def test_text_has_no_escape_sequences():
    out = render_text(sample(), width=80)
    assert "\x1b" not in out and "\\x1b" in out
    assert "error_rate" in out and "1 breach" in out
    assert any(line.startswith("rollback ") and "exit 0" in line for line in out.splitlines())


def test_scorecard_of_a_real_launch_counts_from_detection():
    card = score(sample().events)
    assert card.get("fault").at is None
    assert card.get("detected").at == T + 45  # the breach is the first sign
    assert card.after("decided") == 0 and card.after("mitigated") == 5
    assert card.after("verified") == 35 and card.caught_by == ("error-rate",)


def test_a_logged_scorecard_gains_the_milestones_reached_after_it():
    """A rehearsal logs its card when the script ends; a rollback still verifying then
    was 'verified: not reached' in `log export` and the report, beside 'ended, verified'."""
    from cockpit.report.data import scorecard_of

    events = sample().events
    early = score(events[:6], fault_at=T + 40, fault="launch")  # before the rollback ended
    assert early.get("verified").at is None
    card = ev(EventKind.NOTE, 60, "rehearsal scorecard (launch)", scorecard=early.as_dict(),
              drill={"scenario": "launch", "t0": T, "speed": 1.0})
    both = sorted([*events, card], key=lambda e: e.at)
    read = scorecard_of(both)
    assert read.get("verified").at == T + 80 and read.get("verified").what == "rollback verified"
    assert read.get("mitigated").at == T + 50 == early.get("mitigated").at  # kept as logged
    assert read.get("fault").at == T + 40 and read.caught_by == ("error-rate",)


def test_text_keeps_the_legend_and_a_no_data_note_whole():
    """At the default width the verdict legend read `G go, h` and the pods' note `no kube`
    (as if there were no cluster; the note says kube-state-metrics is not in Prometheus)."""
    from cockpit.report.data import Chart

    data = sample()
    note = "no kube-state-metrics series in Prometheus (a drill's report charts the pods)"
    data.pods = [Chart("pods.not_ready", "Pods not ready", "count", note=note)]
    for width in (80, 100):
        out = render_text(data, width=width)
        assert "G go, h hold, X no-go" in out
        assert next(line for line in out.splitlines() if line.startswith("Pods not ready")
                    ).endswith(note)
