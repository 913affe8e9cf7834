"""The app's rollback, independent of any dialog: plan, run (its own process), output,
outcome and verification. One per app (`app.rollback_desk`); the rollback dialog
(`ui/screens/rollback.py`) only draws it, so closing the dialog loses nothing."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cockpit.ui.text import visible

if TYPE_CHECKING:
    from cockpit.engine import Engine
    from cockpit.ui.app import CockpitApp

OUTPUT_LINES = 2000


def recover(app: CockpitApp) -> None:
    """At start-up: log finished rollbacks' outcomes (once) and follow one still running.
    Here, not in the dialog's module: the screen does it without loading the dialog."""
    d = app.rollback_desk  # made on first use; None without a rollback target
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


def clock_text(at: float | None) -> str:
    return "-" if at is None else time.strftime("%H:%M:%S", time.localtime(at))


class RollbackDesk:
    """The app's rollback: plan, run, outcome and verification, independent of any dialog."""

    def __init__(self, app: CockpitApp, engine: Engine) -> None:
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
        verdict = self.engine.verdict
        self.verdict_text = verdict.kind.value
        self.failing = [i.item_id for i in verdict.failing]
        self.failing_detail = [
            f"{i.item_id}: {i.detail}" if i.detail else i.item_id for i in verdict.failing
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
                lambda: self.engine.verdict,
                sink=self.engine,
                on_update=update,
                interval=self.verify_interval,
            )
        finally:
            self.app.end_action("rollback")
            self._changed()


def short_outcome(state: Any) -> str:
    took = f" in {state.duration:.1f}s" if state.duration is not None else ""
    if state.state == "lost":
        return f"rollback outcome UNKNOWN: {state.error}"
    if state.succeeded:
        return f"rollback succeeded{took} (exit 0)"
    err = f": {state.error}" if state.error else ""
    return f"rollback FAILED{took} (exit {state.exit_code}){err}"


