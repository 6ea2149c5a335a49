"""A fake Telegram Bot API server on loopback for offline tests of the real python-telegram-bot.

    async with FakeTelegram() as fake:          # or: await fake.start() ... await fake.stop()
        app = (ApplicationBuilder().token(fake.token).base_url(fake.base_url)
               .base_file_url(fake.base_file_url).build())
        fake.add_user(42, "Ada", language_code="de")
        fake.push_command(42, 42, "/start")      # queue an update (sync)
        ...                                      # run app: async with app / start / start_polling
        [reply] = await fake.wait_for_messages(42, 1)

It speaks the Bot API wire format (form, JSON and multipart requests; ``{"ok": ...}`` answers
and Telegram's error texts), keeps chat and message state, and can inject faults, enforce rate
limits and deliver updates to a webhook. Markdown parse modes are recorded but not parsed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import itertools
import json
import math
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NamedTuple, TypeVar

import aiohttp
from aiohttp import web

from tests.fakes.telegram_updates import (
    ADMIN_RIGHTS,
    JSON,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    ApiError,
    CallRecord,
    FakeChat,
    FakeUser,
    FaultKind,
    MessageRecord,
    PushedUpdate,
    UploadedFile,
    WaitTimeoutError,
    WebhookDelivery,
    bad_request,
    chat_full_info,
    check_reply_markup,
    coerce_param,
    command_entity,
    detect_entities,
    forbidden,
    member_dict,
    parse_html,
    strip_text,
    too_many_requests,
)

__all__ = [
    "ApiError",
    "CallRecord",
    "FakeChat",
    "FakeTelegram",
    "FakeUser",
    "FaultKind",
    "MessageRecord",
    "PushedUpdate",
    "UploadedFile",
    "WaitTimeoutError",
    "WebhookDelivery",
]

T = TypeVar("T")
SENDING_METHODS = frozenset(
    "sendMessage sendDocument copyMessage forwardMessage editMessageText "  # noqa: SIM905
    "editMessageReplyMarkup".split()
)
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "  # noqa: SIM905
    "choose_sticker find_location record_video_note upload_video_note".split()
)
_METHODS = (
    "getMe logOut close getUpdates setWebhook deleteWebhook getWebhookInfo sendMessage "  # noqa: SIM905
    "editMessageText editMessageReplyMarkup deleteMessage answerCallbackQuery setMyCommands "
    "getMyCommands deleteMyCommands pinChatMessage unpinChatMessage unpinAllChatMessages getChat "
    "getChatAdministrators getChatMember getChatMemberCount sendDocument getFile sendChatAction "
    "leaveChat copyMessage forwardMessage".split()
)
_TOKEN_RE = re.compile(r"\d+:[\w-]+")
_BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
    "Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
Handler = Callable[[JSON, dict[str, UploadedFile]], Any]


@dataclass
class _Fault:
    kind: FaultKind
    retry_after: int = 1
    delay: float = 5.0
    error: ApiError | None = None


@dataclass
class _CallbackQuery:
    id: str
    created: float
    answer: JSON | None = None


class _Described(NamedTuple):
    result: Any
    description: str


class FakeTelegram:
    """A fake Telegram Bot API server; see the module docstring."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "DiasporaTestBot",
        bot_first_name: str = "Diaspora Test Bot",
        privacy_mode: bool = False,
        host: str = "127.0.0.1",
        first_update_id: int = 1000,
        webhook_max_attempts: int = 3,
        webhook_retry_delay: float = 0.05,
        callback_query_ttl: float = 15.0,
        webhook_connections: int = 1,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.privacy_mode = privacy_mode
        self.host = host
        self.webhook_max_attempts = webhook_max_attempts
        self.webhook_retry_delay = webhook_retry_delay
        # Updates POSTed to the webhook at once (capped by setWebhook's max_connections, 40 by
        # default, as Telegram does); 1 delivers them one at a time, in order.
        if webhook_connections < 1:
            raise ValueError("webhook_connections must be at least 1")
        self.webhook_connections = webhook_connections
        self.callback_query_ttl = callback_query_ttl
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self.calls: list[CallRecord] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.internal_errors: list[BaseException] = []
        self.faults_injected = 0
        self.rate_limited = 0
        self.long_polls_waiting = 0  # getUpdates requests currently held open
        self.latency = 0.0  # seconds added before answering each request (network delay)
        self.port = 0
        self._sent: list[MessageRecord] = []
        self._pending: list[JSON] = []
        self._history: dict[int, JSON] = {}
        self._update_ids = itertools.count(first_update_id)
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._poll_terminator = "other getUpdates request"
        self._webhook: JSON | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._callbacks: dict[str, _CallbackQuery] = {}
        self._callback_ids = itertools.count(1)
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._files: dict[str, tuple[JSON, UploadedFile]] = {}
        self._file_ids = itertools.count(1)
        self._faults: dict[str, deque[_Fault | None]] = {}  # None: let one call through
        self._fault_rate = 0.0
        self._fault_kinds: tuple[FaultKind, ...] = ()
        self._fault_methods: frozenset[str] = SENDING_METHODS
        self._fault_rng = random.Random()
        self._limits: dict[str, int] = {}
        self._windows: dict[tuple[str, int], deque[float]] = {}
        self._changed = asyncio.Event()
        self._closing = False
        self._closed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._handlers: dict[str, Handler] = {}
        for name in _METHODS:
            snake = re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()
            self._handlers[name] = getattr(self, f"_api_{snake}")
        self._canonical = {name.lower(): name for name in self._handlers}

    # --- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
        if exc is None and self.internal_errors:
            raise AssertionError(f"the fake Telegram server crashed: {self.internal_errors!r}")

    async def start(self) -> None:
        """Start serving on a random free port of ``host``."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, 0).start()
        self.port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        self._webhook_task = asyncio.create_task(self._webhook_loop(), name="fake-tg-webhook")

    async def stop(self) -> None:
        """Answer pending long polls, stop webhook delivery and close the server."""
        self._closing = True
        self._closed.set()
        self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        """The server's root URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The value for ``ApplicationBuilder().base_url(...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """The value for ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.url}/file/bot"

    @property
    def bot_user(self) -> JSON:
        """The bot's User object as getMe returns it."""
        return {
            **self._bot_ref(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # --- state setup -----------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        is_bot: bool = False,
        is_premium: bool | None = None,
        blocked: bool = False,
        started: bool = True,
    ) -> FakeUser:
        """Add (or replace) a user; a started user implicitly has a private chat with the bot."""
        user = FakeUser(
            user_id,
            first_name or f"User{user_id}",
            last_name,
            username,
            language_code,
            is_bot,
            is_premium,
            blocked,
            started,
        )
        self.users[user_id] = user
        return user

    def add_chat(
        self,
        chat_id: int,
        type: str = "group",
        title: str | None = None,
        *,
        admins: Iterable[int] | Mapping[int, Mapping[str, bool]] = (),
        creator: int | None = None,
        members: Iterable[int] = (),
        username: str | None = None,
        bot_status: str = "member",
        bot_rights: Mapping[str, bool] | None = None,
        is_forum: bool = False,
    ) -> FakeChat:
        """Add a chat; ``admins`` are ids (default rights) or a mapping of id to rights."""
        if type == "private":
            self._ensure_user(chat_id)
            return self._private_chat(chat_id)
        rights = admins if isinstance(admins, Mapping) else {uid: {} for uid in admins}
        chat = FakeChat(
            chat_id,
            type,
            title or f"Chat {chat_id}",
            username,
            creator,
            {uid: dict(r) for uid, r in rights.items()},
            set(members),
            bot_status,
            dict(bot_rights or {}),
            is_forum,
        )
        for uid in [*chat.admins, *chat.members, *([creator] if creator else [])]:
            self._ensure_user(uid)
            chat.members.add(uid)
        self.chats[chat_id] = chat
        return chat

    def set_language(self, user_id: int, language_code: str | None) -> None:
        """Set the language_code the user's updates carry."""
        self._ensure_user(user_id).language_code = language_code

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """Make a user block (or unblock) the bot."""
        self._ensure_user(user_id).blocked = blocked

    def set_bot_membership(self, chat_id: int, status: str, **rights: bool) -> None:
        """Set the bot's status in a group ("member", "administrator", "left", "kicked")."""
        chat = self.chats[chat_id]
        chat.bot_status = status
        chat.bot_rights = dict(rights)

    def set_member_status(self, chat_id: int, user_id: int, status: str, *,
                          is_member: bool = False) -> None:
        """Set a person's status in a group: "member", "left", "kicked", or "restricted"
        (with ``is_member`` saying whether they are still in it)."""
        chat = self.chats[chat_id]
        self._ensure_user(user_id)
        chat.members.discard(user_id)
        chat.kicked.discard(user_id)
        chat.restricted.pop(user_id, None)
        if status == "member":
            chat.members.add(user_id)
        elif status == "kicked":
            chat.kicked.add(user_id)
        elif status == "restricted":
            chat.restricted[user_id] = is_member
            if is_member:
                chat.members.add(user_id)
        elif status != "left":
            raise ValueError(f"unknown member status {status!r}")

    def kick_bot(self, chat_id: int) -> None:
        """Remove the bot from a group as if an admin banned it."""
        self.set_bot_membership(chat_id, "kicked")

    # --- faults and rate limits ------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        kind: FaultKind = FaultKind.SERVER_ERROR,
        *,
        times: int = 1,
        retry_after: int = 1,
        delay: float = 5.0,
        after: int = 0,
        error: ApiError | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail ("*": any method but getUpdates).

        ``after`` lets that many calls through first; ``error`` is the answer of an API_ERROR.
        """
        if kind is FaultKind.API_ERROR and error is None:
            raise ValueError("FaultKind.API_ERROR needs error=ApiError(...)")
        queue = self._faults.setdefault(self._canonical.get(method.lower(), method), deque())
        queue.extend(None for _ in range(after))
        queue.extend(_Fault(kind, retry_after, delay, error) for _ in range(times))

    def set_fault_rate(
        self,
        rate: float,
        kinds: Iterable[FaultKind] = (FaultKind.RETRY_AFTER, FaultKind.SERVER_ERROR),
        *,
        seed: int | None = None,
        methods: Iterable[str] = SENDING_METHODS,
    ) -> None:
        """Fail a random ``rate`` share of calls to ``methods`` (0 disables)."""
        self._fault_rate = rate
        self._fault_kinds = tuple(kinds)
        self._fault_methods = frozenset(methods)
        self._fault_rng = random.Random(seed)

    def set_rate_limits(
        self,
        *,
        global_per_second: int | None = None,
        per_group_per_minute: int | None = None,
        per_private_per_second: int | None = None,
    ) -> None:
        """Enforce Telegram-like flood limits on sending methods (no arguments: off)."""
        limits = {
            "global": global_per_second,
            "group": per_group_per_minute,
            "private": per_private_per_second,
        }
        self._limits = {k: v for k, v in limits.items() if v is not None}
        self._windows.clear()

    def _take_fault(self, method: str) -> _Fault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue and (key != "*" or method != "getUpdates"):
                return queue.popleft()  # None lets this call through (``after``)
        roll = self._fault_rng.random() if method in self._fault_methods else 1.0
        if roll < self._fault_rate:
            return _Fault(self._fault_rng.choice(self._fault_kinds), retry_after=1, delay=1.0)
        return None

    def _check_rate(self, method: str, params: JSON) -> None:
        chat_id = params.get("chat_id")
        if not self._limits or method not in SENDING_METHODS or not isinstance(chat_id, int):
            return
        chat = self.chats.get(chat_id)
        private = chat.type == "private" if chat else chat_id > 0
        checks = [("global", 0, 1.0)]
        checks.append(("private", chat_id, 1.0) if private else ("group", chat_id, 60.0))
        now = asyncio.get_running_loop().time()
        windows = []
        retry = 0
        for kind, key, span in checks:
            if kind not in self._limits:
                continue
            window = self._windows.setdefault((kind, key), deque())
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= self._limits[kind]:
                retry = max(retry, math.ceil(window[0] + span - now))
            windows.append(window)
        if retry:
            self.rate_limited += 1
            raise too_many_requests(max(retry, 1))
        for window in windows:
            window.append(now)

    # --- recording and waiting -------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline, applied with asyncio.timeout
        *,
        what: str | None = None,
    ) -> T:
        """Wait until ``predicate()`` is truthy (re-checked on every state change); return it."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = self._changed
                    if value := predicate():
                        return value
                    await event.wait()
        except TimeoutError:
            recent = [
                f"{c.method}->{c.status} {c.description or ''}".strip()
                for c in self.calls
                if c.method != "getUpdates"
            ][-8:]
            crashes = f"; FAKE CRASHED: {self.internal_errors!r}" if self.internal_errors else ""
            raise WaitTimeoutError(
                f"timed out after {timeout}s waiting for {what or predicate!r}; "
                f"recent calls: {recent or 'none'}{crashes}"
            ) from None

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[CallRecord], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        count: int = 1,
    ) -> CallRecord:
        """Wait for the ``count``-th call of ``method`` (matching ``predicate``); return it."""

        def find() -> CallRecord | None:
            found = [
                c for c in self.calls if c.method == method and (not predicate or predicate(c))
            ]
            return found[count - 1] if len(found) >= count else None

        return await self.wait_until(find, timeout, what=f"call #{count} of {method}")

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        include_incoming: bool = False,
    ) -> list[MessageRecord]:
        """Wait until the chat shows at least ``count`` bot messages; return them."""

        def find() -> list[MessageRecord] | None:
            messages = self.messages(chat_id, include_incoming=include_incoming)
            return messages if len(messages) >= count else None

        return await self.wait_until(find, timeout, what=f"{count} message(s) in chat {chat_id}")

    async def wait_for_callback_answer(
        self,
        query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSON:
        """Wait until the bot answers a pushed callback query; return the answer's params."""
        return await self.wait_until(
            lambda: self._callbacks[query_id].answer, timeout, what=f"answer to query {query_id}"
        )

    def calls_to(self, method: str) -> list[CallRecord]:
        """Return all recorded calls of ``method``."""
        return [c for c in self.calls if c.method == method]

    def call_count(self, method: str) -> int:
        """Return how many times ``method`` was called."""
        return len(self.calls_to(method))

    def messages(
        self, chat_id: int, *, include_incoming: bool = False, include_service: bool = False
    ) -> list[MessageRecord]:
        """Current (edited, undeleted) bot messages of a chat; optionally users' and service."""
        chat = self.chats.get(chat_id)
        return [
            m
            for _, m in sorted((chat.messages if chat else {}).items())
            if not m.deleted
            and (include_incoming or m.from_bot)
            and (include_service or m.service is None)
        ]

    def last_message(self, chat_id: int) -> MessageRecord | None:
        """The chat's latest visible bot message."""
        messages = self.messages(chat_id)
        return messages[-1] if messages else None

    def all_sent(self) -> list[MessageRecord]:
        """Every message the bot sent, in order, including later deleted ones."""
        return [m for m in self._sent if m.service is None]

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The commands set for a scope (default {"type": "default"}) and language."""
        return self._commands.get(self._scope_key(scope, language_code), [])

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by getUpdates offset (or webhook delivery)."""
        return list(self._pending)

    @property
    def last_update_id(self) -> int | None:
        """The id of the latest update queued for the bot (None before any)."""
        return max(self._history, default=None)

    @property
    def webhook(self) -> JSON | None:
        """The webhook settings, if one is set."""
        return self._webhook

    def register_method(self, method: str, handler: Handler) -> None:
        """Serve ``method`` with ``handler(params, files)``; raise ApiError to fail it."""
        self._handlers[method] = handler
        self._canonical[method.lower()] = method

    # --- HTTP ------------------------------------------------------------------------------

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] == self.token:
            for meta, upload in self._files.values():
                if meta["file_path"] == request.match_info["path"]:
                    return web.Response(body=upload.content)
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token, name = request.match_info["token"], request.match_info["method"]
        if token != self.token:
            error = ApiError(401, "Unauthorized") if _TOKEN_RE.fullmatch(token) else None
            error = error or ApiError(404, "Not Found")
            return web.json_response(error.body(), status=error.code)
        method = self._canonical.get(name.lower())
        loop = asyncio.get_running_loop()
        record = CallRecord(method or name, {}, {}, loop.time())
        try:
            record.params, record.files = await self._read_params(request)
            if method is None:
                raise ApiError(404, "Not Found")
            if self.latency:
                await asyncio.sleep(self.latency)
            fault = self._take_fault(method)
            if fault is not None:
                record.fault = fault.kind
                self.faults_injected += 1
                if fault.kind is FaultKind.RETRY_AFTER:
                    raise too_many_requests(fault.retry_after)
                if fault.kind is FaultKind.API_ERROR and fault.error is not None:
                    raise fault.error
                if fault.kind is FaultKind.SERVER_ERROR:
                    raise ApiError(500, "Internal Server Error")
                if fault.kind is FaultKind.BAD_GATEWAY:
                    self._record(record, 502, None)
                    return web.Response(
                        status=502, text=_BAD_GATEWAY_HTML, content_type="text/html"
                    )
                if fault.kind is FaultKind.DROP_CONNECTION:
                    self._record(record, None, None)
                    if request.transport is not None:
                        request.transport.close()
                    return web.Response()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(fault.delay):
                        await self._closed.wait()
            self._check_rate(method, record.params)
            result = self._handlers[method](record.params, record.files)
            if inspect.isawaitable(result):
                result = await result
            status, body = 200, {"ok": True, "result": result}
            if isinstance(result, _Described):
                body = {"ok": True, "result": result.result, "description": result.description}
        except ApiError as error:
            status, body = error.code, error.body()
        except Exception as error:  # a bug in the fake: answer 500 and fail the test at exit
            self.internal_errors.append(error)
            status, body = 500, ApiError(500, f"Internal Server Error: fake bug {error!r}").body()
        record.abandoned = request.transport is None or request.transport.is_closing()
        self._record(record, status, body)
        return web.json_response(body, status=status)

    def _record(self, record: CallRecord, status: int | None, body: JSON | None) -> None:
        record.status, record.response = status, body
        self.calls.append(record)
        self._notify()

    async def _read_params(self, request: web.Request) -> tuple[JSON, dict[str, UploadedFile]]:
        params: JSON = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.body_exists:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise bad_request("request body must be a JSON object")
                params.update(body)
            else:
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        content = value.file.read()
                        files[key] = UploadedFile(key, value.filename, content, value.content_type)
                    else:
                        params[key] = value
        return {key: coerce_param(key, value) for key, value in params.items()}, files

    # --- update queue ----------------------------------------------------------------------

    def _enqueue(self, update: JSON, delivered: bool = True) -> PushedUpdate:
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        else:
            self._update_ids = itertools.count(max(next(self._update_ids), update["update_id"] + 1))
        if delivered:
            self._history[update["update_id"]] = update
            self._pending.append(update)
            self._notify()
        return PushedUpdate(update["update_id"], update, delivered)

    def _excluded(self, update: JSON) -> bool:
        """True when allowed_updates (or the default exclusions) leave ``update`` out."""
        allowed = set(self._allowed_updates or ()) or None
        return not (set(update) & allowed if allowed else not set(update) & DEFAULT_EXCLUDED_UPDATES)

    def _deliverable(self) -> list[JSON]:
        allowed = set(self._allowed_updates or ()) or None
        self._pending = [
            u
            for u in self._pending
            if (set(u) & allowed if allowed else not set(u) & DEFAULT_EXCLUDED_UPDATES)
        ]
        return self._pending

    def _api_get_updates(self, p: JSON, files: dict[str, UploadedFile]) -> Awaitable[list[JSON]]:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._terminate_poll("other getUpdates request")
        generation = self._poll_generation
        if p.get("allowed_updates") is not None:
            self._allowed_updates = list(p["allowed_updates"]) or None
        offset = p.get("offset")
        if isinstance(offset, int) and offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._pending = self._pending[offset:]
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = max(float(p.get("timeout") or 0), 0.0)
        return self._long_poll(generation, limit, timeout)

    def _terminate_poll(self, reason: str) -> None:
        self._poll_generation += 1
        self._poll_terminator = reason
        self._notify()

    async def _long_poll(self, generation: int, limit: int, seconds: float) -> list[JSON]:
        self.long_polls_waiting += 1
        self._notify()
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    while True:
                        event = self._changed
                        if generation != self._poll_generation:
                            raise ApiError(
                                409,
                                f"Conflict: terminated by {self._poll_terminator}; make sure "
                                "that only one bot instance is running",
                            )
                        if self._deliverable() or self._closing:
                            break
                        await event.wait()
        finally:
            self.long_polls_waiting -= 1
        return self._deliverable()[:limit]

    # --- webhook ---------------------------------------------------------------------------

    def _api_set_webhook(self, p: JSON, files: dict[str, UploadedFile]) -> _Described:
        url = p.get("url") or ""
        if not url:
            return self._api_delete_webhook(p, files)
        if not re.match(r"https?://", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        if p.get("drop_pending_updates"):
            self._pending.clear()
        if p.get("allowed_updates") is not None:
            self._allowed_updates = list(p["allowed_updates"]) or None
        self._webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": p.get("max_connections", 40),
        }
        self._webhook_error = None
        self._terminate_poll("setWebhook request")
        return _Described(True, "Webhook was set")

    def _api_delete_webhook(self, p: JSON, files: dict[str, UploadedFile]) -> _Described:
        if p.get("drop_pending_updates"):
            self._pending.clear()
        was_set, self._webhook = self._webhook is not None, None
        self._notify()
        return _Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    def _api_get_webhook_info(self, p: JSON, files: dict[str, UploadedFile]) -> JSON:
        info: JSON = {
            "url": (self._webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook:
            info["max_connections"] = self._webhook["max_connections"]
            if self._allowed_updates:
                info["allowed_updates"] = self._allowed_updates
        if self._webhook_error:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    async def _webhook_loop(self) -> None:
        if self.webhook_connections > 1:
            await self._webhook_pool()
            return
        while not self._closing:
            event = self._changed
            pending = self._deliverable() if self._webhook else []
            if not pending:
                await event.wait()
                continue
            await self._deliver_update(pending[0])
            self._notify()

    async def _deliver_update(self, update: JSON) -> None:
        """POST one update, retrying it up to ``webhook_max_attempts`` times, then dequeue it."""
        for attempt in range(1, self.webhook_max_attempts + 1):
            if self._webhook is None or await self._post_update(update, attempt):
                break
            await asyncio.sleep(self.webhook_retry_delay)
        if update in self._pending and self._webhook is not None:
            self._pending.remove(update)

    def _connections(self) -> int:
        limit = (self._webhook or {}).get("max_connections") or 40
        return max(1, min(self.webhook_connections, int(limit)))

    async def _webhook_pool(self) -> None:
        # Like the loop above, but up to _connections() updates in flight, each with its own
        # retries; an update stays queued (and is never posted twice at once) until its
        # delivery ends, so a failed one is retried as in the one-at-a-time loop.
        in_flight: dict[int, asyncio.Task[None]] = {}
        try:
            while not self._closing:
                event = self._changed
                if not self._start_deliveries(in_flight):
                    await event.wait()
        finally:
            for task in in_flight.values():
                task.cancel()
            await asyncio.gather(*in_flight.values(), return_exceptions=True)

    def _start_deliveries(self, in_flight: dict[int, asyncio.Task[None]]) -> int:
        """Start delivering queued updates into free connections; return how many started."""
        free = self._connections() - len(in_flight) if self._webhook else 0
        started = index = 0
        # In-flight updates are at the head of the queue: walk only as far as needed (a
        # whole _deliverable() pass on every state change would cost O(queue) each time).
        while free > started and index < len(self._pending):
            update = self._pending[index]
            update_id = update["update_id"]
            if update_id in in_flight:
                index += 1
            elif self._excluded(update):
                del self._pending[index]  # as _deliverable() drops it
            else:
                task = asyncio.create_task(self._deliver_update(update))
                task.add_done_callback(functools.partial(self._delivered, in_flight, update_id))
                in_flight[update_id] = task
                started += 1
                index += 1
        return started

    def _delivered(self, in_flight: dict[int, asyncio.Task[None]], update_id: int,
                   _task: asyncio.Task[None]) -> None:
        in_flight.pop(update_id, None)
        self._notify()

    async def _post_update(self, update: JSON, attempt: int) -> bool:
        assert self._webhook is not None and self._session is not None
        headers = {}
        if self._webhook["secret_token"]:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook["secret_token"]
        status: int | None = None
        error: str | None = None
        try:
            async with self._session.post(
                self._webhook["url"], json=update, headers=headers
            ) as response:
                status = response.status
                await response.read()
                if not 200 <= status < 300:
                    error = f"Wrong response from the webhook: {status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection error: {exc!r}"
        loop_time = asyncio.get_running_loop().time()
        self.webhook_deliveries.append(
            WebhookDelivery(update["update_id"], attempt, status, error, loop_time)
        )
        if error:
            self._webhook_error = (int(time.time()), error)
        self._notify()
        return error is None

    async def redeliver(self, update_id: int) -> int | None:
        """POST an already delivered update to the webhook again; return the HTTP status."""
        if self._webhook is None:
            raise RuntimeError("redeliver() needs a webhook; call setWebhook first")
        attempts = [d.attempt for d in self.webhook_deliveries if d.update_id == update_id]
        await self._post_update(self._history[update_id], max(attempts, default=0) + 1)
        return self.webhook_deliveries[-1].status

    # --- chat access -----------------------------------------------------------------------

    def _ensure_user(self, user_id: int) -> FakeUser:
        return self.users.get(user_id) or self.add_user(user_id)

    def _private_chat(self, user_id: int) -> FakeChat:
        chat = self.chats.get(user_id)
        if chat is None:
            chat = self.chats[user_id] = FakeChat(user_id, "private", members={user_id})
        return chat

    def _bot_ref(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _user_dict(self, user_id: int) -> JSON:
        return self._bot_ref() if user_id == self.bot_id else self._ensure_user(user_id).to_api()

    def _chat_dict(self, chat: FakeChat) -> JSON:
        if chat.type == "private":
            user = self._ensure_user(chat.id)
            data = {"id": chat.id, "type": "private", "first_name": user.first_name}
            data.update({k: v for k in ("last_name", "username") if (v := getattr(user, k))})
            return data
        data = {"id": chat.id, "type": chat.type, "title": chat.title}
        if chat.username:
            data["username"] = chat.username
        if chat.is_forum:
            data["is_forum"] = True
        return data

    def _chat(self, chat_id: Any, *, sending: bool = True) -> FakeChat:
        """Resolve a chat_id like Telegram, raising its errors for unreachable chats."""
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str):
            found = [c for c in self.chats.values() if c.username == chat_id.removeprefix("@")]
            if not found:
                raise bad_request("chat not found")
            chat_id = found[0].id
        chat = self.chats.get(chat_id)
        user = self.users.get(chat_id)
        if chat is None and user is not None:
            if not user.started or user.is_bot:
                raise forbidden(
                    "bot can't send messages to bots"
                    if user.is_bot
                    else "bot can't initiate conversation with a user"
                )
            chat = self._private_chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.type == "private":
            if sending and user is not None and user.blocked:
                raise forbidden("bot was blocked by the user")
        elif chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        elif chat.bot_status == "left":
            raise forbidden(f"bot is not a member of the {chat.type} chat")
        return chat

    def _bot_can(self, chat: FakeChat, right: str) -> bool:
        if chat.type == "private":
            return True
        return chat.bot_status == "administrator" and {**ADMIN_RIGHTS, **chat.bot_rights}[right]

    # --- messages --------------------------------------------------------------------------

    def _store(self, chat: FakeChat, sender_id: int, **fields: Any) -> MessageRecord:
        record = MessageRecord(
            chat.id,
            chat.next_message_id,
            sender_id,
            sender_id == self.bot_id,
            int(time.time()),
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[record.message_id] = record
        if record.from_bot:
            self._sent.append(record)
        self._notify()
        return record

    def _message_dict(self, rec: MessageRecord, *, nested: bool = False) -> JSON:
        chat = self.chats[rec.chat_id]
        data: JSON = {
            "message_id": rec.message_id,
            "from": self._user_dict(rec.sender_id),
            "chat": self._chat_dict(chat),
            "date": rec.date,
        }
        text_key, entities_key = (
            ("caption", "caption_entities") if rec.document else ("text", "entities")
        )
        if rec.text:
            data[text_key] = rec.text
        if rec.entities:
            data[entities_key] = rec.entities
        if rec.document:
            data["document"] = rec.document
        if rec.edit_date:
            data["edit_date"] = rec.edit_date
        if rec.reply_markup and "inline_keyboard" in rec.reply_markup:
            data["reply_markup"] = rec.reply_markup
        replied = chat.messages.get(rec.reply_to_message_id or 0)
        if replied is not None and not nested:
            data["reply_to_message"] = self._message_dict(replied, nested=True)
        return {**data, **(rec.service or {}), **rec.extra}

    def message_dict(self, chat_id: int, message_id: int) -> JSON:
        """Return a stored message as the Bot API Message object."""
        return self._message_dict(self.chats[chat_id].messages[message_id])

    @staticmethod
    def _format(
        raw: str, parse_mode: str | None, entities: list[JSON] | None, limit: int, name: str
    ) -> tuple[str, list[JSON]]:
        mode = (parse_mode or "").lower()
        if mode == "html":
            text, parsed = parse_html(raw)
        elif mode in ("markdown", "markdownv2"):
            text, parsed = raw, []
        elif mode:
            raise bad_request("unsupported parse_mode")
        else:
            text, parsed = raw, list(entities or [])
        text, parsed = strip_text(text, parsed)
        if name == "message" and not text:
            raise bad_request("message text is empty")
        if len(text) > limit:
            raise bad_request(f"{name} is too long")
        return text, detect_entities(text, parsed)

    def _reply_to(self, chat: FakeChat, p: JSON) -> int | None:
        reply = p.get("reply_parameters") or {}
        message_id = reply.get("message_id") or p.get("reply_to_message_id")
        if not message_id:
            return None
        target = chat.messages.get(int(message_id))
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply") or p.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return target.message_id

    def _message_of(self, chat: FakeChat, p: JSON, action: str) -> MessageRecord:
        record = chat.messages.get(p.get("message_id") or 0)
        if record is None or record.deleted:
            raise bad_request(f"message to {action} not found")
        return record

    # --- Bot API methods -------------------------------------------------------------------

    def _api_get_me(self, p: JSON, files: dict[str, UploadedFile]) -> JSON:
        return self.bot_user

    def _api_log_out(self, p: JSON, files: dict[str, UploadedFile]) -> bool:
        return True

    _api_close = _api_log_out

    def _api_send_message(self, p: JSON, files: dict[str, UploadedFile]) -> JSON:
        check_reply_markup(p.get("reply_markup"))
        if not p.get("text"):
            raise bad_request("message text is empty")
        chat = self._chat(p.get("chat_id"))
        raw = str(p["text"])
        text, entities = self._format(
            raw, p.get("parse_mode"), p.get("entities"), MAX_TEXT_LENGTH, "message"
        )
        record = self._store(
            chat,
            self.bot_id,
            text=text,
            entities=entities,
            raw_text=raw,
            parse_mode=p.get("parse_mode"),
            reply_markup=p.get("reply_markup"),
            reply_to_message_id=self._reply_to(chat, p),
        )
        return self._message_dict(record)

    def _editable(self, p: JSON) -> MessageRecord:
        if p.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        check_reply_markup(p.get("reply_markup"))
        record = self._message_of(self._chat(p.get("chat_id")), p, "edit")
        if not record.from_bot:
            raise bad_request("message can't be edited")
        return record

    def _api_edit_message_text(self, p: JSON, files: dict[str, UploadedFile]) -> JSON:
        record = self._editable(p)
        if record.document or record.service:
            raise bad_request("there is no text in the message to edit")
        if not p.get("text"):
            raise bad_request("message text is empty")
        text, entities = self._format(
            str(p["text"]), p.get("parse_mode"), p.get("entities"), MAX_TEXT_LENGTH, "message"
        )
        markup = p.get("reply_markup")
        if (text, entities, markup) == (record.text, record.entities, record.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        record.history.append(record.text)
        record.text, record.entities, record.reply_markup = text, entities, markup
        record.raw_text, record.parse_mode = str(p["text"]), p.get("parse_mode")
        record.edit_date = int(time.time())
        self._notify()
        return self._message_dict(record)

    def _api_edit_message_reply_markup(self, p: JSON, files: dict[str, UploadedFile]) -> JSON:
        record = self._editable(p)
        if p.get("reply_markup") == record.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        record.reply_markup = p.get("reply_markup")
        record.edit_date = int(time.time())
        self._notify()
        return self._message_dict(record)

    def _api_delete_message(self, p: JSON, files: dict[str, UploadedFile]) -> bool:
        chat = self._chat(p.get("chat_id"), sending=False)
        record = self._message_of(chat, p, "delete")
        if not record.from_bot and not self._bot_can(chat, "can_delete_messages"):
            raise bad_request("message can't be deleted")
        record.deleted = True
        self._notify()
        return True

    def _api_answer_callback_query(self, p: JSON, files: dict[str, UploadedFile]) -> bool:
        query = self._callbacks.get(str(p.get("callback_query_id")))
        now = asyncio.get_running_loop().time()
        if (
            query is None
            or query.answer is not None
            or now - query.created > self.callback_query_ttl
        ):
            raise bad_request(_QUERY_TOO_OLD)
        query.answer = {k: p[k] for k in ("text", "show_alert", "url", "cache_time") if k in p}
        query.answer.setdefault("show_alert", False)
        self._notify()
        return True

    @staticmethod
    def _scope_key(scope: JSON | None, language_code: str | None) -> tuple[str, str]:
        return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""

    def _api_set_my_commands(self, p: JSON, files: dict[str, UploadedFile]) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise (
                bad_request("commands is empty")
                if commands is None
                else bad_request("can't parse commands JSON object")
            )
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(p.get("scope"), p.get("language_code"))
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _api_get_my_commands(self, p: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        return self._commands.get(self._scope_key(p.get("scope"), p.get("language_code")), [])

    def _api_delete_my_commands(self, p: JSON, files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(self._scope_key(p.get("scope"), p.get("language_code")), None)
        return True

    def _api_pin_chat_message(self, p: JSON, files: dict[str, UploadedFile]) -> bool:
        chat = self._chat(p.get("chat_id"))
        if not self._bot_can(chat, "can_pin_messages") and chat.creator != self.bot_id:
            raise bad_request("not enough rights to manage pinned messages in the chat")
        record = self._message_of(chat, p, "pin")
        record.pinned = True
        pinned = self._message_dict(record, nested=True)
        self._store(chat, self.bot_id, service={"pinned_message": pinned})
        return True

    def _api_unpin_chat_message(self, p: JSON, files: dict[str, UploadedFile]) -> bool:
        chat = self._chat(p.get("chat_id"))
        if not self._bot_can(chat, "can_pin_messages"):
            raise bad_request("not enough rights to manage pinned messages in the chat")
        pinned = [m for m in chat.messages.values() if m.pinned and not m.deleted]
        if p.get("message_id"):
            pinned = [self._message_of(chat, p, "unpin")]
        for record in pinned[-1:]:
            record.pinned = False
        self._notify()
        return True

    def _api_unpin_all_chat_messages(self, p: JSON, files: dict[str, UploadedFile]) -> bool:
        chat = self._chat(p.get("chat_id"))
        for record in chat.messages.values():
            record.pinned = False
        self._notify()
        return True

    def _api_get_chat(self, p: JSON, files: dict[str, UploadedFile]) -> JSON:
        return chat_full_info(self._chat_dict(self._chat(p.get("chat_id"), sending=False)))

    def _member(self, chat: FakeChat, user_id: int) -> JSON:
        if user_id == self.bot_id:
            status = "member" if chat.type == "private" else chat.bot_status
            return member_dict(status, self._bot_ref(), chat.bot_rights)
        status = chat.status_of(user_id)
        return member_dict(status, self._user_dict(user_id), chat.admins.get(user_id),
                           is_member=chat.restricted.get(user_id, True))

    def _api_get_chat_administrators(self, p: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        chat = self._chat(p.get("chat_id"), sending=False)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        ids = [*([chat.creator] if chat.creator else []), *chat.admins]
        if chat.bot_status == "administrator":
            ids.append(self.bot_id)
        return [self._member(chat, uid) for uid in ids]

    def _api_get_chat_member(self, p: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._chat(p.get("chat_id"), sending=False)
        user_id = p.get("user_id")
        if user_id != self.bot_id and user_id not in self.users:
            raise bad_request("user not found")
        if chat.members_hidden and user_id != self.bot_id and chat.bot_status != "administrator":
            raise bad_request("CHAT_ADMIN_REQUIRED")
        return self._member(chat, user_id)

    def _api_get_chat_member_count(self, p: JSON, files: dict[str, UploadedFile]) -> int:
        chat = self._chat(p.get("chat_id"), sending=False)
        return (
            2
            if chat.type == "private"
            else len(chat.members) + (chat.bot_status in ("member", "administrator"))
        )

    def _api_send_document(self, p: JSON, files: dict[str, UploadedFile]) -> JSON:
        check_reply_markup(p.get("reply_markup"))
        chat = self._chat(p.get("chat_id"))
        ref = p.get("document")
        upload = files.get(ref.removeprefix("attach://")) if isinstance(ref, str) else None
        upload = upload or files.get("document")
        if upload is None:
            if not ref:
                raise bad_request("there is no document in the request")
            if ref in self._files:
                document, upload = self._files[ref]
            elif re.match(r"https?://", str(ref)):
                upload = UploadedFile("document", str(ref).rsplit("/", 1)[-1], b"")
            else:
                raise bad_request("wrong file identifier/HTTP URL specified")
        caption, entities = "", []
        if p.get("caption"):
            caption, entities = self._format(
                str(p["caption"]),
                p.get("parse_mode"),
                p.get("caption_entities"),
                MAX_CAPTION_LENGTH,
                "message caption",
            )
        number = next(self._file_ids)
        document = {
            "file_id": f"BQACAgIAAxk-fake-{number}",
            "file_unique_id": f"AgAD{number}",
            "file_size": len(upload.content),
        }
        if upload.filename:
            document["file_name"] = upload.filename
        if upload.content_type:
            document["mime_type"] = upload.content_type
        path = f"documents/file_{number}_{upload.filename or 'document'}"
        self._files[document["file_id"]] = ({**document, "file_path": path}, upload)
        record = self._store(
            chat,
            self.bot_id,
            text=caption,
            entities=entities,
            raw_text=p.get("caption"),
            parse_mode=p.get("parse_mode"),
            reply_markup=p.get("reply_markup"),
            reply_to_message_id=self._reply_to(chat, p),
            document=document,
            upload=upload,
        )
        return self._message_dict(record)

    def _api_get_file(self, p: JSON, files: dict[str, UploadedFile]) -> JSON:
        if p.get("file_id") not in self._files:
            raise bad_request("invalid file_id")
        meta = self._files[p["file_id"]][0]
        return {k: meta[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}

    def _api_send_chat_action(self, p: JSON, files: dict[str, UploadedFile]) -> bool:
        self._chat(p.get("chat_id"))
        if p.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _api_leave_chat(self, p: JSON, files: dict[str, UploadedFile]) -> bool:
        chat = self._chat(p.get("chat_id"), sending=False)
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        chat.bot_status = "left"
        self._notify()
        return True

    def _copy_source(self, p: JSON, action: str) -> MessageRecord:
        source_chat = self._chat(p.get("from_chat_id"), sending=False)
        source = self._message_of(source_chat, p, action)
        if source.service:
            raise bad_request(f"message can't be {action}ed")
        return source

    def _api_copy_message(self, p: JSON, files: dict[str, UploadedFile]) -> JSON:
        source = self._copy_source(p, "copy")
        chat = self._chat(p.get("chat_id"))
        check_reply_markup(p.get("reply_markup"))
        text, entities = source.text, source.entities
        if "caption" in p and source.document:
            text, entities = self._format(
                str(p["caption"]),
                p.get("parse_mode"),
                p.get("caption_entities"),
                MAX_CAPTION_LENGTH,
                "message caption",
            )
        record = self._store(
            chat,
            self.bot_id,
            text=text,
            entities=entities,
            raw_text=source.raw_text,
            reply_markup=p.get("reply_markup"),
            document=source.document,
            upload=source.upload,
            reply_to_message_id=self._reply_to(chat, p),
        )
        return {"message_id": record.message_id}

    def _api_forward_message(self, p: JSON, files: dict[str, UploadedFile]) -> JSON:
        source = self._copy_source(p, "forward")
        chat = self._chat(p.get("chat_id"))
        origin = {
            "type": "user",
            "date": source.date,
            "sender_user": self._user_dict(source.sender_id),
        }
        record = self._store(
            chat,
            self.bot_id,
            text=source.text,
            entities=source.entities,
            raw_text=source.raw_text,
            document=source.document,
            upload=source.upload,
            extra={"forward_origin": origin, "forward_date": source.date},
        )
        return self._message_dict(record)

    # --- pushing updates -------------------------------------------------------------------

    def _chat_for_push(self, chat_id: int, user: FakeUser) -> FakeChat:
        if chat_id == user.id:
            user.started, user.blocked = True, False
            return self._private_chat(chat_id)
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ValueError(f"unknown chat {chat_id}: call add_chat() first")
        if chat.migrated_to is not None:
            raise ValueError(f"chat {chat_id} was migrated to {chat.migrated_to}")
        chat.members.add(user.id)
        return chat

    def push_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        entities: list[JSON] | None = None,
        reply_to_message_id: int | None = None,
    ) -> PushedUpdate:
        """Queue a text message from a user (commands, mentions, URLs get their entities)."""
        user = self._ensure_user(user_id)
        chat = self._chat_for_push(chat_id, user)
        if reply_to_message_id is not None:
            replied = chat.messages.get(reply_to_message_id)
            if replied is None or replied.deleted:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
        record = self._store(
            chat,
            user_id,
            text=text,
            entities=detect_entities(text, entities),
            raw_text=text,
            reply_to_message_id=reply_to_message_id,
        )
        message = self._message_dict(record)
        replied_to_bot = reply_to_message_id is not None and (
            chat.messages[reply_to_message_id].from_bot
        )
        visible = (
            chat.type == "private"
            or not self.privacy_mode
            or chat.bot_status == "administrator"
            or replied_to_bot
            or text.startswith("/")
            or f"@{self.bot_username}".lower() in text.lower()
        )
        return self._enqueue({"message": message}, delivered=visible)

    def push_document(
        self, chat_id: int, user_id: int, filename: str, content: bytes, *,
        caption: str = "", mime_type: str = "application/json",
    ) -> PushedUpdate:
        """Queue a file sent by a user, with an optional caption (a command gets its entity)."""
        user = self._ensure_user(user_id)
        chat = self._chat_for_push(chat_id, user)
        number = next(self._file_ids)
        document = {"file_id": f"BQACAgIAAxk-user-{number}", "file_unique_id": f"AgUS{number}",
                    "file_size": len(content), "file_name": filename, "mime_type": mime_type}
        upload = UploadedFile("document", filename, content, mime_type)
        path = f"documents/file_{number}_{filename}"
        self._files[document["file_id"]] = ({**document, "file_path": path}, upload)
        entities = command_entity(caption) if caption.startswith("/") else []
        record = self._store(chat, user_id, text=caption, entities=entities, raw_text=caption,
                             document=document, upload=upload)
        return self._enqueue({"message": self._message_dict(record)}, delivered=True)

    def push_command(self, chat_id: int, user_id: int, command: str) -> PushedUpdate:
        """Queue a command message such as "/start arg" or "/cmd@SomeBot"."""
        return self.push_text(chat_id, user_id, command, entities=command_entity(command))

    def push_reply(
        self, chat_id: int, user_id: int, text: str, reply_to_message_id: int
    ) -> PushedUpdate:
        """Queue a message replying to a stored message (included as reply_to_message)."""
        return self.push_text(chat_id, user_id, text, reply_to_message_id=reply_to_message_id)

    def push_callback(
        self, chat_id: int, user_id: int, message_id: int, data: str, *, check_button: bool = True
    ) -> str:
        """Queue a press of an inline button of a bot message; return the callback query id."""
        user = self._ensure_user(user_id)
        chat = self.chats.get(chat_id)
        record = chat.messages.get(message_id) if chat else None
        if chat is None or record is None or record.deleted:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        if check_button and data not in record.callback_data:
            raise ValueError(f"message {message_id} has no button with data {data!r}")
        query_id = f"{self.bot_id}{next(self._callback_ids):09d}"
        self._callbacks[query_id] = _CallbackQuery(query_id, asyncio.get_running_loop().time())
        query = {
            "id": query_id,
            "from": user.to_api(),
            "chat_instance": str(chat_id * 7919 % 2**62),
            "message": self._message_dict(record),
            "data": data,
        }
        self._enqueue({"callback_query": query})
        return query_id

    def push_my_chat_member(
        self,
        chat_id: int,
        from_user_id: int,
        old_status: str,
        new_status: str,
        *,
        chat_type: str | None = None,
        title: str | None = None,
        rights: Mapping[str, bool] | None = None,
    ) -> PushedUpdate:
        """Queue a change of the bot's membership (added, promoted, removed, blocked)."""
        user = self._ensure_user(from_user_id)
        if chat_id == from_user_id:
            chat = self._private_chat(chat_id)
            user.blocked = new_status == "kicked"
        else:
            chat = self.chats.get(chat_id) or self.add_chat(
                chat_id, chat_type or ("supergroup" if chat_id < -(10**12) else "group"), title
            )
            chat.members.add(from_user_id)
            chat.bot_status, chat.bot_rights = new_status, dict(rights or {})
        bot = self._bot_ref()
        update = {
            "chat": self._chat_dict(chat),
            "from": user.to_api(),
            "date": int(time.time()),
            "old_chat_member": member_dict(old_status, bot),
            "new_chat_member": member_dict(new_status, bot, dict(rights or {})),
        }
        return self._enqueue({"my_chat_member": update})

    def push_migration(
        self, old_id: int, new_id: int, *, from_user_id: int | None = None
    ) -> tuple[PushedUpdate, PushedUpdate]:
        """Upgrade a group to a supergroup: both service messages, as Telegram sends them."""
        old = self.chats[old_id]
        new = self.add_chat(
            new_id,
            "supergroup",
            old.title,
            admins=old.admins,
            creator=old.creator,
            members=old.members,
            bot_status=old.bot_status,
            bot_rights=old.bot_rights,
        )
        old.migrated_to = new_id
        sender = from_user_id or old.creator or next(iter(sorted(old.members)), self.bot_id)
        first = self._store(old, sender, service={"migrate_to_chat_id": new_id})
        second = self._store(new, sender, service={"migrate_from_chat_id": old_id})
        return (
            self._enqueue({"message": self._message_dict(first)}),
            self._enqueue({"message": self._message_dict(second)}),
        )

    def push_raw(self, update: JSON) -> PushedUpdate:
        """Queue an arbitrary update dict (update_id is added when missing)."""
        return self._enqueue(dict(update))
