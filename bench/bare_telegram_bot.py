"""The bare bot of `bench/telegram_throughput.py --subprocess`: python-telegram-bot alone.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT/bot \\
        .venv/bin/python bench/bare_telegram_bot.py

A minimal `Application` whose `CommandHandler` answers /start and /help with a fixed
short text, polling with `poll_interval=0` until SIGTERM or SIGINT. It reads the same
two settings as `diaspora-bot run`, so both bots are started alike.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

TEXT = "Hello! I am a bare bot."


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the fixed text."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(TEXT)


def main() -> None:
    """Poll the Bot API at TELEGRAM_API_BASE_URL until asked to stop."""
    app = (Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
           .base_url(os.environ["TELEGRAM_API_BASE_URL"]).build())
    app.add_handler(CommandHandler(["start", "help"], answer))
    app.run_polling(poll_interval=0)


if __name__ == "__main__":
    main()
