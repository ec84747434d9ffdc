"""Every flow driven through the real runner with hostile input (hypothesis): nothing escapes, state stays valid,
every reply fits the platforms."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import handlers
from bot.channels.telegram import CALLBACK_DATA_MAX, callback_data, split_text
from bot.channels.whatsapp import BODY_LIMIT, render, split_body
from handlers import engine
from handlers.limits import MAX_REPLY_CHARS, MAX_REPLY_PARTS
from handlers.types import Ctx, Inbound, Location, Media, State
from storage import conversations
from tests.conftest import FROZEN_NOW, add_officer

HUGE = ["x" * 100_000, "\x00" * 100_000, "🙂" * 50_000, "Banjarmasin Utara " * 6000, "\u0301" * 100_000,
        "\x1b[31m" * 20_000, "/lapor " * 15_000, "1\n" * 50_000]
PLAUSIBLE = ["1", "2", "3", "9", "12", "Banjarmasin Utara", "utara", "banjarmasin utra", "Kel. Sungai Jingah",
             "sekarang", "kemarin 14:00", "31/02 10.00", "besok 10:00", "tadi pagi", "200-300", "ratusan",
             "Sekitar 200 mahasiswa berunjuk rasa", "tinggi", "lewati", "kembali", "batal", "kirim", "ubah",
             "-3.3194, 114.5908", "Budi Santoso", "", "   ", "-", "0", "99999999999999999999"]
COMMANDS = ["/bahasa en", "/bahasa id", "/bahasa", "/rekap", "/lapor", "/profil", "/bantuan", "/laporanku",
            "/start ABCDEFGH", "daftar ZZZZZZZZ", "/batal@SiagaBot", "/kembali", "/lewati", "/", "/ 2 jam lalu"]
STALE_CHOICES = ["1", "7", "tinggi", "rendah", "submit", "edit", "cancel", "category", "place", "63.71.04",
                 "63.72.01", "#3", "#999", "x" * 300, "\x00"]

texts = st.one_of(
    st.sampled_from(PLAUSIBLE), st.sampled_from(COMMANDS), st.sampled_from(HUGE),
    st.text(max_size=50),  # any unicode: emoji, control characters, surrogate-free code points
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),  # control characters only
)
messages = st.one_of(
    texts.map(lambda t: {"text": t}),
    st.sampled_from(STALE_CHOICES).map(lambda c: {"choice": c}),
    st.just({"location": Location(-3.3194, 114.5908)}),
    st.just({"location": Location(48.85, 2.35)}),
    st.just({"media": (Media("photo", "file-1", "image/jpeg", None),)}),
)
_addresses = itertools.count()


def check_reply_fits(reply) -> None:
    assert len(reply.text) <= MAX_REPLY_CHARS
    bodies = split_body(render(reply))
    assert len(bodies) <= MAX_REPLY_PARTS and all(len(b) <= BODY_LIMIT for b in bodies)
    assert len(split_text(reply.text)) <= MAX_REPLY_PARTS
    for n, choice in enumerate(reply.choices, start=1):
        assert len(callback_data(n, choice.id).encode()) <= CALLBACK_DATA_MAX


# Flows only the system starts (no command), with the answers their start gives them.
STARTED = {"checkin": {"date": "2026-11-23"}, "reject": {"number": "KJD-6371-2026-000001"},
           "rsvp": {"rakor_id": 0, "moved": False}, "agreement": {"agreement_id": 0, "days": 3},
           "rakor_move": {"rakor": "0"}, "rakor_cancel": {"rakor": "0"}}


def started_params(session, flow: str, officer) -> dict:
    """The answers the system starts a flow with, and the rows they name (a rakor, an agreement)."""
    from datetime import date, timedelta

    from storage import rakor as rakor_store

    params = dict(STARTED[flow])
    now = FROZEN_NOW
    if flow in ("rsvp", "agreement", "rakor_move", "rakor_cancel"):
        # Created by the officer: theirs to move or cancel (/rakor_ubah and /rakor_batal open these flows).
        meeting = rakor_store.add_rakor(session, office_id=officer.office_id, title="Rakor uji",
                                        starts_at=now + timedelta(days=2), now=now, invitee_ids=[officer.id],
                                        created_by=officer.id)
        params["rakor_id"] = meeting.id
    if flow in ("rakor_move", "rakor_cancel"):
        params = {"rakor": str(params.pop("rakor_id"))}
    if flow == "agreement":
        report = rakor_store.add_report(
            session, [{"text": "Patroli gabungan", "owner_officer_id": officer.id, "due_on": date(2026, 11, 26)}],
            number=f"RK-FUZZ-{officer.id}", office_id=officer.office_id, rakor_id=params.pop("rakor_id"),
            title="Rakor uji", held_on=date(2026, 11, 23), attendance=[], summary="Uji", reporter_id=officer.id,
            channel="console", created_at=now)
        session.flush()
        params["agreement_id"] = report.agreements[0].id
    return params


def check_state_valid(runner, address: str) -> None:
    with runner.sessions.begin() as session:
        row = conversations.get_conversation(session, "console", address)
        if row is None or row.flow is None:
            assert row is None or row.step is None
            return
        assert row.flow in handlers.FLOWS
        flow = handlers.FLOWS[row.flow]
        ids = {s.id for s in flow.steps}
        assert row.step in ids | {engine.REVIEW, engine.EDIT}
        state = State.load(row.flow, row.step, row.data, row.updated_at)
        assert set(state.answers) - set(STARTED.get(row.flow, {})) <= ids
        assert "\x00" not in str(row.data)
        identity_officer = None
        from storage import people
        identity = people.get_identity(session, "console", address)
        identity_officer = identity.officer if identity else None
        ctx = Ctx(session=session, now=runner.clock(), lang="id", channel="console", address=address,
                  officer=identity_officer)
        check_reply_fits(engine.reprompt(flow, state, ctx))  # the stored state can always be asked again


# Answers that carry each flow to its end, so hostile input is tried at every step (a flow not listed here
# is driven by the random messages alone).
PATHS = {
    "incident": ["1", "Banjarmasin Utara", "Kel. Sungai Jingah", "sekarang", "Sekitar 200 mahasiswa berunjuk rasa",
                 "Aliansi Mahasiswa", "200", "tinggi", "Koordinasi dengan Polresta", "lewati", "lewati", "ubah", "3",
                 "Pasar Baru", "kirim"],
    "profile": ["Budi Santoso"],
}


@pytest.mark.parametrize("flow", sorted(handlers.FLOWS))
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_every_flow_survives_hostile_input(runner, sessions, flow, data):
    address = f"fuzz-{next(_addresses)}"
    with sessions.begin() as s:
        officer = add_officer(s, address)
        officer_id = officer.id
        params = started_params(s, flow, officer) if not handlers.FLOWS[flow].commands else {}
    path = PATHS.get(flow) or data.draw(st.lists(texts, min_size=1, max_size=10))
    script: list[dict] = []
    if handlers.FLOWS[flow].commands:
        script.append({"text": "/" + handlers.FLOWS[flow].commands[0]})
    else:
        runner.start(officer_id, flow, params, key=f"fuzz:{address}")
    for answer in path:
        script += data.draw(st.lists(messages, max_size=2)) + [{"text": answer}]
    for message in script:
        replies = runner.run_turn(Inbound("console", address, **message))
        for reply in replies:
            check_reply_fits(reply)
        check_state_valid(runner, address)
