"""Offices, officers, channel identities and invites."""

from __future__ import annotations

import enum
import secrets
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session, defaultload, lazyload

from storage.models import ChannelIdentity, Invite, Office, Officer, OfficerKecamatan, Region, Role

# No 0/O, 1/I/L: codes are read aloud and typed on phones.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_LENGTH = 8


class RedeemError(enum.StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def add_office(
    session: Session, region_code: str, name: str, tz: str, now: datetime,
    digest_time: time = time(7, 0),
) -> Office:
    """Create an office for a region."""
    office = Office(region_code=region_code, name=name, tz=tz, digest_time=digest_time, created_at=now)
    session.add(office)
    session.flush()
    return office


def get_office_by_region(session: Session, region_code: str) -> Office | None:
    """Return the office that covers exactly this region."""
    return session.scalar(select(Office).where(Office.region_code == region_code))


def list_offices(session: Session) -> list[Office]:
    """Return every office, ordered by region code."""
    return list(session.scalars(select(Office).order_by(Office.region_code)))


def add_invite(
    session: Session, office: Office, role: Role, now: datetime, *,
    ttl: timedelta = timedelta(days=7), name: str | None = None,
    kecamatan: Sequence[str] = (), institution: str | None = None,
) -> Invite:
    """Create a one-time invite code for an office (a guest's carries their institution)."""
    code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
    invite = Invite(
        code=code, office_id=office.id, role=role, name=name, kecamatan=list(kecamatan),
        created_at=now, expires_at=now + ttl, institution=institution,
    )
    session.add(invite)
    session.flush()
    return invite


def normalise_invite_code(code: str) -> str:
    """Uppercase a typed code and drop spaces and dashes people add when copying it."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def redeem_invite(session: Session, code: str, channel: str, address: str, now: datetime) -> Officer | RedeemError:
    """Turn a valid invite into an officer linked to this chat address, once."""
    invite = session.get(Invite, normalise_invite_code(code))
    if invite is None:
        return RedeemError.UNKNOWN
    if invite.used_by is not None:
        return RedeemError.USED
    if invite.expires_at <= now:
        return RedeemError.EXPIRED
    existing = session.scalar(
        select(ChannelIdentity).where(ChannelIdentity.channel == channel, ChannelIdentity.address == address))
    if existing is not None and existing.officer.active:
        return RedeemError.USED  # this address already speaks for an active officer
    officer = Officer(
        name=invite.name or "", role=invite.role, office_id=invite.office_id, institution=invite.institution,
        created_at=now, kecamatan=[OfficerKecamatan(region_code=c) for c in invite.kecamatan],
    )
    session.add(officer)
    session.flush()
    # Conditional update: of two chats redeeming the same code at once, only one wins.
    claimed = session.execute(
        update(Invite).where(Invite.code == invite.code, Invite.used_by.is_(None))
        .values(used_by=officer.id, used_at=now)
    ).rowcount
    if claimed != 1:
        session.delete(officer)
        return RedeemError.USED
    if existing is not None:
        # A deactivated officer's number, invited again: it now speaks for the new officer record.
        existing.officer = officer
        existing.last_inbound_at = now
        session.flush()
        return officer
    add_identity(session, officer, channel, address, now)
    return officer


def add_identity(session: Session, officer: Officer, channel: str, address: str, now: datetime) -> ChannelIdentity:
    """Link a chat address to an officer."""
    # Linked by a message from that address (the invite code), which opens the address's reply window.
    identity = ChannelIdentity(officer_id=officer.id, channel=channel, address=address, created_at=now,
                               last_inbound_at=now)
    session.add(identity)
    session.flush()
    return identity


# Every lookup of an officer by address: the statement is built once, and only the kecamatan step reads the
# officer's kecamatan or the office's region, so those load on first use instead of with a second query and a join.
_officer = defaultload(ChannelIdentity.officer)
_IDENTITY_BY_ADDRESS = (
    select(ChannelIdentity)
    .where(ChannelIdentity.channel == bindparam("channel"), ChannelIdentity.address == bindparam("address"))
    .options(_officer.lazyload(Officer.kecamatan), _officer.defaultload(Officer.office).lazyload(Office.region))
)


def get_identity(session: Session, channel: str, address: str) -> ChannelIdentity | None:
    """Return the identity for a chat address, with its officer and office loaded."""
    return session.scalar(_IDENTITY_BY_ADDRESS, {"channel": channel, "address": address})


# -- who-is-who for turns: the officers a session has loaded, kept while the database says they hold ----------

# Officers kept per session (each turn thread keeps one session, so per thread); the oldest go first.
WHO_CACHE_SIZE = 4096
# The ORM objects of who-is-who: the version (models.WhoVersion) moves on at every committed change to their
# tables, so while it stands still, those loaded before are what the database holds.
WHO_CLASSES = (Officer, Office, Region, OfficerKecamatan)
_OFFICER_BY_ID = (
    select(Officer).where(Officer.id == bindparam("officer_id"))
    .options(lazyload(Officer.kecamatan), defaultload(Officer.office).lazyload(Office.region))
    .execution_options(populate_existing=True)
)


@dataclass
class _Who:
    version: int
    officers: OrderedDict[int, Officer]


def officer_for_turn(session: Session, officer_id: int, version: int) -> Officer:
    """Return an officer with their office, from this session's who-is-who cache while `version` (read in the
    turn's own statement, `turns.read_chat`) is the one the cache was filled at; else load it (one SELECT).

    The session must live across transactions for the cache to pay (`keep_only_who` after each of them).
    """
    who: _Who | None = session.info.get("who")
    if who is None or who.version != version:
        if who is not None:  # something changed, anywhere: nothing loaded before is trusted
            session.expunge_all()
        who = session.info["who"] = _Who(version, OrderedDict())
    officer = who.officers.get(officer_id)
    if officer is None:
        officer = session.execute(_OFFICER_BY_ID, {"officer_id": officer_id}).scalar_one()
        who.officers[officer_id] = officer
        if len(who.officers) > WHO_CACHE_SIZE:
            session.expunge(who.officers.popitem(last=False)[1])
    return officer


def keep_who(session: Session) -> None:
    """Make `session` keep who-is-who between its transactions (`keep_only_who`): it notes what else it holds."""
    def note(session: Session, instance: object) -> None:
        if not isinstance(instance, WHO_CLASSES):
            session.info.setdefault("others", []).append(instance)

    for name in ("loaded_as_persistent", "pending_to_persistent", "detached_to_persistent"):
        event.listen(session, name, note)


def keep_only_who(session: Session) -> None:
    """After a transaction: drop from the session every object but who-is-who, which the version guards.

    Anything else a turn loaded (reports, starts, outbox rows) may change in another process without any
    sign here, so the next transaction reads it afresh.
    """
    for obj in session.info.pop("others", ()):
        if obj in session:
            session.expunge(obj)


def forget_who(session: Session) -> None:
    """Empty the session and its who-is-who cache (after a rollback: the objects' state is not the database's)."""
    session.expunge_all()
    session.info.pop("who", None)
    session.info.pop("others", None)


def list_officers(session: Session, office_id: int | None = None) -> list[Officer]:
    """Return officers, optionally of one office."""
    stmt = select(Officer).order_by(Officer.office_id, Officer.id)
    if office_id is not None:
        stmt = stmt.where(Officer.office_id == office_id)
    return list(session.scalars(stmt))


def officer_scopes(officer: Officer) -> list[str]:
    """Return the region codes an officer may report on: assigned kecamatan, else the office's region."""
    return [k.region_code for k in officer.kecamatan] or [officer.office.region_code]


def rename_officer(session: Session, officer: Officer, name: str) -> None:
    """Change an officer's display name."""
    officer.name = name
    session.flush()


def set_language(session: Session, officer: Officer, language: str) -> None:
    """Store an officer's preferred language."""
    officer.language = language
    session.flush()


# -- recipients of messages the system sends (alerts, reminders, started conversations) ------------


def get_officer(session: Session, officer_id: int) -> Officer | None:
    """Return one officer with their office."""
    return session.get(Officer, officer_id)


def list_role_holders(session: Session, office_id: int, role: Role, *, upward: bool = True) -> list[Officer]:
    """Return the active holders of a role in an office and, when `upward`, in every office above it.

    "Above" follows the region tree: the province office is above a kabupaten/kota office.
    """
    office = session.get(Office, office_id)
    if office is None:
        return []
    codes = [office.region_code]
    if upward:
        parent = session.scalar(select(Region.parent_code).where(Region.code == office.region_code))
        while parent is not None:
            codes.append(parent)
            parent = session.scalar(select(Region.parent_code).where(Region.code == parent))
    return list(session.scalars(
        select(Officer).join(Office, Officer.office_id == Office.id)
        .where(Office.region_code.in_(codes), Officer.role == role, Officer.active.is_(True))
        .order_by(Officer.id)
    ))


def get_preferred_identity(session: Session, officer_id: int,
                           channels: Sequence[str] | None = None) -> ChannelIdentity | None:
    """Return the chat address to reach an officer at: the one they wrote from last (of `channels`, if given)."""
    stmt = (select(ChannelIdentity).where(ChannelIdentity.officer_id == officer_id)
            .order_by(ChannelIdentity.last_inbound_at.desc().nulls_last(), ChannelIdentity.id.desc()))
    if channels is not None:
        stmt = stmt.where(ChannelIdentity.channel.in_(list(channels)))
    return session.scalars(stmt.limit(1)).first()


# -- heads of office: office settings, officer administration, invites -----------------------------


def list_offices_below(session: Session, region_code: str) -> list[Office]:
    """Return the offices of the regions inside a region (a province's kabupaten/kota offices)."""
    return list(session.scalars(select(Office).where(Office.region_code.startswith(region_code + "."))
                                .order_by(Office.region_code)))


def deactivate_officer(session: Session, officer: Officer) -> None:
    """Stop an officer: their chat identities are treated as unknown from the next message on."""
    officer.active = False
    session.flush()


def set_officer(session: Session, officer: Officer, *, role: Role | None = None,
                kecamatan: Sequence[str] | None = None) -> None:
    """Change an officer's role and/or assigned kecamatan (an empty list: the office's whole area)."""
    if role is not None:
        officer.role = role
    if kecamatan is not None:
        officer.kecamatan = [OfficerKecamatan(region_code=c) for c in kecamatan]
    session.flush()


def list_invites(session: Session, office_id: int | None = None) -> list[Invite]:
    """Return invites, newest first, optionally of one office."""
    stmt = select(Invite).order_by(Invite.created_at.desc(), Invite.code)
    if office_id is not None:
        stmt = stmt.where(Invite.office_id == office_id)
    return list(session.scalars(stmt))


def get_invite(session: Session, code: str) -> Invite | None:
    """Return the invite with this code (as typed: case, spaces and dashes do not matter), or None."""
    return session.get(Invite, normalise_invite_code(code))


def revoke_invite(session: Session, invite: Invite, now: datetime) -> None:
    """Make an unused invite unusable from now on (redeeming it then says it expired)."""
    invite.revoked_at = now
    invite.expires_at = min(invite.expires_at, now)
    session.flush()
