"""The pods pane under Textual's Pilot, at 80x24 and 200x60.

The view comes from the real KubeStore fed with the simulator's objects (the same JSON
the API server sends), the readings from the source's own reading builder and the
pane's view from the source's own view builder, by hand (no engine). The text asserted
is what the widgets rendered.
"""

from __future__ import annotations

from textual.app import App
from textual.geometry import Region
from textual.widget import Widget

from cockpit.sim.kube.cluster import Cluster
from cockpit.sources.kube.signals import kube_readings
from cockpit.sources.kube.store import KubeStore
from cockpit.sources.kube.view import PodsView, ScopeState, pods_view
from cockpit.ui.panes import pane_class
from cockpit.ui.panes.pods import PodList, PodsPane
from cockpit.ui.screens.event import TextScreen
from tests.support.panes import PaneApp as _PaneApp
from tests.support.panes import context

NS = "asr"
NASTY = "asr-[bold red]x[/]-\x1b[2J"
NASTY_MSG = "[@click=app.quit]pull[/] failed \x1b]0;owned\x07"


def view_of(store: KubeStore) -> PodsView:
    """The kube source's view of the store's readings, built by hand (no engine)."""
    return pods_view(context("kube", kube_readings("kube", store.view(), 0.0), at=0.0))


class PaneApp(_PaneApp):
    def __init__(self, store: KubeStore) -> None:
        super().__init__(PodsPane(id="pods", configured=True), view_of(store))
        self.store = store

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(PodList).focus()

    def redraw(self) -> None:
        self.pane.show(view_of(self.store))


def lines_of(widget: Widget) -> list[str]:
    w, h = widget.size
    return [strip.text.rstrip() for strip in widget.render_lines(Region(0, 0, w, h))]


def screen_text(app: App) -> list[str]:
    pane = app.query_one(PodsPane)
    out: list[str] = []
    for child in pane.children:
        out += lines_of(child)
    return out


def feed(store: KubeStore, c: Cluster, cluster: str = "prod-eu") -> None:
    store.add_cluster(cluster)
    for res in ("deployments", "replicasets", "pods", "events"):
        store.replace(cluster, res, NS, c.objects(res, NS))
        store.set_scope(ScopeState(cluster, res, NS, "ok", synced=True))
    store._fed_rv = c.resource_version  # type: ignore[attr-defined]


def watched(store: KubeStore, c: Cluster, cluster: str = "prod-eu") -> None:
    """What a watch would deliver: every change since the store was fed, applied in order."""
    with c._lock:
        changes = c.changes_since(store._fed_rv)  # type: ignore[attr-defined]
    for ch in changes:
        store.apply(cluster, ch.resource, NS, ch.type, ch.obj)
    store._fed_rv = c.resource_version  # type: ignore[attr-defined]


def crash(store: KubeStore, c: Cluster) -> None:
    """The OOM-killed pod crash-loops (3 restarts), seen through the watch."""
    c.oom_kill(NS, "asr-worker-oom", restarts=3)
    watched(store, c)


def launch_cluster(healthy: int = 20) -> Cluster:
    """asr-gateway mid-rollout 4 -> 5, a crash-looping (OOMKilled) pod, a Pending one."""
    c = Cluster()
    c.create_deployment(NS, "asr-gateway", replicas=3, revision=4, image="reg/asr:2.2.0")
    c.start_rollout(NS, "asr-gateway", "reg/asr:2.3.0")
    c.rollout_step(NS, "asr-gateway")  # surge: one new pod, not ready yet
    for i in range(healthy):
        c.create_pod(NS, f"asr-worker-{i:04d}", image="reg/worker:1.4")
    c.create_pod(NS, "asr-worker-oom", image="reg/worker:1.4")
    c.add_event(NS, "asr-worker-oom", "BackOff", "Back-off restarting failed container", count=7)
    c.create_pod(NS, "asr-worker-pending", image="reg/worker:1.4")
    c.make_pending(NS, "asr-worker-pending")
    return c


def test_registered_as_pods() -> None:
    assert pane_class("pods") is PodsPane


async def test_80x24_rollout_then_problem_pods_first() -> None:
    store = KubeStore()
    c = launch_cluster()
    feed(store, c)
    crash(store, c)
    app = PaneApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        width = app.query_one(PodsPane).content_size.width
    assert width == 76 and all(len(line) <= 76 for line in text)
    assert text[0].startswith(
        "asr-gateway progressing rev 5 2.3.0 ← 4 2.2.0 ×3 · 1/3 updated · 3 ready · …"
    )
    assert text[1].startswith("26 pods · 3 not ready · 1 crash-looping · 3 restarts/10m")
    assert text[2].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    first, second, third = text[3], text[4], text[5]
    assert first.startswith("asr-worker-oom") and "CrashLoopBackOff (OOMKilled)" in first
    assert first.split()[-2] == "(3)"  # 3 restarts in the last 10 minutes
    assert second.startswith("asr-worker-pending") and "Pending: Unschedulable" in second
    assert third.startswith("asr-gateway-") and "Running" in third and "0/1" in third
    assert text[6].startswith("asr-gateway-") or text[6].startswith("asr-worker-0000")
    assert len([t for t in text[3:] if t]) == 24 - 2 - 3  # the list fills the rest


async def test_200x60_five_thousand_pods_windowed() -> None:
    store = KubeStore()
    c = Cluster()
    c.populate(NS, 50, 100)
    crash = sorted(p["metadata"]["name"] for p in c.objects("pods", NS))[1234]
    c.crashloop(NS, crash, restarts=2)
    feed(store, c)
    app = PaneApp(store)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        pods = app.query_one(PodList)
        assert len(pods.rows) == 5000
        visible = pods.size.height
        # 50 deployments: a third of the height, then "+ N more", the summary, the header.
        dep = crash.rsplit("-", 2)[0]  # its deployment: one pod unavailable, not complete
        assert text[0] == (
            f"{dep} progressing rev 1 2.3.{int(dep.rsplit('-', 1)[1]) % 3} · 100/100 updated · "
            "99 ready · 99 available · 99 of 100 updated replicas available"
        )
        assert text[1] == (
            "asr-worker-0 complete rev 1 2.3.0 · 100/100 updated · 100 ready · 100 available"
        )
        more = next(t for t in text if t.startswith("+ "))
        assert more == f"+ {50 - (60 - 2) // 3} more deployments ({50 - (60 - 2) // 3} complete)"
        header = next(t for t in text if t.startswith("NAME"))
        assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE", "VERSION"]
        body = lines_of(pods)
        assert body[0].startswith(crash) and "CrashLoopBackOff" in body[0]
        assert len(body) == visible

        await pilot.press("G")
        await pilot.pause()
        assert pods.cursor == 4999 and pods.top == 5000 - visible
        last = sorted(
            p["metadata"]["name"] for p in c.objects("pods", NS) if p["metadata"]["name"] != crash
        )[-1]
        assert lines_of(pods)[-1].startswith(last)

        await pilot.press("g", "j", "j")
        await pilot.pause()
        selected = pods.selected
        assert selected is not None and pods.cursor == 2
        # A pod sorted above the cursor starts crash-looping: the cursor stays on its pod.
        c.crashloop(NS, sorted(p["metadata"]["name"] for p in c.objects("pods", NS))[4000])
        watched(store, c)
        app.redraw()
        await pilot.pause()
        assert pods.selected is not None and pods.selected.pod.key == selected.pod.key
        assert pods.cursor == 3


async def test_filter_and_enter_shows_pod_detail_literally() -> None:
    store = KubeStore()
    c = launch_cluster(healthy=5)
    c.create_pod(NS, NASTY)
    c.image_pull_backoff(NS, NASTY, image="reg/[red]asr[/]:1")
    c.add_event(NS, NASTY, "Failed", NASTY_MSG)
    feed(store, c)
    crash(store, c)
    app = PaneApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pane = app.query_one(PodsPane)
        assert pane.can_filter
        pane.apply_filter("oom")
        await pilot.pause()
        body = lines_of(app.query_one(PodList))
        assert [b for b in body if b] == [body[0]] and body[0].startswith("asr-worker-oom")
        assert "filter “oom”: 1" in screen_text(app)[1]

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TextScreen)
        detail = app.screen.body
        assert "pod:        asr/asr-worker-oom" in detail
        assert "restarts 3 · last terminated: OOMKilled, exit code 137, at " in detail
        assert "BackOff ×7  Back-off restarting failed container" in detail
        await pilot.press("escape")
        await pilot.pause()

        pane.apply_filter("ImagePull")
        await pilot.pause()
        (line,) = [b for b in lines_of(app.query_one(PodList)) if b]
        assert line.startswith("asr-[bold red]x[/]-\\x1b[2J") and "ImagePullBackOff" in line
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TextScreen)
        shown = "\n".join(lines_of(app.screen.query_one("#dialog-body")))
        assert NASTY_MSG.replace("\x1b", "\\x1b").replace("\x07", "\\x07") in shown
        assert 'Back-off pulling image "reg/[red]asr[/]:1"' in shown
        await pilot.press("escape")
        assert app.is_running  # the [@click=app.quit] in a message did nothing


async def test_reconnecting_and_forbidden_are_shown() -> None:
    store = KubeStore()
    feed(store, launch_cluster(healthy=2))
    store.set_scope(
        ScopeState(
            "prod-eu",
            "pods",
            NS,
            "reconnecting",
            "ProtocolError: Response ended prematurely",
            synced=True,
        )
    )
    store.set_scope(
        ScopeState(
            "prod-eu",
            "events",
            NS,
            "forbidden",
            '403 Forbidden: cannot watch events in namespace "asr": events is forbidden: User "u" '
            'cannot watch resource "events"',
        )
    )
    app = PaneApp(store)
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
    assert text[0] == "⟳ reconnecting (pods): ProtocolError: Response ended prematurely"
    assert text[1].startswith('✖ 403 Forbidden: cannot watch events in namespace "asr": events is')
