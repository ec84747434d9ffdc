"""Who may run what, guests included: one decision over the features' rules, and the refusal the others get."""

from __future__ import annotations

from handlers import guard
from handlers.feature import MEMBERS, VERIFIERS, Feature, Rule
from handlers.features import FEATURES
from handlers.guard import within
from handlers.types import Ctx, Reply
from storage.models import Role

# The web view reads these here: verification is a head's (VERIFIERS), and the one jurisdiction rule.
__all__ = ["RULES", "VERIFIERS", "allowed", "refuse", "within"]


def rules_of(features: tuple[Feature, ...]) -> dict[str, Rule]:
    """Gather the features' rules by command or flow name; a name ruled twice is an error."""
    rules: dict[str, Rule] = {}
    for feature in features:
        for name, rule in feature.rules.items():
            if name in rules:
                raise ValueError(f"{feature.name}: {name!r} already has a rule")
            rules[name] = rule
    return rules


RULES = rules_of(FEATURES)


def allowed(name: str, role: Role) -> bool:
    """Tell whether a role may run a command (a flow's included) or answer a flow; no rule: members only."""
    rule = RULES.get(name)
    return role in (rule.roles if rule is not None else MEMBERS)


def refuse(name: str, ctx: Ctx) -> list[Reply]:
    """Record a refused command and answer without revealing anything (a guest is not told which role it needs)."""
    assert ctx.officer is not None
    rule = RULES.get(name)
    key = rule.refusal if rule is not None and ctx.officer.role is not Role.GUEST else "access.refused"
    return guard.refuse(name, ctx, key=key)
