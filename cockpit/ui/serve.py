"""Run the screen in a real terminal until quit or hangup, then stop the engine and the
store: `cockpit run` and `cockpit demo` share it. A dropped SSH session (SIGHUP, or a
terminal gone without one) ends the app promptly; a stalled shutdown is cut short."""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
import threading
from typing import TYPE_CHECKING

from cockpit import exits

if TYPE_CHECKING:
    from cockpit.engine import Engine
    from cockpit.ui.app import CockpitApp

EXIT_HANGUP = exits.HANGUP
HARD_EXIT_AFTER = 5.0  # s: after a hangup, exit even if a clean shutdown stalls
TTY_CHECK_EVERY = 2.0  # s: notice a terminal that went away without a SIGHUP


def _hard_exit_later(code: int) -> None:
    timer = threading.Timer(HARD_EXIT_AFTER, os._exit, args=(code,))
    timer.daemon = True
    timer.start()


def _terminal_gone(fd: int = 0) -> bool:
    """Whether the terminal on `fd` hung up (polled for HUP/ERR only: no input is read)."""
    poller = select.poll()
    poller.register(fd, 0)
    try:
        events = poller.poll(0)
    except OSError:
        return True
    return any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, mask in events)


async def serve(app: CockpitApp, engine: Engine, mouse: bool = False) -> int:
    """Run `app` over `engine` until quit or hangup; always stop the engine and the store."""
    loop = asyncio.get_running_loop()
    hung_up = False

    def hangup(signum: int = signal.SIGHUP) -> None:
        nonlocal hung_up
        if hung_up:
            return
        hung_up = True
        _hard_exit_later(128 + signum)
        app.exit(return_code=128 + signum)

    for sig in (signal.SIGHUP, signal.SIGTERM):
        loop.add_signal_handler(sig, hangup, sig)

    async def watch_tty() -> None:
        while True:
            await asyncio.sleep(TTY_CHECK_EVERY)
            if _terminal_gone():
                hangup(signal.SIGHUP)
                return

    watcher = asyncio.create_task(watch_tty())
    try:
        await app.run_async(mouse=mouse)
    finally:
        watcher.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(engine.stop(), 3.0)
        close = getattr(getattr(engine, "store", None), "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    code = app.return_code
    return int(code if code is not None else (EXIT_HANGUP if hung_up else 0))
