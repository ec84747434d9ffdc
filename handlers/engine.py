"""`step(flow, state, inbound, ctx)`: cancel, back, skip, re-ask, review/edit, expiry."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from handlers.flow import Flow, Step
from handlers.limits import excerpt
from handlers.parse import Invalid, match_choice
from handlers.parse import required_text as parse_required_text
from handlers.texts import t
from handlers.types import IDLE, Choice, Ctx, Inbound, Reply, State

REVIEW = "_review"
EDIT = "_edit"

CANCEL_WORDS = {"batal", "/batal", "cancel", "/cancel", "/stop"}
BACK_WORDS = {"kembali", "/kembali", "back", "/back"}
SKIP_WORDS = {"lewati", "/lewati", "skip", "/skip", "-"}
# The slash forms above, by command name.
ENGINE_COMMANDS = {w[1:] for w in CANCEL_WORDS | BACK_WORDS | SKIP_WORDS if w.startswith("/")}
# The review screen shows this much of each answer: enough to check it, short enough for one message.
REVIEW_ANSWER_CHARS = 200


def _word(inbound: Inbound) -> str:
    return (inbound.text or "").strip().casefold()


def is_cancel(inbound: Inbound) -> bool:
    """Tell whether a message asks to cancel."""
    return _word(inbound) in CANCEL_WORDS


def start(flow: Flow, ctx: Ctx, answers: dict[str, Any] | None = None) -> tuple[State, list[Reply]]:
    """Begin a flow at its first applicable step not already answered (a started flow brings answers)."""
    state = State(flow=flow.name, answers=dict(answers or {}), updated_at=ctx.now)
    return _advance(flow, state, None, ctx)


def known(flow: Flow, state: State) -> bool:
    """Tell whether a stored draft still fits the flow's definition (its step was not removed)."""
    return state.step in (REVIEW, EDIT) or any(s.id == state.step for s in flow.steps)


def expired(state: State, ctx: Ctx) -> bool:
    """Tell whether a draft has been idle longer than the draft lifetime."""
    return (
        state.flow is not None
        and state.updated_at is not None
        and ctx.now - state.updated_at > ctx.draft_ttl
    )


def step(flow: Flow, state: State, inbound: Inbound, ctx: Ctx) -> tuple[State, list[Reply]]:
    """Take one message inside a flow and return the new state and the replies."""
    word = _word(inbound)
    if word in CANCEL_WORDS:
        if state.step in (REVIEW, EDIT) and not state.confirm_cancel:
            # Every question is answered: one mistyped word must not throw it all away.
            asked = replace(state, confirm_cancel=True)
            return asked, [reprompt(flow, asked, ctx, lead=t("engine.cancel_confirm", ctx.lang))]
        return IDLE, [Reply(t("engine.cancelled", ctx.lang))]
    if state.confirm_cancel:
        state = replace(state, confirm_cancel=False)
    if word in BACK_WORDS and inbound.choice is None:
        return _back(flow, state, ctx)
    if state.step == REVIEW:
        return _review_answer(flow, state, inbound, ctx)
    if state.step == EDIT:
        return _edit_answer(flow, state, inbound, ctx)

    current = flow.step(state.step or "")
    try:
        if word in SKIP_WORDS and inbound.choice is None:
            if not current.optional:
                raise Invalid("error.not_optional")
            value, label = None, None
        elif inbound.location is not None and current.locate is not None:
            proposed = tuple(current.locate(inbound.location, ctx))
            lead = t(f"{flow.name}.{current.id}.located", ctx.lang, label=proposed[0].label)
            return replace(state, pending=proposed), [Reply(lead, choices=proposed)]
        else:
            outcome = _answer(current, state, inbound, ctx)
            if isinstance(outcome, tuple):
                return replace(state, pending=outcome), [Reply(t("engine.pick_one", ctx.lang), choices=outcome)]
            value, label = outcome.value, outcome.label
    except Invalid as invalid:
        hint = t(invalid.key, ctx.lang, **invalid.params)
        return state, [prompt(flow, current, state, ctx, lead=hint)]

    answers = {**state.answers, current.id: value}
    labels = {k: v for k, v in state.labels.items() if k != current.id}
    if label is not None:
        labels[current.id] = label
    if current.amend is not None and value is not None:
        for key, changed in current.amend(value, answers, ctx).items():
            answers[key], labels[key] = changed.id, changed.label
    return _advance(flow, replace(state, answers=answers, labels=labels), current, ctx)


@dataclass(frozen=True)
class _Answer:
    value: Any
    label: str | None = None

    @classmethod
    def of(cls, choice: Choice) -> _Answer:
        return cls(choice.id, choice.label)


def _answer(step_: Step, state: State, inbound: Inbound, ctx: Ctx) -> _Answer | tuple[Choice, ...]:
    """Return the answer, or several matches when a search needs narrowing."""
    if state.pending:
        picked = match_choice(inbound, state.pending)
        if picked is not None:
            return _Answer.of(picked)
        if inbound.choice is not None or (inbound.text or "").strip().isdigit():
            raise Invalid("error.choice")
    if step_.choices is not None or step_.answer_choices is not None:
        picked = match_choice(inbound, _choices(step_, state, ctx))
        if picked is None:
            raise Invalid("error.choice")
        return _Answer.of(picked)
    if step_.search is not None:
        found = tuple(step_.search(parse_required_text(inbound), ctx))
        if not found:
            raise Invalid("error.choice")
        return _Answer.of(found[0]) if len(found) == 1 else found
    assert step_.parse is not None, f"step {step_.id} has no parser, choices or search"
    return _Answer(step_.parse(inbound, ctx))


def _choices(step_: Step, state: State, ctx: Ctx) -> tuple[Choice, ...]:
    if step_.answer_choices is not None:
        return tuple(step_.answer_choices(state.answers, ctx))
    return tuple(step_.choices(ctx)) if step_.choices is not None else ()


def _applicable(flow: Flow, answers: dict, ctx: Ctx) -> list[Step]:
    return [s for s in flow.steps if flow.applies(s, answers, ctx)]


def _advance(flow: Flow, state: State, after: Step | None, ctx: Ctx) -> tuple[State, list[Reply]]:
    """Go to the next question: the next applicable one, or after an edit the first unanswered one."""
    steps = _applicable(flow, state.answers, ctx)
    if state.editing:
        following = [s for s in steps if s.id not in state.answers]
    elif after is None:
        following = [s for s in steps if s.id not in state.answers]
    else:
        ids = [s.id for s in flow.steps]
        following = [s for s in steps if ids.index(s.id) > ids.index(after.id)]
    if following:
        nxt = following[0]
        moved = state.at(nxt.id)
        return moved, [prompt(flow, nxt, moved, ctx)]
    if not flow.review:
        return IDLE, flow.submit(_clean(flow, state.answers, ctx), ctx)
    reviewed = state.at(REVIEW, editing=False)
    return reviewed, [review(flow, reviewed, ctx)]


def _clean(flow: Flow, answers: dict, ctx: Ctx) -> dict:
    """Drop answers of steps that an edit made inapplicable (a started flow's params are no step: kept)."""
    keep = {s.id for s in _applicable(flow, answers, ctx)}
    steps = {s.id for s in flow.steps}
    return {k: v for k, v in answers.items() if k in keep or k not in steps}


def _back(flow: Flow, state: State, ctx: Ctx) -> tuple[State, list[Reply]]:
    steps = _applicable(flow, state.answers, ctx)
    if state.step == EDIT:
        return state.at(REVIEW), [review(flow, state, ctx)]
    if state.step == REVIEW:
        target = steps[-1]
    else:
        ids = [s.id for s in steps]
        position = ids.index(state.step) if state.step in ids else 0
        if position == 0:
            current = flow.step(state.step or "")
            return state.at(current.id), [prompt(flow, current, state, ctx, lead=t("engine.at_first_step", ctx.lang))]
        target = steps[position - 1]
    moved = state.at(target.id, editing=False)
    return moved, [prompt(flow, target, moved, ctx)]


def _review_choices(ctx: Ctx) -> tuple[Choice, ...]:
    return (
        Choice("submit", t("engine.review.submit", ctx.lang)),
        Choice("edit", t("engine.review.edit", ctx.lang)),
        Choice("cancel", t("engine.review.cancel", ctx.lang)),
    )


def _review_answer(flow: Flow, state: State, inbound: Inbound, ctx: Ctx) -> tuple[State, list[Reply]]:
    picked = match_choice(inbound, _review_choices(ctx))
    if picked is None:
        return state, [review(flow, state, ctx, lead=t("error.choice", ctx.lang))]
    if picked.id == "cancel":
        return IDLE, [Reply(t("engine.cancelled", ctx.lang))]
    if picked.id == "edit":
        edit = state.at(EDIT)
        return edit, [Reply(t("engine.edit.ask", ctx.lang), choices=_field_choices(flow, state, ctx))]
    return IDLE, flow.submit(_clean(flow, state.answers, ctx), ctx)


def _field_choices(flow: Flow, state: State, ctx: Ctx) -> tuple[Choice, ...]:
    return tuple(
        Choice(s.id, t(f"{flow.name}.{s.id}.field", ctx.lang)) for s in _applicable(flow, state.answers, ctx)
    )


def _edit_answer(flow: Flow, state: State, inbound: Inbound, ctx: Ctx) -> tuple[State, list[Reply]]:
    fields = _field_choices(flow, state, ctx)
    picked = match_choice(inbound, fields)
    if picked is None:
        return state, [Reply(t("error.choice", ctx.lang) + "\n" + t("engine.edit.ask", ctx.lang), choices=fields)]
    target = flow.step(picked.id)
    answers = {k: v for k, v in state.answers.items() if k != target.id}
    moved = replace(state.at(target.id), answers=answers, editing=True)
    return moved, [prompt(flow, target, moved, ctx)]


def prompt(flow: Flow, step_: Step, state: State, ctx: Ctx, lead: str | None = None) -> Reply:
    """Ask a step's question, with its choices and, for optional steps, how to skip."""
    lines = [lead] if lead else []
    lines.append(t(f"{flow.name}.{step_.id}.ask", ctx.lang, zone=zone_name(ctx)))
    if step_.optional:
        lines.append(t("engine.optional_hint", ctx.lang))
    choices = state.pending or _choices(step_, state, ctx)
    return Reply("\n".join(lines), choices=choices, ask_location=step_.ask_location)


def show_answer(flow: Flow, step_: Step, state: State, ctx: Ctx) -> str:
    """Render one answer for the review screen."""
    value = state.answers.get(step_.id)
    if value is None:
        return t("engine.empty", ctx.lang)
    if step_.choices is not None or step_.answer_choices is not None:
        # A menu's label follows the reader's language now, not the one it was picked in.
        labels = {c.id: c.label for c in _choices(step_, state, ctx)}
        shown = labels.get(str(value)) or state.labels.get(step_.id) or str(value)
    elif step_.id in state.labels:
        shown = state.labels[step_.id]
    else:
        shown = step_.show(value, ctx) if step_.show else str(value)
    return excerpt(shown, REVIEW_ANSWER_CHARS)


def review(flow: Flow, state: State, ctx: Ctx, lead: str | None = None) -> Reply:
    """Show every answer and offer submit, edit or cancel."""
    lines = [lead] if lead else []
    lines.append(t("engine.review.title", ctx.lang))
    for s in _applicable(flow, state.answers, ctx):
        lines.append(f"- {t(f'{flow.name}.{s.id}.field', ctx.lang)}: {show_answer(flow, s, state, ctx)}")
    lines.append(t("engine.review.ask", ctx.lang))
    return Reply("\n".join(lines), choices=_review_choices(ctx))


def reprompt(flow: Flow, state: State, ctx: Ctx, lead: str | None = None) -> Reply:
    """Put the current question again (after a command or a restart)."""
    if state.step == REVIEW:
        return review(flow, state, ctx, lead=lead)
    if state.step == EDIT:
        text = "\n".join(filter(None, [lead, t("engine.edit.ask", ctx.lang)]))
        return Reply(text, choices=_field_choices(flow, state, ctx))
    return prompt(flow, flow.step(state.step or ""), state, ctx, lead=lead)


_ZONES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def zone_name(ctx: Ctx) -> str:
    """Return WIB, WITA or WIT for the sender's time zone."""
    return zone_abbreviation(ctx.tz.key)


def zone_abbreviation(tz: str) -> str:
    """Return WIB, WITA or WIT for an IANA zone (the zone itself when it is not Indonesian).

    >>> zone_abbreviation("Asia/Makassar")
    'WITA'
    """
    return _ZONES.get(tz, tz)
