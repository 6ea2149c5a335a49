"""Webhook mode: a small aiohttp server that takes Telegram's POSTs behind a reverse proxy.

Each request must carry the secret token (header
`X-Telegram-Bot-Api-Secret-Token`); the update is handled before the answer,
so Telegram delivers it again if the process fails midway. `handle` claims
the update_id in the database first, so when several processes share one
webhook behind a load balancer each update is handled once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.config import ConfigError

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# True: handled (or already handled); False: another process has it in hand, ask again.
UpdateHandler = Callable[[dict[str, Any]], Awaitable[bool]]
RETRY_AFTER = "1"


def derived_secret(token: str) -> str:
    """A secret token derived from the bot token: the same in every process, never guessable."""
    return hashlib.sha256(f"diaspora-bot webhook {token}".encode()).hexdigest()


def checked_secret(secret: str) -> str:
    """The configured secret, if Telegram accepts it (1–256 of A-Z a-z 0-9 _ -)."""
    if not 1 <= len(secret) <= 256 or not set(secret) <= _SECRET_CHARS:
        raise ConfigError("setting TELEGRAM_WEBHOOK_SECRET: use 1 to 256 characters "
                          "from A-Z, a-z, 0-9, _ and -")
    return secret


def listen_address(value: str) -> tuple[str, int]:
    """`host:port` (or `[v6]:port`) → (host, port)."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"setting TELEGRAM_WEBHOOK_LISTEN: expected host:port, got {value!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


def url_path(url: str) -> str:
    """The path Telegram will POST to, from the public webhook URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(f"setting TELEGRAM_WEBHOOK_URL: expected an https:// URL, got {url!r}")
    return parts.path or "/"


class WebhookServer:
    """Receives updates over HTTP and hands each to `handle`."""

    def __init__(self, listen: str, path: str, secret: str, handle: UpdateHandler) -> None:
        self.host, self.port = listen_address(listen)
        self.path = path
        self.secret = secret
        self.handle = handle
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen (port 0 picks a free port, see `.port`)."""
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self.path, self._post)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("webhook listening on %s:%s%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        """Stop listening; requests in progress are finished first."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _post(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("refused a webhook request without the right secret token")
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400)
        if not await self.handle(data):
            # Telegram retries an update it got an error for; 503 is not an answer a
            # load balancer would retry on another process (502 is), so it goes back.
            return web.Response(status=503, headers={"Retry-After": RETRY_AFTER})
        return web.Response(status=200)
