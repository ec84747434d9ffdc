"""The engine's location proposal, answer-dependent choices and amending answers, on a toy flow, no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers import engine, parse
from handlers.flow import Flow, Step
from handlers.parse import Invalid
from handlers.types import Choice, Ctx, Inbound, Location, Proposal, Reply

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CITIES = {"bjm": "Banjarmasin", "bjb": "Banjarbaru"}


def find_city(query: str, ctx: Ctx) -> list[Choice]:
    return [Choice(code, name) for code, name in CITIES.items() if query.lower() in name.lower()]


def city_at(location: Location, ctx: Ctx) -> list[Choice] | Proposal:
    if location.latitude > 0:
        raise Invalid("incident.kecamatan.nowhere")
    if location.latitude < -4:
        return Proposal((Choice("bjm", "Banjarmasin"),), "incident.kecamatan.nearest", {"distance": 600})
    return [Choice("bjb", "Banjarbaru")] if location.longitude > 114.7 else [Choice("bjm", "Banjarmasin")]


def check_choices(answers: dict, ctx: Ctx) -> list[Choice]:
    return [Choice("keep", f"Tetap {CITIES[answers['kecamatan']]}"), Choice("bjb", "Ganti ke Banjarbaru")]


def amend(value: str, answers: dict, ctx: Ctx) -> dict[str, Choice]:
    return {} if value == "keep" else {"kecamatan": Choice(value, CITIES[value])}


TOY = Flow(
    name="incident", commands=("toy",),
    steps=(
        Step("kecamatan", search=find_city, locate=city_at),
        Step("location", parse=parse.location, optional=True),
        Step("kecamatan_check", answer_choices=check_choices, amend=amend,
             skip_if=lambda answers, ctx: answers.get("kecamatan") != "bjm" or not answers.get("location")),
    ),
    submit=lambda answers, ctx: [Reply(repr(sorted(answers.items())))],
)


@pytest.fixture
def ctx() -> Ctx:
    return Ctx(session=None, now=NOW, lang="id", channel="console", address="a")  # type: ignore[arg-type]


def step(state, ctx, text=None, **kw):
    return engine.step(TOY, state, Inbound("console", "a", text=text, **kw), ctx)


def test_a_location_at_a_search_step_proposes_a_choice_and_one_tap_takes_it(ctx):
    state, _ = engine.start(TOY, ctx)
    state, [reply] = step(state, ctx, location=Location(-3.3, 114.6))
    assert (state.step, reply.choices) == ("kecamatan", (Choice("bjm", "Banjarmasin"),))
    assert "Kecamatan Banjarmasin" in reply.text
    state, _ = step(state, ctx, choice="bjm")
    assert (state.step, state.answers["kecamatan"]) == ("location", "bjm")


def test_a_proposal_leads_with_its_own_sentence_and_one_tap_takes_it(ctx):
    state, _ = engine.start(TOY, ctx)
    state, [reply] = step(state, ctx, location=Location(-4.1, 114.6))
    assert "Kecamatan terdekat: Banjarmasin, sekitar 600 m" in reply.text
    state, _ = step(state, ctx, text="1")
    assert state.answers["kecamatan"] == "bjm"


def test_typing_a_name_after_a_proposal_searches_as_usual(ctx):
    state, _ = engine.start(TOY, ctx)
    state, _ = step(state, ctx, location=Location(-3.3, 114.6))
    state, _ = step(state, ctx, text="Banjarbaru")
    assert state.answers["kecamatan"] == "bjb"


def test_a_location_nowhere_is_refused_and_the_question_asked_again(ctx):
    state, _ = engine.start(TOY, ctx)
    again, [reply] = step(state, ctx, location=Location(1.0, 114.6))
    assert again == state and "di laut" in reply.text and "Di kecamatan mana?" in reply.text


def test_a_check_with_choices_from_earlier_answers_can_amend_an_earlier_answer(ctx):
    state, _ = engine.start(TOY, ctx)
    state, _ = step(state, ctx, text="Banjarmasin")
    state, [ask] = step(state, ctx, text="-3.3, 114.8")
    assert state.step == "kecamatan_check"
    assert [c.label for c in ask.choices] == ["Tetap Banjarmasin", "Ganti ke Banjarbaru"]
    state, [review] = step(state, ctx, text="2")
    assert state.answers["kecamatan"] == "bjb" and state.labels["kecamatan"] == "Banjarbaru"
    # Once amended the check no longer applies, so the review does not show it.
    assert "- Kecamatan: Banjarbaru" in review.text and "Tetap" not in review.text


def test_keeping_the_answer_leaves_it_and_shows_the_check_on_review(ctx):
    state, _ = engine.start(TOY, ctx)
    state, _ = step(state, ctx, text="Banjarmasin")
    state, _ = step(state, ctx, text="-3.3, 114.8")
    state, [review] = step(state, ctx, text="1")
    assert state.answers["kecamatan"] == "bjm" and "Tetap Banjarmasin" in review.text
