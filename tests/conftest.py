"""Fixtures every test directory may use: the machine's PostgreSQL and Redis (a database
and a launch name per test), a redis-server of the test's own, a TCP proxy (tests/support/pg.py)."""

pytest_plugins = ["tests.support.pg"]
