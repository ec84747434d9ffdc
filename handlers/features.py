"""Every feature Siaga has, listed by hand (no discovery); routing, access, ticks and menus read this list."""

from __future__ import annotations

from handlers import (
    checkin,
    commands,
    digest,
    incident,
    maintenance,
    onboarding,
    rakor,
    rawan,
    reports,
    verification,
    web,
)
from handlers.feature import Feature

# The scheduler runs the ticks in this order (housekeeping first, invitations before their reminders).
FEATURES: tuple[Feature, ...] = (
    maintenance.FEATURE,
    rawan.FEATURE,
    digest.FEATURE,
    checkin.FEATURE,
    rakor.FEATURE,
    commands.FEATURE,
    incident.FEATURE,
    onboarding.FEATURE,
    verification.FEATURE,
    reports.FEATURE,
    web.FEATURE,
)
