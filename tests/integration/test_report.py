"""`cockpit report CONFIG` against a live launch (the demo's simulators via
`cockpit demo --print-config`): a headless rollback with the real helm first, then the
report in each format, its Prometheus charts fetched with query_range."""

from __future__ import annotations

import importlib.util
import time

import pytest

from tests.integration.test_demo_cli import PrintConfig, cockpit
from tests.support.require import missing


@pytest.fixture
def live():
    if importlib.util.find_spec("pocketsphinx") is None:
        missing("pocketsphinx", "the demo's ASR simulator needs it: pip install -e '.[demo]'")
    from cockpit.demo import find_helm

    if find_helm() is None:
        missing("helm", "the rollback runs the real helm: bash tools/deps.d/helm.sh")
    running = PrintConfig("--speed", "20")
    yield running
    if running.proc.poll() is None:
        running.stop()


def test_report_of_a_live_launch_in_three_formats(live, tmp_path):
    config = live.config()
    time.sleep(4)  # past the scripted upgrade (0:30 at speed 20): revision 5 to roll back
    rolled = cockpit("rollback", str(config), "--yes", "--no-verify", timeout=120)
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr

    md = cockpit("report", str(config), "--since", "10m", "-o", str(tmp_path / "r.md"))
    assert md.returncode == 0, md.stderr
    text = (tmp_path / "r.md").read_text()
    assert text.startswith("# Launch report: asr 2.4.0 rehearsal")
    assert "## Milestones" in text and "| mitigated |" in text
    # What the Markdown export lacked: the exact command, its exit code, the output tail.
    assert "## Rollbacks" in text and "- Command: `" in text and "helm rollback asr 4" in text
    assert "- Exit code: 0" in text and "Output tail:" in text
    assert "Rollback was a success" in text
    # Each query's figures, from query_range over the window.
    for name in ("error_rate", "p95_latency", "request_rate"):
        row = next(line for line in text.splitlines() if line.startswith(f"| {name} |"))
        assert "| - |" not in row, row

    html = cockpit("report", str(config), "--since", "10m", "-o", str(tmp_path / "r.html"))
    assert html.returncode == 0, html.stderr
    page = (tmp_path / "r.html").read_text()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert page.count('class="threshold fail"') >= 3 and "<script" not in page

    term = cockpit("report", str(config), "--since", "10m", "--format", "text", "--width", "90")
    assert term.returncode == 0, term.stderr
    lines = term.stdout.splitlines()
    band = next(line for line in lines if line.startswith("verdict ") and "|" in line)
    assert set(band.split("|")[1]) <= set("GhX ") and set(band.split("|")[1]) & set("GhX")
    spark = next(line for line in lines if line.startswith("error_rate "))
    assert any(ch in spark for ch in "▁▂▃▄▅▆▇█"), spark
    assert any(line.startswith("rollback ") and "exit 0" in line for line in lines)
    assert "\x1b" not in term.stdout


def test_report_refuses_a_bad_window_and_a_missing_config(tmp_path):
    bad = cockpit("report", str(tmp_path / "nope.yaml"))
    assert bad.returncode == 3 and "Traceback" not in bad.stderr
    cfg = tmp_path / "c.yaml"
    cfg.write_text("launch: x\nchecklist: nope.yaml\n")
    window = cockpit("report", str(cfg), "--since", "soon")
    assert window.returncode == 3 and "Traceback" not in window.stderr
