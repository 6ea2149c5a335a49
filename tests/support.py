"""Test helpers: databases on every backend, and a one-line harness around the real core."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text as sql

from adapters.console.adapter import ConsoleAdapter
from bot.app import App
from bot.clock import FakeClock
from bot.config import Settings
from bot.events import (
    ButtonPressed,
    ChatKind,
    ChatRef,
    CommandInvoked,
    Event,
    MessagePosted,
    Platform,
    QuotedMessage,
    UserRef,
)
from bot.feature import Feature
from bot.replies import Outcome, Reply, SentMessage, Toast
from scheduling.pacing import Limits
from storage.db import make_engine
from storage.migrate import upgrade
from storage.store import SqlStore

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def backends() -> list[str]:
    """The backends storage tests run on: SQLite always, PostgreSQL when configured."""
    return ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


async def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema (each test starts from nothing)."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(sql("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(sql("CREATE SCHEMA public"))
    await engine.dispose()


async def database_url(backend: str, tmp_path: Any) -> str:
    """A fresh, empty database of `backend`."""
    if backend == "postgresql":
        await reset_postgres(PG_URL)
        return PG_URL
    return f"sqlite+aiosqlite:///{tmp_path}/test.db"


@asynccontextmanager
async def open_store(url: str, clock: FakeClock) -> AsyncIterator[SqlStore]:
    """A migrated store on `url`."""
    store = SqlStore.from_url(url, clock)
    await upgrade(store.engine)
    try:
        yield store
    finally:
        await store.close()


class RecordingMessenger:
    """A messenger that keeps what the outbox sends (for core tests without a platform)."""

    limits = Limits()

    def __init__(self, platform: Platform = Platform.CONSOLE) -> None:
        self.platform = platform
        self.sent: list[tuple[ChatRef, Reply]] = []
        self.edits: list[tuple[ChatRef, tuple[str, ...], Reply]] = []
        self.deleted: list[tuple[ChatRef, tuple[str, ...]]] = []
        self._next = 0

    async def send(self, chat: ChatRef, reply: Reply, *, key: str | None = None) -> SentMessage:
        """Record a send."""
        self._next += 1
        self.sent.append((chat, reply))
        return SentMessage(chat, (f"m{self._next}",))

    async def edit(self, chat: ChatRef, message_ids: Sequence[str], reply: Reply) -> None:
        """Record an edit."""
        self.edits.append((chat, tuple(message_ids), reply))

    async def delete(self, chat: ChatRef, message_ids: Sequence[str]) -> None:
        """Record a deletion."""
        self.deleted.append((chat, tuple(message_ids)))

    async def unpin(self, chat: ChatRef, message_id: str) -> None:
        """Unpins are not recorded."""

    def texts(self, chat_id: str | None = None) -> list[str]:
        """The plain texts sent, optionally to one chat."""
        return [r.body.plain() for c, r in self.sent if chat_id is None or c.id == chat_id]


def texts(outcomes: Sequence[Outcome]) -> str:
    """Every reply's plain text and toast, joined (for assertions)."""
    parts = []
    for o in outcomes:
        if isinstance(o, Reply):
            parts.append(o.body.plain())
        elif isinstance(o, Toast):
            parts.append(o.text)
    return "\n".join(parts)


@dataclass
class Harness:
    """Drive the real core with one line per message: `await h.send("/help")`."""

    app: App
    clock: FakeClock
    messenger: RecordingMessenger
    user: UserRef = field(default_factory=lambda: UserRef(Platform.CONSOLE, "me", "Me", "me"))
    chat: ChatRef = field(
        default_factory=lambda: ChatRef(Platform.CONSOLE, "main", ChatKind.GROUP, "Main"))
    admin: bool = True
    locale_hint: str | None = None
    _ids: int = 0

    def as_user(self, name: str, *, admin: bool = False, locale: str | None = None) -> Harness:
        """Act as another person from now on."""
        self.user = UserRef(self.chat.platform, name, name.title(), name)
        self.admin = admin
        self.locale_hint = locale
        return self

    def in_chat(self, chat_id: str, *, private: bool = False, title: str | None = None,
                platform: Platform | None = None) -> Harness:
        """Talk in another chat from now on."""
        kind = ChatKind.PRIVATE if private else ChatKind.GROUP
        self.chat = ChatRef(platform or self.chat.platform, chat_id, kind, title or chat_id)
        return self

    def _common(self) -> dict[str, Any]:
        self._ids += 1
        return {"chat": self.chat, "user": self.user, "platform_admin": self.admin,
                "locale_hint": self.locale_hint}

    async def send(self, line: str, *, reply_to: QuotedMessage | None = None) -> list[Outcome]:
        """Send a command line (`/name args`) and return the core's outcomes."""
        assert line.startswith("/"), line
        head, _, args = line[1:].partition(" ")
        event = CommandInvoked(**self._common(), command=head.lower(), args=args,
                               message_id=f"in{self._ids}", reply_to=reply_to)
        return await self.app.handle(event)

    async def say(self, text: str) -> list[Outcome]:
        """Post a plain message (not a command), e.g. to answer a form's question."""
        return await self.app.handle(MessagePosted(**self._common(), text=text,
                                                   message_id=f"in{self._ids}"))

    async def press(self, data: str, message_id: str = "m1") -> list[Outcome]:
        """Press a button carrying `data`."""
        return await self.app.handle(ButtonPressed(**self._common(), data=data,
                                                   message_id=message_id))

    async def event(self, event: Event) -> list[Outcome]:
        """Hand any event to the core."""
        return await self.app.handle(event)

    async def advance(self, delta: timedelta) -> None:
        """Move the clock, fire what fell due, and deliver what that queued."""
        self.clock.advance(delta)
        await self.settle()

    async def settle(self) -> None:
        """Fire due timers and deliver everything queued."""
        await self.app.runner.resync()
        await self.app.runner.wait_idle()
        await self.app.worker.drain(within=10)


def process_env(settings: dict[str, str]) -> dict[str, str]:
    """The environment for a `diaspora-bot` subprocess: this one's, without any bot setting
    it may hold (a developer's .env exported in the shell), plus `settings`."""
    ours = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env.update(settings)
    return env


async def row_counts(url: str) -> dict[str, int]:
    """How many rows each table of the database holds."""
    from sqlalchemy import func, select

    from storage.models import metadata

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return {t.name: await conn.scalar(select(func.count()).select_from(t)) or 0
                    for t in metadata.sorted_tables}
    finally:
        await engine.dispose()


def settings_for_tests(**overrides: Any) -> Settings:
    """Settings for tests: no .env, no tokens, predictable defaults."""
    base: dict[str, Any] = {"_env_file": None, "operator_ids": ["console:me"],
                            "default_language": "en", "default_timezone": "UTC",
                            # Tests fire commands far faster than people; the flood
                            # limit has tests of its own.
                            "command_rate_limit": "0"}
    base.update(overrides)
    return Settings(**base)


@asynccontextmanager
async def make_harness(url: str, clock: FakeClock | None = None,
                       features: Sequence[Feature] | None = None,
                       **settings: Any) -> AsyncIterator[Harness]:
    """A started app on `url` with a recording messenger for the console platform."""
    clock = clock or FakeClock()
    async with open_store(url, clock) as store:
        app = App(settings_for_tests(**settings), store, clock, features)
        messenger = RecordingMessenger()
        app.add_messenger(messenger)
        await app.start()
        try:
            yield Harness(app, clock, messenger)
        finally:
            await app.stop()


@dataclass
class ConsoleSession:
    """The real console adapter on the real core, reading `script` and writing to `out`."""

    app: App
    console: ConsoleAdapter
    out: io.StringIO
    clock: FakeClock


@asynccontextmanager
async def console_session(tmp_path: Path, script: str = "",
                          **settings: Any) -> AsyncIterator[ConsoleSession]:
    """A started console on a fresh database under `tmp_path` (files go to `files/`)."""
    clock = FakeClock()
    async with open_store(f"sqlite+aiosqlite:///{tmp_path}/c.db", clock) as store:
        app = App(settings_for_tests(**settings), store, clock)
        out = io.StringIO()
        console = ConsoleAdapter(app, io.StringIO(script), out, files_dir=tmp_path / "files")
        await app.start()
        try:
            yield ConsoleSession(app, console, out, clock)
        finally:
            await app.stop()


async def run_console(tmp_path: Path, script: str, **settings: Any) -> str:
    """Everything the console printed while running `script` to its end."""
    async with console_session(tmp_path, script, **settings) as session:
        await session.console.run()
    return session.out.getvalue()
