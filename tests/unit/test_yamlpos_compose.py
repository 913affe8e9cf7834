"""`yamlpos.compose` parses a file once: its depth check and the composer share one pass
over the parser's events (issue 14: first frame). The node tree, every mark and every
error must be what composing the text again gave (`two_pass` below, the code before)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cockpit import yamlpos
from cockpit.yamlpos import MAX_DEPTH, Position, YamlError, compose

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p for d in ("layouts", "checklists", "examples", "rehearsals")
                 for p in (ROOT / d).glob("*.yaml"))

# Documents that exercise what a composer does with events: anchors shared by aliases,
# styles, tags, several documents, keys that are collections, and every kind of error.
TEXTS = [
    "a: 1\n",
    "",
    "# only a comment\n",
    "---\na: 1\n...\n",
    "base: &b {x: 1, y: [1, 2]}\ncopy: *b\nlist: &l [a, b]\nagain: *l\n",
    "s: &s text\nt: *s\nu: *s\n",
    "block: |\n  line one\n  line two\nfolded: >-\n  a\n  b\nq: 'single'\nd: \"dq\\n\"\n",
    "n: !!int '7'\nf: !!float '1.5'\nt: 2026-12-01T10:00:00Z\nnul: ~\nb: yes\n",
    "a: !foo x\n",
    "? [a, b]\n: 1\n",
    "? {a: 1}\n: 2\n",
    "- a\n- - b\n  - c\n- {k: v}\n",
    "crlf: 1\r\nnext: [x,\r\n  y]\r\n",
    "unicode: é日本\nkey é: ü\n",
    "a: 1\n---\nb: 2\n",  # two documents: an error
    "a: *nope\n",  # undefined alias: the composer's error
    "a: &x 1\nb: &x 2\nc: *x\n",
    "a: *nope\nb: [1, 2\n",  # composer error first in the text, syntax error later
    "a: b: c\n",
    "a:\n  - x\n - y\n",
    "{a: 1\n",
    "a: 'unterminated\n",
    "a: [" + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "]\n",
    "".join("  " * i + "k:\n" for i in range(MAX_DEPTH + 5)),
    "\t- tab\n",
    "x: &x {a: 1}\ny:\n  <<: *x\n",
]


def two_pass(text: str, file: str) -> yaml.Node | None:
    """`compose` as it was: the depth check's parse, then `yaml.compose` of the text."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yamlpos._Loader):  # noqa: SLF001
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise YamlError(Position(file, mark.line + 1, mark.column + 1),
                                    f"nested more than {MAX_DEPTH} levels deep")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.compose(text, Loader=yamlpos._Loader)  # noqa: SLF001
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file, 1, 1)
        raise YamlError(pos, f"YAML syntax: {exc.problem or exc.context}") from None


def dump(node: yaml.Node | None, seen: dict[int, int] | None = None) -> object:
    """Everything of a node tree: kind, tag, value, style, both marks; a node met again
    (an alias) as a reference to its first place, so sharing must match too."""
    if node is None:
        return None
    seen = {} if seen is None else seen
    if id(node) in seen:
        return ("same-as", seen[id(node)])
    seen[id(node)] = len(seen)
    marks = tuple((m.line, m.column, m.index) for m in (node.start_mark, node.end_mark))
    head = (type(node).__name__, node.tag, marks, getattr(node, "style", None),
            getattr(node, "flow_style", None))
    if isinstance(node, yaml.ScalarNode):
        return (*head, node.value)
    if isinstance(node, yaml.SequenceNode):
        return (*head, [dump(v, seen) for v in node.value])
    return (*head, [(dump(k, seen), dump(v, seen)) for k, v in node.value])


def outcome(fn, text: str) -> object:
    try:
        return ("node", dump(fn(text, "f.yaml")))
    except YamlError as exc:
        return ("error", str(exc))


def test_every_shipped_file_composes_as_before():
    assert len(SHIPPED) >= 12, SHIPPED  # layouts, checklists, the reference, rehearsals
    for path in SHIPPED:
        text = path.read_text(encoding="utf-8")
        assert outcome(compose, text) == outcome(two_pass, text), path
        assert outcome(compose, text)[0] == "node", path


@pytest.mark.parametrize("text", TEXTS)
def test_nodes_marks_and_errors_are_as_before(text: str):
    assert outcome(compose, text) == outcome(two_pass, text)


def test_the_text_is_scanned_once(monkeypatch):
    made = []
    real = yamlpos._Loader.__init__  # noqa: SLF001

    def counting(self, stream):
        made.append(stream)
        real(self, stream)

    monkeypatch.setattr(yamlpos._Loader, "__init__", counting)  # noqa: SLF001
    text = (ROOT / "examples" / "reference.yaml").read_text(encoding="utf-8")
    assert compose(text, "reference.yaml") is not None
    assert len(made) == 1  # one reader/scanner/parser for the depth check and the nodes
