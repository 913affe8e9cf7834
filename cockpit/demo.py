"""`cockpit demo`: a rehearsal launch on loopback simulators, no cluster needed.

`Demo.start()` starts, each on 127.0.0.1 with a free port: the Kubernetes API sim
(namespace `asr`, deployments asr-gateway and asr-worker at revision 4), the
Prometheus API sim (the SLO queries and DCGM GPU metrics), the PocketSphinx ASR
WebSocket sim, and a small `/health` endpoint. It writes a launch config for them
into a temp dir (kubeconfig, store, a helm that works without a cluster) and
pre-ticks the checklist items a rehearsal cannot practise. `drive()` runs the
script of `cockpit.sim.scenario` and writes its steps to the incident log.
`build_app()` makes the screen over it, the same for `cockpit demo` and the tests.
`stop()` stops every simulator and removes the temp dir.

Nothing here imports Textual at module level: `cockpit demo --print-config` and the
headless commands stay light.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from cockpit import identity
from cockpit.shipped import shipped_file
from cockpit.sim.health import ApiHandler, ApiServer
from cockpit.sim.rehearsal import load_rehearsal
from cockpit.sim.scenario import FAULTS, NAMESPACE, LaunchScenario, Note

if TYPE_CHECKING:
    from cockpit.demo_app import DemoApp

ROOT = Path(__file__).resolve().parents[1]
CHECKLISTS = ("launch-day.yaml", "asr-service.yaml")  # first that validates wins
# Manual items a rehearsal cannot practise (announcements, backups, on-call): ticked at
# start by the demo, so the team works through the ones of the launch window itself.
PRETICK_SECTIONS = ("Before the window opens", "Rollback readiness", "Model and accuracy")
DEMO_AUTHOR = "cockpit-demo@rehearsal"
CONTEXT = "demo"
TICK_EVERY = 0.25  # s of wall time between script steps
DEMO_ORIGIN = "https://app.example.com"  # the web app whose CORS origin the API allows

QUERIES: dict[str, dict[str, Any]] = {
    "error_rate": {
        "query": 'sum(rate(http_requests_total{job="asr",code=~"5.."}[5m])) / '
        'sum(rate(http_requests_total{job="asr"}[5m]))',
        "unit": "ratio", "warn": 0.01, "fail": 0.05, "for": "30s",
    },
    "p95_latency": {
        "query": "histogram_quantile(0.95, sum by (le) "
        '(rate(http_request_duration_seconds_bucket{job="asr"}[5m])))',
        "unit": "seconds", "warn": 0.5, "fail": 1.0, "for": "30s",
    },
    "p99_latency": {
        "query": "histogram_quantile(0.99, sum by (le) "
        '(rate(http_request_duration_seconds_bucket{job="asr"}[5m])))',
        "unit": "seconds", "warn": 1.0, "fail": 2.0, "for": "30s",
    },
    "request_rate": {"query": 'sum(rate(http_requests_total{job="asr"}[5m]))', "unit": "rate"},
    "active_streams": {"query": 'sum(asr_active_streams{job="asr"})', "unit": "count"},
}


class DemoError(RuntimeError):
    """The rehearsal cannot start (a missing part), with what to do about it."""


@dataclass
class DemoOptions:
    speed: float = 1.0
    store: str | None = None  # event log file; default: in the temp dir
    faults: list[tuple[str, float]] = field(default_factory=list)  # (name, scenario s)
    scripted_fault: bool = True
    layout: str | None = None  # None: the screen picks one by terminal size
    helm: str | None = None  # a helm binary; default tools/bin/helm, else helm on PATH
    workdir: str | None = None  # default: a fresh temp dir, removed on stop
    scenario: str = "launch"  # a shipped scenario's name (rehearsals/) or a scenario file


def parse_fault(text: str) -> tuple[str, float]:
    """`errors@120` (or `errors@2m`) -> ("errors", 120.0): fault NAME at that second.

    The time is the config's duration type, so `@nan`, `@inf` and `@-5` are refused
    here, at parse, not later inside the scenario."""
    from cockpit.config import parse_duration

    name, sep, at = text.partition("@")
    if name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
    try:
        seconds = parse_duration(at) if sep else 0.0
    except ValueError:
        raise ValueError(f"{text!r}: write NAME@SECONDS, e.g. errors@120 or errors@2m") from None
    return name, seconds


def how_to_get_helm() -> str:
    """What to do about a missing helm: the checkout's installer where there is one; an
    installed wheel has no tools/ (the demo said `bash tools/deps.d/helm.sh` there too)."""
    if (ROOT / "tools" / "deps.d" / "helm.sh").is_file():
        return "bash tools/deps.d/helm.sh installs it, or put helm on PATH"
    return "install helm 3 onto PATH: https://helm.sh/docs/intro/install/"


def how_to_get_pocketsphinx() -> str:
    """The demo extra, said the way this install takes it (a checkout, or a wheel where
    `pip install -e '.[test]'` was the wrong advice)."""
    if (ROOT / "pyproject.toml").is_file():
        return "run `make demo` or pip install -e '.[demo]'"
    return "install cockpit with its demo extra: pip install 'cockpit[demo]' (or pocketsphinx)"


def find_helm(explicit: str | None = None) -> str | None:
    """A helm that runs: explicit, else the repo's tools/bin/helm, else helm on PATH."""
    for candidate in (explicit, str(ROOT / "tools" / "bin" / "helm"), shutil.which("helm")):
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        try:
            out = subprocess.run([candidate, "version", "--short"], capture_output=True,
                                 timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0:
            return candidate
    return None


_NO_HELM = """#!{python}
# cockpit demo: no helm binary was found, so the rehearsal cannot roll back. What is
# deployed (`get metadata`, `status`) is still read from the rehearsal's release file.
import sys
from cockpit.sim.helm import read_only_main
if read_only_main({state!r}, sys.argv[1:]):
    sys.exit(0)
sys.stderr.write("Error: cockpit demo has no helm: the rehearsal's rollback cannot run. "
                 "Helm: " {how!r} "; then start the demo again. The scripted fault clears "
                 "by itself.\\n")
sys.exit(1)
"""


OWNER_FILE = "owner.pid"


def remove_stale_dirs() -> int:
    """Temp dirs of earlier demos whose process is gone (a hang-up's hard exit skips the
    clean-up); only dirs carrying our owner file are touched. How many were removed."""
    removed = 0
    for d in Path(tempfile.gettempdir()).glob("cockpit-demo-*"):
        try:
            pid = int((d / OWNER_FILE).read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, 0)
            continue  # still running (or not ours to signal): leave it
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed += 1
    return removed


class _HealthHandler(ApiHandler):
    """`/health` from the scenario; the service API (`/v1/models`, `/v1/jobs`) of sim/health.py."""

    server: _HealthServer  # type: ignore[assignment]

    def do_GET(self) -> None:  # noqa: N802
        scenario = self.server.scenario
        if self.path.split("?", 1)[0] != "/health":
            super().do_GET()
            return
        if scenario.health_ok:
            code, body = 200, {"status": "ok", "version": scenario.version}
        else:
            code, body = 503, {"status": "unavailable", "version": scenario.version}
        self.answer(code, body)


class _HealthServer(ApiServer):
    def __init__(self, scenario: LaunchScenario, token: str) -> None:
        self.scenario = scenario
        super().__init__(token, allowed_origins=(DEMO_ORIGIN,), job_seconds=3.0,
                         handler=_HealthHandler)


class Demo:
    """Every simulator, the scenario and the generated launch config of one rehearsal."""

    def __init__(self, options: DemoOptions | None = None) -> None:
        self.options = options or DemoOptions()
        self.dir: Path | None = None
        self.config_path: Path | None = None
        self.config_text = ""
        self.checklist: Path | None = None
        self.helm_binary: str | None = None
        self.scenario: LaunchScenario | None = None
        self.urls: dict[str, str] = {}
        self.ca_file: Path | None = None
        self._stops: list[Callable[[], None]] = []
        self._own_dir = False

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Demo:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        from cockpit.sim.asr import AsrSim, RecognizerUnavailable, SimFaults
        from cockpit.sim.helm import HelmState, write_wrapper
        from cockpit.sim.kube.server import KubeSim, write_kubeconfig
        from cockpit.sim.prometheus import PromSim

        opts = self.options
        if opts.workdir:
            self.dir = Path(opts.workdir)
            self.dir.mkdir(parents=True, exist_ok=True)
        else:
            remove_stale_dirs()
            self.dir = Path(tempfile.mkdtemp(prefix="cockpit-demo-"))
            (self.dir / OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
            self._own_dir = True
        for need in (shipped_file("probes", "smoke-en.wav"),
                     shipped_file("checklists", CHECKLISTS[0])):
            if not need.exists():
                raise DemoError(f"{need} is missing: reinstall cockpit (pip install '.[demo]')")

        helm_state = HelmState(self.dir / "helm-releases.yaml", release="asr", namespace=NAMESPACE)
        faults = SimFaults()
        kube = KubeSim(CONTEXT)
        scenario = LaunchScenario(
            cluster=kube.cluster, asr_faults=faults, helm=helm_state, speed=opts.speed,
            scripted_fault=opts.scripted_fault, planned=list(opts.faults),
            script=load_rehearsal(opts.scenario),
        )
        self.scenario = scenario
        scenario.setup()
        kube.start()
        self._stops.append(kube.stop)
        self.urls["kubernetes"] = kube.url

        prom = PromSim(scenario.prom_table({n: q["query"] for n, q in QUERIES.items()}))
        scenario.prom = prom
        prom.start()
        self._stops.append(prom.stop)
        self.urls["prometheus"] = prom.url

        asr = AsrSim(faults=faults)
        try:
            self.urls["asr"] = asr.start()
        except RecognizerUnavailable as exc:
            raise DemoError(f"the ASR simulator needs PocketSphinx: {exc}; "
                            f"{how_to_get_pocketsphinx()}") from None
        self._stops.append(asr.stop)

        token = secrets.token_hex(16)
        (self.dir / "api-token").write_text(f"Bearer {token}\n", encoding="utf-8")
        health = _HealthServer(scenario, token)
        threading.Thread(target=health.serve_forever, args=(0.05,), name="demo-health",
                         daemon=True).start()
        self._stops.append(lambda: (health.shutdown(), health.server_close()))
        self.urls["health"] = "http://{}:{}/health".format(*health.server_address[:2])
        self.urls["api"] = health.url
        self._start_checks(prom)

        kubeconfig = write_kubeconfig(self.dir / "kubeconfig", {CONTEXT: kube.url},
                                      namespace=NAMESPACE)
        helm_path = self.dir / "bin" / "helm"
        self.helm_binary = find_helm(opts.helm)
        if self.helm_binary is not None:
            write_wrapper(helm_path, self.helm_binary, helm_state, self.dir / "helm-home")
        else:
            helm_path.parent.mkdir(parents=True, exist_ok=True)
            helm_path.write_text(_NO_HELM.format(python=sys.executable, how=how_to_get_helm(),
                                                 state=str(helm_state.path)), encoding="utf-8")
            helm_path.chmod(0o755)
        self._write_config(kubeconfig, helm_path)
        self._pretick()

    def _start_checks(self, prom: Any) -> None:
        """What the richer checks look at: alert rules in the Prometheus sim, dependency
        ports (stand-ins for PostgreSQL and Redis), a TLS endpoint with the demo's CA."""
        from cockpit.sim.ports import Listener, make_cert
        from cockpit.sim.prometheus import AlertRule

        assert self.dir is not None
        prom.table.alerts.extend([
            AlertRule("HighErrorRate", QUERIES["error_rate"]["query"], 0.05, "critical",
                      "error rate above 5% for the asr service"),
            AlertRule("HighLatencyP95", QUERIES["p95_latency"]["query"], 1.0, "warning",
                      "p95 latency above 1 s"),
        ])
        cert = make_cert(self.dir / "tls", datetime.now(UTC) + timedelta(days=60, hours=1))
        self.ca_file = cert.ca_file
        for name, listener in (("postgres", Listener()), ("redis", Listener()),
                               ("tls", Listener(cert.ctx))):
            self._stops.append(listener.close)
            self.urls[name] = listener.address

    def stop(self) -> None:
        while self._stops:
            stop = self._stops.pop()
            with contextlib.suppress(Exception):
                stop()
        if self._own_dir and self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self._own_dir = False

    def __enter__(self) -> Demo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ the launch config

    def store_path(self) -> Path:
        assert self.dir is not None
        if self.options.store:
            return Path(self.options.store).expanduser().resolve()
        return self.dir / "rehearsal.db"

    def _config(self, checklist: Path, kubeconfig: Path, helm: Path) -> dict[str, Any]:
        return {
            "launch": "asr 2.4.0 rehearsal",
            "checklist": str(checklist),
            **({"layout": self.options.layout} if self.options.layout else {}),
            "store": f"sqlite:///{self.store_path()}",
            "captains": [identity.current().user],
            "http": self._http_checks(),
            "tcp": {"postgres": {"address": self.urls["postgres"], **self._sampled(5.0)},
                    "redis": {"address": self.urls["redis"], **self._sampled(5.0)}},
            "tls": {"endpoints": [self.urls["tls"]], "ca_file": str(self.ca_file),
                    "every": "1m"},
            "alerts": {**self._sampled(5.0)},
            # the default 30 s (scaled with --speed): each sample runs helm twice (~0.1 s of
            # CPU each, more through the demo's wrapper); every 5 s that alone cost ~4% of a
            # core while watching
            "release": {**self._sampled(30.0, 1.0)},
            "kubernetes": {
                "kubeconfig": str(kubeconfig), "context": CONTEXT, "namespace": NAMESPACE,
                "selector": "app.kubernetes.io/part-of=asr", "every": self._every(2.0),
            },
            "prometheus": {
                "url": self.urls["prometheus"], **self._sampled(5.0), "compare": "1d",
                "history": "30m", "queries": self._queries(),
            },
            "gpu": {"source": "dcgm", **self._sampled(5.0)},
            "asr_probe": {
                "url": self.urls["asr"], "protocol": "vosk",
                "audio": str(shipped_file("probes", "smoke-en.wav")),
                "every": self._every(20.0, 1.0),
                "timeout": "20s", "max_wer": 0.2, "max_first_partial": "1s",
                # a sped-up rehearsal streams the clip faster too (a probe every 20
                # scenario seconds), never past what the recognizer keeps up with
                "speed": max(1.0, min(self.options.speed, 5.0)),
                "max_final_latency": "2s",
            },
            "rollback": {
                "helm": {"release": "asr", "namespace": NAMESPACE, "kube_context": CONTEXT,
                         "timeout": "2m", "helm": str(helm)},
                "verify_within": "5m",
                "state_dir": str(self.dir / "rollback"),  # type: ignore[operator]
            },
        }

    def _http_checks(self) -> dict[str, dict[str, Any]]:
        """/health, then 401 without a token and 200 with one, and a small upload job."""
        assert self.dir is not None
        api, token = self.urls["api"], str(self.dir / "api-token")
        return {
            "health": {"url": self.urls["health"], **self._sampled(5.0), "timeout": "2s",
                       "read_headers": ["strict-transport-security"], "cors_origin": DEMO_ORIGIN},
            "noauth": {"url": f"{api}/v1/models", **self._sampled(15.0),
                       "expect_status": [401]},
            "auth": {"url": f"{api}/v1/models", **self._sampled(15.0),
                     "headers_file": {"Authorization": token}, "expect_json": {"status": "ok"}},
            "job": {"url": f"{api}/v1/jobs", "method": "POST", **self._sampled(30.0, 2.0),
                    "timeout": "5s",
                    "body_file": str(shipped_file("probes", "smoke-en.wav")),
                    "content_type": "audio/wav", "headers_file": {"Authorization": token},
                    "expect_status": [202],
                    "job": {"done_value": "completed", "poll": "500ms", "deadline": "20s"}},
        }

    def _sampled(self, seconds: float, floor: float = 0.25) -> dict[str, str]:
        """`every` shortened with --speed (see _every), `stale_after` kept at its speed-1
        bound (three intervals, wall time): a one-shot `cockpit check` against a sped-up
        demo, which waits for the ASR probe, must not find its first readings stale."""
        from cockpit.config import format_duration

        return {"every": self._every(seconds, floor), "stale_after": format_duration(3 * seconds)}

    def _every(self, seconds: float, floor: float = 0.25) -> str:
        """A source's interval at speed 1, shortened with the script's speed (so a sped-up
        rehearsal is sampled as often, in scenario time), never below `floor` wall seconds."""
        from cockpit.config import format_duration

        return format_duration(max(floor, round(seconds / self.options.speed, 3)))

    def _queries(self) -> dict[str, dict[str, Any]]:
        """The SLO queries, breach holds (`for:`) shortened with the script's speed, never
        below four Prometheus samples."""
        from cockpit.config import format_duration, parse_duration

        every = parse_duration(self._every(5.0))
        out = {}
        for name, spec in QUERIES.items():
            spec = dict(spec)
            if "for" in spec:
                held = max(4 * every, parse_duration(spec["for"]) / self.options.speed)
                spec["for"] = format_duration(round(held, 3))
            out[name] = spec
        return out

    def _write_config(self, kubeconfig: Path, helm: Path) -> None:
        from cockpit.checklist import load_checklist, unknown_signals
        from cockpit.config import load_config
        from cockpit.sources import build_sources

        assert self.dir is not None
        path = self.dir / "launch.yaml"
        problems: list[str] = []
        for name in CHECKLISTS:
            checklist = shipped_file("checklists", name)
            text = self._header() + yaml.safe_dump(
                self._config(checklist, kubeconfig, helm), sort_keys=False, width=120)
            path.write_text(text, encoding="utf-8")
            config = load_config(path)
            patterns = [p for s in build_sources(config) for p in s.signal_patterns()]
            found = unknown_signals(load_checklist(checklist), _known(patterns))
            if not found:
                self.config_path, self.config_text, self.checklist = path, text, checklist
                return
            problems += found
        raise DemoError("no shipped checklist validates against the demo's signals:\n  "
                        + "\n  ".join(problems))

    def _header(self) -> str:
        helm = (f"helm: the real {self.helm_binary} on its memory driver (no cluster)"
                if self.helm_binary else "helm: NONE FOUND — the rollback plan says so")
        return (
            "# cockpit demo: a rehearsal launch on loopback simulators (generated; removed\n"
            "# when the demo stops). Point `cockpit check`, `probe`, `rollback --plan` at it.\n"
            f"# {helm}\n"
        )

    def _pretick(self) -> None:
        from cockpit.checklist import load_checklist
        from cockpit.model import Event, EventKind
        from cockpit.store.sqlite import SqliteStore

        assert self.checklist is not None
        store_path = self.store_path()
        store_path.parent.mkdir(parents=True, exist_ok=True)
        store = SqliteStore(store_path)
        try:
            for item in load_checklist(self.checklist).items():
                if not item.manual or not item.required or item.section not in PRETICK_SECTIONS:
                    continue
                comment = "pre-ticked by cockpit demo: not part of the rehearsal"
                store.append(Event(
                    EventKind.TICK, f"ticked {item.id}: {item.text} ({comment})",
                    data={"item": item.id, "comment": comment}, author=DEMO_AUTHOR,
                    id=uuid.uuid5(uuid.NAMESPACE_URL, f"{store_path}#{item.id}").hex,
                ))
        finally:
            close = getattr(store, "close", None)
            if callable(close):
                close()

    # ------------------------------------------------------------ the script

    def inject(self, name: str) -> str:
        """An operator's fault, now; returns what it is."""
        assert self.scenario is not None
        self.scenario.inject(name)
        return FAULTS[name][1]

    def clear_faults(self) -> int:
        assert self.scenario is not None
        return self.scenario.clear()

    async def drive(self, record: Callable[[Note], None]) -> None:
        """Take the script's steps until cancelled; each note goes to `record`."""
        assert self.scenario is not None
        while True:
            try:
                notes = self.scenario.tick(time.time())
            except Exception as exc:  # noqa: BLE001 - the rehearsal goes on
                notes = [("warning", f"rehearsal script step failed: {exc!r}")]
            for note in notes:
                with contextlib.suppress(Exception):
                    record(note)
            await asyncio.sleep(min(TICK_EVERY, 1.0 / self.options.speed))


def _known(patterns: list[str]) -> Callable[[str], bool]:
    return lambda name: any(fnmatch.fnmatchcase(name, p) for p in patterns)


def note_event(note: Note) -> Any:
    from cockpit.model import Event, EventKind, Severity

    severity, message = note
    return Event(EventKind.NOTE, message, Severity(severity), {"demo": True}, author=DEMO_AUTHOR)


def build_app(demo: Demo, layout: str | None = None, *, bell: bool = True,
              start_engine: bool = True, keymap: dict[str, str] | None = None) -> DemoApp:
    """The cockpit screen over the demo's config (`cockpit.demo_app.DemoApp`): `cockpit
    run`'s app, plus the script and fault commands. The launch is built as every
    command builds one (`cockpit.launch.build`); None `layout` picks by terminal size."""
    from cockpit.demo_app import DemoApp
    from cockpit.launch import LaunchError, build
    from cockpit.layout import LayoutError, NoSuchLayout, layouts_for

    assert demo.config_path is not None
    try:
        launch = build(demo.config_path)
        layouts, first = layouts_for(launch.config, layout)
    except (LaunchError, LayoutError, NoSuchLayout) as exc:
        raise DemoError(str(exc)) from None
    return DemoApp(demo, launch.engine, layouts, layout=first, bell=bell,
                   start_engine=start_engine, keymap=keymap)


async def serve_demo(app: DemoApp, mouse: bool = False) -> int:
    from cockpit.ui.serve import serve

    return await serve(app, app.engine, mouse=mouse)


async def hold(demo: Demo, out: Callable[[str], None], stop: threading.Event) -> None:
    """`--print-config`: run the script with no screen until `stop`, notes to `out`."""

    def record(note: Note) -> None:
        out(f"{time.strftime('%H:%M:%S')} {note[0]}: {note[1]}")

    task = asyncio.create_task(demo.drive(record))
    try:
        while not stop.is_set():
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def run_drill(demo: Demo, *, auto_rollback: bool = False,
                    out: Callable[[str], None] = print, report: str | None = None) -> Any:
    """`cockpit demo --headless`: the scenario played to its end over the demo's engine
    (cockpit.drill); `report`: a file the drill's report is written to at the end."""
    from cockpit.drill import Drill
    from cockpit.launch import LaunchError, build

    assert demo.config_path is not None
    try:
        launch = build(demo.config_path)
    except LaunchError as exc:
        raise DemoError(str(exc)) from None
    engine: Any = launch.engine

    async def write_report() -> Path:
        from cockpit.report import write_report as write

        assert report is not None
        return await write(engine.config, Path(report), store=engine.store,
                           since=time.time() - engine.started_at if engine.started_at else None,
                           engine=engine)

    drill = Drill(demo, engine, auto_rollback=auto_rollback, out=out,
                  report=write_report if report else None)
    try:
        return await drill.run()
    finally:
        # Sources cancelled mid-command (helm for the release source) leave subprocess
        # transports to close: collect them while the loop still runs, so none outlives it.
        import gc

        await asyncio.sleep(0.3)
        gc.collect()
        await asyncio.sleep(0.1)
        close = getattr(engine.store, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()


def describe(demo: Demo) -> Sequence[str]:
    lines = [f"config: {demo.config_path}"]
    lines += [f"{name}: {url}" for name, url in demo.urls.items()]
    if demo.helm_binary is None:
        lines.append(f"helm: none found ({how_to_get_helm()}); no rollback")
    cfg = demo.config_path
    lines.append(f"try: cockpit check {cfg} · cockpit probe {cfg} · "
                 f"cockpit rollback {cfg} --plan · cockpit run {cfg}")
    return lines


__all__ = ["Demo", "DemoError", "DemoOptions", "build_app", "find_helm", "parse_fault"]
