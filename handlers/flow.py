"""`Flow` and `Step`: the declaration vocabulary."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from handlers.types import Choice, Ctx, Inbound, Location, Proposal, Reply

Parser = Callable[[Inbound, Ctx], Any]
Answers = dict[str, Any]


@dataclass(frozen=True)
class Step:
    """One question. Its id is also its answer key and, for reports, its model column."""

    id: str
    parse: Parser | None = None
    # A fixed menu, computed per turn (labels follow the language).
    choices: Callable[[Ctx], Sequence[Choice]] | None = None
    # Free text narrowed to a numbered list of matches: (query, ctx) -> matches.
    search: Callable[[str, Ctx], Sequence[Choice]] | None = None
    optional: bool = False
    skip_if: Callable[[Answers, Ctx], bool] | None = None
    # How the review screen shows the answer; default: the choice label or the value.
    show: Callable[[Any, Ctx], str] | None = None
    ask_location: bool = False
    # A shared location answered with choices to confirm in one tap (the kecamatan that contains it), led by
    # "{flow}.{step}.located"; a Proposal names another lead (the nearest kecamatan to a point just outside).
    locate: Callable[[Location, Ctx], Sequence[Choice] | Proposal] | None = None
    # Choices that depend on earlier answers; used instead of `choices`.
    answer_choices: Callable[[Answers, Ctx], Sequence[Choice]] | None = None
    # Other answers this one changes: (value, answers, ctx) -> {step id: Choice(new value, its label)}.
    amend: Callable[[Any, Answers, Ctx], dict[str, Choice]] | None = None
    # A multi-select over `choices`: typed as "1, 3" (the whole answer) or tapped one by one, then done.
    multi: bool = False
    # With `multi`: typed names that match no choice are kept as written ("other").
    other: bool = False
    # A repeating group: these steps are asked once per item until the sender says done; the answer is a
    # list of dicts. Their prompts are "{flow}.{step}.{sub}.ask" with the item number as {n}.
    group: tuple[Step, ...] = ()
    max_items: int = 50
    # Extra placeholders for the prompt, computed from the answers so far (an invitation's title and time).
    prompt_params: Callable[[Answers, Ctx], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    commands: tuple[str, ...]
    steps: tuple[Step, ...]
    submit: Callable[[Answers, Ctx], list[Reply]]
    review: bool = True
    # How long a draft may sit unanswered; None means the configured default (an RSVP waits until its meeting).
    draft_ttl: timedelta | None = None
    # Whether a draft (or a start waiting to open) still applies, judged against the world: None when it
    # does, else the sentence telling the sender why it was closed (an invitation to a cancelled rakor).
    lapsed: Callable[[Answers, Ctx], str | None] | None = None
    # How a start of this flow waiting behind another is named to its officer (the rakor it is about).
    label: Callable[[Answers, Ctx], str] | None = None

    def step(self, step_id: str) -> Step:
        """Return the step with this id."""
        return next(s for s in self.steps if s.id == step_id)

    def applies(self, step: Step, answers: Answers, ctx: Ctx) -> bool:
        """Tell whether a step is asked, given the answers so far."""
        return step.skip_if is None or not step.skip_if(answers, ctx)
