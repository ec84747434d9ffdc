"""The `siaga` command's mistakes and output as an operator meets them: one line, exit 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from tests.support.siaga import run_in_process

# Commands on the real clock: .ci/run also runs these with the process clock moved (faketime).
pytestmark = pytest.mark.wallclock

SIAGA = str(Path(sys.executable).parent / "siaga")


@pytest.fixture
def siaga(database_factory, tmp_path, monkeypatch, capsys):
    """Run `siaga ARGS` in-process against a fresh, initialised database; return (status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("SIAGA_ATTACHMENTS_DIR", "TELEGRAM_BOT_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL",
                 "SIAGA_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_factory())
    monkeypatch.setenv("SIAGA_LANGUAGE", "id")

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            status = cli.main(list(args))
        except SystemExit as exit_:  # argparse: --help, --version, usage errors
            status = exit_.code
        out, err = capsys.readouterr()
        return status, out, err

    assert run("init")[0] == 0
    return run


def one_line(err: str) -> str:
    assert "Traceback" not in err
    assert err.startswith("siaga") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(("args", "says"), [
    (["office", "add", "--region", "63.71", "--digest-time", "25:99"], "'25:99' is not a time of day"),
    (["office", "add", "--region", "63.71", "--digest-time", "abc"], "write HH:MM between 00:00 and 23:59"),
    (["invite", "create", "--office", "63.71", "--role", "officer", "--days", "3650000"], "use 1 to 365"),
    (["invite", "create", "--office", "63.71", "--role", "officer", "--days", "0"], "use 1 to 365"),
    (["invite", "create", "--office", "63.71", "--role", "officer", "--days", "-3"], "use 1 to 365"),
    (["invite", "create", "--office", "63.71", "--role", "officer", "--name", "x" * 5000], "1 to 200 characters"),
    (["office", "add", "--region", "63.71", "--name", "x" * 5000], "1 to 200 characters"),
    (["audit", "list", "--limit", "lots"], "'lots' is not a whole number"),
])
def test_bad_arguments_are_refused_in_one_line(siaga, args, says):
    status, out, err = siaga(*args)
    assert status == 2 and says in one_line(err) and out == ""


def test_a_console_record_file_in_a_missing_folder_is_one_line(siaga, monkeypatch):
    monkeypatch.setattr(sys, "stdin", open("/dev/null"))  # noqa: SIM115
    status, _, err = siaga("console", "--as", "x", "--record", "/no/such/dir/x")
    assert status == 2 and "/no/such/dir/x: No such file or directory" in one_line(err)


def test_a_utf16_region_file_says_which_encoding_is_needed(siaga, tmp_path):
    path = tmp_path / "bali.txt"
    path.write_text("code\tname\tlevel\tparent_code\tprovince_code\n51\tBali\tprovince\t\t51\n", encoding="utf-16")
    status, _, err = siaga("regions", "import", str(path))
    assert status == 2 and "not UTF-8" in one_line(err) and "CSV UTF-8 (Comma delimited)" in err


def test_a_semicolon_region_file_says_which_delimiter_is_needed(siaga, tmp_path):
    path = tmp_path / "bali.csv"
    path.write_text("code;name;level;parent_code;province_code\n51;Bali;province;;51\n", encoding="utf-8")
    status, _, err = siaga("regions", "import", str(path))
    assert status == 2 and "separated by commas (this file separates them with semicolons)" in one_line(err)


@pytest.mark.parametrize(("env", "says"), [
    ({"SIAGA_LANGUAGE": "fr"}, "invalid setting SIAGA_LANGUAGE: Input should be 'id' or 'en'"),
    ({"DATABASE_URL": "sqlite:////no/such/folder/siaga.db"}, "cannot open the SQLite file /no/such/folder/siaga.db"),
    ({"DATABASE_URL": "postgresql+psycopg://siaga:secret@127.0.0.1:9/siaga"}, "cannot reach PostgreSQL at 127.0.0.1:9"),
    ({"DATABASE_URL": "not a url"}, "DATABASE_URL is not a database URL"),
])
def test_bad_settings_are_one_line_and_never_show_the_password(tmp_path, env, says):
    # In-process, but with nothing of this shell's environment: only what an operator set.
    result = run_in_process(["office", "list"], "", {"PATH": "/usr/bin:/bin", "SIAGA_LANGUAGE": "id", **env}, tmp_path)
    assert result.returncode == 2 and says in one_line(result.stderr)
    assert "secret" not in result.stderr


def test_bare_siaga_prints_the_help_and_version_is_known(siaga):
    status, out, _ = siaga()
    assert status == 0 and out.startswith("usage: siaga") and "invite" in out and "--version" in out
    status, out, _ = siaga("--version")
    assert status == 0 and out.startswith("siaga ")


def test_every_subcommand_has_a_description(siaga):
    parser = cli.build_parser()
    missing = []

    def walk(p, path):
        for action in p._actions:
            if hasattr(action, "choices") and isinstance(action.choices, dict):
                for name, sub in action.choices.items():
                    if not sub.description:
                        missing.append(" ".join([*path, name]))
                    walk(sub, [*path, name])

    walk(parser, [])
    assert missing == []
    status, out, _ = siaga("invite", "create", "--help")
    flat = " ".join(out.split())
    assert status == 0 and "head: head of office, gets alerts and digests" in flat and "(default 7)" in flat


def test_empty_lists_print_their_header_and_say_nothing_was_found(siaga):
    for args, header in ((("office", "list"), "region\tname"), (("officer", "list"), "id\tname\trole"),
                         (("reports", "list"), "number"), (("outbox", "list"), "id")):
        status, out, _ = siaga(*args)
        assert status == 0 and out.startswith(header) and out.rstrip().endswith("(nothing found)"), args
    siaga("office", "add", "--region", "63.71")
    status, out, _ = siaga("office", "list")
    assert "(nothing found)" not in out and "63.71\tKesbangpol" in out


def test_audit_times_are_shown_in_the_offices_zone(siaga):
    siaga("office", "add", "--region", "63.71")  # Asia/Makassar
    status, out, _ = siaga("audit", "list")
    assert status == 0 and out.splitlines()[1].split("\t")[0].endswith("+08:00")
    siaga("office", "add", "--region", "61")  # Asia/Pontianak: the offices no longer share a zone
    status, out, _ = siaga("audit", "list")
    assert out.splitlines()[1].split("\t")[0].endswith("+00:00")
    status, out, _ = siaga("audit", "list", "--office", "61")
    assert out.splitlines()[1].split("\t")[0].endswith("+07:00")


@pytest.mark.parametrize(("code", "says"), [
    ("63.71.04", "63.71.04 is a kecamatan; reports are listed by office: use its kabupaten/kota (63.71)"),
    ("99", "99 is not a known region code"),
])
def test_reports_list_says_what_is_wrong_with_an_office_code(siaga, code, says):
    status, _, err = siaga("reports", "list", "--office", code)
    assert status == 2 and says in one_line(err)


def test_a_reader_that_leaves_early_gets_no_traceback(database_factory, tmp_path):
    """`siaga rawan --format geojson | head -c 100`: the pipe closes under a long write."""
    url = database_factory()
    env = {"PATH": "/usr/bin:/bin", "SIAGA_LANGUAGE": "id", "DATABASE_URL": url}
    for args in (["init"], ["office", "add", "--region", "64"]):
        assert run_in_process(args, "", env, tmp_path).returncode == 0
    # The process itself: its standard output a pipe the reader closes.
    writer = subprocess.Popen([SIAGA, "rawan", "--office", "64", "--format", "geojson"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert writer.stdout.read(100)
    writer.stdout.close()  # the reader leaves long before the map (megabytes of boundaries) is written
    err = writer.stderr.read().decode()
    assert writer.wait(timeout=120) == 141
    assert err == ""
