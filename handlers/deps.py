"""`Deps`: what one configuration hands its turns and ticks (clock, folders, retention, web address); set nowhere."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

DEFAULT_RETENTION = timedelta(days=90)


def real_time() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    """Built once at start (`bot/app.py`) and passed down through `Ctx`, the ticks and function arguments.

    Two of them can live in one interpreter (tests, two apps): nothing here is copied into a module.
    """

    # The configuration's clock; handlers read `ctx.now` (taken from it once per turn), never this.
    clock: Callable[[], datetime] = real_time
    # Maps and PDFs a turn or tick draws wait here until the outbox has sent them.
    generated_dir: Path = Path(tempfile.gettempdir()) / "siaga-generated"
    # Digest charts wait here for the outbox.
    chart_dir: Path = Path(tempfile.gettempdir()) / "siaga-charts"
    # The boundaries' compact copy (built from the shipped GeoJSON on first use).
    cache_dir: Path = Path(tempfile.gettempdir()) / "siaga-cache"
    # How long handled inbound ids and sent outbox messages are kept (`SIAGA_RETENTION_DAYS`).
    retention: timedelta = DEFAULT_RETENTION
    # The address the web view is reached at (PUBLIC_BASE_URL, no trailing slash); None: no web view.
    web_base_url: str | None = None
    # A tick's dry run (`Runner.run_tick`) collects here the files it would draw, to draw them outside any
    # transaction; None: `draw` draws at once.
    drawings: list[Callable[[], None]] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def beside(cls, attachments_dir: Path, *, clock: Callable[[], datetime] = real_time,
               retention: timedelta = DEFAULT_RETENTION, web_base_url: str | None = None) -> Deps:
        """Keep generated files, charts and the boundaries' cache beside the attachments, as `siaga run` does."""
        root = attachments_dir.resolve()
        return cls(clock=clock, generated_dir=root / "generated", chart_dir=attachments_dir / "charts",
                   cache_dir=root / "cache", retention=retention,
                   web_base_url=web_base_url.rstrip("/") if web_base_url else None)

    def draw(self, job: Callable[[], None]) -> None:
        """Draw a file now, or, in a dry run, keep the job to be drawn after it."""
        if self.drawings is None:
            job()
        else:
            self.drawings.append(job)

    def output_path(self, name: str) -> Path:
        """Return where a generated file goes, creating the folder."""
        self.generated_dir.mkdir(parents=True, exist_ok=True)
        return self.generated_dir / name


# Where a caller that was given nothing (a test building a `Ctx` by hand, a bench) keeps its files.
TEMPORARY = Deps()
