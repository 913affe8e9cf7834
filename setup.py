"""Build step only (metadata lives in pyproject.toml): map the top-level `layouts/`,
`checklists/`, `probes/`, `examples/` and `rehearsals/` into the wheel as `cockpit/_shipped/<dir>/`.

They stay at the repository's top level (the design card), but an installed cockpit
(`pip install .`, `pipx`, `uv tool install`) has no checkout beside it; `cockpit.shipped`
finds them in the package first, then in the checkout (editable installs).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("layouts", "checklists", "probes", "examples", "rehearsals")


class BuildPyWithShipped(build_py):
    """build_py, plus the shipped folders copied under the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them from the checkout
        into = Path(self.build_lib) / "cockpit" / "_shipped"
        for name in SHIPPED:
            top = ROOT / name
            for src in sorted(top.rglob("*")):
                if src.is_file() and "__pycache__" not in src.parts:
                    dst = into / name / src.relative_to(top)
                    self.mkpath(str(dst.parent))
                    self.copy_file(str(src), str(dst), preserve_mode=True)


setup(cmdclass={"build_py": BuildPyWithShipped})
