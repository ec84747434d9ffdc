"""Runs import-linter, so the arrows bot → handlers → storage stay true and no folder holds an import circle."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_imports_go_one_way():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "import-linter is a test dependency"
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    kept = re.search(r"Contracts: (\d+) kept, 0 broken", result.stdout)
    # The layers, the two library bans, the channels' and the CLI's bans, no circle in any folder, the four
    # layerings that broke the circles found (reports/verification, peta rawan, channels/runner, the Telegram benches),
    # and the features' (access above the list above the features) and rakor's own.
    assert kept and int(kept.group(1)) >= 12, result.stdout
