"""Run a command under a real pseudo-terminal and read its screen (pyte), for the
SIGHUP tests and bench_ui. The child is a session leader with the pty as its
controlling terminal, as under sshd, so closing the master is a real hang-up."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Sequence

import pyte

DRAIN_BYTES, DRAIN_S = 1 << 20, 0.1  # at most this much read before it is emulated


TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float | None:
    """CPU seconds the process has run so far, user and system, all its threads together,
    ended ones too (/proc/PID/stat: to a clock tick, 10 ms). None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields[0] in ("Z", "X"):
        return None  # exited, not yet reaped
    return (int(fields[11]) + int(fields[12])) * TICK_S  # utime, stime


def _child_setup() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyApp:
    def __init__(self, argv: Sequence[str], cols: int = 120, rows: int = 40,
                 env: dict[str, str] | None = None, cwd: str | None = None,
                 track_cpu: bool = False) -> None:
        self.cols, self.rows = cols, rows
        # With track_cpu, the child's CPU seconds (`cpu_s`) when each read's bytes had all
        # arrived, by the arrival time of its last chunk: `cpu_at` (bench_peers' first frame).
        self.track_cpu = track_cpu
        self.cpu_marks: dict[float, float] = {}
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = dict(os.environ)
        full_env.update({"TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)})
        full_env.pop("TEXTUAL_DRIVER", None)
        full_env.update(env or {})
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(  # noqa: S603 - argument list, no shell
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=full_env, cwd=cwd,
            preexec_fn=_child_setup, close_fds=True)  # noqa: PLW1509
        os.close(slave)
        self.master: int | None = master
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.lock = threading.Lock()
        self.chunks: list[tuple[float, int]] = []  # (perf_counter, bytes) of each read
        self.first_output: float | None = None
        self._changed = threading.Condition(self.lock)
        self._closing = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        # Only this thread reads and closes the master: a close() from another thread
        # while a read() is blocked would not release the terminal (no real hang-up).
        fd = self.master
        assert fd is not None
        while True:
            if self._closing:
                os.close(fd)
                return
            ready, _, _ = select.select([fd], [], [], 0.02)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                if self._closing:
                    continue
                time.sleep(0.02)
                continue
            arrivals = [(time.perf_counter(), len(data))]
            # Read what else comes before emulating it: a 200x60 frame takes pyte ~50 ms,
            # and meanwhile a writer blocked on the full pty would seem to send its last
            # bytes that much later (the emulator's speed counted as the program's: +48 ms
            # measured for one 46 KB frame). Bounded, so endless output is still shown.
            while (len(data) < DRAIN_BYTES and arrivals[-1][0] - arrivals[0][0] < DRAIN_S
                   and select.select([fd], [], [], 0.002)[0]):
                try:
                    more = os.read(fd, 65536)
                except OSError:
                    break
                if not more:
                    break
                arrivals.append((time.perf_counter(), len(more)))
                data += more
            cpu = cpu_s(self.proc.pid) if self.track_cpu else None
            with self.lock:
                if cpu is not None:
                    self.cpu_marks[arrivals[-1][0]] = cpu
                if self.first_output is None:
                    self.first_output = arrivals[0][0]
                self.chunks.extend(arrivals)
                self.stream.feed(data)
                self._changed.notify_all()

    def text(self) -> str:
        with self.lock:
            return "\n".join(self.screen.display)

    def cpu_at(self, arrival: float) -> float | None:
        """With track_cpu: the child's CPU seconds once the read whose last bytes arrived
        at `arrival` (what `wait_for` returns) was in, before it was emulated."""
        with self.lock:
            return self.cpu_marks.get(arrival)

    def last_arrival(self) -> float:
        """perf_counter when the bytes last fed to the emulator arrived (before emulation)."""
        with self.lock:
            return self.chunks[-1][0] if self.chunks else self.started

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 10.0) -> float:
        """Wait until predicate(screen text) holds; returns when the bytes that made it
        true arrived (perf_counter), so the emulator's own speed is not counted."""
        deadline = time.perf_counter() + timeout
        with self.lock:
            while True:
                text = "\n".join(self.screen.display)
                if predicate(text):
                    return self.chunks[-1][0] if self.chunks else time.perf_counter()
                left = deadline - time.perf_counter()
                if left <= 0 or self.proc.poll() is not None:
                    raise TimeoutError(f"screen never matched; last screen:\n{text}")
                self._changed.wait(min(left, 0.05))

    def write(self, data: str | bytes) -> None:
        assert self.master is not None
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def hangup(self) -> None:
        """What a dropped SSH session does: SIGHUP, and the terminal goes away."""
        self.proc.send_signal(signal.SIGHUP)
        self.close_master()

    def close_master(self) -> None:
        """Close our end of the terminal (done by the reader thread, see `_read`)."""
        self._closing = True
        self.reader.join(5)
        self.master = None

    def wait(self, timeout: float = 10.0) -> int:
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.close_master()
