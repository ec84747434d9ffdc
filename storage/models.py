"""`Base` (naming convention, type map) and every typed model."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The columns' enums: plain Python in storage.enums, so the command line reads them without SQLAlchemy;
# callers that know them from here keep doing so.
from storage.enums import (
    AgreementStatus,
    FlowStartStatus,
    OutboxStatus,
    RakorStatus,
    RegionLevel,
    ReportStatus,
    Role,
    Rsvp,
    Severity,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


def _enum(cls: type[enum.Enum]) -> Enum:
    # Stored as plain strings with a CHECK-free VARCHAR so adding a value needs no migration.
    return Enum(cls, native_enum=False, create_constraint=False, length=20,
                values_callable=lambda e: [m.value for m in e])


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[RegionLevel] = mapped_column(_enum(RegionLevel))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    # IANA zone; set on provinces, which is where Indonesia's zone boundaries run.
    tz: Mapped[str | None] = mapped_column(String(40))


class Office(Base):
    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tz: Mapped[str] = mapped_column(String(40))
    digest_time: Mapped[time] = mapped_column(Time(), default=time(7, 0))
    created_at: Mapped[datetime]
    # Peta rawan: the day of the month (1-28, local time) the last month's report goes up the tree;
    # None: not sent automatically (the months sent are office_daily_runs rows).
    rawan_report_day: Mapped[int | None] = mapped_column(default=1, server_default="1")
    # Heads of office: category codes that alert the heads whatever the severity, the local hour of the
    # nihil check-in, and whether the digest still comes on a national holiday or cuti bersama.
    alert_categories: Mapped[list[Any]] = mapped_column(default=list)
    checkin_time: Mapped[time] = mapped_column(Time(), default=time(16, 0))
    digest_on_holidays: Mapped[bool] = mapped_column(default=True)
    # This office's rakor reminder offsets ("1d@08:00,2h"); None: the default.
    rakor_reminders: Mapped[str | None] = mapped_column(String(100))
    # The monthly report's letterhead (kop) and signature block; None: the PDF leaves a marked blank.
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(120))
    # A PNG or JPEG copied into the attachments folder by `siaga office set --logo`.
    logo_path: Mapped[str | None] = mapped_column(String(500))
    # Where the office's documents are signed ("Banjarmasin"), and its report number pattern ({year}, {month}, {roman}).
    place: Mapped[str | None] = mapped_column(String(100))
    report_number: Mapped[str | None] = mapped_column(String(100))
    head_name: Mapped[str | None] = mapped_column(String(200))
    # The 18 digits of a civil servant's NIP, without spaces.
    head_nip: Mapped[str | None] = mapped_column(String(18))
    head_title: Mapped[str | None] = mapped_column(String(200))
    head_rank: Mapped[str | None] = mapped_column(String(100))

    region: Mapped[Region] = relationship(lazy="joined")


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    language: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    # `/jeda 3 hari`: no nihil check-in before this moment.
    checkins_paused_until: Mapped[datetime | None]
    # A guest's institution (KPU, Bawaslu, TNI, Polri, Kejaksaan...).
    institution: Mapped[str | None] = mapped_column(String(100))

    office: Mapped[Office] = relationship(lazy="joined")
    kecamatan: Mapped[list[OfficerKecamatan]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    identities: Mapped[list[ChannelIdentity]] = relationship(back_populates="officer")


class OfficerKecamatan(Base):
    """A kecamatan an officer is assigned to; none means the office's whole jurisdiction."""

    __tablename__ = "officer_kecamatan"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)


class ChannelIdentity(Base):
    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    # WhatsApp's 24-hour customer-service window opens at the contact's last message.
    last_inbound_at: Mapped[datetime | None]

    officer: Mapped[Officer] = relationship(back_populates="identities", lazy="joined")


class Invite(Base):
    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    name: Mapped[str | None] = mapped_column(String(200))
    kecamatan: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    institution: Mapped[str | None] = mapped_column(String(100))
    used_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    office: Mapped[Office] = relationship(lazy="joined")


class IncidentCategory(Base):
    __tablename__ = "incident_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class ReportCounter(Base):
    """The last report number handed out per office and year; one row locked per submit."""

    __tablename__ = "report_counters"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class IncidentReport(Base):
    __tablename__ = "incident_reports"
    __table_args__ = (
        Index("ix_incident_reports_office_created", "office_id", "created_at"),
        # The vulnerability index reads a window of one jurisdiction's kecamatan by event time.
        Index("ix_incident_reports_kecamatan_occurred", "kecamatan_code", "occurred_at"),
        # The digest's windows are a province's last days: a handful of days out of years of reports.
        Index("ix_incident_reports_created_at", "created_at"),
        # A province's peta rawan window (any kabupaten/kota): a month of reports by event time.
        Index("ix_incident_reports_occurred_at", "occurred_at"),
        # "Did this officer file anything that day" (the digest's and the check-in's silent officers).
        Index("ix_incident_reports_reporter_created", "reporter_id", "created_at"),
        # Reports still `baru` are a few among many; the digest counts and lists the stale ones.
        Index("ix_incident_reports_baru_created", "created_at", postgresql_where=text("status = 'baru'"),
              sqlite_where=text("status = 'baru'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("incident_categories.id"))
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    place: Mapped[str] = mapped_column(String(300))
    occurred_at: Mapped[datetime]
    description: Mapped[str] = mapped_column(Text)
    actors: Mapped[str] = mapped_column(Text)
    crowd_size: Mapped[int | None] = mapped_column(Integer)
    # What the officer wrote when it was a range or a word ("200-300", "ratusan"); crowd_size holds its midpoint.
    crowd_size_text: Mapped[str | None] = mapped_column(String(100))
    severity: Mapped[Severity] = mapped_column(_enum(Severity))
    action_taken: Mapped[str] = mapped_column(Text)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus), default=ReportStatus.BARU)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    channel: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    # A head says this report is an event of its own, not a repeat of one reported hours before.
    separate_event: Mapped[bool] = mapped_column(default=False, server_default=false())

    office: Mapped[Office] = relationship(lazy="joined")
    category: Mapped[IncidentCategory] = relationship(lazy="joined")
    kecamatan: Mapped[Region] = relationship(lazy="joined")
    reporter: Mapped[Officer] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Attachment.id"
    )


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("incident_reports.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    # The provider's handle (Telegram file_id, Twilio media URL) and our stored copy, if any.
    ref: Mapped[str] = mapped_column(String(500))
    stored_path: Mapped[str | None] = mapped_column(String(500))
    content_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(100))
    flow: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime]
    # Set when a reply to this chat failed for good: the next message gets the current question again.
    reask_at: Mapped[datetime | None]

    # Two workers stepping the same chat at once: the second commit fails and its turn is retried.
    __mapper_args__ = {"version_id_col": version}


class InboundMessage(Base):
    """Provider message ids already handled, so a redelivered update is not processed twice."""

    __tablename__ = "inbound_messages"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class AuditLog(Base):
    __tablename__ = "audit_log"
    # Throttling counts one action's recent entries (failed invite codes) on every join attempt.
    __table_args__ = (Index("ix_audit_log_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


# The outbox rows still to be sent: the predicate of its partial index (the claim writes the same statuses
# as SQL constants, so PostgreSQL proves the index applies).
OPEN_ROWS = f"status IN ('{OutboxStatus.PENDING.value}', '{OutboxStatus.SENDING.value}')"


class OutboxMessage(Base):
    """One outgoing message, written in the transaction that decided to send it; sent once per key."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
        # Is anything of this chat still open? (asked on every turn, and by every claim)
        Index("ix_outbox_messages_channel_address_status", "channel", "address", "status"),
        # What waits for a contact to write (asked when a quiet contact writes again).
        Index("ix_outbox_messages_channel_address_held_at", "channel", "address", "held_at"),
        # Each chat's first open message (the claim): as small as the queue, however long the history.
        Index("ix_outbox_messages_open", "channel", "address", "id",
              postgresql_where=text(OPEN_ROWS), sqlite_where=text(OPEN_ROWS)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    # When pending: not before this time; when sending: the claim's lease runs out.
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))
    # The provider's id for the sent message (Twilio MessageSid) and its delivery status callbacks.
    provider_message_id: Mapped[str | None] = mapped_column(String(64), index=True)
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    # reply (to the officer's own message), alert, reminder, digest, notice: picks the template outside a window.
    kind: Mapped[str] = mapped_column(String(20), default="reply", server_default="reply")
    expires_at: Mapped[datetime | None]
    # The process (boot id) that claimed the message for sending; a new process resends a dead one's claims.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # Sends that may have reached the recipient before a crash made us send again.
    possible_duplicates: Mapped[int] = mapped_column(default=0, server_default="0")
    # A message we started that the recipient could not read in full (outside WhatsApp's window it went as a
    # template, or could not go at all): its text is sent once they write again, then this is cleared.
    held_at: Mapped[datetime | None]


class FlowStart(Base):
    """A conversation the system opens for an officer (an RSVP, a nihil check-in), once per key.

    It waits while the officer is in another flow and opens when that one ends.
    """

    __tablename__ = "flow_starts"
    __table_args__ = (Index("ix_flow_starts_officer_id_status", "officer_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    flow: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[FlowStartStatus] = mapped_column(_enum(FlowStartStatus))
    not_before: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]


# -- heads of office: verification, nihil check-ins, once-a-day scheduled runs -----------------------


class StatusChange(Base):
    """One step of a report's verification: who moved it from which status to which, when, and why."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("incident_reports.id"), index=True)
    from_status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus))
    to_status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    at: Mapped[datetime]

    actor: Mapped[Officer] = relationship(lazy="joined")


class WebLogin(Base):
    """A one-time sign-in link to the web view, handed out in chat; only its hash is kept."""

    __tablename__ = "web_logins"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser of a head: the cookie holds the token, the table its hash."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    # Sent back in every form; a POST without it is refused (CSRF).
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # The outcome of the last action, shown once on the next page (post/redirect/get).
    flash: Mapped[str | None] = mapped_column(Text)

    officer: Mapped[Officer] = relationship(lazy="joined")


class NihilCheckin(Base):
    """An officer's "nothing to report" for one local day."""

    __tablename__ = "nihil_checkins"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    at: Mapped[datetime]


class OfficeDailyRun(Base):
    """A scheduled job done for an office's local day (a monthly job: its month's first day), so it runs once."""

    __tablename__ = "office_daily_runs"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    local_date: Mapped[date] = mapped_column(primary_key=True)
    at: Mapped[datetime]


# -- rakor: coordination meetings, their minutes and the agreements followed up ---------------------


class Rakor(Base):
    """A scheduled coordination meeting of an office."""

    __tablename__ = "rakors"
    __table_args__ = (Index("ix_rakors_status_starts_at", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime]
    place: Mapped[str | None] = mapped_column(String(300))
    agenda: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RakorStatus] = mapped_column(_enum(RakorStatus), default=RakorStatus.SCHEDULED)
    # Goes up on every move or cancellation: reminder and notice keys carry it, so each time is told once.
    version: Mapped[int] = mapped_column(default=1)
    # When the current time was set: reminders already due then are not sent (the invitation covers them).
    scheduled_at: Mapped[datetime]
    # The time before the last move, for the notice of the move ("dipindahkan dari ...").
    moved_from: Mapped[datetime | None]
    # Reminder offsets for this rakor ("1d@08:00,2h"); None: the office's, else the default.
    reminders: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    created_at: Mapped[datetime]

    office: Mapped[Office] = relationship(lazy="joined")
    invitees: Mapped[list[RakorInvitee]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RakorInvitee.officer_id"
    )


class RakorInvitee(Base):
    __tablename__ = "rakor_invitees"

    rakor_id: Mapped[int] = mapped_column(ForeignKey("rakors.id"), primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), primary_key=True, index=True)
    rsvp: Mapped[Rsvp | None] = mapped_column(_enum(Rsvp))
    deputy: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime | None]
    # The rakor version this invitee was last told about (invitation, move or cancellation).
    told_version: Mapped[int] = mapped_column(default=0)
    # Reminders queued, as "{version}:{offset}", so each goes out once per time of the meeting.
    reminded: Mapped[list[Any]] = mapped_column(default=list)

    officer: Mapped[Officer] = relationship(lazy="joined")


class RakorCounter(Base):
    """The last minutes number handed out per office and year (as report_counters for incidents)."""

    __tablename__ = "rakor_counters"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class RakorReport(Base):
    """The minutes of a meeting (a scheduled rakor or an unscheduled one)."""

    __tablename__ = "rakor_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    rakor_id: Mapped[int | None] = mapped_column(ForeignKey("rakors.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    held_on: Mapped[date] = mapped_column(Date())
    # Institutions present: codes of the known ones and names typed as "other".
    attendance: Mapped[list[Any]] = mapped_column(default=list)
    summary: Mapped[str] = mapped_column(Text)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    channel: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]

    office: Mapped[Office] = relationship(lazy="joined")
    agreements: Mapped[list[Agreement]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Agreement.position", back_populates="report"
    )


class Agreement(Base):
    """One kesepakatan of a rakor, owned by an office, an institution or a guest, followed up until done."""

    __tablename__ = "agreements"
    __table_args__ = (Index("ix_agreements_status_due_on", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("rakor_reports.id"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    owner_office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    owner_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), index=True)
    # An institution's name (KPU, Bawaslu, Dinas Sosial...) when neither an office nor an officer owns it.
    owner_institution: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date())
    status: Mapped[AgreementStatus] = mapped_column(_enum(AgreementStatus), default=AgreementStatus.OPEN)
    # [{"at": ISO, "officer_id": id, "text": note}], oldest first.
    progress: Mapped[list[Any]] = mapped_column(default=list)
    # Due reminders queued, by days before the due date, so each goes out once.
    reminded: Mapped[list[Any]] = mapped_column(default=list)
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    report: Mapped[RakorReport] = relationship(back_populates="agreements", lazy="joined")
    owner_office: Mapped[Office | None] = relationship(lazy="joined")
    owner_officer: Mapped[Officer | None] = relationship(lazy="joined")


class WhoVersion(Base):
    """One row: a number that every committed change to who-is-who (officers, their kecamatan, offices,
    regions, which chat address speaks for whom) moves on, by database triggers (migration 0016).

    Each turn reads it with the conversation state, so a process may keep who-is-who in memory
    (`storage.people.officer_for_turn`) and knows, in that same round trip, when to stop trusting it.
    """

    __tablename__ = "who_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
