"""Planted secrets never come back: not on the screen, not in any command's output, not
in the event log file, not in the exports; not plain, not base64, not percent-encoded.

The secrets: a Prometheus bearer token and a Basic-auth password (sent to a server
that echoes the Authorization header in its error body), a secret header of an http
check (Basic credentials), a kube bearer token (kubeconfig), a DSN password (a
PostgreSQL store that is not there), and a value given through `${ENV}`.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from tests.support.hostile_http import HostileHttp
from tests.support.launch import write_launch

SECRETS = {
    "PROM_TOKEN": "planted-prom-token-7f3a9c",
    "PROM_PASSWORD": "planted-basic-pw-41d2",
    "CHECK_AUTH": "Basic " + base64.b64encode(b"bob:planted-header-pw-99e1").decode(),
    "ENV_API_KEY": "planted-env-value-5b8e",
    "KUBE_TOKEN": "planted-kube-token-c0ffee",
    "DSN_PASSWORD": "planted-dsn-pw-8812",
}
CHECKLIST = """
title: t
sections:
  - title: s
    items:
      - {id: errors, text: Errors, auto: "error_rate < 1%"}
      - {id: api, text: API, auto: "http.api.up"}
      - {id: sign, text: Sign-off}
      - {id: pods, text: Pods, auto: "pods.not_ready == 0"}
"""


def forms(secret: str) -> set[str]:
    out = {secret, quote(secret, safe=""), base64.b64encode(secret.encode()).decode()}
    out.add(base64.b64encode(secret.encode()).decode().rstrip("="))
    return out


PLANTED = set().union(*(forms(s) for s in SECRETS.values()),
                      forms("alice:" + SECRETS["PROM_PASSWORD"]),
                      forms("planted-header-pw-99e1"), forms("bob:planted-header-pw-99e1"))


def leaks(text: str) -> list[str]:
    return sorted(f for f in PLANTED if f in text)


def cockpit(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit.cli", *args], capture_output=True,
                          text=True, timeout=90, check=False, env={**env, "COLUMNS": "400"})


def test_planted_secrets_never_come_back(tmp_path: Path):
    env = {**os.environ, **SECRETS, "XDG_STATE_HOME": str(tmp_path / "state")}
    kubeconfig = tmp_path / "kubeconfig"
    with HostileHttp() as server:
        kubeconfig.write_text(f"""\
apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {{server: "{server.url}/echo-auth"}}}}]
users: [{{name: u, user: {{token: {SECRETS['KUBE_TOKEN']}}}}}]
contexts: [{{name: ctx, context: {{cluster: c, user: u, namespace: asr}}}}]
current-context: ctx
""")
        config = write_launch(tmp_path, CHECKLIST, f"""\
            http:
              api:
                url: "{server.url}/echo-auth?key=${{ENV_API_KEY}}"
                headers_env: {{Authorization: CHECK_AUTH}}
                timeout: 2s
            prometheus:
              url: {server.url}/echo-auth
              token_env: PROM_TOKEN
              retries: 0
              timeout: 2s
              queries: {{error_rate: {{query: up, unit: ratio}}}}
            kubernetes:
              kubeconfig: {kubeconfig}
              stale_after: 3s
            """)
        basic = tmp_path / "basic.yaml"  # the same server behind Basic auth
        basic.write_text(config.read_text().replace(
            "token_env: PROM_TOKEN", "username: alice\n  password_env: PROM_PASSWORD"))
        outputs = {
            "check": cockpit("check", str(config), "--timeout", "5", env=env),
            "check --json": cockpit("check", str(config), "--json", "--timeout", "5", env=env),
            "check basic": cockpit("check", str(basic), "--timeout", "5", env=env),
        }
    store = str(tmp_path / "events.db")
    outputs["log list"] = cockpit("log", "list", "--store", store, "--all", env=env)
    outputs["export md"] = cockpit("log", "export", "--store", store, env=env)
    outputs["export json"] = cockpit("log", "export", "--store", store, "--format", "json",
                                     env=env)
    dsn = f"postgresql://cockpit:{SECRETS['DSN_PASSWORD']}@127.0.0.1:1/nowhere"
    outputs["dsn"] = cockpit("log", "list", "--store", dsn, env=env)
    assert outputs["check"].returncode == 1, outputs["check"].stderr  # NO-GO: api answers 500
    assert "denied for Authorization: ***" in outputs["check"].stdout  # the echo was there
    for name, done in outputs.items():
        assert "Traceback" not in done.stderr, (name, done.stderr)
        assert not leaks(done.stdout + done.stderr), (name, leaks(done.stdout + done.stderr))
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("events.db*"))
    assert b"denied for Authorization" in raw  # the failure is logged...
    assert not leaks(raw.decode("utf-8", "replace")), "...without the secret"
    # each secret's path was really taken (else the test proves nothing)
    assert "port 1 failed" in outputs["dsn"].stderr + outputs["dsn"].stdout
    pods = next(i for i in json.loads(outputs["check --json"].stdout)["items"]
                if i["id"] == "pods")
    assert pods["status"] == "unknown" and "cannot list pods: HTTP 500" in pods["detail"]


async def test_planted_secrets_never_reach_the_screen(tmp_path: Path, monkeypatch):
    from cockpit.config import load_config
    from cockpit.engine import Engine
    from cockpit.store.sqlite import SqliteStore
    from cockpit.ui.app import CockpitApp
    from tests.support.ui import layouts, screen_text, settle

    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    with HostileHttp() as server:
        config = load_config(write_launch(tmp_path, CHECKLIST.replace(
            '      - {id: pods, text: Pods, auto: "pods.not_ready == 0"}\n', ""), f"""\
            http:
              api:
                url: "{server.url}/echo-auth?key=${{ENV_API_KEY}}"
                headers_env: {{Authorization: CHECK_AUTH}}
                timeout: 2s
            prometheus:
              url: {server.url}/echo-auth
              username: alice
              password_env: PROM_PASSWORD
              retries: 0
              timeout: 2s
              queries: {{error_rate: {{query: up, unit: ratio}}}}
            """))
        engine = Engine(config, SqliteStore(config.store_path()), author="chaos@test")
        app = CockpitApp(engine, layouts("launch", "watch", "compact"), layout="launch",
                         start_engine=False)
        async with app.run_test(size=(200, 60)) as pilot:
            await engine.sample_once(timeout=5)
            for layout in ("launch", "watch", "compact"):
                app.switch_layout(layout)
                await settle(pilot)
                text = screen_text(app)
                assert "denied" in text or "500" in text or "error" in text, text
                assert not leaks(text), (layout, leaks(text))
            assert app.is_running
        await engine.stop()
