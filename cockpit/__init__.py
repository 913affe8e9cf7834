"""Launch cockpit: is this launch healthy, and if not, what do I do?"""

import sys as _sys

__version__ = "0.1.0"

# httpx's `__init__` imports its command line (`httpx._main`: click, pygments, rich's
# progress and syntax) whenever click is installed, and jiwer installs it: 41 modules,
# +3.4 MB of RSS and ~40 ms before the first frame, for a CLI the cockpit never runs
# (issue 14). A None in sys.modules makes that import fail as if click were absent, and
# httpx then defines its stub `main`. Nothing else changes: `httpx` itself loads whole.
_sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
