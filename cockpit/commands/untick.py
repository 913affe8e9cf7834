"""`cockpit untick CONFIG ID [--comment TEXT]`: see `cockpit/commands/tick.py`."""

from cockpit.commands.tick import register_untick as register

__all__ = ["register"]
