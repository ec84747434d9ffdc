"""`python -m bot.cli`: the `siaga` command."""

import sys

from bot.cli import main

sys.exit(main())
