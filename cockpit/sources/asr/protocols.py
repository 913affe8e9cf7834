"""Wire protocols of streaming ASR services, as small adapters the probe drives.

The probe knows only: messages to send before the audio, how one audio chunk is
framed, messages that say "end of audio", and how to read a server message into
partial/final text. Each service family is one adapter; `generic` takes all of
that from the config so a team can point the probe at its own service.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Frame = str | bytes


class ProtocolError(ValueError):
    """A server message that breaks the protocol (not JSON, wrong shape)."""


@dataclass(frozen=True)
class Update:
    """What one server message said: a partial or a final piece of transcript.

    `complete` means the server says the transcript is finished (no more finals
    will come), so the probe can stop waiting before the server closes.
    """

    kind: str  # "partial" | "final" | "done"
    text: str = ""

    @property
    def complete(self) -> bool:
        return self.kind == "done"


class AsrProtocol:
    """Base adapter: binary PCM frames, JSON text answers."""

    name = "base"
    #: after end of audio, a final result means the transcript is complete
    final_after_end_completes = True

    def __init__(self, sample_rate: int = 16000) -> None:
        self.sample_rate = sample_rate

    def start_messages(self) -> list[Frame]:
        return []

    def audio_frame(self, chunk: bytes) -> Frame:
        return chunk

    def end_messages(self) -> list[Frame]:
        return []

    def parse(self, message: Frame) -> list[Update]:
        """Updates carried by one server message; raises ProtocolError if unreadable."""
        return self.interpret(load_json(message))

    def interpret(self, obj: Any) -> list[Update]:
        raise NotImplementedError


def load_json(message: Frame) -> Any:
    """The JSON object of a server text frame, or a ProtocolError that shows what came."""
    if isinstance(message, bytes):
        raise ProtocolError(
            f"server sent a binary frame of {len(message)} bytes, expected JSON text"
        )
    try:
        return json.loads(message)
    except ValueError:
        raise ProtocolError(f"server sent non-JSON text: {_excerpt(message)}") from None


def _excerpt(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ProtocolError(f"{what} is {type(value).__name__}, expected a string")
    return value


#: vosk-server (websocket/asr_server.py) tests the end of audio as this exact string
#: (`message == '{"eof" : 1}'`), not as JSON: json.dumps's `{"eof": 1}` went to the
#: recognizer as audio, and its handler failed instead of sending the final.
VOSK_EOF = '{"eof" : 1}'


class VoskProtocol(AsrProtocol):
    """vosk-server: `{"config": ...}`, binary PCM, `{"eof" : 1}`; `{"partial"}` / `{"text"}`."""

    name = "vosk"

    def start_messages(self) -> list[Frame]:
        return [json.dumps({"config": {"sample_rate": self.sample_rate}})]

    def end_messages(self) -> list[Frame]:
        return [VOSK_EOF]

    def interpret(self, obj: Any) -> list[Update]:
        if not isinstance(obj, Mapping):
            raise ProtocolError(f"expected a JSON object, got {type(obj).__name__}")
        if "text" in obj:
            return [Update("final", _text(obj["text"], "'text'"))]
        if "partial" in obj:
            return [Update("partial", _text(obj["partial"], "'partial'"))]
        return []


def get_path(obj: Any, path: str) -> Any:
    """Value at a dotted path (`channel.alternatives.0.transcript`), None where absent."""
    cur = obj
    for part in path.split("."):
        if isinstance(cur, Mapping):
            cur = cur.get(part)
        elif isinstance(cur, Sequence) and not isinstance(cur, str) and part.isdigit():
            idx = int(part)
            cur = cur[idx] if idx < len(cur) else None
        else:
            return None
        if cur is None:
            return None
    return cur


@dataclass(frozen=True)
class GenericSpec:
    """How to speak to a service described only by config (see AsrProbeConfig.generic)."""

    final_path: str
    partial_path: str | None = None
    final_flag_path: str | None = None
    start_message: Any = None
    end_message: Any = None


def _frame(message: Any) -> Frame:
    return message if isinstance(message, str) else json.dumps(message)


class GenericProtocol(AsrProtocol):
    """Config-described service: start/end messages and JSON paths of the texts.

    With `final_flag_path`, the text at `final_path` is final when the flag is
    truthy and partial otherwise (deepgram's `is_final`). Without it, text at
    `final_path` is always final and text at `partial_path` always partial.
    """

    name = "generic"

    def __init__(self, spec: GenericSpec, sample_rate: int = 16000) -> None:
        super().__init__(sample_rate)
        self.spec = spec

    def start_messages(self) -> list[Frame]:
        return [] if self.spec.start_message is None else [_frame(self.spec.start_message)]

    def end_messages(self) -> list[Frame]:
        return [] if self.spec.end_message is None else [_frame(self.spec.end_message)]

    def interpret(self, obj: Any) -> list[Update]:
        spec = self.spec
        final = get_path(obj, spec.final_path)
        if spec.final_flag_path is not None:
            if final is None:
                return []
            kind = "final" if get_path(obj, spec.final_flag_path) else "partial"
            return [Update(kind, _text(final, spec.final_path))]
        if final is not None:
            return [Update("final", _text(final, spec.final_path))]
        if spec.partial_path is not None:
            partial = get_path(obj, spec.partial_path)
            if partial is not None:
                return [Update("partial", _text(partial, spec.partial_path))]
        return []


class DeepgramProtocol(GenericProtocol):
    """Deepgram-style: binary PCM, `{"type": "CloseStream"}`, `Results` with `is_final`.

    After CloseStream the server may still send several finals, then a
    `Metadata` message and a close, so a final alone does not complete.
    """

    name = "deepgram"
    final_after_end_completes = False

    def __init__(self, sample_rate: int = 16000) -> None:
        super().__init__(
            GenericSpec(
                final_path="channel.alternatives.0.transcript",
                final_flag_path="is_final",
                end_message={"type": "CloseStream"},
            ),
            sample_rate,
        )

    def interpret(self, obj: Any) -> list[Update]:
        if not isinstance(obj, Mapping):
            raise ProtocolError(f"expected a JSON object, got {type(obj).__name__}")
        kind = obj.get("type")
        if kind == "Metadata":
            return [Update("done")]
        if kind not in (None, "Results"):
            return []  # SpeechStarted, UtteranceEnd, KeepAlive acks: nothing to read
        return super().interpret(obj)


PROTOCOLS = ("vosk", "deepgram", "generic")


def make_protocol(
    name: str, sample_rate: int = 16000, spec: GenericSpec | None = None
) -> AsrProtocol:
    """The adapter for `name`; `generic` needs its spec from the config."""
    if name == "vosk":
        return VoskProtocol(sample_rate)
    if name == "deepgram":
        return DeepgramProtocol(sample_rate)
    if name == "generic":
        if spec is None:
            raise ValueError("protocol 'generic' needs asr_probe.generic (final_path at least)")
        return GenericProtocol(spec, sample_rate)
    raise ValueError(f"unknown ASR protocol {name!r}; one of {', '.join(PROTOCOLS)}")
