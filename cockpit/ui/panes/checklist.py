"""The go/no-go checklist: sections and items, live auto items, ticks by people.

Space ticks or unticks a manual item (with an optional comment); auto items show
their live value, its age and pass / fail / unknown. `/` filters by any text shown.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from cockpit.model import Status
from cockpit.ui.panes import register_pane
from cockpit.ui.panes.base import Changes, format_age_steps, steps_change_in
from cockpit.ui.panes.table import CockpitTable, Row, TablePane
from cockpit.ui.text import plain, visible
from cockpit.views import ChecklistView

if TYPE_CHECKING:
    from cockpit.checklist import Item
    from cockpit.engine import Engine

MARK = {
    Status.PASS: ("✔", "green"),
    Status.FAIL: ("✖", "bold red"),
    Status.UNKNOWN: ("?", "bold yellow"),
    Status.UNTICKED: ("○", "dim"),
}
WORD = {Status.PASS: "pass", Status.FAIL: "FAIL", Status.UNKNOWN: "unknown",
        Status.UNTICKED: "to do"}


ITEM_MAX = 56  # long item texts are cut (enter shows them whole) so state and age stay in view
ITEM_MIN = 24  # a section title or an item's first words
STATE_MAX = 44
STATE_MIN = 14  # "⚙ unknown: st…", "ticked — pre…": the state's word is never cut


def cut(text: str, limit: int) -> str:
    if limit <= 0:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hhmm(at: float | None) -> str:
    return time.strftime("%H:%M", time.localtime(at)) if at else ""


@register_pane("checklist")
class ChecklistPane(TablePane):
    """Sections and items with their state; space ticks a manual item."""

    TITLE = "Checklist"
    VIEW = ChecklistView
    LISTENS = frozenset({"verdict", "event"})
    BINDINGS = [
        Binding("space", "tick", "tick", id="checklist.tick",
                tooltip="Tick / untick the manual item (asks for a comment)"),
        Binding("enter", "details", "details", id="checklist.details",
                tooltip="Show the checklist item in full"),
    ]

    COLUMNS = [("", "mark"), ("Item", "item"), ("State", "state"), ("Age", "age"),
               ("Owner", "owner"), ("Ticked by", "by")]

    def compose_body(self) -> ComposeResult:
        yield CockpitTable(self.COLUMNS, id=f"{self.id}-table" if self.id else None)

    def wants(self, changes: Changes) -> bool:
        return changes.beyond_progress()  # ages move with the clock

    def on_resize(self) -> None:
        self._state_width = 0
        self.redraw()

    def view_of(self, engine: Engine) -> ChecklistView:
        return engine.checklist_view()

    def draw_key(self, view: ChecklistView) -> object:
        """What the rows show: each item with its state and its age as the words shown."""
        return tuple(
            (title, tuple((r.item_id, r.text, r.depth, r.required, r.auto, r.owner, r.state,
                           format_age_steps(r.age) if r.auto is not None else "")
                          for r in rows))
            for title, rows in view.sections)

    def quiet_until(self, view: ChecklistView) -> float:
        """When the first age word moves (<1m -> 1m, a minute more)."""
        ages = [r.age for _, rows in view.sections for r in rows
                if r.auto is not None and r.age is not None]
        return view.at + min((steps_change_in(a) for a in ages), default=math.inf)

    # -- rows -----------------------------------------------------------------

    def rows(self, view: ChecklistView) -> list[Row]:
        needle = self.filter_text.lower()
        found: list[tuple[str, list[tuple]]] = []  # (section, [(row, cells as text)])
        for title, section_rows in view.sections:
            items = []
            for item in section_rows:
                st = item.state
                status = st.status if st else Status.UNKNOWN
                auto = item.auto is not None
                word = WORD.get(status, str(status))
                if auto:
                    state = f"{word}: {st.detail}" if st and st.detail else word
                else:
                    state = "ticked" if status == Status.PASS else word
                    if st and st.comment:
                        state = f"{state} — {st.comment}"
                by = (f"{st.ticked_by} {hhmm(st.ticked_at)}" if st and st.ticked_by else "")
                text = "  " * item.depth + item.text + ("" if item.required else " (optional)")
                age = format_age_steps(item.age) if auto else ""
                hay = " ".join((item.item_id, item.text, state, item.owner or "", by, title,
                                WORD.get(status, ""))).lower()
                if needle and needle not in hay:
                    continue
                items.append((item, status, text, ("⚙ " if auto else "") + state, age,
                              item.owner or "", by))
            if items:
                found.append((title, items))
        widths = self._widths([i for _, items in found for i in items])
        self.table.fit({k: widths[k] for k in ("item", "state", "age", "owner", "by")})
        rows: list[Row] = []
        fit = (widths["item"], widths["state"], widths["owner"], widths["by"])
        cache: dict[str, tuple[tuple, tuple[Text, ...]]] = getattr(self, "_row_cache", {})
        kept: dict[str, tuple[tuple, tuple[Text, ...]]] = {}
        for title, items in found:
            key = f"section:{title}"
            shown = cache.get(key)
            if shown is None:
                shown = ((), (plain("§", "bold"), plain(title, "bold underline"),
                              Text(), Text(), Text(), Text()))
            kept[key] = shown
            rows.append((key, shown[1]))
            for item, status, text, state, age, owner, by in items:
                key = f"item:{item.item_id}"
                look = (status, text, state, age, owner, by, item.required, fit)
                shown = cache.get(key)
                if shown is None or shown[0] != look:  # the same look: the same cells
                    mark, style = MARK.get(status, ("?", "yellow"))
                    shown = (look, (
                        plain(mark, style),
                        plain(cut(text, widths["item"]), "" if item.required else "dim"),
                        plain(cut(state, widths["state"]),
                              style if status != Status.PASS else ""),
                        plain(age, "dim"),
                        plain(cut(owner, widths["owner"]), "dim"),
                        plain(cut(by, widths["by"]), "dim"),
                    ))
                kept[key] = shown
                rows.append((key, shown[1]))
        self._row_cache = kept  # rows filtered out or gone are dropped
        return rows

    def _widths(self, items: list[tuple]) -> dict[str, int]:
        """Cell widths that fit the pane: the state, age, owner and who ticked take what
        they need (the state at most STATE_MAX and half of what is left) before the item
        text does; when even the shortest item text does not fit, who ticked, the owner,
        then the state's detail (never below STATE_MIN) give way. Enter shows it all."""
        width = self.content_size.width or 80
        # The state's width only grows (until a resize), so a detail a digit longer or
        # shorter does not resize (repaint) the whole table.
        self._state_width = max(getattr(self, "_state_width", 0),
                                min(STATE_MAX, max((len(i[3]) for i in items), default=5)))
        fixed = 1 + 2 * len(self.COLUMNS)  # the mark, and each column's padding
        age = max((len(i[4]) for i in items), default=0)
        half = max(STATE_MIN, (width - fixed - age) // 2)  # the item text keeps half
        need = {
            "state": min(self._state_width, half),
            "age": age,
            "owner": max((len(i[5]) for i in items), default=0),
            "by": max((len(i[6]) for i in items), default=0),
        }
        item = width - fixed - sum(need.values())
        floor = {"by": 0, "owner": 0, "state": min(need["state"], STATE_MIN)}
        for give in ("by", "owner", "state"):  # the state's words stay whole
            if item >= ITEM_MIN:
                break
            take = max(0, min(need[give] - floor[give], ITEM_MIN - item))
            need[give] -= take
            item += take
        need["item"] = max(ITEM_MIN, min(ITEM_MAX, item))
        return need

    def draw(self, view: ChecklistView) -> None:
        self.table.show(self.rows(view))

    # -- actions --------------------------------------------------------------

    def selected_item(self) -> Item | None:
        key = self.table.current_key()
        if not key or not key.startswith("item:"):
            return None
        item_id = key.removeprefix("item:")
        try:
            return self.engine.checklist.item(item_id)
        except KeyError:
            return None

    def action_tick(self) -> None:
        from cockpit.ui.screens.tick import TickScreen

        item = self.selected_item()
        if item is None:
            return
        if item.auto is not None:
            self.app.notify(visible(f"{item.id} is judged by its live signal: {item.auto}"),
                            markup=False, title="auto item")
            return
        allowed = getattr(self.cockpit, "allowed", None)
        if allowed is not None and not allowed("tick"):
            return
        state = self.engine.item_states().get(item.id)
        untick = state is not None and state.status == Status.PASS

        def done(comment: str | None) -> None:
            if comment is None:
                return
            self.cockpit.call_engine("untick" if untick else "tick", item.id, comment or None)

        self.app.push_screen(TickScreen(item.text, untick=untick), done)

    def action_details(self) -> None:
        from cockpit.ui.screens.event import TextScreen

        item = self.selected_item()
        if item is None:
            return
        st = self.engine.item_states().get(item.id)
        lines = [f"id:       {item.id}", f"section:  {item.section}", f"text:     {item.text}",
                 f"auto:     {item.auto or '- (ticked by a person)'}",
                 f"owner:    {item.owner or '-'}", f"required: {item.required}"]
        if st is not None:
            lines += [f"state:    {WORD.get(st.status, st.status)}", f"detail:   {st.detail}"]
            if st.ticked_by:
                lines.append(f"ticked:   by {st.ticked_by} at "
                             f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(st.ticked_at))}")
            if st.comment:
                lines.append(f"comment:  {st.comment}")
        if item.note:
            lines.append(f"\n{item.note}")
        self.app.push_screen(TextScreen(f"Item {item.id}", "\n".join(lines)))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_details()
