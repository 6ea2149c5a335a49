"""/setup: register a chat and greet it; chats of one space (a Discord server) share a community."""

from __future__ import annotations

from bot.events import ChatKind, ChatRef, Platform
from bot.sources import LINK
from tests.support import Harness, texts


def _channel(harness: Harness, channel: str, space: str = "g1") -> Harness:
    harness.chat = ChatRef(Platform.DISCORD, channel, ChatKind.GROUP, f"#{channel}",
                           space_id=space)
    return harness


async def test_setup_greets_in_the_chats_language_and_refuses_members(harness: Harness) -> None:
    await harness.send("/language es")
    assert "¡Hola a todos!" in texts(await harness.send("/setup"))
    harness.as_user("alice")
    assert "moderadores" in texts(await harness.send("/setup"))
    harness.in_chat("alice", private=True)
    assert "group chat" in texts(await harness.send("/setup"))


async def test_channels_set_up_in_one_server_share_a_community(harness: Harness) -> None:
    _channel(harness, "c1").as_user("mod", admin=True)
    store = harness.app.store
    assert "Linked" not in texts(await harness.send("/setup"))
    await _channel(harness, "c2").send("/help")  # used there, but never set up
    joined = texts(await _channel(harness, "c3").send("/setup"))
    assert "Linked." in joined and "#c1 (discord)" in joined and "#c2" not in joined
    c1, c2, c3 = [await store.chats.find(Platform.DISCORD, c) for c in ("c1", "c2", "c3")]
    assert c1 is not None and c2 is not None and c3 is not None
    assert c1.community_id == c3.community_id != c2.community_id
    # The first channel hears about it through the outbox.
    [notice] = await store.outbox.by_source(LINK.of(c1.community_id))
    assert notice.chat_id == c1.id
    # Again: greets, links nothing more. Another server's channel starts its own community.
    assert "Linked" not in texts(await _channel(harness, "c3").send("/setup"))
    assert "Linked" not in texts(await _channel(harness, "x1", space="g2").send("/setup"))
    x1 = await store.chats.find(Platform.DISCORD, "x1")
    assert x1 is not None and x1.community_id != c1.community_id
