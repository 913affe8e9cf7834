"""The GPU pane: one line per GPU, grouped by node; a summary line per node when many.

Three shapes, picked by how many lines the pane has room for:

- full: a node line (summary), then per GPU a line with text bars for utilization and
  memory, a one-colour sparkline, temperature, power, its mark and its pod;
- columns: the same, node blocks side by side when the pane is wide (200 columns hold
  64 GPUs in full);
- compact: one line per node (a strip with one block per GPU plus its summary), then
  the GPUs that need a look (XID, idle, saturated) in full, as many as fit.

Marks are words (IDLE, SAT, XID 79) as well as colours, so they read in any terminal.
Labels (nodes, pods, models) are outside text: everything goes through `plain()`.
"""

from __future__ import annotations

from rich.text import Text

from cockpit.sources.gpu_model import GpuSnapshot, GpuStat, GpuView, Mark, NodeGroup
from cockpit.ui.panes import register_pane
from cockpit.ui.panes.base import format_age
from cockpit.ui.panes.lines import LinesPane
from cockpit.ui.spark import level, sparkline
from cockpit.ui.text import plain

EIGHTHS = " ▏▎▍▌▋▊▉"
MARK_STYLE = {Mark.IDLE: "bold yellow", Mark.SATURATED: "bold red", Mark.UNKNOWN: "dim"}
MARK_WORD = {Mark.IDLE: "IDLE", Mark.SATURATED: "SAT", Mark.UNKNOWN: "?", Mark.OK: ""}
COLUMN_MIN = 72  # narrowest column worth splitting into
COLUMN_GAP = 3


def bar(ratio: float | None, width: int) -> str:
    """`width` cells of `█` with an eighth-block edge; `·` for the rest; `?` with no figure."""
    if width <= 0:
        return ""
    if ratio is None:
        return "?".center(width, "·")
    cells = max(0.0, min(1.0, ratio)) * width
    full = int(cells)
    eighth = int(round((cells - full) * 8))
    if eighth == 8:
        full, eighth = full + 1, 0
    text = "█" * full
    if full < width and eighth:
        text += EIGHTHS[eighth]
    return text + "·" * (width - len(text))


def pct(v: float | None) -> str:
    return "  -%" if v is None else f"{v * 100:3.0f}%"


def _who(g: GpuStat) -> str:
    if g.pod:
        return f"{g.namespace}/{g.pod}" if g.namespace else g.pod
    if g.processes:
        names = sorted({p.name or str(p.pid) for p in g.processes})
        return ",".join(names)
    return ""


def _mark_text(g: GpuStat) -> Text:
    parts = Text()
    if g.xid:
        parts.append_text(plain(f"XID {g.xid}", "bold red reverse"))
    word = MARK_WORD[g.mark]
    if word:
        if parts:
            parts.append(" ")
        parts.append_text(plain(word, MARK_STYLE.get(g.mark, "")))
    return parts


class Widths:
    """Cell widths of a GPU line for a given line width: drop extras before shrinking bars."""

    def __init__(self, width: int, index: int) -> None:
        self.index = index
        self.spark = 12 if width >= 90 else 8 if width >= 64 else 0
        self.power = width >= 58
        self.who = width >= 70
        fixed = index + 1 + 5 + 6 + 5 + 5 + 8  # idx, util%, "mem"+%, temp, gaps, mark
        fixed += (self.spark + 1) if self.spark else 0
        fixed += 6 if self.power else 0
        fixed += 14 if self.who else 0
        self.bar = max(3, min(20, (width - fixed) // 2))


def gpu_line(g: GpuStat, width: int, index_width: int = 2) -> Text:
    """One GPU: `idx ██████·· 62% mem ███···· 48% ▁▃▅█ 61°C  410W SAT  asr/asr-worker-a0`."""
    w = Widths(width, index_width)
    line = Text()
    line.append_text(plain(g.gpu.rjust(index_width)))
    line.append(" ")
    line.append(bar(g.util, w.bar))
    line.append(f" {pct(g.util)} mem ")
    line.append(bar(g.mem_ratio, w.bar))
    line.append(f" {pct(g.mem_ratio)}")
    if w.spark:
        line.append(" " + sparkline(g.history, w.spark, align_right=True), "cyan")
    line.append("  -°C" if g.temp is None else f" {g.temp:2.0f}°C")
    if w.power:
        line.append("     -" if g.power is None else f" {g.power:4.0f}W")
    mark = _mark_text(g)
    if mark:
        line.append(" ")
        line.append_text(mark)
    who = _who(g)
    if w.who and who:
        line.append("  ")
        line.append_text(plain(who, "dim"))
    line.truncate(width, overflow="ellipsis")
    return line


def node_line(group: NodeGroup, width: int) -> Text:
    """`▾ gpu-node-a  8 GPUs · util avg 60% max 98% · ... · 1 idle, 2 saturated`."""
    line = Text("▾ ")
    line.append_text(plain(group.node, "bold"))
    line.append("  ")
    line.append_text(_summary_text(group))
    line.truncate(width, overflow="ellipsis")
    return line


def _summary_text(group: NodeGroup | GpuSnapshot) -> Text:
    summary = group.summary if isinstance(group, NodeGroup) else group.total
    text = summary.line()
    out = plain(text)
    for word, style in (("idle", "bold yellow"), ("saturated", "bold red"), ("XID", "bold red")):
        at = text.rfind(f" {word}")
        if at > 0:
            start = text.rfind(" ", 0, at) + 1
            out.stylize(style, start, at + 1 + len(word))
    return out


def strip_line(group: NodeGroup, width: int, node_width: int) -> Text:
    """Compact: `gpu-node-a  ▆▇▅█▁▆▇▅  avg 60% max 98% mem 97%  1 idle 2 sat 1 XID`."""
    s = group.summary
    line = Text()
    line.append_text(plain(group.node.ljust(node_width), "bold"))
    line.append(" ")
    for g in group.gpus:
        char = "?" if g.util is None else level(g.util, 1.0)
        if g.mark is Mark.IDLE:
            char = "_"
        style = "bold red reverse" if g.xid else MARK_STYLE.get(g.mark, "")
        line.append(char, style)
    line.append(f"  avg {pct(s.util_avg)} max {pct(s.util_max)} mem {pct(s.mem_used_max)}")
    for count, word, style in (
        (s.idle, "idle", "bold yellow"),
        (s.saturated, "sat", "bold red"),
        (s.xid_errors, "XID", "bold red"),
    ):
        if count:
            line.append(" ")
            line.append(f"{count} {word}", style)
    line.truncate(width, overflow="ellipsis")
    return line


def fleet_line(snap: GpuSnapshot, width: int) -> Text:
    line = Text()
    line.append(f"{len(snap.nodes)} nodes · ", "bold")
    line.append_text(_summary_text(snap))
    line.truncate(width, overflow="ellipsis")
    return line


def _index_width(snap: GpuSnapshot) -> int:
    return max([2, *(len(g.gpu) for g in snap.gpus)])


def _block(group: NodeGroup, width: int, index_width: int) -> list[Text]:
    return [node_line(group, width), *(gpu_line(g, width, index_width) for g in group.gpus)]


def _columns(blocks: list[list[Text]], ncols: int, col_width: int) -> list[Text]:
    """Node blocks dealt into `ncols` columns of balanced height, joined line by line."""
    total = sum(len(b) for b in blocks)
    target = -(-total // ncols)
    cols: list[list[Text]] = [[]]
    for block in blocks:
        if cols[-1] and len(cols[-1]) + len(block) > target and len(cols) < ncols:
            cols.append([])
        cols[-1].extend(block)
    height = max(len(c) for c in cols)
    lines = []
    for row in range(height):
        line = Text()
        for i, col in enumerate(cols):
            cell = col[row].copy() if row < len(col) else Text()
            if i < len(cols) - 1:
                cell.pad_right(col_width - cell.cell_len + COLUMN_GAP)
            line.append_text(cell)
        lines.append(line)
    return lines


def _column_height(sizes: list[int], ncols: int) -> int:
    """Height of the tallest column when blocks of `sizes` lines are dealt as `_columns` does."""
    target = -(-sum(sizes) // ncols)
    heights = [0]
    for size in sizes:
        if heights[-1] and heights[-1] + size > target and len(heights) < ncols:
            heights.append(0)
        heights[-1] += size
    return max(heights)


def render(snap: GpuSnapshot, width: int, height: int) -> list[Text]:
    """The pane body for a `width` x `height` area (full, columns or compact).

    Shapes are sized from line counts first; only the chosen one is built.
    """
    width, height = max(20, width), max(1, height)
    if not snap.gpus:
        return [plain(f"no GPUs reported by {snap.source}", "dim")]
    iw = _index_width(snap)
    head = [fleet_line(snap, width)] if len(snap.nodes) > 1 else []
    room = height - len(head)
    sizes = [1 + len(n.gpus) for n in snap.nodes]
    if sum(sizes) <= room:
        return head + [line for n in snap.nodes for line in _block(n, width, iw)]
    for ncols in range(2, 1 + (width + COLUMN_GAP) // (COLUMN_MIN + COLUMN_GAP)):
        if _column_height(sizes, ncols) <= room:
            col_width = (width - COLUMN_GAP * (ncols - 1)) // ncols
            blocks = [_block(n, col_width, iw) for n in snap.nodes]
            return head + _columns(blocks, ncols, col_width)
    return head + compact(snap, width, room)


def compact(snap: GpuSnapshot, width: int, room: int) -> list[Text]:
    """A strip per node, then the GPUs that need a look, as many as fit."""
    node_width = min(24, max(len(n.node) for n in snap.nodes))
    lines = [strip_line(n, width, node_width) for n in snap.nodes]
    if len(lines) > room:
        more = len(lines) - room + 1
        tail = plain(f"+{more} more nodes (enlarge the pane)", "dim")
        tail.truncate(width, overflow="ellipsis")
        return [*lines[: room - 1], tail]
    attention = sorted(
        (g for g in snap.gpus if g.xid or g.mark in (Mark.IDLE, Mark.SATURATED)),
        key=lambda g: (not g.xid, g.mark is not Mark.IDLE, g.node, g.gpu),
    )
    left = room - len(lines)
    if attention and left >= 2:
        lines.append(plain(f"needs a look ({len(attention)}):", "bold"))
        slots = left - 1
        if len(attention) <= slots:
            lines.extend(_attention_line(g, width) for g in attention)
        else:
            lines.extend(_attention_line(g, width) for g in attention[: slots - 1])
            lines.append(plain(f"+{len(attention) - (slots - 1)} more", "dim"))
    return lines


def _attention_line(g: GpuStat, width: int) -> Text:
    line = plain(f"{g.node}/", "dim")
    line.append_text(gpu_line(g, width - len(g.node) - 1))
    line.truncate(width, overflow="ellipsis")
    return line


@register_pane("gpu")
class GpuPane(LinesPane):
    TITLE = "GPUs"
    SOURCE = "gpu"
    CONFIG_SECTION = "gpu"
    CONFIG_HINT = "`gpu: {source: dcgm}` with a `prometheus:` section, or `gpu: {source: nvml}`"
    VIEW = GpuView


    def draw_key(self, view: GpuView) -> object:
        """What the lines show: the snapshot, or why none; a stale one's age in seconds."""
        stale = view.status.state == "stale"
        age = int(view.at - view.reading_at) if stale and view.reading_at is not None else None
        return (view.reading_at, view.error, view.snapshot, stale, age)

    def quiet_until(self, view: GpuView) -> float:
        """Nothing moves with the clock but a stale snapshot's age (the border's state)."""
        return view.at + 1.0 if view.status.state == "stale" else float("inf")

    def body_lines(self, view: GpuView) -> list[Text]:
        if view.reading_at is None:
            return [plain("… waiting for the first GPU reading", "dim")]
        if view.error is not None:
            return [plain(view.error, "bold red")]
        snap = view.snapshot
        if snap is None:
            return [plain("no GPU detail in the reading", "dim")]
        size = self.content_size
        lines = []
        stale = view.status.state == "stale"
        if stale:
            age = view.at - view.reading_at
            lines.append(plain(f"◌ STALE: figures from {format_age(age)} ago", "bold yellow"))
        lines += render(snap, size.width, size.height - len(lines))
        if stale:
            for line in lines[1:]:
                line.stylize("dim")
        return lines

