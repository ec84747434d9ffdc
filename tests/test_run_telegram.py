"""`siaga run` on Telegram as a user meets it: a child process against the fake Bot API, polling and webhook."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.support.fake_telegram import FakeTelegram, TelegramUser, wait_until
from tests.support.siaga import CommandClock
from tests.support.siaga import Siaga as Command

pytestmark = pytest.mark.subprocess

SIAGA = str(Path(sys.executable).parent / "siaga")
WEDNESDAY_1300_WITA = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)
JPEG = b"\xff\xd8\xff\xe0" + b"evidence photo bytes" * 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Siaga:
    """The `siaga` command in a temporary folder with a fresh database, talking to the fake Bot API.

    Its commands run in-process (tests/support/siaga.py); `siaga run` is a child process. All read one clock:
    13:00 WITA on a working Wednesday, so no 07:00 digest or 16:00 check-in joins a conversation under test.
    """

    def __init__(self, url: str, cwd: Path, fake: FakeTelegram) -> None:
        self.command = Command(url, cwd, clock=CommandClock(WEDNESDAY_1300_WITA), TELEGRAM_BOT_TOKEN=fake.token,
                               TELEGRAM_API_BASE_URL=fake.url, SIAGA_LOG_LEVEL="DEBUG")
        self.cwd, self.fake = cwd, fake
        self.process: subprocess.Popen[str] | None = None
        self.logs: list[str] = []
        self._log_file: Path | None = None

    @property
    def env(self) -> dict[str, str]:
        """The environment of the next `siaga` child (its clock reads on from the commands before it)."""
        return self.command.env()

    def now(self) -> datetime:
        return self.command.now()

    def __call__(self, *args: str) -> str:
        return self.command(*args).stdout

    def invite(self, *extra: str) -> str:
        return self("invite", "create", "--office", "63.71", "--role", "officer", *extra).strip()

    def start(self, **env: str) -> None:
        """Start `siaga run` and wait until it takes updates."""
        assert self.process is None
        self._log_file = self.cwd / f"run-{len(self.logs) + 1}.log"
        polls = len(self.fake.calls_of("getUpdates"))
        self.process = subprocess.Popen([SIAGA, "run"], env={**self.env, **env}, cwd=self.cwd, text=True,
                                        stdout=subprocess.DEVNULL, stderr=self._log_file.open("w"))
        if "PUBLIC_BASE_URL" in env:
            wait_until(lambda: self.fake.webhook and self._healthy(env["PORT"]), timeout=30, what="webhook mode")
        else:
            wait_until(lambda: len(self.fake.calls_of("getUpdates")) > polls or self.process.poll() is not None,
                       timeout=30, what="long polling")
        assert self.process.poll() is None, self._log_file.read_text()

    def _healthy(self, port: str) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Signal `siaga run` and wait for it to exit; returns its exit status."""
        assert self.process is not None and self._log_file is not None
        self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        self.logs.append(self._log_file.read_text())
        self.process = None
        return code

    def reports(self) -> list[dict]:
        return json.loads(self("reports", "list", "--format", "json"))


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def siaga(database_factory, tmp_path, fake):
    app = Siaga(database_factory(), tmp_path, fake)
    app("init")
    app("office", "add", "--region", "63.71")
    yield app
    if app.process is not None:
        app.process.kill()
        app.process.wait()


def buttons(call) -> list[str]:
    return [b["text"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


def test_an_officer_joins_and_files_a_report_by_tapping_sharing_a_location_and_a_photo(siaga, fake):
    code = siaga.invite()
    siaga.start()
    budi = TelegramUser(fake)

    assert "Selamat datang di Siaga" in budi.say(f"/start {code}", expect="Siapa nama lengkap Anda?")[0]
    budi.say("Budi Santoso", expect="Terima kasih, Budi Santoso")

    budi.say("/lapor", expect="Jenis kejadian apa?")
    categories = budi.last_keyboard()
    assert buttons(categories)[:2] == ["Unjuk rasa / demonstrasi", "Konflik sosial / SARA"]
    budi.tap("Unjuk rasa / demonstrasi", expect="Di kecamatan mana?")
    # The tap is acknowledged and the answered keyboard taken away.
    wait_until(lambda: fake.calls_of("editMessageReplyMarkup"), what="keyboard removed")
    edit = fake.calls_of("editMessageReplyMarkup")[0]
    assert int(edit.params["message_id"]) == categories.result["message_id"]
    assert "reply_markup" not in edit.params or not edit.params["reply_markup"]
    assert fake.calls_of("answerCallbackQuery")

    budi.say("banjar", expect="Ada beberapa yang cocok")
    budi.tap("Banjarmasin Utara", expect="Di desa/kelurahan")
    budi.say("Kel. Sungai Jingah", expect="Kapan terjadinya?")
    budi.say("sekarang", expect="Apa yang terjadi?")
    budi.say("Sekitar 200 mahasiswa berunjuk rasa menolak hasil pleno", expect="Siapa pihak")
    budi.say("Aliansi Mahasiswa", expect="Perkiraan jumlah massa")
    budi.say("200", expect="Seberapa serius?")
    assert buttons(budi.last_keyboard()) == ["Rendah", "Sedang", "Tinggi"]
    budi.tap("Tinggi", expect="Tindakan apa")
    budi.say("Koordinasi dengan Polresta", expect="Bagikan lokasi kejadian")
    location_keyboard = budi.received()[-1].params["reply_markup"]
    assert location_keyboard["keyboard"] == [[{"text": "Kirim lokasi saya", "request_location": True}]]
    budi.share_location(-3.3002, 114.5912, expect="Kirim foto kejadian")
    review = budi.send_photo(JPEG, expect="Periksa kembali")
    assert "- Lokasi: -3.30020, 114.59120" in review[-1] and "- Foto: 1 lampiran" in review[-1]
    review_keyboard = budi.last_keyboard()
    saved = budi.tap("Kirim", expect="tersimpan")
    assert re.fullmatch(r"Laporan KJD-6371-\d{4}-000001 tersimpan\. Terima kasih\.", saved[-1])

    # A second tap on the same (already answered) keyboard files nothing. Each tap ends by editing its
    # keyboard away, after its turn's replies went out: the second edit of this message only the second tap
    # makes, so once it is there any reply to that tap would be too (the first tap's late edit is not enough).
    review_id = review_keyboard.result["message_id"]

    def review_edits() -> int:
        return sum(int(c.params["message_id"]) == review_id for c in fake.calls_of("editMessageReplyMarkup"))

    budi.press(review_keyboard, "submit")
    wait_until(lambda: review_edits() == 2, what="the second tap handled to its end")
    assert budi.texts()[budi.seen:] == []

    # A second report, cancelled half-way.
    budi.say("/lapor", expect="Jenis kejadian apa?")
    budi.tap("Politik uang", expect="Di kecamatan mana?")
    budi.say("batal", expect="Dibatalkan. Draf tidak disimpan.")
    assert siaga.stop() == 0

    [report] = siaga.reports()
    assert (report["category"], report["kecamatan_code"], report["severity"], report["channel"]) == (
        "Unjuk rasa / demonstrasi", "63.71.04", "tinggi", "telegram")
    assert (report["latitude"], report["longitude"], report["attachments"]) == (-3.3002, 114.5912, 1)
    stored = list((siaga.cwd / "attachments").rglob("*.jpg"))
    assert [p.read_bytes() for p in stored] == [JPEG]
    assert [c.params["file_id"] for c in fake.calls_of("getFile")] == ["FILE0001"]  # the largest size

    menus = {c.params.get("language_code"): [m["command"] for m in c.params["commands"]]
             for c in fake.calls_of("setMyCommands")}
    assert menus["id"][:2] == ["lapor", "laporanku"] and menus["en"][:2] == ["report", "myreports"]

    log = siaga.logs[0]
    for secret in (fake.token, "Budi", "Sungai Jingah", "mahasiswa", code):
        assert secret not in log, f"{secret!r} leaked into the log"
    assert "turn channel=telegram" in log


def test_killing_siaga_run_mid_report_continues_the_same_conversation_at_the_same_step(siaga, fake):
    code = siaga.invite("--name", "Budi Santoso")
    siaga.start()
    budi = TelegramUser(fake)
    budi.say(f"/start {code}", expect="Selamat datang di Siaga")
    budi.say("/lapor", expect="Jenis kejadian apa?")
    budi.tap("Konflik sosial / SARA", expect="Di kecamatan mana?")
    budi.say("Banjarmasin Utara", expect="Di desa/kelurahan")
    assert siaga.stop(signal.SIGKILL) == -signal.SIGKILL

    siaga.start()
    budi.say("Kel. Sungai Jingah", expect="Kapan terjadinya?")
    # Typed answers work as well as buttons.
    for answer, question in [("2 jam lalu", "Apa yang terjadi?"),
                             ("Bentrok antar kelompok pemuda di pasar", "Siapa pihak"),
                             ("Dua kelompok pemuda", "Perkiraan jumlah massa"),
                             ("lewati", "Seberapa serius?"), ("sedang", "Tindakan apa"),
                             ("Mediasi oleh camat", "Bagikan lokasi"), ("lewati", "Kirim foto"),
                             ("lewati", "Periksa kembali"), ("kirim", "tersimpan")]:
        budi.say(answer, expect=question)
    assert siaga.stop() == 0

    [report] = siaga.reports()
    assert (report["category"], report["place"], report["severity"], report["attachments"]) == (
        "Konflik sosial / SARA", "Kel. Sungai Jingah", "sedang", 0)


def test_webhook_mode_serves_telegram_on_the_shared_web_server(siaga, fake):
    code = siaga.invite("--name", "Budi Santoso")
    port = str(free_port())
    siaga.start(PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", PORT=port, HOST="127.0.0.1")
    hook = fake.webhook
    assert hook["url"] == f"http://127.0.0.1:{port}/telegram"
    assert hook["secret_token"] and fake.token not in hook["secret_token"]
    assert not fake.calls_of("getUpdates")

    forged = httpx.post(f"http://127.0.0.1:{port}/telegram", json={"update_id": 1},
                        headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
    assert forged.status_code == 403

    budi = TelegramUser(fake)
    budi.say(f"/start {code}", expect="Selamat datang di Siaga")
    budi.say("/lapor", expect="Jenis kejadian apa?")
    budi.tap("Hoaks & ujaran kebencian", expect="Di kecamatan mana?")
    budi.say("batal", expect="Dibatalkan")

    # Telegram redelivers an update whose webhook call failed or timed out: same update, same message.
    update = budi.message(text="halo")
    update_id = fake.push(update)
    fake.push({**update, "update_id": update_id})
    # Webhook calls go one at a time, so by the answer to /bantuan the copy has been handled.
    answers = budi.say("/bantuan", expect="Perintah Siaga:")
    assert len(answers) == 2 and answers[0].startswith("Ketik /lapor untuk melaporkan kejadian")

    # In a group the bot answers only commands addressed to it, and only with a pointer to a private chat.
    group = {"id": -100200, "type": "supergroup", "title": "Kesbangpol"}
    for text in ("/lapor@SiagaTestBot", "/lapor", "halo semua", "/lapor@OtherBot"):
        fake.push({"message": {"message_id": fake.next_message_id(), "date": 0, "from": budi.user, "chat": group,
                               "text": text, "entities": [{"type": "bot_command", "offset": 0,
                                                           "length": len(text.split()[0])}]
                               if text.startswith("/") else []}})
    last = fake.push({"message": {"message_id": fake.next_message_id(), "date": 0, "from": budi.user,
                                  "chat": budi.chat, "text": "/bantuan"}})
    wait_until(lambda: last in fake.delivered, what="all updates delivered")

    def to_group() -> list[str]:
        return [c.params["text"] for c in fake.calls_of("sendMessage") if int(c.params["chat_id"]) == -100200]

    # The pointer leaves through the outbox like every message: shortly after the update, once.
    wait_until(to_group, what="the group's pointer")
    assert siaga.stop() == 0
    assert to_group() == ["Laporan dikirim lewat obrolan pribadi dengan @SiagaTestBot, bukan di grup."]
    assert siaga.reports() == []
    # /start, /lapor, a tap, batal, halo, /bantuan, /bantuan: a turn each, none for halo's copy.
    log = siaga.logs[0]
    assert log.count("turn channel=telegram") == 7
    assert log.count("duplicate message ignored channel=telegram") == 1


def test_sigterm_lets_the_turn_in_flight_finish_and_its_state_is_saved(siaga, fake):
    code = siaga.invite("--name", "Budi Santoso")
    siaga.start()
    budi = TelegramUser(fake)
    budi.say(f"/start {code}", expect="Selamat datang di Siaga")
    budi.seen = len(budi.texts())
    fake.delays["sendMessage"] = 1.0  # the reply to /lapor is still on its way when SIGTERM arrives
    budi.send("/lapor")
    wait_until(lambda: len(budi.received()) > budi.seen, what="the reply being sent")
    assert siaga.stop() == 0
    [reply] = budi.received()[budi.seen:]
    assert reply.result is not None and reply.params["text"] == "Jenis kejadian apa?"

    del fake.delays["sendMessage"]
    budi.seen = before_restart = len(budi.texts())
    siaga.start()
    budi.say("1", expect="Di kecamatan mana?")
    assert siaga.stop() == 0
    assert budi.texts()[before_restart:] == [  # /lapor was not handled twice
        "Di kecamatan mana? Ketik nama kecamatan (sebagian juga boleh), atau bagikan lokasi kejadian."]
