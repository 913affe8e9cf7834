"""The probe's reference clip (a WAV file) and its expected text.
"""

from __future__ import annotations

import shlex
import wave
from dataclasses import dataclass
from pathlib import Path

from cockpit.config import AsrProbeConfig


class AudioFormatError(ValueError):
    """The reference clip is not what the protocol streams; says how to convert it."""


@dataclass(frozen=True)
class Clip:
    path: Path
    pcm: bytes
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (2 * self.sample_rate)


def load_clip(path: Path, sample_rate: int = 16000, protocol: str = "vosk") -> Clip:
    """The clip's PCM16 mono samples, or an AudioFormatError naming file, format and fix."""
    want = f"{sample_rate} Hz mono 16-bit PCM WAV"
    convert = (
        f"sox {shlex.quote(str(path))} -r {sample_rate} -c 1 -b 16 -e signed-integer "
        f"{shlex.quote(str(path.with_name(path.stem + f'-{sample_rate // 1000}k.wav')))}"
    )
    try:
        with wave.open(str(path), "rb") as w:
            rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            frames = w.readframes(w.getnframes())
    except FileNotFoundError:
        raise AudioFormatError(f"{path}: no such file (asr_probe.audio)") from None
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(
            f"{path}: not a PCM WAV file ({exc}); the {protocol} protocol streams {want}. "
            f"Convert it with: {convert}"
        ) from None
    if (rate, channels, width) != (sample_rate, 1, 2):
        raise AudioFormatError(
            f"{path}: {rate} Hz, {channels} channel{'s' if channels != 1 else ''}, "
            f"{8 * width}-bit PCM; the {protocol} protocol streams {want}. "
            f"Convert it with: {convert}"
        )
    if not frames:
        raise AudioFormatError(f"{path}: the WAV file holds no audio")
    return Clip(path, frames, rate)


def expected_text(config: AsrProbeConfig) -> str:
    """`expect` from the config, else the text file beside the clip (smoke-en.txt)."""
    if config.expect is not None:
        return config.expect
    beside = Path(config.audio).with_suffix(".txt")
    try:
        return beside.read_text(encoding="utf-8").strip()
    except OSError:
        raise AudioFormatError(
            f"no expected text: set asr_probe.expect or put it in {beside}"
        ) from None

