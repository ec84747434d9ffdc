"""`siaga rakor …` and guest invites as a user runs them: a child process on a fresh database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import sessionmaker

from handlers import rakor
from handlers.types import StartFlow
from storage import rakor as store
from storage.db import make_engine
from tests.support.siaga import Siaga

# Commands on the real clock: .ci/run also runs these with the process clock moved (faketime).
pytestmark = pytest.mark.wallclock


@pytest.fixture
def siaga(database_factory, tmp_path):
    command = Siaga(database_factory(), tmp_path)

    def run(*args: str, stdin: str = "", check: bool = True):  # type: ignore[no-untyped-def]
        return command(*args, stdin=stdin, code=0 if check else None)

    run("init")
    run.url = command.url  # type: ignore[attr-defined]
    run.now = command.now  # type: ignore[attr-defined]
    return run


def next_year(siaga) -> int:  # type: ignore[no-untyped-def]
    """A year safely ahead of the commands' clock."""
    return siaga.now().year + 1


def join(siaga, office: str, role: str, address: str, name: str, *extra: str) -> None:
    code = siaga("invite", "create", "--office", office, "--role", role, "--name", name, *extra).stdout.strip()
    assert "Selamat datang" in siaga("console", "--as", address, stdin=f"daftar {code}\n").stdout


@pytest.fixture
def offices(siaga):
    siaga("office", "add", "--region", "63.71")
    siaga("office", "add", "--region", "62.71")
    join(siaga, "63.71", "head", "head", "Kepala Kota")
    join(siaga, "63.71", "officer", "wita", "Petugas Kota")
    join(siaga, "62.71", "officer", "wib", "Petugas Palangka Raya")
    join(siaga, "63.71", "guest", "kpu", "Ketua KPU Kota", "--institution", "KPU")
    return siaga


def officer_ids(siaga) -> dict[str, int]:
    rows = [line.split("\t") for line in siaga("officer", "list").stdout.splitlines()[1:]]  # under the header
    return {row[1]: int(row[0]) for row in rows}


def test_a_guest_invite_needs_an_institution_and_the_guest_keeps_it(offices):
    failed = offices("invite", "create", "--office", "63.71", "--role", "guest", check=False)
    assert failed.returncode == 2 and "--institution" in failed.stderr and "Traceback" not in failed.stderr
    failed = offices("invite", "create", "--office", "63.71", "--role", "officer", "--institution", "KPU",
                     check=False)
    assert failed.returncode == 2
    chat = offices("console", "--as", "kpu", stdin="/lapor\n/bantuan\n").stdout
    assert "sebagai tamu undangan Anda menerima undangan dan pengingat rakor" in chat
    assert "Anda terdaftar sebagai tamu" in chat


def test_rakor_add_invites_offices_and_officers_and_the_scheduler_round_sends_the_invitations(offices):
    ids = officer_ids(offices)
    ahead = next_year(offices)
    out = offices("rakor", "add", "--office", "63.71", "--title", "Rakor pilkada",
                  "--at", f"{ahead}-03-02 09:00", "--place", "Aula", "--invite", "63.71", "62.71",
                  f"officer:{ids['Ketua KPU Kota']}").stdout
    when = rakor.local_when(datetime(ahead, 3, 2, 1, 0, tzinfo=UTC), "Asia/Makassar", "id")
    assert out == f"rakor #1: Rakor pilkada, {when}, 4 invitees\n"
    assert when.endswith(f"02/03/{ahead} 09:00 WITA")
    listing = offices("rakor", "list").stdout.splitlines()
    assert listing[0].split() == ["id", "office", "starts", "(office", "time)", "status", "title", "hadir", "tidak",
                                  "wakil", "belum"]
    assert "scheduled" in listing[1] and listing[1].rstrip().endswith("0      0      0      4")
    assert when in listing[1]  # in the configured language: "Senin, 02/03/..." (issue 22)

    sessions = sessionmaker(bind=make_engine(offices.url), expire_on_commit=False)
    with sessions.begin() as s:
        sent = rakor.tell_invitees(s, offices.now())
    assert sorted(e.officer_id for e in sent if isinstance(e, StartFlow)) == sorted(ids.values())


def test_rakor_move_and_cancel_bump_the_version_so_invitees_hear_once(offices):
    ahead = next_year(offices)
    offices("rakor", "add", "--office", "63.71", "--title", "Rakor pilkada", "--at", f"{ahead}-03-02 09:00",
            "--invite", "63.71")
    moved = offices("rakor", "move", "1", "--at", f"{ahead}-03-03 10:00").stdout
    assert f"03/03/{ahead} 10:00 WITA" in moved
    assert "rakor #1 cancelled" in offices("rakor", "cancel", "1").stdout
    again = offices("rakor", "cancel", "1", check=False)
    assert again.returncode == 2 and again.stderr == "siaga: Rakor #1 is already cancelled.\n"
    assert offices("rakor", "list").stdout.splitlines()[1:] == ["(nothing found)"]  # only the header, then that
    assert "cancelled" in offices("rakor", "list", "--all").stdout
    sessions = sessionmaker(bind=make_engine(offices.url), expire_on_commit=False)
    with sessions.begin() as s:
        assert store.get_rakor(s, 1).version == 3
        # Never told about versions 1 or 2: nobody was invited, so there is nothing to call off.
        assert rakor.tell_invitees(s, offices.now()) == []


MISTAKES = [
    ({"--at": "besok"}, "give a coming time as \"YYYY-MM-DD HH:MM\""),
    ({"--at": "2020-01-01 09:00"}, "give a coming time"),
    ({"--office": "61.71"}, "No office for region 61.71"),
    ({"--invite": "63"}, "63: no office with that region code; for one officer write officer:ID."),
    ({"--invite": "officer:999"}, "officer:999: no active officer"),
    ({"--invite": "kabkota:63.71"}, "kabkota:63.71: 63.71 is not a province code"),
    ({"--reminders": "2x"}, "--reminders: cannot read reminder offset '2x'"),
]


def test_each_rakor_mistake_prints_one_line_and_exits_2(siaga):
    siaga("office", "add", "--region", "63.71")
    ahead = next_year(siaga)
    base = {"--office": "63.71", "--title": "Rakor", "--at": f"{ahead}-03-02 09:00", "--invite": "63.71"}
    for given, message in MISTAKES:
        argv = [x for k, v in {**base, **given}.items() for x in (k, v)]
        result = siaga("rakor", "add", *argv, check=False)
        assert result.returncode == 2, given
        assert message in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    empty = siaga("rakor", "add", *[x for kv in base.items() for x in kv], check=False)
    assert empty.stderr == "siaga: Nobody to invite: those offices have no active officers yet.\n"


def test_office_reminder_offsets_are_set_checked_and_reset(siaga):
    siaga("office", "add", "--region", "63.71")
    assert siaga("rakor", "reminders", "--office", "63.71", "2d@09:00,1h").stdout == \
        "rakor reminders of 63.71: 2d@09:00,1h\n"
    assert siaga("rakor", "reminders", "--office", "63.71", "1h@08:00", check=False).returncode == 2
    assert siaga("rakor", "reminders", "--office", "63.71", "default").stdout == \
        "rakor reminders of 63.71: 1d@08:00,2h\n"


def test_minutes_by_chat_show_up_in_rakor_agreements(offices):
    due = (offices.now() + timedelta(days=10)).strftime("%d/%m/%Y")
    chat = offices("console", "--as", "wita", stdin="\n".join([
        "/notulen", "rapat lain", "Rapat koordinasi pilkada", "hari ini", "1, 2, TNI", "Pembahasan kesiapan TPS",
        "Patroli bersama", "Polri", due, "tambah lagi", "Sosialisasi ke pemilih pemula", "Ketua KPU", "lewati",
        "selesai", "kirim",
    ]) + "\n").stdout
    year = offices.now().astimezone(ZoneInfo("Asia/Makassar")).year
    assert f"Notulen RK-6371-{year}-000001 tersimpan dengan 2 kesepakatan" in chat
    table = offices("rakor", "agreements", "--office", "63.71").stdout.splitlines()
    assert table[0].split() == ["id", "minutes", "due", "state", "owner", "agreement"]
    assert "Patroli bersama" in table[1] and "Polri" in table[1] and "open" in table[1]
    assert "Ketua KPU Kota (KPU)" in table[2] and table[2].split()[2] == "-"
    assert offices("rakor", "agreements", "--overdue").stdout.splitlines()[1:] == ["(nothing found)"]
