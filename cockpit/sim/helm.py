"""helm for the rehearsal: the real binary's memory driver, with a history that persists.

helm's memory driver (`HELM_DRIVER=memory`) runs `history` and `rollback` with no
cluster, loading releases from the YAML file named by `HELM_MEMORY_DRIVER_DATA`, and
forgets everything when the process ends. `cockpit demo` writes a small wrapper
executable (argv in, argv out, no shell) that runs the real helm that way and, after
a successful `helm rollback`, writes back what helm did (the current revision
superseded, a new revision deployed with the target's chart, "Rollback to N"), so the
next `helm history` and the demo's simulated cluster both see the rollback.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class HelmState:
    """The release history file of the memory driver (helm's release.Release shape)."""

    def __init__(self, path: str | Path, release: str = "asr", namespace: str = "asr") -> None:
        self.path = Path(path)
        self.release = release
        self.namespace = namespace
        self._mtime: float | None = None
        self._cache: list[dict[str, Any]] = []

    def load(self) -> list[dict[str, Any]]:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return []
        if mtime != self._mtime:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or []
            self._cache = [r for r in data if isinstance(r, dict)]
            self._mtime = mtime
        return list(self._cache)

    def save(self, releases: list[dict[str, Any]]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(yaml.safe_dump(releases, sort_keys=False), encoding="utf-8")
        os.replace(tmp, self.path)

    def revision(self, version: int, status: str, app: str, description: str) -> dict[str, Any]:
        return {
            "name": self.release,
            "namespace": self.namespace,
            "version": version,
            "info": {
                "status": status,
                "first_deployed": "2026-10-01T09:00:00Z",
                "last_deployed": _stamp(),
                "description": description,
            },
            "chart": {"metadata": {"name": self.release, "version": app, "appVersion": app}},
            "manifest": "",
        }

    def deployed(self) -> dict[str, Any] | None:
        rows = [r for r in self.load() if r.get("info", {}).get("status") == "deployed"]
        return max(rows, key=lambda r: r["version"]) if rows else None

    def deployed_app(self) -> str | None:
        row = self.deployed()
        return str(row["chart"]["metadata"]["appVersion"]) if row else None

    def upgrade(self, app: str, description: str = "Upgrade complete",
                like: dict[str, Any] | None = None) -> int:
        """`helm upgrade`: the deployed revision superseded, a new one deployed (with the
        chart and manifest of `like`, as a rollback copies its target's)."""
        releases = self.load()
        for r in releases:
            if r["info"]["status"] == "deployed":
                r["info"]["status"] = "superseded"
        version = max((r["version"] for r in releases), default=0) + 1
        row = self.revision(version, "deployed", app, description)
        if like is not None:
            row["chart"] = like.get("chart", row["chart"])
            row["manifest"] = like.get("manifest", "")
        releases.append(row)
        self.save(releases)
        return version

    def rolled_back(self, to: int) -> int:
        """What `helm rollback RELEASE to` leaves behind, written down."""
        releases = self.load()
        target = next((r for r in releases if r["version"] == to), None)
        if target is None:
            return 0
        app = str(target["chart"]["metadata"]["appVersion"])
        return self.upgrade(app, f"Rollback to {to}", like=target)


def memory_env(state: HelmState, home: Path) -> dict[str, str]:
    """helm's environment for the memory driver, kept away from any real kubeconfig."""
    return {**os.environ, **_memory_vars(state.path, home)}


def _memory_vars(state_path: Path, home: Path) -> dict[str, str]:
    return {
        "HELM_DRIVER": "memory",
        "HELM_MEMORY_DRIVER_DATA": str(state_path),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
        "KUBECONFIG": str(home / "no-kubeconfig"),
    }


# Started without site (-S: ~6 ms of CPU, not the ~45 ms of an interpreter with the
# venv's site and this module's imports): a read (`get metadata`, `status`, `history`: the
# release source runs one every 30 s while watching) becomes the real helm (exec, so the
# caller waits on, and a timeout kills, helm itself); only a rollback, which writes the
# history back, loads site and the cockpit. A read runs with Go's collector off: a 30 ms
# process over a release file of a few KB only pays for it (helm 39 -> 27 ms a run). A
# watching demo paid ~88 ms a helm run, now ~33.
_WRAPPER = """#!{python} -S
# cockpit demo: the real helm ({helm}) on the memory driver; see cockpit/sim/helm.py
import os
import sys
HELM, STATE, HOME, ENV = {helm!r}, {state!r}, {home!r}, {env!r}
args = sys.argv[1:]
if not args or args[0] != "rollback":
    os.execve(HELM, [HELM, *args], {{**os.environ, **ENV}})
import site
site.main()
from cockpit.sim.helm import wrapper_main
sys.exit(wrapper_main(HELM, STATE, HOME, args))
"""


def write_wrapper(path: Path, real_helm: str, state: HelmState, home: Path) -> Path:
    """An executable `path` that runs `real_helm` on the memory driver over `state`."""
    home.mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        _WRAPPER.format(python=sys.executable, helm=real_helm, state=str(state.path),
                        home=str(home), env={**_memory_vars(state.path, home), "GOGC": "off"}),
        encoding="utf-8",
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def wrapper_main(real_helm: str, state_path: str, home: str, args: list[str]) -> int:
    state = HelmState(state_path)
    env = memory_env(state, Path(home))
    proc = subprocess.run([real_helm, *args], env=env, check=False)
    if proc.returncode == 0 and len(args) >= 3 and args[0] == "rollback":
        try:
            revision = int(args[2])
        except ValueError:
            return proc.returncode
        state.release = args[1]
        state.rolled_back(revision)
    return proc.returncode


def read_only_main(state_path: str, args: list[str]) -> bool:
    """Without a helm binary: answer `get metadata RELEASE ... -o json` and `status RELEASE
    ... -o json` from the release file in helm's JSON shapes (what the release source
    reads); False for anything else (the caller says there is no helm)."""
    import json  # noqa: PLC0415

    if len(args) < 2:
        return False
    read = args[:2] == ["get", "metadata"] and len(args) >= 3
    if not read and args[0] != "status":
        return False
    release = args[2] if read else args[1]
    state = HelmState(state_path, release=release)
    row = state.deployed()
    if row is None or row.get("name", release) != release:
        sys.stderr.write("Error: release: not found\n")
        raise SystemExit(1)
    meta = row["chart"]["metadata"]
    if read:
        out = {"name": release, "chart": meta.get("name"), "version": meta.get("version"),
               "appVersion": meta.get("appVersion"), "namespace": row.get("namespace"),
               "revision": row["version"], "status": row["info"]["status"],
               "deployedAt": row["info"]["last_deployed"]}
    else:
        out = {"name": release, "info": row["info"], "manifest": row.get("manifest", ""),
               "version": row["version"], "namespace": row.get("namespace")}
    print(json.dumps(out))
    return True
