"""The issue's "done when", as a new head of office would try it: `siaga run` with Telegram (the fake Bot API),
`/web` gives a link, Chromium opens the map of the jurisdiction, a click on a kecamatan leads to its reports, a
report is verified from the browser, and the officer is told in chat."""

from __future__ import annotations

import re
import signal
from datetime import UTC, datetime, timedelta

import pytest

from storage import people
from storage.db import make_sessions
from storage.models import Role, Severity
from tests.conftest import prepare
from tests.support.fake_telegram import FakeTelegram, TelegramUser
from tests.support.fake_twilio import FakeTwilio
from tests.support.heads import add_report
from tests.support.running import Run, fakes_env, join
from tests.web.test_browser import CHROMIUM, shot

pytestmark = pytest.mark.subprocess

# 13:00 WITA on a Wednesday.
MORNING = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)


def test_web_on_telegram_opens_the_map_and_a_report_verified_in_the_browser_is_told_in_chat(database_factory,
                                                                                           tmp_path):
    from playwright.sync_api import sync_playwright

    url = database_factory()
    engine = prepare(url)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        officer_id = join(s, "63.71", Role.OFFICER, "telegram", "7001", "Budi Santoso", MORNING - timedelta(days=3))
        join(s, "63.71", Role.HEAD, "telegram", "7002", "Kepala Kota", MORNING - timedelta(days=3))
        report = add_report(s, people.get_officer(s, officer_id), created_at=MORNING - timedelta(hours=2),
                            kecamatan="63.71.04", severity=Severity.TINGGI)
        number = report.number
    with FakeTelegram() as telegram, FakeTwilio() as twilio:
        run = Run(fakes_env(url, telegram, twilio, tmp_path), tmp_path, "run", clock=MORNING)
        try:
            run.ready()
            budi, head = TelegramUser(telegram, 7001, "Budi"), TelegramUser(telegram, 7002, "Kepala")
            answer = "\n".join(head.say("/web", expect="/web/masuk", timeout=30))
            link = re.search(r"(http://\S+/web/masuk\?t=[\w-]+)", answer).group(1)
            assert link.startswith(run.public)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                page = browser.new_page(locale="id-ID")
                page.goto(link)
                page.get_by_role("button", name="Masuk").click()
                page.wait_for_selector("#map[data-ready]")
                assert "Peta rawan Kota Banjarmasin" in page.inner_text("h1")
                assert page.locator("path.kec").count() == 5
                page.locator("path.kec-63-71-04").click()
                page.locator(".leaflet-popup-content").get_by_role("link").click()
                page.get_by_role("link", name=number).click()
                page.get_by_role("button", name="Jadikan terverifikasi").click()
                page.wait_for_selector(".flash")
                shot(page, "siaga-run-verified")
                browser.close()
            budi._expect(f"Laporan Anda {number} kini berstatus terverifikasi (oleh Kepala Kota).", timeout=15)
            assert run.stop() == 0
        finally:
            if run.process.poll() is None:
                run.stop(signal.SIGKILL)
    engine.dispose()
