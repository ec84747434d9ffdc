"""The web view in a real browser: Debian's chromium driven by Playwright, against `siaga run`'s web server.

A head asks for the link on the console channel, opens it, sees the map drawn, clicks a kecamatan, follows it to a
report, verifies it (the officer's notice lands in the outbox), filters the list and downloads an XLSX.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy.orm import sessionmaker

from bot.config import Settings
from bot.deps import dependencies
from bot.runner import Runner
from bot.web import build_web, make_server
from bot.webview import WebView
from storage import audit, outbox
from storage.db import make_sessions
from storage.models import Role, Severity
from tests.conftest import Clock, add_officer, prepare
from tests.support.heads import add_report
from tests.web.conftest import add_rakor_and_agreements, ask_link

CHROMIUM = "/usr/bin/chromium"
# Set it to a folder to keep the screenshots the tests take (a person looks at them; the tests do not).
SHOTS = os.environ.get("SIAGA_WEB_SCREENSHOTS")


@dataclass
class Live:
    url: str
    runner: Runner
    sessions: sessionmaker
    clock: Clock
    numbers: dict[str, str]


@pytest.fixture(scope="module")
def live(database_factory, tmp_path_factory) -> Iterator[Live]:
    """The web view served by uvicorn on a free port, over a database of its own, with a test clock."""
    engine = prepare(database_factory())
    sessions = make_sessions(engine)
    clock = Clock()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(database_url=str(engine.url), language="id", public_base_url=url,
                        attachments_dir=tmp_path_factory.mktemp("attachments"))
    runner = Runner(sessions, settings, deps=dependencies(settings, clock, web=True))
    with sessions.begin() as s:
        add_officer(s, "head-bjm", role=Role.HEAD, name="Ibu Kepala Banjarmasin")
        officer = add_officer(s, "officer-bjm", name="Petugas Lapangan")
        add_officer(s, "head-bjb", region="63.72", role=Role.HEAD, name="Kepala Banjarbaru")
        add_officer(s, "head-kalsel", region="63", role=Role.HEAD, name="Kepala Kesbangpol Kalsel")
        english = add_officer(s, "head-en", role=Role.HEAD, name="Deputy Head")
        english.language = "en"
        hot = add_report(s, officer, created_at=clock.now - timedelta(days=1), kecamatan="63.71.01",
                         severity=Severity.TINGGI)
        hot.description = 'Massa membawa spanduk <b>"Tolak!"</b> & <script>alert(1)</script>'
        add_report(s, officer, created_at=clock.now - timedelta(days=1, hours=3), kecamatan="63.71.01",
                   category="unjuk_rasa", severity=Severity.SEDANG)
        mild = add_report(s, officer, created_at=clock.now - timedelta(days=6), kecamatan="63.71.04",
                          severity=Severity.RENDAH)
        numbers = {"hot": hot.number, "mild": mild.number}
        add_rakor_and_agreements(s, officer.office_id, [officer.id], clock.now)
    server = make_server(build_web(WebView(runner, settings).routes()), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield Live(url, runner, sessions, clock, numbers)
    finally:
        server.should_exit = True
        thread.join(10)
        runner.close()
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "the browser tests need Debian's chromium: apt-get install -y chromium"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live):
    """A fresh browser context (no cookies), failing the test on any script error or CSP violation."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                  locale="id-ID", timezone_id="Asia/Makassar")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status == 404 else None)
    tab.errors = errors
    yield tab
    context.close()


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in(page, live: Live, address: str, button: str = "Masuk") -> None:
    page.goto(ask_link(live.runner, address))
    shot(page, f"login-{address}")
    page.get_by_role("button", name=button).click()
    page.wait_for_url(f"{live.url}/web/")


def test_a_head_opens_the_map_clicks_a_kecamatan_and_verifies_a_report(page, live):
    sign_in(page, live, "head-bjm")
    page.wait_for_selector("#map[data-ready]")
    assert page.get_attribute("#map", "data-ready") == "5"
    assert page.locator("path.kec").count() == 5  # every kecamatan of Kota Banjarmasin drawn
    assert page.locator("path.kabkota").count() == 1  # and the city's border over them
    # Coloured by band where reports were heard; "tanpa laporan" grey where none were.
    assert page.locator("path.kec-63-71-01").get_attribute("fill") in ("#fee8a8", "#fd8d3c", "#bd0026")
    assert page.locator("path.kec-63-71-03").get_attribute("fill") == "url(#no-reports)"
    assert page.locator("pattern#no-reports").count() == 1
    shot(page, "map")
    page.locator("path.kec-63-71-01").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Banjarmasin Selatan" in popup.inner_text()
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in
    shot(page, "map-popup")
    popup.get_by_role("link", name="Penjelasan dan laporan").click()
    page.wait_for_url(re.compile(r"/web/kecamatan/63\.71\.01"))
    assert "R = " in page.inner_text("body")
    shot(page, "kecamatan")
    page.get_by_role("link", name=live.numbers["hot"]).first.click()
    page.wait_for_url(re.compile(live.numbers["hot"]))
    # The officer's text is shown as text, not run or rendered as markup.
    assert '<script>alert(1)</script>' in page.inner_text("body")
    assert page.locator("main b").count() == 0
    shot(page, "report")
    page.get_by_role("button", name="Jadikan terverifikasi").click()
    page.wait_for_selector(".flash")
    assert "terverifikasi" in page.inner_text("#status")
    shot(page, "report-verified")
    with live.sessions.begin() as s:
        told = [m for m in outbox.list_messages(s, limit=None) if m.address == "officer-bjm"]
        assert len(told) == 1 and live.numbers["hot"] in told[0].payload["reply"]["text"]
    assert page.errors == []


def test_filter_the_reports_and_download_an_xlsx(page, live, tmp_path):
    sign_in(page, live, "head-bjm")
    page.get_by_role("link", name=re.compile("laporan baru menunggu verifikasi")).click()
    assert page.locator("table.reports tbody tr").count() >= 2  # the first test verified one of three
    page.get_by_role("link", name="Laporan", exact=True).click()
    assert page.locator("table.reports tbody tr").count() == 3
    page.select_option("select[name=keparahan]", "rendah")
    page.get_by_role("button", name="Terapkan").click()
    page.wait_for_url(re.compile("keparahan=rendah"))
    assert page.locator("table.reports tbody tr").count() == 1
    assert live.numbers["mild"] in page.inner_text("table.reports")
    shot(page, "reports-filtered")
    page.get_by_role("link", name="Unduh", exact=True).click()
    page.fill("input[name=dari]", "2026-11-01")
    page.fill("input[name=sampai]", "2026-11-30")
    shot(page, "downloads")
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Unduh XLSX").click()
    target = tmp_path / "export.xlsx"
    waiting.value.save_as(target)
    rows = list(load_workbook(target).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3 and live.numbers["mild"] in {r[0] for r in rows}
    with live.sessions.begin() as s:
        assert audit.list_audit(s, "reports.exported")[0].detail == {
            "format": "xlsx", "count": 3, "date_from": "2026-11-01", "date_to": "2026-11-30", "channel": "web"}
    page.get_by_role("link", name="Rakor", exact=True).click()
    assert page.locator("tr.overdue").count() == 1
    assert "Rakor kewaspadaan" in page.inner_text("main")
    shot(page, "rakor")
    assert page.errors == []


def test_a_head_of_another_office_gets_403_on_this_ones_urls(page, live):
    sign_in(page, live, "head-bjb")
    shot(page, "map-other-office")
    for path in (f"/web/laporan/{live.numbers['hot']}", "/web/kecamatan/63.71.01", "/web/laporan?kecamatan=63.71.04"):
        response = page.goto(live.url + path)
        assert response.status == 403, path
        assert "di luar wilayah" in page.inner_text("body")
        assert "Banjarmasin" not in page.inner_text("main")
    shot(page, "forbidden")


def test_expired_and_reused_links_are_refused(page, live):
    link = ask_link(live.runner, "head-bjm")
    page.goto(link)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{live.url}/web/")
    page.goto(link)
    assert "sudah dipakai" in page.inner_text("body")
    shot(page, "link-used")
    late = ask_link(live.runner, "head-bjm")
    live.clock.advance(minutes=10)
    try:
        response = page.goto(late)
        assert response.status == 410 and "kedaluwarsa" in page.inner_text("body")
    finally:
        live.clock.advance(minutes=-10)


def test_the_map_on_a_phone(browser, live):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="id-ID")
    tab = context.new_page()
    try:
        sign_in(tab, live, "head-bjm")
        tab.wait_for_selector("#map[data-ready]")
        assert tab.locator("path.kec").count() == 5
        # Nothing wider than the screen but the tables' own scrolling boxes.
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        shot(tab, "phone-map")
    finally:
        context.close()


def test_a_province_head_sees_every_kecamatan_and_the_regency_borders(page, live):
    sign_in(page, live, "head-kalsel")
    page.wait_for_selector("#map[data-ready]")
    assert page.errors == []
    assert page.locator("path.kec").count() == int(page.get_attribute("#map", "data-ready")) > 100
    assert page.locator("path.kabkota").count() == 13
    # Where the province has no Siaga office the map says so in its own grey, unlike "tanpa laporan".
    assert page.locator("path.kec-63-01-01").get_attribute("fill") == "url(#no-office)"
    assert "belum ada kantor Siaga" in page.inner_text(".legend")
    shot(page, "map-province")
    assert page.errors == []


def test_a_head_who_reads_english_gets_every_page_in_english(page, live):
    sign_in(page, live, "head-en", button="Sign in")
    page.wait_for_selector("#map[data-ready]")
    assert "Vulnerability map of Kota Banjarmasin" in page.inner_text("h1")
    assert "no reports" in page.inner_text(".legend")
    shot(page, "en-map")
    page.get_by_role("link", name="Reports", exact=True).click()
    assert page.get_by_role("button", name="Apply").count() == 1
    page.get_by_role("link", name=live.numbers["mild"]).click()
    assert page.get_by_role("button", name="Mark verified").count() == 1
    assert "Reject report" in page.inner_text("#verify")
    shot(page, "en-report")
    assert page.errors == []
