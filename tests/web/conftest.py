"""The web view under test: the real routes over the test database, heads signed in through `/web` on the console."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.config import Settings
from bot.deps import dependencies
from bot.runner import Runner
from bot.web import build_web
from bot.webview import WebView
from handlers.types import Inbound
from storage import rakor
from storage.models import Rsvp

BASE_URL = "http://testserver"
LINK = re.compile(r"(https?://\S+/web/masuk\?t=[\w-]+)")


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings(database_url="sqlite://", language="id", attachments_dir=tmp_path / "attachments",
                    public_base_url=BASE_URL)


@pytest.fixture
def web_runner(sessions, web_settings: Settings, clock) -> Runner:
    # As `siaga run` builds it: /web answers with links to PUBLIC_BASE_URL.
    return Runner(sessions, web_settings, deps=dependencies(web_settings, clock, web=True))


def make_client(runner: Runner, settings: Settings) -> TestClient:
    """A browser of its own (its own cookie jar) on the app `siaga run` serves."""
    return TestClient(build_web(WebView(runner, settings).routes()), base_url=BASE_URL, follow_redirects=False)


@pytest.fixture
def client(web_runner: Runner, web_settings: Settings) -> Iterator[TestClient]:
    with make_client(web_runner, web_settings) as c:
        yield c


def ask_link(runner: Runner, address: str) -> str:
    """Send /web from a console chat and return the link Siaga answers with."""
    replies = runner.run_turn(Inbound("console", address, text="/web"))
    found = LINK.search("\n".join(r.text for r in replies))
    assert found, [r.text for r in replies]
    return found.group(1)


def sign_in(client: TestClient, runner: Runner, address: str) -> None:
    """Sign a browser in as the officer of a console chat: the link, its page, the button."""
    link = ask_link(runner, address)
    page = client.get(link.removeprefix(BASE_URL))
    assert page.status_code == 200, page.text
    token = re.search(r'name="t" value="([^"]+)"', page.text).group(1)
    done = client.post("/web/masuk", data={"t": token})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/web/"


def add_rakor_and_agreements(session, office_id: int, invitee_ids: list[int], now: datetime) -> None:
    """A rakor tomorrow with its invitees (the first says hadir), and minutes whose agreements are overdue,
    due later and undated."""
    meeting = rakor.add_rakor(session, office_id=office_id, title="Rakor kewaspadaan pilkada",
                              starts_at=now + timedelta(days=1), now=now, invitee_ids=invitee_ids,
                              place="Aula Kesbangpol", agenda="Situasi menjelang pilkada")
    rakor.set_rsvp(session, meeting.invitees[0], Rsvp.HADIR, None, now)
    today = now.date()
    rakor.add_report(
        session, agreements=[
            {"text": "Patroli gabungan di pasar", "owner_institution": "Satpol PP",
             "due_on": today + timedelta(days=7)},
            {"text": "Pertemuan tokoh agama", "owner_institution": "FKUB", "due_on": today - timedelta(days=2)},
            {"text": "Pendataan posko", "owner_office_id": office_id, "due_on": None},
        ],
        number=f"RKR-{office_id}-0001", office_id=office_id, title="Rakor November", held_on=today - timedelta(days=9),
        summary="Ringkasan", reporter_id=invitee_ids[0], channel="console", created_at=now - timedelta(days=9))


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)
