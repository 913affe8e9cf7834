"""Launch cockpit: is this launch healthy, and if not, what do I do?"""

import sys as _sys

__version__ = "0.1.0"

# httpx's `__init__` imports its command line (`httpx._main`: click, pygments, rich's
# progress and syntax) whenever click is installed, and jiwer installs it: 41 modules,
# +3.4 MB of RSS and ~40 ms before the first frame, for a CLI the cockpit never runs
# (issue 14). A None in sys.modules makes that import fail as if click were absent, and
# httpx then defines its stub `main`. Nothing else changes: `httpx` itself loads whole.
_sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def _no_pydantic_plugins() -> None:
    """pydantic looks for plugins the first time it builds a validator: it imports
    importlib.metadata (email, zipfile, csv, ...) and reads the entry points of every
    installed distribution, ~18 ms before the first frame (issue 14), for plugins the
    cockpit has no use for (they would observe every validation: a tracer, say). Its
    loader is answered here with no plugins; any other name in it still loads the real
    module, so a pydantic that grew one keeps working."""
    import types

    name = "pydantic.plugin._loader"
    if name in _sys.modules:
        return
    loader = types.ModuleType(name, "cockpit: no pydantic plugins (cockpit/__init__.py)")

    def real(attr: str) -> object:
        if attr.startswith("__"):  # the import system's own probes (`__path__`, ...)
            raise AttributeError(attr)
        if _sys.modules.get(name) is loader:
            del _sys.modules[name]  # once: later calls find the real module loaded
        import importlib

        return getattr(importlib.import_module(name), attr)

    loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
    loader.__getattr__ = real  # type: ignore[attr-defined]
    _sys.modules[name] = loader


_no_pydantic_plugins()
