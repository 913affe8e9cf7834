"""One table of exit codes: the README prints it, every command uses it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cockpit import exits
from cockpit.cli import main
from tests.support.rollback import write_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_table_is_the_modules():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- exit-codes:begin -->\n(.*?)<!-- exit-codes:end -->", readme, re.S)
    assert found, "README has no generated exit-code table"
    assert found.group(1) == exits.markdown()


def test_codes_are_distinct_except_the_documented_pair():
    codes = [e.code for e in exits.TABLE]
    assert len(codes) == len(set(codes))  # NO_GO and FAILED share one row, on purpose
    assert exits.NO_GO == exits.FAILED


def _int_exits(path: Path) -> list[str]:
    """`return <int>`, `code=<int>` and `EXIT_X = <int>` written as bare numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        value = None
        if isinstance(node, ast.Return):
            value = node.value
        elif isinstance(node, ast.keyword) and node.arg == "code":
            value = node.value
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id.startswith("EXIT") for t in node.targets
        ):
            value = node.value
        if isinstance(value, ast.Constant) and type(value.value) is int:
            found.append(f"{path.name}:{node.lineno}")
    return found


def test_commands_return_codes_from_the_table_only():
    files = [ROOT / "cockpit" / "cli.py", *sorted((ROOT / "cockpit" / "commands").glob("*.py"))]
    bare = [hit for f in files for hit in _int_exits(f)]
    assert bare == []


def test_a_usage_error_is_bad_input_not_hold(capsys):
    try:
        main(["check", "x.yaml", "--no-such-flag"])
    except SystemExit as exc:
        assert exc.code == exits.BAD_INPUT
    else:
        raise AssertionError("argparse did not stop")
    assert "unrecognized arguments" in capsys.readouterr().err


def test_a_refused_release_name_is_a_config_error_with_its_line(tmp_path, capsys):
    config = write_config(tmp_path, {"helm": {"release": "asr; rm -rf /", "namespace": "asr"}})
    code = main(["rollback", str(config), "--plan"])
    err = capsys.readouterr().err
    assert code == exits.BAD_INPUT
    assert f"{config}:" in err and "release" in err
