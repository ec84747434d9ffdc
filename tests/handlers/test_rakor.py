"""Rakor at the handler level on a real database: invitations, RSVP, reminders, move/cancel, minutes, agreements."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import sessionmaker

import handlers
from bot.config import Settings
from bot.effects import draft_ttl
from handlers import engine, rakor
from handlers.rakor.schedule import managed_choices
from handlers.types import IDLE, Ctx, Effect, Inbound, Notify, StartFlow, State, ToRole
from storage import people
from storage import rakor as store
from storage.models import AgreementStatus, Officer, Role, Rsvp
from tests.conftest import add_officer

# Monday 23 November 2026, 07:00 WITA: before the H-1 reminder of a rakor on Tuesday.
MONDAY_0700_WITA = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
TUESDAY_0900_WITA = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
SETTINGS = Settings(database_url="sqlite://", language="id")


@dataclass
class Chat:
    """One officer's chat driven through handlers.dispatch, keeping the state and what the turns emitted."""

    sessions: sessionmaker
    officer_id: int
    now: datetime
    state: State = IDLE
    effects: list[Effect] = field(default_factory=list)

    def ctx(self, session) -> Ctx:
        officer = session.get(Officer, self.officer_id)
        # As the runner does: the draft lives as long as its flow declares.
        return Ctx(session=session, now=self.now, lang=officer.language or "id", channel="console",
                   address=f"officer-{self.officer_id}", officer=officer,
                   draft_ttl=draft_ttl(self.state.flow, SETTINGS))

    def say(self, text: str | None = None, **kw) -> str:
        with self.sessions.begin() as session:
            ctx = self.ctx(session)
            self.state, replies = handlers.dispatch(self.state, Inbound("console", "a", text=text, **kw), ctx)
            self.effects.extend(ctx.effects)
        return "\n".join(r.text for r in replies)

    def open(self, started: StartFlow) -> str:
        """What the runner does with a StartFlow for this officer: open the flow with its params."""
        assert started.officer_id == self.officer_id
        with self.sessions.begin() as session:
            ctx = self.ctx(session)
            self.state, replies = engine.start(handlers.FLOWS[started.flow], ctx, answers=started.params)
        return "\n".join(r.text for r in replies)


@dataclass
class Meeting:
    head: Officer
    wita: Officer
    wib: Officer
    guest: Officer
    rakor_id: int


def rendered(sessions, effect: Notify, officer_id: int, lang: str = "id") -> str:
    with sessions.begin() as s:
        officer = s.get(Officer, officer_id)
        return "\n".join(r.text for r in effect.render(officer, lang))


def tag(effect: Notify) -> str:
    """The offset of a reminder key `rakor:{id}:{version}:{offset}:{officer}`."""
    return effect.key.split(":", 3)[3].rsplit(":", 1)[0]


def tick(sessions, run, now: datetime) -> list[Effect]:
    with sessions.begin() as s:
        return run(s, now)


def add_guest(session, address: str, institution: str, region: str = "63.71") -> Officer:
    guest = add_officer(session, address, region=region, role=Role.GUEST, name=f"Tamu {institution}")
    guest.institution = institution
    session.flush()
    return guest


@pytest.fixture
def meeting(sessions) -> Meeting:
    """A rakor of Kota Banjarmasin (WITA) on Tuesday 09:00 WITA, scheduled on Monday 07:00 WITA."""
    with sessions.begin() as s:
        head = add_officer(s, "head", role=Role.HEAD, name="Kepala Kota")
        wita = add_officer(s, "wita", name="Petugas Kota")
        wib = add_officer(s, "wib", region="62.71", tz="Asia/Pontianak", name="Petugas Palangka Raya")
        guest = add_guest(s, "kpu", "KPU")
        meeting = store.add_rakor(
            s, office_id=head.office_id, title="Rakor pengamanan pilkada", starts_at=TUESDAY_0900_WITA,
            place="Aula Kesbangpol", agenda="Kesiapan TPS", created_by=head.id, now=MONDAY_0700_WITA,
            invitee_ids=rakor.resolve_targets(s, [f"officer:{wita.id}", f"officer:{wib.id}",
                                                  f"officer:{guest.id}"]),
        )
        return Meeting(head, wita, wib, guest, meeting.id)


def invitations(sessions, now: datetime = MONDAY_0700_WITA) -> dict[int, StartFlow]:
    effects = tick(sessions, rakor.tell_invitees, now)
    assert all(isinstance(e, StartFlow) and e.flow == "rsvp" for e in effects)
    return {e.officer_id: e for e in effects}


def answer(sessions, invitation: StartFlow, *texts: str, now: datetime = MONDAY_0700_WITA) -> str:
    chat = Chat(sessions, invitation.officer_id, now)
    out = chat.open(invitation)
    for text in texts:
        out = chat.say(text)
    return out


def restarted(sessions) -> sessionmaker:
    """A fresh session factory on the test's database, as a new process would have (nothing cached)."""
    return sessionmaker(bind=sessions.kw["bind"], join_transaction_mode="create_savepoint", expire_on_commit=False)


def reminders_over(sessions, start: datetime, end: datetime, step: timedelta, *,
                   restart_at: datetime | None = None) -> list[Notify]:
    """Run the reminder tick every `step`, as the scheduler would; a fresh session factory after `restart_at`."""
    sent: list[Notify] = []
    now = start
    factory = sessions
    while now <= end:
        if restart_at is not None and now >= restart_at and factory is sessions:
            factory = restarted(sessions)
        sent.extend(tick(factory, rakor.remind_invitees, now))
        now += step
    return sent


# -- invitations and RSVP -----------------------------------------------------------------------------------


def test_each_invitee_gets_one_invitation_in_their_own_zone(sessions, meeting):
    sent = invitations(sessions)
    assert set(sent) == {meeting.wita.id, meeting.wib.id, meeting.guest.id}
    assert sent[meeting.wita.id].expires_at == TUESDAY_0900_WITA
    assert invitations(sessions) == {}  # told once
    wita = answer(sessions, sent[meeting.wita.id])
    wib = answer(sessions, sent[meeting.wib.id])
    assert "Undangan rakor\nRakor pengamanan pilkada\nWaktu: Selasa, 24/11/2026 09:00 WITA" in wita
    assert "Waktu: Selasa, 24/11/2026 08:00 WIB" in wib
    assert "Tempat: Aula Kesbangpol\nAgenda: Kesiapan TPS\nPenyelenggara: Kesbangpol 63.71" in wib


def test_rsvp_answers_are_stored_one_tap_or_with_a_deputy(sessions, meeting):
    sent = invitations(sessions)
    assert "Terima kasih" in answer(sessions, sent[meeting.wita.id], "hadir")
    assert "Siapa yang mewakili" in answer(sessions, sent[meeting.wib.id], "3")
    answer(sessions, sent[meeting.wib.id], "diwakilkan", "Sekretaris Badan")
    answer(sessions, sent[meeting.guest.id], "tidak hadir")
    with sessions.begin() as s:
        got = {i.officer_id: (i.rsvp, i.deputy) for i in store.get_rakor(s, meeting.rakor_id).invitees}
    assert got == {meeting.wita.id: (Rsvp.HADIR, None), meeting.wib.id: (Rsvp.DIWAKILKAN, "Sekretaris Badan"),
                   meeting.guest.id: (Rsvp.TIDAK_HADIR, None)}


def test_a_wrong_rsvp_answer_is_reasked_and_batal_leaves_it_unanswered(sessions, meeting):
    sent = invitations(sessions)
    chat = Chat(sessions, meeting.wita.id, MONDAY_0700_WITA)
    chat.open(sent[meeting.wita.id])
    assert chat.say("mungkin").startswith("Pilihan tidak dikenali")
    assert chat.state.step == "answer"
    chat.say("batal")
    with sessions.begin() as s:
        assert store.get_invitee(s, meeting.rakor_id, meeting.wita.id).rsvp is None


def test_an_rsvp_draft_waits_longer_than_other_drafts(sessions, meeting):
    sent = invitations(sessions)
    chat = Chat(sessions, meeting.wita.id, MONDAY_0700_WITA)
    chat.open(sent[meeting.wita.id])
    chat.now += timedelta(hours=25)  # past the usual 24-hour draft lifetime, still before the meeting
    assert chat.say("hadir").startswith("Terima kasih")


def test_an_answer_after_a_cancellation_is_not_stored(sessions, meeting):
    sent = invitations(sessions)
    chat = Chat(sessions, meeting.wita.id, MONDAY_0700_WITA)
    chat.open(sent[meeting.wita.id])
    with sessions.begin() as s:
        store.cancel_rakor(s, store.get_rakor(s, meeting.rakor_id))
    assert "DIBATALKAN" in chat.say("hadir")


# -- reminders ----------------------------------------------------------------------------------------------


def test_a_rakor_tomorrow_gives_each_invitee_one_h1_and_one_2h_reminder_in_their_zone(sessions, meeting):
    invitations(sessions)
    sent = reminders_over(sessions, MONDAY_0700_WITA, TUESDAY_0900_WITA + timedelta(hours=1), timedelta(minutes=15))
    per = Counter((e.to.officer_id, tag(e)) for e in sent)
    assert per == {(o.id, tag): 1 for o in (meeting.wita, meeting.wib, meeting.guest) for tag in ("1d@08:00", "2h")}
    assert all(e.kind == "reminder" and e.expires_at == TUESDAY_0900_WITA for e in sent)
    by_key = {(e.to.officer_id, tag(e)): e for e in sent}
    assert "Selasa, 24/11/2026 09:00 WITA" in rendered(sessions, by_key[meeting.wita.id, "2h"], meeting.wita.id)
    assert "Selasa, 24/11/2026 08:00 WIB" in rendered(sessions, by_key[meeting.wib.id, "2h"], meeting.wib.id)
    assert "Tuesday, 24/11/2026 08:00 WIB" in rendered(sessions, by_key[meeting.wib.id, "2h"], meeting.wib.id, "en")


def test_reminders_go_at_08_00_the_day_before_in_each_zone_and_2_hours_before(sessions, meeting):
    invitations(sessions)
    firsts: dict[tuple[int, str], datetime] = {}
    now = MONDAY_0700_WITA
    while now <= TUESDAY_0900_WITA:
        for e in tick(sessions, rakor.remind_invitees, now):
            firsts[e.to.officer_id, tag(e)] = now
        now += timedelta(minutes=5)
    assert firsts[meeting.wita.id, "1d@08:00"] == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)   # 08:00 WITA
    assert firsts[meeting.wib.id, "1d@08:00"] == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)    # 08:00 WIB
    assert firsts[meeting.wita.id, "2h"] == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)        # 07:00 WITA


def test_a_restart_between_the_two_reminders_sends_neither_twice(sessions, meeting):
    invitations(sessions)
    sent = reminders_over(sessions, MONDAY_0700_WITA, TUESDAY_0900_WITA, timedelta(minutes=30),
                          restart_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    assert len(sent) == 6 and len({e.key for e in sent}) == 6


def test_a_reminder_missed_while_down_goes_late_but_never_after_the_start(sessions, meeting):
    invitations(sessions)
    tick(sessions, rakor.remind_invitees, datetime(2026, 11, 23, 1, 30, tzinfo=UTC))  # both H-1 sent
    # Down from before the 2-hour reminder (07:00 WITA) until 08:30 WITA: it goes at once, still before 09:00.
    late = tick(sessions, rakor.remind_invitees, datetime(2026, 11, 24, 0, 30, tzinfo=UTC))
    assert sorted(tag(e) for e in late) == ["2h", "2h", "2h"]
    # Down until after the start: nothing.
    with sessions.begin() as s:
        for i in store.get_rakor(s, meeting.rakor_id).invitees:
            i.reminded = [x for x in i.reminded if not x.endswith("2h")]
    assert tick(sessions, rakor.remind_invitees, TUESDAY_0900_WITA + timedelta(minutes=1)) == []


def test_a_declined_invitee_gets_no_reminders(sessions, meeting):
    sent = invitations(sessions)
    answer(sessions, sent[meeting.guest.id], "tidak hadir")
    reminded = reminders_over(sessions, MONDAY_0700_WITA, TUESDAY_0900_WITA, timedelta(hours=1))
    assert meeting.guest.id not in {e.to.officer_id for e in reminded}
    assert len(reminded) == 4


def test_reminders_already_past_when_scheduled_are_covered_by_the_invitation(sessions, meeting):
    with sessions.begin() as s:
        late = store.add_rakor(s, office_id=meeting.head.office_id, title="Rakor mendadak",
                               starts_at=TUESDAY_0900_WITA, now=datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
                               invitee_ids=[meeting.wita.id])
    tick(sessions, rakor.tell_invitees, datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    sent = reminders_over(sessions, datetime(2026, 11, 23, 2, 0, tzinfo=UTC), TUESDAY_0900_WITA, timedelta(hours=1))
    assert [tag(e) for e in sent if e.key.startswith(f"rakor:{late.id}:")] == ["2h"]


def test_offsets_follow_the_office_setting_and_the_rakor_override(sessions, meeting):
    with sessions.begin() as s:
        office = people.get_office_by_region(s, "63.71")
        store.set_office_reminders(s, office, "2d@09:00,30m")
    invitations(sessions)
    sent = reminders_over(sessions, datetime(2026, 11, 21, 0, 0, tzinfo=UTC), TUESDAY_0900_WITA,
                          timedelta(minutes=15))
    # Scheduled on Monday 07:00: "2 days before at 09:00" (Sunday) had passed already.
    assert {tag(e) for e in sent} == {"30m"}
    with sessions.begin() as s:
        store.get_rakor(s, meeting.rakor_id).reminders = "3h"
    sent = reminders_over(sessions, TUESDAY_0900_WITA - timedelta(hours=4), TUESDAY_0900_WITA, timedelta(hours=1))
    assert {tag(e) for e in sent} == {"3h"}


@pytest.mark.parametrize("spec, tags", [
    ("1d@08:00,2h", ["1d@08:00", "2h"]), ("1d@8.00 , 30m", ["1d@08:00", "30m"]), ("3d", ["3d"]),
])
def test_reminder_settings_are_read(spec, tags):
    assert [o.tag for o in rakor.parse_offsets(spec)] == tags


@pytest.mark.parametrize("spec", ["", "1x", "2h@08:00", "1d@25:00", "40d"])
def test_unreadable_reminder_settings_are_refused(spec):
    with pytest.raises(ValueError):
        rakor.parse_offsets(spec)


# -- move and cancel ------------------------------------------------------------------------------------------


def test_a_move_asks_everyone_again_once_and_reminders_follow_the_new_time(sessions, meeting):
    sent = invitations(sessions)
    answer(sessions, sent[meeting.wita.id], "hadir")
    tick(sessions, rakor.remind_invitees, datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # the old H-1s went
    with sessions.begin() as s:
        store.move_rakor(s, store.get_rakor(s, meeting.rakor_id), TUESDAY_0900_WITA + timedelta(days=2),
                         datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    again = invitations(sessions, datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    assert set(again) == {meeting.wita.id, meeting.wib.id, meeting.guest.id}
    assert all(":2:invite:" in e.key and e.params["moved"] for e in again.values())
    assert invitations(sessions, datetime(2026, 11, 23, 3, 5, tzinfo=UTC)) == {}
    assert "Rakor DIPINDAHKAN ke waktu baru" in answer(sessions, again[meeting.wita.id],
                                                      now=datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    # Nothing at the old times; one of each at the new ones.
    sent = reminders_over(sessions, datetime(2026, 11, 23, 3, 0, tzinfo=UTC), TUESDAY_0900_WITA + timedelta(days=2),
                          timedelta(minutes=30))
    assert Counter(tag(e) for e in sent) == {"1d@08:00": 3, "2h": 3}
    assert all(e.key.startswith(f"rakor:{meeting.rakor_id}:2:") for e in sent)


def test_a_cancellation_tells_the_invitees_once_and_stops_reminders(sessions, meeting):
    invitations(sessions)
    with sessions.begin() as s:
        store.cancel_rakor(s, store.get_rakor(s, meeting.rakor_id))
    notices = tick(sessions, rakor.tell_invitees, datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    assert sorted(n.to.officer_id for n in notices) == sorted([meeting.wita.id, meeting.wib.id, meeting.guest.id])
    text = rendered(sessions, notices[0], notices[0].to.officer_id)
    assert "DIBATALKAN" in text and "Rakor pengamanan pilkada" in text
    assert tick(sessions, rakor.tell_invitees, datetime(2026, 11, 23, 3, 5, tzinfo=UTC)) == []
    assert reminders_over(sessions, MONDAY_0700_WITA, TUESDAY_0900_WITA, timedelta(hours=1)) == []


# -- scheduling and listing in chat ---------------------------------------------------------------------------


def test_a_head_schedules_a_rakor_in_chat_and_the_invitations_go_with_the_turn(sessions, meeting):
    chat = Chat(sessions, meeting.head.id, MONDAY_0700_WITA)
    assert chat.say("/rakor_baru") == "Judul rakor?"
    assert chat.say("Rakor Bawaslu").startswith("Kapan rakor dimulai?")
    assert chat.say("kemarin 09:00").startswith("Waktu itu sudah lewat")
    chat.say("besok 13.30")
    chat.say("Aula")
    chat.say("lewati")
    invitees = chat.say("1, 2")
    assert chat.state.step == engine.REVIEW and "Selasa, 24/11/2026 13:30 WITA" in invitees
    assert chat.say("kirim").startswith("Rakor #")
    started = [e for e in chat.effects if isinstance(e, StartFlow)]
    # The whole office but the organiser, and the guest.
    assert sorted(e.officer_id for e in started) == sorted([meeting.wita.id, meeting.guest.id])


def test_officers_may_not_schedule_a_rakor(sessions, meeting):
    chat = Chat(sessions, meeting.wita.id, MONDAY_0700_WITA)
    assert chat.say("/rakor_baru") == "Perintah itu hanya untuk kepala kantor dan admin."
    assert chat.state == IDLE


def test_rakor_lists_counts_and_the_organiser_sees_who_has_not_answered(sessions, meeting):
    sent = invitations(sessions)
    answer(sessions, sent[meeting.wita.id], "hadir")
    head = Chat(sessions, meeting.head.id, MONDAY_0700_WITA).say("/rakor")
    assert "Hadir 1 | Tidak hadir 0 | Diwakilkan 0 | Belum menjawab 2" in head
    assert "Belum menjawab: Petugas Palangka Raya (Kesbangpol 62.71), Tamu KPU (KPU)" in head
    officer = Chat(sessions, meeting.wita.id, MONDAY_0700_WITA).say("/rakor")
    assert "Jawaban Anda: Hadir" in officer and "Belum menjawab:" not in officer


# -- guests ---------------------------------------------------------------------------------------------------


GUEST_REFUSAL = ("Maaf, sebagai tamu undangan Anda menerima undangan dan pengingat rakor; "
                 "/rakor dan /kesepakatan menunjukkan rakor dan kesepakatan Anda.")


@pytest.mark.parametrize("text", ["/lapor", "/notulen", "/laporanku", "/rakor_baru", "halo"])
def test_a_guest_is_refused_everything_but_their_rsvp(sessions, meeting, text):
    reply = Chat(sessions, meeting.guest.id, MONDAY_0700_WITA).say(text)
    assert reply == GUEST_REFUSAL


def test_a_guest_may_read_the_help_and_change_language(sessions, meeting):
    chat = Chat(sessions, meeting.guest.id, MONDAY_0700_WITA)
    assert chat.say("/bantuan").startswith("Anda terdaftar sebagai tamu")
    assert chat.say("/bahasa en") == "Language: English."


# -- minutes and agreements -------------------------------------------------------------------------------


MINUTES = ["/notulen", "1", "KPU, Polri, Bawaslu, Satpol PP",
           "Kesiapan pengamanan TPS dibahas bersama seluruh unsur",
           "Patroli gabungan di TPS rawan", "Polri", "3 hari",
           "tambah lagi", "Sosialisasi netralitas ASN", "Kesbangpol 63.71", "30/11",
           "tambah lagi", "Pemutakhiran daftar pemilih", "Tamu KPU", "lewati",
           "selesai"]


def test_minutes_with_three_agreements_are_numbered_stored_and_sent_to_the_heads(sessions, meeting):
    chat = Chat(sessions, meeting.wita.id, TUESDAY_0900_WITA + timedelta(hours=3))
    for text in MINUTES:
        out = chat.say(text)
    assert chat.state.step == engine.REVIEW
    assert ("- Kesepakatan:\n  1. Patroli gabungan di TPS rawan | Polri | 27/11/2026\n"
            "  2. Sosialisasi netralitas ASN | Kesbangpol 63.71 | 30/11/2026\n"
            "  3. Pemutakhiran daftar pemilih | Tamu KPU (KPU) | -") in out
    assert "- Kehadiran: KPU, Polri, Bawaslu, Satpol PP" in out
    assert chat.say("kirim") == ("Notulen RK-6371-2026-000001 tersimpan dengan 3 kesepakatan dan dikirim ke "
                                 "kepala kantor.")
    with sessions.begin() as s:
        report = store.get_report(s, "RK-6371-2026-000001")
        assert report.rakor_id == meeting.rakor_id and report.held_on == date(2026, 11, 24)
        assert report.attendance == ["KPU", "Polri", "Bawaslu", "Satpol PP"]
        owners = [(a.owner_institution, a.owner_office_id, a.owner_officer_id) for a in report.agreements]
    assert owners == [("Polri", None, None), (None, meeting.head.office_id, None), (None, None, meeting.guest.id)]
    [notice] = [e for e in chat.effects if e.key.startswith("notulen:")]
    assert notice.to == ToRole(meeting.head.office_id, "head", upward=False)
    text = rendered(sessions, notice, meeting.head.id)
    assert text.startswith("Notulen RK-6371-2026-000001: Rakor pengamanan pilkada (24/11/2026)")
    assert "3. Pemutakhiran daftar pemilih | Tamu KPU (KPU) | -" in text


def test_an_unscheduled_meeting_asks_title_and_date(sessions, meeting):
    chat = Chat(sessions, meeting.wita.id, MONDAY_0700_WITA)
    chat.say("/notulen")
    assert chat.say("rapat lain").startswith("Judul rapat?")
    chat.say("Rapat FKUB")
    assert chat.say("besok").startswith("Tanggal itu belum tiba")
    chat.say("kemarin")
    assert chat.state.step == "attendance"


def agreements_with_owners(sessions, meeting) -> Chat:
    chat = Chat(sessions, meeting.wita.id, TUESDAY_0900_WITA + timedelta(hours=3))
    for text in MINUTES + ["kirim"]:
        chat.say(text)
    return chat


def test_owners_who_use_siaga_are_reminded_3_days_and_1_day_before_the_due_date(sessions, meeting):
    agreements_with_owners(sessions, meeting)
    sent: list[StartFlow] = []
    now = TUESDAY_0900_WITA + timedelta(hours=3)
    while now < datetime(2026, 12, 2, tzinfo=UTC):
        sent.extend(tick(sessions, rakor.remind_owners, now))
        now += timedelta(hours=1)
    # Agreement 1 is owned by Polri (no Siaga user); 2 by the office (its head); 3 by the KPU guest (no due date).
    # Still open on 1 December, the day after its due date: reminded as overdue.
    assert [(e.officer_id, e.params["days"]) for e in sent] == [(meeting.head.id, 3), (meeting.head.id, 1),
                                                                 (meeting.head.id, -1)]
    assert all(e.flow == "agreement" and e.kind == "reminder" for e in sent)
    chat = Chat(sessions, meeting.head.id, now)
    assert "Pengingat kesepakatan (RK-6371-2026-000001), tenggat 30/11/2026:\nSosialisasi netralitas ASN" \
        in chat.open(sent[0])
    assert chat.say("catat perkembangan") == "Tulis perkembangannya."
    assert chat.say("Surat edaran sudah disiapkan") == "Catatan perkembangan tersimpan."
    chat.open(sent[1])
    assert chat.say("selesai") == "Kesepakatan ditandai selesai. Terima kasih."
    with sessions.begin() as s:
        done = store.list_agreements(s, status=AgreementStatus.DONE)
        assert [a.text for a in done] == ["Sosialisasi netralitas ASN"]
        assert done[0].progress[0]["text"] == "Surat edaran sudah disiapkan"
    assert isinstance(chat.effects[0], Notify) and chat.effects[0].to == ToRole(meeting.head.office_id, "head", False)


def test_an_institution_owner_is_reached_through_its_guests(sessions, meeting):
    chat = Chat(sessions, meeting.wita.id, MONDAY_0700_WITA)
    for text in ["/notulen", "rapat lain", "Rapat KPU", "hari ini", "1", "Pembahasan logistik pemilu di gudang KPU",
                 "Pengecekan gudang logistik", "KPU", "besok", "selesai", "kirim"]:
        chat.say(text)
    sent = tick(sessions, rakor.remind_owners, MONDAY_0700_WITA + timedelta(hours=2))
    assert [e.officer_id for e in sent] == [meeting.guest.id]
    guest = Chat(sessions, meeting.guest.id, MONDAY_0700_WITA + timedelta(hours=2))
    guest.open(sent[0])
    assert guest.say("selesai") == "Kesepakatan ditandai selesai. Terima kasih."


def test_kesepakatan_lists_overdue_first_then_open(sessions, meeting):
    agreements_with_owners(sessions, meeting)
    chat = Chat(sessions, meeting.head.id, datetime(2026, 11, 29, 2, 0, tzinfo=UTC))
    out = chat.say("/kesepakatan")
    lines = out.splitlines()
    assert lines[0] == "Kesepakatan terlambat (1):"
    assert "TERLAMBAT Patroli gabungan di TPS rawan | Polri | tenggat 27/11/2026 | RK-6371-2026-000001" in lines[1]
    assert lines[2] == "Kesepakatan terbuka (2):"
    assert "Sosialisasi netralitas ASN" in lines[3] and "Pemutakhiran daftar pemilih" in lines[4]


def test_the_digest_lines_list_coming_rakor_and_late_or_due_agreements(sessions, meeting):
    agreements_with_owners(sessions, meeting)
    with sessions.begin() as s:
        store.add_rakor(s, office_id=meeting.head.office_id, title="Rakor evaluasi", invitee_ids=[meeting.wita.id],
                        starts_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC), now=MONDAY_0700_WITA)
        lines = rakor.digest_lines(s, people.get_office_by_region(s, "63.71"),
                                   datetime(2026, 11, 28, 0, 0, tzinfo=UTC), "id")
    assert lines[0] == "Rakor 7 hari ke depan:"
    assert lines[1] == "- Rakor evaluasi, Selasa, 01/12/2026 09:00 WITA (hadir 0 dari 1 undangan)"
    assert lines[2] == "Kesepakatan terlambat (1):"
    assert lines[4] == "Kesepakatan jatuh tempo 7 hari ke depan (1):"
    assert "Sosialisasi netralitas ASN" in lines[5]


def test_scheduling_targets_resolve_offices_kabkota_and_officers(sessions, meeting):
    with sessions.begin() as s:
        add_officer(s, "tabalong", region="63.09", name="Petugas Tabalong")
        add_officer(s, "prov", region="63", name="Petugas Provinsi")
        ids = rakor.resolve_targets(s, ["kabkota:63", f"officer:{meeting.guest.id}"])
        names = sorted(s.get(Officer, i).name for i in ids)
    assert names == ["Kepala Kota", "Petugas Kota", "Petugas Tabalong", "Tamu KPU"]


def test_the_rakor_prompts_fill_every_placeholder_in_both_languages():
    for key in ("rsvp.answer.ask", "notulen.agreements.text.ask", "agreement.action.ask"):
        for lang in ("id", "en"):
            assert "{" not in handlers.texts.t(key, lang, invitation="x", n=1, agreement="a", due="d",
                                                 number="n", days=1, zone="WIB", heading="h")


def test_minutes_half_way_through_an_agreement_continue_after_a_restart(sessions, meeting, settings):
    from bot.runner import Runner

    def say(runner: Runner, text: str) -> str:
        return "\n".join(r.text for r in runner.run_turn(Inbound("console", "wita", text=text)))

    first = Runner(sessions, settings, clock=lambda: TUESDAY_0900_WITA + timedelta(hours=3))
    for text in MINUTES[:8]:
        say(first, text)
    assert say(first, "Sosialisasi netralitas ASN").startswith("Kesepakatan 2: siapa penanggung jawabnya?")
    first.close()
    # A new process: a fresh runner and session factory on the same database.
    fresh = restarted(sessions)
    second = Runner(fresh, settings, clock=lambda: TUESDAY_0900_WITA + timedelta(hours=4))
    assert say(second, "/rakor").endswith("Kesepakatan 2: siapa penanggung jawabnya? Ketik nama kantor, lembaga "
                                          "(KPU, Polri, ...) atau tamu.")
    for text in ["Kesbangpol 63.71", "30/11", "selesai"]:
        out = say(second, text)
    assert "  2. Sosialisasi netralitas ASN | Kesbangpol 63.71 | 30/11/2026" in out
    assert say(second, "kirim").startswith("Notulen RK-6371-2026-000001 tersimpan dengan 2 kesepakatan")
    second.close()


def test_kesepakatan_selesai_closes_an_agreement_of_ones_area_only(sessions, meeting):
    agreements_with_owners(sessions, meeting)
    with sessions.begin() as s:
        first = store.list_agreements(s)[0].id
        outsider = add_officer(s, "outsider", region="62.71", tz="Asia/Pontianak", name="Petugas Lain")
    assert Chat(sessions, outsider.id, MONDAY_0700_WITA).say(f"/kesepakatan selesai {first}") == \
        f"Tidak ada kesepakatan #{first} yang bisa Anda tutup. Lihat nomornya dengan /kesepakatan."
    head = Chat(sessions, meeting.head.id, MONDAY_0700_WITA)
    assert head.say("/kesepakatan").endswith("Tutup yang sudah selesai: /kesepakatan selesai NOMOR")
    assert head.say(f"/kesepakatan selesai {first}") == "Kesepakatan ditandai selesai. Terima kasih."
    with sessions.begin() as s:
        assert store.get_agreement(s, first).status == AgreementStatus.DONE


def test_the_organising_office_s_daily_digest_lists_the_coming_rakor(sessions, meeting):
    from handlers import digest

    with sessions.begin() as s:
        found = digest.gather(s, s.get(Officer, meeting.head.id).office, MONDAY_0700_WITA, with_chart=False)
        text = "\n".join(line for section in digest.render_lines(found, "id") for line in section)
    assert "Rakor 7 hari ke depan:" in text and "Rakor pengamanan pilkada" in text


# -- moving and cancelling by chat (/rakor_ubah, /rakor_batal) -------------------------------------------------

MOVED_AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday 11:00 WITA


def audits(sessions, action: str) -> list:
    from storage import audit

    with sessions.begin() as s:
        return [(a.actor_id, a.subject, a.detail) for a in audit.list_audit(s, action)]


def test_a_head_moves_a_rakor_by_chat_and_everyone_is_asked_again_once(sessions, meeting):
    sent = invitations(sessions)
    answer(sessions, sent[meeting.wita.id], "hadir")
    head = Chat(sessions, meeting.head.id, MOVED_AT)
    assert head.say("/rakor_ubah") == "Rakor mana yang dipindahkan?"
    assert head.say("7").startswith("Pilihan tidak dikenali. Balas dengan nomor atau nama pilihan.\n"
                                    "Rakor mana yang dipindahkan?")
    assert head.say("1") == ("Waktu baru untuk \"Rakor pengamanan pilkada\" (sekarang Selasa, 24/11/2026 09:00 "
                             "WITA)? Contoh: besok 09:00, 30/11 13.30 (WITA).")
    assert head.say("kemarin 10:00").startswith("Waktu itu sudah lewat.")
    assert head.say("kembali") == "Rakor mana yang dipindahkan?"
    head.say("1")
    review = head.say("lusa 10:00")
    assert head.state.step == engine.REVIEW
    assert f"- Rakor: #{meeting.rakor_id} Rakor pengamanan pilkada (Selasa, 24/11/2026 09:00 WITA)" in review
    assert "- Waktu baru: Rabu, 25/11/2026 10:00 WITA" in review
    assert head.say("kirim") == (f"Rakor #{meeting.rakor_id} \"Rakor pengamanan pilkada\" dipindahkan ke Rabu, "
                                 "25/11/2026 10:00 WITA. 3 undangan diberi tahu dan diminta menjawab lagi; pengingat "
                                 "mengikuti waktu baru.")
    # The invitations go with the turn, each once: the scheduler's tick finds nobody left to tell.
    again = {e.officer_id: e for e in head.effects}
    assert set(again) == {meeting.wita.id, meeting.wib.id, meeting.guest.id}
    assert all(isinstance(e, StartFlow) and ":2:invite:" in e.key and e.params["moved"] for e in again.values())
    assert invitations(sessions, MOVED_AT + timedelta(minutes=1)) == {}
    assert "Rakor DIPINDAHKAN ke waktu baru" in answer(sessions, again[meeting.wib.id], now=MOVED_AT)
    with sessions.begin() as s:
        moved = store.get_rakor(s, meeting.rakor_id)
        assert moved.starts_at == datetime(2026, 11, 25, 2, 0, tzinfo=UTC) and moved.version == 2
        assert {i.rsvp for i in moved.invitees} == {None}
    # Audited as `siaga rakor move` is, with the head as actor.
    assert audits(sessions, "rakor.moved") == [(meeting.head.id, f"rakor:{meeting.rakor_id}", {})]
    reminded = reminders_over(sessions, MOVED_AT, datetime(2026, 11, 25, 2, 0, tzinfo=UTC), timedelta(minutes=30))
    assert Counter(tag(e) for e in reminded) == {"1d@08:00": 3, "2h": 3}
    assert all(e.key.startswith(f"rakor:{meeting.rakor_id}:2:") for e in reminded)


def test_a_head_cancels_a_rakor_by_chat_only_after_confirming(sessions, meeting):
    invitations(sessions)
    head = Chat(sessions, meeting.head.id, MOVED_AT)
    assert head.say("/rakor_batal") == "Rakor mana yang dibatalkan?"
    assert head.say("1") == ("Batalkan rakor \"Rakor pengamanan pilkada\" (Selasa, 24/11/2026 09:00 WITA)? "
                             "3 undangan akan diberi tahu.")
    assert head.say("mungkin").startswith("Pilihan tidak dikenali.")
    assert head.say("tidak") == f"Rakor #{meeting.rakor_id} tidak dibatalkan."
    assert head.state == IDLE and head.effects == []
    # Straight to the question with the number from /rakor.
    assert head.say(f"/rakor_batal {meeting.rakor_id}").startswith("Batalkan rakor \"Rakor pengamanan pilkada\"")
    assert head.say("ya") == \
        f"Rakor #{meeting.rakor_id} \"Rakor pengamanan pilkada\" dibatalkan. 3 undangan diberi tahu."
    notices = [e for e in head.effects if isinstance(e, Notify)]
    assert sorted(n.to.officer_id for n in notices) == sorted([meeting.wita.id, meeting.wib.id, meeting.guest.id])
    assert "DIBATALKAN" in rendered(sessions, notices[0], notices[0].to.officer_id)
    assert tick(sessions, rakor.tell_invitees, MOVED_AT + timedelta(minutes=1)) == []
    assert reminders_over(sessions, MOVED_AT, TUESDAY_0900_WITA, timedelta(hours=1)) == []
    assert audits(sessions, "rakor.cancelled") == [(meeting.head.id, f"rakor:{meeting.rakor_id}", {})]
    assert head.say("/rakor_batal") == "Tidak ada rakor mendatang yang Anda selenggarakan."


def test_batal_in_the_middle_leaves_the_rakor_as_it_was(sessions, meeting):
    invitations(sessions)
    head = Chat(sessions, meeting.head.id, MOVED_AT)
    head.say(f"/rakor_ubah {meeting.rakor_id}")
    head.say("lusa 10:00")
    assert head.say("batal").startswith("Semua isian akan hilang.")  # on the review a cancel is confirmed
    head.say("batal")
    assert head.state == IDLE
    with sessions.begin() as s:
        assert store.get_rakor(s, meeting.rakor_id).starts_at == TUESDAY_0900_WITA
    assert audits(sessions, "rakor.moved") == [] and head.effects == []


def test_officers_guests_and_other_offices_heads_are_refused_and_audited(sessions, meeting):
    officer = Chat(sessions, meeting.wita.id, MOVED_AT)
    assert officer.say(f"/rakor_ubah {meeting.rakor_id}") == \
        "Perintah ini tidak tersedia untuk Anda. Ketik /bantuan untuk melihat perintah Anda."
    guest = Chat(sessions, meeting.guest.id, MOVED_AT)
    assert guest.say(f"/rakor_batal {meeting.rakor_id}") == GUEST_REFUSAL
    with sessions.begin() as s:
        other = add_officer(s, "kalteng-head", region="62.71", tz="Asia/Pontianak", role=Role.HEAD,
                            name="Kepala Kalteng")
        theirs = store.add_rakor(s, office_id=other.office_id, title="Rakor Kalteng", starts_at=TUESDAY_0900_WITA,
                                 created_by=other.id, now=MONDAY_0700_WITA, invitee_ids=[]).id
    stranger = Chat(sessions, other.id, MOVED_AT)
    assert stranger.say(f"/rakor_batal {meeting.rakor_id}") == \
        f"Tidak ada rakor #{meeting.rakor_id} mendatang yang Anda selenggarakan. Lihat nomornya dengan /rakor."
    with sessions.begin() as s:  # what /rakor_batal offers them: their own rakor only
        assert [c.label for c in managed_choices(stranger.ctx(s))] == [
            f"#{theirs} Rakor Kalteng (Selasa, 24/11/2026 08:00 WIB)"]
    refused = audits(sessions, "access.refused")
    assert [(actor, subject, detail["reason"]) for actor, subject, detail in refused] == [
        (other.id, "command:rakor_cancel", "not_organiser"), (meeting.guest.id, "command:rakor_batal", "role"),
        (meeting.wita.id, "command:rakor_ubah", "role")]
    with sessions.begin() as s:
        assert store.get_rakor(s, meeting.rakor_id).version == 1


@pytest.mark.parametrize("args", ["99999999999999999999", "²", "satu", "#999", "-1"])
def test_a_number_that_names_no_rakor_of_ones_own_is_answered_in_one_line(sessions, meeting, args):
    head = Chat(sessions, meeting.head.id, MOVED_AT)
    assert head.say(f"/rakor_ubah {args}").startswith(f"Tidak ada rakor #{args.lstrip('#')} mendatang")
    assert head.state == IDLE


def test_a_rakor_cancelled_elsewhere_while_the_draft_waited_is_left_alone(sessions, meeting):
    invitations(sessions)
    head = Chat(sessions, meeting.head.id, MOVED_AT)
    head.say(f"/rakor_batal {meeting.rakor_id}")
    with sessions.begin() as s:  # `siaga rakor cancel` meanwhile
        rakor.cancel_meeting(s, store.get_rakor(s, meeting.rakor_id), MOVED_AT)
    assert head.say("ya") == (f"Rakor #{meeting.rakor_id} sudah dibatalkan, sudah dimulai, atau bukan lagi "
                              "wewenang Anda; tidak ada yang diubah.")
    assert head.effects == []


def test_rakor_lists_how_to_move_or_cancel_for_the_organiser_only(sessions, meeting):
    assert Chat(sessions, meeting.head.id, MOVED_AT).say("/rakor").endswith(
        f"Rakor yang dapat Anda ubah: {meeting.rakor_id}. Pindahkan: /rakor_ubah {meeting.rakor_id}; "
        f"batalkan: /rakor_batal {meeting.rakor_id}")
    assert "/rakor_ubah" not in Chat(sessions, meeting.wita.id, MOVED_AT).say("/rakor")
    # A province head sees the kota's rakor, and is offered to change none of them.
    with sessions.begin() as s:
        province = add_officer(s, "prov", region="63", role=Role.HEAD, name="Kepala Provinsi")
    listed = Chat(sessions, province.id, MOVED_AT).say("/rakor")
    assert "Rakor pengamanan pilkada" in listed and "/rakor_ubah" not in listed
    help_text = Chat(sessions, meeting.head.id, MOVED_AT).say("/bantuan")
    assert "/rakor_ubah, /rakor_batal - pindahkan atau batalkan rakor Anda (kepala/admin)" in help_text


def test_a_move_half_way_continues_after_a_restart(sessions, meeting, settings):
    from bot.runner import Runner

    def say(runner: Runner, text: str) -> str:
        return "\n".join(r.text for r in runner.run_turn(Inbound("console", "head", text=text)))

    invitations(sessions)
    first = Runner(sessions, settings, clock=lambda: MOVED_AT)
    say(first, "/rakor_ubah")
    assert say(first, "1").startswith("Waktu baru untuk \"Rakor pengamanan pilkada\"")
    first.close()
    # A new process: a fresh runner and session factory on the same database.
    fresh = restarted(sessions)
    second = Runner(fresh, settings, clock=lambda: MOVED_AT + timedelta(hours=1))
    assert say(second, "/rakor").endswith("Waktu baru untuk \"Rakor pengamanan pilkada\" (sekarang Selasa, "
                                          "24/11/2026 09:00 WITA)? Contoh: besok 09:00, 30/11 13.30 (WITA).")
    assert say(second, "besok 13:00").startswith("Periksa kembali")
    assert say(second, "kirim").startswith(f"Rakor #{meeting.rakor_id} \"Rakor pengamanan pilkada\" dipindahkan "
                                           "ke Selasa, 24/11/2026 13:00 WITA. 3 undangan")
    second.close()
    assert invitations(sessions, MOVED_AT + timedelta(hours=1, minutes=1)) == {}


def test_the_move_and_cancel_prompts_fill_every_placeholder_in_both_languages():
    for key in ("rakor_move.starts_at.ask", "rakor_cancel.confirm.ask", "rakor_move.saved", "rakor_cancel.saved"):
        for lang in ("id", "en"):
            text = handlers.texts.t(key, lang, title="x", when="w", count=1, id=1, zone="WIB")
            assert "{" not in text and "}" not in text


# -- issue 22: agreement owners are told, reminded when the minutes came late and while overdue -------------------


def test_owners_are_told_when_the_minutes_give_them_an_agreement(sessions, meeting):
    chat = agreements_with_owners(sessions, meeting)
    told = {e.to.officer_id: e for e in chat.effects if isinstance(e, Notify) and e.key.endswith(":assigned")}
    # Agreement 2 is the office's (its head answers for it); 3 the KPU guest's; Polri has no Siaga user.
    assert set(told) == {meeting.head.id, meeting.guest.id}
    text = rendered(sessions, told[meeting.guest.id], meeting.guest.id)
    assert text.startswith("Kesepakatan baru untuk Anda dari notulen RK-6371-2026-000001 (Rakor pengamanan pilkada)")
    assert "Pemutakhiran daftar pemilih" in text and "Tenggat: tanpa tenggat" in text
    assert "/kesepakatan selesai" in text
    assert "Tenggat: 30/11/2026" in rendered(sessions, told[meeting.head.id], meeting.head.id)


def test_an_agreement_recorded_after_its_reminders_is_reminded_on_the_due_day_and_while_overdue(sessions, meeting):
    # Minutes on Monday 10:00 WITA, KPU to act by Tuesday: the H-1 reminder (Monday 08:00) had already passed.
    recorded = MONDAY_0700_WITA + timedelta(hours=3)
    chat = Chat(sessions, meeting.wita.id, recorded)
    for text in ["/notulen", "rapat lain", "Rapat KPU", "hari ini", "1", "Pembahasan logistik pemilu di gudang KPU",
                 "Pengecekan gudang logistik", "KPU", "besok", "selesai", "kirim"]:
        chat.say(text)
    sent: list[tuple[datetime, StartFlow]] = []
    now = recorded
    while now < recorded + timedelta(days=10):
        sent.extend((now, e) for e in tick(sessions, rakor.remind_owners, now))
        now += timedelta(hours=1)
    moments = [f"{m.astimezone(ZoneInfo('Asia/Makassar')):%a %d %H:%M}" for m, _ in sent]
    # Tuesday 08:00 (the due day), Wednesday 08:00 (overdue), then a week later while still open.
    assert moments == ["Tue 24 08:00", "Wed 25 08:00", "Wed 02 08:00"]
    assert all(e.officer_id == meeting.guest.id for _, e in sent)
    guest = Chat(sessions, meeting.guest.id, sent[1][0])
    assert guest.open(sent[1][1]).startswith("Kesepakatan TERLAMBAT (RK-6371-2026-000001), tenggat 24/11/2026")
    assert guest.say("selesai") == "Kesepakatan ditandai selesai. Terima kasih."
    assert tick(sessions, rakor.remind_owners, recorded + timedelta(days=30)) == []


def test_a_guest_lists_and_closes_the_agreements_they_answer_for(sessions, meeting):
    agreements_with_owners(sessions, meeting)
    guest = Chat(sessions, meeting.guest.id, TUESDAY_0900_WITA + timedelta(hours=4))
    listed = guest.say("/kesepakatan")
    assert "Pemutakhiran daftar pemilih" in listed
    assert "Patroli gabungan" not in listed and "Sosialisasi netralitas" not in listed  # not theirs
    with sessions.begin() as s:
        mine = next(a for a in store.list_agreements(s) if a.text == "Pemutakhiran daftar pemilih")
        others = next(a for a in store.list_agreements(s) if a.text == "Patroli gabungan di TPS rawan")
    assert guest.say(f"/kesepakatan selesai {others.id}").startswith("Tidak ada kesepakatan")
    assert guest.say(f"/kesepakatan selesai {mine.id}") == "Kesepakatan ditandai selesai. Terima kasih."


def test_a_progress_note_is_passed_to_the_organising_office(sessions, meeting):
    agreements_with_owners(sessions, meeting)
    guest = Chat(sessions, meeting.guest.id, TUESDAY_0900_WITA + timedelta(hours=4))
    with sessions.begin() as s:
        mine = next(a for a in store.list_agreements(s) if a.text == "Pemutakhiran daftar pemilih")
    guest.open(StartFlow(key="t", officer_id=meeting.guest.id, flow="agreement",
                         params={"agreement_id": mine.id, "days": 1}))
    guest.say("catat perkembangan")
    assert guest.say("Data pemilih baru sudah dicocokkan") == "Catatan perkembangan tersimpan."
    [notice] = [e for e in guest.effects if isinstance(e, Notify)]
    assert notice.to == ToRole(meeting.head.office_id, "head", upward=False)
    text = rendered(sessions, notice, meeting.head.id)
    assert "Pemutakhiran daftar pemilih" in text and "Data pemilih baru sudah dicocokkan" in text
    assert "Tamu KPU" in text


@pytest.mark.parametrize("module", ["handlers.rakor.common", "handlers.rakor.invitations", "handlers.rakor.minutes"])
def test_the_rakor_doctests_pass(module):
    import doctest
    import importlib

    assert doctest.testmod(importlib.import_module(module)).failed == 0
