"""Joining with an invite code, and the profile flow that asks a new officer's name."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from handlers import parse
from handlers.flow import Answers, Flow, Step
from handlers.limits import excerpt
from handlers.texts import t
from handlers.types import Ctx, Reply
from storage import audit, people

JOIN_COMMANDS = {"start", "daftar", "join"}


def address_tag(channel: str, address: str) -> str:
    """Return a short stable tag for an address, so logs can correlate a sender without naming them."""
    return hashlib.sha256(f"{channel}:{address}".encode()).hexdigest()[:12]


def welcome(ctx: Ctx) -> str:
    """Greet a newly registered officer with their role and office."""
    assert ctx.officer is not None
    return t("onboarding.welcome", ctx.lang, role=t(f"role.{ctx.officer.role.value}", ctx.lang),
             office=ctx.officer.office.name)


def join(code: str, ctx: Ctx) -> tuple[Ctx | None, list[Reply]]:
    """Redeem an invite for an unknown sender; on success return the context of the new officer."""
    outcome = people.redeem_invite(ctx.session, code, ctx.channel, ctx.address, ctx.now)
    if isinstance(outcome, people.RedeemError):
        audit.add_audit(ctx.session, ctx.now, "invite.refused", subject=outcome.value,
                        channel=ctx.channel, sender=address_tag(ctx.channel, ctx.address))
        return None, [Reply(t(f"onboarding.invite_{outcome.value}", ctx.lang))]
    audit.add_audit(ctx.session, ctx.now, "officer.joined", actor_id=outcome.id,
                    subject=f"officer:{outcome.id}", channel=ctx.channel, office_id=outcome.office_id)
    return replace(ctx, officer=outcome), []


def refuse_unknown(ctx: Ctx) -> list[Reply]:
    """Tell an unknown sender how to join, and nothing else."""
    audit.add_audit(ctx.session, ctx.now, "sender.refused", channel=ctx.channel,
                    sender=address_tag(ctx.channel, ctx.address))
    return [Reply(t("onboarding.unknown_sender", ctx.lang))]


def submit_profile(answers: Answers, ctx: Ctx) -> list[Reply]:
    """Save the officer's name."""
    assert ctx.officer is not None
    people.rename_officer(ctx.session, ctx.officer, answers["name"])
    return [Reply(t("profile.saved", ctx.lang, name=excerpt(answers["name"], 80)) + "\n\n" + t("help.text", ctx.lang))]


PROFILE = Flow(
    name="profile",
    commands=("profil", "profile"),
    steps=(Step("name", parse=parse.text(min_len=3, max_len=200)),),
    submit=submit_profile,
    review=False,
)
