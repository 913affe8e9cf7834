"""The ASR probe pane: does the service turn the reference clip into the right words?

Top to bottom, in the order lines are dropped when the pane is short (last first):

- PASS/FAIL with the time of the last probe, and why it failed;
- a progress bar and the latest partial while a probe streams;
- the measurements against their limits (one line each, or one line in all);
- the expected text and the transcript, the differing words marked (by style, and
  counted in words so it reads in any terminal);
- a one-colour text sparkline of final latency over past probes.

The transcript is outside text: shown literally through `plain()` (markup, escape
sequences and all), never parsed. `r` with this pane focused probes now.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from cockpit.sources.asr.result import ProbeProgress, ProbeResult
from cockpit.sources.asr.view import AsrDetail, AsrView
from cockpit.sources.asr.wer import WordOp, words
from cockpit.ui.panes import register_pane
from cockpit.ui.panes.base import coarse_change_in, format_age_coarse
from cockpit.ui.panes.lines import LineBody, LinesPane
from cockpit.ui.spark import sparkline
from cockpit.ui.text import plain

BAD_HEARD = "bold red reverse"
BAD_EXPECTED = "bold yellow underline"
ACTIVE = ("connecting", "streaming", "waiting")


def fmt_seconds(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s"


def fmt_value(name: str, v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.2f}" if name == "wer" else fmt_seconds(v)


def progress_bar(fraction: float, width: int) -> str:
    width = max(1, width)
    full = int(round(max(0.0, min(1.0, fraction)) * width))
    return "█" * full + "·" * (width - full)


def _bad_indices(diff: Sequence[WordOp]) -> tuple[set[int], set[int]]:
    """Indices of expected words missed or misheard, and of heard words that are wrong."""
    bad_ref: set[int] = set()
    bad_hyp: set[int] = set()
    ri = hi = 0
    for op in diff:
        if op.op != "equal":
            bad_ref.update(range(ri, ri + len(op.expected)))
            bad_hyp.update(range(hi, hi + len(op.heard)))
        ri += len(op.expected)
        hi += len(op.heard)
    return bad_ref, bad_hyp


def marked(text: str, bad: set[int], style: str) -> Text:
    """`text` literally, each whitespace-separated token holding a bad word styled."""
    out = Text()
    index = 0
    for token in re.split(r"(\s+)", text):
        if not token:
            continue
        if token.isspace():
            out.append_text(plain(token))
            continue
        n = len(words(token))
        hit = any(i in bad for i in range(index, index + n))
        index += n
        out.append_text(plain(token, style if hit else ""))
    return out


def _limit_line(name: str, label: str, value: float | None, limit: float, width: int) -> Text:
    over = value is not None and value > limit
    mark = ("✖", "bold red") if over else ("✔", "green") if value is not None else ("?", "dim")
    line = Text()
    line.append(f"{label:<14}")
    line.append(f"{fmt_value(name, value):>9}", "bold red" if over else "")
    line.append(f"  ≤ {fmt_value(name, limit):<8} ", "dim")
    line.append(*mark)
    line.truncate(width, overflow="ellipsis")
    return line


MEASURES = (
    ("connect", "connect"),
    ("first_partial", "first partial"),
    ("final_latency", "final latency"),
    ("wer", "WER"),
)


def _compact_measures(result: ProbeResult, limits: dict[str, float], width: int) -> Text:
    line = Text()
    for name, label in MEASURES:
        value = getattr(result, name)
        over = value is not None and value > limits[name]
        if line:
            line.append(" · ", "dim")
        short = {"connect": "conn", "first_partial": "1st", "final_latency": "final"}.get(
            name, label
        )
        line.append(f"{short} ")
        line.append(fmt_value(name, value), "bold red" if over else "")
    line.truncate(width, overflow="ellipsis")
    return line


def headline(result: ProbeResult, age: float | None, width: int) -> Text:
    line = Text()
    if result.ok:
        line.append("✔ PASS", "bold green")
    else:
        line.append("✖ FAIL", "bold white on red")
    when = f"  {format_age_coarse(age)} ago" if age is not None else ""
    line.append(f"{when} · {result.protocol} · ", "dim")
    line.append_text(plain(result.url, "dim"))
    line.truncate(width, overflow="ellipsis")
    return line


def progress_line(progress: ProbeProgress, width: int) -> list[Text]:
    """`streaming ██████···· 2.1/3.4 s` and the latest partial, while a probe runs."""
    label = {"connecting": "connecting", "streaming": "streaming", "waiting": "final?"}[
        progress.state
    ]
    tail = f" {progress.sent:.1f}/{progress.total:.1f} s"
    bar_width = max(4, min(40, width - len(label) - len(tail) - 2))
    line = Text()
    line.append(f"{label} ", "bold cyan")
    line.append(progress_bar(progress.fraction, bar_width), "cyan")
    line.append(tail)
    line.truncate(width, overflow="ellipsis")
    lines = [line]
    if progress.partial:
        partial = Text("  … ", "dim")
        partial.append_text(plain(progress.partial, "italic"))
        partial.truncate(width, overflow="ellipsis")
        lines.append(partial)
    return lines


def render(
    detail: AsrDetail | None,
    progress: ProbeProgress | None,
    width: int,
    height: int,
    age: float | None = None,
    stale: bool = False,
) -> list[Text]:
    """The pane body for a `width` x `height` area."""
    width, height = max(20, width), max(1, height)
    active = progress is not None and progress.state in ACTIVE
    if detail is None:
        lines = [plain("… waiting for the first probe (r probes now)", "dim")]
        if active and progress is not None:
            lines += progress_line(progress, width)
        return lines[:height]
    r = detail.result
    # (priority, line): lower priority numbers are kept first when space is short
    keyed: list[tuple[int, list[Text]]] = []
    if stale:
        stale_line = plain(f"◌ STALE: result from {format_age_coarse(age)} ago", "bold yellow")
        keyed.append((0, [stale_line]))
    keyed.append((0, [headline(r, age, width)]))
    if r.reason:
        why = Text("why: ", "bold red")
        why.append_text(plain(r.reason))
        keyed.append((1, wrap(why, width)))
    for warning in r.warnings:
        keyed.append((2, wrap(plain(f"⚠ {warning}", "bold yellow"), width)))
    if active and progress is not None:
        keyed += [(1, [line]) for line in progress_line(progress, width)]
    limits = detail.thresholds
    full_measures = [
        _limit_line(name, label, getattr(r, name), limits[name], width) for name, label in MEASURES
    ]
    compact = _compact_measures(r, limits, width)
    bad_ref, bad_hyp = _bad_indices(detail.diff)
    texts: list[Text] = []
    heard_lines: list[Text] = []
    if r.expected or r.transcript:
        exp = Text("expected ", "dim")
        exp.append_text(marked(r.expected, bad_ref, BAD_EXPECTED))
        heard = Text("heard    ", "dim")
        if r.transcript:
            heard.append_text(marked(r.transcript, bad_hyp, BAD_HEARD))
        else:
            heard.append("(nothing)", "dim")
        heard_lines = wrap(heard, width)
        texts = wrap(exp, width) + heard_lines
        if (bad_ref or bad_hyp) and r.transcript:
            n_ref = len(words(r.expected))
            count = plain(f"{len(bad_ref)} of {n_ref} expected words missed or misheard, "
                          f"{len(bad_hyp)} heard words wrong", "dim")
            texts += wrap(count, width)
    history = [v for _, v in detail.history]
    spark: list[Text] = []
    if history:
        top = max(limits["final_latency"], max(history))
        label = "final latency "
        last = fmt_seconds(history[-1])
        end = f" last {last}, max {fmt_seconds(max(history))}" if width >= 60 else f" {last}"
        line = Text(label, "dim")
        line.append(sparkline(history, max(4, width - len(label) - len(end)), top), "cyan")
        line.append(end, "dim")
        line.truncate(width, overflow="ellipsis")
        spark = [line]

    options = [
        full_measures + texts + spark,
        [compact, *texts, *spark],
        [compact, *texts],
        [compact, *heard_lines],
        [compact],
        [],
    ]
    # head lines in display order; when even they do not fit, the least important go first
    while sum(len(lines) for _, lines in keyed) > height:
        worst = max(range(len(keyed)), key=lambda i: (keyed[i][0], i))
        if len(keyed[worst][1]) > 1:  # a wrapped line loses its continuation first
            keyed[worst] = (keyed[worst][0], keyed[worst][1][:-1])
        else:
            del keyed[worst]
    head = [line for _, lines in keyed for line in lines]
    body = next(o for o in options if len(head) + len(o) <= height)
    return head + body


_MEASURE = Console(file=io.StringIO(), width=200, color_system=None)


def wrap(text: Text, width: int) -> list[Text]:
    """Word-wrapped to `width` cells (long words folded): lines the pane can count."""
    if text.cell_len <= width:
        return [text]
    return list(text.wrap(_MEASURE, width, overflow="fold"))


class AsrBody(LineBody, can_focus=True):
    """The pane's text; focusable, so `r` (sample the focused pane's source) probes now."""


@register_pane("asr")
class AsrPane(LinesPane):
    TITLE = "ASR probe"
    SOURCE = "asr"
    CONFIG_SECTION = "asr_probe"
    CONFIG_HINT = "`asr_probe: {url: wss://..., audio: probes/smoke-en.wav}`"
    VIEW = AsrView

    BODY = AsrBody

    def draw_key(self, view: AsrView) -> object:
        """What the lines show: the last result, the run now, the result's age in words."""
        age = view.at - view.reading_at if view.reading_at is not None else None
        return (view.detail, view.progress, view.reading_at, view.status.state == "stale",
                format_age_coarse(age) if age is not None else None)

    def quiet_until(self, view: AsrView) -> float:
        """When the result's age words move (<10s, 10 s steps, minutes)."""
        if view.reading_at is None:
            return float("inf")
        return view.at + coarse_change_in(view.at - view.reading_at)

    def body_lines(self, view: AsrView) -> list[Text]:
        age = view.at - view.reading_at if view.reading_at is not None else None
        size = self.content_size
        return render(view.detail, view.progress, size.width, size.height, age,
                      view.status.state == "stale")

