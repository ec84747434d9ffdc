"""The heads-of-office CLI as an operator runs it: office settings, officers, invites, the digest; mistakes exit 2."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from tests.support.siaga import CommandClock, Siaga

# Commands on the real clock: .ci/run also runs these with the process clock moved (faketime).
pytestmark = pytest.mark.wallclock

REPORT = ["/lapor", "1", "Banjarmasin Utara", "Kel. Sungai Jingah", "sekarang",
          "Sekitar 200 mahasiswa berunjuk rasa menolak hasil pleno", "Aliansi Mahasiswa", "200", "tinggi",
          "Koordinasi dengan Polresta", "lewati", "lewati", "kirim"]
# 13:00 WITA on a Wednesday that is no holiday: the next morning's digest (07:00) covers a report filed now.
WEDNESDAY_1300_WITA = datetime(2026, 11, 25, 13, 0, tzinfo=ZoneInfo("Asia/Makassar"))


def siaga_for(database_factory, tmp_path, clock: CommandClock | None = None):  # type: ignore[no-untyped-def]
    command = Siaga(database_factory(), tmp_path, clock=clock)

    def run(*args: str, stdin: str = "", code: int = 0):  # type: ignore[no-untyped-def]
        result = command(*args, stdin=stdin, code=code)
        if code:
            # A mistake: one line saying what is wrong (argparse names the subcommand), no traceback.
            assert result.stderr.startswith("siaga") and result.stderr.count("\n") == 1, result.stderr
        return result

    run("init")
    run("office", "add", "--region", "63.71")
    run.now = command.now  # type: ignore[attr-defined]
    return run


@pytest.fixture
def siaga(database_factory, tmp_path):
    return siaga_for(database_factory, tmp_path)


def test_office_set_changes_alert_categories_and_times_and_refuses_mistakes(siaga):
    out = siaga("office", "set", "63.71", "--alert-categories", "radikalisme", "konflik_sara",
                "--checkin-time", "15:30", "--digest-on-holidays", "no").stdout
    assert out.strip() == ("office 63.71: alert categories radikalisme,konflik_sara, digest 07:00, check-in 15:30, "
                           "digest on holidays no")
    assert "unknown category code(s) teror" in siaga("office", "set", "63.71", "--alert-categories", "teror",
                                                     code=2).stderr
    assert "is not a time" in siaga("office", "set", "63.71", "--digest-time", "7 pagi", code=2).stderr
    assert "nothing to change" in siaga("office", "set", "63.71", code=2).stderr
    assert "No office for region 63.72" in siaga("office", "set", "63.72", "--checkin-time", "16:00", code=2).stderr
    assert "takes yes or no" in siaga("office", "set", "63.71", "--digest-on-holidays", "maybe", code=2).stderr
    assert "\toffice.changed\t" in siaga("audit", "list").stdout


def test_officer_set_and_deactivate_take_effect_at_once_and_are_audited(siaga):
    code = siaga("invite", "create", "--office", "63.71", "--role", "officer", "--name", "Budi").stdout.strip()
    siaga("console", "--as", "budi", stdin=f"daftar {code}\n")
    officer_id = siaga("officer", "list").stdout.splitlines()[1].split("\t")[0]  # under the header
    assert siaga("officer", "set", officer_id, "--role", "head", "--kecamatan", "63.71.04").stdout.strip() == (
        f"officer {officer_id}: head, 63.71.04")
    assert "Untuk kepala kantor" in siaga("console", "--as", "budi", stdin="/bantuan\n").stdout
    assert "63.72.02 is not a kecamatan within 63.71" in siaga("officer", "set", officer_id, "--kecamatan",
                                                                "63.72.02", code=2).stderr
    assert "nothing to change" in siaga("officer", "set", officer_id, code=2).stderr
    assert "1 chat identity no longer recognised" in siaga("officer", "deactivate", officer_id).stdout
    assert "belum terdaftar di Siaga" in siaga("console", "--as", "budi", stdin="/laporan\n").stdout
    assert "already deactivated" in siaga("officer", "deactivate", officer_id, code=2).stderr
    assert "No officer 999" in siaga("officer", "deactivate", "999", code=2).stderr
    trail = siaga("audit", "list").stdout
    assert "\tofficer.changed\t" in trail and "\tofficer.deactivated\t" in trail


def test_invites_are_listed_and_an_open_one_can_be_revoked(siaga):
    first = siaga("invite", "create", "--office", "63.71", "--role", "officer").stdout.strip()
    created = siaga("invite", "create", "--office", "63.71", "--role", "head")
    second = created.stdout.strip()
    assert f"the head of office sends: daftar {second}" in created.stderr  # not "the officer" (issue 22)
    siaga("console", "--as", "used", stdin=f"daftar {second}\nIbu Kepala\n")
    assert siaga("invite", "revoke", first.lower()).stdout.strip() == f"invite {first} revoked"
    listing = siaga("invite", "list", "--office", "63.71").stdout.splitlines()
    assert listing[0].split() == ["code", "office", "role", "kecamatan", "expires", "state"]
    states = {line.split()[0]: " ".join(line.split()[6:]) for line in listing[1:]}  # expires is date and time
    assert states[first] == "revoked" and states[second].startswith("used by ")
    # A revoked code gets the one answer every failed code gets (issue 13: nothing to learn by guessing).
    assert "tidak berlaku" in siaga("console", "--as", "late", stdin=f"daftar {first}\n").stdout
    assert "only an open invite can be revoked" in siaga("invite", "revoke", first, code=2).stderr
    assert "No invite NOPE1234" in siaga("invite", "revoke", "NOPE1234", code=2).stderr
    assert "No office for region 63.72" in siaga("invite", "list", "--office", "63.72", code=2).stderr


def test_digest_prints_the_figures_writes_the_chart_and_queues_it_once(database_factory, tmp_path):
    siaga = siaga_for(database_factory, tmp_path, CommandClock(WEDNESDAY_1300_WITA))
    code = siaga("invite", "create", "--office", "63.71", "--role", "officer", "--name", "Budi").stdout.strip()
    siaga("console", "--as", "budi", stdin="\n".join([f"daftar {code}", *REPORT]) + "\n")
    head = siaga("invite", "create", "--office", "63.71", "--role", "head", "--name", "Kepala").stdout.strip()
    siaga("console", "--as", "kepala", stdin=f"daftar {head}\n")
    tomorrow = (siaga.now().astimezone(ZoneInfo("Asia/Makassar")) + timedelta(days=1)).date()
    result = siaga("digest", "--office", "63.71", "--date", tomorrow.isoformat(), "--chart", "chart.png")
    assert "Ringkasan harian Kesbangpol Kota Banjarmasin" in result.stdout
    assert "Menurut tingkat:\n- Tinggi: 1 (biasanya 0,0 per hari selama 7 hari sebelumnya; naik 1,0)" in result.stdout
    assert "Masih berstatus baru" in result.stdout and result.stderr.strip() == "chart written to chart.png"
    assert Image.open(tmp_path / "chart.png").size == (800, 450)
    assert "Daily digest" in siaga("digest", "--office", "63.71", "--lang", "en").stdout
    sent = siaga("digest", "--office", "63.71", "--date", tomorrow.isoformat(), "--send")
    assert "digest queued: 2 message(s)" in sent.stderr
    again = siaga("digest", "--office", "63.71", "--date", tomorrow.isoformat(), "--send")
    assert "nothing queued" in again.stderr
    assert "is not a date" in siaga("digest", "--office", "63.71", "--date", "besok", code=2).stderr
    assert "No office for region 62" in siaga("digest", "--office", "62", code=2).stderr
    assert "cannot write the chart" in siaga("digest", "--office", "63.71", "--chart", "nope/c.png", code=2).stderr
