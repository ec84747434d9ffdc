"""Rakor: scheduling (/rakor_baru), invitations and RSVPs, reminders, minutes (/notulen), agreements followed up."""

from __future__ import annotations

from datetime import timedelta

from handlers.feature import EVERYONE, Feature, Rule, Tap
from handlers.rakor.agreements import (
    AGREEMENT,
    agreements_command,
    digest_lines,
    owner_label,
    remind_owners,
)
from handlers.rakor.common import (
    DEFAULT_REMINDERS,
    ORGANISERS,
    check_target_time,
    local_when,
    parse_offsets,
)
from handlers.rakor.invitations import (
    RSVP,
    is_rsvp_tap,
    remind_invitees,
    resolve_targets,
    rsvp_tap,
    taps_other_invitation,
    tell_invitees,
)
from handlers.rakor.minutes import MINUTES
from handlers.rakor.schedule import (
    RAKOR_CANCEL,
    RAKOR_MOVE,
    RAKOR_NEW,
    cancel_command,
    cancel_meeting,
    move_command,
    move_meeting,
    rakor_command,
)
from handlers.types import Tick

# What the rest of Siaga uses of rakor besides FEATURE: the digest (its lines) and the CLI (`siaga rakor`).
__all__ = ["DEFAULT_REMINDERS", "FEATURE", "cancel_meeting", "check_target_time", "digest_lines", "local_when",
           "move_meeting", "owner_label", "parse_offsets", "remind_invitees", "remind_owners", "resolve_targets",
           "tell_invitees"]

COMMANDS = {
    "rakor": rakor_command,
    "kesepakatan": agreements_command,
    "agreements": agreements_command,
    "rakor_ubah": move_command,
    "move_rakor": move_command,
    "rakor_batal": cancel_command,
    "cancel_rakor": cancel_command,
}
FLOWS = (RAKOR_NEW, RSVP, MINUTES, AGREEMENT, RAKOR_MOVE, RAKOR_CANCEL)
TICKS = (
    Tick("rakor-invitations", timedelta(minutes=1), tell_invitees),
    Tick("rakor-reminders", timedelta(minutes=1), remind_invitees),
    Tick("agreement-reminders", timedelta(minutes=5), remind_owners),
)
FEATURE = Feature(
    "rakor", flows=FLOWS, commands=COMMANDS, ticks=TICKS, digest_sections=(digest_lines,),
    taps=(Tap(matches=is_rsvp_tap, answer=rsvp_tap, elsewhere=taps_other_invitation),),
    rules={
        # A guest sees the rakor they are invited to and the agreements they answer for, and answers their
        # invitations and agreement reminders; nothing else.
        "rakor": Rule(EVERYONE), "kesepakatan": Rule(EVERYONE), "agreements": Rule(EVERYONE),
        RSVP.name: Rule(EVERYONE), AGREEMENT.name: Rule(EVERYONE),
        **{name: Rule(ORGANISERS, refusal="engine.not_allowed") for name in RAKOR_NEW.commands},
        **{name: Rule(ORGANISERS) for name in ("rakor_ubah", "move_rakor", "rakor_batal", "cancel_rakor")},
    },
)
