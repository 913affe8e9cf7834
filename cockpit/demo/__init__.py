"""`cockpit demo`: a rehearsal launch on loopback simulators, no cluster needed.

`Demo.start()` starts, each on 127.0.0.1 with a free port: the Kubernetes API sim
(namespace `asr`, deployments asr-gateway and asr-worker at revision 4), the
Prometheus API sim (the SLO queries and DCGM GPU metrics), the PocketSphinx ASR
WebSocket sim, and a small `/health` endpoint. It writes a launch config for them
into a temp dir (kubeconfig, store, a helm that works without a cluster) and
pre-ticks the checklist items a rehearsal cannot practise. `drive()` runs the
script of `cockpit.sim.scenario` and writes its steps to the incident log.
`build_app()` makes the screen over it, the same for `cockpit demo` and the tests.
`stop()` stops every simulator and removes the temp dir.

Nothing here imports Textual at module level: `cockpit demo --print-config` and the
headless commands stay light.

The package's modules: `install` (a working helm, advice for what this install lacks),
`options` (`DemoOptions`, constants, the SLO queries, `--fault` parsing), `rig` (`Demo`:
the simulators, the config, the script driven) and `run` (the screen, the headless hold,
the drill, the summary). Import from `cockpit.demo` itself.
"""

from __future__ import annotations

from cockpit.demo.install import _NO_HELM, ROOT, find_helm, how_to_get_helm, how_to_get_pocketsphinx
from cockpit.demo.options import (
    CHECKLISTS,
    CONTEXT,
    DEMO_AUTHOR,
    DEMO_ORIGIN,
    OWNER_FILE,
    PRETICK_SECTIONS,
    QUERIES,
    TICK_EVERY,
    DemoError,
    DemoOptions,
    parse_fault,
    remove_stale_dirs,
)
from cockpit.demo.rig import Demo
from cockpit.demo.run import build_app, describe, hold, note_event, run_drill, serve_demo

# Re-exported: `from cockpit.demo import ...` (and `demo._NO_HELM`) stay as they were.
__all__ = [
    "CHECKLISTS", "CONTEXT", "DEMO_AUTHOR", "DEMO_ORIGIN", "OWNER_FILE", "PRETICK_SECTIONS",
    "QUERIES", "ROOT", "TICK_EVERY", "_NO_HELM", "Demo", "DemoError", "DemoOptions",
    "build_app", "describe", "find_helm", "hold", "how_to_get_helm", "how_to_get_pocketsphinx",
    "note_event", "parse_fault", "remove_stale_dirs", "run_drill", "serve_demo",
]
