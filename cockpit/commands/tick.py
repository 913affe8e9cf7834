"""`cockpit tick CONFIG ID [--comment TEXT]` and `cockpit untick`: a manual checklist item
from the shell, for a pipeline or a runbook script.

The same event, author and rules as the screen's space key: the tick is a `tick` event
by this operator (who and when, with the comment), committed before the command returns;
an unknown id is an error listing the close matches; an `auto` item is judged by its
live signal and cannot be ticked. Ticking a ticked item (or unticking an unticked one)
changes nothing and says who ticked it. Exit codes: 0 done, 3 bad input.
"""

from __future__ import annotations

import argparse
import difflib
import time

from cockpit import exits
from cockpit.commands.common import Abort, add_config_argument, engine_from, run_command
from cockpit.model import Status


def register(sub: argparse._SubParsersAction) -> None:
    _parser(sub, "tick")


def register_untick(sub: argparse._SubParsersAction) -> None:
    _parser(sub, "untick")


def _parser(sub: argparse._SubParsersAction, verb: str) -> None:
    what = "tick a manual checklist item" if verb == "tick" else "untick a manual checklist item"
    parser = sub.add_parser(verb, help=f"{what} (who and when go into the log, as in the screen)",
                            description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_argument(parser)
    parser.add_argument("item", metavar="ID", help="the checklist item's id")
    parser.add_argument("--comment", "-m", default=None, help="an optional comment")
    parser.set_defaults(handler=lambda args: run_command(_run, args), verb=verb)


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S UTC", time.gmtime(at))


def _run(args: argparse.Namespace) -> int:
    launch = engine_from(args, validate_signals=False)
    engine = launch.engine
    checklist = engine.checklist
    item_id = args.item.strip()
    if item_id not in checklist:
        ids = [i.id for i in checklist.items()]
        close = difflib.get_close_matches(item_id, ids, n=3, cutoff=0.5)
        hint = (f"; did you mean {', '.join(close)}?" if close
                else f"; manual items: {', '.join(i.id for i in checklist.items() if i.manual)}")
        raise Abort([f"cockpit {args.verb}: no item {item_id!r} in {checklist.path}{hint}"])
    item = checklist.item(item_id)
    owner = f" (owner: {item.owner})" if item.owner else ""
    if not item.manual:
        raise Abort([f"cockpit {args.verb}: {item_id!r} is judged by its live signal "
                     f"({item.auto}), not ticked by hand"])
    state = engine.item_states()[item_id]
    ticked = state.status == Status.PASS
    comment = (args.comment or "").strip() or None
    if args.verb == "tick" and ticked:
        print(f"{item_id}: {item.text}{owner}: already ticked by {state.ticked_by} at "
              f"{_clock(state.ticked_at or 0)}; nothing changed")
        return exits.OK
    if args.verb == "untick" and not ticked:
        print(f"{item_id}: {item.text}{owner}: not ticked; nothing changed")
        return exits.OK
    from cockpit.engine import Denied

    try:
        event = (engine.tick(item_id, comment) if args.verb == "tick"
                 else engine.untick(item_id, comment))
    except Denied as exc:  # logged by the engine as a `denied` event
        raise Abort([f"cockpit {args.verb}: {exc} (the refusal is logged)"],
                    code=exits.DENIED) from None
    said = f" ({comment})" if comment else ""
    print(f"{args.verb}ed {item_id}: {item.text}{owner} by {event.author} at "
          f"{_clock(event.at)}{said}")
    left = [i for i in checklist.items()
            if i.manual and i.required and engine.item_states()[i.id].status != Status.PASS]
    if left:
        print(f"{len(left)} required manual item{'s' if len(left) != 1 else ''} still unticked: "
              + ", ".join(i.id for i in left))
    return exits.OK
