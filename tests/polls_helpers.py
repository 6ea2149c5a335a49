"""A community of a Telegram group (Spanish) and a Discord channel (English) for poll tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from bot.app import App
from bot.clock import FakeClock
from bot.events import ButtonPressed, ChatKind, ChatRef, Platform, UserRef
from bot.replies import Reply, Toast
from tests.support import Harness, RecordingMessenger, open_store, settings_for_tests, texts

TG = ChatRef(Platform.TELEGRAM, "-1001", ChatKind.GROUP, "Madrid")
DC = ChatRef(Platform.DISCORD, "5551", ChatKind.GROUP, "general", space_id="77")
SECRET = "test-secret-key-that-is-long-enough-0123456789"


@asynccontextmanager
async def running_app(store: Any, clock: FakeClock, *messengers: RecordingMessenger,
                      **settings: Any) -> AsyncIterator[App]:
    """A started app on an open store, delivering through these messengers."""
    app = App(settings_for_tests(**settings), store, clock)
    for messenger in messengers:
        app.add_messenger(messenger)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


class Community(Harness):
    """The harness, with one messenger per platform and helpers to act on either."""

    tg: RecordingMessenger
    dc: RecordingMessenger

    def telegram(self, name: str, *, admin: bool = False, locale: str | None = "es") -> Community:
        """Act as `name` in the Telegram group."""
        self.chat = TG
        self.user = UserRef(Platform.TELEGRAM, f"tg-{name}", name.title(), name)
        self.admin, self.locale_hint = admin, locale
        return self

    def discord(self, name: str, *, admin: bool = False, locale: str | None = "en-US") -> Community:
        """Act as `name` in the Discord channel."""
        self.chat = DC
        self.user = UserRef(Platform.DISCORD, f"dc-{name}", name.title(), name)
        self.admin, self.locale_hint = admin, locale
        return self

    def card(self, platform: Platform, index: int = -1) -> Reply:
        """A poll message as sent to one platform."""
        messenger = self.tg if platform == Platform.TELEGRAM else self.dc
        return messenger.sent[index][1]

    def button(self, option: int, index: int = -1) -> str:
        """The packed action of an option's button on the last Telegram card."""
        flat = [b for row in self.card(Platform.TELEGRAM, index).buttons for b in row]
        return flat[option].action

    async def vote(self, option: int, index: int = -1) -> str:
        """Press an option as the current person; the toast's text."""
        outcomes = await self.press(self.button(option, index))
        toasts = [o for o in outcomes if isinstance(o, Toast)]
        assert len(toasts) == 1, outcomes
        return toasts[0].text

    async def vote_from(self, reply: Reply, option: int) -> str:
        """Press an option's button of any reply (a card shown privately, say); the answer."""
        flat = [b for row in reply.buttons for b in row]
        return texts(await self.press(flat[option].action))


def event_for(chat: ChatRef, name: str, data: str) -> ButtonPressed:
    """A button press from a person of the chat's platform."""
    prefix = "tg" if chat.platform == Platform.TELEGRAM else "dc"
    user = UserRef(chat.platform, f"{prefix}-{name}", name.title(), name)
    return ButtonPressed(chat=chat, user=user, data=data, message_id="m1")


async def link(app: App) -> None:
    """Make the Telegram group (es) and the Discord channel (en) one community."""
    store = app.store
    tg = await store.chats.ensure(TG, "es")
    dc = await store.chats.ensure(DC, "en")
    await store.communities.merge(dc.community_id, tg.community_id)


@asynccontextmanager
async def community(url: str, clock: FakeClock | None = None,
                    **settings: Any) -> AsyncIterator[Community]:
    """A started app with Telegram and Discord messengers and the two chats linked."""
    clock = clock or FakeClock()
    async with open_store(url, clock) as store:
        tg, dc = RecordingMessenger(Platform.TELEGRAM), RecordingMessenger(Platform.DISCORD)
        console = RecordingMessenger()
        async with running_app(store, clock, console, tg, dc, **settings) as app:
            await link(app)
            h = Community(app, clock, console)
            h.tg, h.dc = tg, dc
            yield h


def plain(replies: Sequence[Reply]) -> list[str]:
    """The plain texts of replies."""
    return [r.body.plain() for r in replies]
