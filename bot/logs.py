"""Logging to standard error, as text or JSON, with secrets masked."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

_TOKENISH = re.compile(r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}")


class Redactor(logging.Filter):
    """Replaces configured secrets and anything shaped like a bot token with ***."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def scrub(self, text: str) -> str:
        """`text` with secrets masked."""
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return _TOKENISH.sub("***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = self.scrub(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


def setup(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """Configure the root logger once."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(Redactor(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "apscheduler", "aiosqlite", "discord.gateway", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def guard(logger_names: Iterable[str], secrets: Iterable[str]) -> None:
    """Mask `secrets` in what the named libraries log, wherever their records go.

    A handler's filter only protects that handler; a filter on the library's own logger
    scrubs the record before any handler (ours, a test's, an embedding program's) sees it.
    httpx logs each request URL at INFO, and a Telegram URL carries the bot token.
    """
    wanted = [s for s in secrets if s and len(s) >= 6]
    for name in logger_names:
        logger = logging.getLogger(name)
        known = [f for f in logger.filters if isinstance(f, Redactor)]
        if known:
            known[0].secrets.extend(s for s in wanted if s not in known[0].secrets)
        else:
            logger.addFilter(Redactor(wanted))
