"""What the `siaga` command line reads from storage beyond the feature modules, so bot.cli needs no ORM.

The enums are re-exported from storage.models: the CLI offers their values as argument choices and compares
with them, and import-linter forbids bot.cli to import storage.models itself.
"""

from __future__ import annotations

from storage.db import Session
from storage.models import Invite, OutboxStatus, RakorStatus, Role, Rsvp
from storage.people import normalise_invite_code

__all__ = ["OutboxStatus", "RakorStatus", "Role", "Rsvp", "get_invite"]


def get_invite(session: Session, code: str) -> Invite | None:
    """Return the invite with this code (as typed: case, spaces and dashes do not matter), or None."""
    return session.get(Invite, normalise_invite_code(code))
