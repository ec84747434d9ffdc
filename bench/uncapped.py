"""`siaga` with Telegram's send caps lifted, for the webhook benches: `python -m bench.uncapped run --workers N`.

Telegram allows a bot about 30 messages a second overall and one a second per chat; `siaga run`'s outbox
keeps to that. A benchmark of Siaga's cost per update would then measure the caps, so here (as in the
in-process bench) the caps are lifted and the code path is kept. Twilio's cap is a setting (TWILIO_MPS).
"""

from __future__ import annotations

import sys

from bot.sending import Capabilities, Rate

# What the outbox paces Telegram by, with every limit a million times Telegram's.
UNCAPPED = Capabilities(rate=1_000_000, chat=Rate(1_000_000, burst=1_000_000),
                        group=Rate(1_000_000, burst=1_000_000))


if __name__ == "__main__":
    from bot.channels import telegram
    from bot.cli import main

    # The outbox reads each channel's declared limits; TelegramChannel declares these.
    telegram.TelegramChannel.capabilities = UNCAPPED
    sys.exit(main())
