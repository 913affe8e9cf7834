"""The rollback key: the plan with the verdict and failing gates, a deliberate confirm,
the command's output as it comes, the outcome, and "rollback verified" or why not.

Keys: `R` opens it (plans at once), `y` arms it, `enter` executes: three keystrokes,
and no single stray key can start a rollback. A second rollback (of a rollback, or
while the last is unverified or younger than `quiet_time`) says so in words, and `y`
then asks for its own confirmation, `a` (roll back again), before `enter`.
Non-captains see the plan marked read-only; their `y` is refused and logged. `esc`
closes the dialog only: the rollback runs in its own process (cockpit/rollback/runner.py)
and `R` shows it again.

`RollbackDesk` (one per app) holds the rollback's state so that it outlives the
dialog; the dialog only draws it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import RichLog, Static

from cockpit.model import VerdictKind
from cockpit.ui.screens._dialog import Dialog
from cockpit.ui.text import plain, visible

OUTPUT_LINES = 2000


def _clock(at: float | None) -> str:
    return "-" if at is None else time.strftime("%H:%M:%S", time.localtime(at))


class RollbackDesk:
    """The app's rollback: plan, run, outcome and verification, independent of any dialog."""

    def __init__(self, app: Any, engine: Any) -> None:
        from cockpit.rollback.service import Rollbacks  # noqa: PLC0415

        self.app = app
        self.engine = engine
        self.rollbacks = Rollbacks(engine.config, engine)
        self.verify_within = float(getattr(engine.config.rollback, "verify_within", 600.0))
        self.verify_interval = 1.0
        self.plan: Any = None
        self.second: Any = None  # SecondRollback: this plan would roll back again
        self.again = False  # the operator confirmed the second rollback
        self.plan_error: str | None = None
        self.failing: list[str] = []
        self.failing_detail: list[str] = []
        self.verdict_text = ""
        self.stage = "idle"  # idle planning planned armed starting running ended
        self.message = ""  # the latest thing the operator must read (refusals, lock holder)
        self.run: Any = None
        self.outcome: Any = None  # JournalState once finished
        self.verification: Any = None
        self.lines: deque[str] = deque(maxlen=OUTPUT_LINES)
        self.listeners: list[Callable[[str | None], None]] = []

    # -- state for the dialog -------------------------------------------------

    @property
    def captain(self) -> bool:
        return self.rollbacks.may_execute()

    @property
    def busy(self) -> bool:
        return self.stage in ("starting", "running") or (
            self.stage == "ended" and self.verification is not None and not self.verification.final
        )

    def _changed(self, line: str | None = None) -> None:
        for listener in list(self.listeners):
            listener(line)

    # -- plan -----------------------------------------------------------------------

    def open(self) -> None:
        """Called when the dialog opens: plan afresh unless a rollback is under way."""
        if self.stage in ("starting", "running") or (self.stage == "ended" and self.busy):
            return
        holder = self.rollbacks.holder()
        if holder is not None and self.run is None:
            self._follow_other(holder)
            return
        verdict = getattr(self.engine, "verdict", None)
        self.verdict_text = verdict.kind.value if verdict is not None else "unknown"
        self.failing = [i.item_id for i in getattr(verdict, "failing", ())]
        self.failing_detail = [
            f"{i.item_id}: {i.detail}" if i.detail else i.item_id
            for i in getattr(verdict, "failing", ())
        ]
        self.stage, self.plan, self.plan_error, self.message = "planning", None, None, ""
        self.second, self.again = None, False
        self.outcome = self.verification = None
        self._changed()
        self.app.run_worker(self._plan(), group="rollback-plan", exclusive=True,
                            exit_on_error=False)  # fmt: skip

    async def _plan(self) -> None:
        from cockpit.rollback.plan import RollbackError  # noqa: PLC0415
        from cockpit.rollback.validate import InvalidIdentifier  # noqa: PLC0415

        try:
            self.plan = await self.rollbacks.plan(verdict=self.verdict_text, failing=self.failing)
            self.second = self.rollbacks.second(self.plan)
            self.stage = "planned"
        except (RollbackError, InvalidIdentifier) as exc:
            self.plan_error, self.stage = str(exc), "idle"
        except Exception as exc:  # noqa: BLE001 - shown in the dialog, never ends the app
            self.plan_error, self.stage = f"{type(exc).__name__}: {exc}", "idle"
        self._changed()

    def _follow_other(self, holder: Any) -> None:
        """Another cockpit (or the one before a restart) holds the lock: show that rollback."""
        self.message = holder.describe()
        for run in self.rollbacks.recover():
            if run.rollback_id == holder.rollback_id:
                self._follow(run)
                return
        self.stage = "idle"
        self._changed()

    # -- confirm and execute ----------------------------------------------------------

    def arm(self) -> None:
        if self.stage == "planned":
            self.stage = "again" if self.second is not None else "armed"
            self._changed()

    def confirm_again(self) -> None:
        """The second rollback's own confirmation (`a`), after `y`."""
        if self.stage == "again":
            self.again, self.stage = True, "armed"
            self._changed()

    def disarm(self) -> None:
        if self.stage in ("armed", "again"):
            self.stage, self.again = "planned", False
            self._changed()

    def execute(self) -> None:
        from cockpit.rollback.lock import LockHeld  # noqa: PLC0415
        from cockpit.rollback.plan import RollbackError  # noqa: PLC0415
        from cockpit.rollback.service import NotCaptain  # noqa: PLC0415

        if self.stage != "armed" or self.plan is None:
            return
        self.stage = "starting"
        self._changed()
        try:
            run = self.rollbacks.start(self.plan, again=self.again)
        except NotCaptain as exc:
            self.stage, self.message = "planned", str(exc)
        except LockHeld as exc:
            self.stage, self.message = "planned", f"not started: {exc.info.describe()}"
        except RollbackError as exc:
            self.stage, self.message = "planned", str(exc)
        else:
            self._follow(run)
            return
        self._changed()

    def _follow(self, run: Any) -> None:
        self.run = run
        state = run.state()
        if state is not None:
            self.plan = state.plan
        self.stage = "running"
        self.lines.clear()
        self.app.begin_action("rollback")
        self._changed()
        self.app.run_worker(self._stream(run), group="rollback-run", exit_on_error=False)

    async def _stream(self, run: Any) -> None:
        from cockpit.rollback.verify import Expectation, watch  # noqa: PLC0415

        try:
            async for line in run.lines():
                self.lines.append(line)
                self._changed(line)
            self.outcome = await run.wait()
            self.stage = "ended"
            self._changed()
            expect = Expectation.from_plan(
                self.outcome.plan,
                ended_at=self.outcome.ended_at or time.time(),
                within=self.verify_within,
                failing=self.failing,
                command_ok=self.outcome.succeeded,
            )

            def update(v: Any) -> None:
                self.verification = v
                self._changed()

            await watch(
                expect,
                lambda: self.engine.readings,
                lambda: getattr(self.engine, "verdict", None),
                sink=self.engine,
                on_update=update,
                interval=self.verify_interval,
            )
        finally:
            self.app.end_action("rollback")
            self._changed()


def _short_outcome(state: Any) -> str:
    took = f" in {state.duration:.1f}s" if state.duration is not None else ""
    if state.state == "lost":
        return f"rollback outcome UNKNOWN: {state.error}"
    if state.succeeded:
        return f"rollback succeeded{took} (exit 0)"
    err = f": {state.error}" if state.error else ""
    return f"rollback FAILED{took} (exit {state.exit_code}){err}"


def desk(app: Any) -> RollbackDesk | None:
    """The app's desk, made on first use; None when the launch has no rollback target."""
    existing = getattr(app, "_rollback_desk", None)
    if existing is not None:
        return existing
    engine = getattr(app, "engine", None)
    config = getattr(engine, "config", None)
    if config is None or getattr(config, "rollback", None) is None:
        return None
    made = RollbackDesk(app, engine)
    app._rollback_desk = made
    return made


def recover(app: Any) -> None:
    """At start-up: log finished rollbacks' outcomes (once) and follow one still running."""
    d = desk(app)
    if d is None:
        return
    try:
        running = d.rollbacks.recover()
        latest = d.rollbacks.latest()
    except Exception as exc:  # noqa: BLE001 - the screen starts anyway
        app.notify(visible(f"rollback journal unreadable: {exc}"), severity="error", markup=False)
        return
    if running:
        d._follow(running[-1])
        app.notify(visible(f"a rollback is running: {running[-1].state().outcome()}"),
                   severity="warning", markup=False, timeout=15)  # fmt: skip
    elif latest is not None and time.time() - (latest.ended_at or 0) < 3600:
        app.notify(visible(f"last rollback: {latest.outcome()}"), markup=False, timeout=10)


def open_rollback(app: Any) -> None:
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
            parts.append(f"rollback RUNNING since {_clock(since)}")
        elif d.stage == "ended" and d.outcome is not None:
            parts.append(_short_outcome(d.outcome))
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
