"""`Demo`: every simulator started on loopback, the launch config written for them,
the checklist pre-ticked, the script driven, and all of it stopped and removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from cockpit import identity
from cockpit.demo.install import _NO_HELM, find_helm, how_to_get_helm, how_to_get_pocketsphinx
from cockpit.demo.options import (
    CHECKLISTS,
    CONTEXT,
    DEMO_AUTHOR,
    DEMO_ORIGIN,
    OWNER_FILE,
    PRETICK_SECTIONS,
    QUERIES,
    TICK_EVERY,
    DemoError,
    DemoOptions,
    remove_stale_dirs,
)
from cockpit.shipped import shipped_file
from cockpit.sim.health import ApiHandler, ApiServer
from cockpit.sim.rehearsal import load_rehearsal
from cockpit.sim.scenario import FAULTS, NAMESPACE, LaunchScenario, Note


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


