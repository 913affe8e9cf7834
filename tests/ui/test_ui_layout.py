"""Layouts: the bundled ones are valid, bad ones are errors naming file:line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.layout import LAYOUT_DIR, LayoutError, load_layout, parse_layout, resolve_layout
from cockpit.ui.panes import PANE_MODULES, load_panes, pane_types


@pytest.mark.parametrize("name", ["launch", "watch", "compact"])
def test_bundled_layouts_are_valid_and_use_registered_panes(name: str) -> None:
    layout = load_layout(LAYOUT_DIR / f"{name}.yaml")
    assert layout.name == name
    assert {p.type for p in layout.panes} <= pane_types()
    assert "verdict" in {p.type for p in layout.panes}


def test_every_registered_pane_module_defines_its_class() -> None:
    panes = load_panes()
    assert set(panes) == set(PANE_MODULES)
    for name, cls in panes.items():
        assert cls.PANE_TYPE == name


def test_unknown_pane_type_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("columns: 2\nrows: 2\npanes:\n  - {type: verdict, row: 0, col: 0}\n"
                    "  - type: nosuchpane\n    row: 1\n    col: 0\n")
    with pytest.raises(LayoutError) as err:
        load_layout(path)
    assert str(err.value).startswith(f"{path}:5:11: unknown pane type 'nosuchpane'")
    assert err.value.line == 5


@pytest.mark.parametrize(("body", "line", "message"), [
    ("columns: 2\nrows: 1\npanes:\n  - {type: log, row: 0, col: 2}\n", 4, "outside the 1x2 grid"),
    ("columns: 2\nrows: 1\npanes:\n  - {type: log, row: 0, col: 0, col_span: 2}\n"
     "  - {type: checklist, row: 0, col: 1}\n", 5, "overlaps pane 'log' (line 4)"),
    ("columns: [1fr, wide]\nrows: 1\npanes:\n  - {type: log, row: 0, col: 0}\n", 1,
     "size 'wide'"),
    ("columns: 1\nrows: 1\npanes:\n  - {type: log, row: 0, col: 0, colour: red}\n", 4,
     "unknown key 'colour'"),
    ("columns: 1\nrows: 1\nextra: 1\npanes:\n  - {type: log, row: 0, col: 0}\n", 3,
     "unknown key 'extra'"),
    ("columns: 1\nrows: 1\npanes:\n  - {type: log, col: 0}\n", 4, "missing 'row'"),
    ("columns: 1\nrows: 1\npanes: [\n", None, "not valid YAML"),
])
def test_layout_errors(body: str, line: int | None, message: str) -> None:
    with pytest.raises(LayoutError) as err:
        parse_layout(body, "x.yaml")
    assert message in str(err.value)
    if line is not None:
        assert err.value.line == line
        assert str(err.value).startswith(f"x.yaml:{line}:")


@pytest.mark.parametrize(("data", "where", "message"), [
    (b"columns: 1\nrows: 1\npanes:\n  - {type: [a], row: 0, col: 0}\n", "4:12",
     "type: a pane type name, not list"),
    (b"columns: 1\nrows: 1\npanes:\n  - {type: caf\xe9, row: 0, col: 0}\n", "4:15",
     "byte 0xe9 is not UTF-8"),
    (b"columns: 1\nrows: 1\npanes:\n  - {type: lo\x00g, row: 0, col: 0}\n", "4:14",
     "control character \\x00"),
    (b"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
     b"e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", None, "alias bomb"),
    (b"columns: !!python/name:os.system 1\nrows: 1\npanes: []\n", "1:10", "unsupported tag"),
    (b"columns: 1\nrows: 1\npanes:\n  - <<: {type: log}\n", "4:5", "merge keys"),
    (b"columns: 1\nrows: 1\npanes: " + b"[" * 500 + b"]" * 500 + b"\n", None, "nested"),
])
def test_hostile_layout_files_are_one_line_with_line_and_column(
        tmp_path: Path, data: bytes, where: str | None, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(data)
    with pytest.raises(LayoutError) as err:
        load_layout(path)
    text = str(err.value)
    assert "\n" not in text and message in text
    assert text.startswith(f"{path}:{where or ''}")
    assert re.match(rf"^{re.escape(str(path))}:\d+:\d+: ", text)


def test_placement_fills_gaps_in_grid_order() -> None:
    layout = parse_layout("columns: 3\nrows: 2\npanes:\n"
                          "  - {type: verdict, row: 0, col: 0, col_span: 2}\n"
                          "  - {type: log, row: 0, col: 2, row_span: 2}\n"
                          "  - {type: checklist, row: 1, col: 1}\n")
    order = [p.type if p else None for p in layout.placement()]
    assert order == ["verdict", "log", None, "checklist"]


def test_resolve_by_name_or_path(tmp_path: Path) -> None:
    assert resolve_layout("compact") == LAYOUT_DIR / "compact.yaml"
    (tmp_path / "mine.yaml").write_text("columns: 1\nrows: 1\npanes: [{type: log, row: 0, col: 0}]")
    assert resolve_layout("mine", tmp_path) == tmp_path / "mine.yaml"
    with pytest.raises(LayoutError, match="no layout named 'nope'"):
        resolve_layout("nope")


def test_layout_loading_never_imports_textual() -> None:
    code = ("import sys; from cockpit.layout import load_layout, LAYOUT_DIR; "
            "load_layout(LAYOUT_DIR / 'launch.yaml'); "
            "assert 'textual' not in sys.modules, 'textual imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def _cockpit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cockpit.cli", *args], cwd=cwd,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)


def test_run_rejects_a_bad_layout_with_file_and_line(tmp_path: Path) -> None:
    from tests.support.ui import write_launch

    config = write_launch(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns: 1\nrows: 1\npanes:\n  - {type: pods2, row: 0, col: 0}\n")
    done = _cockpit("run", str(config), "--layout", str(bad), cwd=tmp_path)
    assert done.returncode == 3
    assert f"{bad}:4:12: unknown pane type 'pods2'" in done.stderr


def test_run_needs_a_terminal(tmp_path: Path) -> None:
    from tests.support.ui import write_launch

    done = _cockpit("run", str(write_launch(tmp_path)), cwd=tmp_path)
    assert done.returncode == 3 and "needs a terminal" in done.stderr


def test_config_layout_is_relative_to_the_config(tmp_path: Path, monkeypatch) -> None:
    from types import SimpleNamespace

    from cockpit.commands.run import load_layouts

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "two.yaml").write_text(
        "name: two\ncolumns: 1\nrows: 1\npanes: [{type: log, row: 0, col: 0}]\n")
    monkeypatch.chdir(Path(__file__).parent)  # somewhere else
    config = SimpleNamespace(base_dir=tmp_path, layout="mine/two.yaml")
    layouts, first = load_layouts(config, None)
    assert first == "two"
    assert {"two", "launch", "watch", "compact"} <= {lay.name for lay in layouts}
    layouts, first = load_layouts(config, "compact")  # --layout wins over the config
    assert first == "compact"
