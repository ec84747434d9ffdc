"""`Feature`: what one feature brings (flows, commands, ticks, digest sections, join words) and who may use it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from handlers.flow import Answers, Flow
from handlers.types import Ctx, Inbound, Reply, Tick
from storage.db import Session
from storage.models import Office, Role

Command = Callable[[str, Ctx], list[Reply]]
# Lines an office's daily digest gets from a feature: (session, office, end of the window, language).
DigestSection = Callable[[Session, Office, datetime, str], list[str]]

# Every role but guests: what a command or flow without a rule is open to.
MEMBERS = frozenset({Role.OFFICER, Role.HEAD, Role.ADMIN})
EVERYONE = MEMBERS | {Role.GUEST}
READERS = frozenset({Role.HEAD, Role.ADMIN})
VERIFIERS = frozenset({Role.HEAD})


@dataclass(frozen=True)
class Rule:
    """Who may run a command, start a flow by its command or answer it; the others are told `refusal`."""

    roles: frozenset[Role]
    # What a member without the role is told (a guest is never told which role a command needs).
    refusal: str = "access.refused"


@dataclass(frozen=True)
class Tap:
    """A button answered wherever it is tapped, outside its own question (an RSVP on an old invitation or a reminder)."""

    matches: Callable[[Inbound], bool]
    # Answer it on its own (or open its flow at the question it leads to).
    answer: Callable[[Inbound, Ctx], list[Reply]]
    # Whether, with a flow open in the chat, (flow, answers, inbound) belongs elsewhere than that flow's question.
    elsewhere: Callable[[str, Answers, Inbound], bool]


@dataclass(frozen=True)
class Feature:
    """One feature's whole declaration; `handlers.features.FEATURES` lists them and everything else reads that."""

    name: str
    flows: tuple[Flow, ...] = ()
    commands: Mapping[str, Command] = field(default_factory=dict)
    # Time-driven work, run by bot/scheduler.py in the order of FEATURES.
    ticks: tuple[Tick, ...] = ()
    digest_sections: tuple[DigestSection, ...] = ()
    # Buttons of this feature answered outside their question; a numbered answer may pick one too.
    taps: tuple[Tap, ...] = ()
    # Words that join Siaga with an invitation code (`/start CODE`, or `daftar CODE` without the slash).
    join_words: frozenset[str] = frozenset()
    # By command name (a flow's commands included), and by flow name for who may answer a flow Siaga opens for
    # them (a guest's invitation); a name without a rule is open to MEMBERS.
    rules: Mapping[str, Rule] = field(default_factory=dict)
