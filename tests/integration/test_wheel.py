"""The cockpit as a tool: a wheel built from the sources, installed (not editable) into a
fresh venv outside the checkout, runs the demo and `cockpit check` from another
directory, with its layouts, checklists and smoke clip read from the wheel.

The fresh venv borrows the test venv's third-party packages through a plain path in a
`.pth` file (a path there does not run that folder's own `.pth` files, so the editable
cockpit of the checkout stays out); cockpit itself comes only from the wheel, and the
test checks that every shipped file the demo uses lies inside the fresh venv.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.integration.test_demo_cli import ROOT, PrintConfig
from tests.support.require import missing

pytestmark = pytest.mark.integration

_LEAVE_OUT = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__",
                                    ".pytest_cache", ".ruff_cache", ".cache", "bin", "*.db*")


def run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh venv with the wheel built from a copy of the sources installed."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=_LEAVE_OUT)  # a clean tree: no build/ left-overs
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist",
                src, cwd=base)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (base / "dist").glob("cockpit-*.whl")
    venv = base / "venv"
    made = run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=base)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                  cwd=base).stdout.strip()
    (Path(purelib) / "_test_venv_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    put = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
              "--no-index", "-q", wheel, cwd=base)
    assert put.returncode == 0, put.stdout + put.stderr
    return venv / "bin"


def clean_env(bindir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_the_installed_cockpit_is_the_wheel_and_carries_its_files(installed: Path,
                                                                  tmp_path: Path) -> None:
    venv = installed.parent
    probe = ("import cockpit, cockpit.layout as l, cockpit.shipped as s; "
             "print(cockpit.__file__); print(l.LAYOUT_DIR); "
             "print(s.shipped_file('probes', 'smoke-en.wav'))")
    out = run(installed / "python", "-c", probe, cwd=tmp_path, env=clean_env(installed))
    assert out.returncode == 0, out.stderr
    package, layouts, clip = (Path(line) for line in out.stdout.split())
    for path in (package, layouts, clip):
        assert path.is_relative_to(venv), path  # not the checkout
    assert {p.stem for p in layouts.glob("*.yaml")} >= {"launch", "watch", "compact"}
    assert clip.stat().st_size == (ROOT / "probes" / "smoke-en.wav").stat().st_size
    checklists = clip.parent.parent / "checklists"
    shipped = {p.name for p in (ROOT / "checklists").glob("*.yaml")}
    assert shipped and {p.name for p in checklists.glob("*.yaml")} == shipped
    assert (clip.parent.parent / "examples" / "reference.yaml").is_file()
    # The rehearsal scenarios travel too, and `demo --list` finds them from elsewhere.
    rehearsals = {p.name for p in (ROOT / "rehearsals").glob("*.yaml")}
    assert rehearsals and {p.name for p in (clip.parent.parent / "rehearsals")
                           .glob("*.yaml")} == rehearsals
    listed = run(installed / "cockpit", "demo", "--list", cwd=tmp_path, env=clean_env(installed))
    assert listed.returncode == 0, listed.stderr
    assert {line.split()[0] for line in listed.stdout.splitlines()} == {
        p.removesuffix(".yaml") for p in rehearsals}
    env = clean_env(installed)
    env["HOME"] = str(tmp_path)  # the reference config names ~/.config/cockpit/prom-token,
    (tmp_path / ".config/cockpit").mkdir(parents=True)  # which validate checks is readable
    (tmp_path / ".config/cockpit/prom-token").write_text("t0ken-for-the-test\n")
    valid = run(installed / "cockpit", "validate", layouts.parent / "examples" / "reference.yaml",
                cwd=tmp_path, env=env)
    assert valid.returncode == 0, valid.stdout + valid.stderr  # its ../checklists, layout
    assert f"ok: checklist {checklists / 'launch-day.yaml'}" in valid.stdout, valid.stdout
    assert f"ok: layout {layouts / 'launch.yaml'}" in valid.stdout, valid.stdout


def test_the_installed_demo_and_check_work_from_another_directory(installed: Path,
                                                                  tmp_path: Path) -> None:
    if importlib.util.find_spec("pocketsphinx") is None:
        missing("pocketsphinx", "the demo's ASR simulator needs it: pip install -e '.[demo]'")
    venv = installed.parent
    env = clean_env(installed)
    demo = PrintConfig(command=(str(installed / "cockpit"),), cwd=tmp_path, env=env)
    try:
        config = demo.config()
        text = config.read_text()
        assert f"{venv}" in text  # the checklist and the clip come from the wheel
        assert str(ROOT) not in text, text
        result = run(installed / "cockpit", "check", config, "--json", cwd=tmp_path, env=env,
                     timeout=60)
        assert result.returncode in (1, 2), result.stderr
        report = json.loads(result.stdout)
        details = " ".join(i["detail"] for i in report["items"] if i["auto"])
        for signal_name in ("pods.not_ready", "error_rate", "asr.wer", "http.health.status"):
            assert signal_name in details, signal_name
        assert "no reading" not in details and "error:" not in details, details
    finally:
        assert demo.stop() == 0
        if demo.proc.poll() is None:
            demo.proc.kill()
