"""Protocol adapters: what each sends, and how each reads server messages."""

from __future__ import annotations

import json

import pytest

from cockpit.sources.asr.protocols import (
    GenericProtocol,
    GenericSpec,
    ProtocolError,
    Update,
    get_path,
    make_protocol,
)


def test_vosk_messages_and_answers() -> None:
    vosk = make_protocol("vosk", 16000)
    assert [json.loads(m) for m in vosk.start_messages()] == [{"config": {"sample_rate": 16000}}]
    assert [json.loads(m) for m in vosk.end_messages()] == [{"eof": 1}]
    # byte for byte what vosk-server compares the message with (it does not parse it)
    assert vosk.end_messages() == ['{"eof" : 1}']
    assert vosk.audio_frame(b"\x01\x02") == b"\x01\x02"
    assert vosk.parse('{"partial": "launch smo"}') == [Update("partial", "launch smo")]
    assert vosk.parse('{"text": "launch smoke"}') == [Update("final", "launch smoke")]
    assert vosk.parse('{"result": [], "text": ""}') == [Update("final", "")]
    assert vosk.parse("{}") == []
    assert vosk.final_after_end_completes


@pytest.mark.parametrize(
    ("message", "needle"),
    [
        ("<html>502</html>", "non-JSON text: '<html>502</html>'"),
        (b"\x00\x01", "binary frame of 2 bytes"),
        ("[1, 2]", "expected a JSON object, got list"),
        ('{"text": 42}', "'text' is int, expected a string"),
        ("x" * 500, "..."),
    ],
)
def test_vosk_rejects_what_it_cannot_read(message: str | bytes, needle: str) -> None:
    with pytest.raises(ProtocolError) as err:
        make_protocol("vosk").parse(message)
    assert needle in str(err.value)
    assert len(str(err.value)) < 200  # a huge non-JSON answer is cut, not echoed whole


def test_deepgram_results_metadata_and_close_stream() -> None:
    dg = make_protocol("deepgram")
    assert dg.start_messages() == []
    assert [json.loads(m) for m in dg.end_messages()] == [{"type": "CloseStream"}]

    def results(text: str, final: bool) -> str:
        return json.dumps(
            {"type": "Results", "is_final": final,
             "channel": {"alternatives": [{"transcript": text}]}}
        )

    assert dg.parse(results("launch", False)) == [Update("partial", "launch")]
    assert dg.parse(results("launch smoke", True)) == [Update("final", "launch smoke")]
    assert dg.parse('{"type": "SpeechStarted"}') == []
    assert dg.parse('{"type": "Metadata", "request_id": "r"}') == [Update("done")]
    assert not dg.final_after_end_completes


def test_generic_with_and_without_final_flag() -> None:
    flagged = GenericProtocol(
        GenericSpec(final_path="result.text", final_flag_path="result.done",
                    start_message={"op": "begin"}, end_message="END")
    )
    assert flagged.start_messages() == ['{"op": "begin"}']
    assert flagged.end_messages() == ["END"]  # a string is sent as is
    partial = '{"result": {"text": "a b", "done": false}}'
    final = '{"result": {"text": "a b c", "done": 1}}'
    assert flagged.parse(partial) == [Update("partial", "a b")]
    assert flagged.parse(final) == [Update("final", "a b c")]
    assert flagged.parse('{"status": "ok"}') == []

    split = GenericProtocol(GenericSpec(final_path="final", partial_path="hyp.0"))
    assert split.start_messages() == [] and split.end_messages() == []
    assert split.parse('{"hyp": ["laun"]}') == [Update("partial", "laun")]
    assert split.parse('{"final": "launch"}') == [Update("final", "launch")]


def test_get_path() -> None:
    obj = {"channel": {"alternatives": [{"transcript": "x"}]}, "s": "abc"}
    assert get_path(obj, "channel.alternatives.0.transcript") == "x"
    assert get_path(obj, "channel.alternatives.5.transcript") is None
    assert get_path(obj, "channel.missing") is None
    assert get_path(obj, "s.0") is None  # strings are not indexed into
    assert get_path([{"a": 1}], "0.a") == 1


def test_make_protocol_errors() -> None:
    with pytest.raises(ValueError, match="needs asr_probe.generic"):
        make_protocol("generic")
    with pytest.raises(ValueError, match="unknown ASR protocol 'grpc'"):
        make_protocol("grpc")
