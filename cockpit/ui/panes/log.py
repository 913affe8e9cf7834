"""The incident log: every event of the engine's log, newest first.

Notes, ticks, verdict changes, breaches, probe results and rollbacks interleave;
each kind has its own mark and colour, each severity its word. Enter shows an event
in full. `/` filters. The rows are bounded (`options.max_rows`, default 300) and
come from the app's bounded buffer, which starts from the store, so a restarted
cockpit shows the log again.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from cockpit.model import Event
from cockpit.ui.panes import register_pane
from cockpit.ui.panes.base import Changes
from cockpit.ui.panes.table import CockpitTable, TablePane
from cockpit.ui.text import plain
from cockpit.views import LogView

if TYPE_CHECKING:
    from cockpit.engine import Engine

MAX_ROWS = 300

KIND_MARK: dict[str, tuple[str, str]] = {
    "note": ("✎", "cyan"),
    "tick": ("☑", "green"),
    "untick": ("☐", "yellow"),
    "verdict": ("⚑", "bold"),
    "breach": ("▲", "red"),
    "recover": ("▼", "green"),
    "source": ("⚡", "yellow"),
    "probe": ("◉", "magenta"),
    "gpu": ("▣", "magenta"),
    "kube": ("☸", "blue"),
    "session": ("●", "dim"),
}
ROLLBACK_MARK = ("↺", "bold magenta")
SEVERITY: dict[str, tuple[str, str]] = {
    "debug": ("debug", "dim"),
    "info": ("info", ""),
    "warning": ("WARN", "yellow"),
    "error": ("ERROR", "bold red"),
    "critical": ("CRIT", "bold white on red"),
}
VERDICT_STYLE = {"GO": "bold green", "NO-GO": "bold red", "HOLD": "bold yellow"}


class Stamp(Text):
    """A time cell that remembers the event's epoch time (the table sorts by it)."""

    at: float = 0.0


def kind_mark(event: Event) -> tuple[str, str]:
    kind = str(event.kind)
    if kind.startswith("rollback"):
        return ROLLBACK_MARK
    mark, style = KIND_MARK.get(kind, ("•", ""))
    if kind == "verdict":
        style = VERDICT_STYLE.get(str(event.data.get("verdict", "")), style)
    return mark, style


def event_cells(event: Event) -> tuple[Text, ...]:
    stamp = Stamp(time.strftime("%H:%M:%S", time.localtime(event.at)), style="dim")
    stamp.at = event.at
    mark, mstyle = kind_mark(event)
    sev, sstyle = SEVERITY.get(str(event.severity), (str(event.severity), ""))
    first = str(event.message).splitlines()[0] if event.message else ""
    more = " …" if "\n" in str(event.message) else ""
    return (stamp, plain(mark, mstyle), plain(sev, sstyle), plain(first + more, sstyle),
            plain(event.author.split("@")[0], "dim"))


@register_pane("log")
class LogPane(TablePane):
    TITLE = "Incident log"
    VIEW = LogView
    LISTENS = frozenset({"event"})
    BINDINGS = [
        Binding("enter", "details", "details", id="log.details",
                tooltip="Show the log event in full"),
    ]

    # Narrow panes must still show the message: the kind is a one-cell mark (legend in `?`).
    COLUMNS = [("Time", "time"), ("", "kind"), ("Sev", "sev"), ("Message", "msg"),
               ("Who", "who")]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_rows = int(self.options.get("max_rows", MAX_ROWS))
        self._shown: dict[str, Event] = {}
        self._last_filter: str | None = None

    def compose_body(self) -> ComposeResult:
        yield CockpitTable(self.COLUMNS)

    def refresh_border(self) -> None:
        """The event log's own state: nothing while it records, the failure when it
        cannot (disk full, read-only): what happens now is not being kept."""
        error = getattr(self.engine, "store_error", None)
        if error:  # the reason first (a narrow border cuts the end), not the long path
            path = str(getattr(getattr(self.engine, "store", None), "path", ""))
            error = error.removeprefix(f"{path}: ") if path else error
        self.set_subtitle(plain(f"✖ event log: {error}"[:160], "bold red") if error
                          else plain(""))

    def wants(self, changes: Changes) -> bool:
        if "store" in changes.sources:  # the event log failed or recovered: the border
            self.refresh_border()
        return changes.all or "event" in changes.kinds or not self._shown

    def matches(self, event: Event) -> bool:
        if not self.filter_text:
            return True
        hay = f"{event.kind} {event.severity} {event.author} {event.message}".lower()
        return self.filter_text.lower() in hay

    def view_of(self, engine: Engine) -> LogView:
        return LogView(tuple(self.cockpit.recent_events))

    def wanted(self, view: LogView) -> list[Event]:
        """The newest `max_rows` matching events, newest first."""
        out: list[Event] = []
        for event in reversed(view.events):
            if self.matches(event):
                out.append(event)
                if len(out) >= self.max_rows:
                    break
        out.sort(key=lambda e: e.at, reverse=True)
        return out

    def draw(self, view: LogView) -> None:
        wanted = self.wanted(view)
        table = self.table
        ids = [e.id for e in wanted]
        if self._last_filter == self.filter_text and self._shown:
            new = [e for e in wanted if e.id not in self._shown]
            gone = [i for i in self._shown if i not in set(ids)]
            if not new and not gone:
                return
            if len(gone) < 50:
                # Few changes: add the new rows, drop the oldest, sort by time (cheap).
                for event_id in gone:
                    table.remove_row(event_id)
                    del self._shown[event_id]
                for event in new:
                    table.add_row(*event_cells(event), key=event.id)
                    self._shown[event.id] = event
                at_top = table.cursor_row <= len(new)
                table.sort("time", key=lambda cell: cell.at, reverse=True)
                table.resync_keys()
                if at_top:
                    table.move_cursor(row=0, animate=False)
                return
        self._last_filter = self.filter_text
        self._shown = {e.id: e for e in wanted}
        table.show([(e.id, event_cells(e)) for e in wanted])

    def selected_event(self) -> Event | None:
        key = self.table.current_key()
        return self._shown.get(key) if key else None

    def action_details(self) -> None:
        from cockpit.ui.screens.event import EventScreen

        event = self.selected_event()
        if event is not None:
            self.app.push_screen(EventScreen(event))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_details()
