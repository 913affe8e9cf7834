"""Hostile YAML: every bad file is one `file:line:col: what` line, quickly."""

from __future__ import annotations

import math
import os
import re
import time
from pathlib import Path

import pytest

from cockpit.config import ConfigError, load_config, parse_duration
from cockpit.redact import redact
from cockpit.yamlpos import MAX_BYTES, YamlError, load_located, loads_located

LINE = re.compile(r"^f\.yaml:\d+:\d+: \S.*$")


def bomb(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        (bomb(), None, "aliases are expanded (an alias bomb?)"),
        ("a: b\x00c\n", "1:5", "control character \\x00 is not allowed in YAML (is the file "
         "UTF-16 without a byte-order mark?)"),
        ("a: b\x1b[2Jc\n", "1:5", "control character \\x1b is not allowed in YAML"),
        ("a: !foo x\n", "1:4", "unsupported tag '!foo'"),
        ("a: !!python/name:os.system x\n", "1:4", "unsupported tag '!!python/name:os.system'"),
        ("a: !!python/object/apply:os.system [ls]\n", "1:4", "unsupported tag"),
        ("a: !!set {x}\n", "1:4", "unsupported tag '!!set'"),
        ("x: &x {a: 1}\ny:\n  <<: *x\n", "3:3", "merge keys (<<) are not supported"),
        ("a: !!float abc\n", "1:4", "'abc' is not a valid '!!float'"),
        ("a: !!int x\n", "1:4", "'x' is not a valid '!!int'"),
        ("a: !!timestamp nope\n", "1:4", "'nope' is not a valid '!!timestamp'"),
        ("a: " + "9" * 5000 + "\n", "1:4", "is not a valid '!!int'"),
        ("a: " + "[" * 3000 + "]" * 3000 + "\n", "1:103", "nested more than 100 levels deep"),
        ("".join("  " * i + "k:\n" for i in range(1500)), "101:201", "nested more than 100"),
        ("a: &a [*a]\n", "1:4", "an alias refers to a value that contains it (recursive)"),
        ("a: &a {b: *a}\n", "1:4", "recursive"),
        ("a: *nope\n", "1:4", "YAML syntax: found undefined alias"),
        ("a: 1\na: 2\n", "2:1", "duplicate key 'a'"),
        ("? [a, b]\n: 1\n", "1:3", "mapping keys must be plain scalars"),
    ],
)
def test_hostile_yaml_is_one_line_with_its_place(text: str, where: str | None, what: str):
    started = time.monotonic()
    with pytest.raises(YamlError) as info:
        loads_located(text, "f.yaml")
    assert time.monotonic() - started < 5  # the bomb used to take 1.35 GB and never end
    line = str(info.value)
    assert LINE.match(line) and "\n" not in line
    if where:
        assert line.startswith(f"f.yaml:{where}: ")
    assert what in line


def test_files_that_are_not_yaml_text(tmp_path: Path):
    utf16 = tmp_path / "u16.yaml"
    utf16.write_bytes("launch: x\n".encode("utf-16-le"))  # no byte-order mark
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("launch: x\ntitle: caf\xe9\n".encode("latin-1"))
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(MAX_BYTES + 10)  # sparse: cheap
    cases = {
        utf16: "1:2: control character \\x00",
        latin: "2:11: byte 0xe9 is not UTF-8",
        tmp_path / "nope.yaml": "1:1: file not found",
        tmp_path: "1:1: cannot read: a directory",
        big: "1:1: file is larger than 4 MiB",
        Path("/dev/zero"): "1:1: cannot read: not a regular file",
        fifo: "1:1: cannot read: not a regular file",  # open() would block for ever
    }
    for path, what in cases.items():
        with pytest.raises(YamlError) as info:
            load_located(path)
        assert str(info.value) == f"{path}:{what}" or str(info.value).startswith(
            f"{path}:{what}"), str(info.value)


def test_utf16_with_a_bom_and_utf8_with_a_bom_still_load(tmp_path: Path):
    for data in ("\ufeffa: 1\n".encode(), "a: 1\n".encode("utf-16")):
        (tmp_path / "f.yaml").write_bytes(data)
        assert load_located(tmp_path / "f.yaml").data == {"a": 1}


def test_plain_aliases_and_core_tags_still_work():
    text = "base: &b {x: 1}\ncopy: *b\nn: !!int '7'\nf: !!float '1.5'\nt: 2026-12-01T10:00:00Z\n"
    data = loads_located(text, "f.yaml").data
    assert data["copy"] == {"x": 1} and data["n"] == 7 and data["f"] == 1.5
    assert data["t"].year == 2026


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, ".nan", ".inf"])
def test_nan_and_inf_are_not_durations(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


@pytest.mark.parametrize("field", ["every", "stale_after", "timeout"])
@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN"])
def test_nan_durations_are_config_errors(tmp_path: Path, field: str, value: str):
    # `age > nan` is never true: a hung source would read as fresh for ever (GO while blind)
    (tmp_path / "cl.yaml").write_text("title: t\nsections: []\n")
    path = tmp_path / "launch.yaml"
    path.write_text(f"launch: x\nchecklist: cl.yaml\nprometheus:\n  url: http://p:9090\n"
                    f"  {field}: {value}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (only,) = [str(p) for p in info.value.problems]
    assert only.startswith(f"{path}:5:3: prometheus.{field}: ")


def test_an_env_value_is_never_quoted_back(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PROM_EVERY", "PLANTEDENVSECRET")
    monkeypatch.setenv("PROM_PASSWORD_X", "hunter2-planted")
    (tmp_path / "cl.yaml").write_text("title: t\nsections: []\n")
    path = tmp_path / "launch.yaml"
    path.write_text("launch: x\nchecklist: cl.yaml\nprometheus:\n  url: http://p:9090\n"
                    "  every: ${PROM_EVERY}\n  timeout: ${PROM_PASSWORD_X}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = "\n".join(str(p) for p in info.value.problems)
    assert "PLANTEDENVSECRET" not in text and "hunter2-planted" not in text
    assert "prometheus.every: '${PROM_EVERY}' is not a duration" in text
    # a variable named like a secret is registered: blanked wherever it turns up later
    assert redact("echo hunter2-planted") == "echo ***"
