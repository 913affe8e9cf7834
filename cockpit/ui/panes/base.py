"""`Pane`: the base of every pane on the cockpit screen. Its API is stable; build on it.

A pane is one widget class (a bordered container) registered by layout type name::

    from cockpit.ui.panes import register_pane
    from cockpit.ui.panes.base import Changes, Pane

    @register_pane("slo")                      # + one line in PANE_MODULES (layout.py)
    class SloPane(Pane):
        TITLE = "SLO"
        SOURCE = "prometheus"                  # engine source whose state the border shows
        CONFIG_SECTION = "prometheus"          # config section that enables this pane
        CONFIG_HINT = "add `prometheus: {url: ..., queries: {...}}` to the launch config"
        LISTENS = frozenset()                  # extra change kinds: "verdict", "event"
        VIEW = SloView                         # the one view type it draws

        def compose_body(self) -> ComposeResult:   # the pane's widgets (configured case only)
            yield Static(id="slo-body")

        def draw(self, view: SloView) -> None:     # redraw from the view only; no I/O, cheap
            self.query_one("#slo-body", Static).update(plain(...))

The one path from a source to the screen: the app calls `refresh_from(engine)`, which
takes `view_of(engine)` (default: `engine.view(source_name)`, the source's typed,
immutable view, see `cockpit/views.py`) and hands it to `show(view)`: the border from
the view's status, the body from `draw(view)`. A pane reads nothing but its view, so a
test builds a view by hand and calls `show(view)` (no engine). `redraw()` draws the
last view again (a resize).

What the base does for you:

- Border title = `TITLE` (or the layout's `title:`), `set_title(text)` to change it;
  border subtitle (`set_subtitle(text)`) = the state in the view's `status`:
  "● live", "◌ stale for 42s", "✖ error: <reason>", "… starting"
  (always through `cockpit.ui.text.plain`, never markup).
- `is_configured(engine)`: by default, the source (if any) is one of the engine's
  sources. If not configured, the body is a notice naming `CONFIG_SECTION` and
  `CONFIG_HINT`, and nothing is drawn.
- `wants(changes)`: by default the app calls `refresh_from` when a reading of
  `source_name` changed, a kind in `LISTENS` happened, or once a second (`clock`,
  so ages move). Repaints are coalesced by the app (verdict, status and event changes
  0.1 s after the first of a burst, readings and progress with the once-a-second pass)
  and stop while the screen is PAUSED. Override `wants` for finer control;
  `changes.beyond_progress()` is "anything but another source's progress" for a pane
  that shows every source.
- `self.cockpit`: the app (for actions: `call_engine`, `begin_action`). `self.spec.options`: the
  extra keys given to this pane in the layout YAML (e.g. `source: api-health`).
- Keys: `BINDINGS` with an `id`, a one-word description (the status bar) and a
  `tooltip` (help and palette), see `cockpit/ui/keys.py`; while the pane (or a widget
  in it, listed in `KEY_WIDGETS`) has focus they show in the status bar, `?` and the
  palette, generated. `commands()`: extra palette entries that are not keys.
- `sample_sources()`: what `r` (sample now) samples; default `[source_name]`.
- `filter_text` / `apply_filter(text)`: `/` sets the filter of the focused pane;
  override `apply_filter` if your pane can filter.
- Long-running operator actions (a rollback) call `self.cockpit.begin_action(name)`
  and `end_action(name)`, so `q` asks before quitting while one runs.

Outside text (names, messages, labels) goes through `plain()` only. Every repaint
costs bytes over SSH: change widgets only when their content changed
(`update_if_changed(static, text)`, `set_title`, `set_subtitle`). Keep buffers
bounded. Do not mount/remove widgets on every refresh (Textual leaks watchers):
build once in `compose_body`, then update.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from cockpit.ui.text import plain
from cockpit.views import SourceStatus, View

if TYPE_CHECKING:
    from cockpit.engine import Engine
    from cockpit.layout import PaneSpec
    from cockpit.ui.app import CockpitApp

Command = tuple[str, str, Callable[[], Any]]


@dataclass
class Changes:
    """What changed since the last repaint: reading sources, change kinds, the clock."""

    sources: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    clock: bool = False
    all: bool = False  # layout shown, resume from pause: redraw everything
    quiet_until: float = -math.inf  # the engine's quiet_until() (engine clock), on a clock pass

    def __bool__(self) -> bool:
        return bool(self.sources or self.kinds or self.clock or self.all)

    def beyond_progress(self) -> bool:
        """Anything but a source's progress between samples (the ASR probe streaming,
        several times a second), which only that source's pane draws: what a pane that
        shows every source (the checklist, the verdict) redraws on."""
        return self.all or self.clock or bool(self.kinds - {"progress"})


def format_age(seconds: float | None) -> str:
    """Compact age: 4s, 2m05s, 1h02m."""
    if seconds is None:
        return "-"
    s = int(max(0.0, seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def format_age_coarse(seconds: float | None) -> str:
    """An age that changes rarely (each change repaints a table: bytes over SSH, and a
    repaint at one end of the screen with another at the other end renders everything
    between): <10s (a source sampled every 5 s never leaves it), then 10 s steps to a
    minute, then minutes."""
    if seconds is None:
        return "-"
    s = int(max(0.0, seconds))
    if s < 10:
        return "<10s"
    if s < 60:
        return f"{s // 10 * 10}s"
    if s < 3600:
        return f"{s // 60}m"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"



def format_age_steps(seconds: float | None) -> str:
    """The age column of a table (checklist, HTTP checks), in the fewest steps: <1m,
    then minutes. A table row repaints each time its age text changes: with "<10s" first,
    every source sampled each 15 s or more (a dozen, on different intervals) went
    <10s -> <1m -> <10s, and some row of each table repainted every few seconds. A fresh
    reading is under a minute old; a stale one is not told by this age but by its state
    ("stale for 42s"), within a second."""
    if seconds is None:
        return "-"
    s = int(max(0.0, seconds))
    if s < 60:
        return "<1m"
    if s < 3600:
        return f"{s // 60}m"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def steps_change_in(age: float) -> float:
    """Seconds until `format_age_steps(age)` says something else: <1m, then minutes."""
    return 60.0 - age if age < 60 else 60.0 - age % 60


def coarse_change_in(age: float) -> float:
    """Seconds until `format_age_coarse(age)` says something else: <10s, 10 s, minutes."""
    if age < 10:
        return 10.0 - age
    return 10.0 - age % 10 if age < 60 else 60.0 - age % 60


def status_text(status: SourceStatus | None) -> Text:
    """The border subtitle for a source's status: live / stale for N s / error / starting."""
    if status is None:
        return plain("? unknown source", "dim")
    if status.state == "live":
        return plain("● live", "green")  # no age: it would repaint the pane every second
    if status.state == "stale":
        return plain(f"◌ stale for {format_age(status.age)}", "bold yellow")
    if status.state == "error":
        return plain(f"✖ error: {status.error or 'failed'}"[:120], "bold red")
    return plain("… starting", "dim")


def text_key(text: Text | str | None) -> tuple:
    """What a Text looks like (for skipping repaints of unchanged content)."""
    if text is None or isinstance(text, str):
        return (text,)
    return (text.plain, str(text.style), tuple(text.spans))


def update_if_changed(widget: Static, text: Text) -> None:
    """`widget.update(text)` only when it differs: every update repaints (bytes over SSH).

    When the new text has the same shape (line lengths) as the old, the update skips
    Textual's layout pass, which would repaint the whole screen (a ticking clock would
    otherwise resend every pane once a second).
    """
    key = text_key(text)
    old = getattr(widget, "_cockpit_shown", None)
    if old != key:
        shape = layout_shape(widget, text)
        same_shape = shape == getattr(widget, "_cockpit_shape", None)
        widget._cockpit_shown = key  # type: ignore[attr-defined]
        widget._cockpit_shape = shape  # type: ignore[attr-defined]
        widget.update(text, layout=not same_shape)


def layout_shape(widget: Static, text: Text) -> tuple:
    """What of `text` decides the widget's size: nothing when neither its width nor its
    height is `auto` (a body that fills its pane: an update never needs Textual's layout
    pass, which repaints the whole screen); the rows it wraps to when only the height is
    auto; every line's length when the width is auto."""
    styles = widget.styles
    width_auto = styles.width is None or styles.width.is_auto
    height_auto = styles.height is None or styles.height.is_auto
    lines = text.plain.split("\n")
    if width_auto:
        return tuple(len(line) for line in lines)
    if not height_auto:
        return ()
    room = widget.content_size.width
    if room <= 0:
        return (len(lines), -1)
    return (sum(max(1, -(-cell_len(line) // room)) for line in lines), room)


class Pane(Vertical, can_focus=False):
    """Base of every pane. See the module docstring for the contract."""

    PANE_TYPE: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    SOURCE: ClassVar[str | None] = None
    CONFIG_SECTION: ClassVar[str | None] = None
    CONFIG_HINT: ClassVar[str] = ""
    LISTENS: ClassVar[frozenset[str]] = frozenset()
    VIEW: ClassVar[type | None] = None  # the view type `draw` takes (documentation, tests)
    KEY_WIDGETS: ClassVar[tuple[type, ...]] = ()  # widgets inside with keys (keymap checks)

    DEFAULT_CSS = """
    Pane {
        border: round $primary-darken-1;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-align: right;
        height: 1fr;
        width: 1fr;
        padding: 0 1;
    }
    Pane:focus-within { border: round $accent; }
    Pane .pane-not-configured { color: $text-muted; padding: 1 1; }
    """

    def __init__(
        self,
        spec: PaneSpec | None = None,
        *,
        id: str | None = None,  # noqa: A002 - Textual's name
        classes: str | None = None,
        configured: bool | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.spec = spec
        options = dict(spec.options) if spec is not None else {}
        self.options: dict[str, Any] = options
        self.source_name: str | None = options.get("source", self.SOURCE)
        self.filter_text = ""
        self._configured: bool | None = configured  # given: a pane test, no engine
        self._last_view: object | None = None  # the last view drawn
        self._drawn_key: object | None = None  # draw_key of the last drawing (None: none)
        self._quiet_until = -math.inf  # no clock pass needed before (engine clock)

    # -- access ---------------------------------------------------------------

    @property
    def cockpit(self) -> CockpitApp:
        return self.app  # type: ignore[return-value]

    @property
    def engine(self) -> Engine:
        return self.cockpit.engine

    @property
    def title(self) -> str:
        return str(self.options.get("title") or self.TITLE or self.PANE_TYPE)

    # -- configuration --------------------------------------------------------

    def is_configured(self, engine: Engine) -> bool:
        """Whether this pane has something to show. Default: its source is running."""
        if self.source_name is None:
            return True
        return self.source_name in engine.source_names()

    @property
    def configured(self) -> bool:
        if self._configured is None:
            self._configured = self.is_configured(self.engine)
        return self._configured

    def not_configured_text(self) -> Text:
        section = self.CONFIG_SECTION or self.source_name or self.PANE_TYPE
        msg = f"{self.title}: not configured.\nAdd a `{section}:` section to the launch config"
        msg += f" ({self.CONFIG_HINT})." if self.CONFIG_HINT else "."
        return plain(msg)

    # -- composition ----------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self.configured:
            yield from self.compose_body()
        else:
            yield Static(self.not_configured_text(), classes="pane-not-configured")

    def compose_body(self) -> ComposeResult:
        """The pane's widgets. Override."""
        yield from ()

    def on_mount(self) -> None:
        self.set_title(plain(self.title))
        if not self.configured and self.source_name is not None:
            self.set_subtitle(plain("not configured", "dim"))

    def set_title(self, text: Text) -> None:
        """Set the border title, repainting only if it changed."""
        key = text_key(text)
        if key != getattr(self, "_title_key", None):
            self._title_key = key
            self.border_title = text

    def set_subtitle(self, text: Text) -> None:
        """Set the border subtitle (source state), repainting only if it changed."""
        key = text_key(text)
        if key != getattr(self, "_subtitle_key", None):
            self._subtitle_key = key
            self.border_subtitle = text

    # -- refresh --------------------------------------------------------------

    def wants(self, changes: Changes) -> bool:
        if changes.all or changes.clock:
            return True
        if self.source_name is not None and self.source_name in changes.sources:
            return True
        return bool(self.LISTENS & changes.kinds)

    def view_of(self, engine: Engine) -> object | None:
        """The view this pane draws, taken from the engine. Default: its source's view."""
        return engine.view(self.source_name) if self.source_name is not None else None

    def refresh_from(self, engine: Engine) -> None:
        """Take this pane's view from the engine and show it. Called by the app."""
        self.show(self.view_of(engine))

    def show(self, view: object | None) -> None:
        """Draw `view`: the border from its status, the body with `draw`, unless the body
        would look as it does (`draw_key`)."""
        self._last_view = view
        if view is None:
            return
        self.show_status(view)
        key = self.draw_key(view)
        quiet = -math.inf
        if key is not None:
            status = view.status if isinstance(view, View) else None
            ticking = status is not None and status.state == "stale"  # "stale for 42s"
            quiet = view.at + 1.0 if ticking else self.quiet_until(view)
            key = (key, self.content_size, self.filter_text)
            if key == self._drawn_key:
                self._quiet_until = quiet
                return
        # A draw that fails (the app logs it) is tried again at the next pass, clock's too.
        self._drawn_key, self._quiet_until = None, -math.inf
        self.draw(view)
        self._drawn_key, self._quiet_until = key, quiet

    def draw_key(self, view: Any) -> object | None:
        """Everything `draw(view)` shows, as one comparable value: ages as the words the
        pane shows, the clock as the slot a sparkline is in. When it equals the last drawn
        one (at the same size and filter) the draw is skipped: most passes are the clock's,
        once a second, and moved nothing the pane shows (building its rows again was most
        of a watching cockpit's pane time). None, the default: always draw. A pane whose
        drawing reads anything else (its own state) must put it in the key."""
        return None

    def quiet_until(self, view: Any) -> float:
        """Until when (engine clock) `draw_key(view)` stays the same while nothing but the
        clock moves: the next time an age's words, the window clock's minute or a
        sparkline's slot change. Until then (and the engine's `quiet_until`: no reading
        goes stale before it) the clock's pass skips this pane without taking its view.
        Only asked of a pane with a `draw_key`; -inf, the default: never skip."""
        return -math.inf

    def redraw(self) -> None:
        """Draw the last view again (the pane was resized)."""
        self._drawn_key = None
        if self._last_view is not None and self.is_mounted:
            key = self.draw_key(self._last_view)
            if key is not None:
                self._drawn_key = (key, self.content_size, self.filter_text)
            self.draw(self._last_view)

    def show_status(self, view: object) -> None:
        """The border subtitle from the view's source status (views of a source)."""
        if isinstance(view, View):
            self.set_subtitle(status_text(view.status))

    def draw(self, view: Any) -> None:
        """Draw the body from `view` (of type `VIEW`) and nothing else. Override."""

    def update_from(self, engine: Engine, changes: Changes) -> None:
        """Called by the app: refresh if configured and wanted. Not for overriding."""
        if not self.configured:
            return
        if not (self.wants(changes) or (changes.clock and self.source_name is not None)):
            return
        if self._quiet(engine, changes):
            return
        self.refresh_from(engine)

    def _quiet(self, engine: Engine, changes: Changes) -> bool:
        """A pass of the clock alone, before anything this pane shows could move (its
        `quiet_until`, the engine's): most passes of a steady watch, for most panes."""
        if not changes.clock or changes.all:
            return False
        if engine.clock() >= min(self._quiet_until, changes.quiet_until):
            return False
        return not self.wants(dataclasses.replace(changes, clock=False))

    # -- operator features ----------------------------------------------------

    def sample_sources(self) -> list[str]:
        """Engine sources that `r` (sample now) samples from this pane."""
        return [self.source_name] if self.source_name else []

    def commands(self) -> Iterable[Command]:
        """Command palette entries of this pane: (title, help, callback)."""
        return ()

    @property
    def can_filter(self) -> bool:
        return False

    def apply_filter(self, text: str) -> None:
        """Set the pane's filter (empty clears), show it in the title, redraw. A pane
        that filters says so with `can_filter` True."""
        self.filter_text = text
        self.set_title(plain(f"{self.title}  /{text}" if text else self.title))
        self.redraw()
