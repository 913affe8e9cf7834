"""The demo's helm: the real binary on its memory driver, through the wrapper that keeps
the release history between runs; and a rollback of the demo from the command line."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

from cockpit.sim.helm import HelmState, write_wrapper
from cockpit.sim.scenario import NEW, OLD, LaunchScenario
from tests.integration.test_demo_cli import PrintConfig, cockpit
from tests.support.helm import real_helm
from tests.support.require import missing


def history(wrapper: Path) -> list[dict]:
    out = subprocess.run([str(wrapper), "history", "asr", "-n", "asr", "-o", "json"],
                         capture_output=True, text=True, timeout=30, check=True)
    return json.loads(out.stdout)


def test_wrapper_runs_real_helm_and_keeps_the_rollback(tmp_path):
    helm = real_helm()
    state = HelmState(tmp_path / "releases.yaml")
    LaunchScenario(helm=state).setup()
    state.upgrade(NEW)
    wrapper = write_wrapper(tmp_path / "bin" / "helm", helm, state, tmp_path / "home")
    before = history(wrapper)
    assert [(r["revision"], r["status"], r["app_version"]) for r in before][-2:] == [
        (4, "superseded", OLD), (5, "deployed", NEW)]
    done = subprocess.run([str(wrapper), "rollback", "asr", "4", "-n", "asr", "--kube-context",
                           "demo", "--wait", "--timeout", "2m0s"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "Rollback was a success" in done.stdout
    after = history(wrapper)
    assert [(r["revision"], r["status"], r["app_version"]) for r in after][-2:] == [
        (5, "superseded", NEW), (6, "deployed", OLD)]
    assert after[-1]["description"] == "Rollback to 4"
    failed = subprocess.run([str(wrapper), "rollback", "asr", "99", "-n", "asr"],
                            capture_output=True, text=True, timeout=30)
    assert failed.returncode != 0 and len(history(wrapper)) == 6  # nothing written


def test_a_read_becomes_helm_itself(tmp_path):
    """What the release source runs every 30 s (`get metadata`) is the real helm in the
    wrapper's own process (exec): no second interpreter, and a timeout's kill reaches
    helm; it gets the memory driver's environment and the arguments as given."""
    fake = tmp_path / "fake-helm"
    fake.write_text(f"#!{sys.executable} -S\n"
                    "import json, os, sys\n"
                    "print(json.dumps({'pid': os.getpid(), 'argv': sys.argv[1:],"
                    " 'driver': os.environ.get('HELM_DRIVER'), 'gc': os.environ.get('GOGC'),"
                    " 'data': os.environ.get('HELM_MEMORY_DRIVER_DATA')}))\n")
    fake.chmod(0o755)
    state = HelmState(tmp_path / "releases.yaml")
    wrapper = write_wrapper(tmp_path / "bin" / "helm", str(fake), state, tmp_path / "home")
    args = ["get", "metadata", "asr", "-n", "asr", "-o", "json", "--kube-context", "a b;c"]
    proc = subprocess.Popen([str(wrapper), *args], stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate(timeout=30)
    said = json.loads(out)
    assert said["pid"] == proc.pid, "a read runs helm in the wrapper's own process"
    assert said["argv"] == args
    assert said["driver"] == "memory" and said["data"] == str(state.path)
    assert said["gc"] == "off", "a 30 ms read of a small file: Go's collector only costs it"


def test_rollback_of_the_running_demo_from_the_command_line():
    if importlib.util.find_spec("pocketsphinx") is None:
        missing("pocketsphinx", "the demo's ASR simulator needs it: pip install -e '.[demo]'")
    real_helm()
    demo = PrintConfig("--speed", "20", "--no-scripted-fault")
    try:
        config = demo.config()
        deadline = time.monotonic() + 30
        while not any("rollout to 2.4.0 complete" in ln for ln in demo.lines):
            assert time.monotonic() < deadline, "\n".join(demo.lines)
            time.sleep(0.2)
        plan = cockpit("rollback", str(config), "--plan")
        assert "from revision 5 to 4" in plan.stdout, plan.stdout + plan.stderr
        done = cockpit("rollback", str(config), "--yes")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "rollback succeeded" in done.stdout
        while not any("rollout to 2.3.0 complete" in ln for ln in demo.lines):
            assert time.monotonic() < deadline + 30, "\n".join(demo.lines)
            time.sleep(0.2)
        assert any("helm rolled back to 2.3.0" in ln for ln in demo.lines)
        # --yes verified it headless: the simulated cluster back on 2.3.0, the gates passing.
        assert "rollback verified" in done.stdout.splitlines()[-1], done.stdout
        after = cockpit("rollback", str(config), "--plan")
        assert "current:  revision 6" in after.stdout
        assert "SECOND ROLLBACK" in after.stdout  # 6 -> 3 would be a release nobody chose
        again = cockpit("rollback", str(config), "--yes")
        assert again.returncode == 6, again.stdout + again.stderr
        assert "refused: the last rollback" in again.stderr and "--again" in again.stderr
        assert "current:  revision 6" in cockpit("rollback", str(config), "--plan").stdout
    finally:
        assert demo.stop() == 0
