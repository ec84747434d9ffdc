"""Multi-select and repeating-group steps on a toy flow: wrong answers, kembali, batal, restart, edit, remove."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers import engine, parse
from handlers.flow import Flow, Step
from handlers.texts import CATALOGUE
from handlers.types import IDLE, Choice, Ctx, Inbound, Reply, State

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
submitted: list[dict] = []

TOY_TEXTS = {
    "toy.title.ask": "Judul?",
    "toy.title.field": "Judul",
    "toy.present.ask": "Siapa hadir?",
    "toy.present.field": "Hadir",
    "toy.items.text.ask": "Butir {n}: isinya?",
    "toy.items.owner.ask": "Butir {n}: siapa?",
    "toy.items.note.ask": "Butir {n}: catatan?",
    "toy.items.field": "Butir",
    "toy.items.more": "Sudah {count} butir. Tambah lagi?",
    "toy.items.saved": "Butir {n} dicatat.",
    "toy.items.removed": "Butir {n} dihapus.",
    "toy.closing.ask": "Penutup?",
    "toy.closing.field": "Penutup",
}


def institutions(ctx: Ctx) -> tuple[Choice, ...]:
    return (Choice("kpu", "KPU"), Choice("bawaslu", "Bawaslu"), Choice("tni", "TNI"), Choice("polri", "Polri"))


def owners(ctx: Ctx) -> tuple[Choice, ...]:
    return (Choice("kesbangpol", "Kesbangpol"), Choice("kpu", "KPU"))


def submit(answers: dict, ctx: Ctx) -> list[Reply]:
    submitted.append(answers)
    return [Reply("saved")]


TOY = Flow(
    name="toy",
    commands=("toy",),
    steps=(
        Step("title", parse=parse.text(min_len=3)),
        Step("present", choices=institutions, multi=True, other=True),
        Step("items", optional=True, max_items=3, group=(
            Step("text", parse=parse.text(min_len=5)),
            Step("owner", choices=owners),
            Step("note", parse=parse.text(min_len=2), optional=True,
                 skip_if=lambda item, ctx: item.get("owner") == "kpu"),
        )),
        Step("closing", parse=parse.text(min_len=2)),
    ),
    submit=submit,
)


@pytest.fixture
def ctx(monkeypatch) -> Ctx:
    submitted.clear()
    for key, text in TOY_TEXTS.items():
        monkeypatch.setitem(CATALOGUE, key, {"id": text, "en": text})
    return Ctx(session=None, now=NOW, lang="id", channel="console", address="a")  # type: ignore[arg-type]


def restart(state: State) -> State:
    """What a restart does: the state goes through its stored form."""
    return State.load(state.flow, state.step, state.data(), state.updated_at)


def run(ctx: Ctx, *inputs: str | dict, state: State | None = None) -> tuple[State, list[Reply]]:
    replies: list[Reply] = []
    if state is None:
        state, replies = engine.start(TOY, ctx)
    for item in inputs:
        inbound = Inbound("console", "a", **item) if isinstance(item, dict) else Inbound("console", "a", text=item)
        state, replies = engine.step(TOY, state, inbound, ctx)
    return state, replies


def at_items(ctx: Ctx) -> State:
    state, _ = run(ctx, "Rakor pilkada", "1, 2")
    return state


# -- multi-select ---------------------------------------------------------------------------------------


def test_a_typed_list_of_numbers_is_the_whole_multi_select_answer(ctx):
    state, replies = run(ctx, "Rakor pilkada", "1, 3")
    assert state.answers["present"] == ["kpu", "tni"]
    assert state.step == "items" and replies[0].text.startswith("Butir 1: isinya?")


@pytest.mark.parametrize("typed, expected", [
    ("1 3 4", ["kpu", "tni", "polri"]),
    ("KPU dan Polri", ["kpu", "polri"]),
    ("baw; 1; 1", ["bawaslu", "kpu"]),
    ("2, Satpol PP", ["bawaslu", "Satpol PP"]),
])
def test_a_multi_select_reads_numbers_names_prefixes_and_other_names(ctx, typed, expected):
    state, _ = run(ctx, "Rakor pilkada", typed)
    assert state.answers["present"] == expected


@pytest.mark.parametrize("typed, hint", [("1, 9", '"9" tidak ada di daftar'), ("selesai", "Pilih sedikitnya satu")])
def test_a_wrong_multi_select_answer_is_reasked_with_a_hint_and_the_list(ctx, typed, hint):
    state, replies = run(ctx, "Rakor pilkada", typed)
    assert state.step == "present" and "present" not in state.answers
    assert hint in replies[0].text and "Siapa hadir?" in replies[0].text
    assert [c.id for c in replies[0].choices] == ["kpu", "bawaslu", "tni", "polri", engine.DONE]


def test_taps_toggle_choices_with_a_tick_until_done(ctx):
    state, replies = run(ctx, "Rakor pilkada", {"choice": "tni"}, {"choice": "kpu"}, {"choice": "tni"},
                         {"choice": "bawaslu"})
    assert state.step == "present"
    assert [c.label for c in replies[0].choices][:3] == ["✓ KPU", "✓ Bawaslu", "TNI"]
    assert "Terpilih: KPU, Bawaslu" in replies[0].text
    state, _ = run(ctx, {"choice": engine.DONE}, state=state)
    assert state.answers["present"] == ["kpu", "bawaslu"] and state.step == "items"


def test_typing_done_after_taps_keeps_the_tapped_choices_across_a_restart(ctx):
    state, _ = run(ctx, "Rakor pilkada", {"choice": "polri"})
    state, _ = run(ctx, "selesai", state=restart(state))
    assert state.answers["present"] == ["polri"]


def test_kembali_from_a_multi_select_returns_to_the_previous_step(ctx):
    state, replies = run(ctx, "Rakor pilkada", {"choice": "kpu"}, "kembali")
    assert state.step == "title" and replies[0].text.startswith("Judul?")


def test_kembali_into_a_multi_select_shows_the_earlier_selection(ctx):
    state, replies = run(ctx, "Rakor pilkada", "1, 2", "kembali")
    assert state.step == "present" and "Terpilih: KPU, Bawaslu" in replies[0].text


def test_batal_inside_a_multi_select_discards_the_draft(ctx):
    state, replies = run(ctx, "Rakor pilkada", {"choice": "kpu"}, "batal")
    assert state == IDLE and "Dibatalkan" in replies[0].text


def test_the_review_lists_multi_select_labels_and_other_names(ctx):
    state, replies = run(ctx, "Rakor pilkada", "1, Satpol PP", "lewati", "Sekian")
    assert "- Hadir: KPU, Satpol PP" in replies[0].text


# -- repeating group ------------------------------------------------------------------------------------


def test_a_group_asks_its_steps_per_item_then_add_another_or_done(ctx):
    state, replies = run(ctx, "Rakor pilkada", "1, 2", "Patroli bersama di TPS", "1", "Mulai minggu depan")
    assert state.scratch == {"sub": engine.MORE}
    assert replies[0].text == "Butir 1 dicatat.\nSudah 1 butir. Tambah lagi?"
    state, replies = run(ctx, "tambah lagi", "Rapat evaluasi", "KPU", state=state)
    # The note step does not apply when KPU owns the item.
    assert replies[0].text.startswith("Butir 2 dicatat.")
    state, replies = run(ctx, "selesai", "Sekian", state=state)
    assert state.step == engine.REVIEW
    assert state.answers["items"] == [
        {"text": "Patroli bersama di TPS", "owner": "kesbangpol", "note": "Mulai minggu depan"},
        {"text": "Rapat evaluasi", "owner": "kpu"},
    ]
    assert "- Butir:\n  1. Patroli bersama di TPS | Kesbangpol | Mulai minggu depan\n  2. Rapat evaluasi | KPU" \
        in replies[0].text


def test_a_wrong_answer_inside_a_group_is_reasked_with_the_item_number(ctx):
    state, replies = run(ctx, "Tdk", state=at_items(ctx))
    assert replies[0].text.startswith("Terlalu singkat") and "Butir 1: isinya?" in replies[0].text
    state, replies = run(ctx, "Patroli bersama", "9", state=state)
    assert state.scratch["sub"] == "owner" and "Pilihan tidak dikenali" in replies[0].text


def test_an_optional_step_inside_a_group_can_be_skipped(ctx):
    state, _ = run(ctx, "Patroli bersama", "1", "lewati", state=at_items(ctx))
    assert state.answers["items"] == [{"text": "Patroli bersama", "owner": "kesbangpol", "note": None}]


def test_an_optional_group_is_skipped_at_its_first_question(ctx):
    state, replies = engine.start(TOY, ctx)
    state, replies = run(ctx, "Rakor pilkada", "1", state=state)
    assert "lewati" in replies[0].text
    state, replies = run(ctx, "lewati", state=state)
    assert state.answers["items"] == [] and state.step == "closing"


def test_a_group_stops_asking_at_its_maximum(ctx):
    state = at_items(ctx)
    for n in range(3):
        state, _ = run(ctx, f"Kesepakatan nomor {n}", "2", state=state)
        if n < 2:
            state, _ = run(ctx, "tambah lagi", state=state)
    assert len(state.answers["items"]) == 3 and state.step == "closing"


def test_kembali_walks_back_inside_an_item_then_to_add_another(ctx):
    state, _ = run(ctx, "Patroli bersama", "KPU", "tambah lagi", "Rapat evaluasi", state=at_items(ctx))
    state, replies = run(ctx, "kembali", state=state)
    assert state.scratch["sub"] == "text" and replies[0].text.startswith("Butir 2: isinya?")
    state, replies = run(ctx, "kembali", state=state)
    assert state.scratch == {"sub": engine.MORE} and len(state.answers["items"]) == 1
    # From "add another", kembali reopens the last item at its last question.
    state, replies = run(ctx, "kembali", state=state)
    assert state.scratch["sub"] == "owner" and state.scratch["index"] == 0
    state, _ = run(ctx, "Kesbangpol", "Segera", state=state)
    assert state.answers["items"] == [{"text": "Patroli bersama", "owner": "kesbangpol", "note": "Segera"}]


def test_kembali_at_the_first_item_leaves_the_group_for_the_previous_step(ctx):
    state, replies = run(ctx, "kembali", state=at_items(ctx))
    assert state.step == "present" and state.scratch == {"selected": ["kpu", "bawaslu"]}


def test_kembali_from_the_step_after_a_group_offers_add_another(ctx):
    state, _ = run(ctx, "Patroli bersama", "KPU", "selesai", state=at_items(ctx))
    assert state.step == "closing"
    state, replies = run(ctx, "kembali", state=state)
    assert state.step == "items" and state.scratch == {"sub": engine.MORE}


def test_batal_inside_a_group_discards_the_whole_draft(ctx):
    state, replies = run(ctx, "Patroli bersama", "batal", state=at_items(ctx))
    assert state == IDLE and submitted == []


def test_a_restart_in_the_middle_of_an_item_continues_it(ctx):
    state, _ = run(ctx, "Patroli bersama", "KPU", "tambah lagi", "Rapat evaluasi", state=at_items(ctx))
    state = restart(state)
    assert engine.reprompt(TOY, state, ctx).text.startswith("Butir 2: siapa?")
    state, _ = run(ctx, "1", "Catatan", "selesai", "Sekian", "kirim", state=state)
    assert submitted[0]["items"][1] == {"text": "Rapat evaluasi", "owner": "kesbangpol", "note": "Catatan"}


def test_a_restart_at_add_another_asks_it_again(ctx):
    state, _ = run(ctx, "Patroli bersama", "KPU", state=at_items(ctx))
    state = restart(state)
    reply = engine.reprompt(TOY, state, ctx, lead="(lanjut)")
    assert reply.text == "(lanjut)\nSudah 1 butir. Tambah lagi?"
    assert [c.id for c in reply.choices] == ["add", "done"]


def _reviewed_with_three(ctx: Ctx) -> State:
    state, _ = run(ctx, "Satu satu", "KPU", "tambah", "Dua dua", "KPU", "tambah", "Tiga tiga", "KPU",
                   "Sekian", state=at_items(ctx))
    assert state.step == engine.REVIEW
    return state


def test_the_review_edits_one_item_of_a_group_and_returns_to_its_menu(ctx):
    state, replies = run(ctx, "ubah", "butir", state=_reviewed_with_three(ctx))
    assert state.scratch == {"sub": engine.MENU}
    assert "  2. Dua dua | KPU" in replies[0].text
    assert [c.label for c in replies[0].choices][:2] == ["Ubah 1", "Hapus 1"]
    state, replies = run(ctx, "ubah 2", state=state)
    assert replies[0].text.startswith("Isian sekarang: Dua dua | KPU\nButir 2: isinya?")
    state, replies = run(ctx, "Dua diganti", "Kesbangpol", "lewati", state=state)
    assert replies[0].text.startswith("Butir 2 dicatat.\nButir:")
    state, replies = run(ctx, "kembali ke ringkasan", state=state)
    assert state.step == engine.REVIEW
    assert [i["text"] for i in state.answers["items"]] == ["Satu satu", "Dua diganti", "Tiga tiga"]


def test_the_review_removes_an_item_and_renumbers_the_rest(ctx):
    state, replies = run(ctx, "ubah", "butir", "hapus 1", state=_reviewed_with_three(ctx))
    assert replies[0].text.startswith("Butir 1 dihapus.")
    assert "  1. Dua dua | KPU\n  2. Tiga tiga | KPU" in replies[0].text
    state, _ = run(ctx, "kembali ke ringkasan", "kirim", state=state)
    assert [i["text"] for i in submitted[0]["items"]] == ["Dua dua", "Tiga tiga"]


def test_the_review_menu_adds_an_item_and_kembali_there_returns_to_the_review(ctx):
    state, _ = run(ctx, "ubah", "butir", "tambah", "Empat empat", "KPU", state=_reviewed_with_three(ctx))
    assert state.scratch == {"sub": engine.MENU} and len(state.answers["items"]) == 4
    state, replies = run(ctx, "kembali", state=state)
    assert state.step == engine.REVIEW and "  4. Empat empat | KPU" in replies[0].text


def test_kembali_at_the_first_question_of_an_edited_item_returns_to_the_menu(ctx):
    state, replies = run(ctx, "ubah", "butir", "ubah 3", "kembali", state=_reviewed_with_three(ctx))
    assert state.scratch == {"sub": engine.MENU}
    assert [i["text"] for i in state.answers["items"]] == ["Satu satu", "Dua dua", "Tiga tiga"]


def test_a_wrong_menu_answer_shows_the_menu_again(ctx):
    state, replies = run(ctx, "ubah", "butir", "hapus 9", state=_reviewed_with_three(ctx))
    assert state.scratch == {"sub": engine.MENU} and replies[0].text.startswith("Pilihan tidak dikenali")


def test_a_restart_inside_the_review_menu_continues_there(ctx):
    state, _ = run(ctx, "ubah", "butir", state=_reviewed_with_three(ctx))
    state, replies = run(ctx, "hapus 2", state=restart(state))
    assert len(state.answers["items"]) == 2


def test_answers_given_at_start_reach_submit(ctx):
    state, _ = engine.start(TOY, ctx, answers={"rakor_id": 7})
    state, _ = run(ctx, "Judul rapat", "1", "lewati", "Sekian", "kirim", state=state)
    assert submitted[0]["rakor_id"] == 7
