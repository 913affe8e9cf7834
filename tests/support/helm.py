"""helm for the rollback tests: the real binary's memory driver, and a recording stand-in.

The real helm 3.17 (installed by tools/deps.d/helm.sh into tools/bin/helm) runs
`history` and `rollback` with no cluster when HELM_DRIVER=memory and
HELM_MEMORY_DRIVER_DATA names a YAML list of releases: `write_releases` makes that file.
The memory driver forgets everything when the process ends, so what it cannot show (the
exact argv, a slow `--wait`, a failure half-way) is covered by `make_standin`, an
executable that records its argv and prints helm's real output formats.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.support.require import require_binary

ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = ROOT / "tools" / "bin"


def real_helm() -> str:
    """Path of the real helm, or skip loudly (fail under CI)."""
    return require_binary("helm", str(TOOLS_BIN))


def release(
    name: str,
    namespace: str,
    version: int,
    status: str,
    chart_version: str,
    app_version: str,
    day: int = 1,
) -> dict[str, Any]:
    """One release revision in the shape helm's storage keeps (release.Release)."""
    stamp = f"2026-11-{day:02d}T10:00:00Z"
    return {
        "name": name,
        "namespace": namespace,
        "version": version,
        "info": {
            "status": status,
            "first_deployed": "2026-11-01T10:00:00Z",
            "last_deployed": stamp,
            "description": "Install complete" if version == 1 else "Upgrade complete",
        },
        "chart": {"metadata": {"name": name, "version": chart_version, "appVersion": app_version}},
        "manifest": "",
    }


def asr_history(name: str = "asr", namespace: str = "asr") -> list[dict[str, Any]]:
    """Revisions 1-4: 1 and 2 superseded, 3 failed (a bad upgrade), 4 deployed."""
    return [
        release(name, namespace, 1, "superseded", "2.1.0", "2.1", day=1),
        release(name, namespace, 2, "superseded", "2.2.0", "2.2", day=2),
        release(name, namespace, 3, "failed", "2.3.0", "2.3", day=3),
        release(name, namespace, 4, "deployed", "2.3.1", "2.3.1", day=4),
    ]


def write_releases(path: Path, releases: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump(releases), encoding="utf-8")
    return path


def memory_env(data: Path) -> dict[str, str]:
    """Environment for the real helm's memory driver, isolated from any real kubeconfig."""
    home = data.parent / "helm-home"
    home.mkdir(exist_ok=True)
    return {
        "HELM_DRIVER": "memory",
        "HELM_MEMORY_DRIVER_DATA": str(data),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
        "KUBECONFIG": str(home / "no-kubeconfig"),
    }


_STANDIN = r'''#!{python}
"""Recording stand-in for helm (tests/support/helm.py)."""
import json, os, sys, time
spec = json.load(open({spec!r}))
with open(spec["record"], "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\n")
args = sys.argv[1:]
cmd = args[0] if args else ""
if cmd == "history":
    if spec.get("history") is None:
        sys.stderr.write("Error: release: not found\n")
        sys.exit(1)
    print(json.dumps(spec["history"]))
    sys.exit(0)
if cmd == "rollback":
    steps = spec.get("steps", 0)
    for i in range(steps):
        print(f"ready.go:{{i}}: [debug] Deployment is not ready: {{args[1]}}/asr-gateway. "
              f"{{i}} out of {{steps}} expected pods are ready", flush=True)
        if spec.get("fail_at") == i:
            sys.stderr.write(spec.get("error", "Error: failed") + "\n")
            sys.exit(spec.get("exit", 1))
        time.sleep(spec.get("step_seconds", 0.0))
        gate = spec.get("gate")
        if gate and i == 0:
            while not os.path.exists(gate):
                time.sleep(0.02)
    print("Rollback was a success! Happy Helming!", flush=True)
    sys.exit(0)
sys.stderr.write(f"Error: unknown command {{cmd!r}} for \"helm\"\n")
sys.exit(1)
'''


def make_standin(
    directory: Path,
    history: list[dict[str, Any]] | None,
    steps: int = 0,
    step_seconds: float = 0.0,
    fail_at: int | None = None,
    error: str = "Error: failed",
    exit_code: int = 1,
    gate: Path | None = None,
) -> tuple[Path, Path]:
    """Write `directory/helm`; return (its path, the argv record file: one JSON list a line).

    `history` is what `helm history -o json` prints (None: "release: not found", exit 1).
    `rollback` prints `steps` progress lines (helm --debug's readiness lines), sleeping
    `step_seconds` after each; after the first it waits until `gate` exists, if given;
    with `fail_at=i` it fails at step i with `error` on stderr and `exit_code`.
    """
    directory.mkdir(parents=True, exist_ok=True)
    record = directory / "helm-argv.jsonl"
    spec = directory / "helm-standin.json"
    spec.write_text(
        json.dumps(
            {
                "record": str(record),
                "history": history,
                "steps": steps,
                "step_seconds": step_seconds,
                "fail_at": fail_at,
                "error": error,
                "exit": exit_code,
                "gate": str(gate) if gate else None,
            }
        ),
        encoding="utf-8",
    )
    exe = directory / "helm"
    exe.write_text(_STANDIN.format(python=sys.executable, spec=str(spec)), encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return exe, record


def recorded(record: Path) -> list[list[str]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines() if line.strip()]


def history_json(releases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What `helm history -o json` prints for these releases (helm's own field names)."""
    return [
        {
            "revision": r["version"],
            "updated": r["info"]["last_deployed"],
            "status": r["info"]["status"],
            "chart": f"{r['chart']['metadata']['name']}-{r['chart']['metadata']['version']}",
            "app_version": r["chart"]["metadata"]["appVersion"],
            "description": r["info"]["description"],
        }
        for r in releases
    ]


def on_path(directory: Path) -> dict[str, str]:
    return {"PATH": os.pathsep.join([str(directory), os.environ.get("PATH", "")])}
