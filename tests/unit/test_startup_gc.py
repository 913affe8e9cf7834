"""`cockpit run` pauses the cyclic garbage collector until its first frame (issue 14):
pausing and resuming, a resume that is not ours leaving the collector alone, and the
backstop that gives it back if the first frame never comes. (That the screen resumes it
is checked on the real screen, tests/integration/test_run_imports.py.)"""

from __future__ import annotations

import gc
import threading

import pytest

from cockpit import startup


@pytest.fixture(autouse=True)
def collector():
    was = gc.isenabled()
    yield
    startup.resume_gc()
    gc.enable() if was else gc.disable()


def test_pause_then_resume() -> None:
    gc.enable()
    startup.pause_gc()
    assert not gc.isenabled()
    startup.pause_gc()  # twice: still one pause
    startup.resume_gc()
    assert gc.isenabled()


def test_a_collector_someone_else_disabled_stays_disabled() -> None:
    gc.disable()
    startup.pause_gc()
    startup.resume_gc()
    assert not gc.isenabled()


def test_the_backstop_resumes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    gc.enable()
    monkeypatch.setattr(startup, "BACKSTOP_S", 0.05)
    back = threading.Event()
    real = startup.resume_gc

    def resumed() -> None:
        real()
        back.set()

    monkeypatch.setattr(startup, "resume_gc", resumed)
    startup.pause_gc()
    assert not gc.isenabled()
    assert back.wait(10)
    assert gc.isenabled()
