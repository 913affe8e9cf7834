"""The chaos suite: faults and hostile input against the real engine, CLI and parts.

Fixed seeds (hypothesis `derandomize`, seeded `random.Random`) so a run is repeatable
and a failure reproducible; every wait is bounded (tests/support/chaos.py) so the
suite keeps `make test` within its time budget.
"""
