"""Every route of the web view through Starlette's TestClient, on the test database (SQLite or PostgreSQL)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from openpyxl import load_workbook

from bot.runner import Runner
from handlers.web import LINK_TTL
from storage import audit, outbox
from storage.models import Attachment, IncidentReport, Officer, ReportStatus, Role, Severity
from tests.conftest import add_officer
from tests.support.heads import add_report
from tests.web.conftest import BASE_URL, add_rakor_and_agreements, ask_link, csrf_of, make_client, sign_in

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def world(sessions, clock):
    """Banjarmasin (63.71) with a head and an officer who filed two reports; Banjarbaru (63.72) with its own."""
    with sessions.begin() as s:
        head = add_officer(s, "head-bjm", role=Role.HEAD, name="Kepala Banjarmasin")
        officer = add_officer(s, "officer-bjm", name="Petugas Banjarmasin")
        other_head = add_officer(s, "head-bjb", region="63.72", role=Role.HEAD, name="Kepala Banjarbaru")
        other_officer = add_officer(s, "officer-bjb", region="63.72", name="Petugas Banjarbaru")
        mine = add_report(s, officer, created_at=clock.now - timedelta(days=2), kecamatan="63.71.01",
                          severity=Severity.TINGGI)
        mine.description = HOSTILE
        older = add_report(s, officer, created_at=clock.now - timedelta(days=5), kecamatan="63.71.04",
                           severity=Severity.RENDAH)
        theirs = add_report(s, other_officer, created_at=clock.now - timedelta(days=1), kecamatan="63.72.02")
        return {"head": head.id, "officer": officer.id, "other_head": other_head.id, "mine": mine.number,
                "older": older.number, "theirs": theirs.number}


def test_a_head_signs_in_with_the_chat_link_and_sees_the_map(client, web_runner, world, sessions):
    sign_in(client, web_runner, "head-bjm")
    page = client.get("/web/")
    assert page.status_code == 200
    assert "Peta rawan Kota Banjarmasin" in page.text
    assert "Banjarmasin Selatan" in page.text
    cookie = page.request.headers["cookie"]
    assert cookie.startswith("siaga_web=")
    with sessions.begin() as s:
        assert audit.list_audit(s, "web.login")[0].actor_id == world["head"]


def test_the_session_cookie_is_httponly_strict_and_secure_only_over_https(web_runner, web_settings, world):
    with make_client(web_runner, web_settings) as c:
        link = ask_link(web_runner, "head-bjm")
        token = link.split("t=", 1)[1]
        response = c.post("/web/masuk", data={"t": token})
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/web" in cookie
    assert "Secure" not in cookie  # plain http in this test
    https = web_settings.model_copy(update={"public_base_url": "https://siaga.example.go.id"})
    with make_client(web_runner, https) as c:
        token = ask_link(web_runner, "head-bjm").split("t=", 1)[1]
        assert "Secure" in c.post("/web/masuk", data={"t": token}).headers["set-cookie"]


def test_a_link_works_once(client, web_runner, world):
    link = ask_link(web_runner, "head-bjm").removeprefix(BASE_URL)
    token = link.split("t=", 1)[1]
    assert client.get(link).status_code == 200  # looking at it (a link preview) does not spend it
    assert client.post("/web/masuk", data={"t": token}).status_code == 303
    again = client.get(link)
    assert again.status_code == 410
    assert "sudah dipakai" in again.text
    assert client.post("/web/masuk", data={"t": token}).status_code == 410


def test_a_link_expires_after_ten_minutes(client, web_runner, world, clock):
    link = ask_link(web_runner, "head-bjm").removeprefix(BASE_URL)
    clock.advance(seconds=LINK_TTL.total_seconds())
    page = client.get(link)
    assert page.status_code == 410
    assert "kedaluwarsa" in page.text
    assert client.post("/web/masuk", data={"t": link.split("t=", 1)[1]}).status_code == 410


def test_an_unknown_link_gets_a_clear_page(client):
    page = client.get("/web/masuk?t=not-a-token")
    assert page.status_code == 404
    assert "tidak dikenal" in page.text and "Traceback" not in page.text


def test_officers_and_guests_get_the_polite_refusal_and_no_link(web_runner, sessions):
    with sessions.begin() as s:
        add_officer(s, "plain-officer")
        add_officer(s, "a-guest", role=Role.GUEST, name="Tamu")
    from handlers.texts import t
    from handlers.types import Inbound

    for address, refusal in (("plain-officer", "access.refused"), ("a-guest", "guest.refused")):
        text = "\n".join(r.text for r in web_runner.run_turn(Inbound("console", address, text="/web")))
        assert text == t(refusal, "id")
    with sessions.begin() as s:
        assert {e.subject for e in audit.list_audit(s, "access.refused")} == {"command:web"}
        assert audit.list_audit(s, "web.link") == []


def test_without_a_public_address_web_answers_that_there_is_no_web_view(sessions, web_settings, world, clock):
    from handlers.types import Inbound

    runner = Runner(sessions, web_settings, clock=clock)  # as the console builds it: no web view to link to
    text = "\n".join(r.text for r in runner.run_turn(Inbound("console", "head-bjm", text="/web")))
    assert "belum diaktifkan" in text


def test_sessions_end_after_a_working_day_and_on_deactivation(client, web_runner, world, clock, sessions):
    sign_in(client, web_runner, "head-bjm")
    clock.advance(hours=9, minutes=59)
    assert client.get("/web/laporan").status_code == 200
    clock.advance(minutes=1)
    assert client.get("/web/laporan").status_code == 401
    sign_in(client, web_runner, "head-bjm")
    with sessions.begin() as s:
        from storage import people

        people.deactivate_officer(s, people.get_officer(s, world["head"]))
    page = client.get("/web/laporan")
    assert page.status_code == 401
    assert "Kirim /web" in page.text


def test_every_page_needs_a_session(client, world):
    for url in ("/web/", "/web/laporan", f"/web/laporan/{world['mine']}", "/web/unduh", "/web/rakor",
                "/web/peta.geojson", "/web/kecamatan/63.71.01",
                "/web/unduh/laporan.csv?dari=2026-11-01&sampai=2026-11-30"):
        assert client.get(url).status_code == 401, url


def test_the_reports_list_filters_and_pages(client, web_runner, world, sessions, clock):
    sign_in(client, web_runner, "head-bjm")
    page = client.get("/web/laporan")
    assert world["mine"] in page.text and world["older"] in page.text
    assert world["theirs"] not in page.text
    assert page.text.index(world["mine"]) < page.text.index(world["older"])  # newest first
    only_high = client.get("/web/laporan", params={"keparahan": "tinggi"}).text
    assert world["mine"] in only_high and world["older"] not in only_high
    by_kecamatan = client.get("/web/laporan", params={"kecamatan": "63.71.04"}).text
    assert world["older"] in by_kecamatan and world["mine"] not in by_kecamatan
    local_day = (clock.now - timedelta(days=2)).date().isoformat()
    by_day = client.get("/web/laporan", params={"dari": local_day, "sampai": local_day}).text
    assert world["mine"] in by_day and world["older"] not in by_day
    assert "Tidak ada laporan" in client.get("/web/laporan", params={"status": "selesai"}).text
    with sessions.begin() as s:
        officer = s.get(Officer, world["officer"])
        for n in range(30):
            add_report(s, officer, created_at=clock.now - timedelta(hours=n + 1), kecamatan="63.71.02")
    first = client.get("/web/laporan").text
    assert "32 laporan · halaman 1 dari 2" in first
    assert 'rel="next"' in first
    second = client.get("/web/laporan", params={"halaman": 2}).text
    assert world["older"] in second and world["older"] not in first


def test_bad_filters_get_a_clear_page(client, web_runner, world):
    sign_in(client, web_runner, "head-bjm")
    for params in ({"keparahan": "huge"}, {"dari": "kemarin"}, {"kategori": "x"}):
        page = client.get("/web/laporan", params=params)
        assert page.status_code == 400 and "Traceback" not in page.text


def test_officers_text_is_escaped(client, web_runner, world):
    sign_in(client, web_runner, "head-bjm")
    page = client.get(f"/web/laporan/{world['mine']}").text
    assert HESCAPED in page
    assert HOSTILE not in page


HESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def test_security_headers_on_every_page(client, web_runner, world):
    sign_in(client, web_runner, "head-bjm")
    for url in ("/web/", "/web/laporan", "/web/masuk?t=x", "/web/static/site.css", "/web/nope"):
        headers = client.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"


def test_no_inline_script_in_any_page(client, web_runner, world):
    sign_in(client, web_runner, "head-bjm")
    for url in ("/web/", "/web/laporan", f"/web/laporan/{world['mine']}", "/web/unduh", "/web/rakor",
                "/web/kecamatan/63.71.01"):
        html = client.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert " on" not in re.sub(r">[^<]*<", "><", html).replace(" one", ""), url
        assert "style=" not in html, url


def test_a_head_verifies_and_the_reporter_is_told(client, web_runner, world, sessions):
    sign_in(client, web_runner, "head-bjm")
    page = client.get(f"/web/laporan/{world['mine']}")
    token = csrf_of(page.text)
    done = client.post(f"/web/laporan/{world['mine']}/status", data={"csrf": token, "status": "terverifikasi"})
    assert done.status_code == 303
    after = client.get(f"/web/laporan/{world['mine']}").text
    assert "terverifikasi" in after and "Kepala Banjarmasin" in after
    with sessions.begin() as s:
        sent = [m for m in outbox.list_messages(s, limit=None) if m.address == "officer-bjm"]
        assert len(sent) == 1 and world["mine"] in sent[0].payload["reply"]["text"]
        assert "terverifikasi" in sent[0].payload["reply"]["text"]
        changed = [e for e in audit.list_audit(s, "report.status")]
        assert changed[0].actor_id == world["head"] and changed[0].detail["to_status"] == "terverifikasi"


def test_rejecting_needs_a_reason_that_reaches_the_reporter(client, web_runner, world, sessions):
    sign_in(client, web_runner, "head-bjm")
    token = csrf_of(client.get(f"/web/laporan/{world['mine']}").text)
    url = f"/web/laporan/{world['mine']}/status"
    client.post(url, data={"csrf": token, "status": "ditolak", "reason": "x"})
    assert "alasan penolakan" in client.get(f"/web/laporan/{world['mine']}").text
    client.post(url, data={"csrf": token, "status": "ditolak", "reason": "Laporan ganda dengan nomor lain"})
    with sessions.begin() as s:
        sent = [m for m in outbox.list_messages(s, limit=None) if m.address == "officer-bjm"]
        assert len(sent) == 1 and "Laporan ganda" in sent[0].payload["reply"]["text"]


def test_a_backward_move_is_refused_like_in_chat(client, web_runner, world, sessions):
    sign_in(client, web_runner, "head-bjm")
    token = csrf_of(client.get(f"/web/laporan/{world['mine']}").text)
    url = f"/web/laporan/{world['mine']}/status"
    client.post(url, data={"csrf": token, "status": "ditangani"})
    client.post(url, data={"csrf": token, "status": "terverifikasi"})
    page = client.get(f"/web/laporan/{world['mine']}").text
    assert "ditangani" in page
    with sessions.begin() as s:
        assert len(audit.list_audit(s, "report.status")) == 1


def test_a_post_without_the_csrf_token_changes_nothing(client, web_runner, world, sessions):
    sign_in(client, web_runner, "head-bjm")
    response = client.post(f"/web/laporan/{world['mine']}/status", data={"status": "terverifikasi"})
    assert response.status_code == 403
    forged = client.post(f"/web/laporan/{world['mine']}/status", data={"status": "terverifikasi", "csrf": "guess"})
    assert forged.status_code == 403
    assert client.post("/web/keluar", data={}).status_code == 403
    with sessions.begin() as s:
        assert audit.list_audit(s, "report.status") == []


def test_a_head_of_another_office_gets_403_on_every_url_of_this_one(web_runner, web_settings, world, sessions):
    with sessions.begin() as s:
        from storage import incidents

        report = incidents.get_report_by_number(s, world["mine"])
        s.add(Attachment(report_id=report.id, kind="photo", channel="console", ref="x", stored_path="/etc/hostname",
                         content_type="text/plain", created_at=report.created_at))
        s.flush()
        attachment_id = s.scalars(select(Attachment.id)
                                  .where(Attachment.report_id == report.id)).first()
    urls = [f"/web/laporan/{world['mine']}", f"/web/laporan/{world['older']}", "/web/kecamatan/63.71.01",
            "/web/laporan?kecamatan=63.71.01", "/web/laporan?kabkota=63.71", f"/web/lampiran/{attachment_id}"]
    with make_client(web_runner, web_settings) as other:
        sign_in(other, web_runner, "head-bjb")
        for url in urls:
            page = other.get(url)
            assert page.status_code == 403, url
            assert "Banjarmasin" not in page.text, url
        token = csrf_of(other.get("/web/laporan").text)
        moved = other.post(f"/web/laporan/{world['mine']}/status", data={"csrf": token, "status": "terverifikasi"})
        assert moved.status_code == 403
        # Their own pages hold nothing of Banjarmasin.
        assert world["mine"] not in other.get("/web/laporan").text
        codes = [f["properties"]["code"] for f in other.get("/web/peta.geojson").json()["features"]]
        assert codes and all(c == "63.72" or c.startswith("63.72.") for c in codes)
        export = other.get("/web/unduh/laporan.csv", params={"dari": "2026-11-01", "sampai": "2026-11-30"}).text
        assert world["mine"] not in export and world["theirs"] in export
    with sessions.begin() as s:
        refused = audit.list_audit(s, "access.refused")
        assert len(refused) >= len(urls) and all(e.detail["channel"] == "web" for e in refused)
        assert s.get(IncidentReport,
                     report.id).status is ReportStatus.BARU


def test_a_province_head_sees_the_offices_below(client, web_runner, world, sessions):
    with sessions.begin() as s:
        add_officer(s, "head-kalsel", region="63", role=Role.HEAD, name="Kepala Kalsel")
    sign_in(client, web_runner, "head-kalsel")
    page = client.get("/web/laporan").text
    assert world["mine"] in page and world["theirs"] in page
    assert client.get(f"/web/laporan/{world['theirs']}").status_code == 200


def test_the_map_data_has_scores_bands_and_the_no_report_state(client, web_runner, world):
    sign_in(client, web_runner, "head-bjm")
    data = client.get("/web/peta.geojson").json()
    by_code = {f["properties"]["code"]: f["properties"] for f in data["features"] if "outline" not in f["properties"]}
    assert [f["properties"]["code"] for f in data["features"] if "outline" in f["properties"]] == ["63.71"]
    assert set(by_code) == {f"63.71.0{n}" for n in range(1, 6)}
    assert by_code["63.71.01"]["reports"] == 1 and by_code["63.71.01"]["band"] is not None
    assert by_code["63.71.03"]["score"] is None and by_code["63.71.03"]["band_label"] == "tanpa laporan"
    assert data["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_the_map_data_matches_siaga_rawan(client, web_runner, world, sessions, clock):
    from handlers import rawan_data
    from storage import people

    sign_in(client, web_runner, "head-bjm")
    data = client.get("/web/peta.geojson", params={"hari": 7}).json()
    with sessions.begin() as s:
        office = people.get_office_by_region(s, "63.71")
        scores = rawan_data.vulnerability(s, "63.71", clock.now - timedelta(days=7), clock.now)
    expected = {s.code: (s.shown if s.score is not None else None, s.band) for s in scores}
    assert {f["properties"]["code"]: (f["properties"]["score"], f["properties"]["band"])
            for f in data["features"] if "outline" not in f["properties"]} == expected
    assert office is not None


def test_a_kecamatan_page_explains_its_score_and_lists_its_reports(client, web_runner, world):
    sign_in(client, web_runner, "head-bjm")
    page = client.get("/web/kecamatan/63.71.01")
    assert page.status_code == 200
    assert "Banjarmasin Selatan" in page.text and world["mine"] in page.text and world["older"] not in page.text
    assert "R = " in page.text
    quiet = client.get("/web/kecamatan/63.71.03").text
    assert "Tanpa laporan" in quiet


def test_the_report_page_shows_fields_history_and_audit(client, web_runner, world, sessions):
    sign_in(client, web_runner, "head-bjm")
    page = client.get(f"/web/laporan/{world['mine']}").text
    for text in ("Banjarmasin Selatan", "Jl. Uji", "Aliansi Uji", "Petugas Banjarmasin", "Belum ada perubahan status",
                 "dilihat di web"):
        assert text in page, text
    with sessions.begin() as s:
        viewed = audit.list_audit(s, "report.viewed")
        assert viewed[0].actor_id == world["head"]


def test_a_photo_is_served_to_the_jurisdiction_only(client, web_runner, world, sessions, tmp_path):
    from storage import incidents

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with sessions.begin() as s:
        report = incidents.get_report_by_number(s, world["mine"])
        s.add(Attachment(report_id=report.id, kind="photo", channel="console", ref="x", stored_path=str(photo),
                         content_type="image/jpeg", created_at=report.created_at))
    sign_in(client, web_runner, "head-bjm")
    page = client.get(f"/web/laporan/{world['mine']}").text
    (attachment_id,) = re.findall(r'<img src="/web/lampiran/(\d+)"', page)
    got = client.get(f"/web/lampiran/{attachment_id}")
    assert got.status_code == 200 and got.content == photo.read_bytes()
    assert got.headers["content-type"] == "image/jpeg"


def test_downloads_are_the_exports_and_are_audited(client, web_runner, world, sessions):
    sign_in(client, web_runner, "head-bjm")
    assert client.get("/web/unduh").status_code == 200
    params = {"dari": "2026-11-01", "sampai": "2026-11-30"}
    xlsx = client.get("/web/unduh/laporan.xlsx", params=params)
    assert xlsx.status_code == 200
    assert "attachment" in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(numbers) == sorted([world["mine"], world["older"]])
    csv = client.get("/web/unduh/laporan.csv", params=params).text
    assert world["mine"] in csv and world["theirs"] not in csv
    geojson = client.get("/web/unduh/laporan.geojson", params=params).json()
    assert len(geojson["features"]) == 2
    assert client.get("/web/unduh/laporan.exe", params=params).status_code == 404
    backwards = {"dari": "2026-11-30", "sampai": "2026-11-01"}
    assert client.get("/web/unduh/laporan.csv", params=backwards).status_code == 400
    with sessions.begin() as s:
        exported = audit.list_audit(s, "reports.exported")
        assert [e.detail["format"] for e in reversed(exported)] == ["xlsx", "csv", "geojson"]
        assert all(e.actor_id == world["head"] for e in exported)


def test_the_monthly_pdf_downloads(client, web_runner, world, sessions):
    sign_in(client, web_runner, "head-bjm")
    pdf = client.get("/web/unduh/bulanan.pdf", params={"bulan": "2026-11"})
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/web/unduh/bulanan.pdf", params={"bulan": "November"}).status_code == 400
    with sessions.begin() as s:
        assert audit.list_audit(s, "report.monthly.downloaded")[0].detail["month"] == "2026-11"


def test_logging_out_ends_the_session(client, web_runner, world):
    sign_in(client, web_runner, "head-bjm")
    token = csrf_of(client.get("/web/").text)
    assert client.post("/web/keluar", data={"csrf": token}).status_code == 200
    assert client.get("/web/").status_code == 401


def test_the_head_reads_english_when_their_language_is_english(client, web_runner, world, sessions):
    from storage import people

    with sessions.begin() as s:
        people.set_language(s, people.get_officer(s, world["head"]), "en")
    sign_in(client, web_runner, "head-bjm")
    page = client.get("/web/laporan").text
    assert "Reports of Kesbangpol 63.71" in page and '<html lang="en">' in page


def test_unknown_urls_and_failures_get_a_page_not_a_traceback(client, web_runner, world, monkeypatch):
    sign_in(client, web_runner, "head-bjm")
    assert client.get("/web/tidak-ada").status_code == 404
    from handlers import rawan_data

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(rawan_data, "gather", broken)
    page = client.get("/web/")
    assert page.status_code == 500
    assert "boom" not in page.text and "Traceback" not in page.text and "kesalahan di server" in page.text


def test_rakor_lists_upcoming_meetings_with_rsvps_and_open_agreements_overdue_first(client, web_runner, web_settings,
                                                                                   world, sessions, clock):
    with sessions.begin() as s:
        officer = s.get(Officer, world["officer"])
        add_rakor_and_agreements(s, officer.office_id, [world["officer"], world["head"]], clock.now)
    sign_in(client, web_runner, "head-bjm")
    page = client.get("/web/rakor").text
    assert "Rakor kewaspadaan pilkada" in page and "Aula Kesbangpol" in page
    assert "hadir</span> Petugas Banjarmasin" in page and "belum menjawab</span> Kepala Banjarmasin" in page
    order = [page.index(text) for text in ("Pertemuan tokoh agama", "Patroli gabungan", "Pendataan posko")]
    assert order == sorted(order)
    assert page.count('class="overdue"') == 1 and "terlambat" in page
    with make_client(web_runner, web_settings) as other:
        sign_in(other, web_runner, "head-bjb")
        theirs = other.get("/web/rakor").text
        assert "Rakor kewaspadaan" not in theirs and "Pertemuan tokoh agama" not in theirs


def test_expired_links_and_sessions_are_pruned_by_the_housekeeping_tick(client, web_runner, world, sessions, clock):
    from handlers import maintenance
    from storage.models import WebLogin, WebSession
    from sqlalchemy import func, select

    sign_in(client, web_runner, "head-bjm")
    ask_link(web_runner, "head-bjm")  # not used
    with sessions.begin() as s:
        maintenance.prune(s, clock.now)
        assert s.scalar(select(func.count()).select_from(WebSession)) == 1
        assert s.scalar(select(func.count()).select_from(WebLogin)) == 2
        maintenance.prune(s, clock.now + timedelta(hours=10))
        assert s.scalar(select(func.count()).select_from(WebSession)) == 0
        assert s.scalar(select(func.count()).select_from(WebLogin)) == 0


def test_a_post_that_is_not_a_form_gets_a_clear_page(client, web_runner, world):
    sign_in(client, web_runner, "head-bjm")
    garbage = {"content-type": "multipart/form-data; boundary=x"}
    response = client.post(f"/web/laporan/{world['mine']}/status", content=b"--y\r\nnonsense", headers=garbage)
    assert response.status_code == 400 and "Traceback" not in response.text
    assert client.post("/web/masuk", content=b"--y\r\nnonsense", headers=garbage).status_code == 404


def test_an_attachment_that_is_not_a_photo_is_downloaded_not_shown(client, web_runner, world, sessions, tmp_path):
    from storage import incidents

    page = tmp_path / "evil.html"
    page.write_text("<script src='/web/lampiran/1'></script>")
    with sessions.begin() as s:
        report = incidents.get_report_by_number(s, world["mine"])
        s.add(Attachment(report_id=report.id, kind="document", channel="console", ref="x", stored_path=str(page),
                         content_type="text/html", created_at=report.created_at))
    sign_in(client, web_runner, "head-bjm")
    detail = client.get(f"/web/laporan/{world['mine']}").text
    (attachment_id,) = re.findall(r'<a href="/web/lampiran/(\d+)">Dokumen 1', detail)
    got = client.get(f"/web/lampiran/{attachment_id}")
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment")
