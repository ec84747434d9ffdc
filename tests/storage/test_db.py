"""Database errors do not carry the values of the statement (personal data) into logs."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from storage import people
from storage.models import Role
from tests.conftest import FROZEN_NOW, add_office


def test_an_integrity_error_does_not_show_the_values(sessions):
    with sessions.begin() as s:
        office = add_office(s)
        officer = people.redeem_invite(
            s, people.add_invite(s, office, Role.OFFICER, FROZEN_NOW, name="A").code,
            "whatsapp", "whatsapp:+6281234567890", FROZEN_NOW)
    with pytest.raises(IntegrityError) as caught, sessions.begin() as s:
        people.add_identity(s, officer, "whatsapp", "whatsapp:+6281234567890", FROZEN_NOW)
    message = str(caught.value)
    assert "[SQL parameters hidden due to hide_parameters=True]" in message
    # PostgreSQL's own DETAIL line still names a duplicate key's value; only the bound parameters are ours to hide.
    if sessions.kw["bind"].dialect.name == "sqlite":
        assert "6281234567890" not in message
