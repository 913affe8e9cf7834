"""Layers point one way, and nothing imports in a circle.

config, model, gates, checklist, layout (and the pure validators they use) at the
bottom; sources, stores, rollback and simulators above them; the engine (and
`launch.py`, which builds it) above those; the UI above the engine; the commands, the
CLI, the demo, its headless drill and the report at the top. A module never imports one
of a higher layer, not even inside a function. The modules' import-time graph (imports
at module level, outside `if TYPE_CHECKING:`) has no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "cockpit"

BASE, PARTS, ENGINE, UI, TOP = range(5)
NAMES = {BASE: "base", PARTS: "sources/stores/rollback/sim", ENGINE: "engine", UI: "ui",
         TOP: "commands/cli/demo"}
# Pure parsing that the config uses when it loads: below the engine like the config.
PURE = {"cockpit.rollback.validate", "cockpit.store.spec"}


def layer(module: str) -> int:
    if module in PURE:
        return BASE
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    if top in ("commands", "cli", "__main__", "demo", "demo_app", "drill", "report"):
        return TOP
    if top == "ui":
        return UI
    if top in ("engine", "launch"):
        return ENGINE
    if top in ("sources", "store", "rollback", "sim"):
        return PARTS
    return BASE


def modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = modules()


def resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imported(tree: ast.AST, top_level_only: bool) -> set[str]:
    """cockpit modules imported by `tree` (all of them, or those run at import time)."""
    nodes: list[ast.AST] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue  # typing only: never run
            if isinstance(node, ast.Import | ast.ImportFrom):
                nodes.append(node)
            elif isinstance(node, ast.If | ast.Try | ast.With):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    for child in getattr(node, field, []) or []:
                        visit(child.body if isinstance(child, ast.ExceptHandler) else [child])

    if top_level_only:
        visit(tree.body)  # type: ignore[attr-defined]
    else:
        nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        else:
            continue
        for name in names:
            if name.startswith("cockpit."):
                target = resolve(name)
                if target is not None and target != "cockpit":
                    found.add(target)
    return found


def test_no_module_imports_a_higher_layer() -> None:
    wrong = []
    for module, path in sorted(MODULES.items()):
        if module == "cockpit":
            continue
        for target in imported(ast.parse(path.read_text()), top_level_only=False):
            if layer(target) > layer(module):
                wrong.append(f"{module} ({NAMES[layer(module)]}) imports {target} "
                             f"({NAMES[layer(target)]})")
    assert not wrong, "\n".join(wrong)


def test_the_demo_builds_its_launch_like_every_command_not_through_them() -> None:
    for module in ("cockpit.demo", "cockpit.demo_app"):
        tree = ast.parse(MODULES[module].read_text())
        assert not {t for t in imported(tree, False) if t.startswith("cockpit.commands")}


def test_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        edges = imported(ast.parse(path.read_text()), top_level_only=True)
        parent = module.rpartition(".")[0]
        if parent and parent != "cockpit":  # importing a module runs its package first
            edges.add(parent)
        graph[module] = {e for e in edges if e != module and not module.startswith(e + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)

