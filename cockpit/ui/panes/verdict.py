"""The verdict banner: GO / NO-GO / HOLD, large and coloured, and spelled out.

Colour is never the only signal: the word, a mark (✔ ✖ ⏸) and the named failing /
unknown items say it in text too, so it reads in 256 colours, in tmux and to the
colour-blind. Big letters when the pane has room (5+ lines), one line otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from cockpit.model import VerdictKind
from cockpit.ui.panes import register_pane
from cockpit.ui.panes.base import Changes, Pane, update_if_changed
from cockpit.ui.text import plain
from cockpit.views import VerdictView

if TYPE_CHECKING:
    from cockpit.engine import Engine

# A 4x3 block font for the letters the three verdicts use.
FONT = {
    "G": ["█▀▀▀", "█ ▀█", "▀▀▀▀"],
    "O": ["█▀▀█", "█  █", "▀▀▀▀"],
    "N": ["█▄ █", "█ ▀█", "▀  ▀"],
    "H": ["█  █", "█▀▀█", "▀  ▀"],
    "L": ["█   ", "█   ", "▀▀▀▀"],
    "D": ["█▀▀▄", "█  █", "▀▀▀ "],
    "-": ["    ", "▀▀▀ ", "    "],
}

STYLE = {VerdictKind.GO: "bold green", VerdictKind.NO_GO: "bold red",
         VerdictKind.HOLD: "bold yellow"}
MARK = {VerdictKind.GO: "✔", VerdictKind.NO_GO: "✖", VerdictKind.HOLD: "⏸"}
CLASS = {VerdictKind.GO: "go", VerdictKind.NO_GO: "nogo", VerdictKind.HOLD: "hold"}


def big(word: str) -> list[str]:
    return [" ".join(FONT.get(ch, ["    "] * 3)[row] for ch in word) for row in range(3)]


def span(seconds: float) -> str:
    """Minutes: 12m, 1h02m. The window clock moves once a minute, not every second: a
    ticking second cost a repaint of the screen each second (CPU, bytes over SSH) and
    tells a captain nothing the minute does not."""
    s = int(abs(seconds))
    return f"{s // 3600}h{(s % 3600) // 60:02d}m" if s >= 3600 else f"{s // 60}m"


def window_text(view: VerdictView) -> str:
    """T+1h02m since the launch window opened, or T-12m before it (seconds in its last
    minute: T-45s); without a window, how long this cockpit has been watching."""
    opens = view.window_opens
    if opens is not None:
        if opens.tzinfo is None:
            opens = opens.astimezone()
        delta = view.at - opens.timestamp()
        if delta >= 0:
            return f"T+{span(delta)} since window opened"
        return f"T-{int(-delta)}s to window" if delta > -60 else f"T-{span(delta)} to window"
    if view.started_at is not None:
        watched = view.at - view.started_at
        return f"watching {span(watched)}" if watched >= 60 else "watching <1m"
    return ""


def window_changes_at(view: VerdictView) -> float:
    """When `window_text(view)` next says something else (the engine's clock): the next
    minute, or the next second in the window's last minute."""
    at, opens = view.at, view.window_opens
    if opens is not None:
        if opens.tzinfo is None:
            opens = opens.astimezone()
        delta = at - opens.timestamp()
        if delta >= 0:
            return at + 60.0 - delta % 60
        return at + 1.0 if delta > -61 else at + (-delta) % 60  # T-45s; T-12m
    if view.started_at is not None:
        watched = at - view.started_at
        return view.started_at + 60.0 if watched < 60 else at + 60.0 - watched % 60
    return float("inf")


def verdict_lines(view: VerdictView) -> list[Text]:
    """The named reasons: failing items with their detail, then the unknown ones."""
    verdict, names = view.verdict, view.item_names
    out: list[Text] = []
    if verdict.failing:
        parts = [f"{names.get(i.item_id, i.item_id)}" + (f" ({i.detail})" if i.detail else "")
                 for i in verdict.failing]
        out.append(plain("✖ failing: " + "; ".join(parts), "bold red"))
    if verdict.unknown:
        parts = [f"{names.get(i.item_id, i.item_id)}" + (f" ({i.detail})" if i.detail else "")
                 for i in verdict.unknown]
        out.append(plain("? waiting on: " + "; ".join(parts), "yellow"))
    if not out and verdict.kind == VerdictKind.GO:
        out.append(plain("✔ every required item passes", "green"))
    elif not out:
        out.append(plain("… judging: waiting for the first samples", "dim"))
    return out


@register_pane("verdict")
class VerdictPane(Pane):
    """GO / NO-GO / HOLD with the launch, the window clock, the running release, watchers
    and the reasons."""

    TITLE = "Verdict"
    VIEW = VerdictView
    LISTENS = frozenset({"verdict"})

    DEFAULT_CSS = """
    VerdictPane { padding: 0 1; }
    VerdictPane.go { border: heavy $success; }
    VerdictPane.nogo { border: heavy $error; }
    VerdictPane.hold { border: heavy $warning; }
    VerdictPane #verdict-row { height: 1fr; }
    VerdictPane #verdict-big { width: 26; height: 1fr; padding-right: 2; }  /* NO-GO: 24 */
    VerdictPane #verdict-text { width: 1fr; height: 1fr; }
    VerdictPane #verdict-info, VerdictPane #verdict-clock { width: 1fr; height: 1; }
    VerdictPane #verdict-reasons { width: 1fr; height: 1fr; }
    VerdictPane .one-line { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="verdict-row"):
            yield Static("", id="verdict-big")
            with Vertical(id="verdict-text"):
                yield Static("", id="verdict-info")  # launch, verdict line: rarely changes
                yield Static("", id="verdict-clock")  # the clock: one line repaints a second
                yield Static("", id="verdict-reasons")

    def on_resize(self) -> None:
        self.redraw()

    def wants(self, changes: Changes) -> bool:
        return changes.beyond_progress()  # ages move with the clock

    def view_of(self, engine: Engine) -> VerdictView:
        return engine.verdict_view()

    def draw_key(self, view: VerdictView) -> object:
        """What `draw` shows: the verdict, its reasons' names, the window clock (minutes)."""
        v = view.verdict
        return (v.kind, v.failing, v.unknown, view.item_names, view.launch, window_text(view),
                view.release, view.watchers, view.team_status, self.options.get("big", True))

    def quiet_until(self, view: VerdictView) -> float:
        return window_changes_at(view)

    def draw(self, view: VerdictView) -> None:
        kind = view.verdict.kind
        style = STYLE[kind]
        for k, cls in CLASS.items():
            self.set_class(k == kind, cls)
        launch = view.launch
        clock = window_text(view)
        who = view.watchers
        who_text = (f"{len(who)} watching: " + ", ".join(who)) if who else ""
        if view.team_status:
            who_text = " · ".join(x for x in (who_text, f"⚠ {view.team_status}") if x)
        reasons = verdict_lines(view)
        big_room = self.options.get("big", True) and self.content_size.height >= 3
        word = f"{MARK[kind]} {kind.value}"
        self.set_title(plain(f"{self.title}: {kind.value}"))
        big_w = self.query_one("#verdict-big", Static)
        info = self.query_one("#verdict-info", Static)
        clock_w = self.query_one("#verdict-clock", Static)
        reasons_w = self.query_one("#verdict-reasons", Static)
        if big_room != big_w.display:
            big_w.display = big_room
            clock_w.display = big_room  # one-line mode: the clock joins the verdict line
            for w in (info, clock_w, reasons_w):
                w.set_class(not big_room, "one-line")
        meta = " · ".join(x for x in (clock, view.release, who_text) if x)
        if big_room:
            update_if_changed(big_w, Text("\n").join(
                [plain(line, style) for line in big(kind.value)] + [plain(word, style)]))
            update_if_changed(info, plain(launch, "bold"))
        else:
            update_if_changed(info, Text.assemble(plain(f" {word} ", f"{style} reverse"), " ",
                                                  plain(launch, "bold"), plain(f"  {meta}")))
        update_if_changed(clock_w, plain(meta))
        update_if_changed(reasons_w, Text("\n").join(reasons))
