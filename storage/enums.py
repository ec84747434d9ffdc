"""The stored enum values (roles, statuses, severities); plain Python, so the command line reads them without SQLAlchemy."""

from __future__ import annotations

import enum


class RegionLevel(enum.StrEnum):
    PROVINCE = "province"
    REGENCY = "regency"
    DISTRICT = "district"


class Role(enum.StrEnum):
    OFFICER = "officer"
    HEAD = "head"
    ADMIN = "admin"
    # A rakor participant from another institution: invitations, reminders and RSVPs, nothing else.
    GUEST = "guest"


class Severity(enum.StrEnum):
    RENDAH = "rendah"
    SEDANG = "sedang"
    TINGGI = "tinggi"


class ReportStatus(enum.StrEnum):
    BARU = "baru"
    TERVERIFIKASI = "terverifikasi"
    DITANGANI = "ditangani"
    SELESAI = "selesai"
    DITOLAK = "ditolak"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # Outside the provider's window with no approved template to fall back on.
    UNDELIVERABLE = "undeliverable"
    # Not sent by its expires_at (a reminder after its meeting): never sent late.
    EXPIRED = "expired"


class FlowStartStatus(enum.StrEnum):
    WAITING = "waiting"
    STARTED = "started"
    EXPIRED = "expired"


class RakorStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Rsvp(enum.StrEnum):
    HADIR = "hadir"
    TIDAK_HADIR = "tidak_hadir"
    DIWAKILKAN = "diwakilkan"


class AgreementStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
