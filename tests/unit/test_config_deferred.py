"""Config sections build their validators when first needed (`defer_build`), not when
their classes are made (issue 14: first frame): `cockpit run` imports 17 section
classes and validates with one, `LaunchConfig`, whose validator holds them all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import cockpit.config as c
from cockpit.config.fields import Section
def sections(cls=Section):
    for sub in cls.__subclasses__():
        yield sub
        yield from sections(sub)
built = lambda: sorted(s.__name__ for s in sections() if s.__pydantic_complete__)
at_import = built()
config = c.load_config(sys.argv[1])
after_load = built()
q = c.QueryConfig(query="up")  # a section on its own builds its own validator, and works
print(json.dumps({"at_import": at_import, "after_load": after_load,
                  "all": sorted(s.__name__ for s in sections()), "query": q.query,
                  "launch": config.launch}))
"""


def test_no_section_validator_is_built_until_a_config_is_loaded():
    import json

    out = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "examples/reference.yaml")],
                         capture_output=True, text=True, check=True, cwd=ROOT,
                         env={"PATH": "/usr/bin:/bin", "REF_TOKEN": "x"})
    got = json.loads(out.stdout)
    assert len(got["all"]) >= 17, got["all"]
    assert got["at_import"] == []
    assert "LaunchConfig" in got["after_load"]
    assert got["query"] == "up" and got["launch"]


def test_section_annotations_are_objects_not_strings():
    """No `from __future__ import annotations` in the modules of the sections: pydantic
    would evaluate each of their ~160 annotations from its string when the class is made
    (~4 ms of `cockpit run`'s start, issue 14)."""
    from cockpit.config import LaunchConfig
    from cockpit.config.fields import Section

    def sections(cls=Section):  # the config's own (the rehearsal files' live elsewhere)
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("cockpit.config."):
                yield sub
            yield from sections(sub)

    assert LaunchConfig in set(sections())
    strings = {f"{cls.__name__}.{name}" for cls in sections()
               for name, hint in cls.__annotations__.items() if isinstance(hint, str)}
    assert not strings, strings
