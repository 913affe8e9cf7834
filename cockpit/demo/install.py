"""What this install has and lacks: a working helm, the advice for a missing
helm or PocketSphinx said the way this install takes it (a checkout or a wheel), and
the stand-in helm the demo writes when there is none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def how_to_get_helm() -> str:
    """What to do about a missing helm: the checkout's installer where there is one; an
    installed wheel has no tools/ (the demo said `bash tools/deps.d/helm.sh` there too)."""
    if (ROOT / "tools" / "deps.d" / "helm.sh").is_file():
        return "bash tools/deps.d/helm.sh installs it, or put helm on PATH"
    return "install helm 3 onto PATH: https://helm.sh/docs/intro/install/"


def how_to_get_pocketsphinx() -> str:
    """The demo extra, said the way this install takes it (a checkout, or a wheel where
    `pip install -e '.[test]'` was the wrong advice)."""
    if (ROOT / "pyproject.toml").is_file():
        return "run `make demo` or pip install -e '.[demo]'"
    return "install cockpit with its demo extra: pip install 'cockpit[demo]' (or pocketsphinx)"


def find_helm(explicit: str | None = None) -> str | None:
    """A helm that runs: explicit, else the repo's tools/bin/helm, else helm on PATH."""
    for candidate in (explicit, str(ROOT / "tools" / "bin" / "helm"), shutil.which("helm")):
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        try:
            out = subprocess.run([candidate, "version", "--short"], capture_output=True,
                                 timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0:
            return candidate
    return None


_NO_HELM = """#!{python}
# cockpit demo: no helm binary was found, so the rehearsal cannot roll back. What is
# deployed (`get metadata`, `status`) is still read from the rehearsal's release file.
import sys
from cockpit.sim.helm import read_only_main
if read_only_main({state!r}, sys.argv[1:]):
    sys.exit(0)
sys.stderr.write("Error: cockpit demo has no helm: the rehearsal's rollback cannot run. "
                 "Helm: " {how!r} "; then start the demo again. The scripted fault clears "
                 "by itself.\\n")
sys.exit(1)
"""


