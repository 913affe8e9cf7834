"""The network hiccups (a TCP proxy the test controls): nothing is lost, nothing is
doubled, each cockpit's events keep their order, and the status says what happens."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest

from cockpit import store
from cockpit.model import Event
from tests.support.pg import launch_name

pytestmark = pytest.mark.integration


def _wait(predicate, what: str, limit: float = 30.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("fault", ["cut", "reset"])
def test_pg_cut_while_two_cockpits_write_1000_events(pg_proxy, pg_url: str, tmp_path: Path,  # noqa: ANN001
                                                     fault: str) -> None:
    proxy, url = pg_proxy
    launch = launch_name()
    cockpits = [store.open(url, launch=launch, journal=tmp_path / f"c{i}.db") for i in (1, 2)]
    written = [0, 0]

    def write(i: int) -> None:
        for n in range(500):
            cockpits[i].append(Event("note", f"c{i} #{n}", data={"n": n}, author=f"c{i}@h"))
            written[i] += 1
            if n % 50 == 0:
                time.sleep(0.01)

    threads = [threading.Thread(target=write, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    _wait(lambda: sum(written) >= 300, "300 events written")
    if fault == "cut":
        proxy.cut()
    else:
        proxy.reset()
        proxy.cut()
    for t in threads:
        t.join()
    _wait(lambda: not cockpits[0].status().online, "the cut to be noticed")
    offline = cockpits[0].status()
    assert offline.pending > 0
    assert "shared log offline since" in offline.describe()
    assert f"{offline.pending} events waiting" in offline.describe()
    proxy.restore()
    for c in cockpits:
        assert c.flush(30), c.status()
    assert cockpits[0].status().describe().startswith("shared log back:")
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT author, (data->>'n')::int, id FROM cockpit_events "
                            "WHERE launch = %s ORDER BY seq", (launch,)).fetchall()
    assert len(rows) == 1000 and len({r[2] for r in rows}) == 1000
    for i in (0, 1):
        mine = [n for author, n, _ in rows if author == f"c{i}@h"]
        assert mine == list(range(500))
    for c in cockpits:
        assert c.sync(10)
        assert len(c.events()) == 1000
        c.close()


def test_a_stalled_link_delays_sharing_but_not_writing(pg_proxy, tmp_path: Path) -> None:  # noqa: ANN001
    from cockpit.store.shared import SharedStore
    from cockpit.store.spec import parse

    proxy, url = pg_proxy
    one = SharedStore(parse(url), launch_name(), tmp_path / "one.db", op_timeout=2.0)
    assert one.sync(10)
    proxy.stall()  # the link takes the bytes and forwards nothing: no TCP timeout fires
    started = time.monotonic()
    for n in range(50):
        one.append(Event("note", f"#{n}"))
    assert time.monotonic() - started < 1.0  # the journal took them at once
    assert len(one.events()) == 50
    _wait(lambda: not one.status().online, "the stalled call to be cut", limit=20)
    assert one.status().pending == 50
    proxy.restore()
    assert one.flush(30)
    one.close()


def test_log_add_queues_while_pg_is_away_and_the_engine_says_so(pg_proxy, pg_url: str,  # noqa: ANN001
                                                               tmp_path: Path, capsys,  # noqa: ANN001
                                                               monkeypatch) -> None:  # noqa: ANN001
    import asyncio

    from cockpit.cli import main
    from cockpit.config import load_config
    from cockpit.engine import Engine
    from cockpit.model import EventKind
    from tests.support.ui import FakeSource

    proxy, url = pg_proxy
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "cl.yaml").write_text("sections:\n- name: s\n  items:\n  - {id: a, text: A}\n")
    config = tmp_path / "launch.yaml"
    config.write_text(f"launch: {launch_name()}\nchecklist: cl.yaml\nstore: {url}\n")
    proxy.cut()
    assert main(["log", "add", "-c", str(config), "written while the log is away"]) == 0
    out = capsys.readouterr().out
    assert "note queued by" in out and "shared log offline since" in out
    assert "1 events waiting" in out

    async def watch() -> list[str]:
        cfg = load_config(config)
        engine = Engine(cfg, store.open(cfg.store, launch=cfg.launch, journal=cfg.store_path(),
                                        sync_timeout=0.5), [FakeSource()])
        await engine.start()
        said = []
        for _ in range(100):
            said.append(engine.team_status())
            if "offline since" in said[-1]:
                break
            await asyncio.sleep(0.1)
        proxy.restore()
        for _ in range(200):
            await asyncio.sleep(0.1)
            if "shared log back" in engine.team_status():
                said.append(engine.team_status())
                break
        await engine.stop()
        kinds = [e.message for e in engine.store.events(kinds=[EventKind.STORE])]
        engine.store.close()
        return said + kinds

    said = asyncio.run(watch())
    assert any("shared log offline since" in s for s in said)
    assert any(s.startswith("shared log back:") and "replayed" in s for s in said)
    with psycopg.connect(pg_url) as conn:
        notes = [r[0] for r in conn.execute(
            "SELECT message FROM cockpit_events WHERE kind = 'note'")]
        store_events = [r[0] for r in conn.execute(
            "SELECT message FROM cockpit_events WHERE kind = 'store'")]
    assert notes == ["written while the log is away"]  # replayed once
    assert any("offline since" in m for m in store_events)  # the outage is in the log too
