"""The who-is-who cache of turns: a warm turn reads no officer, and every change to who-is-who made
anywhere (another worker's runner, the CLI, a head's command) is seen by the next turn of every runner."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from bot.runner import Runner
from handlers.types import Inbound
from storage import people
from storage.models import Officer, Role

REFUSED = "Perintah ini tidak tersedia untuk Anda."


def say(runner: Runner, address: str, text: str) -> str:
    return "\n".join(r.text for r in runner.run_turn(Inbound("console", address, text=text)))


@pytest.fixture
def two(sessions, settings, clock):
    """Two runners on one database: two `siaga run` workers, each with its own cache."""
    return Runner(sessions, settings, clock=clock), Runner(sessions, settings, clock=clock)


def statements(sessions) -> list[str]:
    seen: list[str] = []
    event.listen(sessions.kw["bind"], "before_cursor_execute",
                 lambda _c, _cur, sql, *_: seen.append(sql.split()[0] + " " + sql), retval=False)
    return seen


def test_a_warm_turn_reads_no_officer(runner, officer, sessions):
    say(runner, "officer-1", "/lapor")
    seen = statements(sessions)
    assert say(runner, "officer-1", "/batal")
    assert not [sql for sql in seen if "FROM officers" in sql]


def test_a_deactivation_elsewhere_is_seen_by_the_next_turn(two, officer, sessions):
    one, other = two
    assert say(one, "officer-1", "/lapor").startswith("Jenis kejadian apa?")
    assert say(other, "officer-1", "/batal") == "Dibatalkan. Draf tidak disimpan."
    with sessions.begin() as s:  # `siaga officer deactivate`
        people.deactivate_officer(s, s.get(Officer, officer.id))
    assert say(one, "officer-1", "halo").startswith("Nomor/akun ini belum terdaftar di Siaga.")
    assert say(other, "officer-1", "halo").startswith("Nomor/akun ini belum terdaftar di Siaga.")


def test_a_role_change_elsewhere_is_seen_by_the_next_turn(two, officer, sessions):
    one, _ = two
    assert say(one, "officer-1", "/laporan").startswith(REFUSED)  # an officer may not read the office's reports
    with sessions.begin() as s:  # `siaga officer set --role head`
        people.set_officer(s, s.get(Officer, officer.id), role=Role.HEAD)
    assert not say(one, "officer-1", "/laporan").startswith(REFUSED)


def test_a_language_set_through_one_worker_is_used_by_the_other(two, officer):
    one, other = two
    assert say(other, "officer-1", "/lapor").startswith("Jenis kejadian apa?")
    assert say(one, "officer-1", "/bahasa en").startswith("Language: English.")
    assert say(other, "officer-1", "/batal") == "Cancelled. The draft was not saved."


def test_a_number_invited_again_speaks_for_its_new_officer(two, officer, sessions):
    one, other = two
    assert say(other, "officer-1", "/lapor").startswith("Jenis kejadian apa?")
    assert say(other, "officer-1", "/batal") == "Dibatalkan. Draf tidak disimpan."
    with sessions.begin() as s:
        people.deactivate_officer(s, s.get(Officer, officer.id))
        office = s.get(Officer, officer.id).office
        code = people.add_invite(s, office, Role.HEAD, officer.created_at, name="Kepala").code
    assert say(one, "officer-1", f"daftar {code}").startswith("Selamat datang di Siaga.")
    assert not say(other, "officer-1", "/laporan").startswith(REFUSED)  # the new officer is a head
