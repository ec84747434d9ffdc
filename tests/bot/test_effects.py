"""Effects through the real runner: notifications per recipient up the office tree, started flows, ticks, reasks."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

import handlers
from bot.sending import Capabilities, SendError
from bot.outbox import Outbox
from bot.effects import Delivery
from bot.runner import Runner
from handlers.flow import Flow, Step
from handlers.texts import CATALOGUE
from handlers.types import Choice, Ctx, Inbound, Notify, Reply, StartFlow, Tick, ToOfficer, ToRole
from storage import conversations, flow_starts, outbox, people
from storage.models import OutboxStatus, Role
from tests.conftest import add_officer


def rsvp_submit(answers: dict, ctx: Ctx) -> list[Reply]:
    return [Reply(f"Terima kasih: {answers['attend']} untuk rakor {answers['rakor']}.")]


RSVP = Flow(name="rsvp", commands=(), review=False, draft_ttl=timedelta(days=3), submit=rsvp_submit, steps=(
    Step("rakor", parse=lambda inbound, ctx: inbound.text),
    Step("attend", choices=lambda ctx: (Choice("ya", "Hadir"), Choice("tidak", "Tidak hadir"))),
))


def alarm(args: str, ctx: Ctx) -> list[Reply]:
    """A command that alerts the heads of the sender's office and the offices above it."""
    assert ctx.officer is not None
    ctx.emit(Notify(key=f"alert:{args}", kind="alert", to=ToRole(ctx.officer.office_id, "head"),
                    render=lambda officer, lang: [Reply(f"[{lang}] Peringatan {args} untuk {officer.name}")],
                    variables=lambda officer, lang: {"1": args}))
    return [Reply("Peringatan dikirim.")]


@pytest.fixture(autouse=True)
def toy_flow(monkeypatch):
    monkeypatch.setitem(handlers.FLOWS, "rsvp", RSVP)
    monkeypatch.setitem(handlers.COMMANDS, "alarm", alarm)
    monkeypatch.setitem(CATALOGUE, "flow.rsvp", {"id": "undangan rakor", "en": "rakor invitation"})
    monkeypatch.setitem(CATALOGUE, "rsvp.rakor.ask", {"id": "Rakor mana?", "en": "Which rakor?"})
    monkeypatch.setitem(CATALOGUE, "rsvp.attend.ask", {"id": "Apakah Anda hadir?", "en": "Will you attend?"})


@pytest.fixture
def delivering(sessions, settings, clock) -> Runner:
    """A runner as `siaga run` wires it: replies on these channels go through the outbox."""
    return Runner(sessions, settings, clock=clock,
                  delivery=Delivery(outbox_channels=frozenset({"console", "telegram", "whatsapp"})))


def say(runner: Runner, address: str, text: str, channel: str = "console") -> str:
    return "\n".join(r.text for r in runner.run_turn(Inbound(channel, address, text=text)))


def queued(runner: Runner, prefix: str = "") -> dict[str, object]:
    with runner.sessions.begin() as s:
        return {m.idempotency_key: m for m in outbox.list_messages(s, limit=None)
                if m.idempotency_key.startswith(prefix)}


def test_a_notification_reaches_the_heads_of_the_office_and_of_the_province_above_once(delivering, sessions):
    with sessions.begin() as s:
        officer = add_officer(s, "officer-1")
        city_head = add_officer(s, "111", role=Role.HEAD, channel="telegram", name="Kepala Kota")
        province_head = add_officer(s, "whatsapp:+62811", region="63", role=Role.HEAD, channel="whatsapp",
                                    name="Kepala Provinsi")
        people.set_language(s, province_head, "en")
        add_officer(s, "222", region="61", role=Role.HEAD, channel="telegram", tz="Asia/Pontianak")  # Kalbar
        add_officer(s, "333", role=Role.OFFICER, channel="telegram")  # not a head
        retired = add_officer(s, "444", role=Role.HEAD, channel="telegram")
        retired.active = False
    assert say(delivering, "officer-1", "/alarm unjuk-rasa") == "Peringatan dikirim."
    say(delivering, "officer-1", "/alarm unjuk-rasa")  # the same cause again: nothing new for the heads
    alerts = queued(delivering, "alert:")
    assert sorted(alerts) == [f"alert:unjuk-rasa:{city_head.id}:0", f"alert:unjuk-rasa:{province_head.id}:0"]
    city, province = alerts[f"alert:unjuk-rasa:{city_head.id}:0"], alerts[f"alert:unjuk-rasa:{province_head.id}:0"]
    assert (city.channel, city.address, city.kind) == ("telegram", "111", "alert")
    assert city.payload["reply"]["text"] == "[id] Peringatan unjuk-rasa untuk Kepala Kota"
    assert (province.channel, province.address) == ("whatsapp", "whatsapp:+62811")
    assert province.payload["reply"]["text"] == "[en] Peringatan unjuk-rasa untuk Kepala Provinsi"
    assert province.payload["template"] == "alert" and province.payload["variables"] == {"1": "unjuk-rasa"}
    # The sender's own replies went through the outbox too.
    assert len(queued(delivering, "reply:console:")) == 2
    assert officer.id not in {int(k.split(":")[2]) for k in alerts}


def test_an_officer_is_reached_on_the_identity_used_last(delivering, sessions, clock):
    with sessions.begin() as s:
        head = add_officer(s, "111", role=Role.HEAD, channel="telegram")
        people.add_identity(s, head, "whatsapp", "whatsapp:+62811", clock())
        s.flush()
    clock.advance(minutes=5)
    say(delivering, "111", "halo", channel="telegram")  # wrote on Telegram last
    with sessions.begin() as s:
        effect = Notify("notice:1", "notice", ToOfficer(head.id), lambda o, lang: [Reply("Pemberitahuan")])
        from bot.effects import queue_effects
        assert queue_effects(s, [effect], clock(), delivering.settings, delivering.delivery) == 1
    [row] = queued(delivering, "notice:").values()
    assert (row.channel, row.address) == ("telegram", "111")


def test_a_started_conversation_opens_at_once_for_an_idle_officer(delivering, officer, clock):
    assert delivering.start(officer.id, "rsvp", {"rakor": "Rakor Pilkada"}, key="rsvp:7:1") == 1
    assert delivering.start(officer.id, "rsvp", {"rakor": "Rakor Pilkada"}, key="rsvp:7:1") == 0  # once per key
    [first] = queued(delivering, "start:").values()
    assert first.payload["reply"]["text"] == "Apakah Anda hadir?"  # the prefilled step is not asked
    assert [c[1] for c in first.payload["reply"]["choices"]] == ["Hadir", "Tidak hadir"]
    assert first.kind == "notice" and first.payload["template"] == "notice"
    clock.advance(days=2)  # an RSVP lives three days, not the 24 hours of a report draft
    assert say(delivering, "officer-1", "1") == "Terima kasih: ya untuk rakor Rakor Pilkada."


def test_a_started_conversation_waits_behind_a_busy_one_and_opens_when_it_ends(delivering, officer, sessions):
    say(delivering, "officer-1", "/lapor")
    assert delivering.start(officer.id, "rsvp", {"rakor": "Rakor Pilkada"}, key="rsvp:7:1") == 1
    [line] = queued(delivering, "start:").values()
    assert line.idempotency_key == "start:rsvp:7:1:waiting"
    assert line.payload["reply"]["text"] == (
        "Ada undangan rakor untuk Anda. Akan dibuka setelah laporan kejadian yang sedang Anda isi selesai.")
    assert delivering.open_due_starts() == 0  # still busy: no second line
    assert say(delivering, "officer-1", "1").startswith("Di kecamatan mana?")  # the report goes on undisturbed
    assert say(delivering, "officer-1", "batal") == "Dibatalkan. Draf tidak disimpan.\nApakah Anda hadir?"
    assert say(delivering, "officer-1", "tidak") == "Terima kasih: tidak untuk rakor Rakor Pilkada."
    with sessions.begin() as s:
        assert [st.status for st in flow_starts.list_due_starts(s, delivering.clock())] == []


def test_a_start_waiting_behind_a_draft_that_expired_silently_is_opened_by_the_scheduler(delivering, officer, clock):
    say(delivering, "officer-1", "/lapor")
    delivering.start(officer.id, "rsvp", {"rakor": "Rakor Pilkada"}, key="rsvp:7:1")
    clock.advance(hours=25)  # the report draft expired; the officer never wrote again
    assert delivering.open_due_starts() == 1
    assert queued(delivering, "start:rsvp:7:1:0")["start:rsvp:7:1:0"].payload["reply"]["text"] == "Apakah Anda hadir?"


def test_a_start_that_expired_while_waiting_never_opens(delivering, officer, clock, sessions):
    say(delivering, "officer-1", "/lapor")
    delivering.start(officer.id, "rsvp", {"rakor": "Rakor Pilkada"}, key="rsvp:7:1",
                     expires_at=clock() + timedelta(hours=2))
    clock.advance(hours=3)
    assert say(delivering, "officer-1", "batal") == "Dibatalkan. Draf tidak disimpan."
    assert delivering.open_due_starts() == 0
    with sessions.begin() as s:
        assert [st.status for st in flow_starts.list_due_starts(s, clock() - timedelta(hours=3))] == []
        assert flow_starts.list_due_starts(s, clock()) == []


def test_a_start_effect_from_a_tick_and_a_later_not_before(delivering, officer, clock):
    later = clock() + timedelta(hours=1)
    tick = Tick("test-rsvp", timedelta(minutes=1), lambda session, now: [
        StartFlow("rsvp:9:1", officer.id, "rsvp", {"rakor": "Rakor Besok"}, not_before=later)])
    assert delivering.run_tick(tick) == 0
    assert delivering.open_due_starts() == 0
    clock.advance(hours=1)
    assert delivering.run_tick(tick) == 0  # the same key: recorded once
    assert delivering.open_due_starts() == 1


def test_a_tick_queues_its_effects_once_however_often_it_runs(delivering, sessions, clock):
    with sessions.begin() as s:
        head = add_officer(s, "111", role=Role.HEAD, channel="telegram")
    renders = []

    def run(session, now):
        return [Notify(f"digest:{head.office_id}:{now:%Y-%m-%d}", "digest", ToOfficer(head.id),
                       lambda o, lang: renders.append(o.id) or [Reply("Ringkasan"), Reply("Bagian 2")],
                       expires_at=now + timedelta(hours=12))]

    tick = Tick("test-digest", timedelta(minutes=1), run)
    assert delivering.run_tick(tick) == 2
    assert delivering.run_tick(tick) == 0
    assert renders == [head.id]  # a key queued before is not even rendered again
    rows = queued(delivering, "digest:")
    assert {r.expires_at for r in rows.values()} == {clock() + timedelta(hours=12)}
    assert [r.payload["template"] for r in sorted(rows.values(), key=lambda r: r.id)] == ["digest", None]


def test_a_draft_whose_step_was_removed_is_closed_with_a_notice(runner, officer, sessions, clock):
    with sessions.begin() as s:
        conversations.save_conversation(s, None, "console", "officer-1", "incident", "removed_step", {}, clock())
    reply = say(runner, "officer-1", "halo")
    assert reply.startswith("Isian laporan kejadian Anda tidak bisa dilanjutkan karena formulirnya sudah diubah.")
    with sessions.begin() as s:
        conversations.save_conversation(s, conversations.get_conversation(s, "console", "officer-1"),
                                        "console", "officer-1", "gone_flow", "x", {}, clock())
    assert say(runner, "officer-1", "/lapor").startswith("Isian gone_flow Anda tidak bisa dilanjutkan")


def test_when_a_question_failed_for_good_the_next_message_gets_it_again(delivering, sessions, clock):
    with sessions.begin() as s:
        add_officer(s, "7001", channel="telegram")
    delivering.run_turn(Inbound("telegram", "7001", text="/lapor", message_id="m1"))

    class Refusing:
        name, capabilities = "telegram", Capabilities()

        async def send(self, message):  # noqa: ANN001
            raise SendError("telegram: Forbidden", retryable=False)

    asyncio.run(Outbox(sessions, {"telegram": Refusing()}, clock=clock).drain())
    with sessions.begin() as s:
        assert [m.status for m in outbox.list_messages(s)] == [OutboxStatus.FAILED]  # listed
    clock.advance(minutes=10)
    again = delivering.run_turn(Inbound("telegram", "7001", text="halo?", message_id="m2"))
    assert [r.text for r in again] == ["Pesan kami sebelumnya tidak terkirim. Ini pertanyaan terakhir lagi:\n"
                                       "Jenis kejadian apa?"]
    after = delivering.run_turn(Inbound("telegram", "7001", text="1", message_id="m3"))
    assert after[0].text.startswith("Di kecamatan mana?")  # reasked once, then the chat goes on
