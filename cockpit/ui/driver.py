"""The terminal driver: Textual's Linux driver, with an input thread that sleeps until
there is something to read.

Textual's input thread polls: `select()` on the terminal with a 0.1 s timeout, ten
wake-ups a second for the whole session, only to notice that the app is exiting or
that a lone Esc has waited long enough to be a key. Watching for hours, that was
~0.15% of a core (issue 14), a tenth of what the whole cockpit costs at rest.

`QuietLinuxDriver` waits on the terminal and on a wake-up pipe instead. Setting the
driver's exit event writes to the pipe, so quitting (and suspending for a shell) is as
quick as before; the parser's own deadline (an Esc or a half-read sequence) is the
only timeout, so Esc is delivered as before. Keys and the bytes read are Textual's
own code path: `XTermParser.feed` / `tick` and `process_message`.

`driver_class()` gives this driver only where Textual would use its Linux driver and
this Textual has what it needs (else Textual's own): a headless test, `TEXTUAL_DRIVER`
and other platforms are untouched.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from codecs import getincrementaldecoder
from typing import Any

from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver

POLL_S = 0.1  # Textual's own poll, kept for a parser without a readable deadline
SAFETY_S = 30.0  # the longest sleep: a missed wake-up costs at most this, never a hang
_NO_DEADLINE = object()


class WakingEvent(threading.Event):
    """A `threading.Event` whose `set()` also wakes a `select()` on the pipe's read end."""

    def __init__(self, wake_fd: int) -> None:
        super().__init__()
        self._wake_fd = wake_fd

    def set(self) -> None:
        super().set()
        with contextlib.suppress(OSError):  # pipe full (already woken) or closed
            os.write(self._wake_fd, b"\0")


class QuietLinuxDriver(LinuxDriver):
    """`LinuxDriver` whose input thread wakes for input, its exit, or an Esc's deadline."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self.exit_event = WakingEvent(self._wake_write)

    def close(self) -> None:
        super().close()
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)

    def run_input_thread(self) -> None:
        """Textual's input loop, sleeping until input, a wake-up or the parser's deadline."""
        selector = selectors.SelectSelector()  # as Textual: a tty, where epoll may not do
        fileno, wake = self.fileno, self._wake_read
        selector.register(fileno, selectors.EVENT_READ)
        selector.register(wake, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def process(ready: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for key, mask in ready:
                if key.fd == wake:
                    _drain(wake)
                    continue
                if mask & selectors.EVENT_READ:
                    data = decode(os.read(fileno, 1024 * 4), final=final)
                    if not data:
                        break  # stdin piped and at its end
                    for event in parser.feed(data):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(_wait_s(parser)))
            selector.unregister(fileno)
            selector.unregister(wake)
            # what is left in the terminal, as Textual reads it at the end
            tail = selectors.SelectSelector()
            try:
                tail.register(fileno, selectors.EVENT_READ)
                process(tail.select(POLL_S), final=True)
            finally:
                tail.close()
        finally:
            selector.close()
            with contextlib.suppress(Exception):
                for _ in parser.feed(""):
                    pass


def _wait_s(parser: XTermParser) -> float:
    """How long the input thread may sleep: until the parser's deadline, if it has one."""
    deadline = getattr(parser, "_timeout_time", _NO_DEADLINE)
    if deadline is _NO_DEADLINE:
        return POLL_S  # a Textual that keeps its deadline elsewhere: poll as it does
    if deadline is None:
        return SAFETY_S
    return max(0.0, min(SAFETY_S, deadline - get_time()))


def _drain(fd: int) -> None:
    with contextlib.suppress(OSError):
        while os.read(fd, 512):
            pass


def driver_class(default: type[Driver]) -> type[Driver]:
    """`QuietLinuxDriver` where Textual chose its own Linux driver, else `default`."""
    if default is LinuxDriver and callable(getattr(LinuxDriver, "process_message", None)):
        return QuietLinuxDriver
    return default
