"""The storage enums the `siaga` command line offers as argument choices and compares with.

Re-exported from storage.models because import-linter forbids bot.cli to import storage.models itself.
"""

from __future__ import annotations

from storage.models import OutboxStatus, RakorStatus, Role, Rsvp

__all__ = ["OutboxStatus", "RakorStatus", "Role", "Rsvp"]
