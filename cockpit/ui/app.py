"""The cockpit screen: a Textual app over the engine.

The app does no I/O of its own: it renders engine state and hands the operator's
actions (tick, note, sample now) to the engine. Engine changes arrive through
`engine.subscribe`; they are collected into a `Changes` and applied to the panes of
the current layout, never while PAUSED: what the operator must see at once (a verdict,
a source down or back, an event) a tenth of a second after the first of a burst (a
timer per burst, no polling); new readings and a
probe's progress with the once-a-second pass that moves the ages, so a dozen sources
sampling at their own moments cost one repaint a second, not one each. Layouts are
mounted once each, on first use, and switched by a ContentSwitcher, so switching does
not leak widgets.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Grid
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Static

from cockpit.layout import Layout
from cockpit.model import Event, VerdictKind
from cockpit.startup import resume_gc
from cockpit.ui.keys import APP_BINDINGS, active_keys
from cockpit.ui.panes import pane_class
from cockpit.ui.panes.base import Changes, Pane
from cockpit.ui.partial_render import narrow_partial_updates
from cockpit.ui.presize import FirstPaintScreen, draw_at_sizes
from cockpit.ui.rollback_desk import RollbackDesk, recover
from cockpit.ui.status_bar import KeyHints, StatusBar, clock  # noqa: F401 - re-exported
from cockpit.ui.strips import lean_strips
from cockpit.ui.text import plain, visible

if TYPE_CHECKING:
    from textual.driver import Driver

    from cockpit.engine import Change, Engine

lean_strips()  # Textual's Strip caches made on first use: ~4.7 MB at 200x60 (ui/strips.py)
narrow_partial_updates()  # a screen update renders the changed rows only (ui/partial_render.py)

EVENT_BUFFER = 1000  # events kept for the log panes (bounded: hours cost what minutes do)
URGENT_AFTER = 0.1  # s: an urgent change is shown this soon (a burst: one repaint)
CLOCK_PHASE = 0.5  # s after each whole second of the monotonic clock: the 1 s pass
# Not held for the clock. A probe's progress is (the bar moves once a second): at four
# updates a second, a streaming probe was half of the screen's repaints (each ~3 ms).
URGENT = frozenset({"verdict", "status", "event"})
COMPACT_BELOW = (120, 35)  # columns, rows: a smaller terminal gets the compact layout


def _widget_id(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text) or "x"


class CockpitApp(App[int]):
    """The release captain's screen over one `Engine` (cockpit/engine/)."""

    CSS_PATH = str(Path(__file__).with_name("cockpit.tcss"))  # absolute: subclasses elsewhere
    TITLE = "cockpit"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = APP_BINDINGS  # one registry: cockpit/ui/keys.py

    def __init__(
        self,
        engine: Engine,
        layouts: Sequence[Layout],
        *,
        layout: str | None = None,
        bell_on_nogo: bool = True,
        start_engine: bool = True,
        event_buffer: int = EVENT_BUFFER,
        keymap: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        if keymap:
            self.set_keymap(dict(keymap))  # the user's keys by binding id (ui/keys.py)
        if not layouts:
            raise ValueError("at least one layout")
        self.engine = engine
        self.layouts: dict[str, Layout] = {lay.name: lay for lay in layouts}
        # No layout asked for: pick by terminal size (compact below COMPACT_BELOW) and
        # follow resizes across that line, until the operator picks one.
        self.auto_layout = layout not in self.layouts
        self.layout_name = layout if layout in self.layouts else next(iter(self.layouts))
        self.bell_on_nogo = bell_on_nogo
        self.start_engine = start_engine
        self.recent_events: deque[Event] = deque(maxlen=event_buffer)
        self.paused_at: float | None = None
        self.running_actions: set[str] = set()
        self.bells = 0  # how many times the NO-GO bell rang (tests, and the log)
        self._pending = Changes(all=True)
        self._mounted_layouts: set[str] = set()
        self._panes_of: dict[str, list[Pane]] = {}  # layout name -> its panes, once mounted
        self._bars: list[StatusBar] = []
        self._last_verdict: VerdictKind | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._loop_thread = threading.get_ident()
        self._rollback_desk: RollbackDesk | None = None
        self._urgent_due: asyncio.TimerHandle | None = None
        self._mounted = self._drawn_once = False

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, but on a terminal one whose input thread does not poll
        (ui/driver.py: ten wake-ups a second, for hours)."""
        default = super().get_driver_class()
        if default.__module__ != "textual.drivers.linux_driver":
            return default  # headless, web, Windows, or TEXTUAL_DRIVER: as Textual chose
        from cockpit.ui.driver import driver_class  # noqa: PLC0415 - needs termios

        return driver_class(default)

    @property
    def rollback_desk(self) -> RollbackDesk | None:
        """The launch's rollback (made on first use); None without a rollback target."""
        if self._rollback_desk is None and self.engine.config.rollback is not None:
            self._rollback_desk = RollbackDesk(self, self.engine)
        return self._rollback_desk

    # -- composition ----------------------------------------------------------

    def layout_for_size(self, width: int, height: int) -> str:
        """compact below COMPACT_BELOW (either way), else launch (if both are on offer)."""
        small = width < COMPACT_BELOW[0] or height < COMPACT_BELOW[1]
        want = "compact" if small else "launch"
        if want in self.layouts:
            return want
        return self.layout_name

    def compose(self) -> ComposeResult:
        if self.auto_layout:
            self.layout_name = self.layout_for_size(self.size.width, self.size.height)
        yield Static("", id="paused-banner")
        with ContentSwitcher(initial=self._layout_id(self.layout_name), id="layouts"):
            yield self._build_layout(self.layouts[self.layout_name])
        yield StatusBar()

    def _layout_id(self, name: str) -> str:
        return "layout-" + _widget_id(name)

    def _build_layout(self, layout: Layout) -> Grid:
        self._mounted_layouts.add(layout.name)
        children: list[Widget] = []
        for i, spec in enumerate(layout.placement()):
            if spec is None:
                children.append(Static("", classes="filler"))
                continue
            pane = pane_class(spec.type)(spec, id=f"{_widget_id(layout.name)}--{spec.type}-{i}")
            css = f"column-span: {spec.col_span}; row-span: {spec.row_span};"
            if spec.height:
                css += f"height: {spec.height};"
            if spec.width:
                css += f"width: {spec.width};"
            pane.set_styles(css)
            children.append(pane)
        grid = Grid(*children, id=self._layout_id(layout.name), classes="layout")
        grid.set_styles(
            f"grid-size: {len(layout.columns)} {len(layout.rows)};"
            f"grid-columns: {' '.join(layout.columns)};"
            f"grid-rows: {' '.join(layout.rows)};"
        )
        return grid

    # -- lifecycle --------------------------------------------------------------

    async def on_mount(self) -> None:
        self._loop_thread = threading.get_ident()
        self.recent_events.extend(self.engine.events(limit=self.recent_events.maxlen))
        self._last_verdict = self.engine.verdict.kind
        self._unsubscribe = self.engine.subscribe(self._on_engine_change)
        if self.start_engine:
            # After the first frame: sources' clients (TLS contexts, ...) cost CPU at start.
            self.call_after_refresh(self.run_worker, self._start_engine(), group="engine",
                                    exit_on_error=False)
        self.call_after_refresh(resume_gc)  # paused by `cockpit run` until now (startup.py)
        # The sources sample on a grid of whole seconds (engine/running.py, until_next):
        # the clock's pass half a second after it shows what they brought in one repaint.
        self.set_timer((CLOCK_PHASE - time.monotonic()) % 1.0, self._start_clock)
        # A rollback started before a restart: follow it, log its outcome once; after the
        # first frame (the rollback service, its journal, the dialog's RichLog: ~20 ms).
        self.call_after_refresh(recover, self)
        self._focus_first()
        self._mounted = True
        if self.screen.stack_updates:  # already painted (not Textual's usual order)
            self.draw_before_first_paint()

    def get_default_screen(self) -> Screen:
        return FirstPaintScreen(id="_default")

    def draw_before_first_paint(self) -> bool:
        """Draw every pane, once, just before the screen's first paint (FirstPaintScreen):
        laid out first (ui/presize.py), each is drawn at its size and the first frame is
        whole. False when it did not draw (done already, or not mounted yet)."""
        if self._drawn_once or not self._mounted:
            return False
        self._drawn_once = True
        for bar in self._status_bars():  # its clock is as wide as its text: shown first,
            bar.show(self.layout_name, self.paused_at, keys=False)  # so the hints fit
        draw_at_sizes(self.screen, self._apply_changes)
        return True

    async def _start_engine(self) -> None:
        try:
            await self.engine.start()
        except Exception as exc:  # noqa: BLE001 - shown, the screen keeps running
            self.notify(visible(f"engine failed to start: {exc}"), severity="error",
                        markup=False, timeout=30)

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._urgent_due is not None:
            self._urgent_due.cancel()

    # -- engine changes -----------------------------------------------------------

    def _on_engine_change(self, change: Change) -> None:
        if threading.get_ident() != self._loop_thread:
            self.call_from_thread(self._on_engine_change, change)
            return
        kind, payload = change.kind, change.payload
        if kind == "reading":
            self._pending.sources.add(payload.source)
        elif kind == "event":
            self.recent_events.append(payload)
        elif kind == "verdict":
            self._verdict_changed(payload.kind)
        elif kind in ("status", "progress"):
            self._pending.sources.add(payload)  # down or back; a view moving between samples
        self._pending.kinds.add(kind)
        if kind in URGENT and self._urgent_due is None:
            # One wake-up per burst, none while nothing happens: a poll four times a second
            # was a tenth of the screen's cost while watching (issue 14). A loop timer, not
            # Textual's: this may run in an engine task outside the app's context; the pass
            # itself runs as the app's message (call_later), in it.
            self._urgent_due = asyncio.get_running_loop().call_later(
                URGENT_AFTER, self._urgent_now)

    def _verdict_changed(self, kind: VerdictKind | None) -> None:
        if kind is None:
            return
        if kind == VerdictKind.NO_GO and self._last_verdict not in (None, VerdictKind.NO_GO):
            if self.bell_on_nogo:
                self.bell()
                self.bells += 1
        self._last_verdict = kind

    def _start_clock(self) -> None:
        self._tick_clock()
        self.set_interval(1.0, self._tick_clock)

    def _tick_clock(self) -> None:
        """Once a second: ages move, and the readings that came in since are shown."""
        self._pending.clock = True
        self._apply_changes()

    def _urgent_now(self) -> None:
        self._urgent_due = None
        if self.is_running:
            self.call_later(self._apply_urgent)

    def _apply_urgent(self) -> None:
        """URGENT_AFTER an urgent change: apply what is pending, unless a pass already did."""
        if self._pending.all or self._pending.kinds & URGENT:
            self._apply_changes()

    def _apply_changes(self) -> None:
        if self.paused_at is not None or not self._pending or not self.is_running:
            return
        try:
            panes = self.current_panes()
        except NoMatches:
            return  # shutting down: the layout is gone
        changes, self._pending = self._pending, Changes()
        if self._urgent_due is not None and changes.kinds & URGENT:
            # This pass shows the urgent change: its wake-up would find nothing to do.
            self._urgent_due.cancel()
            self._urgent_due = None
        quiet_until = getattr(self.engine, "quiet_until", None)
        if changes.clock and not changes.all and quiet_until is not None:
            changes.quiet_until = quiet_until()
        with self.batch_update():
            for pane in panes:
                try:
                    pane.update_from(self.engine, changes)
                except Exception as exc:  # noqa: BLE001 - one pane's bug must not end the app
                    self.log.error(f"pane {pane.id} refresh failed: {exc!r}")
            for bar in self._status_bars():
                bar.show(self.layout_name, self.paused_at, keys=changes.all)

    def refresh_now(self) -> None:
        """Apply everything pending now (after an operator action), unless paused."""
        self._pending.all = True
        self._apply_changes()

    # -- panes ------------------------------------------------------------------------

    def current_layout_widget(self) -> Grid:
        return self.query_one(f"#{self._layout_id(self.layout_name)}", Grid)

    def current_panes(self) -> list[Pane]:
        """The panes of the current layout. A layout's panes are mounted once and never
        change, so they are found once (a DOM walk each quarter second was measurable)."""
        panes = self._panes_of.get(self.layout_name)
        if panes is None:
            panes = list(self.current_layout_widget().query(Pane))
            if panes:
                self._panes_of[self.layout_name] = panes
        return list(panes)

    def _status_bars(self) -> list[StatusBar]:
        if not self._bars:
            self._bars = list(self.query(StatusBar))
        return self._bars

    def on_descendant_focus(self) -> None:
        for bar in self.query(StatusBar):
            bar.show_keys()  # the focused pane's keys join the hints

    def focused_pane(self) -> Pane | None:
        node = self.focused
        while node is not None:
            if isinstance(node, Pane):
                return node
            node = node.parent  # type: ignore[assignment]
        return None

    def _focus_first(self) -> None:
        for pane in self.current_panes():
            for widget in pane.query("*"):
                if widget.focusable:
                    widget.focus()
                    return

    def on_resize(self, event: events.Resize) -> None:
        if self.auto_layout:
            self.switch_layout(self.layout_for_size(event.size.width, event.size.height),
                               chosen=False)

    def switch_layout(self, name: str, chosen: bool = True) -> None:
        """Show layout `name`; `chosen` (by the operator) ends picking by size."""
        if chosen:
            self.auto_layout = False
        if name not in self.layouts or name == self.layout_name:
            return
        switcher = self.query_one("#layouts", ContentSwitcher)
        mounting = None
        if name not in self._mounted_layouts:
            mounting = switcher.mount(self._build_layout(self.layouts[name]))
        switcher.current = self._layout_id(name)
        self.layout_name = name
        if mounting is None:
            self.call_after_refresh(self._after_switch)
            return

        async def when_mounted() -> None:
            # A layout shown for the first time has no panes to draw until its grid is
            # mounted: laid out and drawn then, at their sizes, before its first paint
            # (ui/presize.py), not at the clock's next pass.
            await mounting
            draw_at_sizes(self.screen, self._after_switch)

        self.call_later(when_mounted)

    def _after_switch(self) -> None:
        self._focus_first()
        self.refresh_now()

    # -- operator actions ---------------------------------------------------------------

    def begin_action(self, name: str) -> None:
        """A long operator action (rollback) started: `q` will ask before quitting."""
        self.running_actions.add(name)

    def end_action(self, name: str) -> None:
        self.running_actions.discard(name)

    def allowed(self, action: str) -> bool:
        """Whether this operator's role may do `action`; if not, say so and log it."""
        if self.engine.may(action):
            return True
        self.engine.deny(action)
        self.notify(visible(f"{self.engine.role}: you may not {action} in this launch "
                            "(the refusal is in the log)"), severity="warning", markup=False)
        return False

    def call_engine(self, method: str, *args: Any, **kwargs: Any) -> None:
        """Call an engine action; await it in a worker if it is a coroutine."""
        from cockpit.engine import Denied

        try:
            result = getattr(self.engine, method)(*args, **kwargs)
        except Denied as exc:  # logged by the engine; the screen says so
            self.notify(visible(str(exc)), severity="warning", markup=False)
            self.refresh_now()
            return
        except Exception as exc:  # noqa: BLE001 - e.g. the store's disk is full: say it, go on
            self.notify(visible(f"{method} NOT done: {exc}"), severity="error", markup=False,
                        timeout=30)
            self.refresh_now()
            return
        if inspect.isawaitable(result):
            async def wait() -> None:
                try:
                    await result
                except Exception as exc:  # noqa: BLE001
                    self.notify(visible(f"{method} failed: {exc}"), severity="error", markup=False)
                self.refresh_now()

            self.run_worker(wait(), group=f"engine-{method}", exit_on_error=False)
        else:
            self.refresh_now()

    def action_cycle_layout(self) -> None:
        names = list(self.layouts)
        self.switch_layout(names[(names.index(self.layout_name) + 1) % len(names)])

    def action_pause(self) -> None:
        banner = self.query_one("#paused-banner", Static)
        if self.paused_at is None:
            self.paused_at = time.time()
            banner.update(plain(f"⏸ PAUSED at {clock(self.paused_at)} — the screen is frozen; "
                                "sources keep sampling and the log keeps writing · p resumes"))
            self.screen.add_class("paused")
            self.query_one(StatusBar).show(self.layout_name, self.paused_at)
        else:
            self.paused_at = None
            self.screen.remove_class("paused")
            self.refresh_now()

    def action_help(self) -> None:
        from cockpit.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(active_keys(self.screen)))

    def action_note(self) -> None:
        from cockpit.ui.screens.note import NoteScreen

        if not self.allowed("note"):
            return

        def done(result: tuple[str, str] | None) -> None:
            if result:
                self.call_engine("note", result[0], result[1])

        self.push_screen(NoteScreen(), done)

    def action_handoff(self) -> None:
        """The shift handoff (the same as `cockpit log handoff`), with the live item states."""
        from cockpit import handoff
        from cockpit.ui.screens.event import TextScreen

        engine = self.engine
        at = time.time()
        states = engine.item_states() if hasattr(engine, "item_states") else None
        watchers = engine.watchers() if hasattr(engine, "watchers") else []
        h = handoff.build(str(engine.config.launch), engine.events(), at - 8 * 3600, at,
                          getattr(engine, "checklist", None), states, watchers)
        self.push_screen(TextScreen("Shift handoff (last 8h)", handoff.to_markdown(h)))

    def filter_target(self) -> Pane | None:
        pane = self.focused_pane()
        if pane is not None and pane.can_filter:
            return pane
        return next((p for p in self.current_panes() if p.can_filter), None)

    def action_filter(self) -> None:
        from cockpit.ui.screens.filter import FilterScreen

        target = self.filter_target()
        if target is None:
            self.notify("Nothing here can be filtered.")
            return

        def done(text: str | None) -> None:
            if text is not None:
                target.apply_filter(text)

        self.push_screen(FilterScreen(target.title, target.filter_text), done)

    def action_rollback(self) -> None:
        from cockpit.ui.screens.rollback import open_rollback

        if self.engine.role == "read-only" and not self.allowed("rollback"):
            return
        open_rollback(self)

    def action_sample_now(self) -> None:
        pane = self.focused_pane()
        sources = pane.sample_sources() if pane is not None and pane.configured else []
        if not sources:
            self.notify("The focused pane has no source to sample.")
            return
        if not self.allowed("sample"):
            return
        self.notify(visible(f"sampling {', '.join(sources)} now"), markup=False, timeout=2)
        for source in sources:
            self.call_engine("sample_now", source)

    async def action_quit(self) -> None:
        if not self.running_actions:
            self.exit(0)
            return
        from cockpit.ui.screens.quit import QuitScreen

        def done(really: bool | None) -> None:
            if really:
                self.exit(0)

        self.push_screen(QuitScreen(sorted(self.running_actions)), done)

    # -- command palette -----------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Every active key, generated from the bindings (ui/keys.py), then what has no key.
        for key in active_keys(screen):
            if key.action == "command_palette":
                continue
            yield SystemCommand(key.help, f"key: {' / '.join(key.keys)}",
                                lambda k=key: self.run_action(k.action, k.node))
        yield SystemCommand("Shift handoff", "What the next shift must know (the last 8h), as "
                            "`cockpit log handoff` prints it", self.action_handoff)
        for name, lay in self.layouts.items():
            yield SystemCommand(f"Layout: {name}", lay.description or f"Show {name}",
                                lambda n=name: self.switch_layout(n))
        sources = sorted({s for p in self.current_panes() if p.configured
                          for s in p.sample_sources()})
        for source in sources:
            yield SystemCommand(f"Sample now: {source}", "Take a sample of this source now",
                                lambda s=source: self.call_engine("sample_now", s))
        for pane in self.current_panes():
            for title, help_text, callback in pane.commands():
                yield SystemCommand(title, help_text, callback)
        for command in super().get_system_commands(screen):
            if command.title in {"Theme", "Maximize", "Minimize"}:
                yield command
