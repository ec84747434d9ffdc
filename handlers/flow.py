"""`Flow` and `Step`: the declaration vocabulary."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from handlers.types import Choice, Ctx, Inbound, Reply

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


@dataclass(frozen=True)
class Flow:
    name: str
    commands: tuple[str, ...]
    steps: tuple[Step, ...]
    submit: Callable[[Answers, Ctx], list[Reply]]
    review: bool = True
    # How long an untouched draft lives; None: the configured default (an RSVP may wait days).
    draft_ttl: timedelta | None = None

    def step(self, step_id: str) -> Step:
        """Return the step with this id."""
        return next(s for s in self.steps if s.id == step_id)

    def applies(self, step: Step, answers: Answers, ctx: Ctx) -> bool:
        """Tell whether a step is asked, given the answers so far."""
        return step.skip_if is None or not step.skip_if(answers, ctx)
