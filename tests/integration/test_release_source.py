"""The release source through the real helm on its memory driver: the deployed revision,
versions, status, age and image tags, through an upgrade and a real `helm rollback`."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from cockpit.config import HelmTarget, ReleaseConfig
from cockpit.gates import parse
from cockpit.model import EventKind
from cockpit.sim.helm import HelmState, write_wrapper
from cockpit.sources.release import ReleaseSource, image_tag
from tests.support.helm import real_helm, release


def manifest(version: str) -> str:
    return "".join(
        f"---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\n"
        f"spec: {{template: {{spec: {{containers: [{{name: main, image: "
        f"\"registry.example:5000/asr/{name}:{version}\"}}]}}}}}}\n"
        for name in ("asr-gateway", "asr-worker")
    ) + "---\napiVersion: v1\nkind: Service\nmetadata: {name: asr}\n"


def revision(n: int, status: str, version: str, day: int) -> dict:
    row = release("asr", "asr", n, status, version, version, day=day)
    row["manifest"] = manifest(version)
    return row


def by_name(readings):
    return {r.name: r for r in readings}


async def test_signals_and_events_through_an_upgrade_and_a_rollback(tmp_path: Path) -> None:
    helm = real_helm()
    state = HelmState(tmp_path / "releases.yaml")
    state.save([revision(3, "superseded", "2.2.1", 3), revision(4, "deployed", "2.3.1", 4)])
    wrapper = write_wrapper(tmp_path / "bin" / "helm", helm, state, tmp_path / "home")
    target = HelmTarget(release="asr", namespace="asr", helm=str(wrapper))
    source = ReleaseSource(ReleaseConfig(timeout=60), helm=target)

    got = by_name(await source.sample())
    assert got["release.revision"].value == 4.0
    assert got["release.chart_version"].value == "2.3.1"
    assert got["release.app_version"].value == "2.3.1"
    assert got["release.status"].value == "deployed"
    assert got["release.image.asr-gateway"].value == "2.3.1"
    assert got["release.image.asr-worker"].value == "2.3.1"
    deployed = datetime(2026, 11, 4, 10, tzinfo=UTC).timestamp()
    assert got["release.age"].value == got["release.age"].at - deployed
    [first] = source.drain_events()
    assert first.kind == EventKind.RELEASE
    assert first.message == ("helm asr -n asr: revision 4 deployed (chart 2.3.1, app 2.3.1): "
                             "Upgrade complete")
    assert source.drain_events() == []
    await source.sample()
    assert source.drain_events() == [], "the same revision is not an event again"

    # helm upgrade (what it leaves in helm's storage)
    rows = state.load()
    rows[-1]["info"]["status"] = "superseded"
    state.save([*rows, revision(5, "deployed", "2.4.0", 5)])
    got = by_name(await source.sample())
    assert got["release.revision"].value == 5.0
    assert got["release.app_version"].value == "2.4.0"
    assert got["release.image.asr-gateway"].value == "2.4.0"
    gate = parse('release.app_version == "2.4.0" and release.status == "deployed"')
    assert gate.evaluate(lambda n: got.get(n, "no reading yet")).status.value == "pass"
    [upgrade] = source.drain_events()
    assert upgrade.data["revision"] == 5 and upgrade.data["app_version"] == "2.4.0"
    assert upgrade.message.endswith("; was revision 4 (2.3.1)")

    # the real helm rollback, through the same wrapper the rollback runner uses
    proc = subprocess.run([str(wrapper), "rollback", "asr", "4", "-n", "asr"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    got = by_name(await source.sample())
    assert got["release.revision"].value == 6.0
    assert got["release.app_version"].value == "2.3.1"
    assert got["release.image.asr-worker"].value == "2.3.1"
    assert got["release.revision"].detail["description"] == "Rollback to 4"
    assert gate.evaluate(lambda n: got.get(n, "no reading yet")).status.value == "fail"
    [back] = source.drain_events()
    assert "revision 6 deployed (chart 2.3.1, app 2.3.1): Rollback to 4" in back.message

    # a restarted cockpit logs the same revision with the same id (the store keeps one)
    again = ReleaseSource(ReleaseConfig(timeout=60), helm=target)
    await again.sample()
    [same] = again.drain_events()
    assert same.id == back.id


async def test_missing_release_fails_every_signal(tmp_path: Path) -> None:
    helm = real_helm()
    state = HelmState(tmp_path / "releases.yaml")
    state.save([revision(1, "deployed", "1.0.0", 1)])
    wrapper = write_wrapper(tmp_path / "bin" / "helm", helm, state, tmp_path / "home")
    source = ReleaseSource(ReleaseConfig(timeout=60),
                           helm=HelmTarget(release="other", namespace="asr", helm=str(wrapper)))
    got = by_name(await source.sample())
    assert got["release.revision"].value is None
    assert "not found" in got["release.revision"].error
    assert source.drain_events() == []


def test_image_tags() -> None:
    assert image_tag("registry.example:5000/asr/gw:2.4.0") == "2.4.0"
    assert image_tag("registry.example:5000/asr/gw") == "latest"
    assert image_tag("gw@sha256:abc") == "sha256:abc"
    assert image_tag("gw:1.2@sha256:abc") == "sha256:abc"


# ------------------------------------------------------------------ ECS (moto on loopback)

from tests.integration.test_rollback_ecs import REGION, _launch, moto_url  # noqa: E402, F401


async def test_ecs_release_signals_follow_the_service(moto_url: str) -> None:  # noqa: F811
    from cockpit.config import EcsTarget

    ecs = _launch(moto_url)
    target = EcsTarget(cluster="prod", service="asr", region=REGION, endpoint_url=moto_url)
    source = ReleaseSource(ReleaseConfig(), ecs=target)
    got = by_name(await source.sample())
    assert got["release.revision"].value == 3.0
    assert got["release.chart_version"].value == "asr:3"
    assert got["release.app_version"].value == "2.3"
    assert got["release.image.asr"].value == "2.3"
    assert got["release.image.sidecar"].value == "1.30"
    assert got["release.status"].value == "COMPLETED"  # moto: 2 running of 2 desired
    [first] = source.drain_events()
    assert first.message.startswith("ecs prod/asr: revision 3")
    ecs.update_service(cluster="prod", service="asr", taskDefinition="asr:2")
    got = by_name(await source.sample())
    assert got["release.revision"].value == 2.0 and got["release.app_version"].value == "2.2"
    assert got["release.status"].value in ("COMPLETED", "IN_PROGRESS")
    [back] = source.drain_events()
    assert back.data["revision"] == 2 and "was revision 3 (2.3)" in back.message


async def test_the_banner_names_what_the_release_source_read(tmp_path: Path) -> None:
    from cockpit.config import load_config
    from cockpit.engine import Engine
    from cockpit.store.sqlite import SqliteStore
    from tests.support.launch import write_launch

    helm = real_helm()
    state = HelmState(tmp_path / "releases.yaml")
    state.save([revision(7, "deployed", "2.4.0", 7)])
    wrapper = write_wrapper(tmp_path / "bin" / "helm", helm, state, tmp_path / "home")
    path = write_launch(tmp_path, "title: t\nsections:\n- title: s\n  items:\n"
                        "  - {id: v, text: v, auto: 'release.app_version == \"2.4.0\"'}\n",
                        f"rollback:\n  helm: {{release: asr, namespace: asr, helm: {wrapper}}}\n"
                        "release: {every: 30s, timeout: 60s}\n")
    config = load_config(path)
    engine = Engine(config, SqliteStore(config.store_path()))
    assert [s.name for s in engine.sources] == ["release"]
    verdict = await engine.sample_once(timeout=60)
    assert verdict.kind.value == "GO"
    assert engine.verdict_view().release == "running 2.4.0 (rev 7, deployed)"
    [event] = engine.events(kinds=["release"])
    assert event.message.startswith("helm asr -n asr: revision 7 deployed (chart 2.4.0")


async def test_the_demo_without_helm_still_reads_its_release(tmp_path: Path) -> None:
    import sys

    from cockpit import demo

    state = HelmState(tmp_path / "releases.yaml")
    state.save([revision(4, "superseded", "2.3.0", 4), revision(5, "deployed", "2.4.0", 5)])
    stand_in = tmp_path / "helm"
    stand_in.write_text(demo._NO_HELM.format(python=sys.executable, how=demo.how_to_get_helm(),
                                             state=str(state.path)))
    stand_in.chmod(0o755)
    source = ReleaseSource(ReleaseConfig(), helm=HelmTarget(release="asr", namespace="asr",
                                                            helm=str(stand_in)))
    got = by_name(await source.sample())
    assert got["release.revision"].value == 5.0 and got["release.app_version"].value == "2.4.0"
    assert got["release.image.asr-gateway"].value == "2.4.0"
    rollback = subprocess.run([str(stand_in), "rollback", "asr", "4"], capture_output=True,
                              text=True, check=False)
    assert rollback.returncode == 1 and "no helm" in rollback.stderr


async def test_two_launches_on_one_release_each_log_it(tmp_path: Path) -> None:
    helm = real_helm()
    state = HelmState(tmp_path / "releases.yaml")
    state.save([revision(3, "deployed", "2.4.0", 3)])
    wrapper = write_wrapper(tmp_path / "bin" / "helm", helm, state, tmp_path / "home")
    target = HelmTarget(release="asr", namespace="asr", helm=str(wrapper))
    ids = []
    for launch in ("asr eu GA", "asr eu GA", "asr us GA"):
        source = ReleaseSource(ReleaseConfig(timeout=60), helm=target, launch=launch)
        await source.sample()
        [event] = source.drain_events()
        ids.append(event.id)
    assert ids[0] == ids[1] != ids[2]


async def test_helm_status_is_read_again_only_when_the_release_moved(tmp_path: Path) -> None:
    """`helm get metadata` every sample; `helm status` (description, manifest) only when
    the metadata changed: each helm run is ~50-80 ms of CPU, every 30 s of a long watch."""
    import sys

    helm = real_helm()
    state = HelmState(tmp_path / "releases.yaml")
    state.save([revision(4, "deployed", "2.3.1", 4)])
    wrapper = write_wrapper(tmp_path / "bin" / "helm", helm, state, tmp_path / "home")
    calls = tmp_path / "calls"
    counting = tmp_path / "bin" / "counting-helm"
    counting.write_text(
        f"#!{sys.executable}\nimport subprocess, sys\n"
        f"open({str(calls)!r}, 'a').write(' '.join(sys.argv[1:3]) + '\\n')\n"
        f"sys.exit(subprocess.run([{str(wrapper)!r}, *sys.argv[1:]]).returncode)\n")
    counting.chmod(0o755)
    source = ReleaseSource(ReleaseConfig(timeout=60),
                           helm=HelmTarget(release="asr", namespace="asr", helm=str(counting)))

    def ran() -> list[str]:
        return calls.read_text().splitlines()

    first = by_name(await source.sample())
    assert ran() == ["get metadata", "status asr"]
    again = by_name(await source.sample())
    assert ran() == ["get metadata", "status asr", "get metadata"]
    assert again["release.image.asr-worker"].value == "2.3.1", "the status read before stands"
    assert again["release.revision"].detail == first["release.revision"].detail

    rows = state.load()
    rows[-1]["info"]["status"] = "superseded"
    state.save([*rows, revision(5, "deployed", "2.4.0", 5)])
    moved = by_name(await source.sample())
    assert ran()[3:] == ["get metadata", "status asr"]
    assert moved["release.image.asr-worker"].value == "2.4.0"
