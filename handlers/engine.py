"""`step(flow, state, inbound, ctx)`: cancel, back, skip, re-ask, review/edit, expiry."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from handlers.flow import Flow, Step
from handlers.limits import excerpt
from handlers.localtime import zone_name
from handlers.parse import Invalid, match_choice, split_items
from handlers.parse import required_text as parse_required_text
from handlers.texts import t
from handlers.types import IDLE, Choice, Ctx, Inbound, Proposal, Reply, State

REVIEW = "_review"
EDIT = "_edit"
# Inside a repeating group: "add another or done?", and the review's per-item edit menu.
MORE = "_more"
MENU = "_menu"
# A multi-select's "done" button.
DONE = "_done"

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
    if current.group:
        return _group_step(flow, current, state, inbound, ctx)
    if current.multi:
        return _multi_step(flow, current, state, inbound, ctx)
    try:
        if word in SKIP_WORDS and inbound.choice is None:
            if not current.optional:
                raise Invalid("error.not_optional")
            value, label = None, None
        elif inbound.location is not None and current.locate is not None:
            found = current.locate(inbound.location, ctx)
            if not isinstance(found, Proposal):
                found = Proposal(tuple(found), f"{flow.name}.{current.id}.located")
            lead = t(found.lead, ctx.lang, label=found.choices[0].label, **found.params)
            return replace(state, pending=found.choices), [Reply(lead, choices=found.choices)]
        else:
            outcome = _answer(current, state, inbound, ctx)
            if isinstance(outcome, tuple):
                return replace(state, pending=outcome), [Reply(t("engine.pick_one", ctx.lang), choices=outcome)]
            value, label = outcome.value, outcome.label
    except Invalid as invalid:
        hint = t(invalid.key, ctx.lang, **invalid.params)
        return state, [prompt(flow, current, state, ctx, lead=hint)]
    return _store(flow, state, current, value, label, ctx)


def _store(flow: Flow, state: State, current: Step, value: Any, label: str | None,
           ctx: Ctx) -> tuple[State, list[Reply]]:
    """Keep a step's answer and go on."""
    answers = {**state.answers, current.id: value}
    labels = {k: v for k, v in state.labels.items() if k != current.id}
    if label is not None:
        labels[current.id] = label
    if current.amend is not None and value is not None:
        for key, changed in current.amend(value, answers, ctx).items():
            answers[key], labels[key] = changed.id, changed.label
    return _advance(flow, replace(state, answers=answers, labels=labels, scratch={}), current, ctx)


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
    # The first step that applies, judged lazily: an ordinary answer looks only at the steps after it.
    if state.editing or after is None:
        candidates = (s for s in flow.steps if s.id not in state.answers)
    else:
        position = next(n for n, s in enumerate(flow.steps) if s.id == after.id)
        candidates = iter(flow.steps[position + 1:])
    following = next((s for s in candidates if flow.applies(s, state.answers, ctx)), None)
    if following is not None:
        return _enter(flow, following, state.at(following.id), ctx)
    if not flow.review:
        return IDLE, flow.submit(_clean(flow, state.answers, ctx), ctx)
    reviewed = state.at(REVIEW, editing=False)
    return reviewed, [review(flow, reviewed, ctx)]


def _clean(flow: Flow, answers: dict, ctx: Ctx) -> dict:
    """Drop answers of steps that an edit made inapplicable (answers given at start are kept)."""
    keep = {s.id for s in _applicable(flow, answers, ctx)}
    steps = {s.id for s in flow.steps}
    return {k: v for k, v in answers.items() if k in keep or k not in steps}


def _enter(flow: Flow, step_: Step, state: State, ctx: Ctx) -> tuple[State, list[Reply]]:
    """Arrive at a step (its scratch already cleared) and ask it."""
    if step_.group:
        items = state.answers.get(step_.id) or []
        if items:
            moved = replace(state, scratch={"sub": MORE})
            return moved, [_more_prompt(flow, step_, moved, ctx)]
        moved = replace(state, scratch={"sub": step_.group[0].id, "index": 0, "item": {}})
        return moved, [_sub_prompt(flow, step_, step_.group[0], moved, ctx)]
    if step_.multi:
        moved = replace(state, scratch={"selected": list(state.answers.get(step_.id) or [])})
        return moved, [prompt(flow, step_, moved, ctx)]
    return state, [prompt(flow, step_, state, ctx)]


def _back(flow: Flow, state: State, ctx: Ctx) -> tuple[State, list[Reply]]:
    steps = _applicable(flow, state.answers, ctx)
    if state.step == EDIT:
        return state.at(REVIEW), [review(flow, state, ctx)]
    if state.step == REVIEW:
        target = steps[-1]
    else:
        current = flow.step(state.step or "")
        if current.group:
            inside = _group_back(flow, current, state, ctx)
            if inside is not None:
                return inside
        ids = [s.id for s in steps]
        position = ids.index(state.step) if state.step in ids else 0
        if position == 0:
            return state, [reprompt(flow, state, ctx, lead=t("engine.at_first_step", ctx.lang))]
        target = steps[position - 1]
    return _enter(flow, target, state.at(target.id, editing=False), ctx)


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
    if target.group:
        moved = state.at(target.id, editing=True, scratch={"sub": MENU})
        return moved, [_menu(flow, target, moved, ctx)]
    answers = {k: v for k, v in state.answers.items() if k != target.id}
    return _enter(flow, target, state.at(target.id, answers=answers, editing=True), ctx)


def prompt(flow: Flow, step_: Step, state: State, ctx: Ctx, lead: str | None = None) -> Reply:
    """Ask a step's question, with its choices and, for optional steps, how to skip."""
    lines = [lead] if lead else []
    params = step_.prompt_params(state.answers, ctx) if step_.prompt_params else {}
    lines.append(t(f"{flow.name}.{step_.id}.ask", ctx.lang, **{"zone": zone_name(ctx), **params}))
    if step_.multi:
        return _multi_prompt(step_, state, ctx, lines)
    if step_.optional:
        lines.append(t("engine.optional_hint", ctx.lang))
    choices = state.pending or _choices(step_, state, ctx)
    return Reply("\n".join(lines), choices=choices, ask_location=step_.ask_location)


def show_answer(flow: Flow, step_: Step, state: State, ctx: Ctx) -> str:
    """Render one answer for the review screen."""
    value = state.answers.get(step_.id)
    if value is None or value == []:
        return t("engine.empty", ctx.lang)
    if step_.answer_choices is not None or (step_.choices is not None and not step_.multi):
        # A menu's label follows the reader's language now, not the one it was picked in.
        labels = {c.id: c.label for c in _choices(step_, state, ctx)}
        shown = labels.get(str(value)) or state.labels.get(step_.id) or str(value)
    elif step_.id in state.labels:
        shown = state.labels[step_.id]
    else:
        shown = show_value(step_, value, ctx)
    return excerpt(shown, REVIEW_ANSWER_CHARS)


def show_value(step_: Step, value: Any, ctx: Ctx) -> str:
    """Render a value of a step: its choice label(s), its `show`, or the value itself."""
    if value is None or value == []:
        return t("engine.empty", ctx.lang)
    if step_.show is not None:
        return step_.show(value, ctx)
    if step_.choices is not None:
        labels = {c.id: c.label for c in step_.choices(ctx)}
        if step_.multi:
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), str(value))
    return str(value)


def review(flow: Flow, state: State, ctx: Ctx, lead: str | None = None) -> Reply:
    """Show every answer and offer submit, edit or cancel."""
    lines = [lead] if lead else []
    lines.append(t("engine.review.title", ctx.lang))
    for s in _applicable(flow, state.answers, ctx):
        if s.group:
            lines.append(f"- {t(f'{flow.name}.{s.id}.field', ctx.lang)}:")
            lines.extend(_item_lines(flow, s, state, ctx) or [f"  {t('engine.empty', ctx.lang)}"])
            continue
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
    current = flow.step(state.step or "")
    if current.group:
        return _group_prompt(flow, current, state, ctx, lead=lead)
    return prompt(flow, current, state, ctx, lead=lead)


# -- multi-select: several choices in one answer ------------------------------------------------------

def _multi_prompt(step_: Step, state: State, ctx: Ctx, lines: list[str]) -> Reply:
    base = tuple(step_.choices(ctx)) if step_.choices else ()
    selected = state.scratch.get("selected", [])
    lines.append(t("engine.multi.hint", ctx.lang))
    if step_.other:
        lines.append(t("engine.multi.other_hint", ctx.lang))
    if step_.optional:
        lines.append(t("engine.optional_hint", ctx.lang))
    if selected:
        lines.append(t("engine.multi.selected", ctx.lang, items=show_value(step_, selected, ctx)))
    # A tick on the buttons shows what a tap has selected so far.
    choices = tuple(Choice(c.id, ("✓ " if c.id in selected else "") + c.label) for c in base)
    return Reply("\n".join(lines), choices=choices + (Choice(DONE, t("engine.multi.done", ctx.lang)),))


def _multi_step(flow: Flow, current: Step, state: State, inbound: Inbound, ctx: Ctx) -> tuple[State, list[Reply]]:
    """A tap toggles one choice (then done); a typed list is the whole answer at once."""
    base = tuple(current.choices(ctx)) if current.choices else ()
    selected = list(state.scratch.get("selected", []))
    try:
        if inbound.choice is not None:
            if inbound.choice != DONE:
                if inbound.choice not in {c.id for c in base}:
                    raise Invalid("error.choice")
                if inbound.choice in selected:
                    selected.remove(inbound.choice)
                else:
                    selected.append(inbound.choice)
                toggled = replace(state, scratch={"selected": selected})
                return toggled, [prompt(flow, current, toggled, ctx)]
            values = selected
        elif _word(inbound) in SKIP_WORDS:
            if not current.optional:
                raise Invalid("error.not_optional")
            return _store(flow, state, current, None, None, ctx)
        else:
            items = split_items(parse_required_text(inbound))
            done_label = t("engine.multi.done", ctx.lang).casefold()
            if len(items) == 1 and items[0].casefold() in {done_label, str(len(base) + 1)}:
                values = selected
            else:
                values = _multi_values(current, base, items)
        if not values:
            raise Invalid("error.multi_empty")
    except Invalid as invalid:
        hint = t(invalid.key, ctx.lang, **invalid.params)
        return state, [prompt(flow, current, state, ctx, lead=hint)]
    return _store(flow, state, current, values, None, ctx)


def _multi_values(current: Step, base: tuple[Choice, ...], items: list[str]) -> list[str]:
    values: list[str] = []
    for item in items:
        picked = match_choice(Inbound("", "", text=item), base)
        if picked is not None:
            value = picked.id
        elif current.other and not item.isdigit() and len(item) >= 2:
            value = item
        else:
            raise Invalid("error.multi_choice", item=item)
        if value not in values:
            values.append(value)
    return values


# -- repeating group: the same few steps once per item, then done -------------------------------------


def _subs(group: Step, item: dict, ctx: Ctx) -> list[Step]:
    return [s for s in group.group if s.skip_if is None or not s.skip_if(item, ctx)]


def _sub_prompt(flow: Flow, group: Step, sub: Step, state: State, ctx: Ctx, lead: str | None = None) -> Reply:
    sc = state.scratch
    lines = [lead] if lead else []
    lines.append(t(f"{flow.name}.{group.id}.{sub.id}.ask", ctx.lang, n=sc["index"] + 1, zone=zone_name(ctx)))
    items = state.answers.get(group.id) or []
    if sub.optional:
        lines.append(t("engine.optional_hint", ctx.lang))
    elif group.optional and not items and sc.get("index") == 0 and sub.id == group.group[0].id:
        lines.append(t("engine.group.skip_hint", ctx.lang))
    choices = state.pending or (tuple(sub.choices(ctx)) if sub.choices else ())
    return Reply("\n".join(lines), choices=choices, ask_location=sub.ask_location)


def _more_choices(ctx: Ctx) -> tuple[Choice, ...]:
    return (Choice("add", t("engine.group.add", ctx.lang)), Choice("done", t("engine.group.done", ctx.lang)))


def _more_prompt(flow: Flow, group: Step, state: State, ctx: Ctx, lead: str | None = None) -> Reply:
    lines = [lead] if lead else []
    lines.append(t(f"{flow.name}.{group.id}.more", ctx.lang, count=len(state.answers.get(group.id) or [])))
    return Reply("\n".join(lines), choices=_more_choices(ctx))


def _item_lines(flow: Flow, group: Step, state: State, ctx: Ctx) -> list[str]:
    lines = []
    for number, item in enumerate(state.answers.get(group.id) or [], start=1):
        shown = " | ".join(show_value(s, item.get(s.id), ctx) for s in _subs(group, item, ctx))
        lines.append(f"  {number}. {shown}")
    return lines


def _menu_choices(group: Step, state: State, ctx: Ctx) -> tuple[Choice, ...]:
    count = len(state.answers.get(group.id) or [])
    per_item = [
        choice
        for n in range(1, count + 1)
        for choice in (Choice(f"edit:{n}", t("engine.group.edit_item", ctx.lang, n=n)),
                       Choice(f"remove:{n}", t("engine.group.remove_item", ctx.lang, n=n)))
    ]
    return (*per_item, Choice("add", t("engine.group.add", ctx.lang)),
            Choice("done", t("engine.group.to_review", ctx.lang)))


def _menu(flow: Flow, group: Step, state: State, ctx: Ctx, lead: str | None = None) -> Reply:
    lines = [lead] if lead else []
    lines.append(f"{t(f'{flow.name}.{group.id}.field', ctx.lang)}:")
    lines.extend(_item_lines(flow, group, state, ctx) or [f"  {t('engine.empty', ctx.lang)}"])
    lines.append(t("engine.group.menu", ctx.lang))
    return Reply("\n".join(lines), choices=_menu_choices(group, state, ctx))


def _group_prompt(flow: Flow, group: Step, state: State, ctx: Ctx, lead: str | None = None) -> Reply:
    sub_id = state.scratch.get("sub")
    if sub_id == MORE:
        return _more_prompt(flow, group, state, ctx, lead=lead)
    if sub_id == MENU:
        return _menu(flow, group, state, ctx, lead=lead)
    if sub_id is None:  # a state stored before the group was entered
        return _enter(flow, group, state, ctx)[1][0]
    return _sub_prompt(flow, group, next(s for s in group.group if s.id == sub_id), state, ctx, lead=lead)


def _open_item(state: State, group: Step, index: int, item: dict, back_to: str | None, ctx: Ctx,
               at: str | None = None) -> State:
    scratch = {"sub": at or _subs(group, item, ctx)[0].id, "index": index, "item": item}
    if back_to:
        scratch["return"] = back_to
    return replace(state, pending=(), scratch=scratch)


def _group_step(flow: Flow, group: Step, state: State, inbound: Inbound, ctx: Ctx) -> tuple[State, list[Reply]]:
    """Take one message inside a repeating group: an item's answer, add-another/done, or the edit menu."""
    sc = state.scratch
    items = list(state.answers.get(group.id) or [])
    if sc.get("sub") is None:
        return _enter(flow, group, state, ctx)
    if sc["sub"] == MORE:
        picked = match_choice(inbound, _more_choices(ctx))
        if picked is None:
            return state, [_more_prompt(flow, group, state, ctx, lead=t("error.choice", ctx.lang))]
        if picked.id == "add":
            opened = _open_item(state, group, len(items), {}, None, ctx)
            return opened, [_group_prompt(flow, group, opened, ctx)]
        return _advance(flow, replace(state, scratch={}), group, ctx)
    if sc["sub"] == MENU:
        return _menu_answer(flow, group, state, items, inbound, ctx)

    sub = next(s for s in group.group if s.id == sc["sub"])
    try:
        if _word(inbound) in SKIP_WORDS and inbound.choice is None:
            first_of_none = not items and sc["index"] == 0 and sub.id == group.group[0].id and not sc.get("return")
            if group.optional and first_of_none:
                return _store(flow, state, group, [], None, ctx)
            if not sub.optional:
                raise Invalid("error.not_optional")
            value = None
        else:
            outcome = _answer(sub, state, inbound, ctx)
            if isinstance(outcome, tuple):
                return replace(state, pending=outcome), [Reply(t("engine.pick_one", ctx.lang), choices=outcome)]
            value = outcome.value
    except Invalid as invalid:
        return state, [_sub_prompt(flow, group, sub, state, ctx, lead=t(invalid.key, ctx.lang, **invalid.params))]

    item = {**sc["item"], sub.id: value}
    subs = _subs(group, item, ctx)
    ids = [s.id for s in group.group]
    following = [s for s in subs if ids.index(s.id) > ids.index(sub.id)]
    if following:
        moved = replace(state, pending=(), scratch={**sc, "sub": following[0].id, "item": item})
        return moved, [_sub_prompt(flow, group, following[0], moved, ctx)]
    # The item is complete; answers of sub-steps that no longer apply are dropped.
    item = {k: v for k, v in item.items() if k in {s.id for s in subs}}
    index = sc["index"]
    items = items[:index] + [item] + items[index + 1:]
    answers = {**state.answers, group.id: items}
    saved = t(f"{flow.name}.{group.id}.saved", ctx.lang, n=index + 1)
    if sc.get("return") == MENU:
        moved = replace(state, answers=answers, pending=(), scratch={"sub": MENU})
        return moved, [_menu(flow, group, moved, ctx, lead=saved)]
    if len(items) >= group.max_items:
        return _advance(flow, replace(state, answers=answers, pending=(), scratch={}), group, ctx)
    moved = replace(state, answers=answers, pending=(), scratch={"sub": MORE})
    return moved, [_more_prompt(flow, group, moved, ctx, lead=saved)]


def _menu_answer(flow: Flow, group: Step, state: State, items: list, inbound: Inbound,
                 ctx: Ctx) -> tuple[State, list[Reply]]:
    picked = match_choice(inbound, _menu_choices(group, state, ctx))
    if picked is None:
        return state, [_menu(flow, group, state, ctx, lead=t("error.choice", ctx.lang))]
    if picked.id == "done":
        reviewed = state.at(REVIEW, editing=False)
        return reviewed, [review(flow, reviewed, ctx)]
    if picked.id == "add":
        opened = _open_item(state, group, len(items), {}, MENU, ctx)
        return opened, [_group_prompt(flow, group, opened, ctx)]
    action, number = picked.id.split(":")
    index = int(number) - 1
    if action == "remove":
        answers = {**state.answers, group.id: items[:index] + items[index + 1:]}
        moved = replace(state, answers=answers, scratch={"sub": MENU})
        return moved, [_menu(flow, group, moved, ctx, lead=t(f"{flow.name}.{group.id}.removed", ctx.lang,
                                                               n=index + 1))]
    opened = _open_item(state, group, index, dict(items[index]), MENU, ctx)
    current = " | ".join(show_value(s, items[index].get(s.id), ctx) for s in _subs(group, items[index], ctx))
    return opened, [_group_prompt(flow, group, opened, ctx, lead=t("engine.group.current", ctx.lang, item=current))]


def _group_back(flow: Flow, group: Step, state: State, ctx: Ctx) -> tuple[State, list[Reply]] | None:
    """`kembali` inside a group; None when it leaves the group for the previous step."""
    sc = state.scratch
    items = state.answers.get(group.id) or []
    if sc.get("sub") == MENU:
        reviewed = state.at(REVIEW, editing=False)
        return reviewed, [review(flow, reviewed, ctx)]
    if sc.get("sub") == MORE and items:
        last = len(items) - 1
        opened = _open_item(state, group, last, dict(items[last]), None, ctx,
                            at=_subs(group, items[last], ctx)[-1].id)
        return opened, [_group_prompt(flow, group, opened, ctx)]
    subs = _subs(group, sc.get("item", {}), ctx)
    ids = [s.id for s in subs]
    position = ids.index(sc["sub"]) if sc.get("sub") in ids else 0
    if position > 0:
        moved = replace(state, pending=(), scratch={**sc, "sub": ids[position - 1]})
        return moved, [_group_prompt(flow, group, moved, ctx)]
    if sc.get("return") == MENU:
        moved = replace(state, pending=(), scratch={"sub": MENU})
        return moved, [_menu(flow, group, moved, ctx)]
    if items:
        moved = replace(state, pending=(), scratch={"sub": MORE})
        return moved, [_more_prompt(flow, group, moved, ctx)]
    return None
