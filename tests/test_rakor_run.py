"""Done when of issue 9: `siaga rakor add`, then `siaga run` processes on moved clocks against the fake Telegram
and Twilio. The invitation, the RSVP (an inline-button tap through python-telegram-bot, a numbered answer on
WhatsApp) and both reminders arrive on each channel once, at the invitee's local time, across a SIGKILL and a
restart between the two reminders.

Time is moved, never waited for: each process starts its clock at a chosen moment (tests/support/clocked.py)
and runs only as long as its messages take.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage import outbox
from storage import rakor as store
from storage.db import make_sessions
from storage.models import OutboxStatus, Role, Rsvp
from tests.conftest import prepare
from tests.support.fake_telegram import FakeTelegram, TelegramUser, wait_until
from tests.support.fake_twilio import FakeTwilio, inbound_params, post_signed
from tests.support.running import Run, fakes_env, join

pytestmark = pytest.mark.subprocess

WITA, WIB = ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Pontianak")
SARI = "whatsapp:+62811000021"
ANDI_ID, GUEST_ID = 7001, 7003
# No heads of office exist in this story, so the heads' digest (07:00-12:00 local) and the monthly rawan report
# have nobody to reach; and no process runs between 16:00 and 19:00 local, when the nihil check-ins go out.
# Every message that arrives must therefore be the rakor's, and the test compares each chat in full.
JOINED = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)        # Monday 06:30 WITA: the invitees join
INVITED = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)       # Monday 07:30 WITA: `siaga rakor add`, first run
H1_WITA = datetime(2026, 11, 23, 0, 0, 1, tzinfo=UTC)      # Monday 08:00:01 WITA (07:00 WIB)
H1_WIB = datetime(2026, 11, 23, 1, 0, 1, tzinfo=UTC)       # Monday 08:00:01 WIB
TWO_HOURS = datetime(2026, 11, 23, 23, 0, 1, tzinfo=UTC)   # Tuesday 07:00:01 WITA, 06:00:01 WIB
STARTS = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)          # Tuesday 09:00 WITA, 08:00 WIB


@pytest.fixture
def world(database_factory, tmp_path):
    url = database_factory()
    engine = prepare(url)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        # The organiser is Kalteng's Palangka Raya office (WIB); Andi sits in Banjarmasin (Kalsel, WITA).
        join(s, "62.71", Role.OFFICER, "whatsapp", SARI, "Sari", JOINED, tz="Asia/Pontianak")
        join(s, "63.71", Role.OFFICER, "telegram", str(ANDI_ID), "Andi", JOINED)
        guest = join(s, "62.71", Role.GUEST, "telegram", str(GUEST_ID), "Ketua KPU", JOINED, institution="KPU")
    with FakeTelegram() as telegram, FakeTwilio() as twilio:
        runs: list[Run] = []
        yield fakes_env(url, telegram, twilio, tmp_path), tmp_path, telegram, twilio, sessions, runs, guest
        for run in runs:
            if run.process.poll() is None:
                run.stop(signal.SIGKILL)
    engine.dispose()


def settled(sessions) -> bool:  # type: ignore[no-untyped-def]
    """Everything queued so far has been sent (and recorded as sent)."""
    with sessions.begin() as s:
        return all(m.status is OutboxStatus.SENT for m in outbox.list_messages(s, limit=None))


def sent_at(sessions, address: str, tag: str) -> list[datetime]:  # type: ignore[no-untyped-def]
    """When the outbox sent a chat the rakor messages whose key holds `tag` (`:1d@08:00:`, `:2h:`, `:invite:`)."""
    with sessions.begin() as s:
        return sorted(m.sent_at for m in outbox.list_messages(s, limit=None)
                      if m.address == address and m.idempotency_key.startswith(("rakor:", "start:rakor:"))
                      and tag in m.idempotency_key and m.sent_at is not None)


def local(moments: list[datetime], tz: ZoneInfo) -> list[str]:
    return [f"{m.astimezone(tz):%a %H:%M}" for m in moments]


def test_siaga_rakor_add_then_siaga_run_invites_takes_rsvps_and_reminds_once_at_local_times_across_a_sigkill(world):
    env, cwd, telegram, twilio, sessions, runs, guest_id = world
    began = time.monotonic()
    siaga = str(Path(sys.executable).parent / "siaga")
    added = subprocess.run(
        [siaga, "rakor", "add", "--office", "62.71", "--title", "Rakor pengamanan pilkada", "--at", "2026-11-24 08:00",
         "--place", "Aula Kesbangpol Kalteng", "--invite", "62.71", "63.71", f"officer:{guest_id}"],
        env={**env, "SIAGA_CLOCK_START": INVITED.isoformat()}, cwd=cwd, capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("rakor #1: Rakor pengamanan pilkada, Selasa, 24/11/2026 08:00 WIB, 3 invitees")
    andi, guest = TelegramUser(telegram, ANDI_ID, "Andi"), TelegramUser(telegram, GUEST_ID, "KPU")

    def sari() -> list[str]:
        return twilio.bodies(SARI)

    def sari_says(run: Run, text: str, count: int) -> None:
        assert post_signed(f"{run.public}/whatsapp/inbound", inbound_params(SARI, text)).status_code < 300
        wait_until(lambda: len(sari()) >= count, timeout=15)

    # Monday 07:30 WITA: the invitations, each in its reader's zone, and the answers.
    runs.append(run := Run(env, cwd, "invite", clock=INVITED + timedelta(seconds=30)))
    [invitation] = andi._expect("Undangan rakor", timeout=30)
    assert "Rakor pengamanan pilkada\nWaktu: Selasa, 24/11/2026 09:00 WITA\nTempat: Aula Kesbangpol Kalteng" \
        in invitation
    [to_guest] = guest._expect("Undangan rakor", timeout=15)
    assert "Waktu: Selasa, 24/11/2026 08:00 WIB" in to_guest
    wait_until(sari, timeout=15)
    assert "Waktu: Selasa, 24/11/2026 08:00 WIB" in sari()[0]
    assert sari()[0].endswith("Apakah Anda akan hadir?\n\n1. Hadir\n2. Tidak hadir\n3. Diwakilkan")
    # One tap each, as a callback query through the real python-telegram-bot path.
    andi.tap("Hadir", expect="Jawaban Anda untuk \"Rakor pengamanan pilkada\": Hadir")
    guest.tap("Tidak hadir", expect="Jawaban Anda untuk \"Rakor pengamanan pilkada\": Tidak hadir.")
    run.ready()
    sari_says(run, "3", 2)
    assert sari()[1].startswith("Siapa yang mewakili Anda?")
    sari_says(run, "Sekretaris Badan", 3)
    assert sari()[2].startswith("Terima kasih. Jawaban Anda untuk \"Rakor pengamanan pilkada\": Diwakilkan")
    run.ticked("rakor-reminders")
    wait_until(lambda: settled(sessions), timeout=15)
    assert run.stop() == 0
    with sessions.begin() as s:
        answers = {i.officer.name: (i.rsvp, i.deputy) for i in store.get_rakor(s, 1).invitees}
    assert answers == {"Sari": (Rsvp.DIWAKILKAN, "Sekretaris Badan"), "Andi": (Rsvp.HADIR, None),
                       "Ketua KPU": (Rsvp.TIDAK_HADIR, None)}

    # Monday 08:00 WITA: Andi's day-before reminder; in Palangka Raya it is only 07:00.
    runs.append(run := Run(env, cwd, "h1-wita", clock=H1_WITA))
    [reminder] = andi._expect("Pengingat rakor", timeout=30)
    assert reminder == "Pengingat rakor (besok): \"Rakor pengamanan pilkada\"\nWaktu: Selasa, 24/11/2026 09:00 WITA\n" \
                       "Tempat: Aula Kesbangpol Kalteng"
    run.ticked("rakor-reminders")
    wait_until(lambda: settled(sessions), timeout=15)
    assert run.stop() == 0
    assert len(sari()) == 3

    # Monday 08:00 WIB: Sari's, naming her deputy. Then the process is killed.
    runs.append(run := Run(env, cwd, "h1-wib", clock=H1_WIB))
    wait_until(lambda: len(sari()) == 4, timeout=30)
    assert sari()[3] == "Pengingat rakor (besok): \"Rakor pengamanan pilkada\"\nWaktu: Selasa, 24/11/2026 08:00 WIB\n" \
                        "Tempat: Aula Kesbangpol Kalteng\nDiwakili oleh: Sekretaris Badan"
    run.ticked("rakor-reminders")
    wait_until(lambda: settled(sessions), timeout=15)
    assert run.stop(signal.SIGKILL) == -signal.SIGKILL

    # Tuesday 07:00 WITA / 06:00 WIB, two hours before: a restart sends the second reminders, and no first one again.
    runs.append(run := Run(env, cwd, "two-hours", clock=TWO_HOURS))
    [second] = andi._expect("Pengingat rakor", timeout=30)
    assert "Waktu: Selasa, 24/11/2026 09:00 WITA" in second
    wait_until(lambda: len(sari()) == 5, timeout=15)
    assert "Waktu: Selasa, 24/11/2026 08:00 WIB" in sari()[4]
    run.ticked("rakor-reminders")
    wait_until(lambda: settled(sessions), timeout=15)
    assert run.stop() == 0

    # Each chat in full: nothing twice, nothing else, nothing for the guest who declined.
    assert [t.split("\n")[0] for t in andi.texts()] == [
        "Undangan rakor", "Terima kasih. Jawaban Anda untuk \"Rakor pengamanan pilkada\": Hadir ",
        "Pengingat rakor (besok): \"Rakor pengamanan pilkada\"", "Pengingat rakor (2 jam lagi): \"Rakor pengamanan pilkada\""]
    assert [t.split("\n")[0] for t in guest.texts()] == [
        "Undangan rakor", "Terima kasih. Jawaban Anda untuk \"Rakor pengamanan pilkada\": Tidak hadir."]
    assert [b.split("\n")[0] for b in sari()] == [
        "Undangan rakor", "Siapa yang mewakili Anda? Tulis nama dan jabatannya.",
        "Terima kasih. Jawaban Anda untuk \"Rakor pengamanan pilkada\": Diwakilkan Sekretaris Badan",
        "Pengingat rakor (besok): \"Rakor pengamanan pilkada\"", "Pengingat rakor (2 jam lagi): \"Rakor pengamanan pilkada\""]
    # And when, by each process's clock: the day before at 08:00 of the invitee's zone, then two hours before.
    assert local(sent_at(sessions, str(ANDI_ID), ":1d@08:00:"), WITA) == ["Mon 08:00"]
    assert local(sent_at(sessions, SARI, ":1d@08:00:"), WIB) == ["Mon 08:00"]
    assert local(sent_at(sessions, str(ANDI_ID), ":2h:"), WITA) == ["Tue 07:00"]
    assert local(sent_at(sessions, SARI, ":2h:"), WIB) == ["Tue 06:00"]
    assert all(m < STARTS for m in sent_at(sessions, SARI, ":"))
    print(f"rakor end to end through siaga run: {time.monotonic() - began:.1f} s")
