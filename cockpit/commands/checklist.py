"""`cockpit checklist import FILE.md [-o OUT.yaml]`: Markdown checklist to checklist YAML.

Headless and Textual-free. Exit codes: 0 written, 3 when the input is missing,
unreadable, undecodable or holds no checklist items, or the output cannot be written.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cockpit import exits
from cockpit.checklist_import import ChecklistImportError, import_markdown, summary, to_yaml

EXIT_OK = exits.OK
EXIT_INPUT = exits.BAD_INPUT


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `checklist` (with its `import` subcommand) to the top-level CLI."""
    parser = subparsers.add_parser(
        "checklist",
        help="work with checklist files",
        description="Work with go/no-go checklist files.",
    )
    sub = parser.add_subparsers(dest="checklist_command", metavar="COMMAND")
    sub.required = True
    imp = sub.add_parser(
        "import",
        help="convert a Markdown checklist into checklist YAML",
        description=(
            "Convert a Markdown checklist (headings, '- [ ]' items, nested items, bold "
            "titles, code blocks) into checklist YAML to edit by hand. Prints the YAML, "
            "or writes it with -o. Priorities are kept (Critical/High required, Medium/Low "
            "optional). Items naming a known measurable get a proposed gate, commented "
            "out: none is switched on."
        ),
    )
    imp.add_argument("file", metavar="FILE.md", help="the Markdown checklist to read")
    imp.add_argument("-o", "--output", metavar="OUT.yaml", help="write here instead of stdout")
    imp.set_defaults(handler=run_import)
    return parser


def run_import(args: argparse.Namespace) -> int:
    """Read, convert, print or write. Every failure is one line on stderr and exit 3."""
    source = Path(args.file)
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        return _fail(f"{source}: no such file")
    except IsADirectoryError:
        return _fail(f"{source}: is a directory, not a Markdown file")
    except OSError as exc:
        return _fail(f"{source}: cannot read: {exc.strerror or exc}")
    try:
        checklist = import_markdown(data, str(source))
    except ChecklistImportError as exc:
        msg = str(exc)
        return _fail(msg if msg.startswith(str(source)) else f"{source}: {msg}")
    text = to_yaml(checklist, source.name)
    if not args.output:
        sys.stdout.write(text)
        sys.stdout.flush()
        print(f"{source.name}: {summary(checklist)}", file=sys.stderr)
        return EXIT_OK
    try:
        _write_atomic(Path(args.output), text)
    except OSError as exc:
        return _fail(f"{args.output}: cannot write: {exc.strerror or exc}")
    sections = len(checklist["sections"])
    print(f"wrote {args.output}: {sections} sections, {summary(checklist)}", file=sys.stderr)
    return EXIT_OK


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, so a half-written file never shows."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a checklist is not a secret
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fail(message: str) -> int:
    print(f"cockpit checklist import: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """Run `checklist ...` on its own (tests, or before the top-level CLI is wired)."""
    parser = argparse.ArgumentParser(prog="cockpit")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["checklist", *(argv if argv is not None else sys.argv[1:])])
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
