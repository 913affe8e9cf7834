"""Every shipped scenario played headless at speed 20 through the real CLI
(`cockpit demo --headless NAME --speed 20`): its phase expectations hold (exit 0), and
what the issue asks of each is checked again from the event log it leaves."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.model import EventKind
from cockpit.store.sqlite import SqliteStore
from tests.support.require import missing

ROOT = Path(__file__).resolve().parents[2]
SPEED = 20


def drill(tmp_path: Path, name: str, *extra: str) -> tuple[subprocess.CompletedProcess, list]:
    if importlib.util.find_spec("pocketsphinx") is None:
        missing("pocketsphinx", "the demo's ASR simulator needs it: pip install -e '.[demo]'")
    store = tmp_path / f"{name}.db"
    out = subprocess.run(
        [sys.executable, "-m", "cockpit", "demo", "--headless", name, "--speed", str(SPEED),
         "--store", str(store), *extra],
        capture_output=True, text=True, cwd=ROOT, timeout=240, stdin=subprocess.DEVNULL)
    (tmp_path / f"{name}.out").write_text(out.stdout + "\n--- stderr\n" + out.stderr)
    events = SqliteStore(store).events() if store.exists() else []
    return out, events


def card_of(events: list) -> dict:
    cards = [e for e in events if e.kind == EventKind.NOTE and "scorecard" in e.data]
    assert len(cards) == 1
    return cards[0].data


@pytest.mark.parametrize("name", ["asr-regression", "gpu-saturation", "stalled-rollout"])
def test_scenario_expectations_hold(tmp_path, name):
    out, events = drill(tmp_path, name)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "drill PASSED" in out.stdout and "scorecard of drill" in out.stdout
    assert "\n  FAIL " not in out.stdout
    data = card_of(events)["drill"]
    assert data["passed"] and data["scenario"] == name
    assert any(e.kind == EventKind.VERDICT and e.data["verdict"] == "NO-GO" for e in events)


def test_blind_is_never_go_while_prometheus_is_away(tmp_path):
    out, events = drill(tmp_path, "blind")
    assert out.returncode == 0, out.stdout + out.stderr
    # Both sources that read Prometheus (the SLO queries and the DCGM GPU metrics) go away
    # once and come back once.
    down = [e for e in events if e.kind == EventKind.SOURCE
            and e.data.get("source") in ("prometheus", "gpu")]
    failed = [e.at for e in down if "failed" in e.message]
    returned = [e.at for e in down if "is back" in e.message]
    assert len(failed) == 2 and len(returned) == 2, [e.message for e in down]
    away, back = min(failed), min(returned)  # gone at the first failure, back at the first answer
    verdicts = [e for e in events if e.kind == EventKind.VERDICT]
    # The verdict turns HOLD on the failed reading itself, logged just before the source
    # event: count from half a second of wall time (10 scenario seconds) before.
    away -= 0.5
    during = [e.data["verdict"] for e in verdicts if away <= e.at < back]
    before = [e.data["verdict"] for e in verdicts if e.at < away]
    assert before[-1] == "GO"  # it was GO, and blindness took it away
    assert during and "GO" not in during and set(during) == {"HOLD"}
    assert any(e.data["verdict"] == "GO" for e in verdicts if e.at >= back)


def test_flapping_logs_one_breach_per_hold_not_one_per_sample(tmp_path):
    out, events = drill(tmp_path, "flapping")
    assert out.returncode == 0, out.stdout + out.stderr
    breaches = [e for e in events if e.kind == EventKind.BREACH
                and e.data["signal"] == "error_rate"]
    recovers = [e for e in events if e.kind == EventKind.RECOVER
                and e.data["signal"] == "error_rate"]
    assert len(breaches) == 3 and len(recovers) == 3  # three 45 s holds above 5%
    # ... and far more samples than that were past the line (flicker and holds):
    for breach, recover in zip(breaches, recovers, strict=True):
        assert breach.at < recover.at
        assert breach.data["for"] > 0 and breach.at - breach.data["pending_since"] >= \
            breach.data["for"]
    # The verdict did not flap with the error rate: one NO-GO for the whole fault.
    verdicts = [e.data["verdict"] for e in events if e.kind == EventKind.VERDICT
                and breaches[0].at - 30 / SPEED <= e.at <= recovers[-1].at]
    assert verdicts == [] or set(verdicts) == {"NO-GO"}


@pytest.fixture(scope="module")
def launch_drill(tmp_path_factory):
    """The launch drill, once for the tests below: auto-rollback, its HTML report."""
    from cockpit.demo import find_helm

    if find_helm() is None:
        missing("helm", "the drill's rollback runs the real helm: bash tools/deps.d/helm.sh")
    tmp = tmp_path_factory.mktemp("launch-drill")
    out, events = drill(tmp, "launch", "--auto-rollback", "--report", str(tmp / "report.html"))
    return out, events, tmp / "report.html"


def test_launch_drill_with_auto_rollback_scores_against_the_scenario_clock(launch_drill):
    out, events, _ = launch_drill
    assert out.returncode == 0, out.stdout + out.stderr
    data = card_of(events)
    t0, speed = data["drill"]["t0"], data["drill"]["speed"]
    assert speed == SPEED and data["drill"]["rolled_back"]
    m = data["scorecard"]["milestones"]

    def s(at: float) -> float:  # wall -> scenario seconds on the drill's own clock
        return (at - t0) * speed

    # The scripted fault is at 5:00 of the scenario; the script ticks every scenario second.
    assert 300 <= s(m["fault"]["at"]) <= 302
    nogo = next(e for e in events if e.kind == EventKind.VERDICT
                and e.data["verdict"] == "NO-GO" and e.at >= m["fault"]["at"])
    start = next(e for e in events if e.kind == EventKind.ROLLBACK_START)
    verify = next(e for e in events if e.kind == EventKind.ROLLBACK_VERIFY)
    assert verify.data["verified"] is True
    assert m["decided"]["at"] == nogo.at
    assert m["mitigated"]["at"] == start.at and "helm rollback asr 4" in m["mitigated"]["what"]
    assert m["verified"]["at"] == verify.at
    assert m["fault"]["at"] <= m["detected"]["at"] <= m["decided"]["at"] <= m["mitigated"]["at"] \
        <= m["verified"]["at"]
    for name in ("detected", "decided", "mitigated", "verified"):
        assert m[name]["after"] == pytest.approx(s(m[name]["at"]) - s(m["fault"]["at"]))
    # The spike rises over 15 scenario seconds and Prometheus is read every 5: the 1% line
    # is crossed within the first few seconds, seen within one more sample.
    assert m["detected"]["after"] < 20
    assert data["scorecard"]["caught_by"] == [f["item"] for f in nogo.data["failing"]]
    # The fault is a 5xx spike, slow answers and a crash-looping pod: one of them catches it.
    assert set(data["scorecard"]["caught_by"]) & {"error-rate", "p95-latency", "pods-crashlooping"}
    assert "scorecard of drill 'launch'" in out.stdout and "mitigated" in out.stdout


ARTEFACTS = ROOT / ".artefacts"  # screenshots the tests take (git-ignored)


async def test_launch_drill_report_renders_in_headless_chromium(launch_drill):
    from tests.support.chromium import open_page

    out, events, report = launch_drill
    assert out.returncode == 0 and f"report written to {report}" in out.stdout, out.stdout
    html = report.read_text()
    assert "http://" not in html.split("</style>")[0] and "<script" not in html
    page = await open_page(report, """(() => ({
        charts: document.querySelectorAll('svg.chart').length,
        thresholds: [...document.querySelectorAll('svg.chart line.threshold')]
            .map(l => [l.closest('svg').dataset.key, l.classList[1], +l.dataset.value]),
        polylines: document.querySelectorAll('svg.chart polyline.series').length,
        band: document.querySelectorAll('svg.band rect.verdict').length,
        breaches: document.querySelectorAll('svg.chart rect.breach').length,
        rollback: document.body.innerText.includes('helm rollback asr 4'),
        title: document.title,
        width: document.documentElement.scrollWidth,
    }))()""")
    assert page.console_errors == [], page.console_errors
    # Nothing was fetched: the page itself (file:) and its inline SVG are all there is.
    assert [u for u in page.requests if not u.startswith(("file:", "data:"))] == []
    assert page.failed == []
    v = page.value
    assert v["title"] == "Launch report: asr 2.4.0 rehearsal"
    assert v["charts"] >= 8 and v["polylines"] >= 8 and v["band"] >= 3
    lines = {(key, kind): value for key, kind, value in v["thresholds"]}
    assert lines[("error_rate", "warn")] == 0.01 and lines[("error_rate", "fail")] == 0.05
    assert lines[("p95_latency", "fail")] == 1.0
    # Each breach of a charted query in the log is a shaded span on its chart (whether the
    # short spike held past `for:` depends on how fast the rollback was).
    charted = {"error_rate", "p95_latency", "p99_latency", "request_rate", "active_streams"}
    held = [e for e in events if e.kind == EventKind.BREACH and e.data["signal"] in charted]
    assert v["breaches"] == len(held) and v["rollback"]
    assert v["width"] <= 960  # no sideways scrolling
    assert page.screenshot.startswith(b"\x89PNG")
    ARTEFACTS.mkdir(exist_ok=True)
    (ARTEFACTS / "report-launch-drill.png").write_bytes(page.screenshot)
