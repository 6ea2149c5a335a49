"""Shared set-up for the notices tests: a registered consulate, its consul, subscribed chats."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import timedelta

from bot.events import ChatKind, ChatRef, Platform
from bot.ports import DeliveryError
from bot.records import Chat
from bot.replies import Reply, SentMessage
from tests.support import Harness, RecordingMessenger, texts

ORG = "mx-madrid"
ORG_NAME = "Consulado General de México en Madrid"
CONSUL = "consul"

Script = Callable[[int, ChatRef], DeliveryError | None]


class ScriptedMessenger(RecordingMessenger):
    """Records like RecordingMessenger; raises the scripted DeliveryError on chosen calls."""

    def __init__(self, platform: Platform, script: Script | None = None,
                 pause_every_send: bool = False) -> None:
        super().__init__(platform)
        self.script = script
        self.calls = 0
        self.refused = 0
        self.unpins: list[tuple[ChatRef, str]] = []
        self.pause = pause_every_send
        self.reached: dict[int, asyncio.Event] = {}

    async def send(self, chat: ChatRef, reply: Reply, *, key: str | None = None) -> SentMessage:
        """Fail as scripted, else record; optionally yield after recording (a slow answer)."""
        self.calls += 1
        error = self.script(self.calls, chat) if self.script else None
        if error is not None:
            self.refused += 1
            raise error
        sent = await super().send(chat, reply, key=key)
        for count, event in self.reached.items():
            if len(self.sent) >= count:
                event.set()
        if self.pause:
            # The platform has the message, the answer is still on its way: the
            # moment a crash or a cancellation is most dangerous.
            await asyncio.sleep(0)
        return sent

    async def unpin(self, chat: ChatRef, message_id: str) -> None:
        """Record an unpin."""
        self.unpins.append((chat, message_id))

    def when_sent(self, count: int) -> asyncio.Event:
        """An event set once `count` messages were sent."""
        return self.reached.setdefault(count, asyncio.Event())

    def copies(self, marker: str = "🛡") -> dict[str, list[Reply]]:
        """Notice copies sent, by chat id."""
        out: dict[str, list[Reply]] = {}
        for chat, reply in self.sent:
            if reply.body.plain().startswith(marker):
                out.setdefault(chat.id, []).append(reply)
        return out


async def register(h: Harness, *, short: str = ORG, name: str = ORG_NAME, language: str = "es",
                   consul: str = CONSUL) -> None:
    """As the operator: register the consulate and attach the consul's console account."""
    saved = h.user, h.chat, h.admin
    h.as_user("me", admin=True)
    h.in_chat("main")
    out = texts(await h.send(f"/broadcaster add {short} | {name} | MX | {language}"))
    assert "Registered" in out, out
    out = texts(await h.send(f"/broadcaster attach {short} console:{consul}"))
    assert "can now publish" in out, out
    h.user, h.chat, h.admin = saved


def as_consul(h: Harness, name: str = CONSUL) -> Harness:
    """Act as the consul in their private chat with the bot."""
    h.as_user(name)
    return h.in_chat(name, private=True)


async def subscribed_chats(h: Harness, count: int, *, platforms: Sequence[Platform],
                           languages: Sequence[str], short: str = ORG,
                           categories: Sequence[str] = ()) -> list[Chat]:
    """`count` group chats spread over platforms and languages, each subscribed to `short`."""
    store = h.app.store
    org = await store.notices.find_org(short)
    assert org is not None
    chats = []
    for n in range(count):
        platform = platforms[n % len(platforms)]
        ref = ChatRef(platform, f"{platform.value[:2]}{n}", ChatKind.GROUP, f"Chat {n}")
        chat = await store.chats.ensure(ref, languages[n % len(languages)])
        await store.notices.subscribe(chat.id, org.id, list(categories), None)
        chats.append(chat)
    return chats


async def settle_all(h: Harness, *, step: timedelta = timedelta(seconds=5), rounds: int = 40) -> None:
    """Advance the clock until nothing is left to send and no report tick is pending."""
    for _ in range(rounds):
        await h.advance(step)
        soon = await h.app.store.schedule.pending(until=h.clock.now() + timedelta(minutes=1))
        if not await h.app.store.outbox.depth() and not soon:
            return
    raise AssertionError("the outbox never emptied")
