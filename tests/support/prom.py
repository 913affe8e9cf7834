"""A real Prometheus on loopback, loaded with exact data, for integration tests.

`prometheus_server(openmetrics_text, workdir)` backfills the text with
`promtool tsdb create-blocks-from openmetrics` into a fresh data directory, starts
Debian's `prometheus` on a free 127.0.0.1 port with no scrape targets, waits until it
is ready and yields a `PromServer` (`url`, `stop()`, `start()` on the same port).

Used by the SLO tests (request/latency data) and the GPU tests (DCGM data). The
`OpenMetrics` builder writes counters, gauges and histograms sample by sample.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from tests.support.require import require_binary

_CONFIG = "global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\nscrape_configs: []\n"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OpenMetrics:
    """OpenMetrics text built family by family (promtool wants each family together)."""

    def __init__(self) -> None:
        self._lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str = "") -> OpenMetrics:
        if help_text:
            self._lines.append(f"# HELP {name} {help_text}")
        self._lines.append(f"# TYPE {name} {kind}")
        return self

    def sample(self, name: str, labels: Mapping[str, str], value: float, at: float) -> OpenMetrics:
        label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        self._lines.append(f"{name}{{{label_text}}} {_num(value)} {_num(at)}")
        return self

    def series(
        self, name: str, labels: Mapping[str, str], points: Sequence[tuple[float, float]]
    ) -> OpenMetrics:
        for at, value in points:
            self.sample(name, labels, value, at)
        return self

    def text(self) -> str:
        return "\n".join([*self._lines, "# EOF"]) + "\n"


def _escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _num(x: float) -> str:
    if x == int(x):
        return str(int(x))
    return repr(float(x))


class PromServer:
    """One Prometheus process over one data directory; restartable on the same port."""

    def __init__(self, workdir: Path, port: int, binary: str, rules: str | None = None) -> None:
        self.rules = rules  # a rules file's YAML: evaluated every second when given
        self.workdir = workdir
        self.data = workdir / "data"
        self.port = port
        self.binary = binary
        self.url = f"http://127.0.0.1:{port}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = workdir / "prometheus.log"

    def start(self, timeout: float = 30.0) -> None:
        config = self.workdir / "prometheus.yml"
        if self.rules is None:
            config.write_text(_CONFIG)
        else:
            (self.workdir / "rules.yml").write_text(self.rules)
            config.write_text(_CONFIG.replace("evaluation_interval: 1h", "evaluation_interval: 1s")
                              + "rule_files: [rules.yml]\n")
        log = self._log.open("ab")
        self._proc = subprocess.Popen(
            [
                self.binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.data}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=100y",
                "--log.level=warn",
                "--query.lookback-delta=5m",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"prometheus exited early:\n{self.log_tail()}")
            if _ready(self.port):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"prometheus not ready after {timeout:g}s:\n{self.log_tail()}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self._log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _ready(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", "/-/ready")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def backfill(openmetrics_text: str, data_dir: Path, promtool: str) -> None:
    """Write `openmetrics_text` as TSDB blocks into `data_dir` (exact, no scraping)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    source = data_dir.parent / "backfill.om"
    text = (
        openmetrics_text
        if openmetrics_text.rstrip().endswith("# EOF")
        else (openmetrics_text.rstrip("\n") + "\n# EOF\n")
    )
    source.write_text(text)
    result = subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"promtool backfill failed:\n{result.stdout}\n{result.stderr}")


@contextlib.contextmanager
def prometheus_server(
    openmetrics_text: str, workdir: Path, rules: str | None = None
) -> Iterator[PromServer]:
    """A ready Prometheus holding exactly `openmetrics_text`; stopped on exit.

    With `rules` (a rules file's YAML), rules are loaded and evaluated every second.

    Skips loudly (fails under CI) when the binaries are missing: `make test` installs
    them with tools/deps.d/prometheus.sh.
    """
    binary = require_binary("prometheus")
    promtool = require_binary("promtool")
    workdir.mkdir(parents=True, exist_ok=True)
    backfill(openmetrics_text, workdir / "data", promtool)
    server = PromServer(workdir, free_port(), binary, rules)
    server.start()  # a Prometheus that is there but will not start is a failure, not a skip
    try:
        yield server
    finally:
        server.stop()


__all__ = ["OpenMetrics", "PromServer", "backfill", "free_port", "prometheus_server"]
