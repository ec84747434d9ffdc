"""The console adapter (issue 13, items 5 and 12): what may be attached, re-asking, line editing, resuming."""

from __future__ import annotations

import builtins
import io

import pytest

from bot.channels import console
from handlers.types import Inbound
from tests.bot.test_runner import INCIDENT_ANSWERS

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF evidence"


@pytest.mark.parametrize(("name", "content", "refusal"), [
    ("passwd", b"root:x:0:0:root:/root:/bin/bash\n", "console.not_attachable"),
    ("notes.txt", b"saksi: Pak Ahmad", "console.not_attachable"),
    ("fake.jpg", b"#!/bin/sh\nrm -rf /", "console.not_attachable"),
    ("laporan.pdf", b"MZ\x90\x00 an exe", "console.not_attachable"),
    ("bukti.jpg", JPEG, None),
    ("notulen.pdf", b"%PDF-1.7 notulen", None),
])
def test_only_photos_and_documents_are_attached(tmp_path, name, content, refusal):
    path = tmp_path / name
    path.write_bytes(content)
    result = console.to_inbound(f"!foto {path}", "a", tmp_path / "store")
    if refusal is None:
        (media,) = result.media
        assert media.stored_path and open(media.stored_path, "rb").read() == content
    else:
        assert result == (refusal, {"path": name})
        assert not (tmp_path / "store").exists()


def test_etc_passwd_is_not_copied(tmp_path):
    assert console.to_inbound("!foto /etc/passwd", "a", tmp_path)[0] == "console.not_attachable"
    assert list(tmp_path.iterdir()) == []


def chat(runner, lines, **kw):
    out = io.StringIO()
    console.run_console(runner.run_turn, "officer-1", runner.settings.attachments_dir,
                        io.StringIO("\n".join(lines) + "\n"), out, lang="id",
                        pending=lambda: runner.pending("console", "officer-1"), **kw)
    return out.getvalue()


def test_a_missing_or_refused_file_is_answered_and_the_question_asked_again(runner, officer, tmp_path):
    (tmp_path / "passwd").write_text("root:x:0:0")
    out = chat(runner, [*INCIDENT_ANSWERS[:11], f"!foto {tmp_path}/nope.jpg", f"!foto {tmp_path}/passwd"])
    missing, refused = out.split("Berkas tidak ditemukan:")[1], out.split("Berkas passwd bukan foto")[1]
    assert "Kirim foto kejadian, bila ada." in missing.split("Berkas passwd")[0]
    assert refused.rstrip().endswith("(boleh dilewati: ketik 'lewati')")


def test_an_interactive_console_edits_lines_and_shows_the_pending_question_after_a_restart(
        runner, officer, monkeypatch):
    chat(runner, INCIDENT_ANSWERS[:4])  # the first session ends at the time question
    typed = iter(["sekarang"])

    def fake_input(prompt=""):
        assert prompt == "> "
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr(builtins, "input", fake_input)
    out = chat(runner, [], interactive=True)
    banner, first = out.split("\n", 1)
    assert banner.startswith("Konsol Siaga.")
    assert first.lstrip().startswith("Kapan terjadinya?")  # not the idle "Ketik /lapor..."
    assert "Apa yang terjadi?" in out  # the typed answer went through input()


def test_batal_on_a_complete_draft_asks_once_before_discarding(runner, officer):
    def say(text):
        return "\n".join(r.text for r in runner.run_turn(Inbound("console", "officer-1", text=text)))

    for text in INCIDENT_ANSWERS[:-1]:
        say(text)
    first = say("batal")
    assert first.startswith("Semua isian akan hilang. Ketik 'batal' sekali lagi")
    assert "Periksa kembali sebelum dikirim:" in first
    assert say("kirim").startswith("Laporan KJD-6371-2026-000001 tersimpan.")  # carrying on clears the question
    for text in INCIDENT_ANSWERS[:-1]:
        say(text)
    say("batal")
    assert say("batal") == "Dibatalkan. Draf tidak disimpan."
