"""bench_peers compares the cockpit and glances by the median of repeated runs: one run
that caught a slow moment (a probe run, a neighbour's burst) does not decide the budget."""

from __future__ import annotations

from bench.bench_peers import combined, each_run
from bench.pty_measure import Measured


def _run(cpu: float, byt: float, rss: float) -> Measured:
    return Measured("cockpit", 80, 24, cpu_pct=cpu, bytes_s=byt, rss_mb=rss,
                    tree_rss_mb=rss + 5, seconds=60.0)


def test_repeated_runs_give_median_cpu_and_bytes_and_peak_memory() -> None:
    runs = [_run(0.9, 500, 76), _run(0.6, 420, 79), _run(0.7, 450, 77)]
    m = combined(runs)
    assert (m.cpu_pct, m.bytes_s) == (0.7, 450)
    assert (m.rss_mb, m.tree_rss_mb) == (79, 84)
    assert m.seconds == 180.0
    assert [r.cpu_pct for r in runs] == [0.9, 0.6, 0.7]  # the runs themselves untouched


def test_one_run_is_itself_and_a_skipped_run_skips_the_figure() -> None:
    one = _run(0.8, 400, 70)
    assert combined([one]) is one
    skipped = Measured("glances", 80, 24, skipped="not installed")
    assert combined([one, skipped]).skipped == "not installed"


def test_every_run_is_listed_in_order_with_the_median() -> None:
    runs = {"cockpit": {(80, 24): [_run(0.9, 500, 76), _run(0.6, 420, 79), _run(0.7, 450, 77)],
                        (200, 60): [_run(0.5, 900, 80)]}}
    assert each_run(runs) == [
        "cockpit 80x24, 3 runs: CPU % 0.90 0.60 0.70 (median 0.70); bytes/s 500 420 450"]
