"""A loopback streaming ASR service backed by a real recognizer (PocketSphinx).

Speaks the vosk WebSocket protocol: a `{"config": ...}` text frame, binary
PCM16 frames, `{"eof" : 1}` (that exact text, as vosk-server compares it); answers
`{"partial": ...}` after each chunk and one `{"text": ...}` after eof, then closes.
Used by the tests, the benchmark and `cockpit demo`, where `SimFaults` injects what a
rehearsal needs to see: a slow service, wrong words, a refused upgrade, a silent server,
a mid-stream crash.

Recognition is made deterministic and fast by a small domain language model
(built with pocketsphinx's own `pocketsphinx_lm` builder), a dictionary filtered
to its words (start-up ~10 ms instead of seconds), a fixed `cmninit` tuned on
espeak-ng en-us speech, and one decoder per connection.

The server runs on its own thread and event loop, so decoding never stalls the
caller's loop (the TUI, the probe under test).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

# Sentences the sim understands: the shipped clip's text and a rehearsal's vocabulary.
CORPUS = """\
launch smoke test one two three
launch smoke test
one two three four five six seven eight nine ten zero
the quick brown fox jumps over the lazy dog
hello world
go no go hold
roll back the release
start the launch
stop the test
speech to text service is ready
"""

# Cepstral mean of espeak-ng en-us speech, converged over the smoke clip: with it
# the first words are recognized from the first frames, identically every run.
CMNINIT = "53.97,1.77,-2.37,20.87,-9.32,1.30,3.10,-13.33,-1.90,-15.94,10.55,-4.48,-2.40"

SAMPLE_RATE = 16000


class RecognizerUnavailable(RuntimeError):
    """PocketSphinx is not installed (it comes with the `test` extra)."""


@dataclass
class SimFaults:
    """What the sim does wrong, changeable while it runs (a rehearsal flips these)."""

    delay: float = 0.0  # every answer lags this many seconds ("slow")
    wrong_words: bool = False  # every other word of each answer replaced
    refuse: bool = False  # the WebSocket upgrade is answered with HTTP 503
    silent: bool = False  # accepts audio and never answers
    drop_after: float | None = None  # closes with 1011 after this many seconds of audio
    transcript: str | None = None  # answer this final text instead of the recognized one
    garbage: bool = False  # every answer is bytes that are not JSON (a broken proxy)
    huge_frame: int | None = None  # the first answer is one text frame of this many bytes

    def clear(self) -> None:
        self.__init__()  # type: ignore[misc]


@dataclass
class SimSession:
    """Server-side timeline of one connection (perf_counter seconds), for benchmarks."""

    opened: float
    first_audio: float | None = None
    first_partial_sent: float | None = None  # first non-empty partial
    eof: float | None = None
    final_sent: float | None = None
    audio_bytes: int = 0
    partials: int = 0
    final_text: str | None = None


@functools.cache
def _model_files() -> tuple[str, str, str]:
    """(acoustic model dir, domain LM, filtered dictionary), built once per process."""
    try:
        from pocketsphinx import get_model_path
        from pocketsphinx.lm import ArpaBoLM
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RecognizerUnavailable(
            "pocketsphinx is not installed"
        ) from exc
    model = Path(get_model_path()) / "en-us"
    work = Path(tempfile.mkdtemp(prefix="cockpit-asr-sim-"))
    lm = ArpaBoLM(text=CORPUS, add_start=True, case="lower")
    lm.compute()
    lm.write_file(str(work / "domain.lm"))
    words = set(CORPUS.split())
    with (
        open(model / "cmudict-en-us.dict", encoding="utf-8") as src,
        open(work / "domain.dic", "w", encoding="utf-8") as dst,
    ):
        for line in src:
            if line.split(" ", 1)[0].split("(", 1)[0] in words:
                dst.write(line)
    return str(model / "en-us"), str(work / "domain.lm"), str(work / "domain.dic")


class Recognizer:
    """One PocketSphinx decoder for one stream."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        hmm, lm, dic = _model_files()
        self._decoder = Decoder(hmm=hmm, lm=lm, dict=dic, cmninit=CMNINIT, loglevel="ERROR")
        self._decoder.start_utt()
        self._odd = b""

    def feed(self, pcm: bytes) -> str:
        """Decode a chunk; the partial hypothesis so far ('' before any word)."""
        pcm = self._odd + pcm
        if len(pcm) % 2:
            pcm, self._odd = pcm[:-1], pcm[-1:]
        else:
            self._odd = b""
        if pcm:  # an empty chunk would be a no-op at best
            self._decoder.process_raw(pcm, False, False)
        return self._hyp()

    def finish(self) -> str:
        self._decoder.end_utt()
        return self._hyp()

    def _hyp(self) -> str:
        hyp = self._decoder.hyp()
        return hyp.hypstr if hyp is not None and hyp.hypstr else ""


def _wrong(text: str) -> str:
    return " ".join("nope" if i % 2 else w for i, w in enumerate(text.split()))


class AsrSim:
    """The server. `start()` returns its `ws://` URL; `stop()` shuts it down."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, faults: SimFaults | None = None):
        self.host = host
        self.port = port
        self.faults = faults or SimFaults()
        self.sessions: list[SimSession] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
        self._decoders: dict[ServerConnection, Recognizer] = {}
        self.url = ""

    # ------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 10.0) -> str:
        _model_files()  # fail here, in the caller, if pocketsphinx is missing
        self._thread = threading.Thread(target=self._run, name="asr-sim", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("ASR sim did not start in time")
        if self._error is not None:
            raise RuntimeError(f"ASR sim failed to start: {self._error}") from self._error
        return self.url

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._process_request,
            max_size=1 << 20,
            ping_interval=None,
        ) as server:
            sock = next(iter(server.sockets))
            host, port = sock.getsockname()[:2]
            self.url = f"ws://{host}:{port}/" if ":" not in host else f"ws://[{host}]:{port}/"
            self._ready.set()
            await self._stop.wait()
            server.close()

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        """Refuse (a fault), or load this connection's decoder before the upgrade completes.

        Loading it here, not once audio flows, keeps the GIL-holding model load out of
        the stream: the sim's own timestamps then measure recognition, not start-up.
        """
        if self.faults.refuse:
            return connection.respond(
                http.HTTPStatus.SERVICE_UNAVAILABLE, "simulated outage: service unavailable\n"
            )
        loop = asyncio.get_running_loop()
        self._decoders[connection] = await loop.run_in_executor(self._pool, Recognizer)
        return None

    # ------------------------------------------------------------ one stream

    async def _handle(self, ws: ServerConnection) -> None:
        session = SimSession(opened=time.perf_counter())
        self.sessions.append(session)
        loop = asyncio.get_running_loop()
        recognizer = self._decoders.pop(ws)
        outbox: asyncio.Queue[tuple[float, str | None]] = asyncio.Queue()
        sender = asyncio.create_task(self._send_lagged(ws, outbox, session))
        sample_rate = SAMPLE_RATE
        try:
            async for message in ws:
                faults = self.faults
                if isinstance(message, str):
                    obj = _json_object(message)
                    if "config" in obj:
                        sample_rate = int(obj["config"].get("sample_rate", SAMPLE_RATE))
                        continue
                    # vosk-server compares the text, it does not parse it: another
                    # spelling of {"eof": 1} is no end of audio there, nor here
                    if message == EOF:
                        session.eof = time.perf_counter()
                        text = await loop.run_in_executor(self._pool, recognizer.finish)
                        if faults.transcript is not None:
                            text = faults.transcript
                        elif faults.wrong_words:
                            text = _wrong(text)
                        if not faults.silent:
                            session.final_text = text
                            await outbox.put((time.perf_counter(), json.dumps({"text": text})))
                        await outbox.put((time.perf_counter(), None))
                        break
                    continue
                if session.first_audio is None:
                    session.first_audio = time.perf_counter()
                session.audio_bytes += len(message)
                heard = session.audio_bytes / (2 * sample_rate)
                if faults.drop_after is not None and heard >= faults.drop_after:
                    await ws.close(1011, "simulated crash mid-stream")
                    break
                partial = await loop.run_in_executor(self._pool, recognizer.feed, message)
                if faults.silent:
                    continue
                if faults.wrong_words:
                    partial = _wrong(partial)
                await outbox.put((time.perf_counter(), json.dumps({"partial": partial})))
            await sender
        except ConnectionClosed:
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await sender

    async def _send_lagged(
        self, ws: ServerConnection, outbox: asyncio.Queue[tuple[float, str | None]], s: SimSession
    ) -> None:
        """Send answers in order, each `faults.delay` after it was ready; None closes."""
        while True:
            ready, text = await outbox.get()
            wait = ready + self.faults.delay - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            if text is None:
                await ws.close(1000, "eof")
                return
            if self.faults.huge_frame:
                await ws.send('{"partial": "' + "x" * self.faults.huge_frame + '"}')
                continue
            if self.faults.garbage:
                await ws.send(b"\x00\xff not json \x1b[2J" + os.urandom(16))
                continue
            await ws.send(text)
            now = time.perf_counter()
            if text.startswith('{"text"'):
                s.final_sent = now
            else:
                s.partials += 1
                if s.first_partial_sent is None and text != '{"partial": ""}':
                    s.first_partial_sent = now


EOF = '{"eof" : 1}'  # vosk-server's websocket/asr_server.py: `message == '{"eof" : 1}'`


def _json_object(message: str) -> dict[str, Any]:
    try:
        obj = json.loads(message)
    except ValueError:
        return {}
    return obj if isinstance(obj, dict) else {}


def start_asr_sim(
    host: str = "127.0.0.1", port: int = 0, faults: SimFaults | None = None
) -> tuple[str, Callable[[], None]]:
    """Start the sim on a thread; returns (ws URL, stop). Keep `faults` to flip them live."""
    sim = AsrSim(host, port, faults)
    return sim.start(), sim.stop
