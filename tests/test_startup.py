"""`siaga` starts at once: importing the bot, the CLI and the handlers loads no drawing, export or geometry library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each costs a large part of a second to import; only the commands that draw, export or locate load them.
HEAVY = ("matplotlib", "openpyxl", "fpdf", "shapely", "pyogrio", "pypdf", "pypdfium2", "jinja2", "playwright",
         "numpy", "babel", "PIL", "pandas", "alembic")


def test_importing_the_bot_the_cli_and_the_handlers_loads_no_heavy_library():
    # A fresh interpreter: what this test process has already imported must not hide an import.
    probe = ("import sys, handlers, bot.cli, bot.app; "
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []


def test_the_command_line_imports_no_database_or_handler_code_until_a_command_runs():
    # `siaga --help` and argument mistakes answer at once: the commands import storage and handlers when they run.
    probe = ("import sys, bot.cli; "
             "print(' '.join(m for m in ('sqlalchemy', 'storage.models', 'storage.db', 'handlers', 'bot.runner') "
             "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []
