"""The probe's pieces that need no server: clip checks, WER, word diff, readings, config."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from pydantic import ValidationError

from cockpit.config import AsrProbeConfig
from cockpit.sources.asr.clip import AudioFormatError, expected_text, load_clip
from cockpit.sources.asr.probe import percentile
from cockpit.sources.asr.result import ProbeProgress, ProbeResult
from cockpit.sources.asr.source import AsrProbeSource
from cockpit.sources.asr.view import AsrDetail
from cockpit.sources.asr.wer import WordOp, word_diff, word_error_rate
from tests.support.asr import CLIP, EXPECTED


def make_wav(path: Path, rate: int, channels: int, width: int, frames: int = 1600) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(b"\0" * frames * channels * width)
    return path


def test_shipped_clip_loads() -> None:
    clip = load_clip(CLIP, 16000)
    assert clip.sample_rate == 16000
    assert clip.seconds == pytest.approx(3.352, abs=0.01)
    assert EXPECTED == "launch smoke test one two three"


@pytest.mark.parametrize(
    ("rate", "channels", "width", "said"),
    [
        (44100, 2, 2, "44100 Hz, 2 channels, 16-bit PCM"),
        (16000, 1, 1, "16000 Hz, 1 channel, 8-bit PCM"),
        (8000, 1, 2, "8000 Hz, 1 channel, 16-bit PCM"),
    ],
)
def test_wrong_format_names_file_format_and_sox_fix(tmp_path, rate, channels, width, said) -> None:
    path = make_wav(tmp_path / "my clip.wav", rate, channels, width)
    with pytest.raises(AudioFormatError) as err:
        load_clip(path, 16000, "deepgram")
    text = str(err.value)
    assert text.startswith(f"{path}: {said}")
    assert "the deepgram protocol streams 16000 Hz mono 16-bit PCM WAV" in text
    # the command is shell-quoted (the name has a space) and writes a new file
    fix = f"sox '{path}' -r 16000 -c 1 -b 16 -e signed-integer '{tmp_path}/my clip-16k.wav'"
    assert fix in text


def test_not_a_wav_and_missing_and_empty(tmp_path) -> None:
    mp3 = tmp_path / "clip.mp3"
    mp3.write_bytes(b"ID3\x03\x00" + b"\0" * 100)
    not_wav = r"clip\.mp3: not a PCM WAV file .* Convert it with: sox"
    with pytest.raises(AudioFormatError, match=not_wav):
        load_clip(mp3)
    with pytest.raises(AudioFormatError, match="no such file"):
        load_clip(tmp_path / "nope.wav")
    with pytest.raises(AudioFormatError, match="holds no audio"):
        load_clip(make_wav(tmp_path / "empty.wav", 16000, 1, 2, frames=0))


def test_wer_and_word_diff() -> None:
    assert word_error_rate(EXPECTED, "Launch, smoke test: one two three.") == 0.0
    assert word_error_rate(EXPECTED, "launch smoke best one three") == pytest.approx(2 / 6)
    assert word_error_rate(EXPECTED, "") == 1.0
    assert word_error_rate("", "") == 0.0
    diff = word_diff(EXPECTED, "launch smoke best one three four")
    assert diff == [
        WordOp("equal", ("launch", "smoke"), ("launch", "smoke")),
        WordOp("substitute", ("test",), ("best",)),
        WordOp("equal", ("one",), ("one",)),
        WordOp("substitute", ("two", "three"), ("three", "four")),
    ]
    assert word_diff("a b", "") == [WordOp("delete", ("a", "b"), ())]
    assert word_diff("", "x") == [WordOp("insert", (), ("x",))]


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 50) == 10.0
    assert percentile(values, 95) == 19.0
    assert percentile(values, 100) == 20.0
    assert percentile([], 50) is None


def test_config_defaults_and_checks(tmp_path) -> None:
    cfg = AsrProbeConfig(url="wss://asr.example/v1", audio=CLIP)
    assert (cfg.protocol, cfg.chunk, cfg.speed, cfg.max_wer) == ("vosk", 0.1, 1.0, 0.2)
    assert expected_text(cfg) == EXPECTED  # from smoke-en.txt beside the clip
    assert AsrProbeConfig(url="ws://x", audio=CLIP, every="2m", final_timeout="500ms").every == 120
    with pytest.raises(ValidationError, match="ws:// or wss://"):
        AsrProbeConfig(url="https://x", audio=CLIP)
    with pytest.raises(ValidationError, match="generic"):
        AsrProbeConfig(url="ws://x", audio=CLIP, protocol="generic")
    with pytest.raises(ValidationError):
        AsrProbeConfig(url="ws://x", audio=CLIP, speed=0)
    lonely = AsrProbeConfig(url="ws://x", audio=make_wav(tmp_path / "a.wav", 16000, 1, 2))
    with pytest.raises(AudioFormatError, match="set asr_probe.expect"):
        expected_text(lonely)


def result(ok: bool, **kw: object) -> ProbeResult:
    base: dict[str, object] = {
        "url": "ws://x", "protocol": "vosk", "expected": EXPECTED, "ok": ok,
        "transcript": EXPECTED if ok else "", "wer": 0.0 if ok else None,
        "connect": 0.01, "first_partial": 0.6 if ok else None,
        "final_latency": 0.05 if ok else None, "at": 1000.0,
    }
    if not ok:
        base |= {"reason": "connection refused by ws://x", "reasons": ["connection refused"]}
    base.update(kw)
    return ProbeResult(**base)  # type: ignore[arg-type]


def test_readings_and_events_without_a_server() -> None:
    source = AsrProbeSource(AsrProbeConfig(url="ws://x", audio=CLIP, every="30s"))
    assert source.name == "asr" and source.interval == 30.0
    assert sorted(source.signal_patterns()) == sorted(
        ["asr.ok", "asr.wer", "asr.first_partial", "asr.final_latency", "asr.connect"]
    )

    source._note(result(False))
    [event] = source.drain_events()  # the first result failing is news
    assert event.kind == "probe" and "ASR probe failing" in event.message
    readings = {r.name: r for r in source.readings(source.last)}  # type: ignore[arg-type]
    assert readings["asr.ok"].value is False and readings["asr.ok"].error is None
    assert readings["asr.wer"].error == "connection refused by ws://x"
    assert readings["asr.connect"].value == 0.01 and readings["asr.connect"].unit == "seconds"
    assert all(r.at == 1000.0 for r in readings.values())

    source._note(result(False))
    assert source.drain_events() == []  # still failing: no new event
    source._note(result(True, at=1060.0))
    [back] = source.drain_events()
    assert back.severity == "info" and back.data["result"]["transcript"] == EXPECTED
    readings = {r.name: r for r in source.readings(source.last)}  # type: ignore[arg-type]
    detail = readings["asr.ok"].detail
    assert isinstance(detail, AsrDetail)
    assert detail.thresholds == {"wer": 0.2, "connect": 2.0, "first_partial": 2.0,
                                 "final_latency": 2.0}
    assert detail.history == ((1060.0, 0.05),)
    assert detail.diff == (WordOp("equal", tuple(EXPECTED.split()), tuple(EXPECTED.split())),)
    assert source.history("asr.final_latency") == [(1060.0, 0.05)]
    assert source.history("asr.wer") == []


def test_progress_coalesced_per_state() -> None:
    """Listeners hear a new state at once, the same state again only `progress_every` s
    after they last heard one; `progress` is always the latest (issue 14)."""
    source = AsrProbeSource(AsrProbeConfig(url="ws://127.0.0.1:1/", audio=CLIP))
    now = [0.0]
    source._clock = lambda: now[0]
    heard: list[ProbeProgress] = []
    source.add_progress_listener(heard.append)
    steps = [
        (0.0, ProbeProgress("connecting", 0.0, 3.4, "")),
        (0.01, ProbeProgress("streaming", 0.1, 3.4, "")),  # a new state: at once
        (0.5, ProbeProgress("streaming", 0.6, 3.4, "launch")),  # held back
        (0.99, ProbeProgress("streaming", 1.0, 3.4, "launch smoke")),  # held back
        (1.01, ProbeProgress("streaming", 1.1, 3.4, "launch smoke")),  # a second on
        (1.5, ProbeProgress("streaming", 1.6, 3.4, "launch smoke test")),  # held back
        (1.6, ProbeProgress("waiting", 3.4, 3.4, "launch smoke test one")),  # at once
        (1.7, ProbeProgress("done", 3.4, 3.4, "")),
        (1.8, ProbeProgress("connecting", 0.0, 3.4, "")),  # the next run: at once
    ]
    for t, progress in steps:
        now[0] = t
        source._on_progress(progress)
        assert source.progress == progress  # held back from listeners, never from the pane
    assert heard == [steps[i][1] for i in (0, 1, 4, 6, 7, 8)]


def test_progress_every_zero_tells_all() -> None:
    source = AsrProbeSource(AsrProbeConfig(url="ws://127.0.0.1:1/", audio=CLIP))
    source.progress_every = 0.0
    source._clock = lambda: 5.0
    heard: list[ProbeProgress] = []
    source.add_progress_listener(heard.append)
    for sent in (0.1, 0.2, 0.3):
        source._on_progress(ProbeProgress("streaming", sent, 3.4))
    assert [p.sent for p in heard] == [0.1, 0.2, 0.3]
