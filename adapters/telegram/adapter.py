"""The Telegram adapter: python-telegram-bot's Application, long polling or a webhook."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from adapters.telegram.inbound import UpdateReader
from adapters.telegram.lanes import Lanes
from adapters.telegram.menu import register_menu
from adapters.telegram.messenger import Retry, TelegramMessenger
from adapters.telegram.outbound import Responder
from adapters.telegram.roles import AdminCache, MemberCache
from adapters.telegram.webhook import WebhookServer, checked_secret, derived_secret, url_path
from bot import logs
from bot.app import App
from bot.config import ConfigError, Settings
from bot.events import Platform
from scheduling.owners import ALIVE_FOR, owner_is_dead

log = logging.getLogger(__name__)

# Group privacy mode is enough: commands, replies to the bot, button presses, membership.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
# Chats handled side by side (each chat's updates stay in order). Measured with
# bench/telegram_throughput.py: on loopback (all CPU) about even with one at a time;
# with 20 ms of network delay 4x the throughput; and a chat waiting out a 429 no
# longer stalls the others.
CONCURRENCY = 8
DRAIN_SECONDS = 10.0


def file_url(base_url: str) -> str:
    """The file download endpoint beside a Bot API base URL (`.../bot` → `.../file/bot`)."""
    root = base_url.rstrip("/")
    return f"{root.removesuffix('/bot')}/file/bot" if root.endswith("/bot") else root


# Loggers whose records may carry a request URL (and so the token) in their text.
TOKEN_BEARING_LOGGERS = ("httpx", "telegram", "telegram.Bot", "telegram.ext",
                         "telegram.ext.Application", "telegram.ext.ExtBot",
                         "telegram.ext.Updater", "telegram.request",
                         "telegram.request.BaseRequest", "telegram.request.HTTPXRequest")


class TelegramAdapter:
    """Feeds Telegram updates to the core and sends its replies; `run()` serves until cancelled."""

    platform = Platform.TELEGRAM

    def __init__(self, app: App, settings: Settings, *, retry: Retry | None = None,
                 poll_timeout: float = 10.0, admin_ttl: float = 120.0,
                 concurrency: int = CONCURRENCY) -> None:
        if settings.telegram_bot_token is None:
            raise ConfigError("setting TELEGRAM_BOT_TOKEN: not set")
        self.app = app
        self.settings = settings
        self.poll_timeout = poll_timeout
        token = settings.telegram_bot_token.get_secret_value()
        logs.guard(TOKEN_BEARING_LOGGERS, [token])
        self.webhook_url = settings.telegram_webhook_url
        builder = (ApplicationBuilder().token(token)
                   .base_url(settings.telegram_api_base_url)
                   .base_file_url(file_url(settings.telegram_api_base_url)))
        if self.webhook_url:
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        bot = self.application.bot
        self.ready = asyncio.Event()
        retry = retry or Retry()
        # The outbox retries whole deliveries itself; direct replies retry in place.
        self.messenger = TelegramMessenger(bot, rest=retry, ready=self.ready)
        self.direct = TelegramMessenger(bot, first=retry, rest=retry, ready=self.ready)
        self.admins = AdminCache(bot, ttl=admin_ttl)
        app.router.admin_rights[Platform.TELEGRAM] = self.admins
        self.members = MemberCache(bot, ttl=admin_ttl)
        app.router.memberships[Platform.TELEGRAM] = self.members
        self.reader = UpdateReader(app.router, self.admins)
        self.responder = Responder(app, self.direct)
        self.webhook: WebhookServer | None = None
        self.secret: str | None = None
        if self.webhook_url:
            secret = settings.telegram_webhook_secret
            self.secret = checked_secret(secret.get_secret_value()) if secret else (
                derived_secret(token))
            self.webhook = WebhookServer(settings.telegram_webhook_listen,
                                         url_path(self.webhook_url), self.secret, self.feed)
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        app.add_messenger(self.messenger)
        self.lanes = Lanes(concurrency)
        # SQLite takes one writer at a time and makes the others sleep-poll for the lock;
        # handing the core one event at a time in-process is much faster. Network waits
        # (sends, 429 pauses) still overlap across chats.
        self._one_at_a_time = (asyncio.Lock() if settings.database_url.startswith("sqlite")
                               else contextlib.nullcontext())
        self._highest = 0  # the highest update id taken in
        self._in_hand: set[int] = set()
        self._progress = asyncio.Event()

    # -- life cycle ------------------------------------------------------------------

    async def run(self) -> None:
        """Start, serve until cancelled, then shut down cleanly."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def start(self) -> None:
        """Log in, set the commands menu, and start polling or the webhook."""
        try:
            await self._login()
            bot = self.application.bot
            self.reader.username, self.reader.bot_id = bot.username, bot.id
            self.ready.set()
            await register_menu(bot, self.app.router, self.settings.default_language)
            await self.application.start()
            if self.webhook is not None:
                await self.webhook.start()
                await bot.set_webhook(self.webhook_url or "", secret_token=self.secret,
                                      allowed_updates=list(ALLOWED_UPDATES))
                log.info("Telegram: @%s receives updates by webhook", bot.username)
            else:
                assert self.application.updater is not None
                await self.application.updater.start_polling(
                    timeout=int(self.poll_timeout), allowed_updates=list(ALLOWED_UPDATES),
                    drop_pending_updates=False, error_callback=_polling_error)
                log.info("Telegram: @%s is polling for updates", bot.username)
        except BaseException:
            await self.stop()
            raise

    async def _login(self) -> None:
        delay = 1.0
        while True:
            try:
                await self.application.initialize()
                return
            except InvalidToken:
                raise ConfigError("setting TELEGRAM_BOT_TOKEN: Telegram refused this token "
                                  "(check it with @BotFather)") from None
            except NetworkError as exc:
                log.warning("cannot reach Telegram (%s); trying again in %.0fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def stop(self) -> None:
        """Stop receiving, finish the update in hand, and close connections."""
        if self.webhook is not None:
            await self.webhook.stop()
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()  # hands what was fetched to the lanes
        if not await self.lanes.drain(DRAIN_SECONDS):
            log.warning("stopped with Telegram updates still in hand")
        await self.application.shutdown()
        self.ready.clear()

    # -- updates ---------------------------------------------------------------------

    async def feed(self, data: dict[str, Any]) -> bool:
        """Handle one update as Telegram posts it (the webhook's entry point); wait for it.

        Several processes may serve one webhook behind a load balancer, and Telegram
        redelivers an update it got no answer for: a claim in the database makes sure
        each update_id is handled once. A claim left by a dead process is taken over;
        one another process is still working on gives False ("ask again later"), so
        Telegram redelivers it and it is never lost to a process that dies next.
        """
        key = str(data.get("update_id"))
        claim = await self.app.store.inbound.claim("telegram", key, self.app.worker.owner,
                                                   gone=owner_is_dead, alive_for=ALIVE_FOR)
        if claim == "done":
            log.info("update %s was already handled; ignoring the redelivery", key)
            return True
        if claim == "busy":
            log.info("update %s is being handled by another process; asking for it later", key)
            return False
        update = Update.de_json(data, self.application.bot)
        await self.dispatch(update)
        await self.app.store.inbound.done("telegram", key)
        return True

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        # Polling: hand the update to its chat's lane and let PTB fetch the next one.
        self.dispatch(update)

    def dispatch(self, update: Update) -> asyncio.Task[None]:
        """Queue an update behind earlier updates of the same chat."""
        self._highest = max(self._highest, update.update_id)
        self._in_hand.add(update.update_id)
        chat = update.effective_chat
        key = chat.id if chat else None
        if update.message is not None and update.message.migrate_to_chat_id:
            # Queue the move ahead of the first updates from the new id.
            key = update.message.migrate_to_chat_id
        return self.lanes.submit(key, lambda: self.process(update))

    async def process(self, update: Update) -> None:
        """One update: to an event, through the core, and the answer back to Telegram."""
        try:
            inbound = await self.reader.read(update)
            if inbound is not None:
                inbound = replace(inbound, update_id=update.update_id)
                async with self._one_at_a_time:
                    outcomes = await self.app.handle(inbound.event)
                await self.responder.deliver(inbound, outcomes)
            elif update.callback_query is not None:
                await self.direct.answer(update.callback_query.id)
        except Exception:
            log.exception("failed to handle Telegram update %s", update.update_id)
        finally:
            self._in_hand.discard(update.update_id)
            self._progress.set()
            self._progress = asyncio.Event()

    def handled(self, update_id: int) -> bool:
        """True once the update with this id has been taken in and handled."""
        return update_id <= self._highest and update_id not in self._in_hand

    async def wait_handled(self, update_id: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the update with this id has been handled (tests, benchmarks)."""
        async with asyncio.timeout(timeout):
            while not self.handled(update_id):
                progress = self._progress
                await progress.wait()

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("python-telegram-bot error on %r", update, exc_info=context.error)


def _polling_error(error: TelegramError) -> None:
    log.warning("Telegram polling: %s", error)
