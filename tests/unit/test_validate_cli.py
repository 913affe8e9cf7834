"""`cockpit validate`: every problem in the config, checklist and layout, with file:line."""

from __future__ import annotations

from cockpit.cli import main
from tests.support.launch import write_launch

GOOD = """
title: t
sections:
  - title: s
    items:
      - {id: up, text: Health, auto: "http.health.status == 200"}
"""

BAD = """
title: t
sections:
  - title: s
    items:
      - {id: up, text: Health, auto: "http.health.status == 200"}
      - {id: up, text: Twice}
      - {id: typo, text: Typo, auto: "http.health.statuz == 200"}
      - {id: syntax, text: Syntax, auto: "http.health.status =="}
"""


def test_a_good_launch_validates(tmp_path, capsys):
    config = write_launch(tmp_path, GOOD, "http:\n  health: {url: 'http://127.0.0.1:9/'}\n")
    assert main(["validate", str(config)]) == 0
    out = capsys.readouterr().out
    assert "ok: checklist" in out and "(1 items)" in out


def test_every_checklist_problem_is_listed(tmp_path, capsys):
    config = write_launch(tmp_path, BAD, "http:\n  health: {url: 'http://127.0.0.1:9/'}\n")
    assert main(["validate", str(config)]) == 3
    out = capsys.readouterr().out
    cl = tmp_path / "checklist.yaml"
    assert f"{cl}:7:9: duplicate item id 'up' (first at {cl}:6:9)" in out
    assert f"{cl}:9:9: item 'syntax'" in out or f"{cl}:9:" in out
    assert "2 problems found" in out  # the syntax error stops the unknown-signal pass


def test_unknown_signal_and_bad_layout(tmp_path, capsys):
    config = write_launch(tmp_path, GOOD.replace("status", "statuz"),
                          "layout: mine.yaml\nhttp:\n  health: {url: 'http://127.0.0.1:9/'}\n")
    (tmp_path / "mine.yaml").write_text(
        "columns: [1fr]\nrows: [1fr, 1fr]\npanes:\n  - {type: verdict, row: 0, col: 0}\n"
        "  - {type: nosuchpane, row: 1, col: 0}\n")
    assert main(["validate", str(config)]) == 3
    out = capsys.readouterr().out
    assert "unknown signal 'http.health.statuz'" in out
    assert "mine.yaml:5" in out and "nosuchpane" in out


def test_pending_while_needs_an_auto_gate_and_known_signals(tmp_path, capsys):
    checklist = GOOD + (
        "      - {id: manual, text: Manual, pending_while: 'http.health.up'}\n"
        "      - {id: later, text: Later, auto: 'http.health.up', pending_while: 'nope.x'}\n")
    config = write_launch(tmp_path, checklist, "http:\n  health: {url: 'http://127.0.0.1:9/'}\n")
    assert main(["validate", str(config)]) == 3
    out = capsys.readouterr().out
    assert "item 'manual': pending_while needs an `auto:` gate" in out


def test_the_reference_config_and_every_shipped_checklist_validate(capsys, tmp_path,
                                                                  monkeypatch):
    import fnmatch
    from pathlib import Path

    from cockpit.checklist import load_checklist, unknown_signals
    from cockpit.config import load_config
    from cockpit.sources import build_sources

    root = Path(__file__).resolve().parents[2]
    # It names ~/.config/cockpit/prom-token: validate checks that it can be read.
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".config/cockpit").mkdir(parents=True)
    (tmp_path / ".config/cockpit/prom-token").write_text("t0ken-for-the-test\n")
    assert main(["validate", str(root / "examples/reference.yaml")]) == 0
    sources = build_sources(load_config(root / "examples/reference.yaml"))

    def known(name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for s in sources for p in s.signal_patterns())

    for path in sorted((root / "checklists").glob("*.yaml")):
        assert unknown_signals(load_checklist(path), known) == [], path.name


def test_local_files_are_checked_where_the_config_names_them(tmp_path, capsys):
    (tmp_path / "token-dir").mkdir()
    config = write_launch(tmp_path, GOOD, """\
        layout: nosuchlayout
        http:
          health: {url: 'http://127.0.0.1:9/'}
        prometheus:
          url: http://127.0.0.1:9/
          token_file: token-dir
        asr_probe:
          url: ws://127.0.0.1:9/
          audio: missing.wav
        """)
    assert main(["validate", str(config)]) == 3
    out = capsys.readouterr().out
    assert (f"{config}:4:1: layout: no layout named 'nosuchlayout' (have: " in out)
    assert (f"{config}:9:3: prometheus.token_file: cannot read (a directory, not a file): "
            f"{tmp_path / 'token-dir'}") in out
    assert f"{config}:12:3: asr_probe.audio: file not found: {tmp_path / 'missing.wav'}" in out
    # `check` refuses the same config as a config error (3), not NO-GO (1) nor HOLD (2)
    assert main(["check", str(config)]) == 3
    err = capsys.readouterr().err
    assert "asr_probe.audio: file not found" in err and "Traceback" not in err


def test_a_missing_checklist_is_named_at_the_config(tmp_path, capsys):
    config = write_launch(tmp_path, GOOD)
    (tmp_path / "checklist.yaml").unlink()
    assert main(["validate", str(config)]) == 3
    out = capsys.readouterr().out
    assert f"{config}:2:1: checklist: file not found: {tmp_path / 'checklist.yaml'}" in out
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 3
    assert f"{tmp_path / 'nope.yaml'}:1:1: file not found" in capsys.readouterr().err


def test_a_bad_store_is_named_at_the_config_by_validate_and_check(tmp_path, capsys):
    config = write_launch(tmp_path, GOOD)
    config.write_text(config.read_text().replace(f"store: sqlite:///{tmp_path}/events.db",
                                                 "store: ''"))
    assert main(["validate", str(config)]) == 3
    assert f"{config}:3:1: store: the store is empty" in capsys.readouterr().out
    assert main(["check", str(config)]) == 3
    assert f"{config}:3:1: store: the store is empty" in capsys.readouterr().err
