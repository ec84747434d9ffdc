"""Once-a-day jobs per office: the record that a job ran for an office's local day, claimed by one caller only."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from storage._sql import insert_ignore
from storage.models import OfficeDailyRun


def claim_daily_run(session: Session, job: str, office_id: int, local_date: date, now: datetime) -> bool:
    """Record a job as done for an office's local day; True only for the first caller (it should run then).

    The row is written in the caller's transaction: a second process inserting the same row waits for that
    transaction and gets False once it commits (True if it rolled back), so exactly one of them runs the job.
    """
    return insert_ignore(session, OfficeDailyRun, job=job, office_id=office_id, local_date=local_date,
                         at=now) is not None
