"""A community of a Telegram group and a Discord channel, driven through the real core."""

from __future__ import annotations

from dataclasses import dataclass

from bot.events import Platform, UserRef
from bot.records import Chat, ScheduledItem
from bot.replies import Reply
from bot.richtext import RichText, Timestamp
from tests.support import Harness, RecordingMessenger, texts

TG_GROUP = "-1001"
DC_CHANNEL = "555"


@dataclass
class Community:
    """The two chats, their messengers, and how to talk in each."""

    h: Harness
    tg: RecordingMessenger
    dc: RecordingMessenger
    # The language each chat reads, also the platform's hint for its people.
    tg_language: str = "en"
    dc_language: str = "en"

    def in_telegram(self, user: str = "mod", *, admin: bool = True) -> Harness:
        """Talk in the Telegram group as `user`."""
        self.h.in_chat(TG_GROUP, platform=Platform.TELEGRAM, title="Madrid")
        self.h.user = UserRef(Platform.TELEGRAM, f"tg-{user}", user.title(), user)
        self.h.admin = admin
        self.h.locale_hint = self.tg_language
        return self.h

    def in_discord(self, user: str = "dmod", *, admin: bool = True) -> Harness:
        """Talk in the Discord channel as `user`."""
        self.h.in_chat(DC_CHANNEL, platform=Platform.DISCORD, title="general")
        self.h.user = UserRef(Platform.DISCORD, f"dc-{user}", user.title(), user)
        self.h.admin = admin
        self.h.locale_hint = self.dc_language
        return self.h

    async def chat(self, platform: Platform) -> Chat:
        """The stored chat of a platform."""
        found = await self.h.app.store.chats.find(
            platform, TG_GROUP if platform == Platform.TELEGRAM else DC_CHANNEL)
        assert found is not None
        return found


async def linked(h: Harness, *, tg: tuple[str, str] = ("es", "Europe/Madrid"),
                 dc: tuple[str, str] = ("fr", "America/Mexico_City")) -> Community:
    """Link a Telegram group and a Discord channel, each with its language and zone."""
    community = Community(h, RecordingMessenger(Platform.TELEGRAM),
                          RecordingMessenger(Platform.DISCORD))
    h.app.add_messenger(community.tg)
    h.app.add_messenger(community.dc)
    community.in_telegram()
    [reply] = await h.send("/link")
    code = reply.body.plain().split("/link ")[-1].strip()  # type: ignore[union-attr]
    await h.send(f"/language {tg[0]}")
    await h.send(f"/timezone {tg[1]}")
    community.in_discord()
    assert "Linked" in texts(await h.send(f"/link {code}"))
    await h.send(f"/language {dc[0]}")
    await h.send(f"/timezone {dc[1]}")
    await h.settle()
    community.tg_language, community.dc_language = tg[0], dc[0]
    community.tg.sent.clear()
    community.dc.sent.clear()
    return community


def last(messenger: RecordingMessenger, contains: str = "") -> Reply:
    """The last message sent through a messenger (containing a text, if given)."""
    for _chat, reply in reversed(messenger.sent):
        if contains in reply.body.plain():
            return reply
    raise AssertionError(f"nothing sent containing {contains!r}: {messenger.texts()}")


def edited(messenger: RecordingMessenger) -> list[str]:
    """The plain texts of every edit, in order."""
    return [reply.body.plain() for _chat, _ids, reply in messenger.edits]


def timestamps(body: RichText) -> list[Timestamp]:
    """Every Timestamp node of a body."""
    return [node for b in body.blocks for ln in b.lines for node in ln.children
            if isinstance(node, Timestamp)]



async def meeting_items(store: object) -> list[ScheduledItem]:
    """Pending schedule items of meetings (digests and the retention sweep keep their own)."""
    return [i for i in await store.schedule.pending()  # type: ignore[attr-defined]
            if i.kind.startswith(("meeting.", "session.", "action."))]
