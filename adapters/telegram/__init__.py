"""The Telegram adapter (python-telegram-bot), long polling or webhook."""

import os

# PTB warns (an error under our warnings policy) unless told to use timedelta for
# periods such as RetryAfter.retry_after; this must be set before telegram is imported.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from adapters.telegram.adapter import TelegramAdapter

__all__ = ["TelegramAdapter"]
