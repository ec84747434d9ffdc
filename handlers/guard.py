"""The jurisdiction rule and the one audited refusal, shared by the features and by `handlers.access`."""

from __future__ import annotations

from handlers.onboarding import address_tag
from handlers.texts import t
from handlers.types import Ctx, Reply
from storage import audit


def within(scope: str, code: str) -> bool:
    """Tell whether a region (kecamatan, kab/kota or an office's own code) lies in the jurisdiction `scope`.

    The one jurisdiction rule of chat and web: an office sees its own region and every region under it,
    by the Kemendagri code's prefix (63.71 sees 63.71.01; 63 sees 63.71 and 63.71.01; 63.7 sees nothing of 63.71).
    """
    return code == scope or code.startswith(scope + ".")


def refuse(command: str, ctx: Ctx, reason: str = "role", key: str = "access.refused") -> list[Reply]:
    """Record a refused command and answer without revealing anything."""
    assert ctx.officer is not None
    audit.add_audit(ctx.session, ctx.now, "access.refused", actor_id=ctx.officer.id, subject=f"command:{command}",
                    reason=reason, role=ctx.officer.role.value, channel=ctx.channel,
                    sender=address_tag(ctx.channel, ctx.address))
    return [Reply(t(key, ctx.lang))]
