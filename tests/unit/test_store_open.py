"""store.open(spec): the one opener of event logs, and the one parser of store URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit import store
from cockpit.config import ConfigError, load_config
from cockpit.model import Event
from cockpit.store.spec import parse, redact_dsn
from cockpit.store.sqlite import SqliteStore


def test_sqlite_urls_and_bare_paths_open_the_same_file(tmp_path: Path) -> None:
    a = store.open(f"sqlite:///{tmp_path}/e.db")
    assert isinstance(a, SqliteStore)
    a.append(Event("note", "one", id="x1"))
    b = store.open("e.db", base_dir=tmp_path)
    assert [e.id for e in b.events()] == ["x1"]


def test_postgres_spec_is_parsed_and_its_password_never_shown() -> None:
    spec = parse({"url": "postgresql://u:hunter2@db:5432/cockpit?password=hunter3",
                  "password_env": "PGPW"})
    assert spec.kind == "postgresql" and spec.password_env == "PGPW"
    assert "hunter2" not in spec.shown() and "hunter3" not in spec.shown()
    assert redact_dsn("postgres://alice:s3cret@h/db") == "postgres://alice:***@h/db"


def test_a_spec_that_names_no_store_is_refused() -> None:
    with pytest.raises(ValueError, match="redis:// is not a store"):
        store.open("redis://localhost/0")


def test_config_store_as_a_mapping_and_as_a_string(tmp_path: Path) -> None:
    (tmp_path / "cl.yaml").write_text("sections: []\n")
    path = tmp_path / "launch.yaml"
    path.write_text("launch: Team Launch\nchecklist: cl.yaml\nstore:\n"
                    "  url: postgresql://cockpit@db/cockpit\n  password_file: pw.txt\n")
    config = load_config(path)
    assert config.store_url == "postgresql://cockpit@db/cockpit"
    assert config.store.password_file == tmp_path / "pw.txt"
    path.write_text("launch: x\nchecklist: cl.yaml\nstore: mysql://db/x\n")
    with pytest.raises(ConfigError, match="mysql:// is not a store"):
        load_config(path)
