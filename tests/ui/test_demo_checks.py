"""The rehearsal's screen with the new checks: the banner names the release its helm
reports, and an error fault makes the Prometheus sim's HighErrorRate alert fire, listed in
the SLO pane (200x60, the launch layout, the real simulators)."""

from __future__ import annotations

from cockpit.demo import build_app
from tests.support.ui import screen_text
from tests.ui.test_demo_app import demo, wait_live  # noqa: F401 - the fixture


async def test_banner_release_and_firing_alert_in_the_slo_pane(demo):  # noqa: F811
    app = build_app(demo, bell=False)
    try:
        async with app.run_test(size=(200, 60)) as pilot:
            await wait_live(pilot, app)
            for _ in range(100):
                if "release.app_version" in app.engine.readings:
                    break
                await pilot.pause(0.2)
            app.refresh_now()
            await pilot.pause(0.3)
            text = screen_text(app)
            version = app.engine.readings["release.app_version"].value
            assert f"running {version} (rev " in text, text
            demo.scenario.inject("errors")
            for _ in range(200):  # the sim's error rate crosses 5% within seconds
                r = app.engine.readings.get("alerts.firing")
                if r is not None and r.value:
                    break
                await pilot.pause(0.2)
            app.refresh_now()
            await pilot.pause(0.3)
            text = screen_text(app)
            assert "alert firing" in text or "alerts firing" in text, text
            assert "critical HighErrorRate" in text, text
    finally:
        await app.engine.stop()
