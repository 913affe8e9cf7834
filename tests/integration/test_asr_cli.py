"""`cockpit probe CONFIG`: headless, exit codes, JSON, concurrency, no Textual."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.cli import main
from tests.support import asr as support

pytestmark = pytest.mark.integration


def write_config(tmp_path: Path, url: str, **probe: object) -> Path:
    lines = [
        "launch: asr probe test",
        "checklist: checklist.yaml",
        f"store: sqlite:///{tmp_path / 'events.db'}",
        "asr_probe:",
        f"  url: {url}",
        f"  audio: {support.CLIP}",
        "  connect_timeout: 2s",
        "  final_timeout: 2s",
    ]
    lines += [f"  {k}: {v}" for k, v in probe.items()]
    path = tmp_path / "launch.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_probe_passes_against_the_sim(tmp_path, capsys) -> None:
    with support.asr_sim() as (url, _faults):
        config = write_config(tmp_path, url, speed=4)
        code = main(["probe", str(config)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "result         PASS" in out
    assert "transcript     'launch smoke test one two three'" in out  # expect from smoke-en.txt
    assert "close          1000 'eof'" in out


def test_probe_json_and_exit_1_on_failure(tmp_path, capsys) -> None:
    config = write_config(tmp_path, support.refused_url())
    code = main(["probe", str(config), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["ok"] is False and report["passed"] == 0
    assert "connection refused" in report["result"]["reason"]


def test_concurrency_reports_spread(tmp_path, capsys) -> None:
    with support.asr_sim() as (url, _faults):
        config = write_config(tmp_path, url, speed=4)
        code = main(["probe", str(config), "--concurrency", "4", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report["failures"]
    assert report["probes"] == 4 and report["passed"] == 4
    assert report["spread"]["wer"] == {"n": 4, "p50": 0.0, "p95": 0.0, "max": 0.0}
    assert report["spread"]["first_partial"]["n"] == 4
    assert {r["transcript"] for r in report["results"]} == {support.EXPECTED}


def test_bad_clip_is_a_config_error_naming_file_format_and_fix(tmp_path, capsys) -> None:
    import wave

    clip = tmp_path / "stereo.wav"
    with wave.open(str(clip), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"\0\0\0\0" * 4410)
    config = write_config(tmp_path, "ws://127.0.0.1:9/", expect="x")
    config.write_text(config.read_text().replace(str(support.CLIP), str(clip)))
    code = main(["probe", str(config)])
    err = capsys.readouterr().err
    assert code == 3
    assert f"{clip}: 44100 Hz, 2 channels, 16-bit PCM" in err
    assert "sox " in err and "-r 16000 -c 1 -b 16" in err


def test_missing_section_and_token(tmp_path, capsys, monkeypatch) -> None:
    bare = tmp_path / "bare.yaml"
    bare.write_text("launch: x\nchecklist: c.yaml\n")
    assert main(["probe", str(bare)]) == 3
    assert "no asr_probe section" in capsys.readouterr().err
    monkeypatch.delenv("NO_SUCH_ASR_TOKEN", raising=False)
    config = write_config(tmp_path, "ws://127.0.0.1:9/", token_env="NO_SUCH_ASR_TOKEN")
    assert main(["probe", str(config)]) == 3
    assert "NO_SUCH_ASR_TOKEN is not set" in capsys.readouterr().err


def test_headless_probe_never_imports_textual(tmp_path) -> None:
    config = write_config(tmp_path, support.refused_url())
    code = (
        "import sys; from cockpit.cli import main; rc = main(['probe', sys.argv[1]]); "
        "print('TEXTUAL' if any(m.split('.')[0] == 'textual' for m in sys.modules) else 'clean'); "
        "sys.exit(rc)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(config)],
        capture_output=True, text=True, timeout=60, cwd=support.ROOT,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.strip().endswith("clean")


def test_probe_writes_its_result_to_the_log_as_the_screen_does(tmp_path, capsys) -> None:
    from cockpit.model import EventKind
    from cockpit.store.sqlite import SqliteStore

    def probes() -> list:
        store = SqliteStore(tmp_path / "events.db")
        try:
            return store.events(kinds=[EventKind.PROBE])
        finally:
            store.close()

    with support.asr_sim() as (url, _faults):
        config = write_config(tmp_path, url, speed=4)
        assert main(["probe", str(config)]) == 0
        assert probes() == []  # a first pass is not news (the screen logs none either)
        down = write_config(tmp_path, support.refused_url())
        assert main(["probe", str(down)]) == 1
        assert "logged: ASR probe failing" in capsys.readouterr().err
        assert main(["probe", str(down)]) == 1  # still failing: no second line
        [failing] = probes()
        assert failing.data["ok"] is False and "connection refused" in failing.message
        config = write_config(tmp_path, url, speed=4)
        assert main(["probe", str(config)]) == 0
        assert "logged: ASR probe passing again" in capsys.readouterr().err
    assert [e.data["ok"] for e in probes()] == [False, True]
