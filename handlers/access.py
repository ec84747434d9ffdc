"""Who may use which command, and the one audited refusal everybody else gets."""

from __future__ import annotations

from handlers.onboarding import address_tag
from handlers.texts import t
from handlers.types import Ctx, Reply
from storage import audit
from storage.models import Role

READERS = frozenset({Role.HEAD, Role.ADMIN})
VERIFIERS = frozenset({Role.HEAD})
FILERS = frozenset({Role.OFFICER, Role.HEAD, Role.ADMIN})
# A guest (a rakor participant from another institution) gets invitations and RSVPs, and only
# these commands: help and language, the rakor they are invited to, and the agreements they or their
# institution answer for.
GUEST_COMMANDS = frozenset({"bantuan", "help", "bahasa", "language", "start", "daftar", "join",
                            "kesepakatan", "agreements", "rakor"})

# Commands and flow commands limited to some roles; any other command is open to every role but guests.
RULES: dict[str, frozenset[Role]] = {
    "laporan": READERS, "reports": READERS,
    "ringkasan": READERS, "digest": READERS,
    "status": VERIFIERS,
    "web": READERS,
    "lapor": FILERS, "report": FILERS,
    "laporanku": FILERS, "myreports": FILERS,
    "nihil": FILERS,
    "jeda": FILERS, "pause": FILERS,
    "rakor_ubah": READERS, "move_rakor": READERS,
    "rakor_batal": READERS, "cancel_rakor": READERS,
}


def allowed(command: str, role: Role) -> bool:
    """Tell whether a role may use a command."""
    if command in RULES:
        return role in RULES[command]
    return role is not Role.GUEST or command in GUEST_COMMANDS


def within(scope: str, code: str) -> bool:
    """Tell whether a region (kecamatan, kab/kota or an office's own code) lies in the jurisdiction `scope`.

    The one jurisdiction rule of chat and web: an office sees its own region and every region under it,
    by the Kemendagri code's prefix (63.71 sees 63.71.01; 63 sees 63.71 and 63.71.01; 63.7 sees nothing of 63.71).
    """
    return code == scope or code.startswith(scope + ".")


def refuse(command: str, ctx: Ctx, reason: str = "role") -> list[Reply]:
    """Record a refused command and answer without revealing anything."""
    assert ctx.officer is not None
    audit.add_audit(ctx.session, ctx.now, "access.refused", actor_id=ctx.officer.id, subject=f"command:{command}",
                    reason=reason, role=ctx.officer.role.value, channel=ctx.channel,
                    sender=address_tag(ctx.channel, ctx.address))
    return [Reply(t("access.refused", ctx.lang))]
