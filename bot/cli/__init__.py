"""The `siaga` command: the top-level parser, settings and logging, and one line for every known failure.

Each feature's commands live in their own module (operations, offices, people, reports, rawan, digest, rakor);
they parse arguments and print, and leave the work to `handlers` and `storage`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from importlib import metadata

from pydantic import ValidationError

from bot.cli import digest, offices, operations, people, rakor, rawan, reports
from bot.cli.common import CliError
from bot.clock import Clock
from bot.config import Settings

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """Assemble the command line from the features' parsers, in the order `siaga --help` lists them."""
    parser = Parser(prog="siaga", description="Siaga: Kesbangpol early-warning reporting bot.",
                    epilog="Run `siaga COMMAND --help` for a command's options. Settings come from the "
                           "environment or .env (see .env.example).")
    parser.add_argument("--version", action="version", version=f"siaga {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    operations.add_operation_parsers(sub)
    offices.add_office_parsers(sub)
    people.add_invite_parsers(sub)
    people.add_officer_parsers(sub)
    reports.add_report_list_parser(sub)
    operations.add_log_parsers(sub)
    rawan.add_rawan_parsers(sub)
    reports.add_export_parser(sub)
    digest.add_digest_parser(sub)
    rakor.add_rakor_commands(sub)
    _describe_subcommands(parser)
    return parser


def _version() -> str:
    try:
        return metadata.version("siaga")
    except metadata.PackageNotFoundError:
        return "unknown"


class Parser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line (what is wrong, where to read more) and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _describe_subcommands(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand (also ones added later by other modules) its help line as description."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                if sub.description is None and helps.get(name):
                    sub.description = helps[name][:1].upper() + helps[name][1:] + "."
                _describe_subcommands(sub)


def explain(exc: BaseException, settings: Settings) -> str | None:
    """Turn a known failure into one sentence saying what is wrong and how to fix it; None if unknown."""
    from storage import db_errors

    said = db_errors.explain(exc, settings.database_url)
    if said is not None:
        return said
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or type(exc).__name__}. Check the path and that its folder exists."
    if isinstance(exc, OverflowError):
        return "a date or number is too large; use a smaller value."
    return None


def settings_problem(exc: ValidationError) -> str:
    """Say which setting is wrong (in the environment or .env) without echoing secrets."""
    problems = [f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)]
    return "invalid setting " + "; ".join(problems) + " (in the environment or .env; see .env.example)"


def run_command(func: Callable[[Settings, argparse.Namespace], None], settings: Settings,
                args: argparse.Namespace) -> int:
    """Run one subcommand; every known failure becomes one line on stderr and exit status 2."""
    try:
        func(settings, args)
    except CliError as exc:
        print(f"siaga: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `siaga rawan --format geojson | head`: the reader left; say nothing, and keep Python's exit-time
        # flush of stdout from raising again (the recipe in the `signal` module's documentation).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # the CLI's one catch-all: an operator never sees a traceback
        message = explain(exc, settings)
        log.debug("command failed", exc_info=True)
        if message is None:
            print(f"siaga: unexpected error ({type(exc).__name__}); run again with SIAGA_LOG_LEVEL=DEBUG "
                  "to see the details.", file=sys.stderr)
            return 1
        print(f"siaga: {message}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None, clock: Callable[[], datetime] | None = None) -> int:
    """Run the `siaga` command (on `clock` when given, e.g. a test's frozen one)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"siaga: {settings_problem(exc)}", file=sys.stderr)
        return 2
    # The command's one clock (SIAGA_CLOCK_START, else the real time), handed to it with its arguments.
    args.clock = clock or Clock(settings.clock_start)
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # fpdf2 subsets fonts through fontTools, which logs every table at INFO.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    if args.func in (operations.cmd_console, operations.cmd_demo):
        # The chat itself is the interface; per-turn logs would interleave with it.
        logging.getLogger("bot.runner").setLevel(logging.WARNING)
    return run_command(args.func, settings, args)

