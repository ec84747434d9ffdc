"""Replays every transcript through the console channel and the real runner.

A transcript is a golden chat: `> ` lines are what the user types, `< ` lines what Siaga answers.
`# as: ADDRESS` chooses the sender (default `officer-1`, an officer of Kota Banjarmasin; `head-1` is the head
of the same office).
Set SIAGA_UPDATE_TRANSCRIPTS=1 to rewrite them from the current behaviour, then read the diff.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.channels import console
from bot.runner import Runner
from storage.models import Role
from tests.conftest import add_officer

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.txt"))


def replay(runner: Runner, path: Path, attachments: Path) -> tuple[str, str]:
    header, inputs, address = [], [], "officer-1"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            header.append(line)
            if line.startswith("# as:"):
                address = line.split(":", 1)[1].strip()
        elif line.startswith(">"):
            inputs.append(line[2:])
    record = io.StringIO()
    console.run_console(runner.run_turn, address, attachments, io.StringIO("\n".join(inputs) + "\n"),
                        io.StringIO(), lang="id", record=record)
    expected = path.read_text(encoding="utf-8")
    actual = "\n".join(header) + "\n" + record.getvalue()
    return expected, actual


def restart_rakor_ids(session) -> None:  # type: ignore[no-untyped-def]
    """Number rakor from #1 on PostgreSQL too, as SQLite does after the previous test's rollback.

    A PostgreSQL sequence ignores rollbacks, so earlier tests have moved it on; the table itself is empty.
    """
    if session.get_bind().dialect.name == "postgresql" and not session.scalar(text("SELECT count(*) FROM rakors")):
        session.execute(text("SELECT setval(pg_get_serial_sequence('rakors', 'id'), 1, false)"))


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path, runner, sessions, tmp_path):
    with sessions.begin() as s:
        restart_rakor_ids(s)
        add_officer(s, "officer-1")
        add_officer(s, "head-1", role=Role.HEAD, name="Kepala Kota")
    expected, actual = replay(runner, path, tmp_path)
    if os.environ.get("SIAGA_UPDATE_TRANSCRIPTS"):
        path.write_text(actual, encoding="utf-8")
    assert actual == expected
