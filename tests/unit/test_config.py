"""Launch config loading: values, env interpolation, and errors that say file:line:col."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cockpit.config import ConfigError, load_config, parse_duration


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "cl.yaml").write_text("title: t\nsections: []\n")
    path = tmp_path / "launch.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("text,seconds", [("5s", 5), ("2m", 120), ("500ms", 0.5), ("1h", 3600),
                                          ("1.5s", 1.5), (7, 7), ("1d", 86400)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["5 minutes", "-1s", "s", True, "1y"])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_values_paths_and_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PROM_HOST", "prom.internal")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = write(tmp_path, """
        launch: asr v2.3 GA
        checklist: cl.yaml
        store: sqlite:///~/state/asr.db
        prometheus:
          url: https://${PROM_HOST}:9090
          token_file: ~/.config/cockpit/prom-token
          every: 5s
          queries:
            error_rate: sum(rate(x[5m]))
        asr_probe:
          url: ws://127.0.0.1:2700
          audio: probes/smoke.wav
          expect: one two three
          every: 2m
        """)
    config = load_config(path)
    assert config.checklist == tmp_path / "cl.yaml"
    assert config.prometheus.url == "https://prom.internal:9090"
    assert config.prometheus.token_file == tmp_path / "home/.config/cockpit/prom-token"
    assert config.prometheus.every == 5.0
    assert config.asr_probe.audio == tmp_path / "probes/smoke.wav"
    assert config.asr_probe.every == 120.0
    assert config.store_path() == tmp_path / "home/state/asr.db"


def test_default_store_is_one_database_per_launch_under_xdg_state(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    config = load_config(write(tmp_path, "launch: ASR v2.3 GA!\nchecklist: cl.yaml\n"))
    assert config.store_path() == tmp_path / "state/cockpit/asr-v2-3-ga.db"


def test_every_problem_named_with_file_line_and_field(tmp_path):
    path = write(tmp_path, """
        launch: x
        checklist: cl.yaml
        prometheus:
          url: http://p:9090
          every: soon
          quereis: {}
        http:
          health: {url: "ftp://x"}
        """)
    found = problems(path)
    assert len(found) == 3
    assert f"{path}:6:3: prometheus.every: 'soon' is not a duration" in found[0]
    assert f"{path}:7:3: prometheus.quereis: unknown field" in found[1]
    assert f"{path}:9:12: http.health.url: must start with http:// or https://" in found[2]
    assert all("\n" not in p and "Traceback" not in p for p in found)


def test_missing_required_field_points_at_its_section(tmp_path):
    path = write(tmp_path, """
        launch: x
        checklist: cl.yaml
        asr_probe:
          url: ws://x
        """)
    found = problems(path)
    assert f"{path}:4:1: asr_probe.audio: required field is missing" in found


def test_unset_env_var_names_its_place(tmp_path, monkeypatch):
    monkeypatch.delenv("NOPE_NOT_SET", raising=False)
    path = write(tmp_path, "launch: x\nchecklist: cl.yaml\nbus: redis://${NOPE_NOT_SET}/0\n")
    assert problems(path) == [f"{path}:3:6: environment variable ${{NOPE_NOT_SET}} is not set"]


def test_env_default(tmp_path, monkeypatch):
    monkeypatch.delenv("NOPE_NOT_SET", raising=False)
    path = write(tmp_path, "launch: x\nchecklist: cl.yaml\nbus: redis://${NOPE_NOT_SET:-localhost}/0\n")
    assert load_config(path).bus == "redis://localhost/0"


def test_secrets_are_redacted_in_errors(tmp_path):
    path = write(tmp_path, """
        launch: x
        checklist: cl.yaml
        prometheus:
          url: https://admin:hunter2secret@p:9090
          timeout: forever
        """)
    text = "\n".join(problems(path))
    assert "timeout" in text
    assert "hunter2secret" not in text
    path2 = write(tmp_path, "launch: x\nchecklist: cl.yaml\nstore: postgresql://u:hunter2@db/x\n"
                  "captains: alice\n")
    assert "hunter2" not in "\n".join(problems(path2))


def test_yaml_syntax_error_has_position(tmp_path):
    path = write(tmp_path, "launch: x\nchecklist: [cl.yaml\n")
    (only,) = problems(path)
    assert only.startswith(f"{path}:3:1: YAML syntax")


def test_duplicate_keys_are_errors(tmp_path):
    path = write(tmp_path, "launch: x\nchecklist: cl.yaml\nlaunch: y\n")
    assert problems(path) == [f"{path}:3:1: duplicate key 'launch'"]


def test_rollback_target_names_are_plain_identifiers(tmp_path):
    path = write(tmp_path, """
        launch: x
        checklist: cl.yaml
        rollback:
          helm: {release: "asr; rm -rf /", namespace: asr}
        """)
    (only,) = problems(path)
    assert only.startswith(f"{path}:5:10: rollback.helm.release: ")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_dcgm_gpu_needs_a_prometheus_section(tmp_path):
    (only,) = problems(write(tmp_path, "launch: x\nchecklist: cl.yaml\ngpu: {source: dcgm}\n"))
    assert "add a `prometheus:` section" in only


def test_check_sections_need_what_they_read(tmp_path):
    head = "launch: l\nchecklist: cl.yaml\n"
    [alerts] = problems(write(tmp_path, head + "alerts: {}\n"))
    assert alerts.endswith("alerts are read from Prometheus: add a `prometheus:` section")
    [release] = problems(write(tmp_path, head + "release: {every: 30s}\n"))
    assert "the release is read from the rollback target" in release
    [bad] = problems(write(tmp_path, head + "tcp:\n  db: {address: db.internal}\n"))
    assert ":4:8: tcp.db.address: write host:port" in bad
    [bad] = problems(write(tmp_path, head + "tcp:\n  Bad: {address: 'a:1'}\n"))
    assert "check name 'Bad'" in bad
    ok = load_config(write(tmp_path, head + "tcp:\n  redis: {address: '127.0.0.1:6379'}\n"
                                            "tls: {every: 1h, endpoints: [asr.example.com:443]}\n"))
    assert ok.tcp["redis"].port == 6379 and ok.tls is not None and ok.tls.every == 3600
