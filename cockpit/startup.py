"""`cockpit run` starts with the cyclic garbage collector paused, until its first frame.

Start-up allocates some 110,000 long-lived objects (modules, pydantic schemas, Textual's
CSS and widgets) and next to no cyclic garbage, yet the collector keeps walking them:
~260 collections before the first frame, two of them full, ~12% of the CPU to it
(issue 14: first frame under 0.6 s). Paused, nothing is lost: reference counting still
frees almost everything, and what cycles there are wait for the collector's return.
The screen resumes it after its first frame; a timer does if that never comes, so no
process runs long without it.
"""

from __future__ import annotations

import gc
import threading

BACKSTOP_S = 10.0  # the collector is back by then whatever happens

_lock = threading.Lock()
_paused = False


def pause_gc() -> None:
    """Pause the collector (if it runs) until `resume_gc()` or BACKSTOP_S."""
    global _paused
    with _lock:
        if _paused or not gc.isenabled():
            return
        gc.disable()
        _paused = True
    timer = threading.Timer(BACKSTOP_S, resume_gc)
    timer.daemon = True
    timer.start()


def resume_gc() -> None:
    """Give the collector back, if `pause_gc` took it; a no-op otherwise."""
    global _paused
    with _lock:
        if _paused:
            _paused = False
            gc.enable()
