"""pydantic's plugin lookup is answered with no plugins (cockpit/__init__.py), so
validating a config reads no installed distribution's entry points and never imports
importlib.metadata (issue 14: first frame). Validation itself is unchanged, and any
other name of pydantic's loader still reaches the real module. In a fresh interpreter,
so what was imported before does not count."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import cockpit
import pydantic
from cockpit.config import load_config
config = load_config(sys.argv[1])
class Probe(pydantic.BaseModel):
    n: int
try:
    Probe(n="x")
    refused = False
except pydantic.ValidationError:
    refused = True
out = {"launch": config.launch, "n": Probe(n="3").n, "refused": refused,
       "metadata": "importlib.metadata" in sys.modules}
import pydantic.plugin._loader as loader
out["plugins"] = list(loader.get_plugins())
out["group"] = loader.PYDANTIC_ENTRY_POINT_GROUP  # not answered here: the real module's
print(json.dumps(out))
"""


def test_validation_looks_up_no_pydantic_plugins() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "examples/reference.yaml")],
                          capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "REF_TOKEN": "x"})
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["launch"] and got["n"] == 3 and got["refused"] is True
    assert got["metadata"] is False, "pydantic read the installed distributions' entry points"
    assert got["plugins"] == []
    assert got["group"] == "pydantic"
