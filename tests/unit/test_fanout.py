"""Fan-out to a community: one copy per chat, in its language; edits reach every copy."""

from __future__ import annotations

from bot.events import ChatKind, ChatRef, Platform
from bot.fanout import edit_everywhere, post_to_community
from bot.i18n import _
from bot.records import Chat, DeliveryOp
from bot.replies import Reply
from bot.richtext import doc
from bot.sources import SourceRef
from tests.support import Harness, RecordingMessenger


async def test_each_chat_gets_one_copy_in_its_language_and_edits_follow(
        harness: Harness) -> None:
    discord = RecordingMessenger(Platform.DISCORD)
    harness.app.add_messenger(discord)
    store = harness.app.store
    es = await store.chats.ensure(ChatRef(Platform.CONSOLE, "es", ChatKind.GROUP), "es")
    fr = await store.chats.ensure(ChatRef(Platform.DISCORD, "fr", ChatKind.GROUP), "fr")
    await store.communities.merge(fr.community_id, es.community_id)

    def hello(chat: Chat) -> Reply:
        return Reply(doc(_("Hello, everyone!")))

    services, t = harness.app.services, SourceRef("t")
    assert await post_to_community(services, es.community_id, hello, key="t", source=t) == 2
    assert await post_to_community(services, es.community_id, hello, key="t", source=t) == 2
    await harness.settle()
    assert harness.messenger.texts() == ["¡Hola a todos!"]
    assert discord.texts() == ["Bonjour à tous\xa0!"]

    def bye(chat: Chat) -> Reply:
        return Reply(doc(_("This button no longer works.")))

    assert await edit_everywhere(services, t, bye, key="t:v2") == 2
    await harness.settle()
    assert [r.body.plain() for _c, _ids, r in discord.edits] == ["Ce bouton ne fonctionne plus."]
    assert await edit_everywhere(services, t, bye, key="t:del", op=DeliveryOp.DELETE) == 2
    await harness.settle()
    assert len(discord.deleted) == 1 and len(harness.messenger.deleted) == 1
