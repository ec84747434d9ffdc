"""The `siaga` command for tests: one helper for every CLI test, on one moved clock.

`Siaga(url, cwd)("office", "list")` runs the command line in this process (`bot.cli.main`, with its own
environment, working folder, stdin/stdout/stderr and logging, all restored afterwards; its clock and folders are
its own values, nothing set on a module): the same code an
operator runs, without the 2–3 s a child process spends importing. `Siaga(..., child=True)` or `.child(...)`
starts the real `siaga` executable where the process itself is what a test checks.

Every command reads the helper's clock (`SIAGA_CLOCK_START`): it starts where the test pins it (or at
`SIAGA_TEST_CHILD_CLOCK`, or at the real time) and runs on with real time *across* commands, so a revocation
in one command is in the past for the next, whatever the hour and however the process clock is faked.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

SIAGA = str(Path(sys.executable).parent / "siaga")
# Settings a developer's shell may carry that would change what a command does.
UNSET = ("SIAGA_ATTACHMENTS_DIR", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TWILIO_ACCOUNT_SID",
         "TWILIO_TEMPLATES", "PUBLIC_BASE_URL", "SIAGA_LOG_LEVEL", "SIAGA_CLOCK_START")


def suite_clock_start() -> datetime | None:
    """Where the suite's `siaga` clocks start (SIAGA_TEST_CHILD_CLOCK, e.g. 2027-01-02T10:00:00+08:00), if set."""
    raw = os.environ.get("SIAGA_TEST_CHILD_CLOCK")
    return datetime.fromisoformat(raw) if raw else None


class CommandClock:
    """The clock every command of one `Siaga` reads: `start` now, then on with real (monotonic) time."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or suite_clock_start() or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("a command clock needs a UTC offset")
        self.start = start.astimezone(UTC)
        self._began = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._began)


@dataclass
class Result:
    """What a command did: its exit status and what it wrote (as `subprocess.CompletedProcess` names them)."""

    returncode: int
    stdout: str
    stderr: str
    stdout_bytes: bytes = b""


class Siaga:
    """Run `siaga ARGS` against one database in one folder; check the exit status (`code`)."""

    def __init__(self, url: str, cwd: Path, *, clock: CommandClock | None = None, child: bool = False,
                 language: str = "id", **env: str) -> None:
        self.url = url
        self.cwd = cwd
        self.clock = clock or CommandClock()
        self.use_child = child
        self.extra = {"DATABASE_URL": url, "SIAGA_LANGUAGE": language, **env}

    def now(self) -> datetime:
        """What the next command's clock reads as it starts."""
        return self.clock.now()

    def env(self, clock: str | None = None) -> dict[str, str]:
        """The environment of one command: ours without stray settings, the database, and the clock."""
        env = {k: v for k, v in os.environ.items() if k not in UNSET}
        env.update(self.extra)
        env["SIAGA_CLOCK_START"] = clock or self.now().isoformat()
        return env

    def __call__(self, *args: str, stdin: str = "", code: int | None = 0, clock: str | None = None,
                 child: bool | None = None) -> Result:
        """Run one command; `code` is the exit status it must end with (None: any); `clock` its own start."""
        env = self.env(clock)
        if self.use_child if child is None else child:
            done = subprocess.run([SIAGA, *args], input=stdin.encode(), capture_output=True, env=env, cwd=self.cwd,
                                  timeout=120)
            result = Result(done.returncode, done.stdout.decode(errors="replace"),
                            done.stderr.decode(errors="replace"), done.stdout)
        else:
            result = run_in_process(list(args), stdin, env, self.cwd)
        if code is not None:
            assert result.returncode == code, result.stderr
            if code:
                # A mistake: one line saying what is wrong (argparse names the subcommand), never a traceback.
                assert "Traceback" not in result.stderr, result.stderr
        return result

    def child(self, *args: str, **kwargs) -> Result:  # type: ignore[no-untyped-def]
        """Run one command as a child process (the executable, its exit status and streams as the OS sees them)."""
        return self(*args, child=True, **kwargs)


@contextlib.contextmanager
def _process_state(env: dict[str, str], cwd: Path) -> Iterator[list]:  # type: ignore[type-arg]
    """Give a command this environment and folder, and put back everything `bot.cli.main` changes."""
    import storage.db

    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    root = logging.getLogger()
    saved_root = (root.handlers[:], root.level)
    named = [logging.getLogger(name) for name in ("alembic", "fontTools", "bot.runner")]
    saved_levels = [logger.level for logger in named]
    engines: list = []  # type: ignore[type-arg]
    make_engine = storage.db.make_engine

    def recording_make_engine(*args, **kwargs):  # type: ignore[no-untyped-def]
        engine = make_engine(*args, **kwargs)
        engines.append(engine)
        return engine

    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    # As in a fresh process, `logging.basicConfig` in main() installs the handler writing to stderr.
    root.handlers = []
    storage.db.make_engine = recording_make_engine  # type: ignore[assignment]
    try:
        yield engines
    finally:
        storage.db.make_engine = make_engine  # type: ignore[assignment]
        for engine in engines:
            engine.dispose()  # a process's connections close when it exits; these must close now
        for handler in root.handlers:
            handler.close()
        root.handlers, level = saved_root
        root.setLevel(level)
        for logger, level in zip(named, saved_levels, strict=True):
            logger.setLevel(level)
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def run_in_process(argv: list[str], stdin: str, env: dict[str, str], cwd: Path) -> Result:
    """Run `bot.cli.main(argv)` here as a process would: its streams, environment and folder its own."""
    from bot import cli

    out, err = io.BytesIO(), io.BytesIO()
    streams = (io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8"),
               io.TextIOWrapper(out, encoding="utf-8", write_through=True),
               io.TextIOWrapper(err, encoding="utf-8", write_through=True))
    saved = sys.stdin, sys.stdout, sys.stderr
    with _process_state(env, cwd):
        sys.stdin, sys.stdout, sys.stderr = streams
        try:
            status = cli.main(argv)
        except SystemExit as exit_:  # argparse: --help, --version, usage errors
            status = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
        finally:
            for stream in streams[1:]:
                stream.flush()
            sys.stdin, sys.stdout, sys.stderr = saved
    return Result(status, out.getvalue().decode(errors="replace"), err.getvalue().decode(errors="replace"),
                  out.getvalue())
