"""Measure a terminal program as a person runs it: in a real pseudo-terminal, after a
warm-up, for a fixed window. Shared by bench_peers (the cockpit beside glances, btop and
dolphie) and the pods-at-scale figures.

What is measured, for the whole process tree (the program and every descendant):
- CPU: user + system seconds over the window (children that exit inside it are counted
  through their parent's cutime/cstime), as % of one core;
- bytes/s written to the terminal (what an SSH link carries);
- RSS: the program's own resident memory (its main process), sampled each second, peak
  reported; and the tree's (a child it runs now and then, e.g. helm, counts there).

The terminal is read by pyte (tests/support/pty_app.py), so the last screen can be
shown: a peer that drew an error instead of its dashboard is noticed, not measured.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.pty_app import PtyApp  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> tuple[int, float] | None:
    """(ppid, utime+stime+cutime+cstime in seconds) of a process, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), sum(int(f) for f in fields[11:15]) / TICK


def tree(root: int) -> list[int]:
    """The pids of `root` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = _stat(int(entry))
        if st is not None:
            children.setdefault(st[0], []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def tree_cpu(root: int) -> float:
    """CPU seconds used so far by the tree (live processes plus reaped children)."""
    total = 0.0
    for pid in tree(root):
        st = _stat(pid)
        if st is not None:
            total += st[1]
    return total


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (10^6 bytes, as `ps`/top count MB)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 1e6
    except (OSError, IndexError):
        return 0.0


def tree_rss_mb(root: int) -> float:
    """Resident memory of the tree in MB."""
    return sum(rss_mb(pid) for pid in tree(root))


def loadavg() -> tuple[float, float, float]:
    return os.getloadavg()


@dataclass
class Measured:
    """One program at one terminal size."""

    name: str
    cols: int
    rows: int
    cpu_pct: float = float("nan")
    bytes_s: float = float("nan")
    rss_mb: float = float("nan")  # the main process, peak
    tree_rss_mb: float = float("nan")  # the process tree, peak
    seconds: float = 0.0
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    skipped: str | None = None  # why it was not measured
    screen: list[str] = field(default_factory=list)  # last screen, a few lines

    def as_json(self) -> dict:
        return asdict(self)


def measure(
    name: str,
    argv: Sequence[str],
    cols: int,
    rows: int,
    *,
    warmup: float = 8.0,
    seconds: float = 30.0,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    ready: Callable[[str], bool] | None = None,
    ready_timeout: float = 60.0,
) -> Measured:
    """Run `argv` at cols x rows; wait for `ready(screen)` if given, then the warm-up,
    then measure for `seconds`. The program is killed at the end."""
    result = Measured(name, cols, rows, load_before=loadavg())
    base_env = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    base_env.update(env or {})
    os.environ.pop("COLORTERM", None)  # every program gets the same colour depth: 256
    term = PtyApp(argv, cols, rows, env=base_env, cwd=cwd)
    try:
        if ready is not None:
            try:
                term.wait_for(ready, ready_timeout)
            except TimeoutError:
                result.skipped = "never showed its screen"
                result.screen = _last_lines(term)
                return result
        time.sleep(warmup)
        if term.proc.poll() is not None:
            result.skipped = f"exited during warm-up (code {term.proc.returncode})"
            result.screen = _last_lines(term)
            return result
        pid = term.proc.pid
        with term.lock:
            start_chunk = len(term.chunks)
        cpu0, t0 = tree_cpu(pid), time.perf_counter()
        peak, tree_peak = rss_mb(pid), tree_rss_mb(pid)
        while time.perf_counter() - t0 < seconds:
            time.sleep(min(1.0, max(0.0, seconds - (time.perf_counter() - t0))))
            peak, tree_peak = max(peak, rss_mb(pid)), max(tree_peak, tree_rss_mb(pid))
        wall = time.perf_counter() - t0
        cpu1 = tree_cpu(pid)
        with term.lock:
            sent = sum(n for _, n in term.chunks[start_chunk:])
        if term.proc.poll() is not None:
            result.skipped = f"exited while measured (code {term.proc.returncode})"
        result.cpu_pct = (cpu1 - cpu0) / wall * 100
        result.bytes_s = sent / wall
        result.rss_mb = peak
        result.tree_rss_mb = tree_peak
        result.seconds = wall
        result.screen = _last_lines(term)
        return result
    finally:
        term.kill()


def _last_lines(term: PtyApp, n: int = 6) -> list[str]:
    lines = [line.rstrip() for line in term.text().splitlines()]
    return [line for line in lines if line.strip()][:n]
