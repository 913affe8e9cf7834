"""The rollback key: the plan with the verdict and failing gates, a deliberate confirm,
the command's output as it comes, the outcome, and "rollback verified" or why not.

Keys: `R` opens it (plans at once), `y` arms it, `enter` executes: three keystrokes,
and no single stray key can start a rollback. A second rollback (of a rollback, or
while the last is unverified or younger than `quiet_time`) says so in words, and `y`
then asks for its own confirmation, `a` (roll back again), before `enter`.
Non-captains see the plan marked read-only; their `y` is refused and logged. `esc`
closes the dialog only: the rollback runs in its own process (cockpit/rollback/runner.py)
and `R` shows it again.

`RollbackDesk` (`cockpit/ui/rollback_desk.py`, one per app: `app.rollback_desk`)
holds the rollback's state so that it outlives the dialog; the dialog only draws it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import RichLog, Static

from cockpit.model import VerdictKind
from cockpit.ui.rollback_desk import RollbackDesk, clock_text, short_outcome
from cockpit.ui.screens._dialog import Dialog
from cockpit.ui.text import plain

if TYPE_CHECKING:
    from cockpit.ui.app import CockpitApp

OUTPUT_LINES = 2000


def desk(app: CockpitApp) -> RollbackDesk | None:
    """The app's desk (made on first use); None when the launch has no rollback target."""
    return app.rollback_desk


def open_rollback(app: CockpitApp) -> None:
    d = desk(app)
    if d is None:
        app.notify("This launch config has no rollback target (rollback: helm or ecs).")
        return
    d.open()
    app.push_screen(RollbackScreen(d))


class RollbackScreen(Dialog[None]):
    """The dialog over a `RollbackDesk`."""

    BINDINGS = [
        Binding("y", "arm", "Arm the rollback (then enter)"),
        Binding("a", "again", "Confirm a second rollback (after y)"),
        Binding("enter", "execute", "Execute the armed rollback"),
        Binding("escape", "close", "Close (a running rollback goes on)"),
    ]

    DEFAULT_CSS = """
    RollbackScreen #rb-plan { height: auto; max-height: 8; }
    RollbackScreen #rb-state { text-style: bold; height: auto; }
    RollbackScreen #rb-output { height: 1fr; min-height: 3; border: round $panel; }
    RollbackScreen .nogo { color: $error; }
    RollbackScreen .armed { background: $error; color: $background; }
    """

    def __init__(self, desk: RollbackDesk) -> None:
        super().__init__()
        self.desk = desk
        self._shown = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="rb-dialog"):
            yield Static("", id="rb-title", classes="dialog-title")
            yield Static("", id="rb-verdict")
            yield Static("", id="rb-hint", classes="dialog-hint")
            yield Static("", id="rb-state")
            with VerticalScroll(id="rb-plan"):
                yield Static("", id="rb-plan-text")
            yield RichLog(max_lines=OUTPUT_LINES, wrap=True, markup=False, id="rb-output")

    def on_mount(self) -> None:
        # Inline styles: the app's `.dialog` rules outrank this screen's DEFAULT_CSS.
        dialog = self.query_one("#rb-dialog")
        dialog.styles.width = "96%"
        dialog.styles.max_width = 120
        dialog.styles.height = "90%"
        dialog.styles.max_height = "100%"
        self.query_one("#rb-hint").styles.padding = (0, 0, 0, 0)
        self.query_one("#rb-title").styles.padding = (0, 0, 0, 0)
        self.desk.listeners.append(self._on_change)
        self._draw()

    def on_unmount(self) -> None:
        if self._on_change in self.desk.listeners:
            self.desk.listeners.remove(self._on_change)

    def _on_change(self, line: str | None) -> None:
        if line is not None and self._shown == len(self.desk.lines) - 1:
            self.query_one("#rb-output", RichLog).write(plain(line))
            self._shown += 1
        else:
            self._draw()

    # -- drawing ----------------------------------------------------------------------

    def _draw(self) -> None:
        d = self.desk
        title = self.query_one("#rb-title", Static)
        who = d.rollbacks.user
        if d.captain:
            title.update(plain(f"Rollback · {who} (captain)"))
        else:
            title.update(plain(f"Rollback · READ-ONLY: {who} is not a captain"))
        verdict = self.query_one("#rb-verdict", Static)
        failing = "; ".join(d.failing_detail) or "none"
        go = (" · the verdict is GO: nothing is failing, a rollback is not called for"
              if d.verdict_text == VerdictKind.GO.value else "")
        verdict.update(plain(f"verdict {d.verdict_text or '-'} · failing gates: {failing}{go}"))
        verdict.set_class(d.verdict_text == VerdictKind.NO_GO.value, "nogo")
        plan_lines: list[str] = []
        if d.plan is not None and d.stage in ("starting", "running", "ended"):
            # Under way: the output needs the room; the plan shrinks to what and how.
            full = d.plan.lines()
            plan_lines = [full[0], *[line for line in full if "command:" in line]]
        elif d.plan is not None:
            plan_lines = d.plan.lines()
            if d.second is not None:
                plan_lines = [*d.second.lines()[:1], *plan_lines]
        elif d.plan_error:
            plan_lines = [f"no plan: {d.plan_error}"]
        elif d.stage == "planning":
            plan_lines = ["planning: reading the release history…"]
        self.query_one("#rb-plan-text", Static).update(plain("\n".join(plan_lines)))
        self.query_one("#rb-state", Static).update(plain(self._state_text()))
        self.query_one("#rb-state", Static).set_class(d.stage in ("armed", "again"), "armed")
        self.query_one("#rb-hint", Static).update(plain(self._hint()))
        log = self.query_one("#rb-output", RichLog)
        if self._shown > len(d.lines) or self._shown == 0:
            log.clear()
            self._shown = 0
        for line in list(d.lines)[self._shown :]:
            log.write(plain(line))
        self._shown = len(d.lines)
        log.scroll_end(animate=False)

    def _state_text(self) -> str:
        d = self.desk
        parts = []
        if d.message:
            parts.append(d.message)
        if d.stage == "again":
            parts.append("SECOND ROLLBACK: press a to roll back AGAIN anyway, esc to stand down")
        elif d.stage == "armed":
            what = "roll back AGAIN" if d.again else "roll back"
            parts.append(f"ARMED: press enter to {what} now, esc to stand down")
        elif d.stage in ("starting", "running"):
            since = d.run.state().started_at if d.run is not None and d.run.state() else None
            parts.append(f"rollback RUNNING since {clock_text(since)}")
        elif d.stage == "ended" and d.outcome is not None:
            parts.append(short_outcome(d.outcome))
        if d.verification is not None:
            parts.append(d.verification.message())
        return "\n".join(parts)

    def _hint(self) -> str:
        d = self.desk
        if d.stage == "planned":
            if d.captain and d.second is not None:
                return "a SECOND rollback · y: arm (then a to confirm it) · esc: close"
            if d.captain:
                return "y: arm · esc: close"
            return "read-only: only the launch's captains may roll back · esc: close"
        if d.stage == "again":
            return "a: yes, roll back AGAIN · esc: stand down"
        if d.stage == "armed":
            return "enter: ROLL BACK NOW · esc: stand down"
        if d.stage in ("starting", "running"):
            return "esc: close (the rollback keeps running in its own process)"
        return "esc: close"

    # -- keys ----------------------------------------------------------------------------

    def action_arm(self) -> None:
        if not self.desk.captain and self.desk.stage == "planned":
            # Logged as a denied attempt; the plan stays on screen, read-only.
            self.desk.stage = "armed"
            self.desk.execute()
            return
        self.desk.arm()

    def action_again(self) -> None:
        self.desk.confirm_again()

    def action_execute(self) -> None:
        self.desk.execute()

    def action_close(self) -> None:
        self.desk.disarm()
        self.dismiss(None)
