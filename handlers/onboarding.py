"""Joining with an invite code, and the profile flow that asks a new officer's name."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta

from handlers import parse
from handlers.feature import EVERYONE, Feature, Rule
from handlers.flow import Answers, Flow, Step
from handlers.limits import excerpt
from handlers.commands import role_help
from handlers.texts import t
from handlers.types import Ctx, Reply
from storage import audit, people

JOIN_COMMANDS = frozenset({"start", "daftar", "join"})


def address_tag(channel: str, address: str) -> str:
    """Return a short stable tag for an address, so logs can correlate a sender without naming them."""
    return hashlib.sha256(f"{channel}:{address}".encode()).hexdigest()[:12]


def welcome(ctx: Ctx) -> str:
    """Greet a newly registered officer with their role and office."""
    assert ctx.officer is not None
    return t("onboarding.welcome", ctx.lang, role=t(f"role.{ctx.officer.role.value}", ctx.lang),
             office=ctx.officer.office.name)


# Guessing invite codes: a sender gets this many wrong codes per window, and all senders together (every
# office this installation serves: a code names its office only once it matches) this many; then joining
# waits until the window has passed.
MAX_FAILED_PER_SENDER = 5
MAX_FAILED_OVERALL = 100
THROTTLE_WINDOW = timedelta(hours=1)


def _throttled(ctx: Ctx, sender: str) -> bool:
    since = ctx.now - THROTTLE_WINDOW
    return (audit.count_audit(ctx.session, "invite.refused", since, subject=sender) >= MAX_FAILED_PER_SENDER
            or audit.count_audit(ctx.session, "invite.refused", since) >= MAX_FAILED_OVERALL)


def join(code: str, ctx: Ctx) -> tuple[Ctx | None, list[Reply]]:
    """Redeem an invite for an unknown sender; on success return the context of the new officer."""
    sender = f"sender:{address_tag(ctx.channel, ctx.address)}"
    if _throttled(ctx, sender):
        # Told once per window, then silence: a guesser costs one audit row a try and no paid reply.
        told = audit.count_audit(ctx.session, "invite.throttled", ctx.now - THROTTLE_WINDOW, subject=sender)
        audit.add_audit(ctx.session, ctx.now, "invite.throttled", subject=sender, channel=ctx.channel)
        minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
        return None, [] if told else [Reply(t("onboarding.invite_throttled", ctx.lang, minutes=minutes))]
    previous = people.get_identity(ctx.session, ctx.channel, ctx.address)
    previous_officer = previous.officer_id if previous is not None else None  # before the relink changes it
    outcome = people.redeem_invite(ctx.session, code, ctx.channel, ctx.address, ctx.now)
    if isinstance(outcome, people.RedeemError):
        audit.add_audit(ctx.session, ctx.now, "invite.refused", subject=sender, reason=outcome.value,
                        channel=ctx.channel)
        # Unknown, used or expired: one answer, so a guesser learns nothing about which codes exist.
        return None, [Reply(t("onboarding.invite_invalid", ctx.lang))]
    detail = {"relinked_from": f"officer:{previous_officer}"} if previous_officer is not None else {}
    audit.add_audit(ctx.session, ctx.now, "officer.joined", actor_id=outcome.id,
                    subject=f"officer:{outcome.id}", channel=ctx.channel, office_id=outcome.office_id, **detail)
    return replace(ctx, officer=outcome), []


def refuse_unknown(ctx: Ctx) -> list[Reply]:
    """Tell an unknown sender how to join, and nothing else."""
    audit.add_audit(ctx.session, ctx.now, "sender.refused", subject=f"sender:{address_tag(ctx.channel, ctx.address)}",
                    channel=ctx.channel)
    return [Reply(t("onboarding.unknown_sender", ctx.lang))]


def submit_profile(answers: Answers, ctx: Ctx) -> list[Reply]:
    """Save the officer's name."""
    assert ctx.officer is not None
    people.rename_officer(ctx.session, ctx.officer, answers["name"])
    return [Reply(t("profile.saved", ctx.lang, name=excerpt(answers["name"], 80)) + "\n\n"
                  + role_help(ctx.officer.role.value if ctx.officer else "officer", ctx.lang))]


PROFILE = Flow(
    name="profile",
    commands=("profil", "profile"),
    steps=(Step("name", parse=parse.text(min_len=3, max_len=200)),),
    submit=submit_profile,
    review=False,
)

# A guest answers the question of their own name too.
FEATURE = Feature("onboarding", flows=(PROFILE,), join_words=JOIN_COMMANDS, rules={PROFILE.name: Rule(EVERYONE)})
