"""The report status machine: which status may follow which.

Kept apart from `handlers.verification` (which applies a move) so the alerts' one-tap actions can offer the
allowed moves without importing the verification flow, which itself builds on the alerts.
"""

from __future__ import annotations

from storage.models import ReportStatus

S = ReportStatus
# The main line; a report moves only to the right along it, or to `ditolak` before anyone acts on it.
ORDER = (S.BARU, S.TERVERIFIKASI, S.DITANGANI, S.SELESAI)
REJECTABLE = (S.BARU, S.TERVERIFIKASI)


def next_statuses(status: ReportStatus) -> tuple[ReportStatus, ...]:
    """Return the statuses a report may move to from `status`.

    >>> [s.value for s in next_statuses(ReportStatus.TERVERIFIKASI)]
    ['ditangani', 'selesai', 'ditolak']
    """
    if status not in ORDER:
        return ()
    ahead = ORDER[ORDER.index(status) + 1:]
    return ahead + ((S.DITOLAK,) if status in REJECTABLE else ())
