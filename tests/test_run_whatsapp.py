"""WhatsApp end to end: `siaga run` in a child process, signed Twilio webhooks in, a fake Twilio API out."""

from __future__ import annotations

import csv
import io
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from storage import outbox, people
from storage.db import make_sessions
from storage.models import OutboxStatus, Role
from tests.conftest import add_office, prepare
from tests.support.fake_twilio import (
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    SENDER,
    FakeTwilio,
    free_port,
    inbound_params,
    new_sid,
    post_signed,
    wait_until,
)
from tests.support.siaga import CommandClock
from tests.support.siaga import Siaga as Command

pytestmark = pytest.mark.subprocess

SIAGA = str(Path(sys.executable).parent / "siaga")
OFFICER = "whatsapp:+6281234567890"
INBOUND = f"{PUBLIC_BASE_URL}/whatsapp/inbound"
# `siaga run` and the commands live at 13:00 WITA on a working Wednesday: no 07:00 digest or 16:00 check-in nudge
# joins the conversations under test, whatever the hour the suite runs.
WEDNESDAY_1300_WITA = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)


class Chat:
    """One WhatsApp user talking to the served bot; `say` returns the bodies the bot sent back."""

    def __init__(self, fake: FakeTwilio, target: str, database_url: str, address: str = OFFICER) -> None:
        self.fake, self.target, self.address = fake, target, address
        self.sessions = make_sessions(database_url)

    def _settled(self) -> bool:
        with self.sessions.begin() as s:
            return outbox.count_messages(s, OutboxStatus.PENDING) + outbox.count_messages(s, OutboxStatus.SENDING) == 0

    def post(self, body: str | None = None, *, sid: str | None = None, **extra: str) -> httpx.Response:
        return post_signed(INBOUND, inbound_params(self.address, body, sid=sid, **extra), target=self.target)

    def say(self, body: str | None = None, *, sid: str | None = None, **extra: str) -> str:
        before = len(self.fake.bodies(self.address))
        response = self.post(body, sid=sid, **extra)
        assert response.status_code == 200 and "<Response/>" in response.text
        wait_until(lambda: len(self.fake.bodies(self.address)) > before and self._settled())
        return "\n\n".join(self.fake.bodies(self.address)[before:])


@pytest.fixture
def served(database_factory, tmp_path):
    """Initialise a database, invite an officer, and serve `siaga run` with WhatsApp against a fake Twilio."""
    database_url = database_factory()
    with FakeTwilio() as fake:
        port = free_port()
        siaga = Command(database_url, tmp_path, clock=CommandClock(WEDNESDAY_1300_WITA), HOST="127.0.0.1",
                        PORT=str(port), PUBLIC_BASE_URL=PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID=fake.account_sid,
                        TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_WHATSAPP_FROM=SENDER, TWILIO_API_BASE_URL=fake.url)
        # Set up in-process, as `siaga init`, `office add` and `invite create` do (tests/test_cli.py runs those).
        engine = prepare(database_url)
        with make_sessions(engine).begin() as s:
            code = people.add_invite(s, add_office(s), Role.OFFICER, siaga.now()).code
        engine.dispose()
        log = open(tmp_path / "siaga-run.log", "w+", encoding="utf-8")  # noqa: SIM115
        process = subprocess.Popen([SIAGA, "run"], env=siaga.env(), cwd=tmp_path, stdout=log,
                                   stderr=subprocess.STDOUT)
        target = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            assert process.poll() is None, (tmp_path / "siaga-run.log").read_text()
            try:
                return httpx.get(f"{target}/healthz", timeout=1).text == "ok"
            except httpx.TransportError:
                return False

        try:
            wait_until(healthy, timeout=30, interval=0.05)
            fake.webhook_target = target
            yield Chat(fake, target, database_url), siaga, code, fake
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0
            log.seek(0)
            output = log.read()
            log.close()
            # Logs carry ids only: never the phone number, the token or what was said.
            assert "6281234567890" not in output and AUTH_TOKEN not in output and "mahasiswa" not in output


def test_an_officer_files_a_whole_report_over_whatsapp(served, tmp_path):
    chat, siaga, code, fake = served
    assert chat.say(f"daftar {code}").startswith("Selamat datang di Siaga.")
    chat.say("Budi Santoso")
    categories = chat.say("/lapor")
    assert categories.startswith("Jenis kejadian apa?") and "\n1. Unjuk rasa / demonstrasi\n" in categories
    assert chat.say("1").startswith("Di kecamatan mana?")          # a number picks
    chat.say("Banjarmasin Utara")
    chat.say("Kel. Sungai Jingah")
    chat.say("sekarang")
    chat.say("Sekitar 200 mahasiswa berunjuk rasa menolak hasil pleno")
    chat.say("Aliansi Mahasiswa")
    chat.say("200")
    chat.say("Tinggi")                                             # so does a label
    assert "📎" in chat.say("Koordinasi dengan Polresta")          # the location question shows the hint
    chat.say("", Latitude="-3.30", Longitude="114.59", MessageType="location")
    photo = fake.add_media(b"\xff\xd8\xff\xe0 evidence", "image/jpeg")
    review = chat.say("", NumMedia="1", MediaUrl0=photo, MediaContentType0="image/jpeg", MessageType="image")
    assert "Periksa kembali sebelum dikirim" in review

    final = new_sid("SM")
    done = chat.say("kirim", sid=final)
    number = "KJD-6371-2026-000001"
    assert f"Laporan {number} tersimpan." in done
    # Twilio retries a webhook it thinks failed, with the same MessageSid, sometimes at the same time.
    retries = [threading.Thread(target=chat.post, args=("kirim",), kwargs={"sid": final}) for _ in range(3)]
    for thread in retries:
        thread.start()
    for thread in retries:
        thread.join()
    assert chat.post("kirim", sid=final).status_code == 200
    # Each webhook answers after its turn; the outbox key alone would hide a second turn, so count them.
    log = (tmp_path / "siaga-run.log").read_text(encoding="utf-8")
    assert log.count("duplicate message ignored channel=whatsapp") == 4
    assert log.count("turn channel=whatsapp") == 15  # one per message said, none for the retries

    rows = list(csv.DictReader(io.StringIO(siaga("reports", "list", "--format", "csv").stdout)))
    assert [(r["number"], r["channel"], r["severity"], r["latitude"], r["attachments"]) for r in rows] == [
        (number, "whatsapp", "tinggi", "-3.3", "1")]
    stored = list((tmp_path / "attachments").rglob("*.jpg"))
    assert len(stored) == 1 and stored[0].read_bytes().startswith(b"\xff\xd8")
    assert fake.bodies(OFFICER).count(done) == 1


def test_forged_webhooks_are_refused_and_change_nothing(served):
    chat, siaga, code, fake = served
    params = inbound_params(OFFICER, f"daftar {code}")
    forged = httpx.post(f"{chat.target}/whatsapp/inbound", data=params,
                        headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    unsigned = httpx.post(f"{chat.target}/whatsapp/inbound", data=params)
    wrong_token = post_signed(INBOUND, params, token="not-the-token", target=chat.target)
    assert [forged.status_code, unsigned.status_code, wrong_token.status_code] == [403, 403, 403]
    assert fake.count() == 0
    assert chat.say(f"daftar {code}").startswith("Selamat datang")  # the code was not used up


def test_a_failed_delivery_shows_in_the_outbox_list_with_the_number_masked(served):
    chat, siaga, code, fake = served
    chat.say(f"daftar {code}")
    sent = fake.messages[-1]
    assert fake.status_callback(sent, "sent").status_code == 200
    assert fake.status_callback(sent, "undelivered", error_code="63016").status_code == 200
    failed = siaga("outbox", "list", "--status", "failed").stdout
    assert "undelivered" in failed and "63016" in failed and "whatsapp:+" in failed
    assert "6281234567890" not in failed and "890" in failed
    assert len(failed.strip().splitlines()) == 2  # the header and the one failed message


def test_delivery_reports_posted_by_twilio_reach_every_outbox_row(served):
    chat, siaga, code, fake = served
    fake.post_statuses = ("queued", "sent", "delivered")
    chat.say(f"daftar {code}")
    chat.say("Budi Santoso")
    sent = fake.count()
    wait_until(lambda: fake.callbacks_in_flight() == 0 and len(fake.callbacks) == 3 * sent)
    assert sent >= 2 and {status for _, _, status in fake.callbacks} == {200}
    rows = siaga("outbox", "list").stdout.strip().splitlines()[1:]
    assert len(rows) == sent and all(" sent " in row and " delivered " in row for row in rows)
