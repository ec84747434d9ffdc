"""Every engine behaviour on a 3-step toy flow, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers import engine, parse
from handlers.flow import Flow, Step
from handlers.parse import Invalid
from handlers.types import IDLE, Choice, Ctx, Inbound, Reply, State

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
submitted: list[dict] = []


def colours(ctx: Ctx) -> tuple[Choice, ...]:
    return (Choice("red", "Merah"), Choice("green", "Hijau"), Choice("blue", "Biru Laut"))


def find_city(query: str, ctx: Ctx) -> list[Choice]:
    cities = [Choice("bjm", "Banjarmasin"), Choice("bjb", "Banjarbaru"), Choice("ptk", "Pontianak")]
    found = [c for c in cities if query.lower() in c.label.lower()]
    if not found:
        raise Invalid("incident.kecamatan.none", query=query)
    return found


def submit(answers: dict, ctx: Ctx) -> list[Reply]:
    submitted.append(answers)
    return [Reply("saved")]


TOY = Flow(
    name="incident",  # borrows the incident texts for prompts and field names
    commands=("toy",),
    steps=(
        Step("category", choices=colours),
        Step("crowd_size", parse=parse.integer(max_value=1000), optional=True),
        Step("place", parse=parse.text(min_len=3), skip_if=lambda answers, ctx: answers.get("category") == "red"),
        Step("kecamatan", search=find_city),
    ),
    submit=submit,
)


@pytest.fixture
def ctx() -> Ctx:
    submitted.clear()
    return Ctx(session=None, now=NOW, lang="id", channel="console", address="a")  # type: ignore[arg-type]


def say(state: State, ctx: Ctx, text: str | None = None, **kw) -> tuple[State, list[Reply]]:
    return engine.step(TOY, state, Inbound("console", "a", text=text, **kw), ctx)


def run(ctx: Ctx, *inputs: str) -> tuple[State, list[Reply]]:
    state, replies = engine.start(TOY, ctx)
    for text in inputs:
        state, replies = say(state, ctx, text)
    return state, replies


def test_start_asks_the_first_step_with_its_choices(ctx):
    state, replies = engine.start(TOY, ctx)
    assert state.step == "category"
    assert [c.label for c in replies[0].choices] == ["Merah", "Hijau", "Biru Laut"]


@pytest.mark.parametrize("answer", ["2", "hijau", "HIJAU", "green", "hij"])
def test_a_choice_is_picked_by_number_label_id_or_unique_prefix(ctx, answer):
    state, _ = run(ctx, answer)
    assert state.answers["category"] == "green" and state.step == "crowd_size"


def test_a_button_payload_picks_by_id(ctx):
    state, _ = engine.start(TOY, ctx)
    state, _ = say(state, ctx, choice="blue")
    assert state.answers["category"] == "blue"


@pytest.mark.parametrize("answer", ["7", "0", "ungu", "bi"])
def test_an_unknown_choice_is_reasked_with_a_hint(ctx, answer):
    state, replies = run(ctx, answer)
    assert state.step == "category" and "category" not in state.answers
    assert replies[0].text.startswith("Pilihan tidak dikenali")
    assert len(replies[0].choices) == 3


def test_invalid_text_is_reasked_saying_what_is_wrong(ctx):
    state, replies = run(ctx, "2", "banyak sekali")
    assert state.step == "crowd_size"
    assert "Tulis sebuah angka" in replies[0].text and "Perkiraan jumlah massa" in replies[0].text
    state, replies = say(state, ctx, "5000")
    assert "antara 0 dan 1.000" in replies[0].text


def test_an_optional_step_can_be_skipped(ctx):
    state, replies = run(ctx, "2", "lewati")
    assert state.answers["crowd_size"] is None and state.step == "place"
    assert "lewati" not in replies[0].text  # place is not optional: no skip hint


def test_optional_steps_say_how_to_skip(ctx):
    _, replies = run(ctx, "2")
    assert "(boleh dilewati: ketik 'lewati')" in replies[0].text


def test_a_required_step_cannot_be_skipped(ctx):
    state, replies = run(ctx, "2", "10", "skip")
    assert state.step == "place" and "place" not in state.answers
    assert replies[0].text.startswith("Pertanyaan ini wajib dijawab.")


def test_skip_if_leaves_a_step_out(ctx):
    state, _ = run(ctx, "merah", "10")
    assert state.step == "kecamatan"


def test_cancel_anywhere_clears_the_draft(ctx):
    for word in ("batal", "/cancel", "BATAL", "cancel"):
        state, replies = run(ctx, "2", word)
        assert state == IDLE
        assert replies[0].text == "Dibatalkan. Draf tidak disimpan."


def test_back_returns_to_the_previous_applicable_step(ctx):
    state, replies = run(ctx, "2", "10", "kembali")
    assert state.step == "crowd_size"
    assert replies[0].text.startswith("Perkiraan jumlah massa")
    state, _ = run(ctx, "merah", "10", "back")  # place is skipped for red, so back from kecamatan
    assert state.step == "crowd_size"


def test_back_on_the_first_step_says_so(ctx):
    state, replies = run(ctx, "kembali")
    assert state.step == "category"
    assert replies[0].text.startswith("Ini sudah pertanyaan pertama.")


def test_after_going_back_the_flow_continues_in_order(ctx):
    state, _ = run(ctx, "2", "10", "Pasar", "kembali", "kembali", "20")
    assert state.step == "place" and state.answers["crowd_size"] == 20


def test_a_search_with_one_match_is_taken(ctx):
    state, _ = run(ctx, "2", "1", "Pasar", "ponti")
    assert state.answers["kecamatan"] == "ptk" and state.labels["kecamatan"] == "Pontianak"
    assert state.step == engine.REVIEW


def test_a_search_with_several_matches_offers_a_numbered_list(ctx):
    state, replies = run(ctx, "2", "1", "Pasar", "banjar")
    assert state.step == "kecamatan" and [c.id for c in state.pending] == ["bjm", "bjb"]
    assert replies[0].text.startswith("Ada beberapa yang cocok")
    state, _ = say(state, ctx, "2")
    assert state.answers["kecamatan"] == "bjb" and state.pending == ()


def test_a_pending_list_accepts_a_new_search(ctx):
    state, _ = run(ctx, "2", "1", "Pasar", "banjar", "pontia")
    assert state.answers["kecamatan"] == "ptk"


def test_a_wrong_number_for_a_pending_list_is_reasked_with_the_list(ctx):
    state, replies = run(ctx, "2", "1", "Pasar", "banjar", "9")
    assert state.step == "kecamatan" and len(replies[0].choices) == 2
    assert replies[0].text.startswith("Pilihan tidak dikenali")


def test_a_search_without_match_is_reasked(ctx):
    state, replies = run(ctx, "2", "1", "Pasar", "sambas")
    assert state.step == "kecamatan"
    assert "cocok dengan \"sambas\"" in replies[0].text


def test_review_lists_every_answer_and_offers_submit_edit_cancel(ctx):
    state, replies = run(ctx, "2", "lewati", "Pasar Lama", "ponti")
    text = replies[0].text
    assert state.step == engine.REVIEW
    assert "- Kategori: Hijau" in text and "- Jumlah massa: -" in text
    assert "- Tempat: Pasar Lama" in text and "- Kecamatan: Pontianak" in text
    assert [c.id for c in replies[0].choices] == ["submit", "edit", "cancel"]


def test_submit_hands_the_answers_to_the_flow(ctx):
    state, replies = run(ctx, "2", "12", "Pasar Lama", "ponti", "kirim")
    assert state == IDLE and replies == [Reply("saved")]
    assert submitted == [{"category": "green", "crowd_size": 12, "place": "Pasar Lama", "kecamatan": "ptk"}]


def test_edit_by_field_changes_one_answer_and_returns_to_review(ctx):
    state, replies = run(ctx, "2", "12", "Pasar Lama", "ponti", "ubah")
    assert state.step == engine.EDIT
    assert [c.id for c in replies[0].choices] == ["category", "crowd_size", "place", "kecamatan"]
    state, replies = say(state, ctx, "Jumlah massa")
    assert state.step == "crowd_size"
    state, replies = say(state, ctx, "40")
    assert state.step == engine.REVIEW and "- Jumlah massa: 40" in replies[0].text


def test_an_edit_that_makes_a_step_apply_asks_it_before_review(ctx):
    state, _ = run(ctx, "merah", "12", "ponti", "ubah", "1", "hijau")
    assert state.step == "place"
    state, replies = say(state, ctx, "Pasar Baru")
    assert state.step == engine.REVIEW and "- Tempat: Pasar Baru" in replies[0].text


def test_an_edit_that_makes_a_step_inapplicable_drops_its_answer(ctx):
    state, _ = run(ctx, "hijau", "12", "Pasar", "ponti", "ubah", "1", "merah", "kirim")
    assert "place" not in submitted[-1]


def test_back_from_review_goes_to_the_last_step_and_from_edit_to_review(ctx):
    state, _ = run(ctx, "2", "12", "Pasar Lama", "ponti", "kembali")
    assert state.step == "kecamatan"
    state, _ = run(ctx, "2", "12", "Pasar Lama", "ponti", "ubah", "kembali")
    assert state.step == engine.REVIEW


def test_an_unclear_review_answer_shows_the_review_again(ctx):
    state, replies = run(ctx, "2", "12", "Pasar Lama", "ponti", "mungkin")
    assert state.step == engine.REVIEW
    assert replies[0].text.startswith("Pilihan tidak dikenali") and "- Tempat: Pasar Lama" in replies[0].text


def test_cancel_from_review_discards(ctx):
    state, _ = run(ctx, "2", "12", "Pasar Lama", "ponti", "3")
    assert state == IDLE and submitted == []


def test_a_draft_expires_after_its_lifetime(ctx):
    fresh = State(flow="incident", step="place", updated_at=NOW - timedelta(hours=23))
    stale = State(flow="incident", step="place", updated_at=NOW - timedelta(hours=25))
    assert not engine.expired(fresh, ctx)
    assert engine.expired(stale, ctx)
    assert not engine.expired(IDLE, ctx)


def test_state_survives_its_stored_form(ctx):
    state, _ = run(ctx, "2", "12", "Pasar Lama", "banjar")
    stored = State.load(state.flow, state.step, state.data(), state.updated_at)
    assert stored == state


def test_english_prompts_follow_the_language(ctx):
    from dataclasses import replace

    state, replies = engine.start(TOY, replace(ctx, lang="en"))
    assert replies[0].text == "What kind of incident?"
