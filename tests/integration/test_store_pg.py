"""The shared log on the machine's real PostgreSQL: schema, append-only, idempotence,
two cockpits converging, and `cockpit log` on it exactly as on SQLite."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import psycopg
import pytest

from cockpit import store
from cockpit.cli import main
from cockpit.model import Event, EventKind
from cockpit.store.postgres import MIGRATIONS, PgLog
from cockpit.store.spec import parse
from tests.support.identity import act_as
from tests.support.pg import launch_name

pytestmark = pytest.mark.integration


def test_two_cockpits_migrating_at_once_leave_one_schema(pg_url: str) -> None:
    logs = [PgLog(parse(pg_url), launch_name()) for _ in range(4)]
    errors: list[BaseException] = []

    def go(log: PgLog) -> None:
        try:
            log.migrate()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(log,)) for log in logs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert logs[0].migrate() == max(v for v, _ in MIGRATIONS)  # again: a no-op
    with psycopg.connect(pg_url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM cockpit_schema ORDER BY 1")]
    assert versions == [v for v, _ in MIGRATIONS]
    for log in logs:
        log.close()


def test_append_only_idempotent_and_one_table_for_many_launches(pg_url: str) -> None:
    a, b = PgLog(parse(pg_url), "launch a"), PgLog(parse(pg_url), "launch b")
    e1, e2 = Event("note", "one", id="id-1"), Event("note", "two", id="id-2")
    assert [s for s, _ in a.append([e1, e2])] == [1, 2]
    assert a.append([e1]) == []  # an id already there: nothing, no sequence used
    assert [s for s, _ in a.append([Event("note", "three", id="id-3")])] == [3]
    assert [s for s, _ in b.append([Event("note", "b1", id="id-b1")])] == [1]
    assert [e.id for _, e in a.after(0)] == ["id-1", "id-2", "id-3"]
    assert [e.id for _, e in a.after(2)] == ["id-3"] and [e.id for _, e in b.after(0)] == ["id-b1"]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for sql in ("UPDATE cockpit_events SET message = 'x'", "DELETE FROM cockpit_events",
                    "TRUNCATE cockpit_events"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(sql)
        (n,) = conn.execute("SELECT count(*) FROM cockpit_events").fetchone()
    assert n == 4
    a.close()
    b.close()


def test_two_shared_stores_converge_and_nothing_shows_twice(pg_url: str, tmp_path: Path) -> None:
    launch = launch_name()
    one = store.open(pg_url, launch=launch, journal=tmp_path / "one.db")
    two = store.open(pg_url, launch=launch, journal=tmp_path / "two.db")
    got: list[Event] = []
    arrived = threading.Event()
    two.on_remote(lambda events: (got.extend(events), arrived.set()))
    mine = Event("note", "from one")
    assert one.append(mine) and not one.append(mine)
    assert one.flush(10)
    assert arrived.wait(10)  # no bus: the poll brings it
    assert [e.id for e in got] == [mine.id]
    two.append(Event("note", "from two"))
    assert two.flush(10) and one.sync(10)
    assert [e.message for e in one.events()] == ["from one", "from two"]
    assert two.sync(5) and [e.id for e in got] == [mine.id]  # its own not handed back
    one.close()
    two.close()
    late = store.open(pg_url, launch=launch, journal=tmp_path / "late.db")
    assert [e.message for e in late.events()] == ["from one", "from two"]  # caught up at open
    late.close()


def test_cockpit_log_works_on_postgres_as_on_sqlite(pg_url: str, tmp_path: Path, capsys,  # noqa: ANN001
                                                    monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "cl.yaml").write_text("sections:\n- name: s\n  items:\n  - {id: a, text: A}\n")
    config = tmp_path / "launch.yaml"
    launch = launch_name()
    config.write_text(f"launch: {launch}\nchecklist: cl.yaml\n"
                      f"store:\n  url: {pg_url.replace('postgres@', 'postgres:hunter2pw@')}\n")
    act_as(monkeypatch, "carol")
    assert main(["log", "add", "-c", str(config), "deploy started"]) == 0
    out = capsys.readouterr().out
    assert "note added by carol@" in out
    assert main(["log", "list", "-c", str(config), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["message"] for r in rows] == ["deploy started"] and rows[0]["author"].startswith(
        "carol@")
    with psycopg.connect(pg_url) as conn:
        (n,) = conn.execute("SELECT count(*) FROM cockpit_events WHERE launch = %s "
                            "AND kind = %s", (launch, EventKind.NOTE)).fetchone()
    assert n == 1
    assert main(["log", "export", "-c", str(config)]) == 0
    text = capsys.readouterr().out
    assert "deploy started" in text and "hunter2pw" not in text


async def test_a_verdict_change_seen_by_two_cockpits_is_logged_once(pg_url: str,
                                                                    tmp_path: Path) -> None:
    from cockpit.config import load_config
    from cockpit.engine import Engine
    from tests.support.ui import FakeSource, up

    (tmp_path / "cl.yaml").write_text(
        "sections:\n- name: s\n  items:\n  - {id: api, text: API, auto: 'http.api.up == true'}\n")
    (tmp_path / "launch.yaml").write_text(f"launch: {launch_name()}\nchecklist: cl.yaml\n"
                                          f"store: {pg_url}\n")
    config = load_config(tmp_path / "launch.yaml")
    engines = []
    for name in ("a", "b"):
        source = FakeSource()
        source.set(up(True))
        shared = store.open(config.store, launch=config.launch, journal=tmp_path / f"{name}.db")
        engines.append(Engine(config, shared, [source], author=f"{name}@h"))
    for engine in engines:
        assert (await engine.sample_once()).kind.value == "GO"
    for engine in engines:
        assert engine.store.flush(10)
        engine.store.close()
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT data->>'verdict' FROM cockpit_events WHERE kind = 'verdict'"
                            " AND launch = %s", (config.launch,)).fetchall()
    assert rows == [("GO",)]


def test_handoff_on_postgres_names_who_is_watching(pg_url: str, tmp_path: Path, capsys,  # noqa: ANN001
                                                   monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "cl.yaml").write_text("sections:\n- name: s\n  items:\n  - {id: a, text: A}\n")
    config = tmp_path / "launch.yaml"
    launch = launch_name()
    config.write_text(f"launch: {launch}\nchecklist: cl.yaml\nstore: {pg_url}\n")
    watching = store.open(pg_url, launch=launch, journal=tmp_path / "dave.db")
    watching.join("dave", "bastion-9", "10.9.9.9", "operator")
    watching.append(Event("note", "handing over soon", author="dave@bastion-9"))
    assert watching.flush(10) and watching.sync(10)  # a full cycle: the heartbeat is in
    assert main(["log", "handoff", "-c", str(config)]) == 0
    md = capsys.readouterr().out
    who = md.split("## Who watched")[1]
    assert "dave@bastion-9 (operator, from 10.9.9.9, since " in who
    assert "handing over soon" in md
    watching.close()
