"""The daily digest and the nihil check-in: exact figures from a seeded week, ticks on a moved clock, the chart."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image

import handlers
from handlers import digest, engine
from handlers.checkin import CHECKIN_TICK
from handlers.digest import DIGEST_TICK
from handlers.types import Ctx, Notify, StartFlow, ToRole
from storage import checkins, conversations, people
from storage.models import ReportStatus, Role, Severity
from tests.conftest import FROZEN_NOW, add_officer
from tests.support.heads import add_report, chat

# 07:00 WITA on Tuesday 24/11/2026: the Kalsel digests' moment; the Kalteng one (WIB) is an hour later.
WITA_0700 = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
WIB_0700 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
T, S, R = Severity.TINGGI, Severity.SEDANG, Severity.RENDAH


def utc(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def week(sessions):
    """Two kota of Kalsel with a week of reports, a silent kabupaten office, and Kalteng with nothing."""
    with sessions.begin() as s:
        ids = {
            "o71a": add_officer(s, "o71a", name="Andi"),
            "o71b": add_officer(s, "o71b", name="Bayu"),
            "o71c": add_officer(s, "o71c", name="Citra"),
            "o72": add_officer(s, "o72", name="Dewi", region="63.72"),
            "o03": add_officer(s, "o03", name="Eka", region="63.03"),
            "h71": add_officer(s, "h71", name="Kepala Banjarmasin", role=Role.HEAD),
            "h72": add_officer(s, "h72", name="Kepala Banjarbaru", region="63.72", role=Role.HEAD),
            "h63": add_officer(s, "h63", name="Kepala Kalsel", region="63", role=Role.HEAD),
            "h62": add_officer(s, "h62", name="Kepala Kalteng", region="62", role=Role.HEAD, tz="Asia/Pontianak"),
        }
        a, d = ids["o71a"], ids["o72"]
        # The 24 hours before 07:00 WITA on 24/11 ...
        add_report(s, a, created_at=utc(23, 1), kecamatan="63.71.04", category="unjuk_rasa", severity=T)
        add_report(s, a, created_at=utc(23, 5), kecamatan="63.71.04", category="hoaks", severity=S)
        add_report(s, a, created_at=utc(23, 10), kecamatan="63.71.01", category="unjuk_rasa", severity=R)
        add_report(s, d, created_at=utc(23, 12), kecamatan="63.72.02", category="politik_uang", severity=T)
        # ... the seven days before them ...
        add_report(s, a, created_at=utc(20, 3), kecamatan="63.71.04", category="unjuk_rasa", severity=S)
        add_report(s, a, created_at=utc(18, 3), kecamatan="63.71.02", category="hoaks", severity=T,
                   status=ReportStatus.TERVERIFIKASI)
        add_report(s, a, created_at=utc(16, 3), kecamatan="63.71.02", category="unjuk_rasa", severity=R,
                   status=ReportStatus.SELESAI)
        add_report(s, d, created_at=utc(21, 3), kecamatan="63.72.03", category="politik_uang", severity=S)
        # ... and one from long ago, still unverified.
        add_report(s, a, created_at=utc(10, 3), kecamatan="63.71.04", category="politik_uang", severity=S)
        checkins.add_nihil(s, ids["o71c"].id, date(2026, 11, 23), utc(23, 8))
        return {k: v.id for k, v in ids.items()}


def office_digest(sessions, code: str, end: datetime = WITA_0700, lang: str = "id") -> str:
    with sessions.begin() as s:
        found = digest.gather(s, people.get_office_by_region(s, code), end, with_chart=False)
        return "\n\n".join(digest.split(digest.render_lines(found, lang)))


def test_the_kota_digest_counts_exactly(sessions, week):
    text = office_digest(sessions, "63.71")
    assert text.startswith("Ringkasan harian Kesbangpol 63.71\n24/11/2026 07:00 WITA\n"
                           "24 jam terakhir: 3 (biasanya 0,4 per hari selama 7 hari sebelumnya; naik 2,6)")
    assert ("Menurut tingkat:\n- Tinggi: 1 (biasanya 0,1 per hari selama 7 hari sebelumnya; naik 0,9)\n- Sedang: 1 (biasanya 0,1 per hari selama 7 hari sebelumnya; naik 0,9)\n"
            "- Rendah: 1 (biasanya 0,1 per hari selama 7 hari sebelumnya; naik 0,9)") in text
    assert ("Menurut kategori:\n- Unjuk rasa / demonstrasi: 2 (biasanya 0,3 per hari selama 7 hari sebelumnya; naik 1,7)\n"
            "- Hoaks & ujaran kebencian: 1 (biasanya 0,1 per hari selama 7 hari sebelumnya; naik 0,9)") in text
    # The time shown is the incident's (half an hour before it was filed, in these reports).
    assert ("Laporan tingkat tinggi (nomor | waktu kejadian | kategori | kecamatan | status):\n"
            "- KJD-6371-2026-000001 | 23/11 08:30 WITA | Unjuk rasa / demonstrasi | Banjarmasin Utara | baru") in text
    assert "Kecamatan paling aktif: Banjarmasin Utara (2), Banjarmasin Selatan (1)" in text
    assert "Masih berstatus baru setelah 24 jam: 2\nKJD-6371-2026-000007, KJD-6371-2026-000004" in text
    assert "Kepatuhan 23/11:\n- Petugas tanpa laporan maupun nihil: Bayu" in text
    assert "Per kabupaten/kota" not in text


def test_the_other_kota_and_the_province_digest_roll_up_exactly(sessions, week):
    kota = office_digest(sessions, "63.72")
    assert "24 jam terakhir: 1 (biasanya 0,1 per hari selama 7 hari sebelumnya; naik 0,9)" in kota
    assert "Masih berstatus baru setelah 24 jam: 1\nKJD-6372-2026-000002" in kota
    assert "- Semua petugas mengirim laporan atau nihil." in kota
    province = office_digest(sessions, "63")
    assert "24 jam terakhir: 4 (biasanya 0,6 per hari selama 7 hari sebelumnya; naik 3,4)" in province
    assert ("- Tinggi: 2 (biasanya 0,1 per hari selama 7 hari sebelumnya; naik 1,9)\n- Sedang: 1 (biasanya 0,3 per hari selama 7 hari sebelumnya; naik 0,7)\n"
            "- Rendah: 1 (biasanya 0,1 per hari selama 7 hari sebelumnya; naik 0,9)") in province
    assert ("- Unjuk rasa / demonstrasi: 2 (biasanya 0,3 per hari selama 7 hari sebelumnya; naik 1,7)\n"
            "- Hoaks & ujaran kebencian: 1 (biasanya 0,1 per hari selama 7 hari sebelumnya; naik 0,9)\n"
            "- Politik uang: 1 (biasanya 0,1 per hari selama 7 hari sebelumnya; naik 0,9)") in province
    assert province.count("\n- KJD-") == 2
    assert "Masih berstatus baru setelah 24 jam: 3" in province
    assert ("Per kabupaten/kota:\n"
            "- Kesbangpol 63.03: 0 laporan, 0 tinggi, 0 belum diverifikasi >24 jam, 1 petugas tanpa laporan/nihil\n"
            "- Kesbangpol 63.71: 3 laporan, 1 tinggi, 2 belum diverifikasi >24 jam, 1 petugas tanpa laporan/nihil\n"
            "- Kesbangpol 63.72: 1 laporan, 1 tinggi, 1 belum diverifikasi >24 jam, 0 petugas tanpa laporan/nihil"
            ) in province
    # The same silent officers as in the kab/kota lines above, named with their office.
    assert ("Kepatuhan 23/11:\n- Petugas tanpa laporan maupun nihil: Eka (Kesbangpol 63.03), Bayu (Kesbangpol 63.71)\n"
            "- Kantor kabupaten/kota tanpa laporan maupun nihil: Kesbangpol 63.03") in province
    english = office_digest(sessions, "63", lang="en")
    assert "Last 24 hours: 4 (usually 0.6 a day over the 7 days before; up 3.4)" in english
    assert "Kalteng" not in province and "24 jam terakhir: 0 (biasanya 0,0 per hari selama 7 hari sebelumnya; sama)" in office_digest(
        sessions, "62", WIB_0700)


def test_a_section_provider_adds_its_lines(sessions, week, monkeypatch):
    monkeypatch.setattr(digest, "DIGEST_SECTIONS", [lambda s, office, end, lang: ["Rakor 7 hari ke depan:", "- X"]])
    assert office_digest(sessions, "63").endswith("Rakor 7 hari ke depan:\n- X")


def test_the_digest_goes_to_each_office_s_heads_at_their_local_0700_once(sessions, week):
    def tick(now: datetime) -> list[Notify]:
        with sessions.begin() as s:
            return DIGEST_TICK.run(s, now)

    assert tick(WITA_0700 - timedelta(minutes=1)) == []
    sent = tick(WITA_0700)
    with sessions.begin() as s:
        by_region = {s.get(people.Office, n.to.office_id).region_code: n for n in sent}
    assert sorted(by_region) == ["63", "63.03", "63.71", "63.72"]
    province = by_region["63"]
    assert province.to == ToRole(week["h63"] and province.to.office_id, "head", upward=False)
    assert (province.key, province.kind) == (f"digest:{province.to.office_id}:2026-11-24", "digest")
    assert province.expires_at == datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # noon WITA
    with sessions.begin() as s:
        head = people.get_officer(s, week["h63"])
        replies = province.render(head, "id")
    assert "24 jam terakhir: 4" in replies[0].text
    chart = replies[-1].media[0]
    assert (chart.kind, chart.content_type) == ("photo", "image/png")
    assert Image.open(chart.stored_path).size == (800, 450)
    assert province.variables(head, "id") == {"1": "Kesbangpol 63", "2": "24/11/2026", "3": "4", "4": "2"}
    assert tick(WITA_0700 + timedelta(minutes=1)) == []  # once per office and day
    kalteng = tick(WIB_0700)
    assert len(kalteng) == 1 and "Kalteng" not in kalteng[0].key
    with sessions.begin() as s:
        assert s.get(people.Office, kalteng[0].to.office_id).region_code == "62"
    assert tick(WIB_0700 + timedelta(minutes=30)) == []


def test_a_digest_too_late_is_not_sent_and_holidays_pause_it_where_the_office_says_so(sessions, week):
    with sessions.begin() as s:
        late = DIGEST_TICK.run(s, datetime(2026, 11, 24, 4, 0, tzinfo=UTC))  # 12:00 WITA, 11:00 WIB
        assert [s.get(people.Office, n.to.office_id).region_code for n in late] == ["62"]
        people.get_office_by_region(s, "63.71").digest_on_holidays = False
        christmas_eve = datetime(2026, 12, 23, 23, 0, tzinfo=UTC)  # 07:00 WITA on 24/12, cuti bersama
        sent = DIGEST_TICK.run(s, christmas_eve)
        regions = {s.get(people.Office, n.to.office_id).region_code for n in sent}
    assert regions == {"63", "63.03", "63.72"}


def test_the_chart_is_a_png_of_the_expected_size_with_one_bar_per_day(sessions, week, tmp_path):
    with sessions.begin() as s:
        found = digest.gather(s, people.get_office_by_region(s, "63"), WITA_0700, with_chart=False)
    # Seven days ending with the digest's own (07:00 on 24/11), each incident on the day it happened.
    assert found.chart_days == [date(2026, 11, d) for d in range(18, 25)]
    assert dict((name["id"], counts) for name, counts in found.chart_series) == {
        "Unjuk rasa / demonstrasi": [0, 0, 1, 0, 0, 2, 0],
        "Hoaks & ujaran kebencian": [1, 0, 0, 0, 0, 1, 0],
        "Politik uang": [0, 0, 0, 1, 0, 1, 0],
    }
    png = digest.chart_png(found, "id")
    assert png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    assert image.size == (800, 450)
    (tmp_path / "chart.png").write_bytes(png)


def test_ringkasan_in_chat_gives_a_head_the_digest_with_its_chart(sessions, week):
    turn = chat(sessions, "h71", "/ringkasan", now=WITA_0700)
    assert turn.replies[0].text.startswith("Ringkasan harian Kesbangpol 63.71")
    assert turn.replies[-1].media[0].content_type == "image/png"
    assert all(len(r.text) <= digest.MESSAGE_LIMIT for r in turn.replies)


def test_a_long_digest_is_split_between_sections_under_the_limit():
    sections = [[f"heading {n}"] + [f"- line {n}.{m} " + "x" * 60 for m in range(10)] for n in range(6)]
    messages = digest.split(sections, limit=1500)
    assert len(messages) > 1 and all(len(m) <= 1500 for m in messages)
    assert "\n\n".join(messages) == "\n\n".join("\n".join(lines) for lines in sections)


# -- the nihil check-in ---------------------------------------------------------------------------

CHECKIN_WITA = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 16:00 WITA


def checkin_starts(sessions, now: datetime) -> list[StartFlow]:
    with sessions.begin() as s:
        return CHECKIN_TICK.run(s, now)


def open_started(sessions, start: StartFlow, address: str, now: datetime) -> str:
    """Open a started flow as the delivery runner will: the flow's start with its params, saved."""
    with sessions.begin() as s:
        officer = people.get_officer(s, start.officer_id)
        ctx = Ctx(session=s, now=now, lang="id", channel="console", address=address, officer=officer)
        state, replies = engine.start(handlers.FLOWS[start.flow], ctx, answers=start.params)
        conversations.save_conversation(s, None, "console", address, state.flow, state.step, state.data(), now)
        return "\n".join(r.text for r in replies)


def test_the_checkin_reaches_only_officers_who_filed_nothing_today_once(sessions):
    with sessions.begin() as s:
        filed, silent, paused = (add_officer(s, a, name=a) for a in ("filed", "silent", "paused"))
        add_officer(s, "head", role=Role.HEAD)
        add_report(s, filed, created_at=CHECKIN_WITA - timedelta(hours=2), kecamatan="63.71.04")
        ids = (silent.id, paused.id, filed.id)
    chat(sessions, "paused", "/jeda 2 hari", now=FROZEN_NOW)
    assert checkin_starts(sessions, CHECKIN_WITA - timedelta(minutes=1)) == []
    starts = checkin_starts(sessions, CHECKIN_WITA)
    assert [(s.officer_id, s.flow, s.params, s.key) for s in starts] == [
        (ids[0], "checkin", {"date": "2026-11-23"}, f"checkin:{ids[0]}:2026-11-23")]
    assert starts[0].expires_at == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # local midnight
    assert checkin_starts(sessions, CHECKIN_WITA + timedelta(minutes=1)) == []
    # Two days later the pause is over, and nobody has filed anything that day.
    later = {s.officer_id for s in checkin_starts(sessions, CHECKIN_WITA + timedelta(days=2))}
    assert later == set(ids)


def test_holidays_skip_the_checkin(sessions):
    with sessions.begin() as s:
        add_officer(s, "silent")
    christmas_eve = datetime(2026, 12, 24, 8, 0, tzinfo=UTC)  # 16:00 WITA, cuti bersama
    assert checkin_starts(sessions, christmas_eve) == []
    assert checkin_starts(sessions, christmas_eve + timedelta(days=1)) == []  # Christmas Day
    assert len(checkin_starts(sessions, christmas_eve + timedelta(days=2))) == 1


def test_nihil_is_stored_for_the_day_and_lapor_opens_the_report_flow(sessions):
    with sessions.begin() as s:
        add_officer(s, "a", name="Andi")
        add_officer(s, "b", name="Bayu")
    starts = {s.officer_id: s for s in checkin_starts(sessions, CHECKIN_WITA)}
    assert len(starts) == 2
    a, b = sorted(starts)
    assert open_started(sessions, starts[a], "a", CHECKIN_WITA).startswith("Laporan harian: hari ini Anda belum")
    assert chat(sessions, "a", "1", now=CHECKIN_WITA).text == "Tercatat: nihil untuk 23/11/2026. Terima kasih."
    open_started(sessions, starts[b], "b", CHECKIN_WITA)
    lapor = chat(sessions, "b", choice="lapor", now=CHECKIN_WITA)
    assert lapor.text == "Jenis kejadian apa?" and lapor.effects == []
    with sessions.begin() as s:
        assert conversations.get_conversation(s, "console", "b").flow == "incident"
        silent = checkins.list_silent_officers(s, people.get_officer(s, a).office_id, utc(22, 16), utc(23, 16),
                                               date(2026, 11, 23))
        assert [o.name for o in silent] == ["Bayu"]


def test_a_checkin_waiting_behind_a_report_vanishes_once_the_report_is_filed(sessions):
    with sessions.begin() as s:
        officer = add_officer(s, "a")
    start = checkin_starts(sessions, CHECKIN_WITA)[0]
    with sessions.begin() as s:
        add_report(s, people.get_officer(s, officer.id), created_at=CHECKIN_WITA + timedelta(minutes=5),
                   kecamatan="63.71.04")
    assert open_started(sessions, start, "a", CHECKIN_WITA + timedelta(minutes=6)) == ""


def test_jeda_pauses_and_resumes_and_explains_itself(sessions):
    with sessions.begin() as s:
        add_officer(s, "a")
    assert chat(sessions, "a", "/jeda 3 hari", now=FROZEN_NOW).text.startswith(
        "Pengingat laporan harian dijeda sampai 25/11/2026.")
    assert chat(sessions, "a", "/jeda", now=FROZEN_NOW).text.startswith(
        "Pengingat laporan harian dijeda sampai 25/11/2026.")
    assert chat(sessions, "a", "/jeda 99 hari", now=FROZEN_NOW).text.startswith("Pengingat laporan harian dijeda")
    assert chat(sessions, "a", "/jeda selesai", now=FROZEN_NOW).text == "Pengingat laporan harian aktif kembali."
    # A word it cannot read is named, not met with the usage alone (issue 22).
    assert chat(sessions, "a", "/jeda besok", now=FROZEN_NOW).text.startswith(
        "\"besok\" tidak dipahami: jeda selalu dimulai hari ini")
    assert chat(sessions, "a", "/jeda", now=FROZEN_NOW).text.startswith("Tulis /jeda 3 hari")
