"""Heads and rakor participants through the real runner (issue 22): invitations of a cancelled, moved or past
rakor are closed, agreement owners are told and reminded, and each role is offered what it may do.

The clock is the test's (tests/conftest.py `Clock`), moved by hand; nothing is computed from the wall clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.runner import Runner
from handlers import rakor
from handlers.types import Inbound, Tick
from storage import conversations, flow_starts, outbox, people
from storage import rakor as store
from storage.models import FlowStartStatus, Role, Rsvp
from tests.conftest import add_officer

# The conftest clock starts on Monday 23 November 2026, 10:00 WITA; the rakor is on Tuesday 09:00 WITA.
TUESDAY_0900_WITA = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
INVITE = Tick("invite", timedelta(minutes=1), rakor.tell_invitees)
REMIND = Tick("remind", timedelta(minutes=1), rakor.remind_invitees)
OWNERS = Tick("owners", timedelta(minutes=5), rakor.remind_owners)


def say(runner: Runner, address: str, text: str | None = None, **kw) -> str:
    return "\n".join(r.text for r in runner.run_turn(Inbound("console", address, text=text, **kw)))


def sent_to(runner: Runner, address: str) -> list[str]:
    """The texts queued for a chat, oldest first."""
    with runner.sessions.begin() as s:
        return [m.payload["reply"]["text"] for m in reversed(outbox.list_messages(s, limit=None))
                if m.address == address]


def flow_of(runner: Runner, address: str) -> str | None:
    with runner.sessions.begin() as s:
        conversation = conversations.get_conversation(s, "console", address)
        return conversation.flow if conversation is not None else None


@pytest.fixture
def invited(sessions, clock) -> dict[str, int]:
    """A head of Kota Banjarmasin invites an officer of the office and a KPU guest to a rakor on Tuesday."""
    with sessions.begin() as s:
        head = add_officer(s, "head", role=Role.HEAD, name="Kepala Kota")
        andi = add_officer(s, "andi", name="Andi")
        guest = add_officer(s, "kpu", role=Role.GUEST, name="Ketua KPU")
        guest.institution = "KPU"
        meeting = store.add_rakor(s, office_id=head.office_id, title="Rakor pilkada", starts_at=TUESDAY_0900_WITA,
                                  place="Aula", created_by=head.id, now=clock(),
                                  invitee_ids=[andi.id, guest.id])
        return {"head": head.id, "andi": andi.id, "guest": guest.id, "rakor": meeting.id}


def cancel(runner: Runner, rakor_id: int) -> None:
    """`siaga rakor cancel N`, then the invitations tick tells the invitees."""
    with runner.sessions.begin() as s:
        rakor.cancel_meeting(s, store.get_rakor(s, rakor_id), runner.clock())
    runner.run_tick(INVITE)


def test_a_cancelled_rakor_s_invitation_is_not_offered_again_after_a_command(runner, invited, clock):
    runner.run_tick(INVITE)
    assert "Rakor pilkada" in sent_to(runner, "andi")[-1]
    clock.advance(minutes=10)
    cancel(runner, invited["rakor"])
    assert "DIBATALKAN" in sent_to(runner, "andi")[-1]

    answer = say(runner, "andi", "/laporanku")
    assert "Rakor pilkada" not in answer and "hadir" not in answer.lower()
    assert flow_of(runner, "andi") is None
    assert "Rakor pilkada" not in say(runner, "andi", "/bantuan")


def test_tapping_hadir_on_a_cancelled_invitation_says_so_once_and_closes_it(runner, invited, clock):
    runner.run_tick(INVITE)
    cancel(runner, invited["rakor"])
    answer = say(runner, "andi", choice=f"rsvp:{invited['rakor']}:1:hadir")
    assert "Rakor pilkada" in answer and "dibatalkan" in answer.lower()
    assert flow_of(runner, "andi") is None
    with runner.sessions.begin() as s:
        assert store.get_invitee(s, invited["rakor"], invited["andi"]).rsvp is None
    # The same old button later, the chat idle: still told clearly, nothing stored.
    again = say(runner, "andi", choice=f"rsvp:{invited['rakor']}:1:hadir")
    assert "Rakor pilkada" in again and "dibatalkan" in again.lower()


def test_a_cancelled_invitation_does_not_hold_back_the_next_conversation(runner, invited, clock):
    runner.run_tick(INVITE)
    cancel(runner, invited["rakor"])
    started = runner.start(invited["andi"], "agreement", {"agreement_id": 0, "days": 1}, key="agreement:test")
    assert started == 1
    assert "Akan dibuka setelah" not in sent_to(runner, "andi")[-1]
    assert flow_of(runner, "andi") == "agreement"


def test_a_waiting_invitation_of_a_rakor_cancelled_meanwhile_is_dropped(runner, invited, clock):
    say(runner, "andi", "/lapor")  # busy with a report: the invitation waits
    runner.run_tick(INVITE)
    assert flow_of(runner, "andi") == "incident"
    cancel(runner, invited["rakor"])
    assert "Rakor pilkada" not in say(runner, "andi", "batal")  # the report ends; the invitation is not opened
    assert flow_of(runner, "andi") is None
    with runner.sessions.begin() as s:
        assert all(st.status is not FlowStartStatus.WAITING
                   for st in flow_starts.list_due_starts(s, clock(), invited["andi"]))


def test_a_moved_rakor_replaces_the_open_invitation_and_the_old_button_says_it_moved(runner, invited, clock):
    runner.run_tick(INVITE)
    with runner.sessions.begin() as s:
        rakor.move_meeting(s, store.get_rakor(s, invited["rakor"]), TUESDAY_0900_WITA + timedelta(hours=5), clock())
    runner.run_tick(INVITE)
    assert "DIPINDAHKAN" in sent_to(runner, "andi")[-1]
    assert flow_of(runner, "andi") == "rsvp"
    old = say(runner, "andi", choice=f"rsvp:{invited['rakor']}:1:hadir")
    assert "dipindahkan" in old.lower()
    with runner.sessions.begin() as s:
        assert store.get_invitee(s, invited["rakor"], invited["andi"]).rsvp is None
    assert "Terima kasih" in say(runner, "andi", choice=f"rsvp:{invited['rakor']}:2:hadir")
    with runner.sessions.begin() as s:
        assert store.get_invitee(s, invited["rakor"], invited["andi"]).rsvp is Rsvp.HADIR


def test_an_unanswered_invitation_closes_when_the_rakor_begins(runner, invited, clock):
    runner.run_tick(INVITE)
    clock.now = TUESDAY_0900_WITA + timedelta(minutes=1)
    answer = say(runner, "andi", "/laporanku")
    assert "Rakor pilkada" not in answer
    assert flow_of(runner, "andi") is None


# -- issue 22 #8: the right words for each role -------------------------------------------------------------


@pytest.mark.parametrize(("role", "present", "absent"), [
    (Role.HEAD, ["/laporan", "/status", "/ringkasan", "/rawan", "/rakor_baru"], ["/nihil"]),
    (Role.OFFICER, ["/lapor ", "/nihil", "/jeda"], ["/ringkasan", "/rakor_baru"]),
    (Role.GUEST, ["/rakor", "/kesepakatan"], ["/lapor", "/notulen", "/laporanku", "/ringkasan"]),
])
def test_the_welcome_lists_what_the_role_may_use(runner, sessions, clock, role, present, absent):
    with sessions.begin() as s:
        office = people.get_office_by_region(s, "63.71") or people.add_office(
            s, "63.71", "Kesbangpol 63.71", "Asia/Makassar", clock())
        invite = people.add_invite(s, office, role, clock(), name="Baru",
                                   institution="KPU" if role is Role.GUEST else None)
    welcome = say(runner, "new", f"daftar {invite.code}")
    assert "Selamat datang" in welcome
    for command in present:
        assert command in welcome, command
    for command in absent:
        assert command not in welcome, command
    help_text = say(runner, "new", "/bantuan")
    for command in present:
        assert command in help_text, command
    for command in absent:
        assert command not in help_text, command


def test_a_guest_sees_time_and_place_of_the_rakor_they_are_invited_to(runner, invited, clock):
    listed = say(runner, "kpu", "/rakor")
    assert "Rakor pilkada" in listed and "Aula" in listed and "09:00 WITA" in listed


# -- issue 22 #10: what participants are told ------------------------------------------------------------------


def test_a_reminder_says_how_soon_and_offers_rsvp_buttons_to_who_has_not_answered(runner, invited, clock):
    runner.run_tick(INVITE)
    assert "Terima kasih" in say(runner, "kpu", "hadir")  # the guest answers; Andi does not
    clock.now = TUESDAY_0900_WITA - timedelta(hours=2)
    runner.run_tick(REMIND)
    with runner.sessions.begin() as s:
        reminders = {m.address: m.payload["reply"] for m in outbox.list_messages(s, limit=None)
                     if m.kind == "reminder" and ":2h:" in m.idempotency_key}
    assert reminders["andi"]["text"].startswith('Pengingat rakor (2 jam lagi): "Rakor pilkada"')
    assert [c[1] for c in reminders["andi"]["choices"]] == ["Hadir", "Tidak hadir", "Diwakilkan"]
    assert not reminders["kpu"].get("choices")
    # A tap on the reminder's button answers the invitation, even with another question open.
    say(runner, "andi", "batal")  # the invitation left unanswered
    say(runner, "andi", "/lapor")
    answer = say(runner, "andi", choice=reminders["andi"]["choices"][1][0])
    assert 'Jawaban Anda untuk "Rakor pilkada": Tidak hadir' in answer and "Jenis kejadian" in answer
    with runner.sessions.begin() as s:
        assert store.get_invitee(s, invited["rakor"], invited["andi"]).rsvp is Rsvp.TIDAK_HADIR


def test_the_move_notice_gives_the_old_time_and_a_waiting_invitation_is_named(runner, invited, clock):
    say(runner, "andi", "/lapor")  # busy: the invitation waits
    runner.run_tick(INVITE)
    assert 'Ada undangan rakor "Rakor pilkada" (Selasa, 24/11/2026 09:00 WITA) untuk Anda' in sent_to(runner, "andi")[-1]
    say(runner, "andi", "batal")
    say(runner, "kpu", "hadir")
    with runner.sessions.begin() as s:
        rakor.move_meeting(s, store.get_rakor(s, invited["rakor"]), TUESDAY_0900_WITA + timedelta(days=1), clock())
    runner.run_tick(INVITE)
    moved = sent_to(runner, "kpu")[-1]
    assert "DIPINDAHKAN" in moved and "Rabu, 25/11/2026 09:00 WITA" in moved
    assert "Sebelumnya: Selasa, 24/11/2026 09:00 WITA" in moved


def test_notulen_offers_only_meetings_of_one_s_office_that_have_begun(runner, sessions, invited, clock):
    with sessions.begin() as s:
        head = s.get(store.Officer, invited["head"])
        store.add_rakor(s, office_id=head.office_id, title="Rapat kemarin", now=clock() - timedelta(days=2),
                        starts_at=clock() - timedelta(days=1), invitee_ids=[])
        other = add_officer(s, "kalteng", region="62.71", tz="Asia/Pontianak", role=Role.HEAD, name="Kalteng")
        store.add_rakor(s, office_id=other.office_id, title="Rapat Kalteng", now=clock() - timedelta(days=2),
                        starts_at=clock() - timedelta(hours=3), invitee_ids=[])
        province = add_officer(s, "prov", region="63", role=Role.HEAD, name="Provinsi")
        store.add_rakor(s, office_id=province.office_id, title="Rapat provinsi", now=clock() - timedelta(days=2),
                        starts_at=clock() - timedelta(hours=3), invitee_ids=[])
    def offered(address: str) -> str:
        replies = runner.run_turn(Inbound("console", address, text="/notulen"))
        return " | ".join(c.label for r in replies for c in r.choices)

    head = offered("head")
    assert "Rapat kemarin" in head
    assert "Rakor pilkada" not in head  # tomorrow: not held yet
    assert "Rapat Kalteng" not in head and "Rapat provinsi" not in head
    assert "Rapat kemarin" not in offered("prov")  # the kota's rakor is the kota's to minute


def test_a_number_typed_after_a_reminder_answers_its_rsvp_list(runner, invited, clock):
    runner.run_tick(INVITE)
    say(runner, "andi", "batal")  # the invitation left unanswered
    clock.now = TUESDAY_0900_WITA - timedelta(hours=2)
    runner.run_tick(REMIND)
    assert 'Jawaban Anda untuk "Rakor pilkada": Hadir' in say(runner, "andi", "1")  # as on WhatsApp's list
    with runner.sessions.begin() as s:
        assert store.get_invitee(s, invited["rakor"], invited["andi"]).rsvp is Rsvp.HADIR


def test_a_guest_answers_a_reminder_s_rsvp_list_with_a_number(runner, invited, clock):
    runner.run_tick(INVITE)
    say(runner, "kpu", "batal")  # left unanswered
    clock.now = TUESDAY_0900_WITA - timedelta(hours=2)
    runner.run_tick(REMIND)
    assert 'Jawaban Anda untuk "Rakor pilkada": Tidak hadir' in say(runner, "kpu", "2")
    with runner.sessions.begin() as s:
        assert store.get_invitee(s, invited["rakor"], invited["guest"]).rsvp is Rsvp.TIDAK_HADIR
