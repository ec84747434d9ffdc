"""A rakor end to end on WhatsApp (a fake Twilio): invitation, RSVP, both reminders at local times, a restart between.

The pieces `siaga run` wires (runner, ticks of handlers.SCHEDULED, started flows, outbox, WhatsApp adapter) run
in this process against one database, with a clock the test moves; APScheduler's only part, calling the ticks
on an interval, is replaced by calling them every 15 simulated minutes.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

import handlers
from bot.channels.whatsapp import WhatsAppChannel
from bot.config import Settings
from bot.outbox import Outbox
from bot.effects import Delivery
from bot.runner import Runner
from handlers import rakor
from handlers.types import Inbound
from storage import outbox, people
from storage import rakor as store
from storage.db import make_sessions
from storage.models import OutboxStatus, Role
from tests.conftest import Clock, add_office, prepare
from tests.support.fake_twilio import AUTH_TOKEN, PUBLIC_BASE_URL, SENDER, FakeTwilio
from tests.support.siaga import CommandClock
from tests.support.siaga import Siaga as Command

MONDAY_0700_WITA = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
TUESDAY_0900_WITA = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
WEDNESDAY_1300_WITA = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)
TEMPLATES = {"notice": "HX" + "a" * 32, "reminder": "HX" + "b" * 32}
WITA, WIB, GUEST = "whatsapp:+62811000001", "whatsapp:+62811000002", "whatsapp:+62811000003"


class Siaga:
    """One 'process': a runner, the WhatsApp adapter and the outbox on a fresh session factory."""

    def __init__(self, url: str, settings: Settings, clock: Clock) -> None:
        self.sessions = make_sessions(url)
        self.runner = Runner(self.sessions, settings, clock=clock,
                             delivery=Delivery(frozenset({"whatsapp"}), reach=("whatsapp",)))
        self.channel = WhatsAppChannel(settings, self.runner)
        self.outbox = Outbox(self.sessions, {"whatsapp": self.channel}, clock=clock)

    async def round(self) -> None:
        """What the scheduler does each round: every tick, the waiting started flows; then the outbox drains."""
        for tick in handlers.SCHEDULED:
            self.runner.run_tick(tick)
        self.runner.open_due_starts()
        await self.outbox.drain()

    async def say(self, address: str, text: str) -> None:
        self.runner.run_turn(Inbound("whatsapp", address, text=text))
        await self.outbox.drain()

    async def close(self) -> None:
        await self.channel.close()
        self.runner.close()
        self.sessions.kw["bind"].dispose()


@pytest.fixture
def world(database_factory):
    url = database_factory()
    engine = prepare(url)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        for region, tz, address, role, name in (
            ("63.71", "Asia/Makassar", WITA, Role.OFFICER, "Petugas Kota"),
            ("62.71", "Asia/Pontianak", WIB, Role.OFFICER, "Petugas Palangka Raya"),
            ("63.71", "Asia/Makassar", GUEST, Role.GUEST, "Ketua KPU"),
        ):
            invite = people.add_invite(s, add_office(s, region, tz), role, MONDAY_0700_WITA, name=name,
                                       institution="KPU" if role == Role.GUEST else None)
            people.redeem_invite(s, invite.code, "whatsapp", address, MONDAY_0700_WITA - timedelta(hours=1))
        office = people.get_office_by_region(s, "63.71")
        # What `siaga rakor add --office 63.71 --invite 63.71 62.71 officer:ID` stores.
        guest = people.get_identity(s, "whatsapp", GUEST).officer
        store.add_rakor(s, office_id=office.id, title="Rakor pilkada", starts_at=TUESDAY_0900_WITA,
                        place="Aula Kesbangpol", now=MONDAY_0700_WITA,
                        invitee_ids=rakor.resolve_targets(s, [f"office:{office.id}", "office:" + str(
                            people.get_office_by_region(s, "62.71").id), f"officer:{guest.id}"]))
    engine.dispose()
    with FakeTwilio() as fake:
        settings = Settings(DATABASE_URL=url, PUBLIC_BASE_URL=PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID=fake.account_sid,
                            TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_WHATSAPP_FROM=SENDER,
                            TWILIO_API_BASE_URL=fake.url, TWILIO_TEMPLATES=TEMPLATES, SIAGA_LANGUAGE="id")
        yield url, settings, fake


def outbox_rows(url: str) -> list:
    with make_sessions(url).begin() as s:
        return outbox.list_messages(s, limit=None)


def text_of(message: dict[str, str]) -> str:
    """A sent message's words: its body, or a template's variables."""
    if "Body" in message:
        return message["Body"]
    return " / ".join(json.loads(message["ContentVariables"]).values())


def test_invitation_rsvp_and_both_reminders_arrive_once_at_local_times_across_a_restart(world):
    url, settings, fake = world
    clock = Clock(MONDAY_0700_WITA)
    arrived: list[tuple[datetime, str, str]] = []

    def note_new(before: int) -> None:
        arrived.extend((clock(), m["To"], text_of(m)) for m in fake.messages[before:])

    async def main() -> None:
        siaga = Siaga(url, settings, clock)
        await siaga.round()
        invitations = {m["To"]: m["Body"] for m in fake.messages}
        assert set(invitations) == {WITA, WIB, GUEST}
        assert "Waktu: Selasa, 24/11/2026 09:00 WITA" in invitations[WITA]
        assert "Waktu: Selasa, 24/11/2026 08:00 WIB" in invitations[WIB]
        assert "1. Hadir\n2. Tidak hadir\n3. Diwakilkan" in invitations[GUEST]
        clock.advance(minutes=15)
        await siaga.say(WITA, "1")
        await siaga.say(WIB, "3")
        await siaga.say(WIB, "Sekretaris Badan")
        await siaga.say(GUEST, "tidak hadir")
        replies = [m for m in fake.messages[3:]]
        assert [r["To"] for r in replies] == [WITA, WIB, WIB, GUEST]  # one turn at a time: in order
        assert replies[0]["Body"].startswith("Terima kasih. Jawaban Anda untuk \"Rakor pilkada\": Hadir")

        # Every 15 minutes until the meeting; a restart (a new process on the same database) on Monday evening.
        while clock() < TUESDAY_0900_WITA + timedelta(minutes=30):
            clock.advance(minutes=15)
            if clock() == datetime(2026, 11, 23, 12, 0, tzinfo=UTC):
                await siaga.close()
                siaga = Siaga(url, settings, clock)
            before = len(fake.messages)
            await siaga.round()
            note_new(before)
        await siaga.close()

    asyncio.run(main())
    # Only the rakor's messages: the same rounds also bring the 16:00 nihil check-in of each officer.
    arrived[:] = [a for a in arrived if "rakor" in a[2].lower()]
    # Two chats' messages of one round go out in parallel: their order is not fixed.
    assert sorted((when, to) for when, to, _ in arrived) == [
        (datetime(2026, 11, 23, 0, 0, tzinfo=UTC), WITA),   # Monday 08:00 WITA
        (datetime(2026, 11, 23, 1, 0, tzinfo=UTC), WIB),    # Monday 08:00 WIB
        (datetime(2026, 11, 23, 23, 0, tzinfo=UTC), WITA),  # Tuesday 07:00 WITA, two hours before
        (datetime(2026, 11, 23, 23, 0, tzinfo=UTC), WIB),
    ]
    texts = {(to, when.hour): text for when, to, text in arrived}
    assert "Pengingat rakor" in texts[WITA, 0] and "Selasa, 24/11/2026 09:00 WITA" in texts[WITA, 0]
    assert "Selasa, 24/11/2026 08:00 WIB" in texts[WIB, 1] and "Diwakili oleh: Sekretaris Badan" in texts[WIB, 1]
    assert "Selasa, 24/11/2026 08:00 WIB" in texts[WIB, 23] and "Selasa, 24/11/2026 09:00 WITA" in texts[WITA, 23]
    # Nothing reached the guest who declined, and nothing went after the start.
    assert GUEST not in {to for _, to, _ in arrived}


HEAD = "whatsapp:+62811000009"


def test_minutes_by_whatsapp_reach_the_head_and_owners_are_reminded_before_the_due_date(world):
    url, settings, fake = world
    clock = Clock(TUESDAY_0900_WITA + timedelta(hours=3))
    sessions = make_sessions(url)
    with sessions.begin() as s:
        invite = people.add_invite(s, people.get_office_by_region(s, "63.71"), Role.HEAD, clock(), name="Kepala")
        people.redeem_invite(s, invite.code, "whatsapp", HEAD, clock())
    sessions.kw["bind"].dispose()

    async def main() -> None:
        siaga = Siaga(url, settings, clock)
        for text in ["/notulen", "1", "2, 5", "Kesiapan pengamanan TPS dibahas bersama",
                     "Patroli gabungan di TPS rawan", "Polri", "30/11", "tambah lagi",
                     "Sosialisasi netralitas ASN", "Kesbangpol 63.71", "30/11", "tambah lagi",
                     "Pemutakhiran daftar pemilih", "Ketua KPU", "30/11", "selesai", "kirim"]:
            await siaga.say(WITA, text)
        assert fake.bodies(WITA)[-1].startswith("Notulen RK-6371-2026-000001 tersimpan dengan 3 kesepakatan")
        minutes, assigned = fake.bodies(HEAD)
        assert minutes.startswith("Notulen RK-6371-2026-000001: Rakor pilkada (24/11/2026)")
        # The head answers for the office's agreement: told so with the minutes (issue 22).
        assert assigned.startswith("Kesepakatan baru untuk Anda dari notulen RK-6371-2026-000001")
        assert "3. Pemutakhiran daftar pemilih | Ketua KPU (KPU) | 30/11/2026" in minutes
        while clock() < datetime(2026, 11, 29, 2, 0, tzinfo=UTC):
            clock.advance(hours=1)
            before = len(fake.messages)
            await siaga.round()
            for m in fake.messages[before:]:
                reminded.append((clock(), m["To"], text_of(m)))
        await siaga.say(GUEST, "selesai")
        await siaga.close()

    reminded: list[tuple[datetime, str, str]] = []
    asyncio.run(main())
    # The same days bring each office's 07:00 digest (text and chart) and each officer's 16:00 nihil
    # check-in: not these.
    reminded[:] = [r for r in reminded
                   if not r[2].startswith(("Ringkasan harian", "Kejadian 7 hari terakhir", "Laporan harian"))]
    # 08:00 WITA three days and one day before 30/11, to the office's head and to the KPU guest; nobody for Polri.
    assert sorted((when, to) for when, to, _ in reminded) == [
        (datetime(2026, 11, 27, 0, 0, tzinfo=UTC), GUEST), (datetime(2026, 11, 27, 0, 0, tzinfo=UTC), HEAD),
        (datetime(2026, 11, 29, 0, 0, tzinfo=UTC), GUEST), (datetime(2026, 11, 29, 0, 0, tzinfo=UTC), HEAD),
    ]
    assert all(text.startswith("Pengingat kesepakatan (RK-6371-2026-000001), tenggat 30/11/2026:")
               for _, _, text in reminded)
    assert fake.bodies(GUEST)[-1] == "Kesepakatan ditandai selesai. Terima kasih."
    # The head hears it is done; days after their last message, as the approved template with its variables.
    last_to_head = [m for m in fake.messages if m["To"] == HEAD][-1]
    assert text_of(last_to_head) == "RK-6371-2026-000001 / Pemutakhiran daftar pemilih"


@pytest.mark.subprocess
def test_siaga_rakor_add_then_siaga_run_sends_each_invitation_once_across_a_sigkill(world, tmp_path):
    import signal
    import time

    from tests.support.fake_twilio import inbound_params, post_signed, wait_until
    from tests.support.running import Child

    url, settings, fake = world
    # The commands and processes live at 13:00 WITA on a working Wednesday after the fixture's story, on one clock
    # running on from one to the next: no 07:00 digest or 16:00 check-in nudge falls in the minute this test takes,
    # whatever the hour it runs.
    siaga = Command(url, tmp_path, clock=CommandClock(WEDNESDAY_1300_WITA), HOST="127.0.0.1",
                    PUBLIC_BASE_URL=PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID=fake.account_sid, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                    TWILIO_WHATSAPP_FROM=SENDER, TWILIO_API_BASE_URL=fake.url, TWILIO_TEMPLATES=json.dumps(TEMPLATES))
    year = WEDNESDAY_1300_WITA.year + 1
    siaga("rakor", "add", "--office", "63.71", "--title", "Rakor tahun depan", "--at", f"{year}-03-02 09:00",
          "--invite", "62.71")
    with make_sessions(url).begin() as s:  # the fixture's rakor is not part of this story: called off long ago
        old = store.get_rakor(s, 1)
        store.cancel_rakor(s, old)
        for invitee in old.invitees:
            invitee.told_version = old.version

    def to_wib() -> list[str]:
        return [text_of(m) for m in fake.messages if m["To"] == WIB]

    first = Child(siaga.env(), tmp_path, "first").ready()
    try:
        wait_until(to_wib, timeout=20)
        # Days after the officer's last message: the invitation goes as the approved template.
        assert "Rakor tahun depan" in to_wib()[0] and "08:00 WIB" in to_wib()[0]
        answered = post_signed(f"{PUBLIC_BASE_URL}/whatsapp/inbound", inbound_params(WIB, "1"), target=first.public)
        assert answered.status_code < 300
        wait_until(lambda: len(to_wib()) == 2, timeout=20)
        assert to_wib()[1].startswith("Terima kasih. Jawaban Anda untuk \"Rakor tahun depan\": Hadir")
        # Killed once the outbox has recorded both sends (one in flight at a SIGKILL may be sent again: at least once).
        wait_until(lambda: all(m.status == OutboxStatus.SENT for m in outbox_rows(url)), timeout=20)
    finally:
        first.stop(signal.SIGKILL)
    second = Child(siaga.env(), tmp_path, "second").ready()
    try:
        time.sleep(3)  # the restarted scheduler's first round has run: nothing is sent again
        assert len(to_wib()) == 2
        with make_sessions(url).begin() as s:
            assert [i.rsvp.value for i in store.get_rakor(s, 2).invitees] == ["hadir"]
    finally:
        second.stop()
