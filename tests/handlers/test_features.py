"""The features as records: one list, each name declared once, every registry and rule read from it."""

from __future__ import annotations

from collections import Counter

import pytest

import handlers
from handlers import access, digest
from handlers.feature import EVERYONE, MEMBERS, READERS
from handlers.features import FEATURES
from storage import audit
from storage.models import Role
from tests.conftest import FROZEN_NOW, add_officer
from tests.support.heads import chat


def _twice(names: list[str]) -> list[str]:
    return [name for name, n in Counter(names).items() if n > 1]


def test_every_flow_command_tick_and_feature_is_declared_once():
    assert _twice([f.name for f in FEATURES]) == []
    assert _twice([flow.name for f in FEATURES for flow in f.flows]) == []
    commands = [c for f in FEATURES for c in f.commands] + [c for f in FEATURES for fl in f.flows for c in fl.commands]
    assert _twice(commands + [w for f in FEATURES for w in f.join_words]) == []
    assert _twice([tick.name for f in FEATURES for tick in f.ticks]) == []


def test_the_registries_are_the_features_declarations():
    assert handlers.FLOWS == {flow.name: flow for f in FEATURES for flow in f.flows}
    assert handlers.COMMANDS == {name: run for f in FEATURES for name, run in f.commands.items()}
    assert handlers.SCHEDULED == tuple(tick for f in FEATURES for tick in f.ticks)
    assert handlers.JOIN_COMMANDS == {"start", "daftar", "join"}


def test_a_rule_names_a_command_or_a_flow_of_its_own_feature():
    for feature in FEATURES:
        own = set(feature.commands) | {f.name for f in feature.flows} | {c for f in feature.flows for c in f.commands}
        assert set(feature.rules) <= own, feature.name


def test_the_digest_sections_are_the_features_in_their_order():
    # digest.py still lists them itself; this keeps the two in step until it reads the features.
    assert tuple(s for f in FEATURES for s in f.digest_sections) == digest.DIGEST_SECTIONS


@pytest.mark.parametrize(("name", "roles"), [
    ("bantuan", EVERYONE), ("bahasa", EVERYONE), ("rakor", EVERYONE), ("kesepakatan", EVERYONE),
    ("rsvp", EVERYONE), ("agreement", EVERYONE), ("profile", EVERYONE),
    ("laporan", READERS), ("ringkasan", READERS), ("rawan", READERS), ("web", READERS),
    ("rakor_baru", READERS), ("rakor_ubah", READERS), ("rakor_batal", READERS),
    ("status", frozenset({Role.HEAD})),
    ("lapor", MEMBERS), ("laporanku", MEMBERS), ("nihil", MEMBERS), ("jeda", MEMBERS), ("notulen", MEMBERS),
    ("profil", MEMBERS), ("incident", MEMBERS), ("anything_new", MEMBERS),
])
def test_one_rule_says_who_may_run_each_command_or_answer_each_flow(name, roles):
    assert {role for role in Role if access.allowed(name, role)} == roles


def test_a_command_limited_to_heads_is_refused_in_its_own_words_and_audited(sessions):
    with sessions.begin() as s:
        officer = add_officer(s, "officer", name="Budi Petugas")
        guest = add_officer(s, "guest", name="Tamu KPU", role=Role.GUEST)
    assert chat(sessions, "officer", "/rawan", now=FROZEN_NOW).text == (
        "Maaf, peta rawan hanya untuk kepala kantor dan admin.")
    assert chat(sessions, "officer", "/rakor_baru", now=FROZEN_NOW).text == (
        "Perintah itu hanya untuk kepala kantor dan admin.")
    # A guest is not told which role a command needs.
    assert chat(sessions, "guest", "/rawan", now=FROZEN_NOW).text.startswith("Maaf, sebagai tamu undangan")
    with sessions.begin() as s:
        refused = audit.list_audit(s, "access.refused")
        assert sorted((e.actor_id, e.subject) for e in refused) == sorted([
            (officer.id, "command:rawan"), (officer.id, "command:rakor_baru"), (guest.id, "command:rawan")])


@pytest.mark.parametrize("role", list(Role))
def test_a_roles_command_menu_offers_only_what_the_rule_lets_it_run(role):
    from handlers.commands import MENUS
    from handlers.engine import ENGINE_COMMANDS

    offered = {name for id_name, en_name, _ in MENUS[role.value] for name in (id_name, en_name)}
    known = set(handlers.COMMANDS) | set(handlers.FLOW_COMMANDS)
    assert offered - known <= set(ENGINE_COMMANDS)  # /batal is the engine's, every role's
    refused = {name for name in offered & known if not access.allowed(name, role)}
    # Admins share the heads' menu, /status included, though verifying is a head's alone (found here; the menu and
    # the rule stay as they were, for this change keeps behaviour).
    assert refused == ({"status"} if role is Role.ADMIN else set())



def test_a_button_answered_outside_its_question_is_a_features_tap():
    # Dispatch knows rakor's RSVP buttons only through the rakor feature's record.
    assert handlers.TAPS == tuple(tap for f in FEATURES for tap in f.taps) and len(handlers.TAPS) == 1
    assert handlers.tap_of(handlers.Inbound("c", "a", choice="rsvp:1:1:hadir")) is handlers.TAPS[0]
    assert handlers.tap_of(handlers.Inbound("c", "a", choice="/status KJD-6371-2026-000001")) is None
